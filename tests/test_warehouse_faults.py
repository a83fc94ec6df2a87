"""Locks, a full disk and a damaged warehouse file (issue 11 items 6 and 7, issue 12 item 4's lock case).

Each case runs the real command against a real warehouse and asserts one line naming the file and
the fix, a distinct exit code, a bounded wait, and that the published file is unchanged.
"""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SAMPLES
from gongkai.errors import Exit, NoSpace
from gongkai.ingest import ingest
from gongkai.workers import Limits
from warehouse import faults, store

SEEDS = sorted(SAMPLES.glob("*.txt"))
COUNT = "SELECT count(*) AS n FROM dim_document"


def _gongkai(*args: str, wait_s: float = 2, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "GONGKAI_LOCK_WAIT_S": str(wait_s)}
    return subprocess.run([sys.executable, "-m", "gongkai.cli", *args], capture_output=True, text=True, env=env, timeout=timeout)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _last_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert lines, result
    assert "Traceback" not in result.stderr, result.stderr
    return lines[-1]


def _inbox(folder: Path, seeds: list[Path]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        shutil.copy(seed, folder)
    return folder


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """A warehouse published twice: the second publish keeps the first as warehouse.duckdb.prev."""
    root = tmp_path_factory.mktemp("faults")
    db = root / "warehouse.duckdb"
    assert _gongkai("ingest", str(_inbox(root / "a", SEEDS[:2])), "--db", str(db)).returncode == 0
    first = _sha(db)
    assert _gongkai("ingest", str(_inbox(root / "b", SEEDS[2:4])), "--db", str(db)).returncode == 0
    prev = db.with_name("warehouse.duckdb.prev")
    assert _sha(prev) == first and _sha(db) != first  # the backup is the previous published file
    return db


def _copy_of(db: Path, tmp_path: Path) -> Path:
    target = tmp_path / db.name
    shutil.copy(db, target)
    shutil.copy(db.with_name(db.name + ".prev"), tmp_path / (db.name + ".prev"))
    return target


def _holder(code: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_hung_writer_makes_the_next_ingest_wait_a_bounded_time_naming_it(published: Path, tmp_path: Path):
    db = _copy_of(published, tmp_path)
    before = _sha(db)
    hung = _holder("import time; from pathlib import Path; from warehouse.faults import writer_lock\n"
                   f"with writer_lock(Path({str(db)!r})):\n    print('held', flush=True); time.sleep(120)")
    try:
        result = _gongkai("ingest", str(_inbox(tmp_path / "new", SEEDS[4:])), "--db", str(db), "--lock-wait", "2")
    finally:
        hung.kill()
        hung.wait()
    assert result.returncode == Exit.WAREHOUSE_LOCKED
    assert f"is being written by PID {hung.pid}; waiting up to 2 s" in result.stderr
    line = _last_line(result)
    assert line.startswith(f"gongkai ingest: {db} is still being written by PID {hung.pid} after 2 s") and f"kill {hung.pid}" in line
    assert _sha(db) == before and not list(tmp_path.glob("*.staging-*"))
    again = _gongkai("ingest", str(tmp_path / "new"), "--db", str(db))  # the hung run is gone: the next one completes
    assert again.returncode == 0 and "loaded: 1 " in again.stdout, again.stderr


def test_a_read_write_connection_elsewhere_names_its_pid_and_says_reconnect_read_only(published: Path, tmp_path: Path):
    db = _copy_of(published, tmp_path)
    holder = _holder(f"import duckdb, time; con = duckdb.connect({str(db)!r}); print('held', flush=True); time.sleep(120)")
    try:
        before = _sha(db)
        for command in (["query", COUNT], ["ingest", str(_inbox(tmp_path / "new", SEEDS[4:]))], ["export", "--out", str(tmp_path / "x")]):
            result = _gongkai(*command, "--db", str(db), wait_s=1)
            assert result.returncode == Exit.WAREHOUSE_OPEN, (command, result.stderr)
            assert f"open read-write in another program (PID {holder.pid}); waiting up to 1 s" in result.stderr
            line = _last_line(result)
            assert line.startswith(f"gongkai {command[0]}: {db} is open read-write in another program (PID {holder.pid}")
            assert f"duckdb -readonly {db}" in line and "read_only=True" in line
            assert _sha(db) == before
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_released_during_the_wait_lets_the_command_finish(published: Path, tmp_path: Path):
    db = _copy_of(published, tmp_path)
    holder = _holder(f"import duckdb, time; con = duckdb.connect({str(db)!r}); print('held', flush=True); time.sleep(1.5)")
    result = _gongkai("query", COUNT, "--db", str(db), "--format", "csv", wait_s=60)
    holder.wait()
    assert result.returncode == 0, result.stderr
    assert "waiting up to 60 s" in result.stderr and result.stdout.splitlines() == ["n", "4"]


@pytest.mark.parametrize("damage", ["truncated", "empty", "junk"])
def test_a_damaged_warehouse_says_how_to_restore_the_last_good_one(published: Path, tmp_path: Path, damage: str):
    db = _copy_of(published, tmp_path)
    data = db.read_bytes()
    db.write_bytes({"truncated": data[: len(data) // 2], "empty": b"", "junk": b"not a database" * 100}[damage])
    broken = _sha(db)
    for command in (["query", COUNT, "--format", "csv"], ["ingest", str(_inbox(tmp_path / "new", SEEDS[4:]))]):
        result = _gongkai(*command, "--db", str(db))
        assert result.returncode == Exit.DB_NOT_A_WAREHOUSE, (command, result.stderr)
        line = _last_line(result)
        prev = db.with_name(db.name + ".prev")
        assert line.startswith(f"gongkai {command[0]}: {db} cannot be opened as a warehouse: it is damaged")
        assert f"`cp -p {prev} {db}`" in line
        assert _sha(db) == broken and not list(tmp_path.glob("*.staging-*"))
    shutil.copy2(db.with_name(db.name + ".prev"), db)  # the command the message gives
    restored = _gongkai("query", COUNT, "--db", str(db), "--format", "csv")
    assert restored.returncode == 0 and restored.stdout.splitlines() == ["n", "2"]


def test_a_damaged_warehouse_without_a_backup_says_rebuild(tmp_path: Path):
    db = tmp_path / "warehouse.duckdb"
    db.write_bytes(b"\0" * 4096)
    result = _gongkai("query", COUNT, "--db", str(db))
    assert result.returncode == Exit.DB_NOT_A_WAREHOUSE and "no readable backup" in _last_line(result) and "gongkai ingest" in _last_line(result)


def test_disk_full_while_copying_leaves_no_partial_copy(published: Path, tmp_path: Path, monkeypatch):
    """ENOSPC injected at the copy, after half the bytes: the boundary where the issue saw 6.5 MB left behind."""
    db = _copy_of(published, tmp_path)
    before = _sha(db)

    def half_then_full(src, dst):
        with open(src, "rb") as fh, open(dst, "wb") as out:
            out.write(fh.read(os.path.getsize(src) // 2))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))

    monkeypatch.setattr(faults.shutil, "copyfile", half_then_full)
    with pytest.raises(NoSpace) as info:
        with store.staged(db):
            pass
    message = str(info.value)
    assert message.startswith("no space left on /") and "need about" in message and str(db) in message
    assert "\n" not in message
    assert _sha(db) == before and not list(tmp_path.glob("*.staging-*"))


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real 96 MB tmpfs, where the machine allows mounting one (root in the test container)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(mount)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave_bytes: int) -> None:
    free = shutil.disk_usage(disk).free
    with open(disk / "filler.bin", "wb") as fh:
        fh.write(b"\0" * max(0, free - leave_bytes))


def test_a_full_disk_is_refused_before_copying(small_disk: Path, tmp_path: Path):
    db = small_disk / "warehouse.duckdb"
    assert _gongkai("ingest", str(_inbox(tmp_path / "a", SEEDS[:2])), "--db", str(db)).returncode == 0
    before = _sha(db)
    _fill(small_disk, db.stat().st_size // 2)
    result = _gongkai("ingest", str(_inbox(tmp_path / "b", SEEDS[2:3])), "--db", str(db))
    assert result.returncode == Exit.NO_SPACE, result.stderr
    line = _last_line(result)
    need = round((db.stat().st_size + faults.SPACE_MARGIN_BYTES) / (1024 * 1024))
    assert line.startswith(f"gongkai ingest: no space left on {small_disk} (tmpfs): need about {need:,} MB"), line
    assert _sha(db) == before and not list(small_disk.glob("*.staging-*"))
    (small_disk / "filler.bin").unlink()  # space freed: the next run completes
    assert _gongkai("ingest", str(tmp_path / "b"), "--db", str(db)).returncode == 0


def test_a_disk_that_runs_out_anyway_is_cleaned(small_disk: Path, tmp_path: Path, monkeypatch):
    db = small_disk / "warehouse.duckdb"
    assert _gongkai("ingest", str(_inbox(tmp_path / "a", SEEDS[:2])), "--db", str(db)).returncode == 0
    before = _sha(db)
    monkeypatch.setattr(store, "check_space", lambda db, staging: None)  # as if the space went while copying
    _fill(small_disk, db.stat().st_size // 2)
    with pytest.raises(NoSpace, match=rf"^no space left on {small_disk} \(tmpfs\): need about"):
        ingest([_inbox(tmp_path / "b", SEEDS[2:3])], db, limits=Limits(), workers=1)
    assert _sha(db) == before and not list(small_disk.glob("*.staging-*"))
