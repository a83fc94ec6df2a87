"""Section 二 counts in a report's prose (新制发3件) choose among the splitter's candidates, never more.

transforms/prose_counts.py reads them (phrases in data/template/prose_phrases.csv); the splitter uses
them only to narrow a row the identities left open, never to replace a printed value, and not at all
when they fit no candidate.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractors.model import Cell, Paragraph, ReadResult  # noqa: E402
from gongkai.extract import extract_bytes  # noqa: E402
from transforms.matcher import RowMatch  # noqa: E402
from transforms.prose_counts import prose_counts, splitter_hints  # noqa: E402
from transforms.rows import LongValue  # noqa: E402
from transforms.splitter import solve_rows  # noqa: E402

DOCS = ("proactive.normative_docs.issued", "proactive.normative_docs.repealed", "proactive.normative_docs.in_force")


def _counts(*paragraphs: str) -> dict[str, float]:
    read = ReadResult("text", [Paragraph(p, f"p {i}") for i, p in enumerate(paragraphs)])
    return {k: v.value for k, v in prose_counts(read).items()}


@pytest.mark.parametrize("text, expected", [
    ("本年新制发规范性文件3件，废止2件，现行有效5件。", dict(zip(DOCS, (3.0, 2.0, 5.0)))),
    ("全年制定规章0件，废止规章1件；现行有效规章4件。",
     {"proactive.rules.issued": 0.0, "proactive.rules.repealed": 1.0, "proactive.rules.in_force": 4.0}),
    ("印发行政规范性文件十二件，现行有效的规范性文件共计20件。", {DOCS[0]: 12.0, DOCS[2]: 20.0}),
    ("完善规章制度3件，发布政策解读6件。", {}),  # 规章制度 is not 规章; 政策解读 is not a 规范性文件
    ("主动公开政府信息780条，其中政策文件17条。", {}),  # no row named, no 件
])
def test_phrases_name_their_cells(text: str, expected: dict[str, float]) -> None:
    assert _counts(text) == expected


def test_a_cell_stated_twice_with_different_numbers_is_not_used() -> None:
    assert _counts("本年新制发规范性文件3件。", "全年制发规范性文件4件，废止1件。") == {DOCS[1]: 1.0}


def _docs_row(*tokens: str) -> tuple[RowMatch, list[LongValue]]:
    row = RowMatch("二", "行政规范性文件", "line 1", [(m, None) for m in DOCS],
                   [Cell(t, "line 1", glued=len(t) > 1, stream=True) for t in tokens], "exact")
    return row, [LongValue(m, None, None, "missing", None, None) for m in DOCS]


def test_prose_decides_between_candidates_and_says_so() -> None:
    row, values = _docs_row("5615")  # 5|6|15, 5|61|5, 56|1|5 …: no identity decides
    notes = solve_rows(values, [row], {(DOCS[0], None): (56.0, "新制发规范性文件56件")})
    assert [(v.value, v.value_semantic) for v in values] == [(56.0, "inferred"), (1.0, "inferred"), (5.0, "inferred")]
    assert "the report's prose" in notes[0].reason and "chooses among" in notes[0].reason and "新制发规范性文件56件" in notes[0].reason


def test_without_prose_the_row_stays_null_with_candidates() -> None:
    row, values = _docs_row("5615")
    notes = solve_rows(values, [row])
    assert all(v.value is None for v in values)
    assert "candidates" in notes[0].reason and "prose" not in notes[0].reason


def test_prose_that_fits_no_candidate_is_not_used() -> None:
    row, values = _docs_row("5615")
    notes = solve_rows(values, [row], {(DOCS[0], None): (7.0, "新制发规范性文件7件")})
    assert all(v.value is None for v in values)
    assert "fits none of the candidates: not used" in notes[0].reason


def test_prose_never_replaces_a_printed_value() -> None:
    row, values = _docs_row("0012")  # only 0|0|12 is possible: the text decides
    solve_rows(values, [row], {(DOCS[2], None): (3.0, "现行有效3件")})
    assert [(v.value, v.value_semantic) for v in values] == [(0.0, "zero"), (0.0, "zero"), (12.0, "number")]


def test_generated_reports_with_prose_decide_more_and_never_differ(tmp_path: Path) -> None:
    """Generated 2021 reports on one line, digits glued, with and without a sentence in 一、总体情况
    stating the 规范性文件 counts: with it, cells left NULL become right; none ever differs."""
    from tests.fixturegen.crawler_render import generated_sources, render

    gained = 0
    sources = [s for s in generated_sources(10, 10, tmp_path) if s.template_version == "2021"]
    assert len(sources) >= 5
    for src in sources:
        rendering = render(src, "oneline_glued", 10)

        def said(metric_id: str) -> str:
            value = src.truth[(metric_id, None)]
            return "" if value is None else str(int(value))

        sentence = f"本年新制发规范性文件{said(DOCS[0])}件，废止{said(DOCS[1])}件，现行有效{said(DOCS[2])}件。"
        with_prose = rendering.text.replace("一、总体情况", "一、总体情况" + sentence, 1)
        assert with_prose != rendering.text
        read = {}
        for label, text in (("plain", rendering.text), ("prose", with_prose)):
            ex = extract_bytes(Path(f"{src.name}.{label}.txt"), text.encode("utf-8"))
            read[label] = {(v.metric_id, v.applicant): v.value for v in ex.values}
            for key, want in src.truth.items():
                got = read[label].get(key)
                assert got is None or (want is not None and abs(got - want) < 1e-6), (src.name, label, key, got, want)
        gained += sum(1 for m in DOCS if read["plain"][(m, None)] is None and read["prose"][(m, None)] is not None)
    assert gained >= 3, "the prose decided nothing"


def test_hints_come_from_the_documents_paragraphs() -> None:
    read = ReadResult("text", [Paragraph("（一）主动公开情况。本年新制发规范性文件3件，废止2件。", "p 4")])
    hints = splitter_hints(read)
    assert hints[(DOCS[0], None)][0] == 3.0 and "3件" in hints[(DOCS[0], None)][1]
