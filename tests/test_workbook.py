"""The workbook (issue 13 item 1), opened with openpyxl as a reader would and printed with LibreOffice.

Expected figures come from the generator's truth files and data/admin_divisions, not from the warehouse.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from conftest import query_one
from openpyxl.utils import get_column_letter
from warehouse_corpus import Corpus, townships_of

from warehouse import workbook
from warehouse.export import export
from warehouse.workbook import HEADER_ROWS, display_width

ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}[ ,:;]+[A-Za-z]{2,}")
CODE_KIND = workbook.KIND_ZH["code"]


@pytest.fixture(scope="module")
def book_path(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workbook of the province and year with the broken carry-over (a failed check to show)."""
    out = tmp_path_factory.mktemp("workbook")
    victim = corpus.victim
    province = _province(corpus, victim.county_code)
    export(corpus.db, out, province=province, year=victim.year, pdf=False)
    return out / province / str(victim.year) / f"{province}_{victim.year}.xlsx"


@pytest.fixture(scope="module")
def book(book_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(book_path)


def _province(corpus: Corpus, county_code: str) -> str:
    return query_one(corpus.db, "SELECT DISTINCT province FROM units WHERE county_code = ?", [county_code])[0]


def dictionary(book: openpyxl.Workbook) -> dict[tuple[str, str], str]:
    """(sheet, column id) -> kind, from the dictionary sheet."""
    ws = book["数据字典"]
    return {(r[0], r[2]): r[3] for r in ws.iter_rows(min_row=HEADER_ROWS + 1, values_only=True) if r[0]}


def test_the_summary_comes_first_the_dictionary_last_and_the_wide_sheet_is_not_first(book) -> None:
    names = book.sheetnames
    assert names[0] == "概览" and names[-1] == "数据字典"
    assert {"地区汇总", "地区比率", "未报送乡镇", "数据质量", "勾稽检查", "备注", "单位年度宽表"} <= set(names)
    assert book.active.title == "概览"
    assert callable(workbook.SHEET_BUILDERS[0]) and len(workbook.SHEET_BUILDERS) == len(names) - 2


def test_summary_key_figures_match_the_generated_reports(corpus: Corpus, book) -> None:
    ws = book["概览"]
    rows = {r[-1]: r for r in ws.iter_rows(min_row=HEADER_ROWS + 1, max_row=HEADER_ROWS + 8, values_only=True)}
    victim = corpus.victim
    reports = [r for r in corpus.reports if r.year == victim.year and r.county_code == victim.county_code]
    townships = townships_of({victim.county_code})[victim.county_code]
    values = {figure_id: row[1] for figure_id, row in rows.items()}
    assert values["townships"] == len(townships)
    assert values["townships_reporting"] == len({r.region_code for r in reports if r.unit_type == "township"})
    assert values["reporting_units"] == len(reports)
    assert values["received_total"] == sum(r.truth[("requests.received", "total")] for r in reports)
    granted = sum(r.truth[("requests.granted", "total")] for r in reports)
    outcomes = sum(r.truth[("requests.outcomes_total", "total")] for r in reports)
    assert values["share_granted"] == pytest.approx(granted / outcomes)
    assert values["failed_checks"] >= 1  # the broken carry-over
    explanation = rows["share_granted"][2]
    assert f"{granted:,.0f}" in explanation and f"{outcomes:,.0f}" in explanation and "不计入" in explanation
    share_cell = next(c for c in ws["B"] if c.value == values["share_granted"])
    assert share_cell.number_format == "0.0%"


def test_summary_has_four_native_charts_with_their_series(book) -> None:
    charts = book["概览"]._charts
    described = {}
    for chart in charts:
        title = "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or []))
        series = ["".join(s.tx.strRef.f if s.tx.strRef else s.tx.v) for s in chart.series]
        described[title] = (type(chart).__name__, getattr(chart, "grouping", None), len(series), [s.val.numRef.f for s in chart.series])
    assert len(charts) == 4
    kinds = sorted((k, g, n) for k, g, n, _ in described.values())
    assert kinds == [("BarChart", "clustered", 1), ("BarChart", "percentStacked", 6), ("BarChart", "stacked", 2),
                     ("LineChart", "standard", 2)]
    for _, _, _, refs in described.values():
        assert all(ref.startswith("概览!$") for ref in refs)
    ws = book["概览"]
    line = next(v for k, v in described.items() if v[0] == "LineChart")
    first, last = line[3][0].split("!")[1].replace("$", "").split(":")
    years = [ws[f"A{cell[1:]}"].value for cell in (first, last)]
    assert years == [2022, 2024]  # the year-on-year line runs over every year of the province


def test_every_sheet_has_frozen_headers_a_filter_and_a_print_setup(book) -> None:
    for ws in book.worksheets:
        assert ws.freeze_panes and ws.freeze_panes.endswith(str(HEADER_ROWS + 1)), ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.split(":")[0].endswith(str(HEADER_ROWS)), ws.title
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.print_title_rows == f"$2:${HEADER_ROWS}", ws.title
        header = ws[2]
        assert all(isinstance(c.value, str) for c in header if c.value is not None)
        assert not any("(" in (c.value or "") and ")" in (c.value or "") and re.search(r"\([a-z_./]+\)", c.value or "")
                       for c in header), ws.title  # ids are in their own row, not glued to the header
    wide = book["单位年度宽表"]
    assert wide.page_setup.fitToWidth > 1 and wide.print_title_cols == "$A:$A"  # unit names repeat on every page across


def test_number_formats_counts_shares_and_amounts(book) -> None:
    formats = {}
    for name in ("地区汇总", "地区比率", "单位年度宽表"):
        ws = book[name]
        ids = [c.value for c in ws[HEADER_ROWS]]
        for row in ws.iter_rows(min_row=HEADER_ROWS + 1):
            for column_id, cell in zip(ids, row):
                if isinstance(cell.value, (int, float)):
                    formats.setdefault((name, column_id), set()).add(cell.number_format)
    assert formats[("地区汇总", "received_total")] == {"#,##0"}
    assert formats[("地区汇总", "fees_amount")] == {"#,##0.00"}
    assert formats[("地区比率", "share_granted")] == {"0.0%"}
    assert formats[("地区比率", "reviews_per_100_received")] == {"0.00"}
    assert formats[("单位年度宽表", "proactive.fees.amount")] == {"#,##0.00"}
    assert formats[("单位年度宽表", "requests.received/total")] == {"#,##0"}
    assert ("地区汇总", "year") not in formats or formats[("地区汇总", "year")] == {"0"}


def shown(cell) -> str:
    """The text a spreadsheet shows for a cell, by its number format."""
    shows = {"0.0%": lambda v: f"{100 * v:.1f}%", "#,##0": lambda v: f"{v:,.0f}", "#,##0.00": lambda v: f"{v:,.2f}",
             "0.00": lambda v: f"{v:.2f}", "0": lambda v: f"{v:.0f}"}
    if isinstance(cell.value, (int, float)) and cell.number_format in shows:
        return shows[cell.number_format](cell.value)
    return str(cell.value)


def test_column_widths_fit_cjk_text(book) -> None:
    for ws in book.worksheets:
        if ws.title == "概览":
            continue
        widths = {i: d.width for d in ws.column_dimensions.values() for i in range(d.min, d.max + 1)}  # <col> may cover several
        for col in range(1, ws.max_column + 1):
            letter = get_column_letter(col)
            width = widths[col]
            longest = max((display_width(shown(c)) for c in ws[letter][HEADER_ROWS:] if c.value is not None), default=0)
            assert width >= min(longest, workbook.MAX_WIDTH), (ws.title, letter, width, longest)
    unit_width = next(d.width for d in book["勾稽检查"].column_dimensions.values() if d.min == 1)
    assert unit_width >= 2 * max(len(c.value) for c in book["勾稽检查"]["A"][HEADER_ROWS:])  # CJK counts two


def test_the_dictionary_holds_every_column_of_every_sheet(book) -> None:
    described = dictionary(book)
    for ws in book.worksheets:
        if ws.title == "概览":
            continue
        for cell in ws[HEADER_ROWS]:
            assert (ws.title, cell.value) in described, (ws.title, cell.value)
    summary_ids = {c.value for row in book["概览"].iter_rows() for c in row if c.font and c.font.i and c.value}
    assert summary_ids <= {i for s, i in described if s.startswith("概览")}
    assert len(summary_ids) > 10


def test_no_english_text_in_the_chinese_sheets(book) -> None:
    described = dictionary(book)
    codes = {(sheet, column_id) for (sheet, column_id), kind in described.items() if kind == CODE_KIND}
    for ws in book.worksheets:
        code_columns: set[int] = set()
        for row in ws.iter_rows():
            values = [c.value for c in row]
            if any(c.font and c.font.i for c in row if c.value):  # an id row starts a block
                code_columns = {i for i, v in enumerate(values) if any((s, v) in codes for s in (ws.title, "概览·分县区", "概览·历年", "概览"))}
                continue
            for i, value in enumerate(values):
                if isinstance(value, str) and i not in code_columns and not (ws.title == "数据字典" and i == 2):
                    assert not ENGLISH_PHRASE.search(value) and value.lower() != "ok", (ws.title, row[i].coordinate, value)


def test_failed_checks_are_explained_in_chinese(book) -> None:
    ws = book["勾稽检查"]
    ids = [c.value for c in ws[HEADER_ROWS]]
    rows = [dict(zip(ids, r)) for r in ws.iter_rows(min_row=HEADER_ROWS + 1, values_only=True)]
    carry = [r for r in rows if r["check_id"] == "cross_year_carry_over" and r["result"] == "不通过"]
    assert carry and all(r["detail_zh"].startswith("上年结转·") and "相差" in r["detail_zh"] for r in carry)
    assert all(r["result"] in ("不通过", "无法判断") for r in rows)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed (scripts/install-system-deps.sh)")
def test_libreoffice_prints_the_workbook_on_a_sane_number_of_pages(book_path: Path, tmp_path: Path) -> None:
    result = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
                             "--outdir", str(tmp_path), str(book_path)], capture_output=True, text=True, timeout=180)
    pdf = tmp_path / book_path.with_suffix(".pdf").name
    assert pdf.exists(), result.stderr
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 8 <= pages <= 45, pages  # one or a few pages per sheet; the 210-column wide sheet a dozen across
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "概览" in first and "予以公开占比" in first
