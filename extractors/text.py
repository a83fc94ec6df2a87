"""Plain-text reports in any rendering: read as a stream of template labels and values.

Text pulled out of Word, PDF, web pages or crawlers loses the table structure in different ways;
extractors/stream.py reads all of them with one tokenizer. Only Word's own text export (a tab
before every cell, cells spanning lines, a blank line after each row) keeps its row reader.
"""
from __future__ import annotations

import re

from extractors.decode import decode_bytes
from extractors.model import Cell, ExtractionError, Grid, Paragraph, ReadResult
from extractors.stream import stream_blocks

NUMERIC_CELL = re.compile(r"^[\s+\-]*[0-9０-９][0-9０-９,，.．]*\s*$|^\s*[—\-–/／无]+\s*$")
HEADING_LIKE = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|\d{1,2}、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)).{4,}")
WORD_NOISE = re.compile(r"\[bookmark:[^\]]*\]")
CELL_PER_LINE_SHARE = 0.8


def read_text(data: bytes, name: str) -> ReadResult:
    text, encoding = decode_bytes(data)
    if "\ufffd" in text and text.count("\ufffd") > max(20, len(text) // 50):
        raise ExtractionError(f"text is not valid UTF-8 or GBK ({text.count(chr(0xFFFD))} undecodable characters); re-save it as UTF-8")
    lines = [WORD_NOISE.sub("", line.rstrip("\r")) for line in text.split("\n")]
    if _is_cell_per_line(lines):
        blocks = _cell_per_line_blocks(lines)  # Word's export: a tab before every cell, multi-line cells
    else:
        blocks = stream_blocks([(line, f"line {number}") for number, line in enumerate(lines, start=1)])
    return ReadResult(format="text", blocks=blocks, warnings=[] if encoding.startswith("utf") else [f"decoded as {encoding}"])


def _is_cell_per_line(lines: list[str]) -> bool:
    tab_lines = [line for line in lines if "\t" in line]
    if not tab_lines:
        return False
    single = sum(1 for line in tab_lines if line.startswith("\t") and line.count("\t") == 1)
    return single / len(tab_lines) >= CELL_PER_LINE_SHARE


def _clean_heading(line: str) -> str:
    return line.strip().lstrip("#").strip()


def _cell_per_line_blocks(lines: list[str]) -> list[Paragraph | Grid]:
    """Word's text export: each cell starts with a tab, rows end at blank lines (when it prints them)."""
    blocks: list[Paragraph | Grid] = []
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    cell_lines: list[str] = []
    cell_start = 0
    previous_blank = False

    def close_cell() -> None:
        nonlocal cell_lines
        if cell_lines:
            row.append(Cell(text="\n".join(cell_lines).strip(), ref=f"line {cell_start}", row=len(rows), col=len(row)))
            cell_lines = []

    def close_row() -> None:
        nonlocal row
        close_cell()
        if row:
            rows.append(row)
            row = []

    def close_grid() -> None:
        close_row()
        if rows:
            blocks.append(Grid(rows=_split_unseparated_rows(list(rows)), ref=f"lines {rows[0][0].ref.split()[-1]}-"))
            rows.clear()

    for number, line in enumerate(lines, start=1):
        if line.startswith("\t"):
            close_cell()
            cell_lines = [line[1:]]
            cell_start = number
            previous_blank = False
            continue
        if not line.strip():
            if cell_lines or row:
                close_row()
            previous_blank = True
            continue
        continues_cell = (
            cell_lines and not previous_blank and not NUMERIC_CELL.match("\n".join(cell_lines) or "x") and not HEADING_LIKE.match(line)
        )
        if continues_cell:
            cell_lines.append(line)
            continue
        close_grid()
        blocks.append(Paragraph(text=_clean_heading(line), ref=f"line {number}"))
        previous_blank = False
    close_grid()
    return blocks


def _split_unseparated_rows(rows: list[list[Cell]]) -> list[list[Cell]]:
    """A run of cells with no row breaks: start a new row where a label follows numbers."""
    if len(rows) > 1:
        return rows
    out: list[list[Cell]] = [[]]
    seen_value = False
    for cell in rows[0]:
        is_value = bool(NUMERIC_CELL.match(cell.text)) if cell.text.strip() else False
        if cell.text.strip() and not is_value and seen_value:
            out.append([])
            seen_value = False
        seen_value = seen_value or is_value
        out[-1].append(cell)
    return [[Cell(c.text, c.ref, r, i) for i, c in enumerate(cells)] for r, cells in enumerate(out) if cells]
