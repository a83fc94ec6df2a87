"""Tables that arrive as paragraphs are read as text, by the text reader.

CMS pages lay a table out as one <p> or <div> per cell (articles re-posted from WeChat), Word
users paste a table as paragraphs (one per cell, or one per row with tabs: 表格转换成文本), and a
PDF of plain text has no rulings. The reader of such a format finds no grid, so the template's
tables look like images. Instead of a second tokenizer, the document's paragraphs are written out
as text and read by extractors/text.py, the reader every text rendering goes through:
- a paragraph holding tabs is a row whose cells the tabs separate;
- otherwise a short paragraph is a cell, written as Word's text export writes one (a tab, then
  the text), and prose and section headings stand on their own between blank lines.
An empty paragraph (an HTML <p>&nbsp;</p>, an empty Word paragraph) inside a table is an empty
cell; before prose or a label that opens a table (第二十条第（五）项, 信息内容) it may be spacing, so
the row ends there and its last cells stay unknown (NULL unless the identities prove them).
Cells keep their provenance: the ref of the paragraph they came from.
"""
from __future__ import annotations

import re
from dataclasses import replace

from extractors.model import Cell, Grid, Paragraph, ReadResult
from extractors.text import read_text
from transforms.catalog import match_label
from transforms.labels import collapse

MAX_CELL_CHARS = 60  # the longest template label is ~40 characters; prose is longer
_LINE_REF = re.compile(r"^lines? (\d+)")
AS_PARAGRAPHS = "(a table printed as paragraphs)"
TABLE_STARTS = frozenset({"section", "table_marker", "col2", "header3", "header4"})
ROW_LABELS = frozenset({"row2", "row3"})


def paragraphs_as_text(read: ReadResult) -> ReadResult | None:
    """The document's paragraphs read as table cells, or None when none could be cells."""
    paragraphs = [b for b in read.blocks if isinstance(b, Paragraph)]
    if any("\t" in p.text.strip(" \r\n") for p in paragraphs):
        blocks = _tab_rows(read.blocks)
    else:
        blocks = _cells_per_paragraph(read.blocks)
    if blocks is None:
        return None
    return ReadResult(read.format, blocks, read.warnings, dict(read.meta))


def _tab_rows(blocks: list[Paragraph | Grid]) -> list[Paragraph | Grid]:
    """A paragraph holding tabs is a row whose cells the tabs separate exactly (an empty cell
    was printed empty: the element or the Word cell was there); short paragraphs between rows
    are one-cell rows (a table's caption row such as 第二十条第（一）项)."""
    out: list[Paragraph | Grid] = []
    rows: list[list[Cell]] = []

    def flush() -> None:
        if rows:
            out.append(Grid(list(rows), f"{rows[0][0].ref.split(' cell')[0]}-"))
            rows.clear()

    for block in blocks:
        text = block.text.strip(" \r\n\u3000") if isinstance(block, Paragraph) else ""
        is_row = isinstance(block, Paragraph) and ("\t" in text or (rows and _is_cell(text)))
        if not is_row:
            flush()
            out.append(block)
            continue
        cells = text.split("\t")
        rows.append([Cell(c.strip(), f"{block.ref or 'paragraph'} cell {i + 1} {AS_PARAGRAPHS}", len(rows), i)
                     for i, c in enumerate(cells)])
    flush()
    return out


def _cells_per_paragraph(blocks: list[Paragraph | Grid]) -> list[Paragraph | Grid] | None:
    """No row structure at all: each short paragraph is a cell. They are written out as Word's
    text export writes cells (a tab, then the text; prose and headings between blank lines) and
    read by the text reader, which rebuilds rows where a label follows numbers."""
    lines: list[str] = []
    refs: dict[int, str] = {}  # 1-based line -> the paragraph's ref

    def put(text: str, ref: str) -> None:
        lines.append(text)
        refs[len(lines)] = ref

    empties: list[str] = []  # refs of empty paragraphs not placed yet
    for block in blocks:
        if not isinstance(block, Paragraph):
            continue
        text = block.text.strip(" \r\n\u3000")
        if not text:
            empties.append(block.ref)
            continue
        if _is_cell(text):
            if empties and not _starts_table(text):
                for ref in empties:  # blanks inside a table: cells of the row they follow
                    put("\t", ref)
            elif empties:
                lines.append("")  # blanks before a new table: spacing or the row's last cells; unknowable, so the row ends
            put("\t" + text, block.ref)
        else:
            lines.append("")
            put(" ".join(text.split("\n")), block.ref)
            lines.append("")
        empties = []
    if not any(line.startswith("\t") and line.strip() for line in lines):
        return None
    again = read_text("\n".join(lines).encode("utf-8"), "paragraphs")
    return [_with_refs(block, refs) for block in again.blocks]


def _is_cell(text: str) -> bool:
    return len(text) <= MAX_CELL_CHARS and "\n" not in text and not _is_section_heading(text)


def _starts_table(text: str) -> bool:
    """第二十条第（五）项, 信息内容, 申请人情况, 行政复议: a label that opens a table or its header."""
    key = collapse(text)
    row = match_label(key, ROW_LABELS)
    if row is not None and row.how != "fuzzy":
        return False  # （七）总计 is a row, though 总计 also heads a column
    found = match_label(key, TABLE_STARTS)
    return found is not None and found.how != "fuzzy"


def _is_section_heading(text: str) -> bool:
    """二、主动公开政府信息情况 (data/template/labels.csv); 三、本年度办理结果 is a row label, not one."""
    found = match_label(collapse(text), frozenset({"section"}))
    return found is not None and found.how != "fuzzy"


def _with_refs(block: Paragraph | Grid, refs: dict[int, str]) -> Paragraph | Grid:
    if isinstance(block, Paragraph):
        return replace(block, ref=_ref(block.ref, refs))
    return Grid([[_cell(c, refs) for c in row] for row in block.rows], block.ref)


def _cell(cell: Cell, refs: dict[int, str]) -> Cell:
    return replace(cell, ref=_ref(cell.ref, refs))


def _ref(ref: str, refs: dict[int, str]) -> str:
    found = _LINE_REF.match(ref)
    if not found or int(found.group(1)) not in refs:
        return ref
    rest = ref[found.end():]
    return f"{refs[int(found.group(1))] or 'paragraph'}{rest} {AS_PARAGRAPHS}"
