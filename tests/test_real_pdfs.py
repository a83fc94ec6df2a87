"""The two real published PDFs, cell by cell against values read off the pages by a person."""
from __future__ import annotations

import pytest

from conftest import REAL, read_meta, read_truth
from gongkai.extract import extract_file

REAL_PDFS = ["huaian-city-2024", "hongze-district-2023"]


@pytest.fixture(scope="module", params=REAL_PDFS)
def real(request: pytest.FixtureRequest):
    name = request.param
    return name, extract_file(REAL / f"{name}.pdf")


def test_every_cell_right(real) -> None:
    name, extraction = real
    truth = read_truth(REAL / f"{name}.truth.csv")
    got = {(v.metric_id, v.applicant): v.value for v in extraction.values}
    assert set(got) == set(truth)
    wrong = {k: (got[k], v) for k, v in truth.items() if got[k] != v}
    assert not wrong, wrong


def test_unit_year_region(real) -> None:
    name, extraction = real
    meta = read_meta(REAL / f"{name}.meta.json")
    document = extraction.document
    assert (document["unit"], document["year"], document["region_code"]) == (meta["unit"], meta["year"], meta["region_code"])
    assert document["template_version"] == "2021"


def test_hongze_prints_other_as_one_row_and_its_contradictions_are_reported() -> None:
    extraction = extract_file(REAL / "hongze-district-2023.pdf")
    metrics = {v.metric_id for v in extraction.values}
    assert "requests.other" in metrics and "requests.other.no_correction" not in metrics
    failed = {c.check_id: (c.reported, c.expected) for c in extraction.checks if c.passed is False}
    truth = read_truth(REAL / "hongze-district-2023.truth.csv")
    review_parts = sum(truth[(f"appeals.review.{p}", None)] or 0 for p in ("upheld", "corrected", "other", "pending"))
    assert failed["identity_4_review"] == (truth[("appeals.review.total", None)], review_parts)
    assert "identity_4_litigation_after_review" in failed
    # printed numbers are kept as printed, not "fixed"
    total = next(v for v in extraction.values if v.metric_id == "appeals.review.total")
    assert total.value == truth[("appeals.review.total", None)] and total.value_semantic in ("zero", "number")


def test_huaian_passes_every_identity() -> None:
    extraction = extract_file(REAL / "huaian-city-2024.pdf")
    assert [c for c in extraction.checks if c.passed is False] == []
    assert sum(1 for c in extraction.checks if c.passed) > 30
