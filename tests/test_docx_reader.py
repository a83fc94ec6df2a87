"""The .docx reader on the official 2021 template (filled here) and on hand-built edge cases."""
from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml

from extractors.docx import read_docx
from extractors.model import ExtractionError, Grid, Paragraph
from extractors.registry import read_bytes

TEMPLATE = Path(__file__).parent / "real" / "template-2021-blank.docx"
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
# (table index, row, grid column) -> value written into the blank template
FILLED = {(1, 3, 3): "12", (1, 3, 9): "15", (1, 26, 3): "12", (1, 26, 9): "15", (1, 5, 4): "0"}


def _save(document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def filled():
    document = docx.Document(str(TEMPLATE))
    document.paragraphs[1].text = "某某镇2024年政府信息公开工作年度报告"
    for (t, r, c), text in FILLED.items():
        document.tables[t].rows[r].cells[c].text = text
    return read_bytes(_save(document), "filled.docx")


def _grids(result) -> list[Grid]:
    return [b for b in result.blocks if isinstance(b, Grid)]


def _at(grid: Grid, row: int, col: int):
    return next(c for line in grid.rows for c in line if (c.row, c.col) == (row, col))


def test_registry_routes_docx_to_this_reader(filled):
    assert filled.format == "docx"
    assert len(_grids(filled)) == 3


def test_section3_grid_is_28_rows_by_10_columns(filled):
    grid = _grids(filled)[1]
    assert grid.ref == "t2"
    assert len(grid.rows) == 28
    for r, line in enumerate(grid.rows):
        assert [c.col for c in line] == list(range(10))
        assert {c.row for c in line} == {r}


def test_vertical_merge_is_one_origin_and_copies(filled):
    grid = _grids(filled)[1]
    cells = [c for line in grid.rows for c in line if c.text == "三、本年度办理结果"]
    origins = [c for c in cells if not c.is_span_copy]
    assert len(origins) == 1
    origin = origins[0]
    assert (origin.row, origin.col, origin.rowspan, origin.colspan) == (5, 0, 22, 1)
    assert origin.ref == "t2/r6/c1"
    assert sorted(c.row for c in cells if c.is_span_copy) == list(range(6, 27))
    assert all(c.col == 0 for c in cells)


def test_horizontal_merge_total_row(filled):
    grid = _grids(filled)[1]
    total = _at(grid, 26, 1)
    assert (total.text, total.colspan, total.rowspan, total.is_span_copy) == ("（七）总计", 2, 1, False)
    copy = _at(grid, 26, 2)
    assert copy.is_span_copy and copy.text == "（七）总计"
    # what the matcher sees: the label once, then the seven applicant columns
    assert [c.text for c in grid.rows[26] if not c.is_span_copy] == ["（七）总计", "12", "", "", "", "", "", "15"]


def test_header_block_spans_and_multi_paragraph_cells(filled):
    grid = _grids(filled)[1]
    corner = _at(grid, 0, 0)
    assert (corner.rowspan, corner.colspan) == (3, 3)
    assert corner.text.startswith("（本列数据的勾稽关系为")
    assert [c.is_span_copy for c in grid.rows[1][:3]] == [True, True, True]
    assert _at(grid, 0, 3).text == "申请人情况" and _at(grid, 0, 3).colspan == 7
    assert _at(grid, 2, 4).text == "商业\n企业"  # two paragraphs in one cell


def test_filled_values_and_blanks(filled):
    grid = _grids(filled)[1]
    assert _at(grid, 3, 3).text == "12"
    assert _at(grid, 3, 9).text == "15"
    assert _at(grid, 5, 4).text == "0"
    assert _at(grid, 4, 3).text == ""  # blank stays blank, not zero


def test_headings_and_tables_in_body_order(filled):
    kinds = []
    for block in filled.blocks:
        if isinstance(block, Grid):
            kinds.append(block.ref)
        elif block.text[:2] in {"一、", "二、", "三、", "四、", "五、", "六、"}:
            kinds.append(block.text[:2])
    assert kinds == ["一、", "二、", "t1", "三、", "t2", "四、", "t3", "五、", "六、"]
    printed = [b for b in filled.blocks if not (isinstance(b, Paragraph) and not b.text)]  # empty paragraphs: layout (or empty cells)
    assert isinstance(printed[0], Paragraph)
    assert printed[0].text == "某某镇2024年政府信息公开工作年度报告"


def test_section4_one_row_of_fifteen(filled):
    grid = _grids(filled)[2]
    assert [len(line) for line in grid.rows] == [15, 15, 15, 15]
    assert _at(grid, 0, 5).text == "行政诉讼" and _at(grid, 0, 5).colspan == 10


# --- hand-built edge cases -------------------------------------------------------------------

def _cell(text: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


EDGE_TABLE = f"""
<w:tbl {W_NS}>
  <w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>
  <w:tr><w:trPr><w:gridAfter w:val="1"/></w:trPr>{_cell("A", '<w:gridSpan w:val="3"/>')}</w:tr>
  <w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>{_cell("B")}{_cell("C")}{_cell("D")}</w:tr>
  <w:tr>{_cell("E", '<w:vMerge w:val="restart"/>')}
    <w:tc><w:p><w:r><w:t>F</w:t></w:r></w:p>
      <w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>
        <w:tr>{_cell("x")}{_cell("y")}</w:tr><w:tr>{_cell("1")}{_cell("2")}</w:tr>
      </w:tbl><w:p/></w:tc>
    <w:sdt><w:sdtContent>{_cell("G")}</w:sdtContent></w:sdt>{_cell("H")}</w:tr>
  <w:sdt><w:sdtContent>
    <w:tr>{_cell("", "<w:vMerge/>")}{_cell("5")}{_cell("")}{_cell("7")}</w:tr>
  </w:sdtContent></w:sdt>
</w:tbl>"""

SDT_PARAGRAPH = f"""
<w:sdt {W_NS}><w:sdtPr/><w:sdtContent>
  <w:p><w:r><w:t>控件里的段落</w:t></w:r></w:p>
</w:sdtContent></w:sdt>"""

TEXT_BOX_PARAGRAPH = f"""
<w:p {W_NS} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
     xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
     xmlns:v="urn:schemas-microsoft-com:vml">
  <w:r><w:t xml:space="preserve">锚定段落</w:t></w:r>
  <w:del w:id="1" w:author="x"><w:r><w:delText>删掉的字</w:delText></w:r></w:del>
  <w:r><mc:AlternateContent>
    <mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>
      <w:p><w:r><w:t>文本框内容</w:t></w:r></w:p>
    </w:txbxContent></wps:txbx></w:drawing></mc:Choice>
    <mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>
      <w:p><w:r><w:t>文本框内容</w:t></w:r></w:p>
    </w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>
  </mc:AlternateContent></w:r>
</w:p>"""


@pytest.fixture(scope="module")
def edge():
    document = docx.Document()
    document.add_paragraph("开头")
    body = document.element.body
    sect = body[-1]  # keep sectPr last
    for xml in (SDT_PARAGRAPH, EDGE_TABLE, TEXT_BOX_PARAGRAPH):
        sect.addprevious(parse_xml(xml))
    return read_docx(_save(document), "edge.docx")


def test_body_level_content_control_and_text_box_are_kept_once(edge):
    texts = [b.text for b in edge.blocks if isinstance(b, Paragraph)]
    assert texts == ["开头", "控件里的段落", "锚定段落", "文本框内容"]
    assert isinstance(edge.blocks[2], Grid)  # the table sits between the two
    assert "删掉的字" not in edge.text()


def test_grid_before_and_after_keep_column_indices(edge):
    grid = next(b for b in edge.blocks if isinstance(b, Grid))
    layout = [[(c.col, c.text, c.is_span_copy) for c in line] for line in grid.rows]
    assert layout[0] == [(0, "A", False), (1, "A", True), (2, "A", True)]  # gridAfter: col 3 absent
    assert layout[1] == [(1, "B", False), (2, "C", False), (3, "D", False)]  # gridBefore: col 0 absent
    assert grid.rows[0][0].colspan == 3


def test_nested_table_flattened_and_sdt_wrapped_cells_and_rows(edge):
    grid = next(b for b in edge.blocks if isinstance(b, Grid))
    row2 = {c.col: c for c in grid.rows[2]}
    assert row2[1].text == "F\nx\ty\n1\t2"
    assert row2[2].text == "G"  # cell inside a content control
    assert row2[0].rowspan == 2 and not row2[0].is_span_copy
    row3 = [(c.col, c.text, c.is_span_copy) for c in grid.rows[3]]  # row inside a content control
    assert row3 == [(0, "E", True), (1, "5", False), (2, "", False), (3, "7", False)]
    assert grid.rows[3][1].ref == "t1/r4/c2"


def test_not_a_docx_raises_actionable_error():
    with pytest.raises(ExtractionError, match="save it again as .docx"):
        read_docx(b"PK\x03\x04 broken zip", "broken.docx")
