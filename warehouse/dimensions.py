"""Dimension tables, rebuilt from the data/ files on every load so they always match the catalog."""
from __future__ import annotations

import csv
import re
from functools import lru_cache

import duckdb
import pandas as pd

from gongkai.paths import DATA
from transforms.catalog import applicants, metrics
from transforms.regions import PLACEHOLDER_CITIES, gazetteer

FIRST_YEAR, LAST_YEAR = 2008, 2035
TEMPLATE_2021_FROM = 2021


def _metric_extras() -> dict[str, dict[str, str]]:
    path = DATA / "metric_labels_en.csv"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["metric_id"]: row for row in csv.DictReader(fh)}


REGION_KINDS = DATA / "assessment" / "region_kinds.csv"


@lru_cache(maxsize=1)
def _kind_rules() -> tuple[tuple[str, re.Pattern[str] | None, int | None, int | None], ...]:
    with open(REGION_KINDS, encoding="utf-8", newline="") as fh:
        return tuple((r["kind"], re.compile(r["name_pattern"]) if r["name_pattern"] else None,
                      int(r["code_from"]) if r["code_from"] else None, int(r["code_to"]) if r["code_to"] else None)
                     for r in csv.DictReader(fh))


def region_kind(code: str, name: str) -> str:
    """What kind of township-level division: by its name first, else by the NBS code's 7th-9th digits
    (400-599: 类似乡级单位), as the rules of data/assessment/region_kinds.csv say, in their order."""
    number = int(code[6:9])
    for kind, pattern, low, high in _kind_rules():
        if pattern is not None and pattern.search(name):
            return kind
        if pattern is None and low is not None and high is not None and low <= number <= high:
            return kind
    return "other"


def region_frame() -> pd.DataFrame:
    g = gazetteer()
    rows = []
    for code, d in g.by_code.items():
        if d.name in PLACEHOLDER_CITIES and d.level == "city":
            continue
        names = g.full_names(code)
        rows.append({
            "region_code": code, "level": d.level, "name": d.name,
            "kind": region_kind(code, d.name) if d.level == "township" else None,
            "county_code": d.county_code, "county": names["county"],
            "city_code": d.city_code, "city": names["city"],
            "province_code": d.province_code, "province": names["province"],
        })
    return pd.DataFrame(rows)


def metric_frame() -> pd.DataFrame:
    extras = _metric_extras()
    return pd.DataFrame([
        {
            "metric_id": m.metric_id, "section": m.section, "label_zh": m.label_zh,
            "label_en": extras.get(m.metric_id, {}).get("label_en"), "unit": m.unit,
            "by_applicant": m.by_applicant, "templates": " ".join(m.templates),
            "part_of": extras.get(m.metric_id, {}).get("part_of") or None, "sort_order": i,
        }
        for i, m in enumerate(metrics().values())
    ])


def applicant_frame() -> pd.DataFrame:
    with open(DATA / "applicants.csv", encoding="utf-8", newline="") as fh:
        labels = {row["applicant"]: row for row in csv.DictReader(fh)}
    return pd.DataFrame([
        {"applicant": a, "label_zh": labels[a]["label_zh"], "group_zh": labels[a]["group_zh"] or None, "sort_order": i}
        for i, a in enumerate(applicants())
    ])


def year_frame() -> pd.DataFrame:
    return pd.DataFrame([
        {"year": y, "template_version": "2021" if y >= TEMPLATE_2021_FROM else "2019"} for y in range(FIRST_YEAR, LAST_YEAR + 1)
    ])


def refresh_dimensions(con: duckdb.DuckDBPyConnection) -> None:
    for table, frame in (
        ("dim_region", region_frame()), ("dim_metric", metric_frame()),
        ("dim_applicant", applicant_frame()), ("dim_year", year_frame()),
    ):
        con.register("frame", frame)
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
        con.unregister("frame")
