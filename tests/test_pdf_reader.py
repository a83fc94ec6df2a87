"""The PDF reader on the two real published PDFs and on fixtures made from them.

Fixtures (tests/fixtures/pdf, tests/fixtures/scanned) were made by
tests/fixtures/pdf/make_fixtures.py from tests/real/huaian-city-2024.pdf.
"""
from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from extractors import ocr
from extractors.boxgrid import is_value
from extractors.model import ExtractionError, Grid, Paragraph, ReadResult
from extractors.pdf import _scan, garbage_ratio, read_pdf
from extractors.pdf_tables import PCell, Part, Stitched, to_grid
from extractors.registry import read_path

ROOT = Path(__file__).parent
REAL = ROOT / "real"
FIX = ROOT / "fixtures"
HUAIAN = REAL / "huaian-city-2024.pdf"
HONGZE = REAL / "hongze-district-2023.pdf"
PAGE_NUMBER = re.compile(r"^\s*[-－—–]?\s*\d{1,3}\s*[-－—–]?\s*$")

# row labels of section 三, as a fragment each (printed text differs: "2.其他法律行政止公开")
ROW_LABELS = [
    "本年新收", "上年结转", "予以公开", "部分公开", "属于国家秘密", "其他法律行政", "三安全一稳定",
    "保护第三方", "三类内部事务", "四类过程性", "行政执法案卷", "行政查询事项", "本机关不掌握",
    "没有现成信息", "补正后申请内容", "信访举报投诉", "重复申请", "公开出版物", "大量反复",
    "确认或重新", "（七）总计", "结转下年度",
]


def norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module", params=[HUAIAN, HONGZE], ids=["huaian", "hongze"])
def real(request) -> tuple[Path, ReadResult]:
    return request.param, read_pdf(request.param.read_bytes(), request.param.name)


def grids(result: ReadResult) -> list[Grid]:
    return [b for b in result.blocks if isinstance(b, Grid)]


def origins(grid: Grid):
    return [c for row in grid.rows for c in row if not c.is_span_copy]


def grid_with(result: ReadResult, fragment: str) -> Grid:
    found = [g for g in grids(result) if any(fragment in norm(c.text) for c in origins(g))]
    assert len(found) == 1, f"{fragment!r} in {len(found)} grids"
    return found[0]


def row_with(grid: Grid, fragment: str) -> list:
    rows = [row for row in grid.rows if any(fragment in norm(c.text) for c in row if not c.is_span_copy)]
    assert len(rows) == 1, f"{fragment!r} in {len(rows)} rows"
    return rows[0]


def values(row) -> list[str]:
    return [c.text for c in row if not c.is_span_copy and is_value(c.text)]


# ---------------------------------------------------------------- real PDFs

def test_registry_dispatches_pdf():
    assert read_path(HUAIAN).format == "pdf"


def test_section3_is_one_stitched_grid_with_every_row_once(real):
    _, result = real
    grid = grid_with(result, "本年新收")
    assert grid is grid_with(result, "结转下年度")
    assert "+" in grid.ref  # made of two page parts
    for label in ROW_LABELS:
        row_with(grid, label)  # exactly one row each


def test_section3_rows_have_seven_values(real):
    path, result = real
    grid = grid_with(result, "本年新收")
    value_rows = [values(r) for r in grid.rows if values(r)]
    expected = 25 if path == HUAIAN else 23  # huaian prints （六） as three rows, hongze as one
    assert len(value_rows) == expected
    assert all(len(v) == 7 for v in value_rows)


def test_heading_paragraph_precedes_its_grid(real):
    _, result = real
    sec3 = grid_with(result, "本年新收")
    i = result.blocks.index(sec3)
    before = result.blocks[i - 1]
    assert isinstance(before, Paragraph) and norm(before.text) == "三、收到和处理政府信息公开申请情况"
    order = [
        next(k for k, b in enumerate(result.blocks) if isinstance(b, Paragraph) and b.text.startswith(h))
        for h in ("二、主动公开", "三、收到和处理", "四、政府信息公开行政复议", "五、存在的主要问题")
    ]
    assert order == sorted(order)
    sec2 = grid_with(result, "行政许可")
    sec4 = grid_with(result, "复议后起诉")
    assert order[0] < result.blocks.index(sec2) < order[1] < i < order[2] < result.blocks.index(sec4) < order[3]


