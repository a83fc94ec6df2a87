"""Bulk files for analysts outside DuckDB: one long CSV and one Parquet dataset across provinces and years.

Both are written by DuckDB from the same SELECT, so they hold the same rows and types: counts
are BIGINT (`value`), amounts in 万元 are DECIMAL(18,2) (`amount`), a cell that is not a
reported number keeps both NULL with its `value_semantic` and `raw_text`. A count cell whose
number is not a whole number is not rounded: it stays NULL (a wrong number is worse than none).
Check details stay in English here, for analysts; the workbook and the brief say them in Chinese.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.scope import UNKNOWN_PROVINCE

LONG_CSV = "gongkai_values_long.csv"
PARQUET = "parquet"

COUNTED = "('number', 'zero', 'inferred')"
# Columns of the bulk files that mean something else than (or are not) a registry column: (zh, en)
OWN_COLUMNS = {
    "value": ("计数（整数）：件、项等计数格子报告的数字；金额、空白、不适用、缺失或非整数时为空",
              "the count (BIGINT) for 件/项 cells; NULL for amounts, for cells that are not a reported number, and for a non-whole number"),
    "amount": ("金额（万元，两位小数）：仅“本年收费金额”等万元格子", "the amount in 万元 (DECIMAL(18,2)), only for 万元 cells"),
    "metric_unit": ("计量单位：件、项或万元", "the cell's unit: 件, 项 or 万元"),
    "applicant_zh": ("申请人类型（中文）", "the applicant column in Chinese"),
    "section": ("模板部分：二（主动公开）、三（依申请公开）、四（复议诉讼）", "template section: 二, 三 or 四"),
}


def long_sql(province: str | None, year: int | None) -> tuple[str, list]:
    """The long rows of current reports in the selection, in a stable order."""
    clauses, params = ["d.status = 'loaded'", "d.year IS NOT NULL"], []
    if province == UNKNOWN_PROVINCE:
        clauses.append("d.province IS NULL")
    elif province:
        clauses.append("d.province = ?")
        params.append(province)
    if year:
        clauses.append("d.year = ?")
        params.append(year)
    sql = f"""
        SELECT coalesce(d.province, '{UNKNOWN_PROVINCE}') AS province, d.year, d.city, d.county, d.township,
               d.region_code, d.unit, d.unit_type, d.unit_key, d.document_id, d.template_version,
               v.metric_id, m.section, m.label_zh, m.label_en, m.unit AS metric_unit,
               v.applicant, a.label_zh AS applicant_zh,
               CASE WHEN m.unit <> '万元' AND v.value_semantic IN {COUNTED} AND v.value = trunc(v.value)
                    THEN CAST(v.value AS BIGINT) END AS value,
               CASE WHEN m.unit = '万元' AND v.value_semantic IN {COUNTED} THEN CAST(v.value AS DECIMAL(18, 2)) END AS amount,
               v.value_semantic, v.raw_text, v.source_ref, d.source
        FROM fact_value v JOIN dim_document d USING (document_id)
        JOIN dim_metric m USING (metric_id) LEFT JOIN dim_applicant a USING (applicant)
        WHERE {' AND '.join(clauses)}
        ORDER BY 1, d.year, d.county, d.unit, d.document_id, m.sort_order, a.sort_order NULLS FIRST
    """
    return sql, params


def write_long_csv(con: duckdb.DuckDBPyConnection, path: Path, province: str | None, year: int | None) -> int:
    """One UTF-8 CSV (no BOM: it is for tools, not spreadsheets) of every long row; returns the row count."""
    sql, params = long_sql(province, year)
    con.execute(f"COPY ({sql}) TO '{_quote(path)}' (FORMAT csv, HEADER true)", params)
    return con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]


def write_parquet(con: duckdb.DuckDBPyConnection, folder: Path, province: str | None, year: int | None) -> list[Path]:
    """A Parquet dataset partitioned as province=…/year=…/, from the same rows as the long CSV."""
    sql, params = long_sql(province, year)
    con.execute(f"COPY ({sql}) TO '{_quote(folder)}' (FORMAT parquet, PARTITION_BY (province, year), OVERWRITE_OR_IGNORE true)",
                params)
    return sorted(folder.rglob("*.parquet"))


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
