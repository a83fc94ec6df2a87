"""Legacy .doc/.xls through headless LibreOffice, .xlsx through openpyxl.

Fixtures (tests/fixtures/legacy/, rebuilt by make_fixture.py there): filled-2021.doc is the
official 2021 template with a few values (docx -> odt -> doc); section3.xls is the head of a
section 三 table with merged cells.
"""
from __future__ import annotations

import io
import subprocess
import threading
from pathlib import Path

import openpyxl
import pytest

from extractors.legacy import (
    convert_with_soffice,
    find_soffice,
    read_doc,
    read_wps,
    read_xls,
    read_xlsx,
)
from extractors.model import ExtractionError, Grid, Paragraph
from extractors.registry import read_bytes

FIXTURES = Path(__file__).parent / "fixtures" / "legacy"
DOC = FIXTURES / "filled-2021.doc"
XLS = FIXTURES / "section3.xls"

needs_soffice = pytest.mark.skipif(
    find_soffice() is None,
    reason="LibreOffice (soffice) is not on PATH; run scripts/install-system-deps.sh")


def _at(grid: Grid, row: int, col: int):
    return next(c for line in grid.rows for c in line if (c.row, c.col) == (row, col))


@pytest.fixture(scope="module")
def doc_result():
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not on PATH; run scripts/install-system-deps.sh")
    return read_bytes(DOC.read_bytes(), DOC.name)


@pytest.mark.slow
@needs_soffice
def test_doc_fixture_is_small_and_really_legacy_word():
    data = DOC.read_bytes()
    assert len(data) < 100_000
    assert data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


@pytest.mark.slow
@needs_soffice
def test_doc_tables_come_back_with_their_spans(doc_result):
    assert doc_result.format == "doc"
    assert doc_result.warnings[0].startswith("converted .doc to .docx with LibreOffice")
    grids = [b for b in doc_result.blocks if isinstance(b, Grid)]
    assert [len(g.rows) for g in grids] == [14, 28, 4]
    section3 = grids[1]
    assert all([c.col for c in line] == list(range(10)) for line in section3.rows)
    result = _at(section3, 5, 0)
    assert (result.text, result.rowspan, result.is_span_copy) == ("三、本年度办理结果", 22, False)
    assert _at(section3, 26, 0).is_span_copy
    total = _at(section3, 26, 1)
    assert (total.text, total.colspan) == ("（七）总计", 2)
    assert [c.text for c in section3.rows[26] if not c.is_span_copy] == ["（七）总计", "12", "", "", "", "", "", "15"]
    assert _at(grids[0], 2, 1).text == "3"
    assert _at(grids[2], 3, 0).text == "1"


@pytest.mark.slow
@needs_soffice
def test_doc_headings_between_tables(doc_result):
    printed = [b for b in doc_result.blocks if not (isinstance(b, Paragraph) and not b.text)]  # empty paragraphs: layout (or empty cells)
    order = [b.ref if isinstance(b, Grid) else b.text[:2] for b in printed]
    assert order[0] == "测试"
    assert printed[0] == Paragraph("测试镇2024年政府信息公开工作年度报告", "para 2")
    headings = [x for x in order if x in {"二、", "三、", "四、", "五、", "t1", "t2", "t3"}]
    assert headings == ["二、", "t1", "三、", "t2", "四、", "t3", "五、"]


@pytest.mark.slow
@needs_soffice
def test_xls_merged_cells():
    result = read_bytes(XLS.read_bytes(), XLS.name)
    assert result.format == "xls"
    (grid,) = result.blocks
    assert len(grid.rows) == 6 and all(len(line) == 10 for line in grid.rows)
    corner = _at(grid, 0, 0)
    assert (corner.rowspan, corner.colspan) == (3, 3) and _at(grid, 2, 2).is_span_copy
    assert [c.text for c in grid.rows[3] if not c.is_span_copy] == ["一、本年新收政府信息公开申请", "12", "3", "", "0", "0", "1", "16"]
    assert _at(grid, 5, 0).is_span_copy and _at(grid, 5, 0).text == "三、本年度办理结果"
    assert grid.rows[5][1].ref == "s1/r6/c2"


@pytest.mark.slow
@needs_soffice
def test_parallel_conversions_use_separate_profiles():
    data = XLS.read_bytes()
    results: list[object] = [None, None]

    def work(i: int) -> None:
        try:
            results[i] = read_xls(data, f"copy{i}.xls")
        except Exception as exc:  # surfaced by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(getattr(r, "format", None) == "xls" for r in results), results


@pytest.mark.slow
@needs_soffice
def test_hung_conversion_is_killed_with_an_actionable_error():
    before = _our_soffice_pids()
    with pytest.raises(ExtractionError, match="longer than"):
        convert_with_soffice(DOC.read_bytes(), DOC.name, "doc", "docx", timeout=0.05)
    assert _our_soffice_pids() <= before  # nothing left running


def _our_soffice_pids() -> set[str]:
    """soffice processes converting in this reader's temp dirs (not other programs' LibreOffice)."""
    out = subprocess.run(["pgrep", "-f", "soffice.*gongkai-convert-"], capture_output=True, text=True).stdout
    return set(out.split())


@needs_soffice
def test_unconvertible_bytes_raise_extraction_error():
    with pytest.raises(ExtractionError, match="could not convert"):
        read_wps(b"\x00not a document at all" * 10, "junk.wps")


@pytest.mark.parametrize("reader", [read_doc, read_wps])
def test_without_soffice_the_error_names_libreoffice(monkeypatch, reader):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ExtractionError) as info:
        reader(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.doc")
    message = str(info.value)
    assert "LibreOffice" in message and "install-system-deps.sh" in message and ".docx" in message


def test_without_soffice_xls_names_libreoffice(monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ExtractionError, match="LibreOffice"):
        read_xls(XLS.read_bytes(), XLS.name)


def test_xlsx_read_directly_with_merged_cells():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "行政复议"
    ws.merge_cells("A1:B1")
    ws["C1"] = "行政诉讼"
    ws["A2"], ws["B2"], ws["C2"] = "结果维持", "总计", "总计"
    ws["A3"], ws["B3"], ws["C3"] = 2.0, 3, None
    ws["E9"] = None  # formatting-only cells beyond the data do not widen the grid
    hidden = wb.create_sheet("草稿")
    hidden["A1"] = "不该出现"
    hidden.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    result = read_bytes(buf.getvalue(), "t.xlsx")
    assert result.format == "xlsx"
    (grid,) = result.blocks
    assert [[(c.text, c.is_span_copy) for c in line] for line in grid.rows] == [
        [("行政复议", False), ("行政复议", True), ("行政诉讼", False)],
        [("结果维持", False), ("总计", False), ("总计", False)],
        [("2", False), ("3", False), ("", False)],
    ]
    assert grid.rows[0][0].colspan == 2
    assert "不该出现" not in result.text() and "hidden sheet" in result.warnings[0]


def test_broken_xlsx_is_an_actionable_error():
    with pytest.raises(ExtractionError, match="save it again"):
        read_xlsx(b"PK\x03\x04garbage", "bad.xlsx")
