"""Real townships with their counties, chosen so "<county><township>" names exactly one division.

The pipeline resolves a title to a region code only when the county makes the township name
unique, so fixtures must use pairs that do resolve; otherwise the expected region_code would be
a guess.
"""
from __future__ import annotations

import csv
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

from .spec import DATA


@dataclass(frozen=True)
class Township:
    code: str  # 9-digit township code
    name: str
    county: str
    county_code: str


@lru_cache(maxsize=1)
def townships() -> tuple[Township, ...]:
    base = DATA / "admin_divisions"
    with open(base / "areas.csv", encoding="utf-8", newline="") as fh:
        areas = {r["code"]: r["name"] for r in csv.DictReader(fh)}
    with open(base / "streets.csv", encoding="utf-8", newline="") as fh:
        rows = [(r["code"], r["name"], r["areaCode"]) for r in csv.DictReader(fh)]
    county_names = Counter(areas.values())
    pairs = Counter((areas.get(a, ""), n) for _, n, a in rows)
    out = []
    for code, name, area in rows:
        county = areas.get(area, "")
        if not county or county == "市辖区" or county_names[county] > 1:
            continue  # a county name used twice in China cannot disambiguate anything
        if name.startswith(county) or not name.endswith(("镇", "乡", "街道")):
            continue
        if pairs[(county, name)] != 1:
            continue
        out.append(Township(code, name, county, area))
    return tuple(out)


@lru_cache(maxsize=1)
def by_county() -> dict[str, tuple[Township, ...]]:
    groups: dict[str, list[Township]] = defaultdict(list)
    for t in townships():
        groups[t.county_code].append(t)
    return {k: tuple(v) for k, v in groups.items()}


def pick_townships(rng: random.Random, n: int) -> list[Township]:
    """n distinct townships from across China."""
    return rng.sample(townships(), n)


def pick_counties(rng: random.Random, n_counties: int, per_county: int) -> list[list[Township]]:
    """n_counties counties, each with per_county distinct townships."""
    eligible = sorted(k for k, v in by_county().items() if len(v) >= per_county)
    counties = rng.sample(eligible, n_counties)
    return [rng.sample(by_county()[c], per_county) for c in counties]
