"""Shared fixtures: paths to the committed sample, golden and real documents."""
from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
GOLDEN = ROOT / "tests" / "golden" / "seeds"
REAL = ROOT / "tests" / "real"

# Tests never read or write the project's own corrections store (data/corrections/); tests of the
# overlay point GONGKAI_CORRECTIONS at a file of their own.
os.environ["GONGKAI_CORRECTIONS"] = str(Path(tempfile.mkdtemp(prefix="gongkai-corrections-")) / "corrections.csv")


def read_truth(path: Path) -> dict[tuple[str, str | None], float | None]:
    """A *.truth.csv as {(metric_id, applicant): value}; an empty value is a blank (None)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {
            (row["metric_id"], row["applicant"] or None): (float(row["value"]) if row["value"].strip() else None)
            for row in csv.DictReader(fh)
        }


def read_meta(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def tmp_db(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    """The generated two-county warehouse of tests/warehouse_corpus.py, built once per run for every
    test file that reads it (marts, exports, workbook, brief, cross checks). Files with a corpus of
    their own (assessment, bad inputs) define their own `corpus`."""
    from warehouse_corpus import build

    return build(tmp_path_factory.getbasetemp() / "warehouse_corpus")


def query_one(db: Path, sql: str, params: list | tuple = ()) -> tuple | None:
    """One row from a read-only connection that is closed at once, so the test holds no lock."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchone()
    finally:
        con.close()
