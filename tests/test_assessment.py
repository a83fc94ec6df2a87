"""The annual assessment (warehouse/assessment.py) on a generated corpus with planted findings.

Every expected outcome comes from the plan of tests/assessment_corpus.py, the truth files and
data/admin_divisions, never from the warehouse: each planted finding is reported with its
evidence, no clean unit FAILs, and scores, ranks and the league follow from the rule pack.
"""
from __future__ import annotations

import csv
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from assessment_corpus import JUMP, STOCK_OFFSET, AssessmentCorpus, build

from conftest import ROOT
from flows.sources import SourcesError, load_sources
from warehouse.assessment import apply_config
from warehouse.assessment_config import (DEFAULT_DEADLINES, DEFAULT_RULES, AssessmentConfigError, config_from_sources,
                                         read_deadlines, read_rules)

RULES = {r["rule_id"]: r for r in read_rules(DEFAULT_RULES)}
PLANTED = {  # finding -> (rule, outcome, words the evidence must hold)
    "late": ("on_time", "FAIL", ["2024-05-20", "2024-03-31", "逾期 50 天"]),
    "signed_late": ("on_time", "FAIL", ["2025-04-10", "2025-03-31"]),
    "undated": ("on_time", "UNCERTAIN", ["未找到发布日期"]),
    "no_section": ("sections", "FAIL", ["缺少：六"]),
    "copied_previous": ("similar_previous", "FAIL", ["本单位上年报告"]),
    "copied_peer": ("similar_peer", "FAIL", ["本报告发布在后"]),
    "repeated_tables": ("tables_repeated", "FAIL", ["2022 年", "2023 年", "完全相同"]),
    "stock": ("stock_rule", "FAIL", ["行政规范性文件", "≠"]),
    "wrong_template": ("template", "FAIL", ["2019 年版", "适用 2021 年版"]),
    "missing": ("published", "FAIL", ["未找到"]),
    "changed": ("changed", "FAIL", ["2 个版本", "已被替换", "现行"]),
    "jump": ("jump_history", "FAIL", ["本年新收申请", "倍"]),
}
TRUTH_RULES = {"carry_over", "stock_rule", "prose_vs_table"}  # their expected outcome follows from the truth


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> AssessmentCorpus:
    return build(tmp_path_factory.getbasetemp() / "assessment_corpus")


@pytest.fixture
def con(corpus: AssessmentCorpus):
    connection = duckdb.connect(str(corpus.db), read_only=True)
    yield connection
    connection.close()


def outcomes(con) -> dict[tuple[str, int, str], tuple]:
    rows = con.execute("SELECT unit_key, year, rule_id, outcome, measured, document_id, other_document_id, evidence FROM mart_assessment").fetchall()
    return {(u, y, r): rest for u, y, r, *rest in rows}


def townships(county_codes: list[str]) -> set[str]:
    with open(ROOT / "data" / "admin_divisions" / "streets.csv", encoding="utf-8", newline="") as fh:
        return {row["code"] for row in csv.DictReader(fh) if row["areaCode"] in county_codes}


