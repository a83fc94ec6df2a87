"""What the machine's state can do to the warehouse file, turned into one line and a bounded wait.

- Another `gongkai ingest` holds the writer lock: wait up to `lock_wait_s()`, saying who holds it
  (the holder writes its PID into the lock file), then give up with WarehouseBusy.
- Another program has the file open read-write (DuckDB's own lock; its message names the PID):
  wait the same bounded time, then WarehouseOpen with the read-only advice.
- The disk is full: NoSpace, naming the file system and the space needed.
- The file is truncated or not DuckDB: WarehouseDamaged, with the command that restores the
  previous published file (`<db>.prev`, kept by every publish) when that one reads.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import duckdb

from gongkai.errors import NoSpace, WarehouseBusy, WarehouseDamaged, WarehouseOpen
from gongkai.osutil import file_system

LOCK_WAIT_ENV = "GONGKAI_LOCK_WAIT_S"
DEFAULT_LOCK_WAIT_S = 60.0
POLL_S = 0.25
MB = 1024 * 1024
SPACE_MARGIN_BYTES = 32 * MB
"""Room for the new documents, the WAL and the checkpoint on top of the copy itself."""
PREV_SUFFIX = ".prev"
_DUCKDB_PID = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")
_DAMAGE = ("not a valid DuckDB database file", "Could not read enough bytes", "Corrupt", "checksum",
           "database file is corrupted")
_NO_SPACE = ("No space left on device", "Disk full", "not enough space")

T = TypeVar("T")


def lock_wait_s() -> float:
    """How long to wait for a lock: GONGKAI_LOCK_WAIT_S (seconds, >= 0), else 60."""
    raw = os.environ.get(LOCK_WAIT_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_LOCK_WAIT_S
    return value if value >= 0 and value == value and value != float("inf") else DEFAULT_LOCK_WAIT_S


def _say(message: str) -> None:
    print(f"gongkai: {message}", file=sys.stderr, flush=True)


def prev_path(db: Path) -> Path:
    return db.with_name(db.name + PREV_SUFFIX)


# --- the writer lock ---------------------------------------------------------------------------
def _holder(lock) -> str:
    lock.seek(0)
    text = lock.read().strip().split()
    return f"PID {text[0]}" if text and text[0].isdigit() else "another process"


@contextmanager
def writer_lock(db: Path, wait_s: float | None = None) -> Iterator[None]:
    """One writer at a time; the holder's PID is in the lock file so a waiting run can name it."""
    wait_s = lock_wait_s() if wait_s is None else wait_s
    lock_path = db.with_name(db.name + ".lock")
    with open(lock_path, "a+") as lock:
        deadline = time.monotonic() + wait_s
        told = False
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(lock)
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"{db} is still being written by {holder} after {wait_s:g} s; if that run is hung, stop it "
                        f"(kill {holder.removeprefix('PID ')}) and run again, or wait longer with {LOCK_WAIT_ENV}=SECONDS"
                    ) from None
                if not told:
                    _say(f"{db} is being written by {holder}; waiting up to {wait_s:g} s for it to finish")
                    told = True
                time.sleep(POLL_S)
        try:
            lock.seek(0)
            lock.truncate()
            lock.write(f"{os.getpid()}\n{datetime.now().isoformat(timespec='seconds')}\n")
            lock.flush()
            yield
        finally:
            lock.seek(0)
            lock.truncate()
            lock.flush()
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- DuckDB's own lock, damage, space -----------------------------------------------------------
def translate(db: Path, exc: BaseException) -> Exception | None:
    """The one-line problem behind a DuckDB or OS error on the warehouse, or None if it is not one of these."""
    text = " ".join(str(exc).split())
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT) or any(m in text for m in _NO_SPACE):
        return no_space(db, needed=None)
    m = _DUCKDB_PID.search(text)
    if m:
        return locked(db, m.group("pid"), m.group("program"))
    if isinstance(exc, duckdb.Error) and any(m in text for m in _DAMAGE):
        return damaged(db, text)
    return None


