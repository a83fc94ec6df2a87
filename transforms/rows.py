"""Turn matched rows into long-format values: one row per metric × applicant the template prints."""
from __future__ import annotations

from dataclasses import dataclass

from transforms.catalog import Metric, applicants, metrics
from transforms.matcher import MatchResult, RowMatch
from transforms.values import metric_value

OTHER_SUBROWS = ("requests.other.no_correction", "requests.other.fee_unpaid", "requests.other.other")
SINGLE_OTHER = "requests.other"


@dataclass
class LongValue:
    metric_id: str
    applicant: str | None
    value: float | None
    value_semantic: str  # number | zero | blank | na | inferred | missing | text
    raw_text: str | None
    source_ref: str | None


@dataclass
class Note:
    metric_id: str | None
    applicant: str | None
    action: str  # filled | left_null | info
    reason: str


def expected_metrics(match: MatchResult) -> list[Metric]:
    """The metrics this document's template prints; （六） as one row or as three sub-rows, as printed."""
    version = match.template_version
    printed = match.metric_ids()
    single_other = SINGLE_OTHER in printed and not printed.intersection(OTHER_SUBROWS)
    if version == "2019" and printed.intersection(OTHER_SUBROWS):
        single_other = False
    chosen = []
    for metric in metrics().values():
        if metric.metric_id == SINGLE_OTHER:
            keep = single_other or version == "2019" and not printed.intersection(OTHER_SUBROWS)
        elif metric.metric_id in OTHER_SUBROWS:
            keep = not single_other and (version == "2021" or metric.metric_id in printed)
        else:
            keep = version in metric.templates
        if keep:
            chosen.append(metric)
    return chosen


def build_long_values(match: MatchResult) -> tuple[list[LongValue], list[Note], list[RowMatch]]:
    """Values for every expected cell, plus the short rows whose alignment is still unknown."""
    placed: dict[tuple[str, str | None], LongValue] = {}
    short_rows: list[RowMatch] = []
    notes: list[Note] = []
    for row in match.rows:
        if row.is_short:
            short_rows.append(row)
            continue
        for (metric_id, applicant), cell in zip(row.targets, row.cells):
            placed[(metric_id, applicant)], note = cell_value(metric_id, applicant, cell.text, cell.ref)
            if note:
                notes.append(note)
    values: list[LongValue] = []
    short_metrics = {metric_id for row in short_rows for metric_id, _ in row.targets}
    for metric in expected_metrics(match):
        for applicant in applicants() if metric.by_applicant else (None,):
            key = (metric.metric_id, applicant)
            if key in placed:
                values.append(placed[key])
                continue
            values.append(LongValue(metric.metric_id, applicant, None, "missing", None, None))
            if metric.metric_id not in short_metrics and applicant in (None, "total"):
                notes.append(Note(metric.metric_id, None, "left_null", "row not found in the document"))
    return values, notes, short_rows


def cell_value(metric_id: str, applicant: str | None, text: str, ref: str | None) -> tuple[LongValue, Note | None]:
    """One printed cell as the metric holds it (transforms/values.metric_value), with a note when it is
    number-like text (-3 as a count, 1e9, a 20-digit cell) or an amount converted to the metric's unit."""
    parsed = metric_value(text, metric_id, metrics()[metric_id].unit if metric_id in metrics() else "")
    value = LongValue(metric_id, applicant, parsed.value, parsed.semantic, text, ref)
    raw = text.strip()[:40]
    if parsed.semantic == "text":
        reason = f"cell '{raw}' is not a number ({ref})" + (f": {parsed.note}" if parsed.note else "")
        return value, Note(metric_id, applicant, "left_null", reason)
    return value, Note(metric_id, applicant, "info", f"{parsed.note} ({ref})") if parsed.note else None