def test_every_planted_finding_is_reported_with_its_evidence(corpus: AssessmentCorpus, con) -> None:
    got = outcomes(con)
    ids = dict(con.execute("SELECT unit_key || ':' || year, document_id FROM dim_document WHERE status = 'loaded'").fetchall())
    for finding, (rule, outcome, words) in PLANTED.items():
        unit, year = corpus.plants[finding]
        found, measured, document, other, evidence = got[(unit, year, rule)]
        assert found == outcome, (finding, evidence)
        assert all(w in evidence for w in words), (finding, evidence)
        if finding != "missing":
            assert document == ids[f"{unit}:{year}"], finding
    assert got[(*corpus.plants["late"], "on_time")][1] == 50
    assert got[(*corpus.plants["signed_late"], "on_time")][1] == 10  # at least 10 days late
    assert got[(*corpus.plants["stock"], "stock_rule")][1] == STOCK_OFFSET
    assert got[(*corpus.plants["repeated_tables"], "tables_repeated")][1] == 3
    unit, year = corpus.plants["jump"]
    before = corpus.reports[(unit, year - 1)].truth[("requests.received", "total")]
    after = corpus.reports[(unit, year)].truth[("requests.received", "total")]
    assert after >= JUMP and got[(unit, year, "jump_history")][1] == after - before
    assert got[(unit, year, "identities")][0] == "PASS" and got[(unit, year, "prose_vs_table")][0] == "PASS"
    unit, year = corpus.plants["copied_previous"]
    assert got[(unit, year, "similar_previous")][3] == ids[f"{unit}:{year - 1}"] and got[(unit, year, "similar_previous")][1] > 90
    assert got[(*corpus.plants["copied_peer"], "similar_peer")][3] == ids["%s:%d" % corpus.plants["peer_source"]]
    # the neighbour who was copied published first: not at fault
    assert got[(*corpus.plants["peer_source"], "similar_peer")][0] == "PASS"
    first = con.execute("SELECT document_id FROM dim_document WHERE source = ?", [str(corpus.first_version.path)]).fetchone()[0]
    changed = got[(*corpus.plants["changed"], "changed")]
    assert changed[3] == first and first in changed[4] and "2024-02-" in changed[4] and "2024-03-05" in changed[4]
    for rule in RULES:  # a missing report: published FAILs, nothing else can be assessed
        if rule != "published":
            assert got[(*corpus.plants["missing"], rule)][0] == "NOT_ASSESSABLE"


