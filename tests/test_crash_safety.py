"""SIGKILL at any point of `gongkai ingest` leaves the published warehouse as it was.

The warehouse is built on a private copy and swapped in with one rename (warehouse/store.py).
These tests kill a real ingest at several moments -- while starting, extracting, loading, and
with the new warehouse fully built but not yet published (the GONGKAI_TEST_PAUSE_BEFORE_PUBLISH
hook in gongkai/ingest.py holds it there) -- and check each time that the published file is
byte-identical and reads as before, that the next run removes the dead run's staging files, and
that it then loads everything. An analyst's read-only connection is never blocked and keeps
seeing the old content until it reconnects.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLES

PAUSE = "GONGKAI_TEST_PAUSE_BEFORE_PUBLISH"
KILL_AFTER_S = (0.2, 0.5, 1.0, 2.0, 3.5)


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "gongkai.cli", *args]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _content(db: Path) -> tuple:
    """What an analyst sees: the documents and the row counts, through a fresh read-only process."""
    sql = ("SELECT (SELECT string_agg(document_id || ':' || status, ',' ORDER BY document_id) FROM dim_document), "
           "(SELECT count(*) FROM fact_value), (SELECT count(*) FROM fact_check), (SELECT count(*) FROM load_runs)")
    result = subprocess.run(_command("query", sql, "--db", str(db), "--format", "csv"), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return tuple(result.stdout.splitlines()[1:])


def _staging_files(db: Path) -> list[Path]:
    return sorted(db.parent.glob(f"{db.name}.staging-*"))


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A published warehouse of three seeds, and a second inbox of new reports to load into it."""
    old, new, db = tmp_path / "old", tmp_path / "new", tmp_path / "warehouse.duckdb"
    old.mkdir(), new.mkdir()
    seeds = sorted(SAMPLES.glob("*.txt"))
    for seed in seeds[:3]:
        shutil.copy(seed, old)
    for seed in seeds[3:]:
        shutil.copy(seed, new)
    text = seeds[0].read_text(encoding="utf-8")
    for n in range(8):  # republished versions of one report: more work, and supersession to record
        (new / f"revision-{n}.txt").write_text(text + f"\n（第{n + 1}次更新）\n", encoding="utf-8")
    first = subprocess.run(_command("ingest", str(old), "--db", str(db)), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    return old, new, db


def _start(db: Path, paths: list[Path], log: Path, pause_s: float | None) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop(PAUSE, None)
    if pause_s is not None:
        env[PAUSE] = str(pause_s)
    with open(log, "w") as err:
        return subprocess.Popen(
            _command("ingest", *map(str, paths), "--db", str(db), "--jobs", "2"),
            stdout=subprocess.DEVNULL, stderr=err, env=env, start_new_session=True,
        )


def _group(pgid: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def _kill(process: subprocess.Popen) -> None:
    """SIGKILL the ingest itself (not its workers), as the OOM killer would; its workers must follow."""
    process.kill()
    process.wait()
    deadline = time.monotonic() + 10
    while _group(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    orphans = _group(process.pid)
    if orphans:
        os.killpg(process.pid, signal.SIGKILL)
    assert not orphans, "worker processes outlived the killed ingest"


def _wait_for(log: Path, text: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        assert process.poll() is None, f"ingest ended before '{text}': {log.read_text()}"
        time.sleep(0.05)
    raise AssertionError(f"'{text}' never appeared: {log.read_text()}")


@pytest.mark.slow
def test_sigkill_at_any_point_leaves_the_published_warehouse_as_it_was(setup, tmp_path: Path) -> None:
    old, new, db = setup
    published, content = _sha(db), _content(db)
    log = tmp_path / "ingest.log"
    for delay in KILL_AFTER_S:
        process = _start(db, [old, new], log, pause_s=600)
        time.sleep(delay)
        assert process.poll() is None, "the run ended before it could be killed"
        _kill(process)
        assert _sha(db) == published, f"published file changed by a run killed after {delay} s"
        assert _content(db) == content

    # killed with the new warehouse fully built, a moment before it would have been published
    process = _start(db, [old, new], log, pause_s=600)
    _wait_for(log, "pausing", process)
    assert _staging_files(db), "the staged copy should exist while the run is paused"
    _kill(process)
    assert _sha(db) == published and _content(db) == content
    stale = _staging_files(db)
    assert stale  # the dead run's private copy is left behind ...

    finished = subprocess.run(_command("ingest", str(old), str(new), "--db", str(db), "--jobs", "2"), capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert not _staging_files(db)  # ... and removed by the next run
    assert "loaded: 10" in finished.stdout and "unchanged: 3" in finished.stdout, finished.stdout
    documents, values, _, runs = _parse(_content(db))
    assert documents.count(":") == 13 and runs == 2  # the killed runs left no trace
    assert values == 13 * 200


def _parse(content: tuple) -> tuple[str, int, int, int]:
    documents, values, checks, runs = content[0].rsplit(",", 3)
    return documents, int(values), int(checks), int(runs)


@pytest.mark.slow
def test_an_analyst_reading_during_an_ingest_is_not_blocked_and_sees_the_old_content(setup, tmp_path: Path) -> None:
    old, new, db = setup
    before = _content(db)
    analyst = duckdb.connect(str(db), read_only=True)
    try:
        count = "SELECT count(*) FROM dim_document"
        assert analyst.execute(count).fetchone()[0] == 3
        log = tmp_path / "ingest.log"
        process = _start(db, [new], log, pause_s=1)
        _wait_for(log, "pausing", process)
        assert _content(db) == before  # built but not published: a new reader still sees the old warehouse
        assert analyst.execute(count).fetchone()[0] == 3
        assert process.wait(timeout=120) == 0, log.read_text()  # the open connection did not block the writer
        assert analyst.execute(count).fetchone()[0] == 3  # still the file it opened
        assert _content(db) != before  # a fresh reader sees the new warehouse
    finally:
        analyst.close()
    analyst = duckdb.connect(str(db), read_only=True)
    try:
        assert analyst.execute("SELECT count(*) FROM dim_document").fetchone()[0] == 13
    finally:
        analyst.close()
