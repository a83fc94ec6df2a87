"""Run one command and print its wall time and CPU time (user + sys) as one JSON line.

`python benchmarks/cputime.py CMD ARGS...`: `cpu_s` is the command's own process, `cpu_all_s` adds every
process it started, the forkserver and its workers included. Those outlive their parent for a moment
and are not its waited-for children, so this process makes itself their subreaper (Linux prctl) and
waits for them too. CPU time is what a loaded machine does not inflate; wall time is what a person waits.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main(argv: list[str]) -> int:
    try:
        ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1)
    except (OSError, AttributeError):  # not Linux: cpu_all_s then misses the orphaned workers
        pass
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_CHILDREN)
    while True:  # the orphaned forkserver and workers, which exit once their parent is gone
        try:
            os.wait()
        except ChildProcessError:
            break
    every = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"returncode": proc.returncode, "wall_s": wall, "cpu_s": own.ru_utime + own.ru_stime,
                      "cpu_all_s": every.ru_utime + every.ru_stime, "stdout": out[-2000:], "stderr": err[-2000:]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
