"""Cross-document checks (warehouse/cross_checks.py) and the prose numbers they use (transforms/prose.py)."""
from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import duckdb
from warehouse_corpus import Corpus, PROSE_OFFSET, copy_db, total

from conftest import SAMPLES
from extractors.model import Grid, Paragraph, ReadResult
from extractors.registry import read_bytes
from gongkai.ingest import ingest
from transforms.prose import parse_number, prose_values

APPLICANTS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total")


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def carry_over_rows(db: Path) -> list[tuple]:
    return query(db, """
        SELECT d.unit_key, c.year, c.applicant, c.passed, c.expected, c.reported, c.document_id
        FROM report_checks c JOIN dim_document d USING (document_id)
        WHERE c.check_id = 'cross_year_carry_over' ORDER BY ALL""")


def expected_carry_over(reports) -> list[tuple]:
    by_key = {(r.unit_key, r.year): r for r in reports}
    rows = []
    for (unit_key, year), r in by_key.items():
        last = by_key.get((unit_key, year - 1))
        if last is None:
            continue
        for a in APPLICANTS:
            reported, expected = total(r, "requests.carried_in", a), total(last, "requests.carried_forward", a)
            rows.append((unit_key, year, a, reported == expected, expected, reported))
    return sorted(rows)


def test_a_broken_carry_over_is_flagged_with_unit_year_applicant_expected_and_reported(corpus: Corpus) -> None:
    failed = query(corpus.db, """
        SELECT unit, region_code, year, applicant, expected, reported, detail FROM report_checks
        WHERE check_id = 'cross_year_carry_over' AND passed = false ORDER BY applicant""")
    victim = corpus.victim
    last_id = query(corpus.db, "SELECT document_id FROM mart_unit_year WHERE unit_key = ? AND year = ?", [victim.unit_key, victim.year - 1])[0][0]
    injected = sorted(victim.injected, key=lambda i: i["applicant"])
    assert [f[1:6] for f in failed] == [
        (victim.region_code, victim.year, i["applicant"], float(i["consistent"]), float(i["printed"])) for i in injected
    ]
    assert [i["applicant"] for i in injected] == ["natural_person", "total"]
    assert all(f[0] for f in failed)  # the unit's name is on the row
    assert all(last_id in f[6] and str(victim.year - 1) in f[6] for f in failed)  # and the report it disagrees with


def test_every_consecutive_year_pair_of_the_same_unit_is_checked_column_by_column(corpus: Corpus) -> None:
    got = [row[:6] for row in carry_over_rows(corpus.db)]
    expected = expected_carry_over(corpus.reports)
    assert got == expected
    assert len(got) == 7 * 10  # (6 townships × 2 year pairs, less the two pairs around the held-back report) × 7 columns


def test_prose_that_disagrees_with_the_table_is_flagged(corpus: Corpus) -> None:
    rows = query(corpus.db, """
        SELECT d.unit_key, c.year, c.metric_id, c.applicant, c.passed, c.expected, c.reported, c.detail
        FROM report_checks c JOIN dim_document d USING (document_id) WHERE c.check_id = 'prose_vs_table' ORDER BY ALL""")
    assert len(rows) == len(corpus.reports)  # every generated report quotes its request count
    failed = [r for r in rows if r[4] is False]
    department = corpus.department
    received = total(department, "requests.received")
    assert [f[:7] for f in failed] == [
        (department.unit_key, department.year, "requests.received", "total", False, received, received + PROSE_OFFSET)
    ]
    assert f"共收到政府信息公开申请{int(received + PROSE_OFFSET)}件" in failed[0][7]
    assert all(r[4] is True and r[5] == r[6] == total(corpus.report(r[0], r[1]), "requests.received") for r in rows if r not in failed)


