"""Reports printed one cell per line with some rows' cells out of row order, as pdftotext does.

pdftotext (without -layout) reads a table's cells by their place on the page, not by row: a row's
values can come out after the next row's label, the values of two rows interleaved, a block of labels
and then a block of values. The text then gives no row boundaries; a reader that assigns values to
the label before them by position alone reads wrong numbers. These renderings reproduce that on
generated reports with known truth (tests/test_row_order.py): in a few windows of consecutive section
三 rows whose every cell is printed, the labels and values are reordered one of these ways:

  labels_first  the window's labels, then its values row by row (a row's cells after the next label)
  interleaved   the window's labels, then its values column by column (a1 b1 a2 b2 …)
  shuffled      the window's labels, then its values in a shuffled order
  split         a row's first values, the next row's label, then the rest of both rows' values
  early         a row's label and values followed by the next row's values, then its label

Everything outside the windows is one cell per line in row order, empty cells as empty lines.
"""
from __future__ import annotations

import random

from .crawler_render import Row, Source, _section_starts
from .structure import Para

KINDS = ("labels_first", "interleaved", "shuffled", "split", "early")
WIDTH = 7  # section 三's columns


def _split(row: Row) -> tuple[list[str], list[str]]:
    labels = [c for c, is_value in zip(row.cells, row.values) if not is_value]
    values = [c for c, is_value in zip(row.cells, row.values) if is_value]
    return labels, values


def _full(row: Row) -> bool:
    _, values = _split(row)
    return len(values) == WIDTH and all(v != "" for v in values)


def _window_lines(rows: list[Row], kind: str, rng: random.Random) -> list[str]:
    parts = [_split(r) for r in rows]
    labels = [x for ls, _ in parts for x in ls]
    values = [v for _, vs in parts for v in vs]
    if kind == "labels_first":
        return labels + values
    if kind == "interleaved":
        return labels + [vs[i] for i in range(WIDTH) for _, vs in parts]
    if kind == "shuffled":
        rng.shuffle(values)
        return labels + values
    (la, va), (lb, vb) = parts[0], parts[1]
    if kind == "split":
        cut = rng.randint(1, WIDTH - 1)
        return la + va[:cut] + lb + va[cut:] + vb
    if kind == "early":
        return la + va + vb + lb
    raise ValueError(f"unknown kind {kind!r}; choose from {', '.join(KINDS)}")


def render_out_of_order(src: Source, kind: str, seed: int, windows: int = 2) -> str:
    """The report one cell per line, with `windows` runs of 2-3 section 三 rows out of row order."""
    rng = random.Random(f"{seed}:{src.name}:{kind}")
    three, four = _section_starts(src.items)
    eligible = [i for i in range(three, four - 1) if isinstance(src.items[i], Row) and isinstance(src.items[i + 1], Row)
                and _full(src.items[i]) and _full(src.items[i + 1])]
    starts: list[int] = []
    for i in rng.sample(eligible, len(eligible)):
        if len(starts) < windows and all(abs(i - s) > 3 for s in starts):
            starts.append(i)
    lines: list[str] = []
    i = 0
    while i < len(src.items):
        item = src.items[i]
        if i in starts:
            size = 3 if kind in ("labels_first", "interleaved", "shuffled") and i + 2 < four and isinstance(src.items[i + 2], Row) and _full(src.items[i + 2]) else 2
            lines.extend(_window_lines(list(src.items[i:i + size]), kind, rng))  # type: ignore[arg-type]
            i += size
            continue
        lines.extend([item.text] if isinstance(item, Para) else item.cells)
        i += 1
    return "\n".join(lines) + "\n"