def locked(db: Path, pid: str, program: str) -> WarehouseOpen:
    return WarehouseOpen(
        f"{db} is open read-write in another program (PID {pid}: {program}); close that connection and reconnect "
        f"read-only: `duckdb -readonly {db}` or `duckdb.connect('{db}', read_only=True)`; then run again")


def damaged(db: Path, detail: str) -> WarehouseDamaged:
    prev = prev_path(db)
    if _reads(prev):
        when = datetime.fromtimestamp(prev.stat().st_mtime).isoformat(sep=" ", timespec="minutes")
        fix = f"restore the previous published one (from {when}): `cp -p {prev} {db}`, then run `gongkai ingest` again"
    else:
        fix = f"no readable backup ({prev.name}) exists: move it aside and rebuild with `gongkai ingest <folders> --db {db}`"
    return WarehouseDamaged(f"{db} cannot be opened as a warehouse: it is damaged or not a DuckDB file ({detail[:200]}); {fix}")


def no_space(db: Path, needed: int | None, free: int | None = None) -> NoSpace:
    need = f": need about {max(1, round(needed / MB)):,} MB" if needed else ""
    have = f", {free / MB:,.0f} MB free" if free is not None else ""
    return NoSpace(f"no space left on {file_system(db.parent)}{need}{have} to build the new copy of {db}; "
                   "free some space there (or give --db a larger disk) and run again; the published warehouse is unchanged")


def _reads(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            con.execute("SELECT count(*) FROM dim_document").fetchone()
        finally:
            con.close()
        return True
    except duckdb.Error:
        return False


def waiting(db: Path, opener: Callable[[], T], wait_s: float | None = None) -> T:
    """opener() with DuckDB's lock conflicts retried for a bounded time, and other faults translated."""
    wait_s = lock_wait_s() if wait_s is None else wait_s
    deadline = time.monotonic() + wait_s
    told = False
    while True:
        try:
            return opener()
        except (duckdb.Error, OSError) as exc:
            problem = translate(db, exc)
            if problem is None:
                raise
            if isinstance(problem, WarehouseOpen) and time.monotonic() < deadline:
                if not told:
                    pid = _DUCKDB_PID.search(str(exc))
                    _say(f"{db} is open read-write in another program (PID {pid.group('pid') if pid else '?'}); "
                         f"waiting up to {wait_s:g} s for it to close")
                    told = True
                time.sleep(POLL_S)
                continue
            raise problem from None


def check_space(db: Path, staging: Path) -> None:
    """Refuse to start a copy the disk cannot hold."""
    size = db.stat().st_size if db.exists() else 0
    needed = size + SPACE_MARGIN_BYTES
    free = shutil.disk_usage(staging.parent).free
    if free < needed:
        raise no_space(db, needed, free)


def copy_aside(db: Path, staging: Path, source: Path | None = None) -> None:
    """Copy the published file (or `source`, for a new warehouse) to the staging name; a partial copy
    never stays behind."""
    try:
        shutil.copyfile(source or db, staging)
    except OSError as exc:
        staging.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise no_space(db, (source or db).stat().st_size + SPACE_MARGIN_BYTES, shutil.disk_usage(staging.parent).free) from None
        raise


def keep_previous(db: Path) -> None:
    """Before a publish, keep the published file as <db>.prev (a hard link: no copy, no extra space
    until the next publish frees the one before). One backup, replaced each time."""
    if not db.exists():
        return
    prev = prev_path(db)
    tmp = prev.with_name(f"{prev.name}-{os.getpid()}")
    try:
        tmp.unlink(missing_ok=True)
        os.link(db, tmp)
        os.replace(tmp, prev)
    except OSError as exc:  # a file system without hard links: publish anyway, without a backup
        tmp.unlink(missing_ok=True)
        _say(f"could not keep {prev.name} as a backup ({exc.strerror or exc}); publishing without one")
