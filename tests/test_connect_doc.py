"""docs/connect.md works literally: every shell command, CLI session and Python block it shows is
run, from a project folder holding a real warehouse at data/warehouse.duckdb, with the DuckDB CLI
from PyPI (duckdb-cli, pinned to the engine's version)."""
from __future__ import annotations

import csv
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, SAMPLES
from gongkai.ingest import ingest

DOC = ROOT / "docs" / "connect.md"
BLOCK = re.compile(r"```(sh|sql|python)\n(.*?)```", re.S)
BIN = Path(sys.executable).parent


def blocks(kind: str) -> list[str]:
    return [body for k, body in BLOCK.findall(DOC.read_text(encoding="utf-8")) if k == kind]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("analyst")
    summary = ingest([SAMPLES], folder / "data" / "warehouse.duckdb", workers=1)
    assert summary.loaded == 5
    return folder


def run(command: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, input=stdin, capture_output=True, text=True)


def test_the_cli_is_pinned_to_the_engine_version() -> None:
    installs = [line for body in blocks("sh") for line in body.splitlines() if line.startswith("pip install duckdb-cli")]
    assert installs == [f"pip install duckdb-cli=={duckdb.__version__}"]
    assert f"duckdb-cli=={duckdb.__version__}" in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    assert f'"duckdb-cli=={duckdb.__version__}"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert (BIN / "duckdb").exists(), "the DuckDB CLI is missing from the venv: run `make install` (test extra)"
    version = run("duckdb --version", ROOT)
    assert version.returncode == 0 and version.stdout.startswith(f"v{duckdb.__version__}")


def test_every_shell_command_runs_as_shown(project: Path) -> None:
    commands = [line for body in blocks("sh") for line in body.splitlines()
                if line.startswith(("duckdb ", "gongkai ")) and line != "duckdb --version"]
    assert len(commands) >= 7
    outputs = {}
    for command in commands:
        result = run(command, project)
        assert result.returncode == 0 and result.stderr == "", (command, result.stderr)
        outputs[command] = result.stdout
    undescribed = next(out for cmd, out in outputs.items() if "comment IS NULL" in cmd)
    assert "0 rows" in undescribed  # every column of the warehouse has a description
    with open(project / "missing-2024.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {"region_code", "township", "county", "year"} <= set(rows[0])
    con = duckdb.connect(str(project / "data" / "warehouse.duckdb"), read_only=True)
    try:
        assert len(rows) == con.execute("SELECT count(*) FROM mart_coverage WHERE year = 2024").fetchone()[0]
        expected = con.execute("SELECT count(*) FROM mart_unit_year").fetchone()[0]
    finally:
        con.close()
    assert duckdb.sql(f"SELECT count(*) FROM '{project / 'mart_unit_year.parquet'}'").fetchone()[0] == expected == 5
    assert (project / "missing.csv").read_text(encoding="utf-8").startswith("region_code,township,")


def test_the_interactive_session_runs_as_shown(project: Path) -> None:
    (session,) = blocks("sql")
    before = (project / "data" / "warehouse.duckdb").read_bytes()
    result = run("duckdb -readonly data/warehouse.duckdb", project, stdin=session)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "mart_region_year" in result.stdout and "received_total" in result.stdout
    written = (project / "missing-townships-2024.csv").read_text(encoding="utf-8").splitlines()
    assert written[0].startswith("region_code,township,") and len(written) > 1
    assert (project / "data" / "warehouse.duckdb").read_bytes() == before


def test_the_read_only_cli_refuses_to_change_the_warehouse(project: Path) -> None:
    result = run("duckdb -readonly data/warehouse.duckdb -c \"CREATE TABLE scratch (x INTEGER)\"", project)
    assert result.returncode != 0 and "read-only" in result.stderr


def test_every_python_block_runs_as_shown(project: Path) -> None:
    ran = skipped = 0
    for body in blocks("python"):
        if "import polars" in body and importlib.util.find_spec("polars") is None:
            skipped += 1  # shown for analysts who have it; the Parquet it reads is checked above and below
            continue
        result = subprocess.run([sys.executable, "-c", body], cwd=project, capture_output=True, text=True)
        assert result.returncode == 0, (body, result.stderr)
        ran += 1
    assert ran >= 2 and ran + skipped == len(blocks("python"))
    assert duckdb.sql(f"SELECT count(*), count(DISTINCT province) FROM '{project / 'mart_unit_year.parquet'}'").fetchone() == (5, 4)  # five townships in four provinces


def test_the_polars_block_reads_the_parquet(project: Path) -> None:
    pl = pytest.importorskip("polars")
    body = next(b for b in blocks("python") if "import polars" in b)
    shutil.copy(project / "mart_unit_year.parquet", project / "copy.parquet")
    result = subprocess.run([sys.executable, "-c", body], cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert pl.read_parquet(project / "copy.parquet").height == 5
