"""The `gongkai` command as a person meets it: every mistake and machine state ends in one line
naming the cause and the fix, an exit code of its own (gongkai/errors.py), no traceback, and the
warehouse file byte for byte as it was; help, version, and query output that fits a terminal."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from conftest import SAMPLES
from gongkai.errors import Exit

PAUSE_ENV = "GONGKAI_TEST_PAUSE_BEFORE_PUBLISH"


def gongkai(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gongkai.cli", *args], capture_output=True, text=True, **kwargs)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "warehouse.duckdb"
    done = gongkai("ingest", str(SAMPLES), "--db", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # not a terminal: no progress drawn
    return path


def assert_one_line(result: subprocess.CompletedProcess, code: int, *fragments: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


CASES = {
    "empty SQL": (["query", ""], Exit.EMPTY_SQL, ["gongkai query: no SQL statement", "SELECT"]),
    "blank SQL": (["query", "   \n "], Exit.EMPTY_SQL, ["no SQL statement"]),
    "only a comment": (["query", "-- what was I going to ask?"], Exit.EMPTY_SQL, ["no SQL statement"]),
    "syntax error": (["query", "SELEC 1"], Exit.INVALID_SQL, ["invalid SQL: Parser Error", "docs/warehouse.md"]),
    "unknown table": (["query", "SELECT * FROM no_such_mart"], Exit.INVALID_SQL, ["invalid SQL: Catalog Error", "no_such_mart"]),
    "unknown column": (["query", "SELECT nope FROM units"], Exit.INVALID_SQL, ["invalid SQL: Binder Error", "nope"]),
    "bad conversion": (["query", "SELECT 'x'::INTEGER"], Exit.INVALID_SQL, ["Conversion Error"]),
    "jobs zero": (["ingest", str(SAMPLES), "--jobs", "0"], Exit.USAGE, ["--jobs: 0 is too small", "at least 1", "--help"]),
    "jobs negative": (["ingest", str(SAMPLES), "--jobs", "-2"], Exit.USAGE, ["--jobs", "at least 1"]),
    "timeout zero": (["ingest", str(SAMPLES), "--timeout", "0"], Exit.USAGE, ["--timeout: 0 is too small"]),
    "memory negative": (["ingest", str(SAMPLES), "--memory-mb", "-512"], Exit.USAGE, ["--memory-mb: -512 is too small"]),
    "memory not a number": (["ingest", str(SAMPLES), "--memory-mb", "lots"], Exit.USAGE, ["--memory-mb: 'lots' is not a whole number"]),
    "unknown option": (["query", "SELECT 1", "--fromat", "csv"], Exit.USAGE, ["unrecognized arguments: --fromat", "--help"]),
    "refused write": (["query", "DELETE FROM fact_value"], Exit.USAGE, ["refused", "read-only"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_mistake_is_one_line_with_its_own_exit_code_and_the_warehouse_is_unchanged(case: str, db: Path) -> None:
    args, code, fragments = CASES[case]
    before = sha256(db)
    result = gongkai(*args, "--db", str(db))
    assert_one_line(result, code, *fragments)
    assert result.stdout == ""
    assert sha256(db) == before


def test_db_that_is_a_folder_or_not_a_warehouse(db: Path, tmp_path: Path) -> None:
    before = sha256(db)
    for command in (["query", "SELECT 1"], ["ingest", str(SAMPLES)], ["export", "--out", str(tmp_path / "out")]):
        assert_one_line(gongkai(*command, "--db", str(db.parent)), Exit.DB_NOT_A_WAREHOUSE, "is a folder, not a warehouse file", "warehouse.duckdb")
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n", encoding="utf-8")
    assert_one_line(gongkai("query", "SELECT 1", "--db", str(text)), Exit.DB_NOT_A_WAREHOUSE, "cannot be opened as a warehouse")
    assert text.read_text(encoding="utf-8") == "not a database\n"
    assert_one_line(gongkai("query", "SELECT 1", "--db", str(tmp_path / "none.duckdb")), Exit.NOT_FOUND, "gongkai ingest")
    assert_one_line(gongkai("ingest", str(tmp_path / "missing"), "--db", str(db)), Exit.NOT_FOUND, "missing")
    assert sha256(db) == before


def test_out_that_is_a_file(db: Path, tmp_path: Path) -> None:
    before = sha256(db)
    target = tmp_path / "exports.csv"
    target.write_text("keep me\n", encoding="utf-8")
    assert_one_line(gongkai("export", "--out", str(target), "--db", str(db)), Exit.OUT_NOT_A_FOLDER, "is a file, not a folder")
    assert_one_line(gongkai("export", "--out", str(target / "sub"), "--db", str(db)), Exit.OUT_NOT_A_FOLDER, "is a file, not a folder")
    assert target.read_text(encoding="utf-8") == "keep me\n" and sha256(db) == before


def _make_read_only(folder: Path) -> list[str] | None:
    """chmod for a normal user; root ignores modes, so there the folder is made immutable (chattr)."""
    folder.chmod(0o555)
    probe = folder / "probe"
    try:
        probe.touch()
    except PermissionError:
        return ["chmod"]
    probe.unlink()
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0:
        return ["chattr", "-i", str(folder)]
    return None


def test_a_read_only_exports_folder(db: Path, tmp_path: Path) -> None:
    before = sha256(db)
    out = tmp_path / "exports"
    out.mkdir()
    undo = _make_read_only(out)
    if undo is None:
        pytest.skip("cannot make a folder read-only here")
    try:
        result = gongkai("export", "--out", str(out), "--db", str(db))
        assert_one_line(result, Exit.OUT_NOT_WRITABLE, f"cannot write to {out}", "make it writable or give another folder")
        assert_one_line(gongkai("export", "--out", str(out / "河南省"), "--db", str(db)), Exit.OUT_NOT_WRITABLE, "cannot write to")
    finally:
        if undo != ["chmod"]:
            subprocess.run(undo, check=True)
        out.chmod(0o755)
    assert list(out.iterdir()) == [] and sha256(db) == before


def test_ctrl_c_publishes_nothing(db: Path, tmp_path: Path) -> None:
    """SIGINT to the process group, as a terminal's Ctrl-C sends it, while the new warehouse is fully built."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(db, copy)
    before = sha256(copy)
    extra = tmp_path / "new"
    extra.mkdir()
    (extra / "changed.txt").write_bytes((SAMPLES / "003_8a17ea6710060b57.txt").read_bytes() + b"\n")
    process = subprocess.Popen([sys.executable, "-m", "gongkai.cli", "ingest", str(extra), "--db", str(copy)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env={**os.environ, PAUSE_ENV: "120"})
    assert process.stderr is not None
    first = process.stderr.readline()
    assert "pausing" in first, first
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == Exit.INTERRUPTED == 130
    assert err.strip().splitlines() == ["gongkai ingest: interrupted; nothing was published; the warehouse is as it was"]
    assert out == ""
    assert sha256(copy) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("warehouse.duckdb")) == ["warehouse.duckdb", "warehouse.duckdb.lock"]


