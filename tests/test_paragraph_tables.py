"""Tables without table structure read like their table versions (issue 10 item 1, last part).

The fixture generator prints the same report (same seed: same values, same style) with real
tables and without them: an HTML page of one <p> per cell or of <div> rows of <span> cells (CMS
pages, WeChat re-posts), a DOCX whose tables were pasted as paragraphs (one per row with tabs, or
one per cell) and the PDF of such a DOCX (a text page without rulings). Each must give exactly the
values of its table version.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import read_truth
from fixturegen.corpus import generate_corpus
from fixturegen.pdf_convert import soffice_path
from gongkai.extract import extract_file

SEEDS = range(6)  # 2019 and 2021 templates, blanks none / some / all zero, one-row 其他处理 or three
LAYOUTS = {"html": ("html_cells", ("p", "div")), "docx": ("docx_tables", ("tab_rows", "cell_paragraphs"))}
AS_PARAGRAPHS = "cells printed as paragraphs"


def _read(out: Path, fmt: str, key: str, layout: str, seed: int) -> tuple[dict, object]:
    folder = out / f"{fmt}-{layout}-{seed}"
    files = generate_corpus(folder, 1, seed=seed, formats=fmt, template_2019_share=0.4, style_overrides={key: layout})
    extraction = extract_file(files[0])
    values = {(v.metric_id, v.applicant): (v.value, v.value_semantic) for v in extraction.values}
    return values, extraction


def _row(metric_id: str) -> str:
    """The printed row a metric is in: section 二 rows hold several metrics, section 四 is one row."""
    parts = metric_id.split(".")
    return {"proactive": ".".join(parts[:2]), "appeals": "appeals"}.get(parts[0], metric_id)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("paragraph-tables")


@pytest.mark.parametrize("fmt, layout", [(f, l) for f, (_, ls) in LAYOUTS.items() for l in ls])
@pytest.mark.parametrize("seed", SEEDS)
def test_reads_like_its_table_version(out: Path, fmt: str, layout: str, seed: int) -> None:
    key = LAYOUTS[fmt][0]
    table, table_extraction = _read(out, fmt, key, "table", seed)
    flat, extraction = _read(out, fmt, key, layout, seed)
    assert table_extraction.status == "loaded" and extraction.status == "loaded", extraction.document["error"]
    assert table_extraction.document["completeness"] == 1.0
    if layout in ("cell_paragraphs", "p"):
        # cells without rows: empty cells that end the last row of a table cannot be told from
        # spacing, so that row is NULL (missing), never shifted; every other cell is the same
        wrong = {k: (flat[k], v) for k, v in table.items() if flat[k][0] is not None and flat[k] != v}
        assert not wrong, wrong
        rows_with_blanks = {_row(k[0]) for k, v in table.items() if v[1] == "blank"}
        lost = {k for k, v in table.items() if flat[k] != v}
        assert all(flat[k][1] == "missing" and _row(k[0]) in rows_with_blanks for k in lost), lost
        assert extraction.document["completeness"] == round(1 - len(lost) / len(table), 4)
    else:
        assert {k: v[1] for k, v in flat.items()} == {k: v[1] for k, v in table.items()}
        assert extraction.document["completeness"] == 1.0
    for field in ("unit", "year", "region_code", "template_version"):
        assert extraction.document[field] == table_extraction.document[field], field
    assert any(AS_PARAGRAPHS in n.reason for n in extraction.notes)
    assert not any(AS_PARAGRAPHS in n.reason for n in table_extraction.notes)  # real tables: read as tables
    refs = [v.source_ref for v in extraction.values if v.value_semantic == "number"]
    assert refs and all("printed as paragraphs" in r for r in refs)  # provenance: the paragraph it came from


@pytest.mark.slow
@pytest.mark.skipif(soffice_path() is None, reason="needs LibreOffice (scripts/install-system-deps.sh)")
def test_pdf_of_a_table_pasted_as_paragraphs(tmp_path: Path) -> None:
    """A PDF page of text without rulings (one cell per line): the cells of the table version."""
    files = generate_corpus(tmp_path, 1, seed=0, formats="pdf", template_2019_share=0.0,
                            style_overrides={"docx_tables": "cell_paragraphs", "blanks": "none"})
    truth = read_truth(files[0].with_name(files[0].stem + ".truth.csv"))
    extraction = extract_file(files[0])
    assert extraction.status == "loaded", extraction.document["error"]
    got = {(v.metric_id, v.applicant): v.value for v in extraction.values}
    assert {k: got[k] for k in truth} == truth
    assert extraction.document["completeness"] == 1.0
