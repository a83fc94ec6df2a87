"""The plain `gongkai` commands, run as a user would, against a real DuckDB file."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from conftest import SAMPLES


def gongkai(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gongkai.cli", *args], capture_output=True, text=True)


def _counts(db: Path) -> tuple[int, int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("dim_document", "fact_value", "fact_check"))  # type: ignore[return-value]
    finally:
        con.close()


def test_reingesting_the_same_bytes_adds_nothing(tmp_db: Path, tmp_path: Path) -> None:
    first = gongkai("ingest", str(SAMPLES), "--db", str(tmp_db))
    assert first.returncode == 0, first.stderr
    before = _counts(tmp_db)
    assert before == (5, 1000, before[2]) and before[2] > 0
    mtime = tmp_db.stat().st_mtime_ns
    second = gongkai("ingest", str(SAMPLES), "--db", str(tmp_db))
    assert "loaded: 0  unchanged: 5" in second.stdout
    assert _counts(tmp_db) == before
    assert tmp_db.stat().st_mtime_ns == mtime  # nothing new: the published file was not rewritten
    # the same bytes under another name are a duplicate, not a new document
    copy = tmp_path / "copy-of-seed.txt"
    shutil.copy(SAMPLES / "003_8a17ea6710060b57.txt", copy)
    third = gongkai("ingest", str(copy), "--db", str(tmp_db))
    assert "duplicates: 1" in third.stdout
    assert _counts(tmp_db) == before
    con = duckdb.connect(str(tmp_db), read_only=True)
    statuses = con.execute("SELECT status, count(*) FROM documents GROUP BY ALL ORDER BY 1").fetchall()
    con.close()
    assert statuses == [("duplicate", 1), ("loaded", 5)]


def test_extract_prints_json_without_a_database(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gongkai.cli", "extract", str(SAMPLES / "004_61f640e52d4e149d.txt")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["document"]["unit"] == "易俗河镇"
    assert payload["document"]["region_code"] == "430321100"
    assert payload["document"]["county"] == "湘潭县"
    assert len(payload["values"]) == 200
    penalties = next(v for v in payload["values"] if v["metric_id"] == "proactive.penalties.decisions")
    assert penalties["value"] == 3 and penalties["source_ref"].startswith("line ")
    assert all(c["passed"] for c in payload["checks"])
    assert not list(tmp_path.iterdir())


def test_query_is_read_only(tmp_db: Path) -> None:
    assert gongkai("ingest", str(SAMPLES), "--db", str(tmp_db)).returncode == 0
    ok = gongkai("query", "SELECT count(*) AS n FROM report_values WHERE value > 0", "--db", str(tmp_db), "--format", "csv")
    assert ok.returncode == 0 and ok.stdout.splitlines() == ["n", "39"]  # the positive cells of the golden files
    refused = gongkai("query", "DELETE FROM fact_value", "--db", str(tmp_db))
    assert refused.returncode == 2 and "read-only" in refused.stderr.lower()
    assert _counts(tmp_db)[1] == 1000


def test_query_without_warehouse_says_what_to_do(tmp_path: Path) -> None:
    result = gongkai("query", "SELECT 1", "--db", str(tmp_path / "none.duckdb"))
    assert result.returncode == 3 and "gongkai ingest" in result.stderr  # Exit.NOT_FOUND


def test_export_writes_bom_csv_with_chinese_headers(tmp_db: Path, tmp_path: Path) -> None:
    assert gongkai("ingest", str(SAMPLES), "--db", str(tmp_db)).returncode == 0
    out = tmp_path / "exports"
    result = gongkai("export", "--no-pdf", "--out", str(out), "--db", str(tmp_db), "--province", "河南省", "--year", "2024")
    assert result.returncode == 0, result.stderr
    folder = out / "河南省" / "2024"
    wide = (folder / "单位年度宽表.csv").read_bytes()
    assert wide.startswith(b"\xef\xbb\xbf")
    lines = wide.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("文档编号(document_id),单位(unit),区划代码(region_code)")
    assert len(lines) == 3  # 承留镇 and 邢集镇, one row each
    assert "本年新收政府信息公开申请数量·自然人 (requests.received/natural_person)" in lines[0]
    assert sorted(p.name for p in out.iterdir()) == sorted(["河南省", "gongkai_values_long.csv", "parquet"])
    long_rows = (folder / "明细长表.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(long_rows) == 1 + 400
    assert (folder / "勾稽检查.csv").read_bytes().startswith(b"\xef\xbb\xbf")


HEAVY_IN_PARENT = ("pandas", "numpy", "rich", "prefect", "pdfplumber", "docx")
"""Modules whose import costs more than ingesting one small report: the ingesting process must not load them
(the workers import the readers they need; rich only draws on a terminal)."""


def test_ingest_of_one_text_report_keeps_heavy_imports_out_of_the_parent(tmp_path: Path) -> None:
    report = tmp_path / "one.txt"
    shutil.copy(SAMPLES / "003_8a17ea6710060b57.txt", report)
    db = tmp_path / "w.duckdb"
    script = ("import sys; from gongkai.cli import main; code = main(sys.argv[1:]); "
              f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY_IN_PARENT!r})))")
    for run in ("new", "existing"):
        if run == "existing":
            report.write_text(report.read_text(encoding="utf-8") + "\n第二版\n", encoding="utf-8")
        result = subprocess.run([sys.executable, "-c", script, "ingest", str(report), "--db", str(db)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert "loaded: 1 " in result.stdout, result.stdout
        assert result.stdout.strip().splitlines()[-1] == "[]", f"{run} warehouse: {result.stdout}"
