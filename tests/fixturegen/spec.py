"""Metric and applicant lists read from the repo's data/ CSVs, plus the template identities.

The generator writes truth in the warehouse's public ids, so it reads them from the same
data/metrics.csv the pipeline uses instead of keeping a second copy.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
TEMPLATE_2021 = REPO / "tests" / "real" / "template-2021-blank.docx"

APPLICANTS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org")
ALL_COLUMNS = APPLICANTS + ("total",)

OTHER_SUBROWS = ("requests.other.no_correction", "requests.other.fee_unpaid", "requests.other.other")

# Leaf outcome rows of section 三 whose sum is （七）总计 (identity 2).
LEAF_OUTCOMES_BASE = (
    "requests.granted",
    "requests.partially_granted",
    "requests.denied.state_secret",
    "requests.denied.prohibited_by_law",
    "requests.denied.security_stability",
    "requests.denied.third_party",
    "requests.denied.internal_affairs",
    "requests.denied.process_info",
    "requests.denied.enforcement_files",
    "requests.denied.admin_query",
    "requests.unavailable.not_held",
    "requests.unavailable.needs_creation",
    "requests.unavailable.unclear",
    "requests.not_processed.petition",
    "requests.not_processed.duplicate",
    "requests.not_processed.publication",
    "requests.not_processed.excessive",
    "requests.not_processed.confirmation",
)

APPEAL_GROUPS = ("appeals.review", "appeals.litigation_direct", "appeals.litigation_after_review")
APPEAL_PARTS = ("upheld", "corrected", "other", "pending")

Key = tuple[str, str]  # (metric_id, applicant or "")
Value = int | Decimal | None  # None = the report printed a blank


@dataclass(frozen=True)
class Metric:
    metric_id: str
    section: str
    by_applicant: bool
    templates: tuple[str, ...]


@lru_cache(maxsize=1)
def metrics() -> tuple[Metric, ...]:
    with open(DATA / "metrics.csv", encoding="utf-8", newline="") as fh:
        return tuple(
            Metric(r["metric_id"], r["section"], r["by_applicant"] == "yes", tuple(r["templates"].split()))
            for r in csv.DictReader(fh)
        )


def leaf_outcomes(other_one_row: bool) -> tuple[str, ...]:
    return LEAF_OUTCOMES_BASE + (("requests.other",) if other_one_row else OTHER_SUBROWS)


def metric_ids(template_version: str, other_one_row: bool) -> list[str]:
    """Metric ids a document of this layout prints, in metrics.csv order (the truth file order)."""
    out = []
    for m in metrics():
        if template_version not in m.templates:
            continue
        if m.metric_id == "requests.other" and not other_one_row:
            continue
        if m.metric_id in OTHER_SUBROWS and other_one_row:
            continue
        out.append(m.metric_id)
    return out


def by_applicant(metric_id: str) -> bool:
    return metric_id.startswith("requests.")


def truth_keys(template_version: str, other_one_row: bool) -> list[Key]:
    keys: list[Key] = []
    for mid in metric_ids(template_version, other_one_row):
        if by_applicant(mid):
            keys.extend((mid, a) for a in ALL_COLUMNS)
        else:
            keys.append((mid, ""))
    return keys


def _num(values: dict[Key, Value], key: Key) -> Decimal:
    v = values.get(key)
    return Decimal(0) if v is None else Decimal(v)


def check_identities(values: dict[Key, Value], other_one_row: bool) -> list[str]:
    """Identities 1-4 of DESIGN.md; a blank counts as 0. Returns one message per violation."""
    bad: list[str] = []
    leaves = leaf_outcomes(other_one_row)
    for col in ALL_COLUMNS:
        g = lambda mid: _num(values, (mid, col))  # noqa: E731
        if g("requests.received") + g("requests.carried_in") != g("requests.outcomes_total") + g("requests.carried_forward"):
            bad.append(f"balance:{col}")
        if sum(g(m) for m in leaves) != g("requests.outcomes_total"):
            bad.append(f"outcomes_sum:{col}")
    request_rows = sorted({mid for mid, a in values if a and mid.startswith("requests.")})
    for mid in request_rows:
        if sum(_num(values, (mid, a)) for a in APPLICANTS) != _num(values, (mid, "total")):
            bad.append(f"applicant_total:{mid}")
    for group in APPEAL_GROUPS:
        if sum(_num(values, (f"{group}.{p}", "")) for p in APPEAL_PARTS) != _num(values, (f"{group}.total", "")):
            bad.append(f"appeals_total:{group}")
    return bad


def format_value(v: Value) -> str:
    """How a value is written in truth.csv and (before styling) in the document."""
    if v is None:
        return ""
    if isinstance(v, Decimal):
        s = format(v.normalize(), "f")
        return s
    return str(v)
