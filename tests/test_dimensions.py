"""The dimensions are loaded by DuckDB from the data files, and rebuilt only when those change."""
from __future__ import annotations

import duckdb

from transforms.regions import PLACEHOLDER_CITIES, gazetteer
from warehouse.dimensions import refresh_dimensions, region_kind
from warehouse.load import ensure_dimensions
from warehouse.store import apply_schema


def test_dim_region_from_sql_has_exactly_the_gazetteers_divisions_and_parent_names(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_schema(con)
    refresh_dimensions(con)
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT region_code, level, name, county_code, county, city_code, city, province_code, province, kind FROM dim_region").fetchall()}
    g = gazetteer()
    want = {}
    for code, d in g.by_code.items():
        if d.name in PLACEHOLDER_CITIES and d.level == "city":
            continue
        names = g.full_names(code)
        kind = region_kind(code, d.name) if d.level == "township" else None
        want[code] = (d.level, d.name, d.county_code, names["county"], d.city_code, names["city"], d.province_code, names["province"], kind)
    assert len(got) > 40_000
    assert got == want
    kinds = {row[-1] for row in got.values()}
    assert {"street", "town", "township", None} <= kinds and len(kinds) >= 6  # the kind rules (as SQL) ran
    # a township under a placeholder city (市辖区) has no city name, and its county and province are named
    beijing = got["110101001"]
    assert beijing[0] == "township" and beijing[4] == "1101" and beijing[5] is None and beijing[6] == "11" and beijing[3] == "东城区"


def test_dimensions_are_rebuilt_only_when_their_files_change(tmp_path, monkeypatch):
    import warehouse.load as load

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_schema(con)
    calls = []
    real = load.refresh_dimensions
    monkeypatch.setattr(load, "refresh_dimensions", lambda c: (calls.append(1), real(c)))
    ensure_dimensions(con)
    ensure_dimensions(con)
    assert len(calls) == 1 and con.execute("SELECT count(*) FROM dim_metric").fetchone()[0] > 50
    monkeypatch.setattr(load, "_catalog_fingerprint", lambda: "changed")
    ensure_dimensions(con)
    assert len(calls) == 2
