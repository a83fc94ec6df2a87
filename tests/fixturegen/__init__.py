"""Fixture generator: realistic 政府信息公开工作年度报告 with known values, in DOCX/PDF/HTML/TXT.

Usage:  python -m tests.fixturegen --out DIR --n N --seed S --formats docx,pdf,html,txt
API:    generate_corpus(out_dir, n, seed, formats, ...) -> list of document paths
        generate_multi_year(out_dir, (2022, 2024), counties, ...) -> list of document paths
Each document NAME comes with NAME.truth.csv (expected values) and NAME.meta.json (see corpus.py).
"""
from .corpus import FORMATS, GeneratedDoc, Timings, generate_corpus, generate_multi_year, make_document, read_truth
from .spec import check_identities
from .values import INJECTABLE

__all__ = [
    "FORMATS",
    "INJECTABLE",
    "GeneratedDoc",
    "Timings",
    "check_identities",
    "generate_corpus",
    "generate_multi_year",
    "make_document",
    "read_truth",
]
