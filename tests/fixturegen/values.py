"""Random report values that satisfy the template identities, and deliberate breaks of them.

Values are what a township plausibly prints: mostly small counts, many zeros, a fee amount in
万元 that may carry decimals. Every injected inconsistency is returned as a record so the
document's meta says which number was changed and what the consistent value would have been.
"""
from __future__ import annotations

import random
from decimal import Decimal

from .spec import (
    ALL_COLUMNS,
    APPEAL_GROUPS,
    APPEAL_PARTS,
    APPLICANTS,
    Key,
    Value,
    format_value,
    leaf_outcomes,
)

INJECTABLE = ("balance", "outcomes_sum", "applicant_total", "appeals_total")

_APPLICANT_WEIGHTS = {
    "natural_person": 0.82,
    "commercial": 0.08,
    "research": 0.01,
    "social_org": 0.02,
    "legal_service": 0.04,
    "other_org": 0.03,
}

_OUTCOME_WEIGHTS = {
    "requests.granted": 0.42,
    "requests.partially_granted": 0.08,
    "requests.denied.state_secret": 0.005,
    "requests.denied.prohibited_by_law": 0.01,
    "requests.denied.security_stability": 0.005,
    "requests.denied.third_party": 0.015,
    "requests.denied.internal_affairs": 0.01,
    "requests.denied.process_info": 0.015,
    "requests.denied.enforcement_files": 0.01,
    "requests.denied.admin_query": 0.02,
    "requests.unavailable.not_held": 0.16,
    "requests.unavailable.needs_creation": 0.03,
    "requests.unavailable.unclear": 0.03,
    "requests.not_processed.petition": 0.05,
    "requests.not_processed.duplicate": 0.03,
    "requests.not_processed.publication": 0.01,
    "requests.not_processed.excessive": 0.005,
    "requests.not_processed.confirmation": 0.01,
    "requests.other.no_correction": 0.03,
    "requests.other.fee_unpaid": 0.005,
    "requests.other.other": 0.05,
}


def _spread(rng: random.Random, n: int, weights: dict[str, float]) -> dict[str, int]:
    """Split n items over the keys of weights (a multinomial draw)."""
    out = dict.fromkeys(weights, 0)
    if n:
        for k in rng.choices(list(weights), weights=list(weights.values()), k=n):
            out[k] += 1
    return out


def _small(rng: random.Random, p_zero: float, hi: int) -> int:
    return 0 if rng.random() < p_zero else rng.randint(1, hi)


def _amount(rng: random.Random, p_zero: float, hi: int) -> Decimal:
    """An amount in 万元: zero, a whole number, or one/two decimals."""
    if rng.random() < p_zero:
        return Decimal(0)
    places = rng.choice((0, 1, 2, 2))
    return Decimal(rng.randint(1, hi * 10**places)).scaleb(-places)


def requests_section(
    rng: random.Random, other_one_row: bool, carried_in: dict[str, int] | None = None
) -> dict[Key, Value]:
    """Section 三 for one report; carried_in (per applicant) pins 二、上年结转 for cross-year runs."""
    level = rng.random()
    if level < 0.35:
        n_received = 0
    elif level < 0.82:
        n_received = rng.randint(1, 8)
    else:
        n_received = rng.randint(9, 60)
    received = _spread(rng, n_received, _APPLICANT_WEIGHTS)
    if carried_in is None:
        carried_in = dict.fromkeys(APPLICANTS, 0)
        if rng.random() < 0.25:
            carried_in["natural_person"] = rng.randint(1, 3)
        if rng.random() < 0.05:
            carried_in["commercial"] = 1
    weights = dict(_OUTCOME_WEIGHTS)
    if other_one_row:
        weights["requests.other"] = sum(weights.pop(k) for k in list(weights) if k.startswith("requests.other."))
    values: dict[Key, Value] = {}
    for a in APPLICANTS:
        available = received[a] + carried_in[a]
        forward = rng.randint(0, min(available, 3)) if available and rng.random() < 0.2 else 0
        outcomes = _spread(rng, available - forward, weights)
        values[("requests.received", a)] = received[a]
        values[("requests.carried_in", a)] = carried_in[a]
        for mid, n in outcomes.items():
            values[(mid, a)] = n
        values[("requests.outcomes_total", a)] = available - forward
        values[("requests.carried_forward", a)] = forward
    rows = {mid for mid, _ in values}
    for mid in rows:
        values[(mid, "total")] = sum(values[(mid, a)] for a in APPLICANTS)
    assert set(leaf_outcomes(other_one_row)) <= rows
    return values


STOCK_KINDS = ("rules", "normative_docs")


