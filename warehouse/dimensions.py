"""Dimension tables, rebuilt from the data/ files whenever those change (see load.ensure_dimensions).

dim_region is built by DuckDB straight from data/admin_divisions/*.csv (44,000 rows in one SQL
statement); the small catalogs go in as column lists. No pandas and no gazetteer in the loading
process: the gazetteer is for resolving names in the workers, not for filling a table.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache

import duckdb

from gongkai.paths import ADMIN_DIVISIONS, DATA
from transforms.catalog import applicants, metrics
from transforms.regions import PLACEHOLDER_CITIES
from warehouse.columnar import insert_columns, literal

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


def _kind_sql(code: str, name: str) -> str:
    """region_kind() as one SQL CASE over the same rules, in their order (the patterns are RE2-compatible)."""
    cases = []
    for kind, pattern, low, high in _kind_rules():
        if pattern is not None:
            cases.append(f"WHEN regexp_matches({name}, {literal(pattern.pattern)}) THEN {literal(kind)}")
        elif low is not None and high is not None:
            cases.append(f"WHEN CAST(substr({code}, 7, 3) AS INTEGER) BETWEEN {low} AND {high} THEN {literal(kind)}")
    return f"CASE {' '.join(cases)} ELSE 'other' END"


def _csv(name: str) -> str:
    return f"read_csv({literal(str(ADMIN_DIVISIONS / name))}, all_varchar = true, header = true)"


def region_sql() -> str:
    """One INSERT for dim_region, the same rows as transforms.regions.Gazetteer: every division by code (a
    later file wins, as in the gazetteer), parent names looked up by code, placeholder cities (市辖区, 县, …)
    neither listed nor used as a parent name; a township's kind by data/assessment/region_kinds.csv."""
    placeholders = ", ".join(literal(n) for n in sorted(PLACEHOLDER_CITIES))
    return f"""
        INSERT INTO dim_region BY NAME
        WITH divisions AS (
            SELECT code, name, 'province' AS level, NULL AS county_code, NULL AS city_code, code AS province_code, 1 AS file
            FROM {_csv("provinces.csv")}
            UNION ALL SELECT code, name, 'city', NULL, code, provinceCode, 2 FROM {_csv("cities.csv")}
            UNION ALL SELECT code, name, 'county', code, cityCode, provinceCode, 3 FROM {_csv("areas.csv")}
            UNION ALL SELECT code, name, 'township', areaCode, cityCode, provinceCode, 4 FROM {_csv("streets.csv")}
        ), by_code AS (
            SELECT * FROM divisions QUALIFY row_number() OVER (PARTITION BY code ORDER BY file DESC) = 1
        ), named AS (
            SELECT code, CASE WHEN name NOT IN ({placeholders}) THEN name END AS name FROM by_code
        )
        SELECT d.code AS region_code, d.level, d.name,
               CASE WHEN d.level = 'township' THEN {_kind_sql("d.code", "d.name")} END AS kind,
               d.county_code, c.name AS county,
               d.city_code, ci.name AS city, d.province_code, p.name AS province
        FROM by_code d
        LEFT JOIN named c ON c.code = d.county_code
        LEFT JOIN named ci ON ci.code = d.city_code
        LEFT JOIN named p ON p.code = d.province_code
        WHERE NOT (d.level = 'city' AND d.name IN ({placeholders}))
        ORDER BY d.file, d.code
    """


def metric_columns() -> dict[str, list]:
    extras = _metric_extras()
    items = list(metrics().values())
    return {
        "metric_id": [m.metric_id for m in items], "section": [m.section for m in items],
        "label_zh": [m.label_zh for m in items],
        "label_en": [extras.get(m.metric_id, {}).get("label_en") for m in items], "unit": [m.unit for m in items],
        "by_applicant": [m.by_applicant for m in items], "templates": [" ".join(m.templates) for m in items],
        "part_of": [extras.get(m.metric_id, {}).get("part_of") or None for m in items],
        "sort_order": list(range(len(items))),
    }


def applicant_columns() -> dict[str, list]:
    with open(DATA / "applicants.csv", encoding="utf-8", newline="") as fh:
        labels = {row["applicant"]: row for row in csv.DictReader(fh)}
    names = list(applicants())
    return {"applicant": names, "label_zh": [labels[a]["label_zh"] for a in names],
            "group_zh": [labels[a]["group_zh"] or None for a in names], "sort_order": list(range(len(names)))}


def year_columns() -> dict[str, list]:
    years = list(range(FIRST_YEAR, LAST_YEAR + 1))
    return {"year": years, "template_version": ["2021" if y >= TEMPLATE_2021_FROM else "2019" for y in years]}


def refresh_dimensions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM dim_region")
    con.execute(region_sql())
    for table, columns in (("dim_metric", metric_columns()), ("dim_applicant", applicant_columns()), ("dim_year", year_columns())):
        con.execute(f"DELETE FROM {table}")
        insert_columns(con, table, columns)
