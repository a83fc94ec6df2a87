"""Fill cells a report lost, but only where the template's identities prove the value.

A row printed with fewer values than columns could have lost any of its cells. Every way of
placing the printed values is tried; the lost cells are solved from the row identity
(总计 = sum of the applicants) and from column bounds (an outcome is at most its column's
（七）总计, and never negative). The row is filled only when every placement that fits gives
the same numbers; otherwise the cells stay NULL and the note says why.
"""
from __future__ import annotations

from itertools import combinations

from transforms.matcher import RowMatch
from transforms.rows import LongValue, Note
from transforms.values import parse_cell

MAX_LOST_CELLS = 2
OUTCOME_TOTAL = "requests.outcomes_total"
NOT_OUTCOMES = {"requests.received", "requests.carried_in", "requests.carried_forward", OUTCOME_TOTAL}


def _column_bounds(values: dict[tuple[str, str | None], LongValue], metric_id: str, columns: list[str | None]) -> list[float | None]:
    """Upper bound of each column's cell: the column's （七）总计 for an outcome row."""
    if metric_id in NOT_OUTCOMES or not metric_id.startswith("requests."):
        return [None] * len(columns)
    bounds: list[float | None] = []
    for applicant in columns:
        total = values.get((OUTCOME_TOTAL, applicant))
        bounds.append(total.value if total is not None and total.value_semantic in ("number", "zero") else None)
    return bounds


def _solve(placed: list[float | None], bounds: list[float | None], total_index: int | None) -> tuple[str, list[float] | None]:
    """One placement of the printed values: ('solved', row), ('open', None) or ('infeasible', None)."""
    row = list(placed)
    for i, value in enumerate(row):
        if value is None and bounds[i] == 0:
            row[i] = 0.0  # a cell bounded by a zero total, and never negative, is zero
    unknown = [i for i, v in enumerate(row) if v is None]
    if total_index is not None and len(unknown) == 1:
        i = unknown[0]
        others = sum(v for j, v in enumerate(row) if j not in (i, total_index) and v is not None)
        row[i] = others if i == total_index else row[total_index] - others  # type: ignore[operator]
    known = [v for v in row if v is not None]
    if any(v < 0 for v in known) or any(v is not None and b is not None and v > b for v, b in zip(row, bounds)):
        return "infeasible", None
    if any(v is None for v in row):
        return "open", None
    solved = [float(v) for v in row if v is not None]
    if total_index is not None and abs(sum(v for j, v in enumerate(solved) if j != total_index) - solved[total_index]) > 1e-9:
        return "infeasible", None
    return "solved", solved


def infer_short_rows(values: list[LongValue], short_rows: list[RowMatch]) -> list[Note]:
    by_key = {(v.metric_id, v.applicant): v for v in values}
    notes: list[Note] = []
    for row in short_rows:
        metric_id = row.targets[0][0]
        columns = [applicant for _, applicant in row.targets]
        lost = len(row.targets) - len(row.cells)
        printed = [parse_cell(c.text) for c in row.cells]
        if any(target not in by_key for target in row.targets):  # e.g. （六） as one row where sub-rows are printed
            notes.append(Note(metric_id, None, "left_null", f"row '{row.label}' ({row.label_ref}) is not part of the template this document prints; its values were not placed"))
            continue
        if row.leading:
            leading = _infer_leading(row, by_key, printed)
            if leading is not None:
                notes.append(leading)
                continue
        if lost > MAX_LOST_CELLS or any(p.value is None for p in printed):
            notes.append(Note(metric_id, None, "left_null", f"row '{row.label}' printed {len(row.cells)} of {len(row.targets)} values; too many lost, or blanks among them, to place"))
            continue
        total_index = columns.index("total") if "total" in columns else None
        bounds = _column_bounds(by_key, metric_id, columns)
        solutions: set[tuple[float, ...]] = set()
        undetermined = 0
        for kept in combinations(range(len(row.targets)), len(row.cells)):
            placed: list[float | None] = [None] * len(row.targets)
            for position, parsed in zip(kept, printed):
                placed[position] = parsed.value
            status, solved = _solve(placed, bounds, total_index)
            if status == "solved" and solved is not None:
                solutions.add(tuple(solved))
            undetermined += status == "open"
        detail = f"row '{row.label}' ({row.label_ref}) printed {len(row.cells)} of {len(row.targets)} values"
        if len(solutions) == 1 and not undetermined:
            solution = next(iter(solutions))
            for (target_metric, applicant), value in zip(row.targets, solution):
                cell = by_key[(target_metric, applicant)]
                cell.value, cell.value_semantic, cell.source_ref = value, "inferred", row.label_ref
            notes.append(Note(metric_id, None, "filled", f"{detail}; every placement allowed by the identities and non-negativity gives the same row"))
        else:
            reason = "no placement fits the identities" if not solutions and not undetermined else "the identities do not determine the lost values"
            notes.append(Note(metric_id, None, "left_null", f"{detail}; {reason}"))
    return notes


def _infer_leading(row: RowMatch, by_key: dict[tuple[str, str | None], LongValue], printed) -> Note | None:
    """Values that seem to start the row: place them, then fill the cut cells only where proven.

    None when that placement contradicts the identities (the lost cells were not at the end after
    all): the caller then tries every placement, like for any short row.
    """
    metric_id = row.targets[0][0]
    columns = [applicant for _, applicant in row.targets]
    total_index = columns.index("total") if "total" in columns else None
    bounds = _column_bounds(by_key, metric_id, columns)
    placed: list[float | None] = [p.value for p in printed] + [None] * (len(row.targets) - len(row.cells))
    numeric = all(p.value is not None for p in printed)
    status, solved = _solve(placed, bounds, total_index) if numeric else ("open", None)
    if status == "infeasible":
        return None
    for target, cell, parsed in zip(row.targets, row.cells, printed):
        value = by_key[target]
        value.value, value.value_semantic, value.raw_text, value.source_ref = parsed.value, parsed.semantic, cell.text, cell.ref
    detail = f"row '{row.label}' ({row.label_ref}) printed {len(row.cells)} of {len(row.targets)} values and then empty separators"
    if status == "solved" and solved is not None:
        for target, value in list(zip(row.targets, solved))[len(row.cells):]:
            cell = by_key[target]
            cell.value, cell.value_semantic, cell.source_ref = value, "inferred", row.label_ref
        return Note(metric_id, None, "filled", f"{detail}; the identities and non-negativity prove the cut cells")
    return Note(metric_id, None, "left_null", f"{detail}; the cut cells are blank or lost and the identities do not determine them")
