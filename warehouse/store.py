"""Build the warehouse aside and swap it in atomically.

Writers work on a private copy of the published file and `os.replace` it over the original
when they are done. An analyst's read-only connection keeps reading the file it opened and is
never blocked; a writer killed half-way leaves only a stale copy, removed by the next run.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from gongkai.errors import WarehouseBusy  # noqa: F401 - re-exported: callers catch it from here
from gongkai.osutil import pid_alive
from warehouse.faults import check_space, copy_aside, keep_previous, translate, waiting, writer_lock
from warehouse.stored import STORED_MARTS, refresh_stored_marts  # noqa: F401 - STORED_MARTS re-exported

SCHEMA = Path(__file__).with_name("schema.sql")
VIEWS = Path(__file__).with_name("views.sql")
MARTS = Path(__file__).with_name("marts.sql")
ASSESSMENT = Path(__file__).with_name("assessment.sql")
REGISTRY = Path(__file__).with_name("registry.yaml")
STAGING_MARK = ".staging-"
T = TypeVar("T")


def _remove_stale_staging(db_path: Path) -> None:
    for stale in db_path.parent.glob(f"{db_path.name}{STAGING_MARK}*"):
        pid = stale.name.rsplit("-", 1)[-1].split(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and pid_alive(int(pid)):
            continue
        stale.unlink(missing_ok=True)


def schema_fingerprint() -> str:
    """Hash of everything that defines the warehouse's tables, views, marts and comments."""
    digest = hashlib.sha256()
    for path in (SCHEMA, VIEWS, MARTS, ASSESSMENT, REGISTRY):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _recorded_schema(con: duckdb.DuckDBPyConnection) -> str | None:
    con.execute("CREATE TABLE IF NOT EXISTS warehouse_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    found = con.execute("SELECT value FROM warehouse_meta WHERE key = 'schema'").fetchone()
    return found[0] if found else None


def apply_schema(con: duckdb.DuckDBPyConnection) -> bool:
    """Create or migrate the tables, views and marts; skipped (returns False) when the warehouse was
    last published with these exact definitions, which saves recreating ~40 views at every ingest."""
    if _recorded_schema(con) == schema_fingerprint():
        return False
    con.execute(SCHEMA.read_text(encoding="utf-8"))
    con.execute(VIEWS.read_text(encoding="utf-8"))
    con.execute(MARTS.read_text(encoding="utf-8"))
    con.execute(ASSESSMENT.read_text(encoding="utf-8"))
    return True


def record_schema(con: duckdb.DuckDBPyConnection) -> None:
    """After the comments are applied: the next staged run may skip apply_schema."""
    con.execute("INSERT OR REPLACE INTO warehouse_meta VALUES ('schema', '" + schema_fingerprint() + "')")


def file_identity(db_path: Path) -> tuple[int, int, int, int] | None:
    """Which file is published now (device, inode, size, modification time), or None if there is none."""
    try:
        st = Path(db_path).stat()
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


@contextmanager
def staged(db_path: Path, opened: tuple[int, int, int, int] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a private copy; published only if the block completes.

    `opened`: the file_identity() of the warehouse the caller has just opened read-only; when the
    published file is still that one, it is not opened again to check for a lock or damage."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with writer_lock(db_path):
        _remove_stale_staging(db_path)
        staging = db_path.with_name(f"{db_path.name}{STAGING_MARK}{os.getpid()}")
        staging.unlink(missing_ok=True)
        if db_path.exists() and (opened is None or file_identity(db_path) != opened):
            waiting(db_path, lambda: duckdb.connect(str(db_path), read_only=True).close())  # an open read-write connection, damage
        check_space(db_path, staging)
        if db_path.exists():
            copy_aside(db_path, staging)
        else:
            from warehouse.template import empty_warehouse  # a new warehouse: a copy of the cached empty one

            empty = empty_warehouse()
            if empty is not None:
                copy_aside(db_path, staging, source=empty)
        con = None
        try:
            con = duckdb.connect(str(staging))
            changed = apply_schema(con)
            yield con
            refresh_stored_marts(con, replace=changed)
            if changed:
                from warehouse.registry import apply_comments  # reads registry.yaml: only when the schema changed

                apply_comments(con)
                record_schema(con)
            con.execute("CHECKPOINT")
        except BaseException as exc:
            if con is not None:
                con.close()
            staging.unlink(missing_ok=True)
            Path(str(staging) + ".wal").unlink(missing_ok=True)
            problem = translate(db_path, exc) if isinstance(exc, (duckdb.Error, OSError)) else None
            if problem is not None:
                raise problem from None
            raise
        con.close()
        with open(staging, "rb") as fh:
            os.fsync(fh.fileno())
        keep_previous(db_path)
        os.replace(staging, db_path)
        directory = os.open(db_path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


QUERY_SANDBOX = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}
"""What `gongkai query` runs under. Checked against DuckDB 1.5.6 (tests/test_query_sandbox.py):
read_only refuses INSERT/UPDATE/DELETE/DDL on the warehouse; enable_external_access=false refuses
COPY … TO, EXPORT DATABASE, ATTACH of any file (so the warehouse cannot be re-attached read-write),
INSTALL, LOAD and reading other files; lock_configuration refuses every SET (so none of this can be
switched back on). DETACH of the default database is refused by DuckDB itself."""


def connect_read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    """An analyst's read-only connection (exports and marts read through it; it may write files)."""
    if not Path(db_path).exists():
        raise FileNotFoundError(f"no warehouse at {db_path}; run `gongkai ingest` first")
    return waiting(Path(db_path), lambda: duckdb.connect(str(db_path), read_only=True))


def read_with(db_path: Path, read: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """read(con) on a read-only connection; a damaged file or a lock becomes its one-line problem."""
    con = connect_read_only(db_path)
    try:
        return read(con)
    except duckdb.Error as exc:
        problem = translate(Path(db_path), exc)
        if problem is not None:
            raise problem from None
        raise
    finally:
        con.close()


def connect_query(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A connection that can read the warehouse and change nothing: no file written, no database
    attached or detached, no extension installed or loaded, no setting changed."""
    if not Path(db_path).exists():
        raise FileNotFoundError(f"no warehouse at {db_path}; run `gongkai ingest` first")
    return waiting(Path(db_path), lambda: duckdb.connect(str(db_path), read_only=True, config=dict(QUERY_SANDBOX)))


REFUSED_MARKERS = ("disabled by configuration", "configuration has been locked", "read-only mode",
                   "Cannot detach database", "Cannot launch in-memory database in read-only mode",
                   "disabled through configuration")


def query_error(exc: BaseException) -> str:
    """One line for a failed query; a refused change says why and what to use instead."""
    text = " ".join(str(exc).split())
    if any(marker in text for marker in REFUSED_MARKERS):
        return (f"refused: {text}; `gongkai query` only reads the warehouse (no files written, no ATTACH/DETACH, "
                "no INSTALL/LOAD, no SET): write files with `gongkai export`, or copy the warehouse and open the copy")
    return text
