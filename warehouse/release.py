"""`gongkai release --out DIR`: a versioned bundle for analysts, as open-data projects publish yearly bulk downloads.

DIR/gongkai-<YYYY-MM-DD>[-N]/ holds the long CSV and the Parquet dataset of every current report,
a consistent copy of the DuckDB file, the data dictionary (from the metadata registry), a
validation report (check results and, where the warehouse has them, the assessment findings of
mart_assessment), a changelog since the previous release in DIR (documents and values added,
changed, superseded), a manifest and SHA256SUMS. The bundle is staged and renamed into place as a
whole (warehouse/atomic.py): a release that fails half-way leaves nothing that looks complete.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

from gongkai.osutil import sha256_file
from warehouse import bulk, registry
from warehouse.atomic import staged_output
from warehouse.scope import check as check_scope

PREFIX = "gongkai-"
MANIFEST = "manifest.json"
DOCUMENTS = "documents.csv"
VALUE_KEY = ["unit_key", "year", "metric_id", "applicant"]
VALUE_FIELDS = ["value", "amount", "value_semantic"]


def _release_id(out: Path, today: dt.date) -> str:
    base = f"{PREFIX}{today.isoformat()}"
    taken = {p.name for p in out.iterdir()} if out.exists() else set()
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def previous_release(out: Path) -> Path | None:
    """The latest complete release in out (one with a manifest), by its creation time."""
    releases = []
    for folder in out.glob(f"{PREFIX}*") if out.exists() else []:
        manifest = folder / MANIFEST
        if folder.is_dir() and manifest.exists():
            releases.append((json.loads(manifest.read_text(encoding="utf-8"))["created_at"], folder))
    return max(releases)[1] if releases else None


def _copy_warehouse(db: Path, target: Path) -> dict:
    """Copy the published file through one open handle: a publish that swaps a new file in meanwhile
    replaces the name, not the bytes being read, so the copy is one consistent version."""
    with open(db, "rb") as source, open(target, "wb") as copy:
        shutil.copyfileobj(source, copy, 1 << 20)
    con = duckdb.connect(str(target), read_only=True)
    try:
        documents = con.execute("SELECT count(*) FROM dim_document WHERE status = 'loaded'").fetchone()[0]
    finally:
        con.close()
    return {"file": target.name, "sha256": sha256_file(target), "current_documents": documents}


def _dictionary(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Every column of every registered table, view and mart, plus the bulk files' columns."""
    rows = [(t.name, t.kind, c.name, c.type, c.unit or "", c.zh, c.en)
            for t in registry.tables().values() for c in t.columns]
    bulk_columns = con.execute(f"DESCRIBE {bulk.long_sql(None, None)[0]}").fetchall()
    for name, kind, *_ in bulk_columns:
        described = registry.describe(name)
        zh, en = bulk.OWN_COLUMNS.get(name) or ((described.zh, described.en) if described else ("", ""))
        rows.append((bulk.LONG_CSV.removesuffix(".csv"), "bulk file", name, kind, (described.unit or "") if described else "", zh, en))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["table", "kind", "column", "type", "unit", "description_zh", "description_en"])
        writer.writerows(rows)
    return len(rows)


def _has_view(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND NOT internal", [name]).fetchone()[0]
                or con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()[0])


def _copy(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> int:
    con.execute(f"COPY ({sql}) TO '{str(path).replace(chr(39), chr(39) * 2)}' (FORMAT csv, HEADER true)")
    return con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]


def _validation(con: duckdb.DuckDBPyConnection, folder: Path) -> tuple[list[str], dict]:
    """validation_checks.csv (every result that did not pass), assessment_findings.csv, and the report's lines."""
    checks = """
        SELECT d.province, d.year, d.county, d.unit, c.document_id, c.check_id, c.metric_id, c.applicant,
               CASE WHEN c.passed IS NULL THEN 'not_evaluable' ELSE 'failed' END AS result, c.reported, c.expected, c.detail, d.source
        FROM fact_check c JOIN dim_document d USING (document_id)
        WHERE d.status = 'loaded' AND c.passed IS DISTINCT FROM true
        ORDER BY d.province, d.year, d.county, d.unit, c.check_id, c.metric_id, c.applicant
    """
    counts = {"checks_not_passed": _copy(con, checks, folder / "validation_checks.csv")}
    by_rule = con.execute("""
        SELECT c.check_id, count(*) FILTER (WHERE passed), count(*) FILTER (WHERE NOT passed), count(*) FILTER (WHERE passed IS NULL)
        FROM fact_check c JOIN dim_document d USING (document_id) WHERE d.status = 'loaded' GROUP BY 1 ORDER BY 1
    """).fetchall()
    lines = ["# Validation report", "", "## Checks (勾稽关系) of current reports", "",
             "| check_id | passed | failed | not evaluable |", "|---|---|---|---|",
             *[f"| `{r[0]}` | {r[1]} | {r[2]} | {r[3]} |" for r in by_rule], "",
             f"Every result that did not pass: `validation_checks.csv` ({counts['checks_not_passed']} rows).", ""]
    if _has_view(con, "mart_assessment"):
        findings = "SELECT * FROM mart_assessment WHERE outcome <> 'PASS' ORDER BY province, year, county, unit, rule_id"
        counts["assessment_findings"] = _copy(con, findings, folder / "assessment_findings.csv")
        by_outcome = con.execute("SELECT rule_id, outcome, count(*) FROM mart_assessment GROUP BY ALL ORDER BY 1, 2").fetchall()
        lines += ["## Assessment (考核) findings", "", "| rule_id | outcome | units × years |", "|---|---|---|",
                  *[f"| `{r[0]}` | {r[1]} | {r[2]} |" for r in by_outcome], "",
                  f"Every outcome other than PASS: `assessment_findings.csv` ({counts['assessment_findings']} rows).", ""]
    else:
        lines += ["The warehouse has no assessment (mart_assessment): no findings are included.", ""]
    return lines, counts


