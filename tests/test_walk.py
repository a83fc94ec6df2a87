"""What a folder walk reads, and file names that are not UTF-8 (issue 11 items 2 and 9, issue 12 item 8).

A real `gongkai ingest` over a folder that holds good reports next to everything a real inbox
collects: a name that is not UTF-8, GBK names from a Chinese Windows zip, a name with a newline that
tries to forge a summary line, hidden and lock files, a symlink out of the folder, a FIFO, a socket,
notes and images, and the warehouse's own files. Every good report loads; the rest is skipped and
listed, never quarantined one by one and never a crash.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLES
from gongkai.names import display_name, display_path
from gongkai.walk import NOT_REGULAR, NOT_REPORT, OUTSIDE_LINK, WAREHOUSE, classify, walk

SEEDS = sorted(SAMPLES.glob("*.txt"))
BAD_UTF8 = b"bad-\xff\xfe-name.txt"
GBK_NAME = "南昌县2024年政府信息公开工作年度报告.txt".encode("gbk")
FORGED = "evil\nquarantined: 0 in 0 groups\r\x1b[2Jname.txt"


def _ingest(folder: Path, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gongkai.cli", "ingest", str(folder), "--db", str(db), "--jobs", "2"],
                          capture_output=True, text=True, errors="surrogateescape")


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(SEEDS[0], folder / "good.txt")
    shutil.copy(SEEDS[1], folder / "sub" / "good2.txt")
    shutil.copy(SEEDS[2], os.fsdecode(os.fsencode(folder) + b"/" + BAD_UTF8))
    shutil.copy(SEEDS[3], os.fsdecode(os.fsencode(folder / "sub") + b"/" + GBK_NAME))
    shutil.copy(SEEDS[4], folder / FORGED)
    (folder / ".hidden.txt").write_text("x")
    (folder / ".git").mkdir()
    shutil.copy(SEEDS[0], folder / ".git" / "copy.txt")
    (folder / "~$报告.docx").write_bytes(b"\x00lock")
    (folder / "notes.json").write_text('{"a": 1}')
    (folder / "data.csv").write_text("a,b\n1,2\n")
    (folder / "README.md").write_text("# notes\n")
    (folder / "script.py").write_text("print(1)\n")
    (folder / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    (folder / "photo").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    secret = tmp_path / "outside.txt"
    shutil.copy(SEEDS[0], secret)
    (folder / "link-out.txt").symlink_to(secret)
    (folder / "link-out-dir").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(folder / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock.txt"))
    sock.close()
    (folder / "old.duckdb").write_bytes(b"DUCK")
    (folder / "x.duckdb.wal").write_bytes(b"WAL")
    (folder / "warehouse.duckdb.prev").write_bytes(b"PREV")
    return folder


def test_display_names_are_one_safe_line():
    assert display_name(os.fsdecode(BAD_UTF8)) == "bad-\\xff\\xfe-name.txt"
    assert display_name(os.fsdecode(GBK_NAME)) == "南昌县2024年政府信息公开工作年度报告.txt"
    shown = display_name(FORGED)
    assert "\n" not in shown and "\r" not in shown and "\x1b" not in shown and shown.startswith("evil\\x0a")
    assert display_name("报告\u202e.txt") == "报告\\u202e.txt"  # a bidi override cannot reorder the line
    shown.encode("utf-8")  # valid UTF-8: DuckDB takes it


def test_classifier_reasons(inbox: Path, tmp_path: Path):
    assert classify(inbox / "link-out.txt", inbox).reason == OUTSIDE_LINK
    assert classify(inbox / "pipe.txt", inbox).reason == NOT_REGULAR
    assert classify(inbox / "sock.txt", inbox).reason == NOT_REGULAR
    assert classify(inbox / "scan.png", inbox).reason == NOT_REPORT
    assert classify(inbox / "photo", inbox).reason == NOT_REPORT  # an image by its bytes, whatever its name
    assert classify(inbox / "old.duckdb", inbox).reason == WAREHOUSE
    assert classify(inbox / "good.txt", inbox) is None
    report_as_csv = inbox / "report.csv"
    shutil.copy(SEEDS[0], report_as_csv)  # a report saved with the wrong extension is still read
    assert classify(report_as_csv, inbox) is None
    found = walk([inbox])
    assert not any(p.name.startswith(".") or p.suffix == ".png" for p in found.files)


def test_ingest_loads_every_good_file_and_lists_the_rest(inbox: Path, tmp_path: Path):
    db = inbox / "warehouse.duckdb"  # the warehouse lives in the folder it reads: its files are never ingested
    first = _ingest(inbox, db)
    assert first.returncode == 0, first.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT source, status, error FROM dim_document ORDER BY source").fetchall()
    finally:
        con.close()
    assert [r[1] for r in rows] == ["loaded"] * 5, rows
    sources = {r[0] for r in rows}
    assert str(inbox / "good.txt") in sources and str(inbox / "sub" / "good2.txt") in sources
    assert display_path(inbox) + "/bad-\\xff\\xfe-name.txt" in sources
    assert str(inbox / "sub" / "南昌县2024年政府信息公开工作年度报告.txt") in sources
    assert any(s.endswith("evil\\x0aquarantined: 0 in 0 groups\\x0d\\x1b[2Jname.txt") for s in sources)

    out = first.stdout
    assert "quarantined: 0" in out and "forged" not in out
    assert not any(line.startswith("quarantined: 0 in 0 groups") for line in out.splitlines())
    assert "\x1b" not in out and "\r" not in out
    skipped = next(line for line in out.splitlines() if line.startswith("skipped (not read): "))
    listing = (inbox / "warehouse.duckdb.last-ingest.tsv")
    assert f"full list of quarantined and skipped files: {listing}" in out
    rows = [line.split("\t") for line in listing.read_text(encoding="utf-8").splitlines()[1:]]
    reasons = {Path(r[1]).name: r[2] for r in rows}
    for name in (".hidden.txt", ".git", "~$报告.docx", "notes.json", "data.csv", "README.md", "script.py", "scan.png",
                 "photo", "link-out.txt", "link-out-dir", "pipe.txt", "sock.txt", "old.duckdb", "x.duckdb.wal",
                 "warehouse.duckdb.prev"):
        assert name in reasons, (name, reasons)
    assert reasons["link-out.txt"].startswith(OUTSIDE_LINK) and str(tmp_path / "outside.txt") in reasons["link-out.txt"]
    assert reasons["pipe.txt"] == NOT_REGULAR and reasons["old.duckdb"] == WAREHOUSE
    assert int(skipped.split(": ")[1].split()[0]) == len(rows)

    (inbox / "late.txt").write_text(SEEDS[0].read_text(encoding="utf-8") + "\n（更新）\n", encoding="utf-8")
    second = _ingest(inbox, db)  # the warehouse, its lock and its list now sit in the folder too
    assert second.returncode == 0, second.stderr
    assert "loaded: 1 " in second.stdout and "quarantined: 0" in second.stdout
    names = {Path(line.split("\t")[1]).name for line in listing.read_text(encoding="utf-8").splitlines()[1:]}
    assert {"warehouse.duckdb", "warehouse.duckdb.lock", "warehouse.duckdb.last-ingest.tsv"} <= names


def test_quarantines_are_grouped_by_reason(tmp_path: Path):
    folder = tmp_path / "bad"
    folder.mkdir()
    shutil.copy(SEEDS[0], folder / "good.txt")
    for n in range(8):
        (folder / f"empty-{n}.pdf").write_bytes(b" " * n)
    for n in range(3):
        (folder / f"broken-{n}.pdf").write_bytes(b"%PDF-1.4\n" + b"garbage" * n)
    result = _ingest(folder, tmp_path / "warehouse.duckdb")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "quarantined by reason: 11 in 2 groups" in lines
    head = lines.index("quarantined by reason: 11 in 2 groups")
    assert lines[head + 1].startswith("  8 × the file is empty")
    assert lines[head + 2].strip() == "empty-0.pdf, empty-1.pdf, empty-2.pdf, empty-3.pdf, empty-4.pdf … and 3 more"
    assert lines[head + 3].startswith("  3 × damaged or truncated PDF") and "download" in lines[head + 3]
    listing = (tmp_path / "warehouse.duckdb.last-ingest.tsv").read_text(encoding="utf-8").splitlines()
    assert len(listing) == 1 + 11
