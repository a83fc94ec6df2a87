"""Checks that need more than one document or more than the tables, as SQL over the warehouse.

- cross_year_carry_over: this year's 二、上年结转 equals last year's 四、结转下年度继续办理, per
  applicant column, for the same unit (unit_key) — between the current reports of both years.
- prose_vs_table: the count 一、总体情况 quotes (fact_prose, read at extraction) equals the table.

Both depend on which reports are current, so they are rebuilt (deleted and inserted) after
supersession on every load: a corrected report or a missing year that arrives later changes
them. Results go to fact_check beside the per-document identities, so report_checks and the
quality mart show them. A failure is a finding; no number is changed.
"""
from __future__ import annotations

import duckdb

from transforms.checks import COUNTED, TOLERANCE
from warehouse.columnar import literal

CROSS_CHECKS = {
    "cross_year_carry_over": "本年“二、上年结转”等于同一单位上年报告的“四、结转下年度继续办理”（逐列）",
    "prose_vs_table": "一、总体情况中所述的申请数量等于表格“一、本年新收”总计",
}
_COUNTED = ", ".join(f"'{s}'" for s in COUNTED)

CARRY_OVER = f"""
INSERT INTO fact_check (document_id, check_id, metric_id, applicant, passed, expected, reported, detail)
WITH current_docs AS (
    SELECT document_id, unit_key, year FROM dim_document
    WHERE status = 'loaded' AND unit_key IS NOT NULL AND year IS NOT NULL
), pairs AS (
    SELECT this.document_id, last.document_id AS last_id, this.year
    FROM current_docs this JOIN current_docs last ON last.unit_key = this.unit_key AND last.year = this.year - 1
), cells AS (
    SELECT p.document_id, p.last_id, p.year, t.applicant,
           t.value_semantic IN ({_COUNTED}) AS t_ok, l.value_semantic IN ({_COUNTED}) AS l_ok,
           t.value AS t_value, l.value AS l_value, t.value_semantic AS t_sem, l.value_semantic AS l_sem,
           coalesce(a.label_zh, t.applicant) AS who
    FROM pairs p
    JOIN fact_value t ON t.document_id = p.document_id AND t.metric_id = 'requests.carried_in'
    JOIN fact_value l ON l.document_id = p.last_id AND l.metric_id = 'requests.carried_forward'
                     AND l.applicant IS NOT DISTINCT FROM t.applicant
    LEFT JOIN dim_applicant a ON a.applicant = t.applicant
)
SELECT document_id, 'cross_year_carry_over', 'requests.carried_in', applicant,
       CASE WHEN t_ok AND l_ok THEN abs(t_value - l_value) <= {TOLERANCE} END,
       CASE WHEN l_ok THEN l_value END, CASE WHEN t_ok THEN t_value END,
       CASE
           WHEN NOT (t_ok AND l_ok) THEN 'not reported: ' || concat_ws(', ',
               CASE WHEN NOT t_ok THEN 'requests.carried_in (' || t_sem || ')' END,
               CASE WHEN NOT l_ok THEN (year - 1) || ' requests.carried_forward (' || l_sem || ', document ' || last_id || ')' END)
           WHEN abs(t_value - l_value) <= {TOLERANCE} THEN 'ok'
           ELSE '上年结转·' || who || ': reported ' || printf('%g', t_value) || ', but the ' || (year - 1)
                || ' report (document ' || last_id || ') carried forward ' || printf('%g', l_value)
                || ' (difference ' || printf('%+g', t_value - l_value) || ')'
       END
FROM cells
"""

PROSE = f"""
INSERT INTO fact_check (document_id, check_id, metric_id, applicant, passed, expected, reported, detail)
SELECT p.document_id, 'prose_vs_table', p.metric_id, p.applicant,
       CASE WHEN v.value_semantic IN ({_COUNTED}) THEN abs(p.value - v.value) <= {TOLERANCE} END,
       CASE WHEN v.value_semantic IN ({_COUNTED}) THEN v.value END,
       p.value,
       CASE
           WHEN v.value_semantic IS NULL OR v.value_semantic NOT IN ({_COUNTED})
               THEN 'not reported: ' || p.metric_id || ' (' || coalesce(v.value_semantic, 'missing') || ') in the table'
           WHEN abs(p.value - v.value) <= {TOLERANCE} THEN 'ok'
           ELSE '一、总体情况 quotes ' || printf('%g', p.value) || ' (“' || p.quote || '”, ' || coalesce(p.source_ref, '?')
                || '), the table says ' || printf('%g', v.value)
                || CASE WHEN c.value_semantic IN ({_COUNTED}) AND abs(p.value - v.value - c.value) <= {TOLERANCE}
                        THEN '; the prose equals 新收 + 上年结转 (it may count carried-over requests)' ELSE '' END
       END
FROM fact_prose p
JOIN dim_document d USING (document_id)
LEFT JOIN fact_value v ON v.document_id = p.document_id AND v.metric_id = p.metric_id AND v.applicant IS NOT DISTINCT FROM p.applicant
LEFT JOIN fact_value c ON c.document_id = p.document_id AND c.metric_id = 'requests.carried_in' AND c.applicant IS NOT DISTINCT FROM p.applicant
WHERE d.status IN ('loaded', 'superseded')
"""


def rebuild_cross_checks(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Replace every cross-document check row; returns failed rows per check_id."""
    ids = ", ".join(literal(c) for c in CROSS_CHECKS)  # literals: binding a list would import pandas
    con.execute(f"DELETE FROM fact_check WHERE check_id IN ({ids})")
    con.execute(CARRY_OVER)
    con.execute(PROSE)
    failed = dict(con.execute(
        f"SELECT check_id, count(*) FILTER (WHERE passed = false) FROM fact_check WHERE check_id IN ({ids}) GROUP BY 1"
    ).fetchall())
    return {check_id: failed.get(check_id, 0) for check_id in CROSS_CHECKS}