def test_section2_table_continued_over_page_break_is_one_grid(real):
    _, result = real
    assert grid_with(result, "行政许可") is grid_with(result, "行政事业性收费")


def test_no_page_numbers_in_cells_or_paragraphs(real):
    _, result = real
    for grid in grids(result):
        for cell in origins(grid):
            assert not (PAGE_NUMBER.match(cell.text) and "-" in cell.text), cell
    for block in result.blocks:
        if isinstance(block, Paragraph):
            assert not PAGE_NUMBER.match(block.text), block


def test_vertical_label_joined(real):
    _, result = real
    grid = grid_with(result, "本年新收")
    cell = next(c for c in origins(grid) if c.text == "三、本年度办理结果")
    assert cell.rowspan >= 20 and cell.colspan == 1


def test_label_cut_by_page_break_joined_and_values_not_duplicated(real):
    _, result = real
    grid = grid_with(result, "本年新收")
    group = [c for c in origins(grid) if norm(c.text) == "（四）无法提供"]
    assert len(group) == 1 and group[0].rowspan == 3
    assert not any(norm(c.text) == "法提供" for c in origins(grid))
    rows = [r for r in grid.rows if any(c.is_span_copy and c.ref == group[0].ref for c in r)]
    assert [norm(r[2].text)[:2] for r in [grid.rows[group[0].row]] + rows] == ["1.", "2.", "3."]


def test_spans_expand_to_copies_at_every_covered_position(real):
    _, result = real
    for grid in grids(result):
        width = len(grid.rows[0])
        assert all(len(r) == width for r in grid.rows)
        for r, row in enumerate(grid.rows):
            for c, cell in enumerate(row):
                assert (cell.row, cell.col) == (r, c)
                assert re.fullmatch(r"p\d+/t\d+/r\d+/c\d+(@\d+,\d+,\d+,\d+)?", cell.ref)
                if cell.is_span_copy:
                    origin = next(o for o in origins(grid) if o.ref == cell.ref)
                    assert origin.text == cell.text
                    assert origin.row <= r < origin.row + origin.rowspan
                    assert origin.col <= c < origin.col + origin.colspan
        for o in origins(grid):
            for r in range(o.row, o.row + o.rowspan):
                for c in range(o.col, o.col + o.colspan):
                    assert grid.rows[r][c].ref == o.ref


def test_every_printed_number_read_once_in_order(real):
    """All values of the tables, in reading order, equal the hand-read truth values
    (truth files list the metrics in template order, the order they are printed in)."""
    path, result = real
    got = [c.text for g in grids(result) for row in g.rows for c in row if not c.is_span_copy and is_value(c.text)]
    truth = [r["value"] for r in csv.DictReader(path.with_suffix(".truth.csv").open(encoding="utf-8"))]
    assert got == truth


def test_huaian_specifics():
    result = read_pdf(HUAIAN.read_bytes(), HUAIAN.name)
    assert result.warnings == []
    grid = grid_with(result, "本年新收")
    assert row_with(grid, "本年新收")[3].ref.startswith("p4/")
    assert row_with(grid, "没有现成信息")[3].ref.startswith("p5/")
    assert values(row_with(grid, "没有现成信息")) == ["11", "0", "0", "0", "0", "0", "11"]
    for label, vals in [("申请人无正当理由逾期不补", "67 3 0 0 1 0 71"), ("逾期未按收费通知", "6 0 0 0 0 0 6"), ("3、其他", "108 2 0 0 0 0 110")]:
        assert values(row_with(grid, label)) == vals.split()
    para = next(b for b in result.blocks if isinstance(b, Paragraph) and "3119" in b.text)
    assert "全市共受理政府信息公开申请 3119 件，答复 3050 件" in para.text  # joined across lines


