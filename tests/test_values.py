"""Numbers that are not counts stay text (issue 11 item 4); amounts keep decimals and are stored in the
metric's unit (issue 10 item 3). Checked through the whole extraction of a real seed report."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SAMPLES
from gongkai.extract import extract_bytes
from transforms.values import metric_value

GRANTED = "(一) 予以公开\t1\t0\t0\t0\t0\t0\t1\t"


def _seed() -> str:
    return (SAMPLES / "002_c369d243f08fde9e.txt").read_text(encoding="utf-8")


def _extract(text: str):
    extraction = extract_bytes(Path("case.txt"), text.encode("utf-8"))
    assert extraction.status == "loaded", extraction.document["error"]
    return extraction


@pytest.mark.parametrize("odd", ["-3", "1.5", "+7", "1e9", "Infinity", "1" * 20, "9" * 1_000_000])
def test_a_cell_that_is_not_a_count_is_text_and_its_row_stays(odd: str) -> None:
    extraction = _extract(_seed().replace(GRANTED, f"(一) 予以公开\t{odd}\t0\t0\t0\t0\t0\t1\t"))
    granted = [v for v in extraction.values if v.metric_id == "requests.granted"]
    assert granted[0].value is None and granted[0].value_semantic == "text" and granted[0].raw_text == odd
    assert [v.value for v in granted[1:]] == [0.0] * 5 + [1.0]  # the rest of the row loads
    note = next(n for n in extraction.notes if n.metric_id == "requests.granted" and n.applicant == "natural_person")
    assert note.action == "left_null" and "not" in note.reason
    assert all(v.value is None or abs(v.value) < 1e15 for v in extraction.values)  # never inf in a rollup


def test_an_amount_in_yuan_is_stored_in_wan_yuan_with_its_printed_text() -> None:
    extraction = _extract(_seed().replace("行政事业性收费\t0\t\t", "行政事业性收费\t13575394432.52元\t\t"))
    fee = next(v for v in extraction.values if v.metric_id == "proactive.fees.amount")
    assert fee.value == pytest.approx(1357539.443252) and fee.raw_text == "13575394432.52元"
    assert any("万元" in n.reason for n in extraction.notes if n.metric_id == "proactive.fees.amount")


def test_amounts_keep_decimals_and_signed_changes_keep_their_sign() -> None:
    assert metric_value("24252.311082", "proactive.fees.amount", "万元").value == pytest.approx(24252.311082)
    assert metric_value("+19", "proactive.licensing.items_change", "项").value == 19.0
    assert metric_value("-3", "proactive.licensing.items_change", "项").value == -3.0
    assert metric_value("-3", "requests.granted", "件").semantic == "text"
    assert metric_value("3件", "requests.granted", "件").value == 3.0
