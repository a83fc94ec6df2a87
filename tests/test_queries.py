"""The docs: every example query of docs/queries.md answers its question on the generated corpus,
docs/warehouse.md describes every table, view and mart column, and docs/connect.md's read-only
connection behaves as it says across an ingest."""
from __future__ import annotations

import csv
import json
import re
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from warehouse_corpus import PROSE_OFFSET, Corpus, copy_db, total

from conftest import ROOT
from gongkai.ingest import ingest

DOCS = ROOT / "docs"
QUERY = re.compile(r"```sql\n-- query: (\w+)\n(.*?)```", re.S)
REASONS = ["state_secret", "prohibited_by_law", "security_stability", "third_party", "internal_affairs", "process_info",
           "enforcement_files", "admin_query"]
TESTED = {"requests_per_county", "denials_by_reason_per_province", "units_with_failed_checks", "failed_checks_by_county",
          "townships_without_report", "coverage_per_county", "yoy_received_per_county", "yoy_received_per_unit",
          "units_by_type", "provenance_of_received",
          # run on the assessment corpus by tests/test_assessment.py
          "assessment_scores_in_county", "assessment_findings", "late_reports", "assessment_league", "copied_from_last_year"}


@pytest.fixture(scope="module")
def run(corpus: Corpus):
    queries = dict(QUERY.findall((DOCS / "queries.md").read_text(encoding="utf-8")))
    con = duckdb.connect(str(corpus.db), read_only=True)

    def execute(name: str) -> list[tuple]:
        return con.execute(queries[name]).fetchall()

    yield execute
    con.close()


def names(corpus: Corpus) -> dict[str, tuple[str, str]]:
    """county code -> (county name, province name), from the generator's meta and admin_divisions."""
    out = {}
    for meta in (corpus.root / "generated").glob("*.meta.json"):
        m = json.loads(meta.read_text(encoding="utf-8"))
        out[m["county_code"]] = m["county"]
    with open(ROOT / "data" / "admin_divisions" / "provinces.csv", encoding="utf-8", newline="") as fh:
        provinces = {row["code"]: row["name"] for row in csv.DictReader(fh)}
    return {c: (n, provinces[c[:2]]) for c, n in out.items()}


def test_every_query_in_the_docs_is_tested() -> None:
    found = QUERY.findall((DOCS / "queries.md").read_text(encoding="utf-8"))
    assert {name for name, _ in found} == TESTED
    assert len(found) == len(TESTED)


def test_requests_per_county(corpus: Corpus, run) -> None:
    where = names(corpus)
    expected = []
    for county, (county_name, province) in where.items():
        reports = [r for r in corpus.reports if r.county_code == county and r.year == 2024]
        expected.append((province, county_name, county, len(reports), len(reports), sum(total(r, "requests.received") for r in reports)))
    assert run("requests_per_county") == sorted(expected)


def test_denials_by_reason_per_province(corpus: Corpus, run) -> None:
    where = names(corpus)
    sums: dict[tuple[str, int, str], float] = defaultdict(float)
    for r in corpus.reports:
        for reason in REASONS:
            sums[(where[r.county_code][1], r.year, f"denied_{reason}_total")] += total(r, f"requests.denied.{reason}")
    got = run("denials_by_reason_per_province")
    assert [(p, y, m, d) for p, y, m, _, d, _ in got] == sorted((p, y, m, d) for (p, y, m), d in sums.items())
    for province, year, measure, reason, denied, share in got:
        all_denied = sum(v for (p, y, _), v in sums.items() if (p, y) == (province, year))
        assert share == (pytest.approx(denied / all_denied) if all_denied else None)
        assert reason.startswith("不予公开·")
    assert any(share for *_, share in got)  # the corpus has denials to share out
    shares = defaultdict(float)
    for province, year, *_, share in got:
        shares[(province, year)] += share or 0
    assert all(v == pytest.approx(1.0) or v == 0 for v in shares.values())


def test_units_with_failed_checks(corpus: Corpus, run) -> None:
    victim, department = corpus.victim, corpus.department
    received = total(department, "requests.received")
    got = run("units_with_failed_checks")
    assert [row[1:7] for row in got] == [
        *[(victim.region_code, victim.year, "cross_year_carry_over", i["applicant"], float(i["printed"]), float(i["consistent"]))
          for i in sorted(victim.injected, key=lambda i: i["applicant"])],
        (department.county_code, department.year, "prose_vs_table", "total", received + PROSE_OFFSET, received),
    ]
    assert got[2][0] == department.unit


def test_failed_checks_by_county(corpus: Corpus, run) -> None:
    where = names(corpus)
    victim, department = corpus.victim, corpus.department
    pairs = sum(1 for r in corpus.reports if r.county_code == victim.county_code and r.year == victim.year
                and any(p.unit_key == r.unit_key and p.year == r.year - 1 for p in corpus.reports))
    prose = sum(1 for r in corpus.reports if r.county_code == department.county_code and r.year == department.year)
    assert run("failed_checks_by_county") == sorted([
        (*reversed(where[victim.county_code]), victim.year, "cross_year_carry_over", 2, 7 * pairs, 0, 1),
        (*reversed(where[department.county_code]), department.year, "prose_vs_table", 1, prose, 0, 1),
    ])


