"""Property test: a generated report printed in each stream layout (tests/fixturegen/txt_render.py:
one line glued, single-spaced, pipes without a leading pipe, one cell per paragraph, dropped empties)
reads back to the same values or to NULL, never to a different number; most cells are decided."""
from __future__ import annotations

import os
import random
import tempfile
from collections import Counter

import pytest

from conftest import read_truth
from gongkai.extract import extract_file
from tests.fixturegen import generate_corpus
from tests.fixturegen.txt_render import STREAM_LAYOUTS

# 40 documents per layout: with 15 the decided share moved by several points from one set of seeds to another
SEEDS = [random.Random(f"stream-layouts:{i}").randrange(10**6) for i in range(int(os.environ.get("GONGKAI_STREAM_SEEDS", "40")))]
# share of truth cells that must come out decided (the rest NULL), per layout: where empty cells
# are dropped or printed as nothing, some positions are unknowable
# paragraphs/dropped: more cells stay NULL where a page that drops empty cells lets a run lose one.
# The seeds are fixed (SEEDS), not drawn by hypothesis: the derandomized draw differed between the
# whole suite and this file alone (68% vs 72% decided), most likely because Hypothesis also draws
# from the constants of the modules loaded in the process. Measured at these seeds: oneline 97.6%,
# spaced 93.8%, pipes_open 99.3%, paragraphs and dropped 82.1%.
DECIDED_MIN = {"oneline": 0.95, "spaced": 0.93, "pipes_open": 0.95, "paragraphs": 0.8, "dropped": 0.8}
GLUED = ("oneline", "spaced")
COUNTS: dict[str, Counter] = {layout: Counter() for layout in STREAM_LAYOUTS}


def _read_back(layout: str, seed: int) -> Counter:
    with tempfile.TemporaryDirectory() as tmp:
        # a blank inside a glued run leaves no trace (9 + "" + 30 = 930): glued layouts print no blanks
        style = {"txt_layout": layout, "blanks": "none" if layout in GLUED else None}
        (path,) = generate_corpus(tmp, 1, seed=seed, formats="txt", style_overrides=style)
        truth = read_truth(path.with_suffix(".truth.csv"))
        extraction = extract_file(path)
    counts: Counter = Counter(documents=1)
    if extraction.status != "loaded":
        counts["not_loaded"] += 1
        counts["null"] += len(truth)
        return counts
    got = {(v.metric_id, v.applicant): v for v in extraction.values}
    for key, expected in truth.items():
        value = got.get(key)
        if value is None or value.value is None:
            counts["null" if expected is not None else "right"] += 1
        elif expected is None:
            counts["wrong"] += 1  # a blank the layout dropped must not come back as a number
            raise AssertionError(f"{layout} seed {seed}: blank {key} read as {value.value} ({value.value_semantic})")
        elif abs(value.value - expected) < 1e-9:
            counts["right"] += 1
        else:
            counts["wrong"] += 1
            raise AssertionError(f"{layout} seed {seed}: {key} read as {value.value} ({value.raw_text!r}), truth {expected}")
    return counts


@pytest.mark.parametrize("layout", STREAM_LAYOUTS)
def test_stream_layout_reads_back_equal_or_null(layout: str) -> None:
    for seed in SEEDS:
        COUNTS[layout].update(_read_back(layout, seed))
    counts = COUNTS[layout]
    cells = counts["right"] + counts["null"] + counts["wrong"]
    assert counts["wrong"] == 0
    assert counts["right"] / cells >= DECIDED_MIN[layout], dict(counts)


def _stream_cells(text: str) -> list[list[tuple[str, bool]]]:
    from extractors.model import Grid
    from extractors.stream import stream_blocks

    blocks = stream_blocks([(line, f"line {i}") for i, line in enumerate(text.split("\n"), start=1)])
    return [[(c.text, c.trailing_gap) for c in row] for b in blocks if isinstance(b, Grid) for row in b.rows]


def _stream_rows(text: str) -> list[list[str]]:
    return [[t for t, _ in row] for row in _stream_cells(text)]


def test_an_empty_paragraph_between_cells_is_an_empty_cell() -> None:
    # one cell per paragraph (a blank line between any two cells) and an empty paragraph between two
    # values (the text prints its blanks): an extra empty paragraph before a value or a row label is
    # a blank cell, also with `|`-only lines between the cells
    assert _stream_rows("规章\n\n\n\n0\n\n\n\n6\n\n行政规范性文件\n\n4\n\n\n\n行政许可\n\n3") == [
        ["规章", "", "0", "", "6", "行政规范性文件", "4", "", "行政许可", "3"]]
    assert _stream_rows("规章\n|\n\n|\n0\n|\n\n|\n6\n|\n行政许可\n|\n3") == [["规章", "", "0", "", "6", "行政许可", "3"]]
    # before a table's header, heading or prose it may be spacing: the row only ends there (its last
    # cells are unknowable: Cell.trailing_gap), no cell is added
    cells = _stream_cells("规章\n\n0\n\n\n\n6\n\n行政规范性文件\n\n4\n\n21\n\n\n\n第二十条第（五）项")
    assert cells == [[("规章", False), ("0", False), ("", False), ("6", False), ("行政规范性文件", False),
                      ("4", False), ("21", True), ("第二十条第（五）项", False)]]


def test_blank_lines_that_are_not_whole_empty_paragraphs_add_no_cell() -> None:
    # one cell per line (a blank line may be only a paragraph break), two cells on one line, a gap
    # of 3 newlines where cells are 2 apart, or no empty paragraph between two values (nothing shows
    # that the text prints its blanks): nothing is added
    assert _stream_rows("规章\n0\n\n6\n行政规范性文件\n4\n\n\n21") == [["规章", "0", "6", "行政规范性文件", "4", "21"]]
    assert _stream_rows("规章 0\n\n\n\n6\n\n行政规范性文件\n\n4") == [["规章", "0", "6", "行政规范性文件", "4"]]
    assert _stream_rows("规章\n\n\n0\n\n6\n\n\n\n\n行政规范性文件\n\n4") == [["规章", "0", "6", "行政规范性文件", "4"]]
    assert _stream_rows("规章\n\n\n\n0\n\n6\n\n行政规范性文件\n\n\n\n4") == [["规章", "0", "6", "行政规范性文件", "4"]]
