"""The report as plain text in the layouts found in the wild (see /work/shared/seeds).

  tsv       one table row per line, cells separated by tabs (a merged cell printed once, the
            rows it covers below as empty cells); optionally padded so spans leave empty columns
  cells     one cell per line, each prefixed by a tab, a blank line after every row
            (what Word's "save as text" and docx2txt give)
  markdown  '#' headings and tab-separated table rows
  pipes     markdown pipe tables on the full grid (a merged cell printed at its top-left position)
"""
from __future__ import annotations

from typing import Any

from .structure import Para, Table


def _row_tabs(row, pad: bool) -> str:
    out = []
    for c in row:
        out.append("" if c.covered else c.text.replace("\n", ""))
        if pad and c.colspan > 1:
            out.extend([""] * (c.colspan - 1))
    return "\t".join(out)


def _cells(table: Table) -> list[str]:
    lines: list[str] = []
    for row in table.rows:
        for c in row:
            lines.append("\t" + ("" if c.covered else c.text))
        lines.append("")
    return lines


def _pipes(table: Table) -> list[str]:
    n = table.n_cols
    lines = []
    for i, row in enumerate(table.rows):
        grid = [""] * n
        for c in row:
            if not c.covered:
                grid[c.col] = c.text.replace("\n", " ").replace("|", "\\|")
        lines.append("| " + " | ".join(grid) + " |")
        if i == 0:
            lines.append("|" + "---|" * n)
    return lines


def render_txt(blocks: list[Para | Table], style: dict[str, Any]) -> bytes:
    layout = style["txt_layout"]
    lines: list[str] = []
    for b in blocks:
        if isinstance(b, Table):
            if layout == "cells":
                lines.extend(_cells(b))
            elif layout == "pipes":
                lines.extend(_pipes(b))
                lines.append("")
            else:
                lines.extend(_row_tabs(r, style["txt_pad_spans"]) for r in b.rows)
                lines.append("")
            continue
        text = b.text
        if layout in ("markdown", "pipes"):
            if b.title:
                text = "# " + text
            elif b.heading:
                text = "## " + text
        lines.append(text)
        if layout != "cells" or b.heading:
            lines.append("")
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")
