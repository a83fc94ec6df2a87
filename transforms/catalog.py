"""The metric catalog and the template's label maps, loaded from data/."""
from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from functools import lru_cache

from gongkai.paths import DATA, TEMPLATE
from transforms.labels import label_key

APPLICANT_METRIC_SECTION = "三"
MIN_PREFIX = 4
FUZZY_CUTOFF = 0.86


@dataclass(frozen=True)
class Metric:
    metric_id: str
    section: str
    label_zh: str
    unit: str
    by_applicant: bool
    templates: tuple[str, ...]


@dataclass(frozen=True)
class LabelEntry:
    kind: str
    label: str
    key: str
    target: str
    context: str


@dataclass(frozen=True)
class LabelMatch:
    entry: LabelEntry
    how: str  # exact | prefix | fuzzy


def _read_csv(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def metrics() -> dict[str, Metric]:
    return {
        row["metric_id"]: Metric(
            metric_id=row["metric_id"],
            section=row["section"],
            label_zh=row["label_zh"],
            unit=row["unit"],
            by_applicant=row["by_applicant"] == "yes",
            templates=tuple(row["templates"].split()),
        )
        for row in _read_csv(DATA / "metrics.csv")
    }


@lru_cache(maxsize=1)
def applicants() -> tuple[str, ...]:
    """Applicant ids in the template's column order (the total last)."""
    return tuple(row["applicant"] for row in _read_csv(DATA / "applicants.csv"))


@lru_cache(maxsize=1)
def label_entries() -> tuple[LabelEntry, ...]:
    return tuple(
        LabelEntry(row["kind"], row["label"], label_key(row["label"]), row["target"], row["context"])
        for row in _read_csv(TEMPLATE / "labels.csv")
    )


def section_metrics(section: str, template: str) -> list[Metric]:
    return [m for m in metrics().values() if m.section == section and template in m.templates]


def match_label(text: str, kinds: frozenset[str]) -> LabelMatch | None:
    """Find the label entry a printed label means: exact key, then a unique prefix, then a close spelling."""
    return _match_key(label_key(text), kinds)


@lru_cache(maxsize=65536)
def _match_key(key: str, kinds: frozenset[str]) -> LabelMatch | None:
    """Cached: the same few hundred labels recur in every report."""
    if not key:
        return None
    entries = [e for e in label_entries() if e.kind in kinds]
    exact = [e for e in entries if e.key == key]
    if exact:
        return LabelMatch(exact[0], "exact")
    if len(key) >= MIN_PREFIX:
        prefixed = {e.target: e for e in entries if len(e.key) >= MIN_PREFIX and (e.key.startswith(key) or key.startswith(e.key))}
        if len(prefixed) == 1:
            return LabelMatch(next(iter(prefixed.values())), "prefix")
        if len(prefixed) > 1:
            # the longest entry the label starts with wins ("部分公开（区分…）" over "部分公开")
            starts = sorted((e for e in prefixed.values() if key.startswith(e.key)), key=lambda e: len(e.key), reverse=True)
            if starts and (len(starts) == 1 or len(starts[0].key) > len(starts[1].key)):
                return LabelMatch(starts[0], "prefix")
    if len(key) >= 5:
        scored = sorted(((difflib.SequenceMatcher(None, key, e.key).ratio(), e) for e in entries if len(e.key) >= 4), key=lambda t: t[0], reverse=True)
        if scored and scored[0][0] >= FUZZY_CUTOFF and (len(scored) == 1 or scored[1][1].target == scored[0][1].target or scored[1][0] < scored[0][0] - 0.05):
            return LabelMatch(scored[0][1], "fuzzy")
    return None
