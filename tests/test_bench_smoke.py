"""Smoke test of the benchmark: a tiny run prints the table and writes a results file."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_quick_prints_ratios_and_writes_results(tmp_path):
    results = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--n", "4", "--formats", "txt,docx,html",
         "--national-share", "0.005", "--results", str(results)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for fmt in ("txt", "docx", "html"):
        row = re.search(rf"^\| {fmt} \| 4 \|(.*)$", proc.stdout, re.M)
        assert row, f"no table row for {fmt}:\n{proc.stdout}"
        cells = [c.strip() for c in row.group(1).split("|")]
        ratio_1, ratio_2 = float(cells[2]), float(cells[5])
        assert ratio_1 > 0 and ratio_2 > 0
    assert "| no-change re-run" in proc.stdout
    assert re.search(r"^\| an existing warehouse \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\d \|$", proc.stdout, re.M), proc.stdout
    assert re.search(r"^\| one small text report into a new warehouse < 1.5 s \| [\d.]+ s .*\| (met|\*\*missed\*\*) \|$", proc.stdout, re.M)
    assert re.search(r"^\| docx \| 4 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| 1 \|$", proc.stdout, re.M), proc.stdout
    assert "A publish with nothing new" in proc.stdout
    assert re.search(r"^\| rebuild_cross_checks \| \d+\.\d \|$", proc.stdout, re.M), proc.stdout   # publish steps timed
    targets = proc.stdout.split("## Targets", 1)[1]
    for target in ("one small text report into an existing warehouse", "docx: whole ingest of 4 docs",
                   "national publish with nothing new <= 3x copying", "national publish with nothing new does not grow",
                   "national queries an analyst runs < 1 s", "object storage: tests/test_object_storage.py"):
        assert re.search(rf"^\| {re.escape(target)}.*\| (met|\*\*missed\*\*|n/a) \|$", targets, re.M), (target, targets)
    assert re.search(r"mart_unit_year .*\| \d+\.\d{3} \|", proc.stdout), proc.stdout
    text = results.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results") and "## Machine" in text and "cores" in text
