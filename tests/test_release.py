"""`gongkai release` (issue 13 item 3): the versioned bundle and its changelog since the previous release."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from warehouse_corpus import Corpus, copy_db

from conftest import ROOT
from gongkai.ingest import ingest
from warehouse import registry
from warehouse.bulk import LONG_CSV
from warehouse.release import MANIFEST, release


@pytest.fixture(scope="module")
def releases(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, dict]:
    """Two releases of one warehouse: the second after a late report and a corrected one were ingested."""
    root = tmp_path_factory.mktemp("release")
    db = copy_db(corpus, root / "wh")
    out = root / "releases"
    first = release(db, out, today=dt.date(2025, 4, 1))
    corrected_from = next(r for r in corpus.reports if r.unit_type == "township" and r.year == 2024
                          and r.truth[("proactive.fees.amount", None)] == 0)
    text = corrected_from.path.read_text(encoding="utf-8")
    assert "行政事业性收费\t0\n" in text
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / f"corrected_{corrected_from.path.name}").write_text(text.replace("行政事业性收费\t0\n", "行政事业性收费\t1.5\n"), encoding="utf-8")
    shutil.copy(corpus.held_back.path, inbox / corpus.held_back.path.name)
    summary = ingest([inbox], db, workers=1)
    assert summary.loaded == 2, summary.lines()
    second = release(db, out, today=dt.date(2025, 4, 1))
    return db, first, second, {"corrected": corrected_from}


def test_a_release_holds_every_part_and_its_checksums(corpus: Corpus, releases) -> None:
    db, first, second, _ = releases
    assert first.name == "gongkai-2025-04-01" and second.name == "gongkai-2025-04-01-2"
    names = {p.name for p in second.iterdir()}
    assert {LONG_CSV, "parquet", "warehouse.duckdb", "data_dictionary.csv", "validation_report.md", "validation_checks.csv",
            "CHANGELOG.md", "changes_documents.csv", "changes_values.csv", "documents.csv", MANIFEST, "README.md",
            "SHA256SUMS"} <= names
    for line in (second / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((second / name).read_bytes()).hexdigest() == digest, name
    con = duckdb.connect(str(second / "warehouse.duckdb"), read_only=True)
    try:
        current = con.execute("SELECT count(*) FROM dim_document WHERE status = 'loaded'").fetchone()[0]
    finally:
        con.close()
    assert current == len(corpus.reports) + 1  # the held-back report; the corrected one replaced its original
    manifest = json.loads((second / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["warehouse"]["current_documents"] == current and manifest["changes"]["previous"] == first.name
    assert not list(second.parent.glob(".gongkai-*"))


def test_the_changelog_says_what_was_added_changed_and_superseded(corpus: Corpus, releases) -> None:
    _, first, second, extra = releases
    assert "First release" in (first / "CHANGELOG.md").read_text(encoding="utf-8")
    with open(second / "changes_documents.csv", encoding="utf-8") as fh:
        docs = list(csv.DictReader(fh))
    assert sorted(d["change"] for d in docs) == ["added", "added", "superseded"]
    superseded = next(d for d in docs if d["change"] == "superseded")
    assert superseded["unit_key"] == extra["corrected"].unit_key and superseded["previous_status"] == "loaded"
    with open(second / "changes_values.csv", encoding="utf-8") as fh:
        values = list(csv.DictReader(fh))
    changed = [v for v in values if v["change"] == "changed"]
    assert [(v["metric_id"], v["previous_amount"], v["amount"]) for v in changed] == [("proactive.fees.amount", "0.0", "1.5")]
    added = [v for v in values if v["change"] == "added"]
    assert len(added) == len(corpus.held_back.truth) and {v["unit_key"] for v in added} == {corpus.held_back.unit_key}
    changelog = (second / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "- 2 added" in changelog and "- 1 superseded" in changelog and "- 1 changed" in changelog


def test_the_dictionary_covers_the_bulk_files_and_every_registered_column(releases) -> None:
    _, _, second, _ = releases
    with open(second / "data_dictionary.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    described = {(r["table"], r["column"]) for r in rows}
    with open(second / LONG_CSV, encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert {("gongkai_values_long", c) for c in header} <= described
    assert all(r["description_zh"] for r in rows if r["table"] == "gongkai_values_long")
    assert {(t.name, c.name) for t in registry.tables().values() for c in t.columns} <= described


def test_the_validation_report_has_the_checks_and_the_assessment_findings(releases) -> None:
    db, _, second, _ = releases
    report = (second / "validation_report.md").read_text(encoding="utf-8")
    assert "| `cross_year_carry_over` |" in report
    with open(second / "validation_checks.csv", encoding="utf-8") as fh:
        checks = list(csv.DictReader(fh))
    assert checks and all(c["result"] in ("failed", "not_evaluable") for c in checks)
    con = duckdb.connect(str(db), read_only=True)
    try:
        has_assessment = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'mart_assessment'").fetchone()[0]
        not_pass = con.execute("SELECT count(*) FROM mart_assessment WHERE outcome <> 'PASS'").fetchone()[0] if has_assessment else 0
    finally:
        con.close()
    if has_assessment:
        with open(second / "assessment_findings.csv", encoding="utf-8") as fh:
            assert len(list(csv.DictReader(fh))) == not_pass
        assert "## Assessment (考核) findings" in report


def test_gongkai_release_prints_the_folder_and_the_changelog_line(corpus: Corpus, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "gongkai.cli", "release", "--db", str(corpus.db), "--out", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert Path(lines[0]).parent == tmp_path and Path(lines[0]).name.startswith("gongkai-") and "First release" in lines[1]
