"""Rebuild lines and table rows from positioned text boxes.

Used where no ruling lines tell us the table structure: words of a PDF table drawn
without borders, and OCR boxes of a scanned page. Boxes are clustered by y into lines,
neighbouring boxes are merged into cells unless a wide gap separates them, and runs of
lines that carry numbers become a table whose columns come from the x positions of the
value cells. Coordinates are top-down (y grows downwards), any unit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

VALUE_RE = re.compile(r"^[-+]?\d[\d,，]*(?:[.．]\d+)?%?$")
VALUE_MARKERS = {"—", "——", "－", "-", "--", "/", "／", "无", "─", "–"}


def is_value(text: str) -> bool:
    """A table value as printed: a number or one of the blank markers (—, /, 无)."""
    t = text.strip()
    return bool(t) and (t in VALUE_MARKERS or bool(VALUE_RE.match(t)))


@dataclass
class Box:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def h(self) -> float:
        return max(self.bottom - self.top, 0.1)


@dataclass
class Line:
    """One visual line: its boxes merged into cells (a wide gap starts a new cell)."""

    cells: list[Box]

    @property
    def top(self) -> float:
        return min(c.top for c in self.cells)

    @property
    def bottom(self) -> float:
        return max(c.bottom for c in self.cells)

    @property
    def x0(self) -> float:
        return min(c.x0 for c in self.cells)

    @property
    def x1(self) -> float:
        return max(c.x1 for c in self.cells)

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def size(self) -> float:
        return median(c.h for c in self.cells)

    @property
    def text(self) -> str:
        return join_boxes(self.cells)

    @property
    def n_values(self) -> int:
        return sum(1 for c in self.cells if is_value(c.text))


@dataclass
class Table:
    """Rows of cell texts ("" where nothing is printed) and where the table sits."""

    rows: list[list[str]]
    top: float
    bottom: float
    x0: float
    x1: float
    row_tops: list[float] = field(default_factory=list)


def join_boxes(boxes: list[Box]) -> str:
    """Join boxes left to right; keep a space only where the gap shows one was printed."""
    out = ""
    prev: Box | None = None
    for b in sorted(boxes, key=lambda b: b.x0):
        if prev is not None and b.x0 - prev.x1 > 0.12 * min(prev.h, b.h):
            out += " "
        out += b.text
        prev = b
    return out


def group_lines(boxes: list[Box]) -> list[list[Box]]:
    """Cluster boxes whose vertical centres lie within half a text height of each other."""
    if not boxes:
        return []
    h = median(b.h for b in boxes)
    lines: list[list[Box]] = []
    centre = 0.0
    for b in sorted(boxes, key=lambda b: b.cy):
        if lines and abs(b.cy - centre) <= 0.5 * h:
            lines[-1].append(b)
            centre = sum(x.cy for x in lines[-1]) / len(lines[-1])
        else:
            lines.append([b])
            centre = b.cy
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def merge_cells(line: list[Box], gap: float) -> list[Box]:
    """Merge neighbouring boxes into one cell unless a gap wider than `gap` parts them;
    two values are never merged (columns of numbers sit closer than labels' words)."""
    cells: list[list[Box]] = []
    for b in sorted(line, key=lambda b: b.x0):
        if cells:
            last = cells[-1][-1]
            if b.x0 - last.x1 < gap and not (is_value(last.text) and is_value(b.text)):
                cells[-1].append(b)
                continue
        cells.append([b])
    return [
        Box(join_boxes(c), min(x.x0 for x in c), min(x.top for x in c), max(x.x1 for x in c), max(x.bottom for x in c))
        for c in cells
    ]


def build_lines(boxes: list[Box], merge_gap: float = 0.6) -> list[Line]:
    """Lines of cells. `merge_gap` (in text heights) is the widest gap inside one cell:
    about a space for PDF words, less for OCR boxes, which already span whole phrases."""
    boxes = [b for b in boxes if b.text.strip()]
    if not boxes:
        return []
    h = median(b.h for b in boxes)
    return [Line(merge_cells(line, merge_gap * h)) for line in group_lines(boxes)]


def layout(boxes: list[Box], merge_gap: float = 0.6) -> list[Line | Table]:
    """Lines in reading order, with runs of tabular lines replaced by Tables."""
    lines = build_lines(boxes, merge_gap)
    if not lines:
        return []
    width = max(line.x1 for line in lines) - min(line.x0 for line in lines)
    tabular = [_is_tabular(line) for line in lines]
    out: list[Line | Table] = []
    i = 0
    while i < len(lines):
        if not tabular[i]:
            out.append(lines[i])
            i += 1
            continue
        h = lines[i].size
        run = [i]
        k = i + 1
        while k < len(lines):
            if lines[k].top - lines[run[-1]].bottom > 4.0 * max(h, lines[k].size, lines[run[-1]].size):
                break
            if not (tabular[k] or _is_fragment(lines[k], width, h)):
                break
            run.append(k)
            k += 1
        while run and not tabular[run[-1]]:
            run.pop()
        if sum(lines[r].n_values for r in run) < 4 and sum(1 for r in run if lines[r].n_values) < 2:
            out.append(lines[i])
            i += 1
            continue
        # wrapped label lines or header pieces just above the first row belong to the table
        first = run[0]
        while out and isinstance(out[-1], Line) and out[-1] is lines[first - 1] and _is_fragment(out[-1], width, h) \
                and lines[first].top - out[-1].bottom <= 4.0 * h:
            out.pop()
            first -= 1
        out.append(_table(lines[first: run[-1] + 1], h))
        i = run[-1] + 1
    return out


def _is_tabular(line: Line) -> bool:
    """Several cells with a number, or a header line of three or more separate cells."""
    n = len(line.cells)
    return (n >= 2 and line.n_values >= 1) or n >= 3


def _is_fragment(line: Line, width: float, size: float) -> bool:
    """A piece of a label or header inside a table: no number, not a full-width line of
    prose, not set in a larger type than the table (a heading)."""
    narrow = len(line.cells) >= 2 or (line.x1 - line.x0) < 0.6 * width
    return not line.n_values and narrow and line.size <= 1.25 * size


def _table(lines: list[Line], h: float) -> Table:
    # value columns: overlapping x-intervals of value cells
    spans: list[list[float]] = []
    for line in lines:
        for c in line.cells:
            if is_value(c.text):
                spans.append([c.x0, c.x1])
    spans.sort()
    vcols: list[list[float]] = []
    for x0, x1 in spans:
        if vcols and x0 <= vcols[-1][1] + 0.3 * h:
            vcols[-1][1] = max(vcols[-1][1], x1)
        else:
            vcols.append([x0, x1])
    first_value_x = vcols[0][0] if vcols else float("inf")
    # label columns: left edges of text cells left of the first value column
    lefts = sorted(c.x0 for line in lines for c in line.cells if c.x1 <= first_value_x + 0.3 * h and not is_value(c.text))
    lcols: list[float] = []
    for x in lefts:
        if not lcols or x - lcols[-1] > 1.5 * h:
            lcols.append(x)
    ncols = len(lcols) + len(vcols)

    def column(c: Box) -> int:
        if c.x1 <= first_value_x + 0.3 * h and not is_value(c.text) and lcols:
            return max(i for i, x in enumerate(lcols) if x <= c.x0 + 1.5 * h) if c.x0 + 1.5 * h >= lcols[0] else 0
        cx = (c.x0 + c.x1) / 2
        best = min(range(len(vcols)), key=lambda i: 0 if vcols[i][0] <= cx <= vcols[i][1] else min(abs(cx - vcols[i][0]), abs(cx - vcols[i][1])))
        return len(lcols) + best

    # rows: lines with values (or header lines of 3+ cells) are rows; the other lines are
    # wrapped pieces of a label: they join the row whose text in the same column they
    # touch (a line gap apart), or whose values they straddle, else they stand alone
    anchors = [i for i, line in enumerate(lines) if line.n_values or len(line.cells) >= 3] or [0]
    members: dict[int, list[Line]] = {i: [lines[i]] for i in anchors}
    pending = [i for i in range(len(lines)) if i not in members]
    while pending:
        best: tuple[float, int, int] | None = None
        for i in pending:
            line = lines[i]
            for a, group in members.items():
                if a not in anchors:
                    continue
                score = _touch(line, group, lines[a], column, h)
                if score is not None and (best is None or score < best[0]):
                    best = (score, i, a)
        if best is None:
            break
        members[best[2]].append(lines[best[1]])
        pending.remove(best[1])
    for i in pending:
        members[i] = [lines[i]]
    rows: list[list[str]] = []
    tops: list[float] = []
    for key in sorted(members, key=lambda k: lines[k].top):
        parts: list[list[Box]] = [[] for _ in range(ncols)]
        for line in members[key]:
            for c in line.cells:
                parts[column(c)].append(c)
        rows.append(["\n".join(b.text for b in sorted(p, key=lambda b: (b.top, b.x0))) for p in parts])
        tops.append(min(line.top for line in members[key]))
    return Table(
        rows=rows,
        top=min(line.top for line in lines),
        bottom=max(line.bottom for line in lines),
        x0=min(line.x0 for line in lines),
        x1=max(line.x1 for line in lines),
        row_tops=tops,
    )


def _touch(line: Line, group: list[Line], anchor: Line, column, h: float) -> float | None:
    """How closely a label fragment hangs on a row (smaller is closer), or None."""
    best: float | None = None
    for c in line.cells:
        col = column(c)
        same = [o for g in group for o in g.cells if column(o) == col]
        if same:
            gap = min(max(o.top - c.bottom, c.top - o.bottom, 0.0) for o in same)
            d = gap if gap <= 1.2 * h else None
        else:
            dist = abs(c.cy - anchor.cy)
            d = dist if dist <= 1.5 * h else None
        if d is None:
            return None
        best = d if best is None else max(best, d)
    return best