def proactive_section(rng: random.Random, template_version: str, stock: dict[str, int] | None = None) -> dict[Key, Value]:
    """Section 二. stock (现行有效 of the year before, per kind) makes 现行有效 = stock + 制发 − 废止."""
    v: dict[str, Value] = {}
    if template_version == "2021":
        issued = _small(rng, 0.93, 2)
        v["proactive.rules.issued"] = issued
        v["proactive.rules.repealed"] = _small(rng, 0.95, 1)
        v["proactive.rules.in_force"] = issued + _small(rng, 0.85, 6)
        issued = _small(rng, 0.55, 4)
        v["proactive.normative_docs.issued"] = issued
        v["proactive.normative_docs.repealed"] = _small(rng, 0.8, 3)
        v["proactive.normative_docs.in_force"] = issued + _small(rng, 0.5, 20)
        for kind in STOCK_KINDS if stock else ():
            available = stock[kind] + v[f"proactive.{kind}.issued"]
            v[f"proactive.{kind}.repealed"] = min(v[f"proactive.{kind}.repealed"], available)
            v[f"proactive.{kind}.in_force"] = available - v[f"proactive.{kind}.repealed"]
        v["proactive.licensing.decisions"] = _small(rng, 0.5, rng.choice((10, 80, 600)))
        v["proactive.penalties.decisions"] = _small(rng, 0.45, rng.choice((10, 60, 400)))
        v["proactive.enforcement.decisions"] = _small(rng, 0.75, 15)
        v["proactive.fees.amount"] = _amount(rng, 0.6, rng.choice((5, 60, 900)))
    else:
        for kind in ("rules", "normative_docs"):
            made = _small(rng, 0.9 if kind == "rules" else 0.5, 4)
            v[f"proactive.{kind}.newly_made"] = made
            v[f"proactive.{kind}.newly_published"] = made
            v[f"proactive.{kind}.published_total"] = made + _small(rng, 0.6, 20)
        for kind in ("licensing", "other_services", "penalties", "enforcement"):
            v[f"proactive.{kind}.items_prev_year"] = _small(rng, 0.3, 80)
            v[f"proactive.{kind}.items_change"] = _small(rng, 0.8, 5)
            v[f"proactive.{kind}.decisions"] = _small(rng, 0.45, rng.choice((10, 60, 400)))
        v["proactive.fees.items_prev_year"] = _small(rng, 0.5, 12)
        v["proactive.fees.items_change"] = _small(rng, 0.9, 2)
        v["proactive.procurement.items"] = _small(rng, 0.5, 20)
        v["proactive.procurement.amount"] = (
            _amount(rng, 0.0, 300) if v["proactive.procurement.items"] else Decimal(0)
        )
    return {(k, ""): x for k, x in v.items()}


def appeals_section(rng: random.Random) -> dict[Key, Value]:
    out: dict[Key, Value] = {}
    busy = rng.random() < 0.3
    for group in APPEAL_GROUPS:
        parts = {p: (_small(rng, 0.75, 2) if busy else 0) for p in APPEAL_PARTS}
        for p, n in parts.items():
            out[(f"{group}.{p}", "")] = n
        out[(f"{group}.total", "")] = sum(parts.values())
    return out


def report_values(
    rng: random.Random, template_version: str, other_one_row: bool, carried_in: dict[str, int] | None = None,
    stock: dict[str, int] | None = None,
) -> dict[Key, Value]:
    values = proactive_section(rng, template_version, stock)
    values.update(requests_section(rng, other_one_row, carried_in))
    values.update(appeals_section(rng))
    return values


def inject(rng: random.Random, values: dict[Key, Value], rule: str) -> list[dict]:
    """Break one identity in place by changing printed numbers; returns what was changed."""
    col = rng.choice(("natural_person", "commercial"))
    if rule == "balance":  # 一+二 != 七+四 in one applicant column and in 总计
        cells = [("requests.carried_forward", col), ("requests.carried_forward", "total")]
    elif rule == "outcomes_sum":  # a leaf row no longer adds up to （七）总计
        leaf = rng.choice(("requests.granted", "requests.unavailable.not_held", "requests.not_processed.petition"))
        cells = [(leaf, col), (leaf, "total")]
    elif rule == "applicant_total":  # 总计 column no longer the sum of the six applicants
        cells = [("requests.received", "total"), ("requests.carried_forward", "total")]
    elif rule == "appeals_total":
        cells = [(f"{rng.choice(APPEAL_GROUPS)}.total", "")]
    else:
        raise ValueError(f"unknown inconsistency {rule!r}; choose from {', '.join(INJECTABLE)}")
    records = []
    delta = rng.choice((1, 2))
    for key in cells:
        before = values[key] or 0
        values[key] = before + delta
        records.append(
            {"rule": rule, "metric_id": key[0], "applicant": key[1],
             "printed": format_value(values[key]), "consistent": format_value(before)}
        )
    return records


def perturb_carried_in(rng: random.Random, carried_in: dict[str, int]) -> dict[str, int]:
    """A 上年结转 that disagrees with last year's 结转下年度继续办理 (identity 5 broken)."""
    out = dict(carried_in)
    out["natural_person"] += rng.choice((1, 2, 3))
    return out


def columns_of(values: dict[Key, Value], metric_id: str) -> dict[str, int]:
    return {a: int(values[(metric_id, a)] or 0) for a in APPLICANTS}


__all__ = ["INJECTABLE", "report_values", "inject", "perturb_carried_in", "columns_of", "ALL_COLUMNS"]