def test_no_clean_unit_fails_and_consistency_follows_the_truth(corpus: AssessmentCorpus, con) -> None:
    got = outcomes(con)
    planted = {corpus.plants[f] for f in PLANTED} | {(corpus.plants["repeated_tables"][0], 2023)}
    for (unit, year), report in corpus.reports.items():
        for rule in RULES:
            outcome = got[(unit, year, rule)][0]
            if rule in TRUTH_RULES:
                continue
            if (unit, year) not in planted:
                assert outcome != "FAIL", (unit, year, rule, got[(unit, year, rule)][3])
    for (unit, year), report in corpus.reports.items():
        prev = corpus.reports.get((unit, year - 1))
        expected = "NOT_ASSESSABLE"
        if prev and ("proactive.normative_docs.in_force", None) in report.truth and ("proactive.normative_docs.in_force", None) in prev.truth:
            ok = all(report.truth[(f"proactive.{k}.in_force", None)] == prev.truth[(f"proactive.{k}.in_force", None)]
                     + report.truth[(f"proactive.{k}.issued", None)] - report.truth[(f"proactive.{k}.repealed", None)]
                     for k in ("rules", "normative_docs"))
            expected = "PASS" if ok else "FAIL"
        assert got[(unit, year, "stock_rule")][0] == expected, (unit, year)
        expected = "NOT_ASSESSABLE"
        if prev:
            ok = all(report.truth[("requests.carried_in", a)] == prev.truth[("requests.carried_forward", a)]
                     for a in ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total"))
            expected = "PASS" if ok else "FAIL"
        assert got[(unit, year, "carry_over")][0] == expected, (unit, year)
    fails = {(u, y) for (u, y, r), v in got.items() if r == "stock_rule" and v[0] == "FAIL"}
    assert corpus.plants["stock"] in fails  # and the repeated tables break it too (2022's stock printed again)


def test_publication_dates_and_days_late(corpus: AssessmentCorpus, con) -> None:
    rows = {(u, y): (p, s, d, late) for u, y, p, s, d, late in con.execute(
        "SELECT unit_key, year, published_on, published_source, deadline, days_late FROM mart_assessment_score WHERE published").fetchall()}
    assert set(rows) == set(corpus.reports)
    for key, report in corpus.reports.items():
        published, source, deadline, late = rows[key]
        assert deadline == date(report.year + 1, 3, 31)
        assert published == report.published, key
        if report.published:
            assert source == "archive_header" and late == (report.published - deadline).days
        else:
            assert source is None and late is None
    signature = dict(con.execute("SELECT d.unit_key || ':' || d.year, p.published_on FROM fact_pubdate p JOIN dim_document d USING (document_id) "
                                 "WHERE p.source = 'signature' AND d.status = 'loaded'").fetchall())
    for (unit, year), report in corpus.reports.items():
        assert signature.get(f"{unit}:{year}") == report.signed


def test_missing_reports_are_every_expected_township_without_one(corpus: AssessmentCorpus, con) -> None:
    expected = townships(corpus.counties)
    got = {(u, y): o for u, y, o in con.execute("SELECT unit_key, year, outcome FROM assessment_outcome WHERE rule_id = 'published'").fetchall()}
    assert set(got) == {(t, y) for t in expected for y in (2022, 2023, 2024)}
    for (unit, year), outcome in got.items():
        assert outcome == ("PASS" if (unit, year) in corpus.reports else "FAIL"), (unit, year)
    assert got[corpus.plants["missing"]] == "FAIL"


def test_scores_ranks_and_league_follow_the_rule_pack(corpus: AssessmentCorpus, con) -> None:
    got = outcomes(con)
    score = {(u, y): s for u, y, s in con.execute("SELECT unit_key, year, score FROM mart_assessment_score").fetchall()}
    for (unit, year), value in score.items():
        lost = sum(RULES[r]["points"] for (u, y, r), v in got.items() if (u, y) == (unit, year) and v[0] == "FAIL")
        assert value == pytest.approx(lost)
    assert score[corpus.plants["late"]] == RULES["on_time"]["points"]
    assert score[corpus.plants["missing"]] == RULES["published"]["points"]
    for county in corpus.counties:
        ranked = con.execute("SELECT score, county_rank, county_units, county_percentile FROM mart_assessment_score "
                             "WHERE county_code = ? AND year = 2024 ORDER BY county_rank", [county]).fetchall()
        assert ranked[0][1] == 1 and ranked[0][3] == 100 and all(n == len(ranked) for _, _, n, _ in ranked)
        assert [s for s, *_ in ranked] == sorted((s for s, *_ in ranked), reverse=True)
    league = {(c, y): rest for c, y, *rest in con.execute(
        "SELECT region_code, year, expected_units, published_units, coverage_pct, on_time_units, late_units, undated_units, average_score "
        "FROM mart_league WHERE level = 'county'").fetchall()}
    for county in corpus.counties:
        n = len(townships([county]))
        for year in (2022, 2023, 2024):
            reports = [r for (u, y), r in corpus.reports.items() if y == year and r.county_code == county]
            expected_units, published, coverage, on_time, late, undated, average = league[(county, year)]
            assert (expected_units, published) == (n, len(reports))
            assert coverage == pytest.approx(round(100 * len(reports) / n, 1))
            dated = [r for r in reports if r.published]
            assert late == sum(r.published > date(year + 1, 3, 31) for r in dated) + sum(
                bool(r.published is None and r.signed and r.signed > date(year + 1, 3, 31)) for r in reports)
            assert on_time + late + undated == len(reports)
            assert average == pytest.approx(round(sum(v for (u, y), v in score.items() if y == year and u[:6] == county) / n, 2))


def test_peers_are_not_compared_below_thirty(con) -> None:
    rows = con.execute("SELECT DISTINCT outcome, evidence LIKE '%少于 30 个%' FROM assessment_outcome WHERE rule_id = 'jump_peers' "
                       "AND document_id IS NOT NULL").fetchall()
    assert rows == [("NOT_ASSESSABLE", True)]


QUERY = re.compile(r"```sql\n-- query: (\w+)\n(.*?)```", re.S)


@pytest.fixture
def query(con):
    queries = dict(QUERY.findall((ROOT / "docs" / "queries.md").read_text(encoding="utf-8")))
    return lambda name: con.execute(queries[name]).fetchall()


def test_the_documented_assessment_queries_answer_their_questions(corpus: AssessmentCorpus, query) -> None:
    county = corpus.counties[0]
    assert county == "210702"  # the docs name it
    scores = query("assessment_scores_in_county")
    assert len(scores) == len(townships([county]))
    assert [r[5] for r in scores] == sorted(r[5] for r in scores) and scores[0][5] == 1
    assert sum(r[3] for r in scores) == sum(1 for (u, y) in corpus.reports if y == 2024 and u[:6] == county)
    findings = query("assessment_findings")
    late_unit = corpus.reports[corpus.plants["late"]].unit
    assert any(unit == late_unit and rule == "on_time" and outcome == "FAIL" and "逾期 50 天" in evidence
               for unit, rule, _, outcome, _, _, evidence, _, _ in findings)
    assert all(outcome in ("FAIL", "UNCERTAIN") for _, _, _, outcome, *_ in findings)
    late = query("late_reports")
    assert [(unit, year, days) for _, unit, year, _, _, _, days in late] == [(late_unit, 2023, 50)]
    league = query("assessment_league")
    assert {(r[1], r[2]) for r in league} == {(n, y) for n in {r[1] for r in league} for y in (2022, 2023, 2024)} and len(league) == 6
    copied = query("copied_from_last_year")
    assert [(u, y) for u, y, *_ in copied] == [(corpus.reports[corpus.plants["copied_previous"]].unit, 2023)]


def test_an_office_scope_expects_every_township_and_listed_department(corpus: AssessmentCorpus, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(corpus.db, db)
    third = "210726"  # a county of the same city (锦州市) with no report at all
    departments = tmp_path / "departments.csv"
    departments.write_text(f"name,region_code,level\n某县教育局,{corpus.counties[0]},county\n", encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"scope:\n  regions: [\"{corpus.counties[0]}\", \"{third}\"]\n  departments: {departments}\n"
                       "  exclude_kinds: [farm, forest_farm]\n", encoding="utf-8")
    config = config_from_sources(load_sources(sources))
    assert apply_config(db, config) and not apply_config(db, config)  # the second time nothing changed
    con = duckdb.connect(str(db), read_only=True)
    kinds = dict(con.execute("SELECT region_code, kind FROM dim_region WHERE level = 'township'").fetchall())
    expected = {t for t in townships([corpus.counties[0], third]) if kinds[t] not in ("farm", "forest_farm")}
    got = con.execute("SELECT unit_key, year, basis FROM assessment_expected").fetchall()
    assert {(u, y) for u, y, b in got if b == "scope"} == {(t, y) for t in expected for y in (2022, 2023, 2024)}
    assert {(u, y) for u, y, b in got if b == "departments"} == {(f"{corpus.counties[0]}:某县教育局", y) for y in (2022, 2023, 2024)}
    assert {b for _, _, b in got} == {"scope", "departments"}  # the other county is outside the scope
    league = {r[0]: r[1:] for r in con.execute(
        "SELECT region_code, expected_units, published_units, coverage_pct FROM mart_league WHERE level = 'county' AND year = 2024").fetchall()}
    assert league[third] == (len([t for t in expected if t.startswith(third)]), 0, 0.0)  # a county with no report is in the league
    assert corpus.counties[1] not in league
    department = con.execute("SELECT outcome, points FROM mart_assessment WHERE unit_key LIKE '%某县教育局' AND rule_id = 'published'").fetchall()
    assert department == [("FAIL", RULES["published"]["points"])] * 3
    con.close()


def test_an_office_pack_and_deadlines_change_the_outcome(corpus: AssessmentCorpus, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(corpus.db, db)
    pack = tmp_path / "rules.csv"
    pack.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace("on_time,timeliness,", "on_time,timeliness,").replace(
        "（未找到发布日期的为“不确定”，不扣分）,-1,0,", "（未找到发布日期的为“不确定”，不扣分）,-3,0,"), encoding="utf-8")
    deadlines = tmp_path / "deadlines.csv"
    county = corpus.plants["late"][0][:6]
    deadlines.write_text(DEFAULT_DEADLINES.read_text(encoding="utf-8") + f"{county},township,05-31,本县乡镇5月31日前\n", encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"assessment:\n  rules: {pack}\n  deadlines: {deadlines}\n", encoding="utf-8")
    apply_config(db, config_from_sources(load_sources(sources)))
    con = duckdb.connect(str(db), read_only=True)
    late = con.execute("SELECT outcome, measured, evidence FROM assessment_outcome WHERE unit_key = ? AND year = ? AND rule_id = 'on_time'",
                       list(corpus.plants["late"])).fetchone()
    assert late[0] == "PASS" and late[1] == -11 and "本县乡镇5月31日前" in late[2]
    signed = con.execute("SELECT outcome, points FROM mart_assessment WHERE unit_key = ? AND year = ? AND rule_id = 'on_time'",
                         list(corpus.plants["signed_late"])).fetchone()
    assert signed == ("FAIL", -3.0)  # the other county keeps 31 March, and the office's -3
    con.close()


@pytest.mark.parametrize(("body", "message"), [
    ("scope: [\"33010\"]\n", "scope.regions[0]: expected a province (2 digits), city (4), county (6) or township (9) code"),
    ("scope:\n  region: [\"330106\"]\n", "scope: unknown key(s) region"),
    ("scope:\n  regions: [\"330106\"]\n  departments: nowhere.csv\n", "scope.departments: no such file"),
    ("assessment:\n  rule: x.csv\n", "assessment: unknown key(s) rule"),
])
def test_a_wrong_scope_is_one_line_naming_the_file(tmp_path: Path, body: str, message: str) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(body, encoding="utf-8")
    with pytest.raises(SourcesError) as info:
        load_sources(sources, base_dir=tmp_path)
    assert str(info.value).startswith(f"{sources}: ") and message in str(info.value) and "\n" not in str(info.value)


def test_a_broken_rule_pack_is_one_line_naming_the_file(tmp_path: Path) -> None:
    pack = tmp_path / "rules.csv"
    pack.write_text("rule_id,points\npublished,-2\n", encoding="utf-8")
    with pytest.raises(AssessmentConfigError, match=f"^{re.escape(str(pack))}: the rule pack file lacks the column"):
        read_rules(pack)
    pack.write_text("rule_id,category,description_zh,points,threshold,min_n\npublished,coverage,未公开,minus two,,\n", encoding="utf-8")
    with pytest.raises(AssessmentConfigError, match="line 2: points, threshold and min_n must be numbers"):
        read_rules(pack)
    deadlines = tmp_path / "deadlines.csv"
    deadlines.write_text("region_code,unit_type,deadline,basis\n,township,3月31日,x\n", encoding="utf-8")
    with pytest.raises(AssessmentConfigError, match="line 2: deadline must be MM-DD"):
        read_deadlines(deadlines)


def test_the_workbook_has_the_assessment_and_the_league(corpus: AssessmentCorpus, con, tmp_path: Path) -> None:
    import openpyxl

    from warehouse.export import export

    late_unit, late_year = corpus.plants["late"]
    province = con.execute("SELECT province FROM dim_region WHERE region_code = ?", [late_unit]).fetchone()[0]
    files = export(corpus.db, tmp_path / "out", province=province, year=late_year)
    book = next(p for p in files if p.name == f"{province}_{late_year}.xlsx")
    sheets = openpyxl.load_workbook(book, read_only=True)
    rows = list(sheets["考核"].iter_rows(values_only=True))
    table = [dict(zip(rows[2], r)) for r in rows[3:]]
    assert len(table) == len(townships([late_unit[:6]]))  # the county is the only one of its province here
    row = next(r for r in table if r["unit_key"] == late_unit)
    assert row["score"] == RULES["on_time"]["points"] and row["days_late"] == 50 and "逾期 50 天" in row["findings_zh"]
    absent = [r for r in table if r["published_zh"] == "否"]
    assert len(absent) == len(table) - sum(1 for (u, y) in corpus.reports if y == late_year and u[:6] == late_unit[:6])
    assert all(r["score"] == RULES["published"]["points"] and r["days_late"] is None for r in absent)
    league = list(sheets["考核排行"].iter_rows(values_only=True))
    counties = {r[league[2].index("region_code")]: r for r in league[3:]}
    assert counties[late_unit[:6]][league[2].index("late_units")] == 1


def test_the_nightly_summary_lines_print_the_county_league(corpus: AssessmentCorpus) -> None:
    from flows.report import NightlyReport
    from warehouse.assessment import league_lines

    lines = league_lines(corpus.db)
    assert len(lines) == len(corpus.counties) and all(" 2024: " in line for line in lines)
    for county in corpus.counties:
        published = sum(1 for (u, y) in corpus.reports if y == 2024 and u[:6] == county)
        assert any(f": {published}/{len(townships([county]))} published" in line for line in lines)
    report = NightlyReport(sources="s.yaml", db=corpus.db, exports=corpus.root, league=lines)
    assert [line for line in report.lines() if line.startswith("assessment: ")] == [f"assessment: {x}" for x in lines]
    assert "## Assessment (考核)" in report.markdown()