def test_hongze_specifics():
    result = read_pdf(HONGZE.read_bytes(), HONGZE.name)
    grid = grid_with(result, "本年新收")
    assert any(c.text == "2.其他法律行政止公开" for c in origins(grid))  # typo kept as printed
    # last row of page 3 has no bottom ruling; it must still be read
    assert values(row_with(grid, "没有现成信息")) == ["3", "0", "0", "0", "0", "0", "3"]
    assert values(row_with(grid, "（六）其他处理")) == ["0"] * 7
    sec2 = grid_with(result, "行政许可")
    # the 信息内容 cell at the top of page 3 has no top ruling; its text is not lost
    assert [norm(row[0].text) for row in sec2.rows].count("信息内容") == 4
    assert sec2.rows[8][0].text == "信息内容" and sec2.rows[8][0].ref.startswith("p3/")


def test_only_table_pages_go_to_the_table_finder():
    doc = pdfium.PdfDocument(HUAIAN.read_bytes())
    try:
        needs = [_scan(doc, i)[0].needs_tables for i in range(len(doc))]
    finally:
        doc.close()
    assert needs == [False, False, True, True, True, False]


# ---------------------------------------------------------------- tables without rulings

def test_table_without_ruling_lines_rebuilt_from_word_positions():
    path = FIX / "pdf" / "huaian-p5-unruled.pdf"
    result = read_pdf(path.read_bytes(), path.name)
    assert any("without ruling lines" in w for w in result.warnings)
    grid = grid_with(result, "没有现成信息")
    assert values(row_with(grid, "没有现成信息")) == ["11", "0", "0", "0", "0", "0", "11"]
    # a three-line label with its values centred on the middle line is one row
    row = row_with(grid, "申请人无正当理由逾期不补")
    assert "息公开申请" in norm(row[2].text) and values(row) == "67 3 0 0 1 0 71".split()
    assert values(row_with(grid, "结转下年度")) == "103 0 0 0 0 0 103".split()
    sec4 = next(g for g in grids(result) if any(values(r) == "72 64 178 37 351 13 4 8 1 26 12 1 1 6 20".split() for r in g.rows))
    assert sec4 is not grid
    assert not any("- 5 -" in c.text for g in grids(result) for c in origins(g))


# ---------------------------------------------------------------- stitching rules

def _part(page: int, rows: list[list[tuple[float, float, str]]], spans: dict[tuple[int, int], int] | None = None) -> Part:
    spans = spans or {}
    part = Part(page, 1, (0, 0, 100, 10 * len(rows)), len(rows), 3)
    for r, row in enumerate(rows):
        for x0, x1, text in row:
            part.cells.append(PCell(r, r + spans.get((r, int(x0)), 1), x0, x1, text, page, r, 1))
    return part


def test_row_cut_by_page_break_becomes_one_row():
    first = _part(1, [[(0, 40, "1.甲"), (40, 70, "5"), (70, 100, "5")],
                      [(0, 40, "2.要求行政机关确认或重新出"), (40, 70, "7"), (70, 100, "7")]])
    second = _part(2, [[(0, 40, "具已获取信息"), (40, 70, ""), (70, 100, "")],
                       [(0, 40, "3.丙"), (40, 70, "1"), (70, 100, "1")]])
    table = Stitched.start(first)
    table.add(second)
    grid = to_grid(table)
    texts = [[c.text for c in row] for row in grid.rows]
    assert texts == [["1.甲", "5", "5"], ["2.要求行政机关确认或重新出\n具已获取信息", "7", "7"], ["3.丙", "1", "1"]]


def test_repeated_header_rows_dropped_and_new_row_kept():
    header = [(0, 40, "项目"), (40, 70, "甲"), (70, 100, "乙")]
    first = _part(1, [header, [(0, 40, "1.一"), (40, 70, "1"), (70, 100, "2")]])
    second = _part(2, [header, [(0, 40, "2.二"), (40, 70, "3"), (70, 100, "4")]])
    table = Stitched.start(first)
    table.add(second)
    texts = [[c.text for c in row] for row in to_grid(table).rows]
    assert texts == [["项目", "甲", "乙"], ["1.一", "1", "2"], ["2.二", "3", "4"]]