def _documents(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    con.execute(f"""COPY (SELECT document_id, unit_key, unit, province, year, status, superseded_by, sha256, source
                         FROM dim_document ORDER BY document_id) TO '{str(path).replace(chr(39), chr(39) * 2)}' (FORMAT csv, HEADER true)""")


def _changelog(con: duckdb.DuckDBPyConnection, folder: Path, previous: Path | None) -> tuple[list[str], dict]:
    """What changed since the previous release: documents added and superseded, values added, changed, removed."""
    if previous is None:
        return ["# Changelog", "", "First release in this folder: everything is new.", ""], {"previous": None}
    cur_docs, prev_docs = folder / DOCUMENTS, previous / DOCUMENTS
    doc_changes = con.execute(f"""
        WITH cur AS (SELECT * FROM read_csv('{cur_docs}', all_varchar = true)),
             prev AS (SELECT * FROM read_csv('{prev_docs}', all_varchar = true))
        SELECT CASE WHEN p.document_id IS NULL THEN 'added'
                    WHEN p.status = 'loaded' AND c.status = 'superseded' THEN 'superseded'
                    WHEN c.document_id IS NULL THEN 'removed'
                    ELSE 'status changed' END AS change,
               coalesce(c.document_id, p.document_id) AS document_id, coalesce(c.unit_key, p.unit_key) AS unit_key,
               coalesce(c.unit, p.unit) AS unit,
               coalesce(c.province, p.province) AS province, coalesce(c.year, p.year) AS year,
               p.status AS previous_status, c.status AS status, c.superseded_by, coalesce(c.source, p.source) AS source
        FROM cur c FULL JOIN prev p USING (document_id)
        WHERE p.document_id IS NULL OR c.document_id IS NULL OR p.status IS DISTINCT FROM c.status
        ORDER BY 1, province, year, unit
    """).df()
    doc_changes.to_csv(folder / "changes_documents.csv", index=False)
    key = " AND ".join(f"c.{k} IS NOT DISTINCT FROM p.{k}" for k in VALUE_KEY)
    differs = " OR ".join(f"c.{f} IS DISTINCT FROM p.{f}" for f in VALUE_FIELDS)
    cols = ", ".join(VALUE_KEY + VALUE_FIELDS)
    value_changes = con.execute(f"""
        WITH cur AS (SELECT {cols}, province, unit, document_id FROM read_parquet('{folder / bulk.PARQUET}/**/*.parquet', hive_partitioning = true)),
             prev AS (SELECT {cols}, province, unit, document_id FROM read_parquet('{previous / bulk.PARQUET}/**/*.parquet', hive_partitioning = true))
        SELECT CASE WHEN p.metric_id IS NULL THEN 'added' WHEN c.metric_id IS NULL THEN 'removed' ELSE 'changed' END AS change,
               coalesce(c.province, p.province) AS province, coalesce(c.unit, p.unit) AS unit,
               coalesce(c.unit_key, p.unit_key) AS unit_key, coalesce(c.year, p.year) AS year,
               coalesce(c.metric_id, p.metric_id) AS metric_id, coalesce(c.applicant, p.applicant) AS applicant,
               p.value AS previous_value, c.value, p.amount AS previous_amount, c.amount,
               p.value_semantic AS previous_semantic, c.value_semantic, p.document_id AS previous_document_id, c.document_id
        FROM cur c FULL JOIN prev p ON {key}
        WHERE p.metric_id IS NULL OR c.metric_id IS NULL OR {differs}
        ORDER BY 1, province, year, unit, metric_id, applicant
    """).df()
    value_changes.to_csv(folder / "changes_values.csv", index=False)
    docs = doc_changes["change"].value_counts().to_dict()
    values = value_changes["change"].value_counts().to_dict()
    changed_units = value_changes.loc[value_changes["change"] == "changed", ["unit", "year"]].drop_duplicates()
    lines = ["# Changelog", "", f"Since the previous release `{previous.name}`.", "",
             "## Documents", "",
             *([f"- {n} {change}" for change, n in sorted(docs.items())] or ["- no change"]), "",
             "## Values (one per unit × year × metric × applicant)", "",
             *([f"- {n} {change}" for change, n in sorted(values.items())] or ["- no change"]), "",
             *([f"Values changed in {len(changed_units)} unit-years: "
                + ", ".join(f"{u} {y}" for u, y in changed_units.head(20).itertuples(index=False))
                + (" …" if len(changed_units) > 20 else ""), ""] if len(changed_units) else []),
             "Every change: `changes_documents.csv`, `changes_values.csv`.", ""]
    return lines, {"previous": previous.name, "documents": docs, "values": values}


def release(db: Path, out: Path, today: dt.date | None = None, notice: Callable[[str], None] = print) -> Path:
    """Write the next release into out and return its folder."""
    from warehouse.export import open_warehouse

    out = Path(out)
    previous = previous_release(out)
    release_id = _release_id(out, today or dt.date.today())
    con = open_warehouse(db)
    try:
        check_scope(con, None, None)
        with staged_output(out) as stage:
            folder = stage.folder(release_id)
            rows = bulk.write_long_csv(con, stage.writing(folder / bulk.LONG_CSV), None, None)
            bulk.write_parquet(con, stage.writing(folder / bulk.PARQUET), None, None)
            dictionary_rows = _dictionary(con, stage.writing(folder / "data_dictionary.csv"))
            validation, validation_counts = _validation(con, folder)
            (stage.writing(folder / "validation_report.md")).write_text("\n".join(validation), encoding="utf-8")
            _documents(con, stage.writing(folder / DOCUMENTS))
            changelog, changes = _changelog(con, folder, previous)
            (stage.writing(folder / "CHANGELOG.md")).write_text("\n".join(changelog), encoding="utf-8")
            warehouse = _copy_warehouse(Path(db), stage.writing(folder / "warehouse.duckdb"))
            coverage = con.execute("""SELECT coalesce(province, '未识别省份'), list(DISTINCT year ORDER BY year), count(*)
                                      FROM dim_document WHERE status = 'loaded' GROUP BY 1 ORDER BY 1""").fetchall()
            manifest = {"release": release_id, "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                        "warehouse": warehouse, "long_rows": rows, "dictionary_rows": dictionary_rows,
                        "validation": validation_counts, "changes": changes,
                        "provinces": [{"province": p, "years": list(y), "reports": n} for p, y, n in coverage]}
            (stage.writing(folder / MANIFEST)).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            (stage.writing(folder / "README.md")).write_text(_readme(manifest), encoding="utf-8")
            sums = [f"{sha256_file(p)}  {p.relative_to(folder).as_posix()}" for p in sorted(folder.rglob("*")) if p.is_file()]
            (stage.writing(folder / "SHA256SUMS")).write_text("\n".join(sums) + "\n", encoding="utf-8")
    finally:
        con.close()
    return out / release_id


def _readme(manifest: dict) -> str:
    provinces = "\n".join(f"- {p['province']}: {', '.join(map(str, p['years']))} ({p['reports']} reports)" for p in manifest["provinces"])
    return f"""# {manifest['release']}

政府信息公开工作年度报告 data extracted by gongkai, created {manifest['created_at']}.

- `gongkai_values_long.csv`: one row per cell of every current report ({manifest['long_rows']} rows); counts in `value`
  (BIGINT), 万元 amounts in `amount` (DECIMAL); a blank, n.a. or missing cell has neither (see `value_semantic`).
- `parquet/province=…/year=…/`: the same rows, partitioned (`read_parquet('parquet/**/*.parquet', hive_partitioning = true)`).
- `warehouse.duckdb`: the whole warehouse (DuckDB {duckdb.__version__}); open it read-only.
- `data_dictionary.csv`: every column of every table, view and mart, and of the bulk files.
- `validation_report.md`, `validation_checks.csv`{', `assessment_findings.csv`' if 'assessment_findings' in manifest['validation'] else ''}: what did not pass.
- `CHANGELOG.md`, `changes_documents.csv`, `changes_values.csv`: what changed since the previous release.
- `documents.csv`: every document with its status; `manifest.json`; `SHA256SUMS` (`sha256sum -c SHA256SUMS`).

Provinces and years:

{provinces}
"""
