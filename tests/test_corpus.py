"""Every format of the generated corpus (tests/fixtures/corpus, made by tests/fixturegen) reads cell by cell."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, read_meta, read_truth
from gongkai.extract import extract_file

CORPUS = ROOT / "tests" / "fixtures" / "corpus"
DOCUMENTS = sorted(p.name.removesuffix(".truth.csv") for p in CORPUS.glob("*.truth.csv"))
FORMATS = ("txt", "docx", "html", "pdf")


def _cases() -> list[tuple[str, str]]:
    return [(doc, fmt) for doc in DOCUMENTS for fmt in FORMATS if (CORPUS / f"{doc}.{fmt}").exists()]


def test_corpus_has_every_format() -> None:
    assert len(DOCUMENTS) >= 12
    for fmt in FORMATS:
        assert sum(1 for _, f in _cases() if f == fmt) == len(DOCUMENTS), fmt


@pytest.mark.parametrize(("document", "fmt"), _cases())
def test_every_cell_of_every_format(document: str, fmt: str) -> None:
    truth = read_truth(CORPUS / f"{document}.truth.csv")
    meta = read_meta(CORPUS / f"{document}.meta.json")
    extraction = extract_file(CORPUS / f"{document}.{fmt}")
    assert extraction.status == "loaded", extraction.document["error"]
    got = {(v.metric_id, v.applicant): v.value for v in extraction.values}
    assert set(got) == set(truth)
    wrong = {k: (got[k], v) for k, v in truth.items() if got[k] != v}
    assert not wrong, wrong
    assert extraction.document["year"] == meta["year"]
    assert extraction.document["region_code"] == meta["region_code"]
    assert extraction.document["template_version"] == meta["template_version"]
