"""Ruled tables of a PDF: pdfplumber cells -> table parts -> stitched, span-expanded Grids.

pdfplumber reports a merged cell once and leaves None at the positions it covers; here
every cell is placed on a grid of column/row edges so that merged cells get their
rowspan/colspan from geometry. A table that runs over a page break comes back as two
parts: the second has no header, its merged label cells continue as empty cells (or as
the rest of a label cut by the break). `stitch` joins such parts into one table.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from extractors.boxgrid import is_value
from extractors.model import Cell, Grid

# a label that starts a new row: （三）, 三、, 3. 3、 1)
ENUMERATED = re.compile(r"^\s*(?:[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|[一二三四五六七八九十]+\s*[、.．]|\d+\s*[、.．)）])")
PAGE_NUMBER = re.compile(r"^\s*(?:[-－—–~]\s*\d{1,4}\s*[-－—–~]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})\s*$")
SNAP = 4.0  # points: edges closer than this are the same column/row boundary


@dataclass
class PCell:
    """A cell of a table part: rows as indices, columns as x coordinates (unified later)."""

    r0: int
    r1: int
    x0: float
    x1: float
    text: str
    page: int
    local_row: int  # row inside its page's part, for the provenance ref
    table: int
    top: float = 0.0  # the cell's box on its page (points from the top), for the provenance ref
    bottom: float = 0.0

    @property
    def filled(self) -> bool:
        return bool(self.text.strip())


@dataclass
class Part:
    """One table as found on one page."""

    page: int
    index: int
    bbox: tuple[float, float, float, float]
    nrows: int
    ncols: int
    cells: list[PCell] = field(default_factory=list)


def clean_cell_text(text: str) -> str:
    """Keep the text as printed, but join labels printed one character per line."""
    text = text.strip()
    lines = [ln.strip() for ln in text.split("\n")]
    if len(lines) >= 3 and all(len(ln) <= 2 for ln in lines):
        return "".join(lines)
    return "\n".join(ln for ln in lines if ln)


def chars_text(chars: list[dict]) -> str:
    """Text of a cell's characters: lines by vertical position, a space where the PDF has
    one or where a gap wider than 3 pt parts two characters (as pdfplumber's words do)."""
    lines: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: c["top"]):
        if lines and ch["top"] - lines[-1][0]["top"] <= 3:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    out: list[str] = []
    for line in lines:
        text = ""
        prev = None
        for ch in sorted(line, key=lambda c: c["x0"]):
            if prev is not None and ch["x0"] - prev["x1"] > 3:
                text += " "
            text += ch["text"]
            prev = ch
        out.append(re.sub(r"\s+", " ", text).strip())
    return "\n".join(t for t in out if t)


def _cluster(values: list[float], tol: float = 1.5) -> list[float]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def _nearest(edges: list[float], v: float) -> int:
    """Index of the edge nearest v in ascending `edges`, the first on a tie (as min() over all
    indices gives), found by bisection: this runs for every cell of every table."""
    i = bisect.bisect_left(edges, v)
    if i == len(edges) or (i > 0 and v - edges[i - 1] <= edges[i] - v):
        i -= 1
    while i > 0 and edges[i - 1] == edges[i]:
        i -= 1
    return i


