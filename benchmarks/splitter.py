"""Splitter benchmark: CPU time of transforms.splitter.solve_rows on the generated tables that were
slowest (crawler renderings of tests/fixturegen/crawler_render.py, seed 10, 16 reports: g006 is a 2019
report that took 4-6 s in the one-line layouts), against the splitter before its search was rebuilt
(commit 2e6d36c, read from git) on the same inputs in the same run, so the ratio holds under load.

    .venv/bin/python benchmarks/splitter.py [--docs 16] [--seed 10]

Prints per table the milliseconds (CPU) of both and their ratio, and the cells where the two differ
(a value the old one left NULL and the new one decides, or the reverse; never two different numbers).
Without git history (a shallow clone) only the current splitter is timed.
"""
from __future__ import annotations

import argparse
import copy
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BASELINE = "2e6d36c"


def _baseline():
    """The splitter as it was at BASELINE, as a module, or None without git history."""
    try:
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{BASELINE}:transforms/splitter.py"],
                              capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp(prefix="splitter-baseline-")) / "splitter_baseline.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("splitter_baseline", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["splitter_baseline"] = module
    spec.loader.exec_module(module)
    return module


def _inputs(docs: int, seed: int) -> list[tuple[str, list, list]]:
    """Every solve_rows input of the renderings, captured as extraction runs."""
    import gongkai.extract as gx
    from tests.fixturegen.crawler_render import renderings

    captured: list[tuple[str, list, list]] = []
    current = [""]
    solve = gx.solve_rows

    def grab(values, rows):
        captured.append((current[0], copy.deepcopy(values), copy.deepcopy(rows)))
        return solve(values, rows)
    gx.solve_rows = grab
    try:
        for r in renderings(docs, seed, real=True):
            current[0] = r.name
            gx.extract_bytes(Path(r.name), r.data)
    finally:
        gx.solve_rows = solve
    return captured


def _time(module, values, rows) -> tuple[float, list]:
    values, rows = copy.deepcopy(values), copy.deepcopy(rows)
    t0 = time.process_time()
    module.solve_rows(values, rows)
    return time.process_time() - t0, [v.value for v in values]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=16)
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--show", type=int, default=8, help="slowest tables to list")
    args = ap.parse_args(argv)
    import transforms.splitter as current

    old = _baseline()
    rows = []
    for name, values, short in _inputs(args.docs, args.seed):
        new_s, new_v = _time(current, values, short)
        old_s, old_v = _time(old, values, short) if old else (None, new_v)
        changed = [(a, b) for a, b in zip(old_v, new_v) if a != b]
        rows.append((name, new_s, old_s, changed))
    rows.sort(key=lambda r: -(r[2] if r[2] is not None else r[1]))
    print(f"splitter on {len(rows)} tables (crawler renderings, --docs {args.docs} --seed {args.seed}), CPU ms")
    print("| table | now ms | before ms | ratio |\n|---|---:|---:|---:|")
    for name, new_s, old_s, _ in rows[: args.show]:
        before = f"{old_s * 1000:.1f}" if old_s is not None else "-"
        ratio = f"{new_s / old_s:.3f}" if old_s else "-"
        print(f"| {name} | {new_s * 1000:.1f} | {before} | {ratio} |")
    total_new = sum(r[1] for r in rows)
    worst_new = max(r[1] for r in rows)
    line = f"all tables: now {total_new * 1000:.0f} ms in all, worst {worst_new * 1000:.1f} ms"
    if old:
        total_old = sum(r[2] for r in rows)
        line += f"; before {total_old * 1000:.0f} ms in all, worst {max(r[2] for r in rows) * 1000:.0f} ms; ratio {total_new / total_old:.3f}"
        different = sum(1 for r in rows for a, b in r[3] if a is not None and b is not None)
        decided = sum(1 for r in rows for a, b in r[3] if a is None)
        lost = sum(1 for r in rows for a, b in r[3] if b is None)
        line += f"; cells: {different} different, {decided} now decided, {lost} now NULL"
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
