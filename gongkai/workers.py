"""Extract documents in worker processes with a time and memory limit per document.

One pathological file (a zip bomb, a PDF that makes a parser spin) must not stall the night:
- memory: workers run under an address-space limit, so a runaway allocation raises MemoryError
  (or kills that worker) instead of exhausting the machine;
- time: an alarm interrupts Python code after `timeout_s`; a CPU limit kills a worker spinning in
  C code, which the alarm cannot interrupt; and a pool that finishes nothing for longer than the
  timeout is treated as stuck (a worker blocked for good) and killed.
A job whose worker died runs again alone in a fresh process, where the exit tells what happened;
if it dies again it is quarantined with that reason, and the run goes on.

A quarantine caused by a limit says more about the limits than about the bytes: such a document
records `Limits.version()` as its extractor version, so a run with other limits tries it again.
"""
from __future__ import annotations

import ctypes
import importlib
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from extractors.detect import detect_format
from extractors.registry import READERS
from gongkai import EXTRACTOR_VERSION
from gongkai.names import shown
from gongkai.osutil import pid_alive, sha256_file
from gongkai.storage import AnyPath, client_settings, use_client_settings
from gongkai.extract import Extraction, base_document, document_id_for, extract_bytes, quarantined

DEFAULT_TIMEOUT_S = 120
DEFAULT_MEMORY_MB = 3072
MAX_FILE_BYTES = 200 * 1024 * 1024
MB = 1024 * 1024
HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Limits:
    timeout_s: int = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    max_file_bytes: int = MAX_FILE_BYTES

    @property
    def grace_s(self) -> int:
        """How long past the timeout a worker may stay silent before it is taken for stuck."""
        return max(2, self.timeout_s // 4)

    def version(self) -> str:
        """The extractor version recorded for a document quarantined by these limits."""
        return f"{EXTRACTOR_VERSION}+limits:{self.timeout_s}s,{self.memory_mb}MB,{self.max_file_bytes // MB}MB"


@dataclass(frozen=True)
class Job:
    path: AnyPath
    """A local file, or an object in storage (gongkai.storage.ObjectPath) that the worker reads itself."""
    scope_code: str | None = None
    sha256: str | None = None
    """The content hash seen when the job was made: names the document if the file is gone by the time it is read."""


class _Timeout(BaseException):
    """BaseException, so that a reader's `except Exception` cannot swallow the alarm."""


def _on_alarm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise _Timeout()


WARM_UP = (
    "某县2024年政府信息公开工作年度报告\n"
    "一、本年新收政府信息公开申请数量\t0\t0\t0\t0\t0\t0\t0\n"
    "二、上年结转政府信息公开申请数量\t0\t0\t0\t0\t0\t0\t0\n"
    "四、结转下年度继续办理\t0\t0\t0\t0\t0\t0\t0\n"
)


_warm = False


def _warm_up() -> None:
    """Load the reference data (gazetteer, label maps, rules) before the first document, so that a
    document's time limit measures the document, not the worker's start-up. The forkserver runs it
    once (gongkai.warm_up) and every worker forked from it starts warm; the reader of a format is
    imported before the first document of that format (see _import_reader). A worker forked warm
    does not read the warm-up report again."""
    global _warm
    if _warm:
        return
    try:
        extract_bytes(Path("warm-up.txt"), WARM_UP.encode())
    except Exception:  # noqa: BLE001 - a warm-up failure shows again, with a reason, on the first document
        pass
    _warm = True


def _import_reader(data: bytes) -> None:
    """Import the reader this file needs before its time limit starts: the first PDF a worker reads
    pays pdfplumber's import, not the document. A text-only run never imports pdfplumber at all."""
    target = READERS.get(detect_format(data))
    if target:
        try:
            importlib.import_module(target.split(":")[0])
        except Exception:  # noqa: BLE001 - the reader's own import error shows, with a reason, when it reads
            pass


FORKSERVER_PRELOAD = ["gongkai.warm_up"]


def start_workers_early() -> None:
    """Start the forkserver (which warms up once for all workers) now, in the background, so that it
    gets ready while the caller prepares the warehouse; the pool's workers are then forked warm."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(FORKSERVER_PRELOAD)
    from multiprocessing import forkserver

    forkserver.ensure_running()


def _one_malloc_arena() -> None:
    """glibc gives each new thread its own 64 MB malloc arena, which counts against the address-space
    limit; one shared arena keeps the limit a measure of what the document needs."""
    try:
        ctypes.CDLL(None).mallopt(-8, 1)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


def _exit_with(parent_pid: int) -> None:
    """Exit when the ingest that started this worker is gone (SIGKILLed, say). Without this, idle
    workers wait forever on a queue nobody writes to, and keep the forkserver alive with them."""
    def watch() -> None:
        while pid_alive(parent_pid):
            time.sleep(1)
        os._exit(1)

    previous = threading.stack_size(256 * 1024)
    try:
        threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
    finally:
        threading.stack_size(previous)


def _init_worker(memory_mb: int, parent_pid: int | None = None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _one_malloc_arena()
    if parent_pid:
        _exit_with(parent_pid)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a worker killed by its CPU limit leaves no core file
    _warm_up()  # before the memory limit: start-up is not the document's fault
    if memory_mb > 0:
        limit = memory_mb * MB
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# --- reasons a person can act on ---------------------------------------------------------
def _timeout_reason(name: str, limits: Limits) -> str:
    return (f"{name}: extraction took longer than {limits.timeout_s} s and was stopped; the file may be malformed: "
            "check that it opens, or run `gongkai ingest` again with a larger --timeout")


def _memory_reason(name: str, limits: Limits) -> str:
    return (f"{name}: extraction needed more than {limits.memory_mb} MB of memory and was stopped; the file may be "
            "a decompression bomb: check that it opens, or run `gongkai ingest` again with a larger --memory-mb")


def _size_reason(name: str, size: int, limits: Limits) -> str:
    return (f"{name}: the file is {size / MB:,.0f} MB, over the {limits.max_file_bytes / MB:,.0f} MB limit per document; "
            "check that it is a report (a scan this big should be scanned again at a lower resolution)")


def _death_reason(name: str, limits: Limits, exitcode: int | None, stuck: bool) -> str:
    if stuck or exitcode == -signal.SIGXCPU:
        return _timeout_reason(name, limits)
    if exitcode == -signal.SIGKILL:
        return (f"{name}: the extraction process was killed (SIGKILL), most likely by the system for lack of memory; "
                "check that the file opens, or run `gongkai ingest` again with fewer --jobs")
    if exitcode is not None and exitcode < 0:
        how = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else f"signal {-exitcode}"
        return (f"{name}: a parser crashed on this file ({how}); the file is probably malformed: check that it opens, "
                "and if it does, report the file as a reader bug")
    return (f"{name}: the extraction process exited without a result (exit status {exitcode}); "
            "run `gongkai extract` on the file to see the error, and report it as a reader bug")


OUT_OF_MEMORY = ("Insufficient memory", "Failed to allocate", "bad_alloc", "Cannot allocate memory", "out of memory")
"""How native libraries (OpenCV, onnxruntime, pdfium) say an allocation failed under the memory limit."""


def _out_of_memory(exc: BaseException) -> bool:
    """A C library's allocation failure is the memory limit, not a reader bug."""
    text = str(exc)
    return any(marker.lower() in text.lower() for marker in OUT_OF_MEMORY)


def _bug_reason(name: str, exc: BaseException) -> str:
    detail = str(exc)[:300]
    return (f"{name}: unexpected {type(exc).__name__} while reading ({detail}); a reader did not expect this file: "
            "check that it opens (it may be damaged), and report it with the file as a reader bug")


# --- one document --------------------------------------------------------------------------
def _document_for(path: Path, known_sha256: str | None = None) -> dict:
    """A file's document row, computed without holding the whole file in memory."""
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
        sha256, size = sha256_file(path), path.stat().st_size
    except OSError:
        if known_sha256 is None:
            raise
        head, sha256, size = b"", known_sha256, None
    document = base_document(path, head)
    document.update(sha256=sha256, document_id=document_id_for(sha256), size_bytes=size)
    return document


def _limit_quarantine(job: Job, limits: Limits, reason: str) -> Extraction:
    document = _document_for(job.path, job.sha256)
    document["extractor_version"] = limits.version()
    return quarantined(document, reason)


def _unreadable(job: Job, exc: OSError) -> Extraction:
    """The file changed or vanished after the run listed it (a download replacing it, say): try it next run."""
    document = _document_for(job.path, job.sha256)
    document["extractor_version"] = f"{EXTRACTOR_VERSION}+unread"
    return quarantined(document, f"{shown(job.path)}: could not be read during the run ({exc.strerror or exc}); run `gongkai ingest` again")


def extract_limited(job: Job, limits: Limits) -> Extraction:
    """Extract one file under the time limit (and the memory limit of the calling worker);
    every failure becomes a quarantine with a reason."""
    path = job.path
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= limits.max_file_bytes else b""
    except MemoryError:
        return _limit_quarantine(job, limits, _memory_reason(shown(path), limits))
    except OSError as exc:
        return _unreadable(job, exc)
    if size > limits.max_file_bytes:
        return _limit_quarantine(job, limits, _size_reason(shown(path), size, limits))
    _import_reader(data)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(limits.timeout_s)
    try:
        return extract_bytes(path, data, job.scope_code)
    except _Timeout:
        outcome = "timeout"
    except MemoryError:
        outcome = "memory"
    except Exception as exc:  # a reader bug must not lose the night: record it and go on
        signal.alarm(0)
        if not _out_of_memory(exc):
            return quarantined(_document_for(path, job.sha256), _bug_reason(shown(path), exc))
        outcome = "memory"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    # out of the except block, and data dropped, so that the failed extraction's memory is released first
    del data
    if outcome == "timeout":
        return _limit_quarantine(job, limits, _timeout_reason(shown(path), limits))
    return _limit_quarantine(job, limits, _memory_reason(shown(path), limits))


def _cpu_backstop(limits: Limits) -> None:
    """Let the kernel kill this worker if it burns more CPU than `timeout_s` of wall time could give it.

    The alarm only interrupts Python code; this catches a parser spinning inside C code."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(usage.ru_utime + usage.ru_stime) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = spent + limits.timeout_s * (os.cpu_count() or 1) + limits.grace_s
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _worker_task(job: Job, limits: Limits, settings: dict[str, str] | None = None) -> Extraction:
    use_client_settings(settings)
    _cpu_backstop(limits)
    return extract_limited(job, limits)


def _isolated_main(job: Job, limits: Limits, sender, parent_pid: int, settings: dict[str, str] | None) -> None:
    _init_worker(limits.memory_mb, parent_pid)
    result = _worker_task(job, limits, settings)
    try:
        sender.send(result)
    except MemoryError:
        sender.send(_limit_quarantine(job, limits, _memory_reason(shown(job.path), limits)))
    sender.close()


def run_isolated(job: Job, limits: Limits) -> Extraction:
    """Run one job alone in a fresh process: if the process dies, its exit status says how."""
    context = multiprocessing.get_context("forkserver")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_isolated_main, args=(job, limits, sender, os.getpid(), client_settings(job.path)), daemon=True)
    process.start()
    sender.close()
    result = None
    stuck = False
    try:
        if receiver.poll(limits.timeout_s + limits.grace_s):
            result = receiver.recv()
        else:
            stuck = True
    except (EOFError, OSError):
        result = None
    finally:
        receiver.close()
    process.join(timeout=5 if result is not None else 1)
    if process.is_alive():
        process.kill()
        process.join()
    if isinstance(result, Extraction):
        return result
    return _limit_quarantine(job, limits, _death_reason(shown(job.path), limits, process.exitcode, stuck))


# --- many documents ------------------------------------------------------------------------
def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _result(future: Future, job: Job, limits: Limits) -> Extraction:
    """A finished future's Extraction; raises BrokenProcessPool if its worker died."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except MemoryError:  # e.g. sending a huge result back from the worker
        return _limit_quarantine(job, limits, _memory_reason(shown(job.path), limits))
    except Exception as exc:
        return quarantined(_document_for(job.path, job.sha256), _bug_reason(shown(job.path), exc))


def _kill(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's workers now, busy or not (Python 3.11 has no public call for this)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.kill()


def extract_many(jobs: Iterable[Job], limits: Limits = Limits(), workers: int | None = None) -> Iterator[Extraction]:
    """Yield one Extraction per job (in completion order), from worker processes under the limits.

    Always in worker processes, even for one job: the memory limit must never apply to the
    caller, which holds the warehouse connection."""
    pending = list(reversed(list(jobs)))
    if not pending:
        return
    workers = max(1, min(workers or default_jobs(), len(pending)))
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(FORKSERVER_PRELOAD)
    while pending:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(limits.memory_mb, os.getpid()))
        running: dict[Future, Job] = {}
        suspects: list[Job] = []
        try:
            while pending or running:
                while pending and len(running) < workers * 2:
                    job = pending.pop()
                    running[pool.submit(_worker_task, job, limits, client_settings(job.path))] = job
                done, _ = wait(running, timeout=limits.timeout_s + limits.grace_s, return_when=FIRST_COMPLETED)
                if not done:  # no worker finished within the timeout: one is stuck where the alarm cannot reach
                    break
                for future in done:
                    extraction = _result(future, running[future], limits)
                    del running[future]
                    yield extraction
        except BrokenProcessPool:
            pass  # a worker died (killed by the OS, crashed in C code, hit its CPU limit)
        finally:
            suspects = list(running.values())
            if suspects:
                _kill(pool)
            pool.shutdown(wait=not suspects, cancel_futures=True)
        # the jobs in flight when the pool broke or stuck: run each alone, so a death is pinned on its file
        for job in suspects:
            yield run_isolated(job, limits)