# ---------------------------------------------------------------- unreadable files

def test_garbage_ratio_counts_cid_and_replacement_glyphs():
    assert garbage_ratio("(cid:123)(cid:9)(cid:77)好") == pytest.approx(0.75)
    assert garbage_ratio("\ufffd\ufffd政府") == pytest.approx(0.5)
    assert garbage_ratio("本年新收政府信息公开申请数量 3001") == 0.0
    assert garbage_ratio("") == 0.0


def test_fonts_without_unicode_map_rejected():
    path = FIX / "pdf" / "cid-glyphs.pdf"
    with pytest.raises(ExtractionError, match=r"no Unicode mapping \(cid glyphs\).*OCR or the source Word file"):
        read_pdf(path.read_bytes(), path.name)


def test_encrypted_pdf_rejected():
    path = FIX / "pdf" / "encrypted.pdf"
    with pytest.raises(ExtractionError, match=r"^encrypted PDF: needs a password"):
        read_pdf(path.read_bytes(), path.name)


@pytest.mark.parametrize("share", [0.1, 0.5, 0.99])
def test_truncated_pdf_rejected(share):
    data = HONGZE.read_bytes()
    with pytest.raises(ExtractionError, match=r"damaged or truncated PDF"):
        read_pdf(data[: int(len(data) * share)], "cut.pdf")


SCANNED = FIX / "scanned" / "huaian-city-2024-p4-scan.pdf"


def test_scanned_pdf_without_ocr_names_the_fix(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(ExtractionError, match=r"scanned PDF: no text layer on 1 pages.*pip install gongkai\[ocr\]"):
        read_pdf(SCANNED.read_bytes(), SCANNED.name)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("rapidocr_onnxruntime") is None,
                    reason="rapidocr_onnxruntime not installed (pip install gongkai[ocr])")
def test_scanned_pdf_read_by_ocr():
    result = read_pdf(SCANNED.read_bytes(), SCANNED.name)
    assert any("OCR" in w for w in result.warnings)
    grid = grid_with(result, "本年新收")
    truth = {}
    for r in csv.DictReader((REAL / "huaian-city-2024.truth.csv").open(encoding="utf-8")):
        truth.setdefault(r["metric_id"], []).append(r["value"])
    for label, metric in [("本年新收", "requests.received"), ("上年结转", "requests.carried_in"),
                          ("予以公开", "requests.granted"), ("部分公开", "requests.partially_granted"),
                          ("属于国家秘密", "requests.denied.state_secret"), ("其他法律行政", "requests.denied.prohibited_by_law"),
                          ("保护第三方", "requests.denied.third_party"), ("三类内部事务", "requests.denied.internal_affairs"),
                          ("行政查询事项", "requests.denied.admin_query"), ("本机关不掌握", "requests.unavailable.not_held")]:
        assert values(row_with(grid, label)) == truth[metric], label
    heading = result.blocks[result.blocks.index(grid) - 1]
    assert isinstance(heading, Paragraph) and "收到和处理政府信息公开申请情况" in heading.text


def test_a_ruled_cell_keeps_its_box_and_the_box_holds_its_text(real):
    """The box in a cell's ref (p3/t1/r5/c2@x0,y0,x1,y1) is where the cell's characters are on that page."""
    import pdfplumber

    path, result = real
    checked = 0
    with pdfplumber.open(path) as pdf:
        for grid in grids(result):
            for cell in (c for row in grid.rows for c in row if not c.is_span_copy and "@" in c.ref and re.fullmatch(r"\d+", c.text)):
                page, box = cell.ref.split("/", 1)[0], cell.ref.split("@")[1]
                x0, y0, x1, y1 = (float(v) for v in box.split(","))
                inside = pdf.pages[int(page[1:]) - 1].within_bbox((x0 - 1, y0 - 1, x1 + 1, y1 + 1)).extract_text()
                assert re.sub(r"\s", "", inside) == cell.text, cell.ref
                checked += 1
    assert checked > 100
