"""Bulk inserts from Python column lists, without pandas.

Why not pandas: importing it (and numpy) costs more than loading a small batch, and DuckDB's
Python parameter binding imports both as well. So a batch goes into DuckDB as one columnar JSON
file (`{"column": [values...]}`), read back with the target table's own column types and
unnested; the same mechanism serves a one-document ingest and a 200-document batch. SQL literals
are quoted here for the few statements that would otherwise take a bound parameter.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import duckdb


def literal(value: Any) -> str:
    """A SQL literal for a str, number, bool, date or None (for statements run without parameters)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value) if math.isfinite(value) else "NULL"
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """The table's columns and SQL types, in order. pragma_table_info reads one table; duckdb_columns()
    would bind every view of the warehouse first (20x the time, paid once per inserted table)."""
    return dict(con.execute(f"SELECT name, type FROM pragma_table_info({literal(table)})").fetchall())


def insert_columns(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, list]) -> None:
    """INSERT the rows given as equally long column lists; columns not given stay at their default."""
    lengths = {len(v) for v in columns.values()}
    if not columns or lengths == {0}:
        return
    if len(lengths) != 1:
        raise ValueError(f"{table}: columns of different lengths {sorted(lengths)}")
    types = column_types(con, table)
    unknown = set(columns) - set(types)
    if unknown:
        raise ValueError(f"{table}: no column(s) {sorted(unknown)}")
    fd, path = tempfile.mkstemp(prefix="gongkai-batch-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({c: [_json_value(v) for v in values] for c, values in columns.items()}, fh, ensure_ascii=False)
        spec = ", ".join(f"{literal(c)}: {literal(types[c] + '[]')}" for c in columns)
        select = ", ".join(f'unnest("{c}") AS "{c}"' for c in columns)
        con.execute(f"INSERT INTO {table} BY NAME SELECT {select} FROM read_json({literal(path)}, columns={{{spec}}}, "
                    f"format='unstructured', maximum_object_size={max(1 << 24, os.path.getsize(path) + 1)})")
    finally:
        os.unlink(path)


def values_table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str], rows: Iterable[Sequence]) -> None:
    """A temporary table (column name: SQL type) holding small reference rows (settings, a corrections
    file), written as SQL literals: registering a DataFrame or binding parameters would import pandas."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    rows = list(rows)
    for start in range(0, len(rows), 1000):
        values = ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows[start:start + 1000])
        con.execute(f"INSERT INTO {name} VALUES {values}")


def drop_tables(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    for name in names:
        con.execute(f"DROP TABLE IF EXISTS temp.main.{name}")


def rows_to_columns(rows: list[dict], names: list[str]) -> dict[str, list]:
    """Row dicts to column lists (missing keys become NULL)."""
    return {n: [r.get(n) for r in rows] for n in names}
