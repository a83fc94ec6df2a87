"""A national-scale synthetic warehouse, generated in DuckDB with SQL, and mart query timings.

Every township of dim_region reports for six years with every metric cell of the catalog, so the
real schema, views and marts are queried at the size a full national crawl would reach.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import shutil
import statistics
import threading
import time
from pathlib import Path

from gongkai import EXTRACTOR_VERSION
from warehouse.assessment import rebuild_assessment
from warehouse.corrections import apply_corrections
from warehouse.cross_checks import rebuild_cross_checks
from warehouse.load import ensure_dimensions, update_supersession
from warehouse.store import connect_read_only, staged

YEARS = (2019, 2024)
QUERY_TIMEOUT_S = 120
LIVE = "_live"
"""A mart's `_live` view is the definition a publish stores as its table (warehouse/stored.py); analysts
read the stored mart. Its time is shown, and its cost is part of a publish whose inputs changed."""
SLOW_S = 10.0


PUBLISH_STEPS = (ensure_dimensions, update_supersession, apply_corrections, rebuild_cross_checks, rebuild_assessment)
"""What `gongkai ingest` runs before publishing, in its order (the assessment ran out of memory here
until its tables_repeated fingerprint became order-free, 2026-12-02)."""


def build(db: Path, share: float = 1.0) -> dict:
    """The national warehouse at db, generated once per (share, generator) and cached next to it (it takes
    minutes); then published once more with nothing new, through the steps every `gongkai ingest` runs
    before publishing (supersession, corrections, cross-document checks, assessment), which times what
    a publish costs at this scale (copy, schema if changed, those steps, the stored marts if their
    inputs changed, checkpoint, swap). The time to copy the file alone is measured beside it."""
    stamp = db.with_name(db.name + ".json")
    key = {"share": share, "generator": hashlib.sha256(inspect.getsource(_generate).encode()).hexdigest()[:16]}
    cached = json.loads(stamp.read_text()) if stamp.exists() and db.exists() else {}
    reused = cached.get("key") == key
    if not reused:
        stamp.unlink(missing_ok=True)
        cached = {"key": key, **_generate(db, share)}
        stamp.write_text(json.dumps(cached))
    copy_s = _copy_time(db)
    before_mb = db.stat().st_size / 2**20
    steps: dict[str, float] = {}
    started = time.perf_counter()
    with staged(db) as con:
        con.execute("SET enable_progress_bar = false")
        steps["copy and schema"] = time.perf_counter() - started
        for step in PUBLISH_STEPS:
            begun = time.perf_counter()
            step(con)
            steps[step.__name__] = time.perf_counter() - begun
        closing = time.perf_counter()
    publish_s = time.perf_counter() - started
    steps["stored marts, checkpoint, swap"] = time.perf_counter() - closing
    out = {k: v for k, v in cached.items() if k != "key"}
    out.update(publish_s=publish_s, publish_steps=steps, copy_s=copy_s, reused=reused, db_mb_before=before_mb,
               db_mb=db.stat().st_size / 2**20,
               assessment_outcomes=_count(db, "assessment_outcome"), check_rows=_count(db, "fact_check"))
    return out


def _copy_time(db: Path) -> float:
    """Seconds to copy the warehouse file once: the floor of any publish (it works on a copy)."""
    target = db.with_name(db.name + ".copy-timing")
    started = time.perf_counter()
    shutil.copyfile(db, target)
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


def _count(db: Path, table: str) -> int:
    con = connect_read_only(db)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def _generate(db: Path, share: float) -> dict:
    """Fill a fresh warehouse; share < 1 keeps that fraction of townships (for --quick)."""
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    keep = max(1, round(1 / share))
    with staged(db) as con:
        con.execute("SET enable_progress_bar = false")
        ensure_dimensions(con)
        con.execute(f"""
            INSERT INTO dim_document BY NAME
            SELECT substr(md5(r.region_code || ':' || y.year), 1, 16) AS document_id,
                   md5(r.region_code || ':' || y.year) AS sha256,
                   'synthetic/' || r.region_code || '_' || y.year || '.docx' AS source,
                   'docx' AS format, 30000 AS size_bytes,
                   r.name || y.year || '年政府信息公开工作年度报告' AS title,
                   r.name AS unit, 'township' AS unit_type, r.region_code AS unit_key,
                   r.region_code, 'resolved' AS region_status, 'synthetic' AS region_method,
                   r.name AS township, r.county, r.city, r.province, y.year,
                   'filename' AS year_source, dy.template_version, 'loaded' AS status,
                   '{EXTRACTOR_VERSION}' AS extractor_version, now()::TIMESTAMP AS ingested_at
            FROM dim_region r
            CROSS JOIN range({YEARS[0]}, {YEARS[1] + 1}) y(year)
            JOIN dim_year dy ON dy.year = y.year
            WHERE r.level = 'township' AND hash(r.region_code) % {keep} = 0
        """)
        con.execute("""
            CREATE TEMP TABLE cells AS
            SELECT m.metric_id, a.applicant, m.sort_order * 10 + coalesce(a.sort_order, 0) AS k
            FROM dim_metric m LEFT JOIN dim_applicant a ON m.by_applicant
        """)
        con.execute("""
            INSERT INTO fact_value BY NAME
            SELECT d.document_id, c.metric_id, c.applicant,
                   ((hash(d.document_id) + c.k) % 40)::DOUBLE AS value,
                   CASE WHEN (hash(d.document_id) + c.k) % 40 = 0 THEN 'zero' ELSE 'number' END AS value_semantic,
                   (((hash(d.document_id) + c.k) % 40)::BIGINT)::VARCHAR AS raw_text,
                   'p1/t1/r' || c.k AS source_ref
            FROM dim_document d CROSS JOIN cells c
        """)
        docs = con.execute("SELECT count(*) FROM dim_document").fetchone()[0]
        values = con.execute("SELECT count(*) FROM fact_value").fetchone()[0]
    return {"documents": docs, "fact_value_rows": values, "build_s": time.perf_counter() - started,
            "db_mb": db.stat().st_size / 2**20}


def _queries(con) -> list[tuple[str, str]]:
    queries = [("report_values by province, year",
                "SELECT province, year, count(*), sum(value) FROM report_values GROUP BY ALL")]
    marts = [r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND view_name LIKE 'mart\\_%' ESCAPE '\\' ORDER BY view_name"
    ).fetchall()]
    for view in marts:
        cols = {r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()}
        label = f"{view} (computed at publish)" if view.endswith(LIVE) else view
        if {"province", "year"} <= cols:
            queries.append((f"{label} by province, year", f"SELECT province, year, count(*) FROM {view} GROUP BY ALL"))
        else:
            queries.append((f"{label} count", f"SELECT count(*) FROM {view}"))
    if "mart_unit_year" in marts:
        queries.append(("mart_unit_year one province-year rows",
                        "SELECT * FROM mart_unit_year WHERE province_code = '32' AND year = 2023"))
    return queries


def time_queries(db: Path, runs: int = 3) -> list[dict]:
    """Median of `runs` timings per query, on a read-only connection as an analyst would open it."""
    out = []
    con = connect_read_only(db)
    con.execute("SET enable_progress_bar = false")
    try:
        for name, sql in _queries(con):
            timings, rows, error = [], None, None
            for _ in range(runs):
                timer = threading.Timer(QUERY_TIMEOUT_S, con.interrupt)
                timer.start()
                start = time.perf_counter()
                try:
                    rows = len(con.execute(sql).fetchall())
                except Exception as exc:  # an interrupted or failing query is a result to report
                    error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
                    timer.cancel()
                    break
                timer.cancel()
                timings.append(time.perf_counter() - start)
                if timings[-1] > SLOW_S:  # one run says enough about a query this slow
                    break
            out.append({"query": name, "sql": sql, "rows": rows, "error": error, "runs": len(timings),
                        "median_s": statistics.median(timings) if timings else None})
    finally:
        con.close()
    return out
