"""Identity checks on hand-made inconsistent reports: violations are recorded, numbers never change."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SAMPLES
from gongkai.extract import extract_bytes


def _seed_002() -> str:
    return (SAMPLES / "002_c369d243f08fde9e.txt").read_text(encoding="utf-8")


def _extract(text: str, name: str = "case.txt"):
    extraction = extract_bytes(Path(name), text.encode("utf-8"))
    assert extraction.status == "loaded", extraction.document["error"]
    return extraction


def _failed(extraction, check_id: str):
    return [c for c in extraction.checks if c.check_id == check_id and c.passed is False]


def test_consistent_seed_passes_every_check() -> None:
    extraction = _extract(_seed_002())
    assert extraction.checks and all(c.passed is True for c in extraction.checks)


def test_wrong_row_total_is_recorded_not_fixed() -> None:
    # 一、本年新收: natural person 4 … total 4  ->  total printed as 5
    text = _seed_002().replace("一、本年新收政府信息公开申请数量\t\t4\t0\t0\t0\t0\t0\t4", "一、本年新收政府信息公开申请数量\t\t4\t0\t0\t0\t0\t0\t5")
    extraction = _extract(text)
    row_total = _failed(extraction, "identity_3_row_total")
    assert [(c.metric_id, c.reported, c.expected) for c in row_total] == [("requests.received", 5.0, 4.0)]
    balance = _failed(extraction, "identity_1_balance")
    assert [(c.applicant, c.reported, c.expected) for c in balance] == [("total", 4.0, 5.0)]
    received_total = next(v for v in extraction.values if v.metric_id == "requests.received" and v.applicant == "total")
    assert received_total.value == 5.0 and received_total.value_semantic == "number"


def test_outcomes_not_adding_up_fail_identity_2() -> None:
    text = _seed_002().replace("(一) 予以公开\t1\t0\t0\t0\t0\t0\t1", "(一) 予以公开\t2\t0\t0\t0\t0\t0\t2")
    extraction = _extract(text)
    failed = {(c.applicant, c.reported, c.expected) for c in _failed(extraction, "identity_2_outcomes")}
    assert failed == {("natural_person", 4.0, 5.0), ("total", 4.0, 5.0)}


def test_section_four_total_contradicting_parts() -> None:
    lines = _seed_002().split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("0\t0\t0\t1\t1\t"))
    lines[index] = "0\t0\t0\t1\t3\t" + lines[index].split("\t", 5)[5]
    extraction = _extract("\n".join(lines))
    failed = _failed(extraction, "identity_4_review")
    assert [(c.reported, c.expected) for c in failed] == [(3.0, 1.0)]
    assert "difference +2" in failed[0].detail


def test_blank_cell_is_not_reported_rather_than_zero() -> None:
    text = _seed_002().replace("二、上年结转政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0", "二、上年结转政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t—")
    extraction = _extract(text)
    carried_total = next(v for v in extraction.values if v.metric_id == "requests.carried_in" and v.applicant == "total")
    assert carried_total.value is None and carried_total.value_semantic == "na"
    balance_total = next(c for c in extraction.checks if c.check_id == "identity_1_balance" and c.applicant == "total")
    assert balance_total.passed is None and "requests.carried_in (na)" in balance_total.detail


def test_lost_cell_that_identities_cannot_place_stays_null() -> None:
    # two applicant columns have requests, and the printed "2 … 2" fits either of them
    text = (
        _seed_002()
        .replace("一、本年新收政府信息公开申请数量\t\t4\t0\t0\t0\t0\t0\t4", "一、本年新收政府信息公开申请数量\t\t4\t2\t0\t0\t0\t0\t6")
        .replace("(七) 总计\t4\t0\t0\t0\t0\t0\t4", "(七) 总计\t4\t2\t0\t0\t0\t0\t6")
        .replace("(一) 予以公开\t1\t0\t0\t0\t0\t0\t1\t", "(一) 予以公开\t2\t0\t0\t0\t0\t2")
    )
    extraction = _extract(text)
    granted = [v for v in extraction.values if v.metric_id == "requests.granted"]
    assert len(granted) == 7 and all(v.value is None and v.value_semantic == "missing" for v in granted)
    note = next(n for n in extraction.notes if n.metric_id == "requests.granted")
    assert note.action == "left_null" and ("do not determine" in note.reason or "no placement fits" in note.reason)


def test_one_lost_cell_is_placed_by_zero_columns_and_row_total() -> None:
    # "1 0 0 0 0 1": only the natural-person column has requests, so the lost cell is a zero
    text = _seed_002().replace("(一) 予以公开\t1\t0\t0\t0\t0\t0\t1\t", "(一) 予以公开\t1\t0\t0\t0\t0\t1")
    extraction = _extract(text)
    granted = [v for v in extraction.values if v.metric_id == "requests.granted"]
    assert [v.value for v in granted] == [1.0, 0, 0, 0, 0, 0, 1.0]
    assert {v.value_semantic for v in granted} == {"inferred"}


def test_lost_zero_cells_under_zero_totals_are_inferred() -> None:
    text = _seed_002().replace("2. 没有现成信息需要另行制作\t0\t0\t0\t0\t0\t0\t0", "2. 没有现成信息需要另行制作\t0\t0\t0\t0\t0\t0")
    extraction = _extract(text)
    cells = [v for v in extraction.values if v.metric_id == "requests.unavailable.needs_creation"]
    assert [v.value for v in cells] == [0.0] * 7
    assert {v.value_semantic for v in cells} == {"inferred"}


def test_two_lost_cells_are_proven_by_the_column_identities() -> None:
    # every column's other outcomes already add up to its （七）总计, so wherever the two cells were lost
    # they are zeros: the table is solved as a whole, a column identity decides the row
    text = _seed_002().replace("2. 没有现成信息需要另行制作\t0\t0\t0\t0\t0\t0\t0", "2. 没有现成信息需要另行制作\t0\t0\t0\t0\t0")
    extraction = _extract(text)
    cells = [v for v in extraction.values if v.metric_id == "requests.unavailable.needs_creation"]
    assert [(v.value, v.value_semantic) for v in cells] == [(0.0, "inferred")] * 7
    note = next(n for n in extraction.notes if n.metric_id == "requests.unavailable.needs_creation")
    assert note.action == "filled" and "identity_2_outcomes" in note.reason


def test_cells_cut_after_a_trailing_separator_keep_the_printed_ones_in_place() -> None:
    # "1 0 0 0 0 0<tab>": the printed values start the row; the cut total is proven by the row identity
    text = _seed_002().replace("(一) 予以公开\t1\t0\t0\t0\t0\t0\t1\t", "(一) 予以公开\t1\t0\t0\t0\t0\t0\t")
    extraction = _extract(text)
    granted = [v for v in extraction.values if v.metric_id == "requests.granted"]
    assert [(v.value, v.value_semantic) for v in granted] == [(1.0, "number")] + [(0.0, "zero")] * 5 + [(1.0, "inferred")]


def test_cut_cells_without_identities_stay_null_but_printed_ones_load() -> None:
    text = _seed_002().replace("行政规范性文件\t1\t0\t3", "行政规范性文件\t1\t\t")
    extraction = _extract(text)
    cells = {v.metric_id: v for v in extraction.values if v.metric_id.startswith("proactive.normative_docs")}
    assert cells["proactive.normative_docs.issued"].value == 1.0
    assert cells["proactive.normative_docs.repealed"].value is None
    assert cells["proactive.normative_docs.in_force"].value is None


def test_cells_lost_at_the_start_of_a_row_with_a_trailing_separator_are_not_shifted() -> None:
    # "0 0 0 0 0 1<tab>" read from the start would put 1 request in 其他 (whose column total is 0):
    # that contradicts the identities, so every placement is tried and the unique one is used
    text = _seed_002().replace("(一) 予以公开\t1\t0\t0\t0\t0\t0\t1\t", "(一) 予以公开\t0\t0\t0\t0\t0\t1\t")
    extraction = _extract(text)
    granted = [v for v in extraction.values if v.metric_id == "requests.granted"]
    assert [v.value for v in granted] == [1.0, 0, 0, 0, 0, 0, 1.0]
    assert {v.value_semantic for v in granted} == {"inferred"}
