"""The report as plain text in the layouts found in the wild (see /work/shared/seeds).

  tsv       one table row per line, cells separated by tabs (a merged cell printed once, the
            rows it covers below as empty cells); optionally padded so spans leave empty columns
  cells     one cell per line, each prefixed by a tab, a blank line after every row
            (what Word's "save as text" and docx2txt give)
  markdown  '#' headings and tab-separated table rows
  pipes     markdown pipe tables on the full grid (a merged cell printed at its top-left position)

Stream layouts (what crawlers and copy-paste keep; chosen only when asked for, see STREAM_LAYOUTS):
  oneline     the whole report on one line, cells glued (`规章000行政规范性文件0012`)
  spaced      one line, a single space between some cells and none between others
  pipes_open  `cell | cell |` rows without a leading pipe, merged-away cells as empty runs
  paragraphs  one cell per paragraph, blank lines or `|`-only lines between cells
  dropped     one row per line, single spaces, empty cells dropped (`规章 0`)
"""
from __future__ import annotations

import random
import zlib
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


STREAM_LAYOUTS = ("oneline", "spaced", "pipes_open", "paragraphs", "dropped")


def _printed(row) -> list[str]:
    return [c.text.replace("\n", "") for c in row if not c.covered]


def _is_number(text: str) -> bool:
    return text.strip().replace(".", "", 1).isdigit()


def _stream(blocks: list[Para | Table], layout: str) -> str:
    """The report as a crawler or a copy-paste keeps it (deterministic per document)."""
    rng = random.Random(zlib.crc32("".join(b.text if isinstance(b, Para) else "t" for b in blocks).encode()))
    if layout in ("oneline", "spaced"):
        pieces: list[str] = []
        for b in blocks[1:]:
            cells = [b.text] if isinstance(b, Para) else [t for r in b.rows for t in _printed(r) if t]
            for text in cells:
                glue = layout == "oneline" or (pieces and not (_is_number(pieces[-1]) and _is_number(text)) and rng.random() < 0.5) or (
                    pieces and _is_number(pieces[-1]) and _is_number(text) and rng.random() < 0.4)
                pieces.append(("" if glue or not pieces else " ") + text)
        return blocks[0].text + "\n" + "".join(pieces) + "\n"
    lines: list[str] = []
    for b in blocks:
        if isinstance(b, Para):
            lines.extend([b.text, ""] if layout == "paragraphs" else [b.text])
            continue
        for row in b.rows:
            if layout == "pipes_open":
                lines.append(" | ".join(_printed(row)) + " |")
            elif layout == "dropped":
                lines.append(" ".join(t for t in _printed(row) if t))
            else:
                for text in _printed(row):
                    if text:
                        lines.extend([text, rng.choice(["", "|"])])
    return "\n".join(lines) + "\n"


def render_txt(blocks: list[Para | Table], style: dict[str, Any]) -> bytes:
    layout = style["txt_layout"]
    if layout in STREAM_LAYOUTS:
        return _stream(blocks, layout).encode("utf-8")
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
