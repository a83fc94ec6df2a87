"""The five seed reports against their hand-checked golden values, through the real CLI and DuckDB."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import GOLDEN, SAMPLES, read_meta, read_truth
from gongkai.extract import extract_file

SEEDS = sorted(p.stem for p in SAMPLES.glob("*.txt"))


def test_five_seeds_are_bundled() -> None:
    assert len(SEEDS) == 5
    assert all((GOLDEN / f"{seed}.truth.csv").exists() for seed in SEEDS)


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("seeds") / "w.duckdb"
    result = subprocess.run(
        [sys.executable, "-m", "gongkai.cli", "ingest", str(SAMPLES), "--db", str(db)],
        capture_output=True, text=True, check=True,
    )
    assert "loaded: 5" in result.stdout
    return db


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_values_equal_golden(seeded_db: Path, seed: str) -> None:
    truth = read_truth(GOLDEN / f"{seed}.truth.csv")
    con = duckdb.connect(str(seeded_db), read_only=True)
    rows = con.execute(
        "SELECT v.metric_id, v.applicant, v.value FROM report_values v JOIN documents d USING (document_id) "
        "WHERE d.source LIKE ? AND d.status = 'loaded'", [f"%{seed}.txt"],
    ).fetchall()
    con.close()
    got = {(metric, applicant): value for metric, applicant, value in rows}
    assert set(got) == set(truth), f"cells differ: missing {set(truth) - set(got)}, extra {set(got) - set(truth)}"
    wrong = {key: (got[key], truth[key]) for key in truth if got[key] != truth[key]}
    assert not wrong, wrong
    assert len(got) == 200


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_unit_year_region(seeded_db: Path, seed: str) -> None:
    meta = read_meta(GOLDEN / f"{seed}.meta.json")
    con = duckdb.connect(str(seeded_db), read_only=True)
    unit, year, region, township = con.execute(
        "SELECT d.unit, d.year, d.region_code, r.name FROM documents d JOIN dim_region r USING (region_code) WHERE d.source LIKE ?",
        [f"%{seed}.txt"],
    ).fetchone()
    con.close()
    assert year == meta["year"]
    assert region == meta["region_code"]
    assert township.endswith(meta["township"])
    assert meta["township"] in unit


def test_seed_000_lost_cells_are_inferred_and_explained() -> None:
    extraction = extract_file(SAMPLES / "000_856c0ba2b5f45a65.txt")
    granted = [v for v in extraction.values if v.metric_id == "requests.granted"]
    assert [v.value for v in granted] == [0.0] * 7
    # "(一) 予以公开" prints six zeros then a separator: the zeros start the row, the total is proven
    assert [v.value_semantic for v in granted] == ["zero"] * 6 + ["inferred"]
    secret = [v for v in extraction.values if v.metric_id == "requests.denied.state_secret"]
    # "1. 属于国家秘密" prints six zeros and nothing after: which cell was lost is unknown, all seven are proven
    assert [(v.value, v.value_semantic) for v in secret] == [(0.0, "inferred")] * 7
    filled = [n for n in extraction.notes if n.action == "filled"]
    assert {n.metric_id for n in filled} >= {"requests.granted", "requests.partially_granted", "requests.denied.admin_query"}
    assert all("printed 6 of 7 values" in n.reason for n in filled)
    assert not [n for n in extraction.notes if n.action == "left_null"]
    # a row printed whole keeps the semantic of what was printed
    received = [v for v in extraction.values if v.metric_id == "requests.received"]
    assert {v.value_semantic for v in received} == {"zero"}


def test_blank_cells_stay_null_and_make_checks_not_evaluable() -> None:
    extraction = extract_file(SAMPLES / "001_2b155fb9c9cacf46.txt")
    totals = [v for v in extraction.values if v.metric_id == "requests.outcomes_total"]
    assert all(v.value is None and v.value_semantic == "blank" for v in totals)
    fee = next(v for v in extraction.values if v.metric_id == "proactive.fees.amount")
    assert fee.value is None and fee.value_semantic == "blank"
    balance = [c for c in extraction.checks if c.check_id == "identity_1_balance"]
    assert len(balance) == 7 and all(c.passed is None and "requests.outcomes_total (blank)" in c.detail for c in balance)