def test_a_missing_year_that_arrives_later_adds_its_checks(corpus: Corpus, tmp_path: Path) -> None:
    db = copy_db(corpus, tmp_path)
    held = corpus.held_back
    before = carry_over_rows(db)
    assert not [r for r in before if r[0] == held.unit_key and r[1] in (2023, 2024)]
    arrived = tmp_path / held.path.name
    shutil.copy(held.path, arrived)
    summary = ingest([arrived], db, workers=1)
    assert summary.loaded == 1
    after = carry_over_rows(db)
    new = [r[:6] for r in after if r[0] == held.unit_key and r[1] in (2023, 2024)]
    assert new == [r for r in expected_carry_over([*corpus.reports, held]) if r[0] == held.unit_key and r[1] in (2023, 2024)]
    assert len(new) == 14 and all(r[3] for r in new)
    assert len(after) == len(before) + 14


def test_a_corrected_report_replaces_the_failing_carry_over_rows(corpus: Corpus, tmp_path: Path) -> None:
    db = copy_db(corpus, tmp_path)
    victim = corpus.victim
    consistent = {i["applicant"]: i["consistent"] for i in victim.injected}
    lines = victim.path.read_text(encoding="utf-8").split("\n")
    row = next(i for i, line in enumerate(lines) if "上年结转政府信息公开申请数量" in line)
    cells = lines[row].split("\t")
    for offset, applicant in enumerate(APPLICANTS):
        if applicant in consistent:
            position = len(cells) - len(APPLICANTS) + offset
            assert unicodedata.normalize("NFKC", cells[position]) != consistent[applicant]
            cells[position] = consistent[applicant]
    lines[row] = "\t".join(cells)
    corrected = tmp_path / f"{victim.name}-corrected.txt"
    corrected.write_text("\n".join(lines), encoding="utf-8")
    old_id = query(db, "SELECT document_id FROM mart_unit_year WHERE unit_key = ? AND year = ?", [victim.unit_key, victim.year])[0][0]

    summary = ingest([corrected], db, workers=1)

    assert summary.loaded == 1 and summary.superseded == 1
    rows = [r for r in carry_over_rows(db) if r[0] == victim.unit_key and r[1] == victim.year]
    assert len(rows) == 7 and all(r[3] is True for r in rows) and old_id not in {r[6] for r in rows}
    assert query(db, "SELECT count(*) FROM fact_check WHERE document_id = ? AND check_id = 'cross_year_carry_over'", [old_id]) == [(0,)]
    assert query(db, "SELECT count(*) FROM report_checks WHERE check_id = 'cross_year_carry_over' AND passed = false") == [(0,)]


def test_prose_numbers_are_read_from_the_overview_section_of_real_layouts() -> None:
    found = {}
    for path in sorted(SAMPLES.glob("*.txt")):
        read = read_bytes(path.read_bytes(), path.name)
        found[path.name[:3]] = [(p.metric_id, p.applicant, p.value, p.source_ref) for p in prose_values(read)]
    assert found == {
        "000": [("requests.received", "total", 0.0, "line 15")],  # 我镇今年无依申请公开事项
        "001": [],  # says nothing countable
        "002": [("requests.received", "total", 4.0, "line 15")],  # 共受理政府信息公开申请数量 4 件
        "003": [("requests.received", "total", 0.0, "line 11")],  # 收到并处理的政府信息公开申请情况为 0
        "004": [("requests.received", "total", 2.0, "line 15")],  # 我镇收到政府信息公开申请2条
    }


def test_prose_outside_the_overview_and_after_a_line_break() -> None:
    read = ReadResult("text", [
        Paragraph("某镇2024年政府信息公开工作年度报告", "line 1"),
        Paragraph("一、总体情况", "line 2"),
        Paragraph("全年共受理政府信息公开申请", "line 3"),
        Paragraph("十二件，均按时答复。", "line 4"),
        Paragraph("二、主动公开政府信息情况", "line 5"),
        Grid([], "t1"),
        Paragraph("收到政府信息公开申请99件", "line 9"),
    ])
    assert [(p.value, p.source_ref) for p in prose_values(read)] == [(12.0, "line 3")]
    assert [parse_number(t) for t in ("3119", "两", "十", "二十一", "一百零五", "〇")] == [3119, 2, 10, 21, 105, 0]
