"""The corrections overlay: applied at every publish, keyed by sha256 + cell, flagged (never applied) when stale.

Real ingests of a committed sample report into real DuckDB files; the corrections file is a real CSV.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import SAMPLES

from gongkai.ingest import ingest
from warehouse.corrections import (
    Correction, CorrectionError, append_corrections, cell_correction, now, read_corrections, store_replacement,
)

SAMPLE = SAMPLES / "002_c369d243f08fde9e.txt"  # 承留镇 2024, received total 4
SHA = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
CELL = ("requests.received", "total")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "corrections" / "corrections.csv"
    monkeypatch.setenv("GONGKAI_CORRECTIONS", str(path))
    return path


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / SAMPLE.name)
    return folder


def value_row(old: str, new: str, who: str = "王科员", why: str = "镇政府电话核实", cell=CELL, sha: str = SHA) -> Correction:
    return Correction(now(), who, why, "value", sha, cell[0], cell[1], old, new)


def one(db: Path, sql: str, params: list | None = None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def cell(db: Path, sha: str = SHA, metric_id: str = CELL[0], applicant: str | None = CELL[1]):
    return one(db, """SELECT v.value, v.value_semantic, v.extracted_value, v.extracted_semantic FROM fact_value v
                      JOIN dim_document d USING (document_id) WHERE d.sha256 = ? AND v.metric_id = ?
                      AND v.applicant IS NOT DISTINCT FROM ?""", [sha, metric_id, applicant])[0]


def statuses(db: Path) -> list[tuple]:
    return one(db, "SELECT correction_no, kind, status, detail FROM report_corrections ORDER BY correction_no")


def test_a_correction_is_applied_at_publish_and_the_marts_use_it(store: Path, inbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    ingest([inbox], db, workers=1)
    assert cell(db)[:2] == (4.0, "number")
    append_corrections(store, [value_row("4", "7")])
    summary = ingest([inbox], db, workers=1)  # nothing new but the store changed: publishes
    assert summary.unchanged == 1
    assert cell(db) == (7.0, "corrected", 4.0, "number")
    assert one(db, "SELECT received_total FROM mart_unit_year")[0][0] == 7.0
    rows = one(db, "SELECT who, why, status, old_value, new_value, unit, metric_label FROM report_corrections")
    assert rows == [("王科员", "镇政府电话核实", "applied", 4.0, 7.0, "承留镇人民政府", "一、本年新收政府信息公开申请数量")]


def test_a_correction_survives_a_rebuild_from_scratch(store: Path, inbox: Path, tmp_path: Path) -> None:
    append_corrections(store, [value_row("4", "7")])
    first, second = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    ingest([inbox], first, workers=1)
    ingest([inbox], second, workers=1)  # a new warehouse: no row ids in common, same sha256 + cell
    assert cell(first)[:2] == cell(second)[:2] == (7.0, "corrected")
    ingest([inbox], first, workers=1)  # publish again with nothing new: not applied twice, still 4 beside it
    assert cell(first) == (7.0, "corrected", 4.0, "number")


def test_a_correction_whose_old_value_no_longer_matches_is_flagged_not_applied(store: Path, inbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    append_corrections(store, [value_row("5", "7")])  # the person saw 5; the extraction now says 4
    ingest([inbox], db, workers=1)
    assert cell(db)[:2] == (4.0, "number")
    [(_, _, status, detail)] = statuses(db)
    assert status == "stale" and "now 4" in detail and "was 5" in detail


def test_a_correction_of_a_superseded_document_is_flagged(store: Path, inbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    append_corrections(store, [value_row("4", "7")])
    ingest([inbox], db, workers=1)
    assert statuses(db)[0][2] == "applied"
    newer = inbox / "承留镇-重新发布.txt"
    newer.write_bytes(SAMPLE.read_bytes() + "\n（重新发布）\n".encode())  # same unit and year, other bytes
    ingest([inbox], db, workers=1)
    [(_, _, status, detail)] = statuses(db)
    assert status == "stale" and "superseded by" in detail
    assert cell(db)[:2] == (4.0, "number")  # the old document's overlay was undone
    new_sha = hashlib.sha256(newer.read_bytes()).hexdigest()
    assert cell(db, new_sha)[:2] == (4.0, "number")  # nothing carried over to the new report silently


def test_the_newest_correction_of_a_cell_counts(store: Path, inbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    append_corrections(store, [value_row("4", "7"), value_row("4", "6", who="李科长", why="复核")])
    ingest([inbox], db, workers=1)
    assert cell(db)[0] == 6.0
    assert [s[2] for s in statuses(db)] == ["superseded", "applied"]


def test_a_correction_for_a_document_not_in_the_warehouse_is_listed_as_missing(store: Path, inbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    append_corrections(store, [value_row("4", "7", sha="ab" * 32)])
    ingest([inbox], db, workers=1)
    assert statuses(db)[0][2] == "missing"
    assert cell(db)[:2] == (4.0, "number")


def test_a_cell_the_document_does_not_have_is_flagged(store: Path, inbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    append_corrections(store, [value_row("", "3", cell=("requests.received", "no_such_applicant"))])
    ingest([inbox], db, workers=1)
    assert statuses(db)[0][2:] == ("stale", "the document has no such cell (metric_id, applicant)")


def test_accept_inferred_and_a_picked_split_mark_the_cells_corrected(store: Path, inbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    ingest([inbox], db, workers=1)
    con = duckdb.connect(str(db), read_only=True)
    try:
        document_id = con.execute("SELECT document_id FROM dim_document").fetchone()[0]
        rows = [cell_correction(con, document_id, "requests.received", a, v, "赵", "拆分 2|2", kind="pick_split")
                for a, v in (("natural_person", "2"), ("commercial", "2"))]
    finally:
        con.close()
    assert [r.old_value for r in rows] == ["4", "0"]  # what the person saw, read from the warehouse
    append_corrections(store, rows)
    ingest([inbox], db, workers=1)
    assert {s[2] for s in statuses(db)} == {"applied"}
    assert cell(db, metric_id="requests.received", applicant="natural_person") == (2.0, "corrected", 4.0, "number")
    assert cell(db, metric_id="requests.received", applicant="commercial") == (2.0, "corrected", 0.0, "zero")


def test_not_a_report_and_a_replacement_file(store: Path, inbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    junk = inbox / "通知.txt"
    junk.write_text("关于召开会议的通知\n请各单位准时参加。\n", encoding="utf-8")
    ingest([inbox], db, workers=1)
    junk_sha = hashlib.sha256(junk.read_bytes()).hexdigest()
    assert one(db, "SELECT status FROM dim_document WHERE sha256 = ?", [junk_sha]) == [("quarantined",)]
    append_corrections(store, [Correction(now(), "王", "会议通知，不是年度报告", "not_report", junk_sha)])
    ingest([inbox], db, workers=1)
    assert one(db, "SELECT status FROM dim_document WHERE sha256 = ?", [junk_sha]) == [("not_report",)]
    # a replacement for a quarantined file: stored beside the store, ingested with the next run
    broken = inbox / "损坏.txt"
    broken.write_text("2024年政府信息公开工作年度报告\n（表格缺失）\n", encoding="utf-8")
    ingest([inbox], db, workers=1)
    broken_sha = hashlib.sha256(broken.read_bytes()).hexdigest()
    assert one(db, "SELECT status FROM dim_document WHERE sha256 = ?", [broken_sha]) == [("quarantined",)]
    replacement = SAMPLES / "003_8a17ea6710060b57.txt"
    new_sha, name = store_replacement(store, replacement.read_bytes(), ".txt")
    append_corrections(store, [Correction(now(), "王", "单位重新发来的完整文件", "replacement", broken_sha, file=name)])
    ingest([inbox], db, workers=1)
    assert one(db, "SELECT status FROM dim_document WHERE sha256 = ?", [broken_sha]) == [("replaced",)]
    assert one(db, "SELECT status FROM dim_document WHERE sha256 = ?", [new_sha]) == [("loaded",)]
    assert [s[2] for s in statuses(db)] == ["applied", "applied"]


def test_a_not_report_mark_on_a_document_that_now_loads_is_flagged(store: Path, inbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    append_corrections(store, [Correction(now(), "王", "以为不是报告", "not_report", SHA)])
    ingest([inbox], db, workers=1)
    assert statuses(db)[0][2] == "stale"
    assert one(db, "SELECT status FROM dim_document") == [("loaded",)]


@pytest.mark.parametrize("row, message", [
    (Correction("t", "", "why", "value", SHA, "m", "", "1", "2"), "name"),
    (Correction("t", "me", "why", "value", SHA, "m", "", "1", "-3"), "not a number"),
    (Correction("t", "me", "why", "value", SHA, "m", "", "1", "abc"), "not a number"),
    (Correction("t", "me", "why", "guess", SHA), "unknown kind"),
    (Correction("t", "me", "why", "value", "x" * 64, "m", "", "1", "2"), "sha256"),
])
def test_bad_corrections_are_refused_with_the_fix(store: Path, row: Correction, message: str) -> None:
    with pytest.raises(CorrectionError, match=message):
        append_corrections(store, [row])
    assert read_corrections(store) == []


def test_the_export_lists_corrections_with_who_and_why(store: Path, inbox: Path, tmp_path: Path) -> None:
    import csv

    from warehouse.export import export

    db = tmp_path / "w.duckdb"
    append_corrections(store, [value_row("4", "7")])
    ingest([inbox], db, workers=1)
    written = export(db, tmp_path / "out")
    sheet = next(p for p in written if p.name == "更正记录.csv")
    with open(sheet, encoding="utf-8-sig", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert (row["更正人(who)"], row["更正原因(why)"], row["状态(status)"], row["更正值(new_value)"], row["原提取值(old_value)"]) == (
        "王科员", "镇政府电话核实", "已应用(applied)", "7.0", "4.0")
    long = next(p for p in written if p.name == "明细长表.csv")
    with open(long, encoding="utf-8-sig", newline="") as fh:
        received = [r for r in csv.DictReader(fh) if r["指标编号(metric_id)"] == "requests.received" and r["申请人类型编号(applicant)"] == "total"]
    assert [(r["数值(value)"], r["值类型(value_semantic)"]) for r in received] == [("7.0", "更正")]