def part_from_table(table, chars: list[dict], page_no: int, index: int) -> Part | None:
    """Place pdfplumber's cells on a grid; positions no cell covers get their own cell
    (pdfplumber leaves a cell out when one of its borders is missing, its text is not)."""
    boxes = [c for c in table.cells if c[2] - c[0] > 1 and c[3] - c[1] > 1]
    if not boxes:
        return None
    xs = _cluster([v for b in boxes for v in (b[0], b[2])])
    ys = _cluster([v for b in boxes for v in (b[1], b[3])])
    nrows, ncols = len(ys) - 1, len(xs) - 1
    if nrows < 1 or ncols < 2:
        return None  # a frame around prose, not a table
    owner: list[list[int | None]] = [[None] * ncols for _ in range(nrows)]
    spans: list[tuple[int, int, int, int]] = []
    for b in boxes:
        c0, c1, r0, r1 = _nearest(xs, b[0]), _nearest(xs, b[2]), _nearest(ys, b[1]), _nearest(ys, b[3])
        if c1 <= c0 or r1 <= r0 or any(owner[r][c] is not None for r in range(r0, r1) for c in range(c0, c1)):
            continue
        for r in range(r0, r1):
            for c in range(c0, c1):
                owner[r][c] = len(spans)
        spans.append((r0, r1, c0, c1))
    for r in range(nrows):
        for c in range(ncols):
            if owner[r][c] is None:
                owner[r][c] = len(spans)
                spans.append((r, r + 1, c, c + 1))
    texts: list[list[dict]] = [[] for _ in spans]
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        c, r = bisect.bisect_right(xs, cx) - 1, bisect.bisect_right(ys, cy) - 1
        if 0 <= r < nrows and 0 <= c < ncols:
            texts[owner[r][c]].append(ch)  # type: ignore[index]
    part = Part(page_no, index, (xs[0], ys[0], xs[-1], ys[-1]), nrows, ncols)
    for (r0, r1, c0, c1), cs in zip(spans, texts):
        text = clean_cell_text(chars_text(cs)) if cs else ""
        part.cells.append(PCell(r0, r1, xs[c0], xs[c1], text, page_no, r0, index, ys[r0], ys[r1]))
    _drop_page_number_rows(part)
    return part


def _drop_page_number_rows(part: Part) -> None:
    """A page number caught inside the table area is not a row of the table."""
    for row in (part.nrows - 1, 0):
        starting = [c for c in part.cells if c.r0 == row]
        filled = [c for c in starting if c.filled]
        if len(filled) == 1 and PAGE_NUMBER.match(filled[0].text) and all(c.r1 == row + 1 for c in starting):
            if part.nrows == 1:
                return
            part.cells = [c for c in part.cells if c.r0 != row]
            for c in part.cells:
                if c.r0 > row:
                    c.r0 -= 1
                    c.r1 -= 1
                elif c.r1 > row:
                    c.r1 -= 1
            part.nrows -= 1


def continues(prev: Part, nxt: Part) -> bool:
    """Does `nxt` (first thing on its page) carry on `prev` (last thing on the page before)?"""
    return nxt.page == prev.page + 1 and abs(prev.bbox[0] - nxt.bbox[0]) <= SNAP and abs(prev.bbox[2] - nxt.bbox[2]) <= SNAP


