"""The glued-digit splitter (transforms/splitter.py): unique splits, splits the identities decide,
ambiguous ones left NULL with their candidates, inconsistent tables, and a worst case that returns."""
from __future__ import annotations

from extractors.model import Cell
from transforms.catalog import applicants, metrics
from transforms.matcher import RowMatch
from transforms.rows import LongValue
from transforms.splitter import row_candidates, solve_rows

APPLICANTS = list(applicants())


def _targets(metric_id: str) -> list[tuple[str, str | None]]:
    if metrics()[metric_id].by_applicant:
        return [(metric_id, a) for a in APPLICANTS]
    return [(metric_id, None)]


def _row(metric_ids: list[str], *tokens: str, glued: bool = True) -> RowMatch:
    targets = [t for m in metric_ids for t in _targets(m)]
    cells = [Cell(t, f"line 1 char {i}", glued=glued and len(t) > 1) for i, t in enumerate(tokens)]
    return RowMatch("三", metric_ids[0], "line 1", targets, cells, "exact")


def _table(rows: list[RowMatch], printed: dict[tuple[str, str | None], float] | None = None) -> list[LongValue]:
    """Every cell of the rows missing (to be solved), plus printed cells of other rows."""
    values = [LongValue(m, a, None, "missing", None, None) for row in rows for m, a in row.targets]
    for (m, a), v in (printed or {}).items():
        values.append(LongValue(m, a, v, "zero" if v == 0 else "number", str(int(v)), "t"))
    return values


def _cells(values: list[LongValue], metric_id: str) -> list[tuple[float | None, str]]:
    return [(v.value, v.value_semantic) for v in values if v.metric_id == metric_id]


def test_a_run_with_one_digit_per_column_splits_one_way_and_stays_printed() -> None:
    row = _row(["requests.granted"], "1000001")
    values = _table([row])
    notes = solve_rows(values, [row])
    assert _cells(values, "requests.granted") == [(1.0, "number")] + [(0.0, "zero")] * 5 + [(1.0, "number")]
    assert notes[0].action == "info" and "only one placement" in notes[0].reason


def test_no_multi_digit_cell_starts_with_zero() -> None:
    # 规章 0012 over three columns: 0 | 0 | 12 is the only split without a leading zero
    row = RowMatch("二", "规章", "line 1", _targets("proactive.rules.issued") + _targets("proactive.rules.repealed") + _targets("proactive.rules.in_force"),
                   [Cell("0012", "line 1", glued=True)], "exact")
    values = _table([row])
    solve_rows(values, [row])
    assert [v.value for v in values] == [0.0, 0.0, 12.0]


def test_the_row_total_decides_a_split_and_the_cells_are_inferred() -> None:
    # "200001012": 2|0|0|0|0|10|12 adds up; 20|0|0|0|0|10|12, 200|0|0|1|0|1|2, … do not
    row = _row(["requests.granted"], "200001012")
    values = _table([row])
    notes = solve_rows(values, [row])
    assert [v for v, _ in _cells(values, "requests.granted")] == [2.0, 0, 0, 0, 0, 10.0, 12.0]
    assert _cells(values, "requests.granted")[0][1] == "inferred"
    assert notes[0].action == "filled" and "identity_3_row_total" in notes[0].reason


def test_a_column_identity_decides_a_row() -> None:
    # "110 0 0 0 0 11": 1|10|0|0|0|0|11 and 11|0|0|0|0|0|11 both add up; （七）总计 (11, 0, …) decides
    granted = _row(["requests.granted"], "110", "0", "0", "0", "0", "11")
    printed = {(m, a): 0.0 for m in metrics() if metrics()[m].by_applicant and m not in ("requests.granted", "requests.other") for a in APPLICANTS}
    printed.update({("requests.outcomes_total", a): v for a, v in zip(APPLICANTS, [11, 0, 0, 0, 0, 0, 11])})
    values = _table([granted], printed)
    solve_rows(values, [granted])
    assert [v for v, _ in _cells(values, "requests.granted")] == [11.0, 0, 0, 0, 0, 0, 11.0]


