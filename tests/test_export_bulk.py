"""Bulk files, export errors and atomic exports (issue 13 items 3, 5, 6; issue 11 item 10).

The expected rows come from the generator's truth files, not from the warehouse.
"""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from warehouse_corpus import Corpus

from conftest import ROOT
from warehouse import atomic
from warehouse.atomic import PARTIAL, PAUSE_ENV, ExportError
from warehouse.bulk import LONG_CSV, PARQUET
from warehouse.export import export


@pytest.fixture(scope="module")
def bulk_out(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bulk")
    export(corpus.db, out, pdf=False)
    return out


def gongkai(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gongkai.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})})


def test_long_csv_holds_every_cell_of_every_report_with_typed_values(corpus: Corpus, bulk_out: Path) -> None:
    con = duckdb.connect()
    rows = con.execute(f"""SELECT unit_key, year, metric_id, applicant, value, amount, value_semantic
                          FROM read_csv('{bulk_out / LONG_CSV}', allow_quoted_nulls = false)""").fetchall()
    got = {(u, y, m, a): (v, amt, s) for u, y, m, a, v, amt, s in rows}
    assert len(got) == len(rows)  # one row per cell
    for report in corpus.reports:
        for (metric_id, applicant), truth in report.truth.items():
            value, amount, semantic = got[(report.unit_key, report.year, metric_id, applicant)]
            if metric_id == "proactive.fees.amount":
                assert value is None and (amount is None if truth is None else float(amount) == pytest.approx(truth)), report.name
            else:
                assert amount is None and value == (None if truth is None else int(truth)), (report.name, metric_id)
    assert {(r[0], r[1]) for r in rows} == {(r.unit_key, r.year) for r in corpus.reports}
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT value, amount FROM read_parquet('{bulk_out / PARQUET}/**/*.parquet')").fetchall()}
    assert types == {"value": "BIGINT", "amount": "DECIMAL(18,2)"}


def test_parquet_is_partitioned_by_province_and_year_and_equals_the_long_csv(corpus: Corpus, bulk_out: Path) -> None:
    con = duckdb.connect()
    partitions = sorted({(p.parent.parent.name, p.parent.name) for p in (bulk_out / PARQUET).rglob("*.parquet")})
    provinces = {r[0] for r in duckdb.connect(str(corpus.db), read_only=True).execute(
        "SELECT DISTINCT province FROM dim_document WHERE status = 'loaded'").fetchall()}
    assert len(partitions) == len(provinces) * 3 and all(p.startswith("province=") and y.startswith("year=") for p, y in partitions)
    as_text = "SELECT * REPLACE (CAST(year AS VARCHAR) AS year, CAST(value AS VARCHAR) AS value, CAST(amount AS VARCHAR) AS amount)"
    parquet = f"{as_text} FROM read_parquet('{bulk_out / PARQUET}/**/*.parquet', hive_partitioning = true)"
    csv = f"{as_text} FROM read_csv('{bulk_out / LONG_CSV}', allow_quoted_nulls = false, all_varchar = true)"
    columns = [r[0] for r in con.execute(f"DESCRIBE {csv}").fetchall()]
    order = ", ".join(f'"{c}"' for c in columns)
    a = con.execute(f"SELECT {order} FROM ({parquet}) ORDER BY ALL").fetchall()
    b = con.execute(f"SELECT {order} FROM ({csv}) ORDER BY ALL").fetchall()
    assert len(a) == len(b) == sum(len(r.truth) for r in corpus.reports)
    assert a == b


def test_unknown_province_or_year_exits_non_zero_lists_what_exists_and_suggests(corpus: Corpus, tmp_path: Path) -> None:
    province = duckdb.connect(str(corpus.db), read_only=True).execute(
        "SELECT province FROM dim_document WHERE status = 'loaded' LIMIT 1").fetchone()[0]
    short = province.removesuffix("省")
    assert short != province
    result = gongkai("export", "--db", str(corpus.db), "--out", str(tmp_path / "x"), "--province", short)
    assert result.returncode != 0 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and f"did you mean {province}?" in result.stderr and "--list" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x" / short).exists()
    result = gongkai("export", "--db", str(corpus.db), "--out", str(tmp_path / "y"), "--province", province, "--year", "2031")
    assert result.returncode != 0 and "2022, 2023, 2024" in result.stderr and "2031" in result.stderr
    listed = gongkai("export", "--db", str(corpus.db), "--list")
    assert listed.returncode == 0 and any(line.startswith(f"{province}: 2022 (") and "2024" in line for line in listed.stdout.splitlines())


def test_an_export_killed_before_its_rename_leaves_nothing_complete_looking(corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "gongkai.cli", "export", "--no-pdf", "--db", str(corpus.db), "--out", str(out)],
                            cwd=ROOT, env={**os.environ, PAUSE_ENV: "60"}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    staged: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None:
        staged = [p for p in out.glob(f"{PARTIAL}*/**/*.xlsx")]
        if len(staged) == 6 and list(out.glob(f"{PARTIAL}*/{LONG_CSV}")):
            break
        time.sleep(0.2)
    assert proc.poll() is None, proc.stderr.read()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(staged) == 6  # everything was written, only the rename was missing
    visible = [p for p in out.rglob("*") if not any(part.startswith(".gongkai-") for part in p.relative_to(out).parts)]
    assert visible == []
    export(corpus.db, out, pdf=False)  # the next export removes the dead one's staging folder
    assert not list(out.glob(".gongkai-*")) and (out / LONG_CSV).exists()


def test_a_full_disk_names_the_file_and_the_fix_and_replaces_nothing(corpus: Corpus, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "full"
    export(corpus.db, out, pdf=False)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    real_fsync = os.fsync
    calls = {"n": 0}

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 20:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    with pytest.raises(ExportError) as caught:
        export(corpus.db, out, pdf=False)
    message = str(caught.value)
    assert message.startswith("no space left on the disk holding") and "--out" in message and "nothing was replaced" in message
    assert "\n" not in message and f"while writing {out}/" in message
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before and not list(out.glob(".gongkai-*"))
