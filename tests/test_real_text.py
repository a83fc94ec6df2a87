"""Six real text reports (crawler-saved pages and search-engine copies) read to their checked truth.

The tables in these files lost their structure: one line per report with glued cells, single
spaces, pipes without a leading pipe, one cell per paragraph. Every truth cell must come out equal;
a cell the text cannot decide (absent from the truth) must be NULL, never a different number.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REAL, read_meta, read_truth
from gongkai.extract import extract_file

TEXT = REAL / "text"
REPORTS = sorted(p.name.removesuffix(".txt") for p in TEXT.glob("*.txt"))


def test_the_six_reports_are_bundled() -> None:
    assert len(REPORTS) == 6


@pytest.mark.parametrize("report", REPORTS)
def test_every_truth_cell_is_read(report: str) -> None:
    truth = read_truth(TEXT / f"{report}.truth.csv")
    meta = read_meta(TEXT / f"{report}.meta.json")
    extraction = extract_file(TEXT / f"{report}.txt")
    assert extraction.status == "loaded", extraction.document["error"]
    got = {(v.metric_id, v.applicant): v for v in extraction.values}
    wrong = {k: (got[k].value if k in got else "absent", t) for k, t in truth.items() if k not in got or got[k].value != t}
    assert not wrong, wrong
    assert extraction.document["year"] == meta["year"]


def test_an_undecidable_glued_run_stays_null_with_its_candidates() -> None:
    # 222: 行政规范性文件3021 under 本年制发/本年废止/现行有效 is 3|0|21 or 30|2|1; no identity decides
    extraction = extract_file(TEXT / "222_nyn_2021.txt")
    cells = [v for v in extraction.values if v.metric_id.startswith("proactive.normative_docs.")]
    assert len(cells) == 3 and all(v.value is None for v in cells)
    note = next(n for n in extraction.notes if n.metric_id == "proactive.normative_docs.issued")
    assert note.action == "left_null" and "3|0|21" in note.reason and "30|2|1" in note.reason


def test_a_report_that_breaks_an_identity_keeps_its_printed_numbers() -> None:
    # 222 prints 一 = 2 for 自然人 but （七）总计 = 3: the check fails, the numbers stay as printed
    extraction = extract_file(TEXT / "222_nyn_2021.txt")
    failed = {(c.check_id, c.applicant) for c in extraction.checks if c.passed is False}
    assert ("identity_1_balance", "natural_person") in failed
    value = {(v.metric_id, v.applicant): v for v in extraction.values}
    assert value[("requests.received", "natural_person")].value == 2.0
    assert value[("requests.outcomes_total", "natural_person")].value == 3.0
    assert value[("requests.received", "natural_person")].value_semantic == "number"


def test_glued_digits_that_split_one_way_keep_their_printed_digits() -> None:
    # 216: "一、本年新收… 10 0 00 0 1" has seven digits for seven columns: every split is forced
    extraction = extract_file(TEXT / "216_hzs_2019.txt")
    received = [v for v in extraction.values if v.metric_id == "requests.received"]
    assert [v.value for v in received] == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    assert all(v.raw_text in ("0", "1") for v in received)
