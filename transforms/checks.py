"""The template's arithmetic identities, evaluated as rules from data/checks.csv.

A rule compares what the report printed as a total ("reported") with what its parts add up
to ("expected"). A blank or missing term makes the rule not evaluable (passed = NULL): a blank
cell is "not reported", never 0. A failed rule is a finding; it never changes a number.
"""
from __future__ import annotations

import csv
import fnmatch
from dataclasses import dataclass
from functools import lru_cache

from gongkai.paths import DATA
from transforms.catalog import applicants
from transforms.rows import LongValue

TOLERANCE = 1e-6
COUNTED = ("number", "zero", "inferred", "corrected")  # corrected: a person's correction (warehouse/corrections.py)


@dataclass(frozen=True)
class Rule:
    check_id: str
    scope: str  # per_applicant | per_row | once
    reported: str
    expected: str
    description: str


@dataclass
class CheckResult:
    check_id: str
    metric_id: str | None
    applicant: str | None
    passed: bool | None
    expected: float | None
    reported: float | None
    detail: str


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    with open(DATA / "checks.csv", encoding="utf-8", newline="") as fh:
        return tuple(Rule(r["check_id"], r["scope"], r["reported"], r["expected"], r["description_zh"]) for r in csv.DictReader(fh))


def _terms(expression: str, available: list[str]) -> list[str] | None:
    """Expand 'a + b.* + (c.* | c)' into the names present; None when a required term is absent."""
    return _expand(expression, tuple(available))


@lru_cache(maxsize=4096)
def _expand(expression: str, available: tuple[str, ...]) -> list[str] | None:
    names: list[str] = []
    for term in (t.strip() for t in _split_plus(expression)):
        alternatives = [a.strip() for a in term.strip("()").split("|")]
        chosen = None
        for alternative in alternatives:
            found = [n for n in available if fnmatch.fnmatchcase(n, alternative)]
            if found:
                chosen = found
                break
        if chosen is None:
            return None
        names.extend(chosen)
    return names


def _split_plus(expression: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in expression:
        depth += char == "("
        depth -= char == ")"
        if char == "+" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return parts + [current]


def _sum(names: list[str], cells: dict[str, LongValue]) -> tuple[float | None, list[str]]:
    unreported = [f"{n} ({cells[n].value_semantic})" for n in names if cells[n].value_semantic not in COUNTED]
    if unreported:
        return None, unreported
    return sum(cells[n].value or 0.0 for n in names), []


def _evaluate(rule: Rule, cells: dict[str, LongValue], metric_id: str | None, applicant: str | None) -> CheckResult | None:
    available = list(cells)
    reported_terms, expected_terms = _terms(rule.reported, available), _terms(rule.expected, available)
    if reported_terms is None or expected_terms is None:
        return None
    reported, missing_r = _sum(reported_terms, cells)
    expected, missing_e = _sum(expected_terms, cells)
    if missing_r or missing_e:
        return CheckResult(rule.check_id, metric_id, applicant, None, expected, reported, "not reported: " + ", ".join(missing_r + missing_e))
    assert reported is not None and expected is not None
    passed = abs(reported - expected) <= TOLERANCE
    detail = "ok" if passed else f"{rule.description}: reported {reported:g}, parts add up to {expected:g} (difference {reported - expected:+g})"
    return CheckResult(rule.check_id, metric_id, applicant, passed, expected, reported, detail)


def run_checks(values: list[LongValue]) -> list[CheckResult]:
    results: list[CheckResult] = []
    by_applicant: dict[str | None, dict[str, LongValue]] = {}
    for v in values:
        by_applicant.setdefault(v.applicant, {})[v.metric_id] = v
    for rule in rules():
        if rule.scope == "per_applicant":
            for applicant in applicants():
                cells = by_applicant.get(applicant, {})
                results.extend(r for r in [_evaluate(rule, cells, None, applicant)] if r)
        elif rule.scope == "per_row":
            by_metric: dict[str, dict[str, LongValue]] = {}
            for v in values:
                if v.applicant is not None:
                    by_metric.setdefault(v.metric_id, {})[v.applicant] = v
            for metric_id, cells in by_metric.items():
                results.extend(r for r in [_evaluate(rule, cells, metric_id, None)] if r)
        else:
            results.extend(r for r in [_evaluate(rule, by_applicant.get(None, {}), None, None)] if r)
    return results


Key = tuple[str, str | None]


def rule_instances(keys: list[Key]) -> list[tuple[str, list[Key], list[Key]]]:
    """Every identity as (check_id, reported cells, expected cells) over the given cells, for solvers."""
    by_applicant: dict[str | None, list[str]] = {}
    by_metric: dict[str, list[str]] = {}
    for metric_id, applicant in keys:
        by_applicant.setdefault(applicant, []).append(metric_id)
        if applicant is not None:
            by_metric.setdefault(metric_id, []).append(applicant)
    out: list[tuple[str, list[Key], list[Key]]] = []
    for rule in rules():
        if rule.scope == "per_row":
            groups = [(names, lambda n, m=metric_id: (m, n)) for metric_id, names in by_metric.items()]
        elif rule.scope == "per_applicant":
            groups = [(names, lambda n, a=applicant: (n, a)) for applicant, names in by_applicant.items() if applicant is not None]
        else:
            groups = [(by_applicant.get(None, []), lambda n: (n, None))]
        for names, key in groups:
            reported, expected = _terms(rule.reported, names), _terms(rule.expected, names)
            if reported and expected:
                out.append((rule.check_id, [key(n) for n in reported], [key(n) for n in expected]))
    return out