def test_version_names_gongkai_the_extractor_and_duckdb() -> None:
    import duckdb

    from gongkai import EXTRACTOR_VERSION, __version__

    result = gongkai("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"gongkai {__version__} (extractor {EXTRACTOR_VERSION}, DuckDB {duckdb.__version__})"


def test_help_lists_every_command_on_one_line_and_every_option_has_help() -> None:
    from gongkai.cli import build_parser

    result = gongkai("--help", env={**os.environ, "COLUMNS": "80"})  # a plain terminal: no command wraps
    assert result.returncode == 0
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert set(commands) >= {"ingest", "extract", "query", "export"}
    for name in commands:
        line = next(line for line in result.stdout.splitlines() if line.strip().startswith(name + " "))
        assert len(line.split(maxsplit=1)) == 2, line  # the name, then its one-line description
    listing = result.stdout.split("COMMAND\n", 2)[-1].split("\n\n")[0].splitlines()
    assert len(listing) == len(commands), listing  # no description wraps onto a second line
    undocumented = [f"{name} {action.option_strings or action.dest}" for name, sub in [("gongkai", parser), *commands.items()]
                    for action in sub._actions if not action.help and action.dest != "command"]
    assert undocumented == []


def test_query_table_shows_null_not_nan_and_aligns_chinese(db: Path) -> None:
    result = gongkai("query", "SELECT unit, county, year, CASE WHEN unit LIKE '邢%' THEN NULL ELSE received_total END AS received, "
                     "NULL::INTEGER AS nothing FROM mart_unit_year ORDER BY unit", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "NaN" not in result.stdout and "nan" not in result.stdout
    lines = result.stdout.splitlines()
    assert lines[-1] == "(5 rows)"
    rows = lines[2:-1]
    assert len(rows) == 5 and any("邢集镇" in r for r in rows)
    assert all(r.endswith("NULL") for r in rows)  # the all-NULL column
    assert "NULL" in next(r for r in rows if "邢集镇" in r).split()[3]

    def width(text: str) -> int:  # terminal cells, computed independently of the code under test
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    header = lines[0]
    year_at = width(header[:header.index("year")])
    for row in rows:  # the year column starts at the same terminal cell on every row
        assert width(row[:row.index("2024")]) == year_at, row


def test_query_csv_neutralises_formulas_and_leaves_null_empty(db: Path) -> None:
    result = gongkai("query", "SELECT '=HYPERLINK(\"x\")' AS f, '+1' AS g, 'plain' AS h, NULL::INTEGER AS n, 7 AS i", "--db", str(db), "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["f,g,h,n,i", "\"'=HYPERLINK(\"\"x\"\")\",'+1,plain,,7"]
    json_out = gongkai("query", "SELECT NULL::DOUBLE AS v, 2 AS n", "--db", str(db), "--format", "json")
    assert json_out.stdout.strip() == '[{"v": null, "n": 2}]'


def test_query_survives_a_closed_pipe(db: Path) -> None:
    for fmt in ("table", "csv"):
        process = subprocess.Popen([sys.executable, "-m", "gongkai.cli", "query", "SELECT * FROM range(300000)", "--db", str(db), "--format", fmt],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().strip() == b"range"  # what `| head -1` reads
        process.stdout.close()
        err = process.stderr.read().decode()
        assert process.wait(timeout=60) == 0, err
        assert err == ""


def _run_on_a_terminal(args: list[str]) -> tuple[int, str, str]:
    """Run gongkai with stderr on a pseudo-terminal, as in a person's shell; returns (code, stdout, terminal text)."""
    import pty

    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "gongkai.cli", *args], stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    out = process.stdout.read().decode() if process.stdout else ""
    return process.wait(timeout=300), out, b"".join(chunks).decode(errors="replace")


def test_ingest_and_export_show_live_progress_on_a_terminal_only(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    seeds = sorted(SAMPLES.glob("*.txt"))
    for i in range(24):  # distinct bytes, so every file is a new document
        (inbox / f"{i:03d}.txt").write_bytes(seeds[i % len(seeds)].read_bytes() + f"\n{i}\n".encode())
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    db = tmp_path / "warehouse.duckdb"
    code, out, terminal = _run_on_a_terminal(["ingest", str(inbox), "--db", str(db), "--jobs", "2"])
    assert code == 0, terminal
    assert "extracting" in terminal and "25/25" in terminal and "docs/s" in terminal and "ETA" in terminal
    assert "quarantined: 1" in terminal and "Traceback" not in terminal
    assert "loaded: 24" in out
    code, out, terminal = _run_on_a_terminal(["export", "--out", str(tmp_path / "exports"), "--db", str(db)])
    assert code == 0, terminal
    assert "exporting" in terminal and "folders/s" in terminal
    provinces = {p.name for p in (tmp_path / "exports").iterdir() if p.is_dir() and p.name not in ("parquet",)}
    groups = sum(1 for p in provinces for _ in (tmp_path / "exports" / p).iterdir())
    assert f"{groups}/{groups}" in terminal


def test_flow_commands_validate_their_numbers_too() -> None:
    for option in ("--jobs", "--batch-size", "--hosts-at-once"):
        assert_one_line(gongkai("nightly", option, "0"), Exit.USAGE, f"gongkai nightly: argument {option}: 0 is too small")


def test_ctrl_c_while_workers_extract_publishes_nothing_and_shows_no_traceback(db: Path, tmp_path: Path) -> None:
    """Ctrl-C on a terminal reaches the worker processes too; the person sees one line, nothing else."""
    import pty
    import re
    import select

    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(db, copy)
    before = sha256(copy)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    seeds = sorted(SAMPLES.glob("*.txt"))
    for i in range(60):
        (inbox / f"{i:03d}.txt").write_bytes(seeds[i % len(seeds)].read_bytes() + f"\nextra {i}\n".encode())
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "gongkai.cli", "ingest", str(inbox), "--db", str(copy), "--jobs", "2"],
                               stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                               env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "160"})
    os.close(slave)
    seen, interrupted = b"", False
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        done = [int(d) for d in re.findall(rb"(\d+)/60", seen)]
        if not interrupted and done and 0 < max(done) < 60:
            os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C: the whole process group
            interrupted = True
    os.close(master)
    code = process.wait(timeout=60)
    text = seen.decode(errors="replace")
    assert interrupted, text
    assert code == Exit.INTERRUPTED, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert "gongkai ingest: interrupted; nothing was published; the warehouse is as it was" in text
    assert sha256(copy) == before
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]


def test_nightly_refuses_a_folder_db_or_an_unwritable_exports_folder_before_it_starts(tmp_path: Path) -> None:
    target = tmp_path / "exports.txt"
    target.write_text("keep\n", encoding="utf-8")
    assert_one_line(gongkai("nightly", "--db", str(tmp_path)), Exit.DB_NOT_A_WAREHOUSE, "--db", "is a folder")
    assert_one_line(gongkai("nightly", "--exports", str(target), "--db", str(tmp_path / "w.duckdb")), Exit.OUT_NOT_A_FOLDER,
                    f"--exports {target} is a file")
    out = tmp_path / "ro"
    out.mkdir()
    undo = _make_read_only(out)
    if undo is None:
        pytest.skip("cannot make a folder read-only here")
    try:
        assert_one_line(gongkai("nightly", "--exports", str(out), "--db", str(tmp_path / "w.duckdb")), Exit.OUT_NOT_WRITABLE,
                        "cannot write to", "--exports")
    finally:
        if undo != ["chmod"]:
            subprocess.run(undo, check=True)
        out.chmod(0o755)
    assert not (tmp_path / "w.duckdb").exists() and target.read_text(encoding="utf-8") == "keep\n"
