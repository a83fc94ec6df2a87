"""The metadata registry (warehouse/registry.yaml) against a real warehouse built by a real ingest:
the DDL has exactly the registered tables and columns, every table, view and column carries the
registry's comment, docs/warehouse.md is generated from it, and the export's dictionary uses it."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, SAMPLES
from gongkai.ingest import ingest
from warehouse import registry
from warehouse.export import export


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "warehouse.duckdb"
    summary = ingest([SAMPLES], path, workers=1)
    assert summary.loaded == 5
    return path


@pytest.fixture
def con(db: Path):
    connection = duckdb.connect(str(db), read_only=True)
    yield connection
    connection.close()


def test_the_ddl_has_exactly_the_registered_tables_columns_and_types(con) -> None:
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE NOT internal ORDER BY table_name, column_index"
    ).fetchall():
        found.setdefault(table, []).append((column, data_type))
    registered = {name: [(c.name, c.type) for c in t.columns] for name, t in registry.tables().items()}
    assert sorted(found) == sorted(registered), "a table is in the database or the registry but not both"
    differences = {t: (found[t], registered[t]) for t in found if found[t] != registered[t]}
    assert differences == {}


def test_every_table_view_and_column_carries_the_registry_comment(con) -> None:
    assert con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE comment IS NULL AND NOT internal").fetchall() == []
    objects = dict(con.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE NOT internal UNION ALL "
        "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall())
    assert objects == {name: t.comment() for name, t in registry.tables().items()}
    comments = {(t, c): text for t, c, text in con.execute("SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal").fetchall()}
    assert comments == {(t.name, c.name): c.comment() for t in registry.tables().values() for c in t.columns}
    share = comments["mart_rates", "share_denied"]
    assert share.startswith("不予公开占办理结果总计的比例 | ") and "比例 (0–1)" in share
    assert "取值 values: number, zero, blank, na, inferred, missing, text" in comments["fact_value", "value_semantic"]


def test_comments_survive_a_second_publish(db: Path, tmp_path: Path) -> None:
    """Views are recreated at every publish; their comments must be put back each time."""
    copy = tmp_path / "again.duckdb"
    copy.write_bytes(db.read_bytes())
    from warehouse.store import staged

    with staged(copy) as con:
        con.execute("DELETE FROM load_runs WHERE false")
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM duckdb_columns() WHERE comment IS NULL AND NOT internal").fetchone()[0] == 0
        assert con.execute("SELECT comment FROM duckdb_views() WHERE view_name = 'mart_region_year'").fetchone()[0] == registry.tables()["mart_region_year"].comment()


def test_docs_warehouse_md_is_generated_from_the_registry() -> None:
    text = (ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8")
    assert text == registry.render_docs(), "docs/warehouse.md is stale: run `python -m warehouse.registry docs`"
    assert registry.main(["docs", "--check"]) == 0
    for table in registry.tables().values():
        heading = next(h for h in re.findall(r"^### (.+)$", text, re.M) if table.name in h.split(", "))
        body = text.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
        for column in table.columns:
            assert f"| `{column.name}` | {column.type} | " in body, f"{table.name}.{column.name}"


def test_the_measure_columns_are_labelled_as_mart_measures_defines_them(con) -> None:
    measures = con.execute("SELECT DISTINCT measure, label_zh FROM mart_measures").fetchall()
    described = {c.name: c for c in registry.columns("mart_unit_year")}
    assert len(measures) == 30
    assert {m: described[m].zh for m, _ in measures} == dict(measures)


def test_the_export_dictionary_describes_columns_from_the_registry(db: Path, tmp_path: Path) -> None:
    export(db, tmp_path / "out", province="河南省", year=2024)
    text = (tmp_path / "out" / "河南省" / "2024" / "数据说明.md").read_text(encoding="utf-8-sig")
    assert f"- 区划代码(region_code)：{registry.describe('region_code', among=('dim_document',)).zh}" in text
    assert "- 区划代码(region_code)：单位所属区划" in text
    assert "- 予以公开占比(share_granted)：予以公开占办理结果总计的比例（单位：比例 (0–1)）" in text
    received = registry.describe("received_total")
    assert f"- 本年新收申请·总计(received_total)：{received.zh}（单位：件）" in text


def test_a_column_without_a_description_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "registry.yaml"
    broken.write_text("fields: {}\ntables:\n  - {name: t, kind: table, zh: 表, en: table, columns: [undescribed]}\n", encoding="utf-8")
    monkeypatch.setattr(registry, "REGISTRY", broken)
    registry.tables.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"t\.undescribed has no type, zh, en"):
            registry.tables()
    finally:
        registry.tables.cache_clear()


def test_values_in_the_warehouse_are_among_the_registered_ones(con) -> None:
    outside = {}
    for table in registry.tables().values():
        for column in table.columns:
            if column.values:
                found = {str(v) for (v,) in con.execute(f'SELECT DISTINCT "{column.name}" FROM {table.name} WHERE "{column.name}" IS NOT NULL').fetchall()}
                if found - set(column.values):
                    outside[f"{table.name}.{column.name}"] = sorted(found - set(column.values))
    assert outside == {}
