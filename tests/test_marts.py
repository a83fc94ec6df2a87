"""The marts (warehouse/marts.sql) on a generated corpus of two counties over 2022-2024.

Every expected number is computed from the generator's truth files and data/admin_divisions,
not from the warehouse.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from warehouse_corpus import Corpus, Report, metrics_like, strict_sum, total

from conftest import ROOT

COUNTED_YEARS = range(2022, 2025)


@pytest.fixture
def con(corpus: Corpus):
    connection = duckdb.connect(str(corpus.db), read_only=True)
    yield connection
    connection.close()


def expected_measures(r: Report) -> dict[str, float | None]:
    organisations = ["commercial", "research", "social_org", "legal_service", "other_org"]
    return {
        "received_total": total(r, "requests.received"),
        "received_natural_person": total(r, "requests.received", "natural_person"),
        "received_organisations": (None if any(total(r, "requests.received", a) is None for a in organisations)
                                   else sum(total(r, "requests.received", a) for a in organisations)),  # type: ignore[misc]
        "carried_in_total": total(r, "requests.carried_in"),
        "granted_total": total(r, "requests.granted"),
        "denied_total": strict_sum(r, metrics_like(r, "requests.denied")),
        "denied_third_party_total": total(r, "requests.denied.third_party"),
        "unavailable_total": strict_sum(r, metrics_like(r, "requests.unavailable")),
        "not_processed_total": strict_sum(r, metrics_like(r, "requests.not_processed")),
        "other_total": strict_sum(r, metrics_like(r, "requests.other")),
        "outcomes_total": total(r, "requests.outcomes_total"),
        "carried_forward_total": total(r, "requests.carried_forward"),
        "review_total": total(r, "appeals.review.total", None),
        "litigation_total": strict_sum(r, ["appeals.litigation_direct.total", "appeals.litigation_after_review.total"], None),
        "fees_amount": total(r, "proactive.fees.amount", None),
    }


def county_parents() -> dict[str, tuple[str, str]]:
    """county code -> (city code, province code), straight from data/admin_divisions/areas.csv."""
    with open(ROOT / "data" / "admin_divisions" / "areas.csv", encoding="utf-8", newline="") as fh:
        return {row["code"]: (row["cityCode"], row["provinceCode"]) for row in csv.DictReader(fh)}


def test_units_tell_townships_from_county_governments_and_departments(corpus: Corpus, con) -> None:
    rows = con.execute("SELECT unit_key, unit_type, region_code, county_code, reports FROM units ORDER BY unit_key").fetchall()
    expected = defaultdict(int)
    for r in corpus.reports:
        expected[(r.unit_key, r.unit_type, r.region_code, r.county_code)] += 1
    assert sorted((*key, n) for key, n in expected.items()) == rows
    types = dict(con.execute("SELECT unit_type, count(*) FROM units GROUP BY 1").fetchall())
    assert types == {"township": 6, "county": 1, "department": 1}
    department = con.execute("SELECT unit, unit_type_zh, township, county FROM units WHERE unit_type = 'department'").fetchone()
    assert department[0] == corpus.department.unit and department[1] == "部门" and department[2] is None and department[3]


def test_unit_year_mart_has_every_current_report_with_its_truth(corpus: Corpus, con) -> None:
    assert con.execute("SELECT count(*) FROM mart_unit_year").fetchone()[0] == len(corpus.reports) == 19
    for r in corpus.reports:
        expected = expected_measures(r)
        row = con.execute(f"SELECT {', '.join(expected)} FROM mart_unit_year WHERE unit_key = ? AND year = ?",
                          [r.unit_key, r.year]).fetchone()
        assert dict(zip(expected, (float(v) if isinstance(v, Decimal) else v for v in row))) == pytest.approx(expected), r.name


def test_counts_are_bigint_amounts_decimal_shares_double(con) -> None:
    def types(view: str) -> dict[str, str]:
        return {name: kind for name, kind, *_ in con.execute(f"DESCRIBE {view}").fetchall()}

    for view in ("mart_unit_year", "mart_region_year"):
        kinds = types(view)
        assert kinds["received_total"] == kinds["litigation_total"] == kinds["outcomes_total"] == "BIGINT", view
        assert kinds["fees_amount"] == "DECIMAL(18,2)", view
    rates = types("mart_rates")
    assert rates["share_granted"] == rates["reviews_per_100_received"] == "DOUBLE" and rates["received_total"] == "BIGINT"
    assert isinstance(con.execute("SELECT received_total FROM mart_unit_year WHERE received_total IS NOT NULL LIMIT 1").fetchone()[0], int)


def test_region_rollups_count_reporting_units_and_add_what_they_reported(corpus: Corpus, con) -> None:
    parents = county_parents()
    groups: dict[tuple[str, str, int], list[Report]] = defaultdict(list)
    for r in corpus.reports:
        city, province = parents[r.county_code]
        for level, code in (("county", r.county_code), ("city", city), ("province", province)):
            groups[(level, code, r.year)].append(r)
    rows = con.execute("""
        SELECT level, region_code, year, reporting_units, township_units, government_units, department_units,
               received_reported_units, received_total, denied_total, outcomes_total
        FROM mart_region_year ORDER BY ALL
    """).fetchall()
    assert len(rows) == len(groups) == 18
    for level, code, year, units, townships, governments, departments, received_units, received, denied, outcomes in rows:
        members = groups[(level, code, year)]
        assert units == len(members)
        assert (townships, governments, departments) == (
            sum(m.unit_type == "township" for m in members), sum(m.unit_type == "county" for m in members),
            sum(m.unit_type == "department" for m in members))
        measures = [expected_measures(m) for m in members]
        assert received_units == sum(m["received_total"] is not None for m in measures)
        for name, got in (("received_total", received), ("denied_total", denied), ("outcomes_total", outcomes)):
            reported = [m[name] for m in measures if m[name] is not None]
            assert got == (pytest.approx(sum(reported)) if reported else None), (level, code, year, name)
    # the construction: 3 townships per county; one held back in 2023; a county government and a department in 2024
    held = corpus.held_back.county_code
    counts = dict(((c, y), n) for c, y, n in con.execute(
        "SELECT region_code, year, reporting_units FROM mart_region_year WHERE level = 'county'").fetchall())
    other = next(c for c, _ in counts if c != held)
    assert counts == {(held, 2022): 3, (held, 2023): 2, (held, 2024): 5, (other, 2022): 3, (other, 2023): 3, (other, 2024): 3}


def test_rates_are_shares_of_outcomes_and_per_100_received_and_null_without_a_denominator(corpus: Corpus, con) -> None:
    def ratio(part, whole, scale=1.0):
        return None if part is None or not whole else scale * part / whole

    for r in corpus.reports:
        m = expected_measures(r)
        review, litigation = m["review_total"], m["litigation_total"]
        row = con.execute("""
            SELECT share_granted, share_denied, share_denied_third_party, share_other, reviews_per_100_received, lawsuits_per_100_received
            FROM mart_rates WHERE level = 'unit' AND unit_key = ? AND year = ?""", [r.unit_key, r.year]).fetchone()
        assert row == pytest.approx((
            ratio(m["granted_total"], m["outcomes_total"]), ratio(m["denied_total"], m["outcomes_total"]),
            ratio(m["denied_third_party_total"], m["outcomes_total"]), ratio(m["other_total"], m["outcomes_total"]),
            ratio(review, m["received_total"], 100), ratio(litigation, m["received_total"], 100),
        )), r.name
    zero = [r for r in corpus.reports if expected_measures(r)["outcomes_total"] == 0]
    for r in zero:
        assert con.execute("SELECT share_granted FROM mart_rates WHERE level = 'unit' AND unit_key = ? AND year = ?",
                           [r.unit_key, r.year]).fetchone() == (None,)
    province = con.execute("""
        SELECT r.share_granted, y.granted_total / y.outcomes_total FROM mart_rates r
        JOIN mart_region_year y ON y.level = r.level AND y.region_code = r.region_code AND y.year = r.year
        WHERE r.level = 'province'""").fetchall()
    assert len(province) == 6 and all(a == pytest.approx(b) for a, b in province)


def test_year_over_year_change_per_unit_and_per_county(corpus: Corpus, con) -> None:
    by_key = {(r.unit_key, r.year): r for r in corpus.reports}
    rows = con.execute("""
        SELECT unit_key, year, value, previous_value, change FROM mart_yoy
        WHERE level = 'unit' AND measure = 'received_total'""").fetchall()
    assert len(rows) == len(corpus.reports)
    for unit_key, year, value, previous, change in rows:
        before = by_key.get((unit_key, year - 1))
        expected_previous = total(before, "requests.received") if before else None
        assert (value, previous) == (total(by_key[(unit_key, year)], "requests.received"), expected_previous)
        assert change == (None if value is None or previous is None else value - previous)
    held = corpus.held_back
    assert con.execute("SELECT previous_value FROM mart_yoy WHERE level = 'unit' AND unit_key = ? AND year = 2024 AND measure = 'received_total'",
                       [held.unit_key]).fetchone() == (None,)
    county = con.execute("""
        SELECT year, value, previous_value, reporting_units, previous_reporting_units FROM mart_yoy
        WHERE level = 'county' AND region_code = ? AND measure = 'received_total' ORDER BY year""", [held.county_code]).fetchall()
    sums = {y: sum(total(r, "requests.received") or 0 for r in corpus.reports if r.county_code == held.county_code and r.year == y)
            for y in COUNTED_YEARS}
    assert county == [(2022, sums[2022], None, 3, None), (2023, sums[2023], sums[2022], 2, 3), (2024, sums[2024], sums[2023], 5, 2)]


def test_coverage_lists_exactly_the_townships_without_a_report(corpus: Corpus, con) -> None:
    reported = {(r.region_code, r.year) for r in corpus.reports if r.unit_type == "township"}
    expected = {
        (code, year)
        for towns in corpus.townships_by_county.values() for code in towns for year in COUNTED_YEARS
        if (code, year) not in reported
    }
    got = con.execute("SELECT region_code, year FROM mart_coverage").fetchall()
    assert len(got) == len(set(got)) and set(got) == expected
    assert (corpus.held_back.region_code, 2023) in set(got)  # held back: missing in 2023 only
    assert (corpus.held_back.region_code, 2024) not in set(got)
    names = dict(con.execute("SELECT region_code, township FROM mart_coverage").fetchall())
    assert all(names[code] == corpus.townships_by_county[code[:6]][code] for code, _ in expected)
    summary = con.execute("SELECT county_code, year, townships, townships_reporting, townships_missing FROM mart_coverage_summary ORDER BY ALL").fetchall()
    assert summary == sorted(
        (county, year, len(towns), sum((c, year) in reported for c in towns), sum((c, year) not in reported for c in towns))
        for county, towns in corpus.townships_by_county.items() for year in COUNTED_YEARS
    )


def test_quality_mart_counts_failed_evaluated_and_not_evaluable_per_region_and_rule(corpus: Corpus, con) -> None:
    victim, department = corpus.victim, corpus.department
    failed = con.execute("""
        SELECT region_code, year, check_id, failed, documents_failed FROM mart_quality
        WHERE level = 'county' AND failed > 0 ORDER BY ALL""").fetchall()
    assert failed == sorted([
        (victim.county_code, victim.year, "cross_year_carry_over", 2, 1),  # natural_person and total
        (department.county_code, department.year, "prose_vs_table", 1, 1),
    ])
    consistent = con.execute("""
        SELECT count(*) FROM mart_quality WHERE results <> evaluated + not_evaluable OR evaluated < failed""").fetchone()
    assert consistent == (0,)
    # a province row adds its counties' rows
    by_level = con.execute("""
        SELECT level, sum(results), sum(failed), sum(not_evaluable) FROM mart_quality GROUP BY level ORDER BY level""").fetchall()
    assert by_level[0][1:] == by_level[1][1:] == by_level[2][1:]
    checks = con.execute("SELECT count(*), count(*) FILTER (WHERE passed = false), count(*) FILTER (WHERE passed IS NULL) FROM report_checks").fetchone()
    assert by_level[0][1:] == checks


def test_a_blank_cell_makes_its_subtotal_and_rates_unknown_not_zero(corpus: Corpus, tmp_path: Path) -> None:
    """The corpus prints every cell; blank one in a copy, as a report would, and rebuild the cross checks."""
    from warehouse.cross_checks import rebuild_cross_checks
    from warehouse.store import staged
    from warehouse_corpus import copy_db

    db = copy_db(corpus, tmp_path)
    r = corpus.report(corpus.victim.unit_key, 2022)  # its carried_forward feeds the 2023 carry-over check
    with staged(db) as con:
        document_id = con.execute("SELECT document_id FROM mart_unit_year WHERE unit_key = ? AND year = 2022", [r.unit_key]).fetchone()[0]
        con.execute("""UPDATE fact_value SET value = NULL, value_semantic = 'blank', raw_text = ''
                       WHERE document_id = ? AND applicant = 'total'
                         AND metric_id IN ('requests.denied.third_party', 'requests.carried_forward')""", [document_id])
        rebuild_cross_checks(con)
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("""SELECT denied_total, denied_third_party_total, denied_state_secret_total, carried_forward_total, received_total
                             FROM mart_unit_year WHERE document_id = ?""", [document_id]).fetchone()
        assert row == (None, None, total(r, "requests.denied.state_secret"), None, total(r, "requests.received"))
        outcomes = total(r, "requests.outcomes_total")
        assert con.execute("SELECT share_denied, share_granted FROM mart_rates WHERE level = 'unit' AND unit_key = ? AND year = 2022",
                           [r.unit_key]).fetchone() == (None, total(r, "requests.granted") / outcomes if outcomes else None)
        county_denied = con.execute("SELECT denied_total FROM mart_region_year WHERE level = 'county' AND region_code = ? AND year = 2022",
                                    [r.county_code]).fetchone()[0]
        others = [expected_measures(o)["denied_total"] for o in corpus.reports if o.county_code == r.county_code and o.year == 2022 and o is not r]
        assert county_denied == pytest.approx(sum(others))  # the blank unit is left out of the sum, not added as 0
        carry = con.execute("""SELECT applicant, passed, expected, reported, detail FROM report_checks
                               WHERE check_id = 'cross_year_carry_over' AND region_code = ? AND year = 2023 AND applicant = 'total'""",
                            [r.region_code]).fetchone()
        assert carry[:4] == ("total", None, None, total(corpus.victim, "requests.carried_in"))
        assert "requests.carried_forward (blank" in carry[4]
        quality = con.execute("""SELECT failed, not_evaluable FROM mart_quality WHERE level = 'county' AND region_code = ?
                                 AND year = 2023 AND check_id = 'cross_year_carry_over'""", [r.county_code]).fetchone()
        assert quality == (1, 1)  # natural_person still fails; total is not evaluable now
    finally:
        con.close()


def test_marts_carry_labels_and_region_names_at_every_level(corpus: Corpus, con) -> None:
    """Analysts read labels and names beside the ids and codes: from mart_measures and data/admin_divisions."""
    with open(ROOT / "data" / "admin_divisions" / "cities.csv", encoding="utf-8", newline="") as fh:
        cities = {row["code"]: row["name"] for row in csv.DictReader(fh)}
    with open(ROOT / "data" / "admin_divisions" / "areas.csv", encoding="utf-8", newline="") as fh:
        counties = {row["code"]: row["name"] for row in csv.DictReader(fh)}
    parents = county_parents()
    labels = dict(((m, (zh, en)) for m, zh, en in con.execute("SELECT DISTINCT measure, label_zh, label_en FROM mart_measures").fetchall()))
    assert len(labels) == 30 and all(zh and en for zh, en in labels.values())
    assert labels["denied_third_party_total"] == ("不予公开·保护第三方合法权益·总计", "Denied: protects a third party's rights, total")
    yoy = con.execute("SELECT DISTINCT measure, label_zh, label_en FROM mart_yoy").fetchall()
    assert {m: (zh, en) for m, zh, en in yoy} == labels
    for view in ("mart_rates", "mart_yoy"):
        rows = con.execute(f"SELECT DISTINCT level, region_code, county_code, county, city_code, city, province_code FROM {view} WHERE level IN ('unit', 'county')").fetchall()
        assert rows
        for level, region_code, county_code, county, city_code, city, province_code in rows:
            code = region_code if level == "county" else county_code
            assert county_code == code and county == counties[code], (view, level, region_code)
            assert (city_code, province_code) == parents[code] and city == cities[city_code], (view, region_code)
    quality = con.execute("SELECT DISTINCT region_code, city_code, city FROM mart_quality WHERE level = 'county'").fetchall()
    assert quality and all(city_code == parents[c][0] and city == cities[city_code] for c, city_code, city in quality)
    summary = con.execute("SELECT DISTINCT county_code, city_code, city FROM mart_coverage_summary").fetchall()
    assert summary and all(city_code == parents[c][0] and city == cities[city_code] for c, city_code, city in summary)
