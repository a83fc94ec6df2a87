"""`gongkai query` can read the warehouse and change nothing (issue 11 item 1).

Each statement is one an analyst (or a pasted snippet) could run to overwrite, empty or escape the
warehouse; each must be refused with one line, and the warehouse file must stay byte-identical with
no other file written next to it or elsewhere.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import SAMPLES

from gongkai.cli import main
from gongkai.ingest import ingest
from warehouse.export import export
from warehouse.store import connect_read_only, staged


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    with staged(db) as con:
        con.execute("INSERT INTO fact_value (document_id, metric_id) SELECT 'd1', 'm1' WHERE false")
    return db


def _attacks(db: Path, elsewhere: Path) -> list[str]:
    return [
        f"COPY (SELECT 'gone' AS x) TO '{db}' (FORMAT csv)",
        f"COPY (SELECT 'gone' AS x) TO '{elsewhere / 'out.csv'}' (FORMAT csv)",
        f"COPY (SELECT 1 AS x) TO '{elsewhere / 'out.parquet'}' (FORMAT parquet)",
        f"EXPORT DATABASE '{elsewhere / 'dump'}'",
        f"ATTACH '{elsewhere / 'x.duckdb'}' AS m (READ_WRITE); USE m; DETACH warehouse; "
        f"ATTACH '{db}' AS w2 (READ_WRITE); DELETE FROM w2.fact_value",
        f"ATTACH '{elsewhere / 'x.duckdb'}' AS m (READ_WRITE)",
        "ATTACH ':memory:' AS m",
        "DETACH warehouse",
        f"ATTACH '{db}' AS w2 (READ_WRITE)",
        "DELETE FROM fact_value",
        "DROP TABLE fact_value",
        "CREATE TABLE evil AS SELECT 1",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        f"SET temp_directory = '{elsewhere / 'tmp'}'",
        "SELECT * FROM read_csv('/etc/passwd')",
    ]


def test_every_change_is_refused_in_one_line(warehouse: Path, tmp_path: Path, capsys):
    before = _sha(warehouse)
    neighbours = sorted(p.name for p in warehouse.parent.iterdir())
    for sql in _attacks(warehouse, tmp_path):
        code = main(["query", sql, "--db", str(warehouse)])
        err = capsys.readouterr().err
        assert code != 0, sql
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("gongkai query: "), (sql, err)
        assert _sha(warehouse) == before, sql
    assert sorted(p.name for p in warehouse.parent.iterdir()) == neighbours
    assert list(tmp_path.iterdir()) == []


def test_refusal_says_what_to_use_instead(warehouse: Path, tmp_path: Path, capsys):
    assert main(["query", f"COPY (SELECT 1) TO '{tmp_path / 'a.csv'}'", "--db", str(warehouse)]) == 2
    err = capsys.readouterr().err
    assert "refused" in err and "gongkai export" in err


def test_reading_still_works(warehouse: Path, capsys):
    assert main(["query", "SELECT count(*) AS n FROM fact_value", "--db", str(warehouse), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "0"]


def test_analyst_read_only_connection_still_exports(warehouse: Path, tmp_path: Path):
    con = connect_read_only(warehouse)
    try:
        con.execute(f"COPY (SELECT 1 AS x) TO '{tmp_path / 'ok.csv'}' (FORMAT csv)")
        assert con.execute("SELECT count(*) FROM mart_unit_year").fetchone()[0] == 0
    finally:
        con.close()
    assert (tmp_path / "ok.csv").read_text().splitlines() == ["x", "1"]


def test_the_export_still_reads_a_warehouse_through_its_read_only_connection(tmp_path: Path):
    db = tmp_path / "loaded.duckdb"
    sample = sorted(SAMPLES.iterdir())[0]
    ingest([sample], db)
    before = _sha(db)
    written = export(db, tmp_path / "exports")
    assert written and all(Path(p).exists() for p in written)
    assert _sha(db) == before