@dataclass
class Stitched:
    """A table made of one or more parts, rows numbered across them."""

    parts: list[Part]
    cells: list[PCell]
    nrows: int

    @classmethod
    def start(cls, part: Part) -> "Stitched":
        return cls([part], list(part.cells), part.nrows)

    def add(self, part: Part) -> None:
        cells = [PCell(c.r0, c.r1, c.x0, c.x1, c.text, c.page, c.local_row, c.table, c.top, c.bottom) for c in part.cells]
        skip = self._repeated_header_rows(cells)
        cells = [c for c in cells if c.r0 >= skip]
        base = self.nrows - skip
        for c in cells:
            c.r0 += base
            c.r1 += base
        nrows = part.nrows - skip
        if nrows <= 0:
            return
        self.parts.append(part)
        self._join_break(cells, self.nrows)
        self.cells.extend(c for c in cells if c.r0 >= 0)
        self.nrows = max([c.r1 for c in self.cells] + [0])

    def _repeated_header_rows(self, cells: list[PCell]) -> int:
        """Rows at the top of the new part that repeat the table's first rows."""
        def row_texts(cs: list[PCell], r: int) -> list[str]:
            return [c.text for c in sorted(cs, key=lambda c: c.x0) if c.r0 == r]

        k = 0
        while k < 4:
            mine, theirs = row_texts(self.cells, k), row_texts(cells, k)
            if not theirs or mine != theirs or sum(1 for t in theirs if t) < 2:
                break
            k += 1
        return k

    def _join_break(self, below: list[PCell], r: int) -> None:
        """Join the first row of a new part (row r) with the row above the page break."""
        above = [c for c in self.cells if c.r0 < r <= c.r1 and c.r1 == r]
        first = [c for c in below if c.r0 == r]

        def match(b: PCell) -> PCell | None:
            for a in above:
                if abs(a.x0 - b.x0) <= SNAP and abs(a.x1 - b.x1) <= SNAP:
                    return a
            return None

        def right_of(c: PCell, row_cells: list[PCell]) -> PCell | None:
            for o in row_cells:
                if abs(o.x0 - c.x1) <= SNAP:
                    return o
            return None

        matched = [(match(b), b) for b in first]
        pairs = [(a, b) for a, b in matched if a is not None]
        if not pairs:
            return
        # a row cut in two by the break: every cell of the first row is empty or carries
        # on the text above it; the two halves become one row
        cut = len(pairs) == len(first) and all(
            not b.filled or not a.filled or (not is_value(a.text) and not is_value(b.text) and not ENUMERATED.match(b.text))
            for a, b in pairs
        )
        if cut:
            for a, b in pairs:
                a.text = _join_text(a.text, b.text)
                a.r1 = max(a.r1, b.r1 - 1)
                b.r0 = -1  # consumed
            for c in below:
                if c.r0 >= 0:
                    c.r0 -= 1
                    c.r1 -= 1
            return
        # otherwise only merged label cells carry on: an empty cell, or the rest of a
        # group label (one with a sub-label to its right) cut by the break
        for a, b in pairs:
            if not a.filled or is_value(a.text):
                continue
            a_right = right_of(a, above)
            if a_right is None or not a_right.filled or is_value(a_right.text):
                continue
            b_right = right_of(b, first)
            if b.filled:
                if ENUMERATED.match(b.text) or is_value(b.text):
                    continue
                if b_right is None or not b_right.filled or is_value(b_right.text):
                    continue
            elif b_right is None:
                continue
            a.text = _join_text(a.text, b.text)
            a.r1 = b.r1
            b.r0 = -1


def _join_text(a: str, b: str) -> str:
    if not b.strip():
        return a
    if not a.strip():
        return b
    return clean_cell_text(a + "\n" + b)


def to_grid(table: Stitched) -> Grid:
    """Expand spans: each merged cell once as origin, copies at the other positions."""
    edges: list[float] = []
    for x in sorted({v for c in table.cells for v in (c.x0, c.x1)}):
        if not edges or x - edges[-1] > SNAP:
            edges.append(x)
    ncols = len(edges) - 1
    nrows = table.nrows
    grid: list[list[Cell | None]] = [[None] * ncols for _ in range(nrows)]
    for c in sorted(table.cells, key=lambda c: (c.r0, c.x0)):
        c0, c1 = _nearest(edges, c.x0), _nearest(edges, c.x1)
        if c1 <= c0:
            continue
        ref = f"p{c.page}/t{c.table}/r{c.local_row + 1}/c{c0 + 1}@{c.x0:.0f},{c.top:.0f},{c.x1:.0f},{c.bottom:.0f}"
        placed = False
        for r in range(c.r0, min(c.r1, nrows)):
            for col in range(c0, c1):
                if grid[r][col] is None:
                    grid[r][col] = Cell(c.text, ref, r, col, c.r1 - c.r0, c1 - c0, placed)
                    placed = True
    first = table.parts[0]
    for r in range(nrows):
        for col in range(ncols):
            if grid[r][col] is None:
                grid[r][col] = Cell("", f"p{first.page}/t{first.index}/r{r + 1}/c{col + 1}", r, col)
    ref = "+".join(f"p{p.page}/t{p.index}" for p in table.parts)
    return Grid([[cell for cell in row if cell is not None] for row in grid], ref)
