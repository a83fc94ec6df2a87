"""What a publish stores so that queries stay fast at national scale.

1. `doc_key`: a dense INTEGER key of each document inside this warehouse, on `dim_document` and on
   every `fact_value` row. Tens of millions of values join their document on it (a direct lookup)
   instead of on the 16-character `document_id`: `report_values` and `mart_unit_year_live` are 3x
   faster for it. Keys are given in load order, so the fact stays clustered by document. Rows
   written without one (any writer) get theirs here, before anything reads them.
2. The stored marts (`STORED_MARTS`): computed once per publish instead of once per query, and only
   when what they are computed from changed. A fingerprint of their inputs (a hash over every row
   of the tables they read) is kept in `warehouse_meta`; a publish whose inputs hash the same keeps
   the stored tables as they are, so a publish with nothing new at national scale rewrites nothing.
"""
from __future__ import annotations

import duckdb

from warehouse.columnar import column_types, literal

STORED_MARTS = {"mart_unit_year_table": "mart_unit_year_live", "mart_yoy_table": "mart_yoy_live",
                "mart_quality_table": "mart_quality_live",
                "mart_assessment_score_table": "mart_assessment_score_live", "mart_league_table": "mart_league_live"}
"""Marts stored at every publish (table: the view it is computed from), in this order (mart_yoy_live reads
mart_unit_year), because computing them per query is too slow at national scale."""

INPUTS = {"dim_document": None, "dim_region": None, "fact_check": None, "dim_year": None, "assessment_rule": None,
          "assessment_expected": None, "assessment_timeliness": None, "assessment_outcome": None,
          "fact_value": ("doc_key", "document_id", "metric_id", "applicant", "value", "value_semantic")}
"""Every table the stored marts read, directly or through other views (marts.sql, assessment.sql), with
the columns they read (None: all). fact_value's raw_text and source_ref reach no stored mart, and
hashing them would double the cost at national scale."""


def assign_doc_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Give every document and value row without a doc_key its document's key (new ones after the
    largest in use, in load order)."""
    con.execute("""
        UPDATE dim_document SET doc_key = k.doc_key
        FROM (SELECT document_id,
                     (SELECT coalesce(max(doc_key), 0) FROM dim_document)
                     + row_number() OVER (ORDER BY ingested_at, document_id) AS doc_key
              FROM dim_document WHERE doc_key IS NULL) k
        WHERE dim_document.document_id = k.document_id
    """)
    con.execute("""
        UPDATE fact_value SET doc_key = d.doc_key
        FROM dim_document d
        WHERE fact_value.doc_key IS NULL AND fact_value.document_id = d.document_id
    """)


def inputs_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A hash over every row of every input table (order-independent: sum of row hashes; with the row
    count, two different contents giving the same value is a 64-bit hash collision summed away)."""
    parts = []
    for table, read in INPUTS.items():
        try:
            columns = [c for c in column_types(con, table) if read is None or c in read]
        except duckdb.CatalogException:
            columns = []
        if not columns:
            parts.append(f"{table}:absent")
            continue
        row = ", ".join(f'"{c}"' for c in columns)
        count, total = con.execute(f"SELECT count(*), coalesce(sum(hash({row})::HUGEINT), 0) FROM {table}").fetchone()
        parts.append(f"{table}:{len(columns)}:{count}:{total}")
    return "|".join(parts)


def refresh_stored_marts(con: duckdb.DuckDBPyConnection, replace: bool = True) -> bool:
    """Store the marts that are costly to compute, once per publish rather than once per query, and
    only when their inputs changed (or replace=True: the definitions changed). replace=False refills
    the existing tables in place, which keeps their comments. Returns whether they were recomputed."""
    assign_doc_keys(con)
    fingerprint = inputs_fingerprint(con)
    found = con.execute("SELECT value FROM warehouse_meta WHERE key = 'stored_marts'").fetchone()
    if not replace and found is not None and found[0] == fingerprint:
        return False
    for table, view in STORED_MARTS.items():
        if replace:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {view}")
        else:
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} SELECT * FROM {view}")
    con.execute(f"INSERT OR REPLACE INTO warehouse_meta VALUES ('stored_marts', {literal(fingerprint)})")
    return True
