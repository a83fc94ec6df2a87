"""A new warehouse copied from the cached empty one is the warehouse built in place: same tables, rows, views and comments."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse import template
from warehouse.load import ensure_dimensions
from warehouse.store import staged

VOLATILE = {"ingested_at", "started_at", "finished_at", "first_seen", "recorded_at", "run_id"}


def _signature(db: Path) -> dict[str, object]:
    """Row count and content hash of every table, the comments of every column, table and view, and the meta keys."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out: dict[str, object] = {}
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1").fetchall():
            cols = [r[0] for r in con.execute(f"SELECT name FROM pragma_table_info('{table}')").fetchall() if r[0] not in VOLATILE]
            out[table] = con.execute(f"SELECT count(*), sum(hash({', '.join(chr(34) + c + chr(34) for c in cols)})) FROM {table}").fetchone()
        out["column comments"] = sorted(con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal AND schema_name = 'main'").fetchall())
        out["views"] = sorted(con.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'").fetchall())
        out["table comments"] = sorted(con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main'").fetchall())
        out["meta"] = con.execute("SELECT list(key ORDER BY key) FROM warehouse_meta").fetchone()
        return out
    finally:
        con.close()


def _new_warehouse(db: Path) -> None:
    """What `gongkai ingest` does to a new warehouse before its documents."""
    with staged(db) as con:
        ensure_dimensions(con)


def test_a_new_warehouse_from_the_cached_empty_one_equals_one_built_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(template.CACHE_ENV, str(cache))
    _new_warehouse(tmp_path / "copied.duckdb")
    built = list(cache.glob("empty-*.duckdb"))
    assert len(built) == 1 and not list(cache.glob("*.part*"))
    mtime = built[0].stat().st_mtime_ns
    _new_warehouse(tmp_path / "copied-again.duckdb")
    assert list(cache.glob("empty-*.duckdb")) == built and built[0].stat().st_mtime_ns == mtime  # reused, not rebuilt

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv(template.CACHE_ENV, str(blocked))
    assert template.empty_warehouse() is None
    _new_warehouse(tmp_path / "in-place.duckdb")

    copied, in_place = _signature(tmp_path / "copied.duckdb"), _signature(tmp_path / "in-place.duckdb")
    assert copied["dim_region"][0] > 40_000  # type: ignore[index]
    assert copied == in_place
    assert _signature(tmp_path / "copied-again.duckdb") == in_place


def test_the_cached_empty_warehouse_is_named_by_its_definitions(monkeypatch: pytest.MonkeyPatch) -> None:
    from warehouse import load

    key = template.template_key()
    monkeypatch.setattr(load, "_catalog_fingerprint", lambda: "other reference data")
    assert template.template_key() != key
