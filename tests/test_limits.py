"""Per-document time and memory limits, tested for real through `gongkai ingest`.

A slow file meets a tiny --timeout, a big file meets a small --memory-mb, and worker processes
are killed (SIGKILL, as the OOM killer would) or frozen (SIGSTOP, as a parser blocked for good)
from outside while they work. Each time the file in question is quarantined with a reason, the
other files load, and the run exits 0.
"""
from __future__ import annotations

import functools
import itertools
import math
import multiprocessing
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
from gongkai import EXTRACTOR_VERSION
from gongkai.extract import extract_bytes
from gongkai.workers import Limits, _cpu_backstop, _death_reason, _init_worker



def _gongkai(*args: str) -> list[str]:
    return [sys.executable, "-m", "gongkai.cli", *args]


def _documents(db: Path) -> dict[str, tuple[str, str | None, str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT source, status, error, extractor_version FROM documents").fetchall()
    finally:
        con.close()
    return {Path(source).name: (status, error, version) for source, status, error, version in rows}


def _inbox(tmp_path: Path, seeds: int = 2) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for seed in sorted(SAMPLES.glob("*.txt"))[:seeds]:
        shutil.copy(seed, inbox)
    return inbox


@functools.lru_cache(maxsize=1)
def _seconds_per_copy() -> float:
    """How long one copy of seed 003 takes to extract here and now (the pipeline keeps getting faster)."""
    seed = next(SAMPLES.glob("003_*.txt")).read_bytes()
    extract_bytes(Path("warm.txt"), seed)
    started = time.perf_counter()
    extract_bytes(Path("probe.txt"), seed * 200)
    return (time.perf_counter() - started) / 200


def _slow_file(folder: Path, seconds: float = 5) -> Path:
    """Seed 003 repeated until extracting it takes about `seconds` (on an idle machine; more under load)."""
    path = folder / "slow.txt"
    copies = math.ceil(seconds / _seconds_per_copy())
    path.write_bytes(next(SAMPLES.glob("003_*.txt")).read_bytes() * copies)
    return path


def _grandchildren(pid: int) -> list[int]:
    """Worker processes of a `gongkai ingest`: children of its forkserver, which is its child."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    children = {p for p, parent in parents.items() if parent == pid}
    return [p for p, parent in parents.items() if parent in children]


def _wait_for_workers(process: subprocess.Popen, timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        workers = _grandchildren(process.pid)
        if workers:
            return workers
        time.sleep(0.05)
    raise AssertionError("no worker process appeared")


@pytest.mark.slow
def test_a_slow_file_is_stopped_at_the_timeout_and_retried_only_under_other_limits(tmp_path: Path) -> None:
    inbox, db = _inbox(tmp_path), tmp_path / "w.duckdb"
    _slow_file(inbox)
    first = subprocess.run(_gongkai("ingest", str(inbox), "--db", str(db), "--timeout", "1", "--jobs", "2"), capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    documents = _documents(db)
    status, reason, version = documents["slow.txt"]
    assert status == "quarantined"
    assert reason.startswith("slow.txt: extraction took longer than 1 s") and "--timeout" in reason
    assert version == Limits(timeout_s=1).version() != EXTRACTOR_VERSION
    assert sorted(s for n, (s, _, _) in documents.items() if n != "slow.txt") == ["loaded", "loaded"]

    # the same limits again: nothing to do, the published file is not touched
    mtime = db.stat().st_mtime_ns
    again = subprocess.run(_gongkai("ingest", str(inbox), "--db", str(db), "--timeout", "1", "--jobs", "2"), capture_output=True, text=True)
    assert "unchanged: 3" in again.stdout and db.stat().st_mtime_ns == mtime

    # a larger timeout, as the reason suggests: the file is tried again and loads
    larger = subprocess.run(_gongkai("ingest", str(inbox), "--db", str(db), "--timeout", "300", "--jobs", "2"), capture_output=True, text=True)
    assert larger.returncode == 0 and "loaded: 1" in larger.stdout, larger.stdout
    assert _documents(db)["slow.txt"][0] == "loaded"
    assert _documents(db)["slow.txt"][2] == EXTRACTOR_VERSION


def test_a_memory_hungry_file_is_stopped_and_the_rest_loads(tmp_path: Path) -> None:
    """150 MB of text under a 256 MB limit: decoding alone needs twice that. --jobs 1 must be limited too."""
    inbox, db = _inbox(tmp_path, seeds=1), tmp_path / "w.duckdb"
    big = inbox / "big.txt"
    with open(big, "wb") as fh:
        fh.write(next(SAMPLES.glob("004_*.txt")).read_bytes())
        fh.truncate(150 * 1024 * 1024)  # sparse: free to make
    result = subprocess.run(_gongkai("ingest", str(inbox), "--db", str(db), "--memory-mb", "256", "--jobs", "1"), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    documents = _documents(db)
    status, reason, version = documents["big.txt"]
    assert status == "quarantined"
    assert reason.startswith("big.txt: extraction needed more than 256 MB of memory") and "--memory-mb" in reason
    assert version == Limits(memory_mb=256).version()
    assert [s for n, (s, _, _) in documents.items() if n != "big.txt"] == ["loaded"]


@pytest.mark.slow
def test_a_worker_killed_mid_document_is_retried_alone_and_nothing_is_lost(tmp_path: Path) -> None:
    inbox, db = _inbox(tmp_path, seeds=3), tmp_path / "w.duckdb"
    _slow_file(inbox, seconds=6)
    process = subprocess.Popen(_gongkai("ingest", str(inbox), "--db", str(db), "--jobs", "2"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers = _wait_for_workers(process)
    time.sleep(2)  # the workers are warm, the seeds done or nearly, slow.txt half way
    killed = 0
    for pid in workers:
        try:
            os.kill(pid, signal.SIGKILL)
            killed += 1
        except ProcessLookupError:
            pass
    stdout, stderr = process.communicate(timeout=120)
    assert killed and process.returncode == 0, stderr
    documents = _documents(db)
    assert sorted(documents) == sorted(p.name for p in inbox.iterdir())
    assert {status for status, _, _ in documents.values()} == {"loaded"}, documents


@pytest.mark.slow
def test_a_file_whose_process_dies_every_time_is_quarantined_with_the_cause(tmp_path: Path) -> None:
    inbox, db = tmp_path / "inbox", tmp_path / "w.duckdb"
    inbox.mkdir()
    _slow_file(inbox)
    process = subprocess.Popen(_gongkai("ingest", str(inbox), "--db", str(db), "--jobs", "2"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_workers(process)
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        for pid in _grandchildren(process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.2)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    documents = _documents(db)
    status, reason, _ = documents["slow.txt"]
    assert status == "quarantined"
    assert reason.startswith("slow.txt: the extraction process was killed (SIGKILL)"), reason


@pytest.mark.slow
def test_a_stuck_worker_does_not_stall_the_run(tmp_path: Path) -> None:
    """SIGSTOP freezes a worker as a parser blocked for good would: no alarm, no CPU. The pool is
    taken for stuck after timeout + grace, killed, and the file is run again alone."""
    inbox, db = _inbox(tmp_path, seeds=0), tmp_path / "w.duckdb"
    _slow_file(inbox)
    started = time.monotonic()
    process = subprocess.Popen(_gongkai("ingest", str(inbox), "--db", str(db), "--timeout", "2", "--jobs", "1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    frozen = _wait_for_workers(process)
    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)
    try:
        stdout, stderr = process.communicate(timeout=90)
    finally:
        for pid in frozen:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert process.returncode == 0, stderr
    assert time.monotonic() - started < 90
    status, reason, _ = _documents(db)["slow.txt"]
    assert status == "quarantined" and "took longer than 2 s" in reason, reason
    time.sleep(0.2)
    assert not any(Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2] for pid in frozen)


def _spin_in_c(timeout_s: int) -> None:
    """sum() over a C iterator never returns to the interpreter, so an alarm's Python handler could not run."""
    _init_worker(memory_mb=0)
    _cpu_backstop(Limits(timeout_s=timeout_s))
    sum(itertools.repeat(1, 10**12))


@pytest.mark.slow
def test_a_worker_spinning_in_c_code_is_killed_by_its_cpu_limit() -> None:
    process = multiprocessing.get_context("fork").Process(target=_spin_in_c, args=(1,))
    started = time.monotonic()
    process.start()
    process.join(timeout=60)
    elapsed = time.monotonic() - started
    alive = process.is_alive()
    if alive:
        process.kill()
    assert not alive and process.exitcode == -signal.SIGXCPU
    assert elapsed < 1 * (os.cpu_count() or 1) + Limits(timeout_s=1).grace_s + 10
    assert "took longer than 1 s" in _death_reason("x.pdf", Limits(timeout_s=1), process.exitcode, stuck=False)
