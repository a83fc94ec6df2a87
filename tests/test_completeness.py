"""Partial reports load what they have; documents.completeness says how much of the template they gave."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLES
from gongkai.extract import extract_bytes
from gongkai.ingest import ingest

FULL = SAMPLES / "000_856c0ba2b5f45a65.txt"
CELLS_2021 = 10 + 25 * 7 + 15  # section 二, 三 (rows × applicants), 四


def _cut(before: str) -> bytes:
    text = FULL.read_text(encoding="utf-8")
    return text[: text.index(before)].encode("utf-8")


def test_full_report_is_complete() -> None:
    extraction = extract_bytes(FULL, FULL.read_bytes())
    assert extraction.status == "loaded" and extraction.document["completeness"] == 1.0
    assert not any(n.reason.startswith("partial report") for n in extraction.notes)


@pytest.mark.parametrize("cut_before, found", [
    ("三、收到和处理政府信息公开申请情况", 10),  # only section 二 survives
    ("三、本年度办理结果", 10 + 2 * 7),  # section 三 cut after its first two rows
])
def test_a_report_cut_short_loads_what_it_has(cut_before: str, found: int) -> None:
    extraction = extract_bytes(Path("cut.txt"), _cut(cut_before))
    assert extraction.status == "loaded", extraction.document["error"]
    assert extraction.document["completeness"] == round(found / CELLS_2021, 4)
    semantics = [v.value_semantic for v in extraction.values]
    assert len(semantics) == CELLS_2021 and semantics.count("missing") == CELLS_2021 - found
    assert all(v.value is None for v in extraction.values if v.value_semantic == "missing")
    assert extraction.notes[0].reason.startswith(f"partial report: {found} of {CELLS_2021} template cells found")


def test_a_titled_document_with_only_two_rows_is_cut_short_not_images() -> None:
    text = FULL.read_text(encoding="utf-8")
    start = text.index("二、主动公开政府信息情况")
    cut = text[:start] + "二、主动公开政府信息情况\n第二十条第（五）项\n信息内容\t本年处理决定数量\n行政许可\t3\n行政处罚\t4\n"
    extraction = extract_bytes(Path("cut.txt"), cut.encode("utf-8"))
    assert extraction.status == "quarantined"
    assert "found only 2 template rows" in extraction.document["error"] and "images" not in extraction.document["error"]


def test_a_titled_document_without_tables_is_still_quarantined_as_images() -> None:
    extraction = extract_bytes(Path("cut.txt"), _cut("二、主动公开政府信息情况"))
    assert extraction.status == "quarantined"
    assert "found no template tables" in extraction.document["error"] and "images" in extraction.document["error"]


def test_untitled_text_with_a_stray_template_row_is_not_a_report() -> None:
    text = "2024年湘潭县人民政府工作报告\n\n主要指标\t2023年\t2024年\n行政许可\t12\n"
    extraction = extract_bytes(Path("other.txt"), text.encode("utf-8"))
    assert extraction.status == "quarantined" and "another kind of document" in extraction.document["error"]


def test_completeness_in_the_documents_view_and_old_warehouses_migrate(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    ingest([SAMPLES / "001_2b155fb9c9cacf46.txt"], db, workers=1)
    con = duckdb.connect(str(db))  # make it a warehouse from before the column existed
    con.execute("DROP VIEW IF EXISTS documents")
    con.execute("ALTER TABLE dim_document DROP COLUMN completeness")
    con.execute("DELETE FROM warehouse_meta WHERE key = 'schema'")  # published by an older schema
    con.close()
    partial = tmp_path / "partial.txt"
    partial.write_bytes(_cut("三、收到和处理政府信息公开申请情况"))
    second = SAMPLES / "002_c369d243f08fde9e.txt"
    ingest([second, partial], db, workers=1)
    con = duckdb.connect(str(db), read_only=True)
    rows = dict(con.execute("SELECT source, completeness FROM documents WHERE status = 'loaded'").fetchall())
    con.close()
    assert rows[str(second)] == 1.0 and rows[str(partial)] == round(10 / CELLS_2021, 4)
    assert rows[str(SAMPLES / "001_2b155fb9c9cacf46.txt")] is None  # loaded before the column: unknown, not 0
