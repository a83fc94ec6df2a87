"""The physical design for national scale (warehouse/stored.py): integer document keys and marts
stored at publish only when their inputs changed. Run on a copy of the generated corpus warehouse."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import query_one
from warehouse.store import staged


@pytest.fixture
def db(corpus, tmp_path) -> Path:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(corpus.db, copy)
    return copy


def test_every_value_joins_its_document_on_a_unique_dense_key(db):
    docs, keys, lowest, highest = query_one(db, "SELECT count(*), count(DISTINCT doc_key), min(doc_key), max(doc_key) FROM dim_document")
    assert docs > 10 and keys == docs and lowest == 1 and highest == docs
    assert query_one(db, "SELECT count(*) FROM fact_value WHERE doc_key IS NULL")[0] == 0
    wrong = query_one(db, "SELECT count(*) FROM fact_value v JOIN dim_document d USING (document_id) WHERE v.doc_key <> d.doc_key")
    assert wrong[0] == 0
    by_text = query_one(db, "SELECT count(*), sum(v.value) FROM fact_value v JOIN dim_document d USING (document_id) WHERE d.status = 'loaded'")
    assert query_one(db, "SELECT count(*), sum(value) FROM report_values") == by_text


def test_a_publish_with_nothing_new_keeps_the_stored_marts_and_a_change_recomputes_them(db):
    from warehouse.stored import refresh_stored_marts

    before = query_one(db, "SELECT value FROM warehouse_meta WHERE key = 'stored_marts'")[0]
    with staged(db) as con:
        assert refresh_stored_marts(con, replace=False) is False       # nothing changed: nothing rewritten
    assert query_one(db, "SELECT value FROM warehouse_meta WHERE key = 'stored_marts'")[0] == before

    doc, received = query_one(db, "SELECT document_id, received_total FROM mart_unit_year WHERE received_total IS NOT NULL LIMIT 1")
    with staged(db) as con:                                             # a writer changes one cell; the publish sees it
        con.execute("UPDATE fact_value SET value = value + 5 WHERE document_id = ? AND metric_id = 'requests.received' "
                    "AND applicant = 'total'", [doc])
    assert query_one(db, "SELECT received_total FROM mart_unit_year WHERE document_id = ?", [doc])[0] == received + 5
    assert query_one(db, "SELECT value FROM warehouse_meta WHERE key = 'stored_marts'")[0] != before


def test_rows_written_without_a_key_get_their_documents_key_at_publish(db):
    doc, key = query_one(db, "SELECT document_id, doc_key FROM dim_document WHERE status = 'loaded' LIMIT 1")
    rows = query_one(db, "SELECT count(*) FROM report_values WHERE document_id = ?", [doc])[0]
    with staged(db) as con:                                             # a writer that knows nothing of doc_key
        con.execute("INSERT INTO fact_value (document_id, metric_id, applicant, value, value_semantic) "
                    "VALUES (?, 'requests.received', 'research', 1, 'number')", [doc])
    assert query_one(db, "SELECT count(*) FROM fact_value WHERE doc_key IS NULL")[0] == 0
    assert query_one(db, "SELECT count(*) FROM report_values WHERE document_id = ?", [doc])[0] == rows + 1
    assert query_one(db, "SELECT min(doc_key), max(doc_key) FROM fact_value WHERE document_id = ?", [doc]) == (key, key)
