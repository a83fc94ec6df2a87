"""Extract one batch of documents in a fresh child process, for Dask workers.

A Dask worker is a daemonic process and runs tasks in threads: it may not start the process
pool of gongkai.workers, and the per-document alarm only works in a main thread. So the batch
task starts `python -m flows.batch` as a plain child process, which runs the same
extract_many (worker processes, time and memory limit per document) as a local run. A parser
that crashes or blows up takes down that child at worst, never the Dask worker.
The files must be readable by every worker: at the same paths (a shared file system), or as
objects in a bucket (Job.path a gongkai.storage.ObjectPath, read by the worker itself).
"""
from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

from gongkai.extract import Extraction
from gongkai.workers import Job, Limits, extract_many


def extract_in_child(jobs: list[Job], limits: Limits, workers: int | None = None) -> list[Extraction]:
    """Extractions for jobs, computed by a child process of this one; raises if the child fails."""
    with tempfile.TemporaryDirectory(prefix="gongkai-batch-") as tmp:
        request, result = Path(tmp) / "request.pickle", Path(tmp) / "result.pickle"
        request.write_bytes(pickle.dumps((jobs, limits, workers)))
        child = subprocess.run(
            [sys.executable, "-m", "flows.batch", str(request), str(result)],
            capture_output=True, text=True, errors="replace", check=False,
        )
        if child.returncode != 0 or not result.exists():
            raise RuntimeError(
                f"the extraction child process exited with status {child.returncode}: {child.stderr[-2000:].strip()}")
        extractions: list[Extraction] = pickle.loads(result.read_bytes())
    return extractions


def main(argv: list[str]) -> int:
    request, result = Path(argv[0]), Path(argv[1])
    jobs, limits, workers = pickle.loads(request.read_bytes())
    extractions = list(extract_many(jobs, limits, workers))
    partial = result.with_suffix(".part")
    partial.write_bytes(pickle.dumps(extractions))
    partial.replace(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
