"""What needs a person, as one list: quarantined files, failed identities, cells left NULL, inferred cells,
UNCERTAIN assessment outcomes. Each item links to the document page with the cell in question."""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

KINDS = {
    "quarantined": "隔离的文件",
    "failed_check": "未通过的勾稽关系",
    "left_null": "保留为空的格子",
    "inferred": "推定的格子",
    "uncertain": "考核结果不确定",
    "stale_correction": "待复核的更正",
}
LIMIT = 1000

_PARTS = {
    "quarantined": """
        SELECT 'quarantined' AS kind, d.document_id, d.unit, d.province, d.county, d.year, NULL AS metric_id, NULL AS applicant,
               coalesce(d.error, 'quarantined') AS detail, d.source
        FROM dim_document d WHERE d.status = 'quarantined'""",
    "failed_check": """
        SELECT 'failed_check', d.document_id, d.unit, d.province, d.county, d.year, c.metric_id, c.applicant,
               c.check_id || ': ' || coalesce(c.detail, '') || ' (reported ' || coalesce(printf('%g', c.reported), '-')
               || ', expected ' || coalesce(printf('%g', c.expected), '-') || ')', d.source
        FROM fact_check c JOIN dim_document d USING (document_id) WHERE d.status = 'loaded' AND c.passed = false""",
    "left_null": """
        SELECT 'left_null', d.document_id, d.unit, d.province, d.county, d.year, n.metric_id, n.applicant, n.reason, d.source
        FROM fact_note n JOIN dim_document d USING (document_id) WHERE d.status = 'loaded' AND n.action = 'left_null'""",
    "inferred": """
        SELECT 'inferred', d.document_id, d.unit, d.province, d.county, d.year, v.metric_id, v.applicant,
               'inferred ' || printf('%g', v.value) || ' (' || coalesce(v.source_ref, '') || ')', d.source
        FROM fact_value v JOIN dim_document d USING (document_id) WHERE d.status = 'loaded' AND v.value_semantic = 'inferred'""",
    "uncertain": """
        SELECT 'uncertain', a.document_id, a.unit, a.province, a.county, a.year, NULL, NULL,
               a.rule_id || ': ' || coalesce(a.description_zh, '') || ' — ' || coalesce(a.evidence, ''), a.source
        FROM mart_assessment a WHERE a.outcome = 'UNCERTAIN'""",
    "stale_correction": """
        SELECT 'stale_correction', c.document_id, c.unit, c.province, c.county, c.year, c.metric_id, c.applicant,
               c.who || ': ' || c.why || ' — ' || c.detail, NULL
        FROM report_corrections c WHERE c.status = 'stale'""",
}


@dataclass(frozen=True)
class Item:
    kind: str
    document_id: str | None
    unit: str | None
    province: str | None
    county: str | None
    year: int | None
    metric_id: str | None
    applicant: str | None
    detail: str
    source: str | None


def _exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [name]).fetchone()[0] > 0 or \
        con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()[0] > 0


def available_kinds(con: duckdb.DuckDBPyConnection) -> list[str]:
    """mart_assessment (issue 14) and report_corrections appear only in warehouses that have them."""
    needs = {"uncertain": "mart_assessment", "stale_correction": "report_corrections"}
    return [k for k in _PARTS if k not in needs or _exists(con, needs[k])]


def items(con: duckdb.DuckDBPyConnection, province: str | None = None, county: str | None = None,
          year: int | None = None, kind: str | None = None) -> tuple[list[Item], dict[str, int]]:
    """The queue, filtered; and the number of items of each kind (under the same place/year filters)."""
    kinds = [k for k in available_kinds(con) if kind in (None, "", k)]
    if not kinds:
        return [], {}
    union = " UNION ALL ".join(_PARTS[k] for k in kinds)
    clauses, params = [], []
    for column, value in (("province", province), ("county", county), ("year", year)):
        if value not in (None, ""):
            clauses.append(f"{column} = ?")
            params.append(value)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"SELECT * FROM ({union}) q {where}"
    counts = dict(con.execute(f"SELECT kind, count(*) FROM ({sql}) GROUP BY kind", params).fetchall())
    order = "CASE kind " + " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(_PARTS)) + " END"
    rows = con.execute(f"{sql} ORDER BY {order}, province NULLS LAST, county NULLS LAST, unit NULLS LAST, year, document_id, metric_id, applicant LIMIT {LIMIT}", params).fetchall()
    return [Item(*row) for row in rows], counts


def filter_choices(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    rows = con.execute("SELECT DISTINCT province, county, year FROM dim_document").fetchall()
    return {
        "province": sorted({r[0] for r in rows if r[0]}),
        "county": sorted({r[1] for r in rows if r[1]}),
        "year": sorted({r[2] for r in rows if r[2]}),
    }
