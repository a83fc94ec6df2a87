"""Extract documents in worker processes with a time and memory limit per document.

One pathological file (a zip bomb, a PDF that makes the parser spin) must not stall the night:
each document runs under an alarm and an address-space limit, and a worker that dies is
replaced while the file it held is quarantined with the reason.
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import signal
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from gongkai.extract import Extraction, base_document, extract_bytes, quarantined

DEFAULT_TIMEOUT_S = 120
DEFAULT_MEMORY_MB = 3072
MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    timeout_s: int = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    max_file_bytes: int = MAX_FILE_BYTES


@dataclass(frozen=True)
class Job:
    path: Path
    scope_code: str | None = None


class _Timeout(Exception):
    pass


def _on_alarm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise _Timeout()


def _init_worker(memory_mb: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def extract_limited(job: Job, limits: Limits) -> Extraction:
    """Extract one file under the limits; every failure becomes a quarantine with a reason."""
    path = job.path
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        document = base_document(path, path.read_bytes()[:0])
        document.update(size_bytes=size, sha256=_sha256_file(path))
        document["document_id"] = document["sha256"][:16]
        return quarantined(document, f"{path.name}: file is {size / 1e6:.0f} MB, over the {limits.max_file_bytes / 1e6:.0f} MB limit per document; check it is a report")
    data = path.read_bytes()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(limits.timeout_s)
    try:
        return extract_bytes(path, data, job.scope_code)
    except _Timeout:
        return quarantined(base_document(path, data), f"{path.name}: extraction took longer than {limits.timeout_s} s and was stopped; the file may be malformed")
    except MemoryError:
        return quarantined(base_document(path, data), f"{path.name}: extraction needed more than {limits.memory_mb} MB of memory and was stopped; the file may be a decompression bomb")
    except Exception as exc:  # a reader bug must not lose the night: record it and go on
        return quarantined(base_document(path, data), f"{path.name}: unexpected {type(exc).__name__} while reading: {exc}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _sha256_file(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _worker_task(job: Job, limits: Limits) -> Extraction:
    return extract_limited(job, limits)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def extract_many(jobs: Iterable[Job], limits: Limits = Limits(), workers: int | None = None) -> Iterator[Extraction]:
    """Yield one Extraction per job (in completion order), in parallel worker processes."""
    jobs = list(jobs)
    workers = workers or default_jobs()
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield extract_limited(job, limits)
        return
    pending_jobs = list(reversed(jobs))
    suspects: set[Job] = set()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["gongkai.extract"])
    while pending_jobs:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(limits.memory_mb,))
        running: dict[Future, Job] = {}
        try:
            while pending_jobs or running:
                while pending_jobs and len(running) < workers * 2:
                    job = pending_jobs.pop()
                    running[pool.submit(_worker_task, job, limits)] = job
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    job = running.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        raise
                    except Exception as exc:
                        yield quarantined(base_document(job.path, job.path.read_bytes()), f"{job.path.name}: worker failed: {exc}")
        except BrokenProcessPool:
            # a worker died (killed by the OS, crashed in C code): retry the jobs in flight once each
            for job in running.values():
                if job in suspects:
                    yield quarantined(base_document(job.path, job.path.read_bytes()), f"{job.path.name}: the extraction process died twice (out of memory or a crash in a parser); the file may be malformed")
                else:
                    suspects.add(job)
                    pending_jobs.append(job)
            running.clear()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
