"""Load extracted documents into a staged warehouse connection, in bulk."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import duckdb

from gongkai.extract import Extraction
from gongkai.paths import ADMIN_DIVISIONS, DATA, TEMPLATE
from warehouse.columnar import insert_columns, literal, rows_to_columns
from warehouse.dimensions import refresh_dimensions
from warehouse.pubdates import fetch_of, pubdate_rows, refresh_published_on
from warehouse.stored import assign_doc_keys

DOCUMENT_COLUMNS = [
    "document_id", "sha256", "source", "format", "size_bytes", "title", "unit", "unit_type", "unit_key",
    "region_code", "region_status", "region_method", "region_candidates", "township", "county", "city",
    "province", "year", "year_source", "template_version", "completeness", "status", "error", "extractor_version", "ingested_at",
]


def _catalog_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted([*DATA.glob("*.csv"), *ADMIN_DIVISIONS.glob("*.csv"), *TEMPLATE.glob("*.csv"),
                        DATA / "assessment" / "region_kinds.csv"]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_dimensions(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the dimensions only when the catalog or reference files changed."""
    con.execute("CREATE TABLE IF NOT EXISTS warehouse_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    fingerprint = _catalog_fingerprint()
    found = con.execute("SELECT value FROM warehouse_meta WHERE key = 'catalog'").fetchone()
    if found and found[0] == fingerprint:
        return
    refresh_dimensions(con)
    con.execute(f"INSERT OR REPLACE INTO warehouse_meta VALUES ('catalog', {literal(fingerprint)})")


def known_documents(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, set[str]]]:
    """sha256 -> (extractor_version, sources already recorded)."""
    rows = con.execute(
        "SELECT d.sha256, d.extractor_version, list(s.source) FROM dim_document d "
        "LEFT JOIN document_sources s USING (document_id) GROUP BY ALL"
    ).fetchall()
    return {sha: (version, {s for s in sources if s}) for sha, version, sources in rows}


def _id_list(ids: list[str]) -> str:
    return ", ".join(literal(i) for i in ids)


def load_extractions(con: duckdb.DuckDBPyConnection, extractions: list[Extraction]) -> None:
    if not extractions:
        return
    ids = _id_list([e.document["document_id"] for e in extractions])
    for table in ("fact_value", "fact_check", "fact_note", "fact_prose", "fact_pubdate", "fact_section", "fact_fetch", "dim_document"):
        con.execute(f"DELETE FROM {table} WHERE document_id IN ({ids})")
    insert_columns(con, "dim_document", rows_to_columns([e.document for e in extractions], DOCUMENT_COLUMNS))
    insert_columns(con, "fact_value", _facts(extractions, "values", ["document_id", "metric_id", "applicant", "value", "value_semantic", "raw_text", "source_ref"]))
    insert_columns(con, "fact_check", _facts(extractions, "checks", ["document_id", "check_id", "metric_id", "applicant", "passed", "expected", "reported", "detail"]))
    insert_columns(con, "fact_note", _facts(extractions, "notes", ["document_id", "metric_id", "applicant", "action", "reason"]))
    insert_columns(con, "fact_prose", _facts(extractions, "prose", ["document_id", "metric_id", "applicant", "value", "quote", "source_ref"]))
    insert_columns(con, "fact_section", _facts(extractions, "sections", ["document_id", "section", "chars", "text"]))
    assign_doc_keys(con)
    _load_pubdates(con, extractions)
    record_sources(con, [(e.document["document_id"], e.document["source"], e.document["ingested_at"]) for e in extractions])


def _utc_naive(text: str | None) -> datetime | None:
    """A manifest time (ISO 8601, UTC when no offset is given) as a naive UTC timestamp."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _load_pubdates(con: duckdb.DuckDBPyConnection, extractions: list[Extraction]) -> None:
    """The documents' own date candidates plus what the scraper's manifest knows; then published_on."""
    pubdates, fetches = [], []
    manifests: dict = {}  # each raw store's manifest looked up once per batch
    for e in extractions:
        doc = e.document
        if doc["status"] != "loaded":
            continue
        fetch, found = fetch_of(doc["source"], doc["sha256"], manifests)
        if fetch is not None:
            fetches.append({"document_id": doc["document_id"], "url": fetch.url, "page_url": fetch.page_url,
                            "first_seen": _utc_naive(fetch.first_seen), "last_modified": fetch.last_modified})
        pubdates += pubdate_rows(doc["document_id"], [*e.pubdates, *found], doc["year"])
    insert_columns(con, "fact_pubdate", rows_to_columns(pubdates, ["document_id", "source", "published_on", "raw_text", "ref"]))
    insert_columns(con, "fact_fetch", rows_to_columns(fetches, ["document_id", "url", "page_url", "first_seen", "last_modified"]))
    refresh_published_on(con)


def _facts(extractions: list[Extraction], attribute: str, columns: list[str]) -> dict[str, list]:
    """One table's rows of a batch as column lists (the columnar form DuckDB reads in one go)."""
    out: dict[str, list] = {c: [] for c in columns}
    fields = columns[1:]
    for e in extractions:
        items = getattr(e, attribute)
        out["document_id"].extend([e.document["document_id"]] * len(items))
        for name in fields:
            out[name].extend([getattr(item, name) for item in items])
    return out


def record_sources(con: duckdb.DuckDBPyConnection, sources: list[tuple[str, str, datetime]]) -> None:
    first: dict[tuple[str, str], tuple[str, str, datetime]] = {}
    for row in sources:
        first.setdefault((row[0], row[1]), row)
    unique = list(first.values())
    con.execute("CREATE OR REPLACE TEMP TABLE new_sources (document_id VARCHAR, source VARCHAR, first_seen TIMESTAMP)")
    insert_columns(con, "new_sources", {"document_id": [u[0] for u in unique], "source": [u[1] for u in unique],
                                        "first_seen": [u[2] for u in unique]})
    con.execute(
        "INSERT INTO document_sources SELECT * FROM new_sources f WHERE NOT EXISTS "
        "(SELECT 1 FROM document_sources s WHERE s.document_id = f.document_id AND s.source = f.source)"
    )
    con.execute("DROP TABLE new_sources")


def update_supersession(con: duckdb.DuckDBPyConnection) -> int:
    """For each unit and year the newest report is current; earlier ones become 'superseded'."""
    con.execute("""
        WITH ranked AS (
            SELECT document_id, unit_key, year,
                   row_number() OVER (PARTITION BY unit_key, year ORDER BY ingested_at DESC, document_id DESC) AS rank,
                   first_value(document_id) OVER (PARTITION BY unit_key, year ORDER BY ingested_at DESC, document_id DESC) AS newest
            FROM dim_document
            WHERE status IN ('loaded', 'superseded') AND year IS NOT NULL
        )
        UPDATE dim_document d
        SET status = CASE WHEN r.rank = 1 THEN 'loaded' ELSE 'superseded' END,
            superseded_by = CASE WHEN r.rank = 1 THEN NULL ELSE r.newest END
        FROM ranked r
        WHERE d.document_id = r.document_id
    """)
    return con.execute("SELECT count(*) FROM dim_document WHERE status = 'superseded'").fetchone()[0]
