"""Time one extraction pass (ours or a library floor) over a list of files, in a fresh process.

Run as a child of benchmarks/run.py so that peak memory belongs to this pass alone:
`python benchmarks/measure.py KIND WORKERS LISTFILE` prints one JSON line.
KIND is `ours` or `floor`; the floor is the parsing library alone on the same file; `cpu` is our
extraction's CPU time per document in one process (for reports per core-hour).
"""
from __future__ import annotations

import json
import multiprocessing
import sys
import threading
import time
from pathlib import Path

import psutil


def floor_pdf(path: Path) -> int:
    import pdfplumber

    tables = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            tables += len(page.extract_tables())
    return tables


def floor_docx(path: Path) -> int:
    import docx

    chars = 0
    for table in docx.Document(str(path)).tables:
        for row in table.rows:
            for cell in row.cells:
                chars += len(cell.text)
    return chars


def floor_html(path: Path) -> int:
    import lxml.html

    return len(lxml.html.fromstring(path.read_bytes()))


def floor_txt(path: Path) -> int:
    data = path.read_bytes()
    try:
        return len(data.decode("utf-8"))
    except UnicodeDecodeError:
        return len(data.decode("gb18030"))


FLOORS = {"pdf": floor_pdf, "docx": floor_docx, "html": floor_html, "txt": floor_txt}


def floor_one(path: str) -> int:
    p = Path(path)
    return FLOORS[p.suffix.lstrip(".")](p)


def _hwm(pid: int | str) -> int:
    """Peak resident set (VmHWM) of a live process, in bytes; reset by exec, unlike ru_maxrss."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class PeakSampler(threading.Thread):
    """Largest peak resident set of any one descendant (the workers), sampled while they live."""

    def __init__(self, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_worker = 0
        self.stop = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        while not self.stop.is_set():
            for child in me.children(recursive=True):
                self.peak_worker = max(self.peak_worker, _hwm(child.pid))
            self.stop.wait(self.interval)


def cpu_per_document(paths: list[Path]) -> dict:
    """CPU seconds of our extraction (read, match, checks) per document, in this one process: what a
    core spends per report, whatever else the machine runs (wall time is inflated by other load; CPU
    time much less). reports per core-hour = 3600 / that."""
    from gongkai.extract import extract_bytes

    extract_bytes(paths[0], paths[0].read_bytes())  # imports and reference data, paid once per worker
    start = time.process_time()
    failed = 0
    for p in paths:
        failed += extract_bytes(p, p.read_bytes()).document["status"] != "loaded"
    cpu = time.process_time() - start
    return {"kind": "cpu", "docs": len(paths), "cpu_s": cpu, "failed": failed,
            "cpu_per_doc_s": cpu / len(paths), "reports_per_core_hour": 3600 * len(paths) / cpu}


def run(kind: str, workers: int, paths: list[Path]) -> dict:
    if kind == "cpu":
        return cpu_per_document(paths)
    sampler = PeakSampler()
    sampler.start()
    start = time.perf_counter()
    failed = 0
    if workers > 1:  # catch the workers' peak before the pool is shut down
        sampler.interval = 0.02
    if kind == "ours":
        from gongkai.workers import Job, Limits, extract_many

        for extraction in extract_many([Job(p) for p in paths], Limits(), workers=workers):
            failed += extraction.document["status"] != "loaded"
    elif workers <= 1:
        for p in paths:
            floor_one(str(p))
    else:
        ctx = multiprocessing.get_context("forkserver")
        with ctx.Pool(workers) as pool:
            for _ in pool.imap_unordered(floor_one, [str(p) for p in paths], chunksize=1):
                pass
    seconds = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    self_peak = _hwm("self")
    peak = self_peak if workers <= 1 else sampler.peak_worker
    return {"kind": kind, "workers": workers, "docs": len(paths), "seconds": seconds, "failed": failed,
            "peak_rss_mb": peak / 2**20, "parent_rss_mb": self_peak / 2**20}


if __name__ == "__main__":
    kind, workers, listfile = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    files = [Path(line) for line in listfile.read_text().splitlines() if line]
    print(json.dumps(run(kind, workers, files)))
