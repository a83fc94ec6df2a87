"""The figures of one scope (a province, city or county) and year, shared by the workbook's summary and the brief.

Everything is read from the marts, so the workbook, the brief and the CSVs agree. A figure the
reports do not decide stays None (shown as —), and each key figure says in one Chinese line
what it counts and what it leaves out (data/export/key_figures.csv).
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from functools import cache

import duckdb
import pandas as pd

from gongkai.paths import DATA
from warehouse import zh
from warehouse.scope import Region

KEY_FIGURES = DATA / "export" / "key_figures.csv"
OUTCOME_SHARES = {  # the outcome columns of mart_rates, in template order, with their Chinese names
    "share_granted": "予以公开", "share_partially_granted": "部分公开", "share_denied": "不予公开",
    "share_unavailable": "无法提供", "share_not_processed": "不予处理", "share_other": "其他处理",
}
TOP_FAILED = 10


@dataclass(frozen=True)
class KeyFigure:
    figure_id: str
    label_zh: str
    kind: str  # count | share | amount
    value: float | None
    explanation_zh: str


@dataclass
class Figures:
    """One scope and year: key figures, the per-county tables behind the charts, units, gaps and failed checks."""

    region: Region
    year: int
    key: list[KeyFigure]
    counties: pd.DataFrame  # one row per county: requests, outcome shares, coverage
    years: pd.DataFrame  # the scope's own series across years
    units: pd.DataFrame  # one row per reporting unit
    missing: pd.DataFrame  # townships without a report
    failed: pd.DataFrame  # the largest failed checks, with their source reference
    facts: dict[str, float | None] = field(default_factory=dict)


@cache
def key_figure_specs() -> tuple[dict[str, str], ...]:
    with open(KEY_FIGURES, encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def _clean(value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return value


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> dict:
    cursor = con.execute(sql, params)
    row = cursor.fetchone()
    names = [d[0] for d in cursor.description]
    return {n: _clean(v) for n, v in zip(names, row)} if row else {n: None for n in names}


def _format(kind: str, value) -> str:
    if value is None:
        return "—"
    if kind == "share":
        return f"{100 * value:.1f}%"
    return zh.number(value)


def _key_figures(facts: dict) -> list[KeyFigure]:
    shown = {k: zh.number(v) if not isinstance(v, str) else v for k, v in facts.items()}
    out = []
    for spec in key_figure_specs():
        value = facts.get(spec["figure_id"])
        out.append(KeyFigure(spec["figure_id"], spec["label_zh"], spec["kind"], value, spec["explanation_zh"].format(**shown)))
    return out


def format_key(figure: KeyFigure) -> str:
    return _format(figure.kind, figure.value)


def scope_figures(con: duckdb.DuckDBPyConnection, region: Region, year: int) -> Figures:
    """Read every figure of the region and year from the marts."""
    prefix = region.region_code + "%"
    key = [region.level, region.region_code, year]
    facts: dict = {}
    facts.update(_one(con, "SELECT * EXCLUDE (level, region_code, region_name, city_code, city, province_code, province, year) "
                           "FROM mart_region_year WHERE level = ? AND region_code = ? AND year = ?", key))
    facts.update(_one(con, "SELECT share_granted FROM mart_rates WHERE level = ? AND region_code = ? AND year = ?", key))
    facts.update(_one(con, """SELECT sum(townships) AS townships, sum(townships_reporting) AS townships_reporting,
                                     sum(townships_missing) AS townships_missing
                              FROM mart_coverage_summary WHERE county_code LIKE ? AND year = ?""", [prefix, year]))
    facts.update(_one(con, """SELECT count(outcomes_total) AS outcomes_reported_units, count(review_total) AS review_reported_units,
                                     count(*) FILTER (WHERE failed_checks > 0) AS documents_failed
                              FROM mart_unit_year WHERE region_code LIKE ? AND year = ?""", [prefix, year]))
    counties = con.execute("""
        SELECT r.region_code AS county_code, r.region_name AS county, r.reporting_units, r.received_total,
               t.share_granted, t.share_partially_granted, t.share_denied, t.share_unavailable, t.share_not_processed, t.share_other,
               s.townships, s.townships_reporting, s.townships_missing, s.coverage_pct / 100 AS coverage_share, r.failed_checks
        FROM mart_region_year r
        LEFT JOIN mart_rates t ON t.level = 'county' AND t.region_code = r.region_code AND t.year = r.year
        LEFT JOIN mart_coverage_summary s ON s.county_code = r.region_code AND s.year = r.year
        WHERE r.level = 'county' AND r.region_code LIKE ? AND r.year = ? ORDER BY r.region_code
    """, [prefix, year]).df()
    years = con.execute("""
        SELECT r.year, r.reporting_units, r.received_total, r.granted_total, r.outcomes_total, t.share_granted,
               r.review_total, r.litigation_total
        FROM mart_region_year r LEFT JOIN mart_rates t USING (level, region_code, year)
        WHERE r.level = ? AND r.region_code = ? ORDER BY r.year
    """, [region.level, region.region_code]).df()
    units = con.execute("""
        SELECT u.county, u.unit, n.unit_type_zh, u.received_total, u.granted_total, u.outcomes_total, u.review_total,
               u.litigation_total, u.failed_checks, u.document_id
        FROM mart_unit_year u LEFT JOIN units n USING (unit_key)
        WHERE u.region_code LIKE ? AND u.year = ? ORDER BY u.county_code, u.region_code, u.unit
    """, [prefix, year]).df()
    missing = con.execute("""
        SELECT county, township, region_code FROM mart_coverage WHERE county_code LIKE ? AND year = ? ORDER BY county_code, region_code
    """, [prefix, year]).df()
    return Figures(region, year, _key_figures(facts), counties, years, units, missing, failed_checks(con, prefix, year), facts)


def failed_checks(con: duckdb.DuckDBPyConnection, prefix: str, year: int, limit: int = TOP_FAILED) -> pd.DataFrame:
    """The largest failed checks of current reports in the region, each with where the reported number stands."""
    from transforms.checks import rules
    from warehouse.cross_checks import CROSS_CHECKS

    rule_rows = [(r.check_id, r.scope, r.reported.split("+")[0].strip(), r.description) for r in rules()]
    rule_rows += [("cross_year_carry_over", "per_applicant", "requests.carried_in", CROSS_CHECKS["cross_year_carry_over"]),
                  ("prose_vs_table", "prose", None, CROSS_CHECKS["prose_vs_table"])]
    con.register("_rule_refs", pd.DataFrame(rule_rows, columns=["check_id", "scope", "reported_metric", "description"]))
    try:
        frame = con.execute("""
            SELECT d.county, d.unit, c.check_id, r.description, c.metric_id, c.applicant, a.label_zh AS applicant_zh,
                   c.reported, c.expected, abs(c.reported - c.expected) AS size, c.detail,
                   coalesce(p.source_ref, v.source_ref) AS source_ref, d.source, d.document_id
            FROM fact_check c
            JOIN dim_document d USING (document_id)
            JOIN _rule_refs r USING (check_id)
            LEFT JOIN dim_applicant a ON a.applicant = c.applicant
            LEFT JOIN fact_value v ON v.document_id = c.document_id
                 AND v.metric_id = CASE WHEN r.scope = 'per_row' THEN c.metric_id ELSE r.reported_metric END
                 AND v.applicant IS NOT DISTINCT FROM CASE WHEN r.scope = 'per_row' THEN 'total'
                                                           WHEN r.scope = 'once' THEN NULL ELSE c.applicant END
            LEFT JOIN (SELECT document_id, metric_id, applicant, min(source_ref) AS source_ref FROM fact_prose GROUP BY ALL) p
                 ON r.scope = 'prose' AND p.document_id = c.document_id AND p.metric_id = c.metric_id
                 AND p.applicant IS NOT DISTINCT FROM c.applicant
            WHERE d.status = 'loaded' AND c.passed = false AND d.region_code LIKE ? AND d.year = ?
            ORDER BY size DESC NULLS LAST, d.unit, c.check_id, c.applicant
            LIMIT ?
        """, [prefix, year, limit]).df()
    finally:
        con.unregister("_rule_refs")
    labels = metric_labels(con)
    frame["detail_zh"] = [zh.check_detail(r.check_id, False, _clean(r.reported), _clean(r.expected), _clean(r.applicant_zh),
                                          r.description, r.detail, labels) for r in frame.itertuples()]
    frame["source_ref_zh"] = frame["source_ref"].map(zh.source_ref)
    return frame


def metric_labels(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Metric and applicant ids -> their Chinese labels, for the Chinese check details."""
    rows = con.execute("SELECT metric_id, label_zh FROM dim_metric UNION ALL SELECT applicant, label_zh FROM dim_applicant").fetchall()
    return dict(rows)
