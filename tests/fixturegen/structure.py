"""The filled DOCX as plain blocks (paragraphs, tables of real cells with row/col spans).

HTML and text outputs are rendered from this, so every format of a document shows exactly the
table the DOCX holds: same labels, same values, same merges.
"""
from __future__ import annotations

from dataclasses import dataclass

from docx.oxml.ns import qn

from .docx_fill import W_P, W_T, W_TC, W_TR, tc_text


@dataclass
class TCell:
    text: str
    col: int  # first grid column
    colspan: int = 1
    rowspan: int = 1
    covered: bool = False  # a vMerge continuation: part of the cell above, prints nothing


@dataclass
class Table:
    rows: list[list[TCell]]

    @property
    def n_cols(self) -> int:
        return max(c.col + c.colspan for row in self.rows for c in row)


@dataclass
class Para:
    text: str
    heading: bool = False
    title: bool = False


HEADINGS = ("一、", "二、", "三、", "四、", "五、", "六、")


def _table(tbl) -> Table:
    rows: list[list[TCell]] = []
    for tr in tbl.findall(W_TR):
        row, col = [], 0
        for tc in tr.findall(W_TC):
            span, vm = tc.grid_span, tc.vMerge
            row.append(TCell(tc_text(tc).strip(), col, span, 1, covered=vm == "continue"))
            col += span
        rows.append(row)
    for ri, row in enumerate(rows):
        for cell in row:
            if cell.covered:
                continue
            below = ri + 1
            while below < len(rows) and any(c.covered and c.col == cell.col for c in rows[below]):
                below += 1
            cell.rowspan = below - ri
    return Table(rows)


def blocks(document) -> list[Para | Table]:
    out: list[Para | Table] = []
    first_text = True
    for el in document.element.body.iterchildren():
        if el.tag == W_P:
            text = "".join(t.text or "" for t in el.iter(W_T)).strip()
            if not text:
                continue
            out.append(Para(text, heading=text.startswith(HEADINGS) and len(text) < 30, title=first_text))
            first_text = False
        elif el.tag == qn("w:tbl"):
            out.append(_table(el))
    return out