def test_townships_without_report(corpus: Corpus, run) -> None:
    where = names(corpus)
    reported = {r.region_code for r in corpus.reports if r.year == 2023 and r.unit_type == "township"}
    expected = sorted(
        ((where[county][1], where[county][0], name, code)
         for county, towns in corpus.townships_by_county.items() for code, name in towns.items() if code not in reported),
        key=lambda row: (row[0], row[1], row[3]),
    )
    got = run("townships_without_report")
    assert got == expected
    assert corpus.held_back.region_code in {row[3] for row in got}
    assert len(got) == sum(len(t) for t in corpus.townships_by_county.values()) - 5  # 6 township reports in 2023, one held back


def test_coverage_per_county(corpus: Corpus, run) -> None:
    where = names(corpus)
    rows = run("coverage_per_county")
    expected = []
    for county, towns in corpus.townships_by_county.items():
        for year in (2022, 2023, 2024):
            reporting = sum(1 for r in corpus.reports if r.unit_type == "township" and r.county_code == county and r.year == year)
            expected.append((*reversed(where[county]), year, len(towns), reporting, len(towns) - reporting,
                             round(100 * reporting / len(towns), 1)))
    assert rows == sorted(expected)


def test_yoy_received_per_county(corpus: Corpus, run) -> None:
    where = names(corpus)
    expected = []
    for county in corpus.townships_by_county:
        this = [r for r in corpus.reports if r.county_code == county and r.year == 2024]
        last = [r for r in corpus.reports if r.county_code == county and r.year == 2023]
        now, before = sum(total(r, "requests.received") for r in this), sum(total(r, "requests.received") for r in last)
        expected.append((where[county][0], county, now, before, now - before,
                         round(100 * (now - before) / before, 1) if before else None, len(this), len(last)))
    assert run("yoy_received_per_county") == sorted(expected)


def test_yoy_received_per_unit(corpus: Corpus, run) -> None:
    by_key = {(r.unit_key, r.year): r for r in corpus.reports}
    expected = []
    for (unit_key, year), r in by_key.items():
        last = by_key.get((unit_key, year - 1))
        if last and total(r, "requests.received") != total(last, "requests.received"):
            now, before = total(r, "requests.received"), total(last, "requests.received")
            expected.append((unit_key, year, before, now, now - before))
    got = run("yoy_received_per_unit")
    assert [(k, y, p, v, c) for k, _, y, p, v, c in got] == sorted(expected)
    assert expected  # the corpus has changes to show


def test_units_by_type(corpus: Corpus, run) -> None:
    where = names(corpus)
    groups: dict[tuple, list] = defaultdict(list)
    for r in corpus.reports:
        groups[(*reversed(where[r.county_code]), r.unit_type)].append(r.unit_key)
    zh = {"township": "乡镇（街道）", "county": "县级政府", "department": "部门"}
    assert run("units_by_type") == sorted((p, c, t, zh[t], len(set(keys)), len(keys)) for (p, c, t), keys in groups.items())


def test_provenance_of_received(corpus: Corpus, run) -> None:
    got = run("provenance_of_received")
    reports = {str(r.path): r for r in corpus.reports if r.year == 2024}
    assert len(got) == len(reports) == 8
    for unit, year, value, semantic, raw, ref, source in got:
        assert value == total(reports[source], "requests.received")
        assert semantic == ("zero" if value == 0 else "number") and raw and ref.startswith("line ")


def test_warehouse_doc_describes_every_table_view_and_column(corpus: Corpus) -> None:
    text = (DOCS / "warehouse.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### ([^\n]+)\n(.*?)(?=^##|\Z)", text, re.S | re.M))
    con = duckdb.connect(str(corpus.db), read_only=True)
    try:
        columns = con.execute("SELECT table_name, column_name FROM information_schema.columns ORDER BY table_name, ordinal_position").fetchall()
        measures = [m for (m,) in con.execute("SELECT DISTINCT measure FROM mart_measures").fetchall()]
    finally:
        con.close()
    missing = []
    for table, column in columns:
        section = next((body for heading, body in sections.items() if table in heading.split(", ")), None)
        if section is None or (f"`{column}`" not in section and not (column in measures and "measure columns" in section)):
            missing.append(f"{table}.{column}")
    assert missing == []
    measure_list = text[text.index("Measure columns (in this order)"):]
    assert all(f"`{m}`" in measure_list for m in measures)
    for check_id in ("identity_1_balance", "identity_2_outcomes", "identity_3_row_total", "identity_4_review",
                     "identity_4_litigation_direct", "identity_4_litigation_after_review", "cross_year_carry_over", "prose_vs_table"):
        assert f"`{check_id}`" in text
    for semantic in ("number", "zero", "blank", "na", "inferred", "missing", "text"):
        assert f"| `{semantic}` |" in text


def test_a_read_only_connection_keeps_its_version_until_it_reconnects(corpus: Corpus, tmp_path: Path) -> None:
    """docs/connect.md: readers never block the load and see new data after reconnecting."""
    db = copy_db(corpus, tmp_path)
    reader = duckdb.connect(str(db), read_only=True)
    before = reader.execute("SELECT count(*) FROM mart_unit_year").fetchone()[0]
    arrived = tmp_path / corpus.held_back.path.name
    shutil.copy(corpus.held_back.path, arrived)
    summary = ingest([arrived], db, workers=1)  # while the reader is open
    assert summary.loaded == 1
    assert reader.execute("SELECT count(*) FROM mart_unit_year").fetchone()[0] == before
    with pytest.raises(duckdb.Error):
        reader.execute("CREATE TABLE scratch (x INTEGER)")
    reader.close()
    reader = duckdb.connect(str(db), read_only=True)
    assert reader.execute("SELECT count(*) FROM mart_unit_year").fetchone()[0] == before + 1
    reader.close()