def test_three_counts_without_an_identity_stay_null_with_their_candidates() -> None:
    # section 二: 本年制发 / 本年废止 / 现行有效 printed as "5615"
    targets = _targets("proactive.normative_docs.issued") + _targets("proactive.normative_docs.repealed") + _targets("proactive.normative_docs.in_force")
    row = RowMatch("二", "行政规范性文件", "line 1", targets, [Cell("5615", "line 1", glued=True)], "exact")
    values = _table([row])
    notes = solve_rows(values, [row])
    assert all(v.value is None for v in values)
    assert notes[0].action == "left_null"
    for candidate in ("5|6|15", "5|61|5", "56|1|5"):
        assert candidate in notes[0].reason


def test_an_identity_the_printed_cells_break_does_not_force_a_split() -> None:
    # 一 = 2 and （七）总计 = 3 for 自然人 (printed, consistent with nothing): identity 1 is broken.
    # The glued row is then decided only if every way of dropping one more identity agrees, and the
    # row total alone no longer suffices: its cells stay NULL instead of being forced by a broken table.
    row = _row(["requests.granted"], "200001012")
    printed = {("requests.received", "natural_person"): 2, ("requests.carried_in", "natural_person"): 0,
               ("requests.outcomes_total", "natural_person"): 3, ("requests.carried_forward", "natural_person"): 0}
    values = _table([row], printed)
    notes = solve_rows(values, [row])
    granted = _cells(values, "requests.granted")
    assert all(v is None or v == truth for (v, _), truth in zip(granted, [2, 0, 0, 0, 0, 10, 12]))
    assert granted[0][0] is None and notes[0].action == "left_null"
    kept = [v for v in values if v.metric_id == "requests.outcomes_total"]
    assert kept[0].value == 3.0  # printed numbers are never changed


def test_lost_cells_and_glued_runs_are_one_mechanism() -> None:
    # six printed zeros for seven columns: whichever was lost, the row total proves it is 0
    row = _row(["requests.denied.state_secret"], "0", "0", "0", "0", "0", "0", glued=False)
    values = _table([row])
    solve_rows(values, [row])
    assert _cells(values, "requests.denied.state_secret") == [(0.0, "inferred")] * 7


def test_the_worst_case_returns_with_cells_left_null() -> None:
    # a 60-digit run for the 15 cells of section 四, and every section 三 row glued ambiguously
    section4 = [m for m in metrics() if m.startswith("appeals.")]
    huge = RowMatch("四", "行政复议、行政诉讼", "line 1", [(m, None) for m in section4], [Cell("123456789" * 6 + "123456", "line 1", glued=True)], "position")
    rows = [huge] + [_row([m], "1" * 9, "1" * 5) for m in metrics() if metrics()[m].by_applicant]
    values = _table(rows)
    notes = solve_rows(values, rows)
    assert len(notes) == len(rows)
    assert notes[0].action == "left_null" and all(v.value is None for v in values if v.metric_id.startswith("appeals."))
    assert not [v for v in values if v.value_semantic == "inferred" and v.value is not None and v.value < 0]


def test_candidates_of_a_row_are_bounded() -> None:
    row = _row(["requests.granted"], "1" * 40)
    try:
        candidates = row_candidates(row)
    except Exception as exc:  # the bound is reached: reported as TooMany, never an endless loop
        assert type(exc).__name__ == "TooMany"
    else:
        assert len(candidates) <= 2001


def test_a_forced_split_that_breaks_its_own_row_total_is_not_accepted() -> None:
    # "1221116" has seven digits for seven columns, but 1+2+2+1+1+1 != 6: the run lost a cell
    # (12|2|∅|1|∅|1|16 on a page that drops empty cells), so the digits alone decide nothing
    row = _row(["requests.granted"], "1221116")
    values = _table([row])
    notes = solve_rows(values, [row])
    assert all(v.value is None for v in values) and notes[0].action == "left_null"
