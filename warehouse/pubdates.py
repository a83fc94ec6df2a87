"""Publication dates in the warehouse: the scraper's side of the candidates, and the choice of one.

A downloaded file sits in the raw store (<raw>/<sha[:2]>/<sha><ext>) beside the manifest of
every fetch (flows/rawstore.py). From it come the URL, the first sighting, Last-Modified and,
for an attachment, the page that linked it (whose 发布时间 dates the attachment). The choice of
published_on follows data/assessment/pubdate_sources.csv and is made in SQL over fact_pubdate,
so a candidate that arrives later (a new fetch) changes it on the next publish.
"""
from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from extractors.filemeta import html_meta
from gongkai.storage import AnyPath, ObjectPath, location
from transforms.pubdate import PubDateCandidate, fetch_candidates, parse_date, plausible, sources
from warehouse.columnar import insert_columns, rows_to_columns

MANIFEST_NAME = "manifest.sqlite"  # flows/rawstore.py


@dataclass(frozen=True)
class Fetch:
    url: str
    page_url: str | None
    first_seen: str | None
    last_modified: str | None


_REMOTE_MANIFESTS: dict[str, Path] = {}
"""The last local copy of each manifest in object storage, by URL; the copy before it is removed."""


def _readable_manifest(manifest: AnyPath, checked: dict[str, Path | None]) -> Path | None:
    """A local file SQLite can open for the manifest, or None. A manifest in a bucket is downloaded
    once per batch (`checked`): an object's size and time are not a safe sign that it is unchanged
    (a bucket emptied and filled again within a second; listings cached by the client)."""
    key = str(manifest)
    if key in checked:
        return checked[key]
    found: Path | None = None
    if isinstance(manifest, ObjectPath):
        local = Path(tempfile.mkdtemp(prefix="gongkai-manifest-")) / MANIFEST_NAME
        try:
            manifest.download(local)
            previous = _REMOTE_MANIFESTS.get(key)
            _REMOTE_MANIFESTS[key] = local
            if previous is not None:
                shutil.rmtree(previous.parent, ignore_errors=True)
            found = local
        except OSError:
            found = None  # no manifest in the bucket (or unreachable): no dates from it; the document loads anyway
    elif manifest.is_file():
        found = manifest
    checked[key] = found
    return found


def fetch_of(source: str, sha256: str, checked: dict[str, Path | None] | None = None) -> tuple[Fetch | None, list[PubDateCandidate]]:
    """The first fetch of these bytes from the manifest next to a raw-store file (on disk or in a
    bucket), and its candidates."""
    path = location(source)
    if not path.name.startswith(sha256):
        return None, []
    manifest = _readable_manifest(path.parent.parent / MANIFEST_NAME, {} if checked is None else checked)
    if manifest is None:
        return None, []
    try:
        with sqlite3.connect(f"file:{manifest}?mode=ro", uri=True) as db:
            row = db.execute(
                "SELECT url, page_url, fetched_at, last_modified FROM fetches WHERE sha256 = ? AND outcome = 'new' "
                "ORDER BY id LIMIT 1", (sha256,)).fetchone()
            if row is None:
                return None, []
            fetch = Fetch(*row)
            found = fetch_candidates(fetch.first_seen, fetch.last_modified, fetch.url)
            if fetch.page_url and fetch.page_url != fetch.url:
                found += _portal_page(db, path.parent.parent, fetch.page_url)
    except sqlite3.Error:
        return None, []  # a manifest being written or damaged dates nothing; the document loads anyway
    return fetch, found


def _portal_page(db: sqlite3.Connection, raw: AnyPath, page_url: str) -> list[PubDateCandidate]:
    """发布时间 printed on the page that links an attachment."""
    row = db.execute("SELECT path FROM fetches WHERE url = ? AND path IS NOT NULL ORDER BY id DESC LIMIT 1",
                     (page_url,)).fetchone()
    if not row or not (raw / row[0]).is_file():
        return []
    fields = html_meta((raw / row[0]).read_bytes())
    for label in ("发布时间", "发布日期", "公开日期"):
        on = parse_date(fields.get(label, ""))
        if on:
            return [PubDateCandidate("portal_page", on, fields[label], page_url)]
    return []


def pubdate_rows(document_id: str, candidates: list[PubDateCandidate], year: int | None) -> list[dict]:
    return [{"document_id": document_id, "source": c.source, "published_on": c.published_on, "raw_text": c.raw_text,
             "ref": c.ref} for c in candidates if c.source in ("first_seen",) or plausible(c.published_on, year)]


def _source_table(con: duckdb.DuckDBPyConnection) -> None:
    """data/assessment/pubdate_sources.csv as the temp table pubdate_sources."""
    rows = [vars(s) for s in sources().values()]
    con.execute("CREATE OR REPLACE TEMP TABLE pubdate_sources (source VARCHAR, role VARCHAR, priority INTEGER, description_zh VARCHAR)")
    insert_columns(con, "pubdate_sources", rows_to_columns(rows, ["source", "role", "priority", "description_zh"]))


def refresh_published_on(con: duckdb.DuckDBPyConnection) -> None:
    """published_on: the first 'published' candidate by priority; the bounds from the other roles."""
    _source_table(con)
    con.execute("""
        WITH c AS (
            SELECT p.document_id, p.source, p.published_on, s.role, s.priority
            FROM fact_pubdate p JOIN pubdate_sources s USING (source)
        ), chosen AS (
            SELECT document_id,
                   arg_min(published_on, (priority, published_on)) FILTER (WHERE role = 'published') AS published_on,
                   arg_min(source, (priority, published_on)) FILTER (WHERE role = 'published') AS published_source,
                   min(published_on) FILTER (WHERE role = 'not_after') AS published_not_after,
                   max(published_on) FILTER (WHERE role = 'not_before') AS published_not_before
            FROM c GROUP BY document_id
        )
        UPDATE dim_document d
        SET published_on = chosen.published_on, published_source = chosen.published_source,
            published_not_after = chosen.published_not_after, published_not_before = chosen.published_not_before
        FROM chosen WHERE d.document_id = chosen.document_id
    """)
    con.execute("DROP TABLE pubdate_sources")
