"""A corrected report for the same unit and year supersedes the earlier one; the history stays."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
from warehouse_corpus import Corpus

from gongkai.ingest import ingest


def with_fee(source: Path, target: Path, amount: str) -> Path:
    """The same report with another 行政事业性收费 amount: different bytes, same unit and year."""
    lines = source.read_text(encoding="utf-8").split("\n")
    row = next(i for i, line in enumerate(lines) if line.startswith("行政事业性收费\t"))
    lines[row] = f"行政事业性收费\t{amount}"
    target.write_text("\n".join(lines), encoding="utf-8")
    return target


def fetch(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_a_corrected_report_supersedes_the_earlier_one_and_keeps_its_history(corpus: Corpus, tmp_path: Path) -> None:
    report = corpus.report(corpus.held_back.unit_key, 2024)
    db = tmp_path / "warehouse.duckdb"
    original = tmp_path / "original" / report.path.name
    original.parent.mkdir()
    shutil.copy(report.path, original)
    first = ingest([original], db, workers=1)
    assert (first.loaded, first.superseded) == (1, 0)
    (old_id,) = fetch(db, "SELECT document_id FROM documents")[0]
    old_values = fetch(db, "SELECT count(*) FROM fact_value WHERE document_id = ?", [old_id])[0][0]
    assert old_values > 0

    corrected = with_fee(original, tmp_path / "corrected.txt", "88.88")
    second = ingest([corrected], db, workers=1)

    assert (second.loaded, second.superseded) == (1, 1)
    documents = fetch(db, "SELECT document_id, status, superseded_by, year FROM documents ORDER BY ingested_at")
    new_id = documents[1][0]
    assert new_id != old_id
    assert documents == [(old_id, "superseded", new_id, 2024), (new_id, "loaded", None, 2024)]
    # the views show the current report only
    assert fetch(db, "SELECT DISTINCT document_id FROM report_values") == [(new_id,)]
    assert fetch(db, "SELECT value FROM report_values WHERE metric_id = 'proactive.fees.amount'") == [(88.88,)]
    assert fetch(db, "SELECT DISTINCT document_id FROM report_checks") == [(new_id,)]
    assert fetch(db, "SELECT document_id, fees_amount FROM mart_unit_year") == [(new_id, Decimal("88.88"))]  # DECIMAL(18,2)
    assert fetch(db, "SELECT unit_key, reports FROM units") == [(report.unit_key, 1)]
    # the history is kept: both versions and all their values
    assert fetch(db, "SELECT document_id, status FROM dim_document ORDER BY ingested_at") == [(old_id, "superseded"), (new_id, "loaded")]
    assert fetch(db, "SELECT count(*) FROM fact_value WHERE document_id = ?", [old_id]) == [(old_values,)]
    assert fetch(db, "SELECT value FROM fact_value WHERE document_id = ? AND metric_id = 'proactive.fees.amount'", [old_id]) == [
        (report.truth[("proactive.fees.amount", None)],)
    ]

    # the same corrected bytes again change nothing; a third version supersedes both
    again = ingest([corrected], db, workers=1)
    assert (again.loaded, again.unchanged) == (0, 1)
    third = ingest([with_fee(original, tmp_path / "third.txt", "1.5")], db, workers=1)
    assert (third.loaded, third.superseded) == (1, 2)
    newest = fetch(db, "SELECT document_id FROM documents WHERE status = 'loaded'")
    assert len(newest) == 1
    assert fetch(db, "SELECT DISTINCT superseded_by FROM documents WHERE status = 'superseded'") == newest
    assert fetch(db, "SELECT fees_amount FROM mart_unit_year") == [(1.5,)]


def test_superseding_is_per_unit_and_year(corpus: Corpus, tmp_path: Path) -> None:
    """Another year of the same unit and the same year of another unit stay current."""
    db = tmp_path / "warehouse.duckdb"
    unit = corpus.held_back.unit_key
    same_unit_2022 = corpus.report(unit, 2022)
    same_year_other_unit = next(r for r in corpus.reports if r.year == 2024 and r.unit_type == "township" and r.unit_key != unit)
    ingest([same_unit_2022.path, same_year_other_unit.path, corpus.report(unit, 2024).path], db, workers=1)
    corrected = with_fee(corpus.report(unit, 2024).path, tmp_path / "corrected.txt", "7")
    summary = ingest([corrected], db, workers=1)
    assert summary.superseded == 1
    assert fetch(db, "SELECT unit_key, year FROM mart_unit_year ORDER BY ALL") == sorted(
        [(unit, 2022), (unit, 2024), (same_year_other_unit.unit_key, 2024)])
    assert fetch(db, "SELECT fees_amount FROM mart_unit_year WHERE unit_key = ? AND year = 2024", [unit]) == [(7.0,)]
