"""The annual assessment (考核), rebuilt at every publish from the current reports.

1. Who is expected: with a scope (the sources file), every township-level division under its
   region codes (less the excluded kinds) and the listed departments, each assessed year; without
   one, today's coverage rule: the townships of every county with at least one report. Every unit
   that did report is assessed for the years it reported.
2. One outcome per unit × year × rule of the pack (PASS / FAIL / UNCERTAIN / NOT_ASSESSABLE), with
   its evidence: the document, the dates, the check ids, the similar report. A missing report
   fails `published` and leaves every other rule NOT_ASSESSABLE.
3. The marts (assessment.sql) read these tables; they are plain tables so queries stay fast.
"""
from __future__ import annotations

import re
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import duckdb

from transforms.sections import section_rules
from warehouse.assessment_config import AssessmentConfig, stored_config, store_config
from warehouse.columnar import drop_tables, insert_columns, literal, values_table
from warehouse.cross_checks import CROSS_CHECKS
from warehouse.store import staged

OUTCOMES = ("PASS", "FAIL", "UNCERTAIN", "NOT_ASSESSABLE")
MIN_NARRATIVE_CHARS = 50  # shorter narrative text says too little to call it copied
SHINGLE = 8  # characters: longer than the template's stock phrases' common runs, shorter than a sentence
_NOISE = re.compile(r"[\s\W_]+")
_DIGITS = re.compile(r"\d+")
_COUNTED = "('number', 'zero', 'inferred')"


def rebuild_assessment(con: duckdb.DuckDBPyConnection, config: AssessmentConfig | None = None) -> dict[str, int]:
    """Replace the assessment tables; with a config, store it first. Returns outcomes per kind."""
    if config is not None:
        store_config(con, config)
    config = config or stored_config(con)
    _register(con, config)
    con.execute("DELETE FROM assessment_rule")
    con.execute("INSERT INTO assessment_rule SELECT rule_id, category, description_zh, points, threshold, min_n FROM cfg_rules")
    con.execute("DELETE FROM assessment_expected")
    con.execute(_expected_sql(config))
    con.execute("CREATE OR REPLACE TEMP VIEW a_units AS " + _UNITS)
    con.execute("DELETE FROM assessment_timeliness")
    con.execute(_TIMELINESS)
    con.execute("DELETE FROM assessment_outcome")
    for sql in _RULES:
        con.execute("INSERT INTO assessment_outcome " + sql)
    _similarity(con)
    con.execute(_FILL)
    con.execute("DELETE FROM assessment_outcome WHERE rule_id NOT IN (SELECT rule_id FROM assessment_rule)")
    drop_tables(con, *CONFIG_TABLES)
    return dict(con.execute("SELECT outcome, count(*) FROM assessment_outcome GROUP BY 1").fetchall())


CONFIG_TABLES = {
    "cfg_rules": {"rule_id": "VARCHAR", "category": "VARCHAR", "description_zh": "VARCHAR", "points": "DOUBLE",
                  "threshold": "DOUBLE", "min_n": "BIGINT"},
    "cfg_deadlines": {"region_code": "VARCHAR", "unit_type": "VARCHAR", "deadline": "VARCHAR", "basis": "VARCHAR"},
    "cfg_regions": {"code": "VARCHAR"},
    "cfg_departments": {"name": "VARCHAR", "region_code": "VARCHAR", "level": "VARCHAR"},
    "cfg_kinds": {"kind": "VARCHAR"},
    "cfg_years": {"year": "BIGINT"},
}
"""The settings as temporary tables the rules' SQL reads (name: column types)."""


def _register(con: duckdb.DuckDBPyConnection, config: AssessmentConfig) -> None:
    records = {"cfg_rules": config.rules, "cfg_deadlines": config.deadlines, "cfg_departments": config.departments}
    lists = {"cfg_regions": config.regions, "cfg_kinds": config.exclude_kinds, "cfg_years": config.years}
    for name, columns in CONFIG_TABLES.items():
        rows = [[r.get(c) for c in columns] for r in records[name]] if name in records else [[v] for v in lists[name]]
        values_table(con, name, columns, rows)


_CURRENT = "SELECT * FROM dim_document WHERE status = 'loaded' AND unit_key IS NOT NULL AND year IS NOT NULL"


def _expected_sql(config: AssessmentConfig) -> str:
    if config.regions or config.departments:
        return f"""
        INSERT INTO assessment_expected
        WITH cur AS ({_CURRENT}),
        in_scope AS (
            SELECT * FROM cur WHERE EXISTS (SELECT 1 FROM cfg_regions s WHERE starts_with(coalesce(cur.region_code, ''), s.code))
               OR unit_key IN (SELECT region_code || ':' || name FROM cfg_departments)
        ), years AS (
            SELECT year FROM cfg_years
            UNION SELECT DISTINCT year FROM in_scope WHERE NOT EXISTS (SELECT 1 FROM cfg_years)
        ), expected AS (
            SELECT t.region_code AS unit_key, t.name AS unit, 'township' AS unit_type, t.region_code, y.year, 'scope' AS basis
            FROM dim_region t CROSS JOIN years y
            WHERE t.level = 'township' AND EXISTS (SELECT 1 FROM cfg_regions s WHERE starts_with(t.region_code, s.code))
              AND coalesce(t.kind, '') NOT IN (SELECT kind FROM cfg_kinds)
            UNION ALL
            SELECT p.region_code || ':' || p.name, p.name, 'department', p.region_code, y.year, 'departments'
            FROM cfg_departments p CROSS JOIN years y
        )
        SELECT * FROM expected
        UNION ALL
        SELECT c.unit_key, c.unit, c.unit_type, c.region_code, c.year, 'reported'
        FROM in_scope c WHERE NOT EXISTS (SELECT 1 FROM expected e WHERE e.unit_key = c.unit_key AND e.year = c.year)
        """
    return f"""
    INSERT INTO assessment_expected
    WITH cur AS ({_CURRENT}),
    placed AS (SELECT c.year, r.county_code, r.province_code FROM cur c JOIN dim_region r USING (region_code)),
    expected AS (
        SELECT t.region_code AS unit_key, t.name AS unit, 'township' AS unit_type, t.region_code, y.year, 'county_has_reports' AS basis
        FROM dim_region t
        JOIN (SELECT DISTINCT county_code FROM placed WHERE county_code IS NOT NULL) c USING (county_code)
        JOIN (SELECT DISTINCT province_code, year FROM placed) y USING (province_code)
        WHERE t.level = 'township' AND coalesce(t.kind, '') NOT IN (SELECT kind FROM cfg_kinds)
    )
    SELECT * FROM expected
    UNION ALL
    SELECT c.unit_key, c.unit, c.unit_type, c.region_code, c.year, 'reported'
    FROM cur c WHERE NOT EXISTS (SELECT 1 FROM expected e WHERE e.unit_key = c.unit_key AND e.year = c.year)
    """


_UNITS = """
SELECT e.unit_key, e.year, e.unit, coalesce(d.unit_type, e.unit_type) AS unit_type, e.region_code,
       r.county_code, r.city_code, d.document_id, d.source, d.template_version, d.published_on, d.published_source,
       d.published_not_after, d.published_not_before
FROM assessment_expected e
LEFT JOIN dim_document d ON d.status = 'loaded' AND d.unit_key = e.unit_key AND d.year = e.year
LEFT JOIN dim_region r ON r.region_code = coalesce(d.region_code, e.region_code)
"""

# published_on: the current version's, else the earliest of its earlier versions (first publication)
_TIMELINESS = """
INSERT INTO assessment_timeliness
WITH versions AS (
    SELECT unit_key, year, min(published_on) AS published_on, arg_min(published_source, published_on) AS published_source,
           min(published_not_after) AS published_not_after, max(published_not_before) AS published_not_before
    FROM dim_document WHERE status IN ('loaded', 'superseded') GROUP BY ALL
), deadline AS (
    SELECT u.unit_key, u.year,
           arg_max(x.deadline, (length(x.region_code), x.unit_type <> '')) AS mmdd,
           arg_max(x.basis, (length(x.region_code), x.unit_type <> '')) AS basis,
           arg_max(x.region_code, (length(x.region_code), x.unit_type <> '')) AS region
    FROM a_units u JOIN cfg_deadlines x
      ON (x.unit_type = '' OR x.unit_type = u.unit_type) AND (x.region_code = '' OR starts_with(coalesce(u.region_code, ''), x.region_code))
    WHERE u.document_id IS NOT NULL
    GROUP BY ALL
), dated AS (
    SELECT u.unit_key, u.year, u.document_id,
           coalesce(u.published_on, v.published_on) AS published_on,
           CASE WHEN u.published_on IS NOT NULL THEN u.published_source ELSE v.published_source END AS published_source,
           v.published_not_after, v.published_not_before,
           CAST((u.year + 1) || '-' || dl.mmdd AS DATE) AS deadline,
           dl.basis || CASE WHEN dl.region <> '' THEN '（' || dl.region || '）' ELSE '' END AS deadline_basis
    FROM a_units u
    LEFT JOIN versions v USING (unit_key, year)
    LEFT JOIN deadline dl USING (unit_key, year)
    WHERE u.document_id IS NOT NULL
)
SELECT *, date_diff('day', deadline, published_on) AS days_late FROM dated
"""

_PUBLISHED = """
SELECT u.unit_key, u.year, 'published',
       CASE WHEN u.document_id IS NOT NULL THEN 'PASS' WHEN q.files IS NOT NULL THEN 'UNCERTAIN' ELSE 'FAIL' END,
       u.document_id, NULL, NULL,
       CASE WHEN u.document_id IS NOT NULL THEN '现行报告：' || u.source
            WHEN q.files IS NOT NULL THEN '未找到可读的报告；该地区有未能读取的文件，可能就是本报告：' || q.files
            ELSE '未找到' || u.unit || u.year || '年度报告（同县本年已有' || coalesce(c.n, 0) || '份报告）' END
FROM a_units u
LEFT JOIN (SELECT region_code, year, string_agg(source, '; ') AS files FROM dim_document
           WHERE status = 'quarantined' AND region_code IS NOT NULL GROUP BY ALL) q
       ON q.region_code = u.region_code AND (q.year IS NULL OR q.year = u.year)
LEFT JOIN (SELECT r.county_code, d.year, count(*) AS n FROM dim_document d JOIN dim_region r USING (region_code)
           WHERE d.status = 'loaded' GROUP BY ALL) c ON c.county_code = u.county_code AND c.year = u.year
"""

_ON_TIME = """
SELECT t.unit_key, t.year, 'on_time',
       CASE WHEN t.deadline IS NULL THEN 'UNCERTAIN'
            WHEN t.published_on IS NOT NULL THEN CASE WHEN t.days_late > coalesce(r.threshold, 0) THEN 'FAIL' ELSE 'PASS' END
            WHEN t.published_not_after <= t.deadline THEN 'PASS'
            WHEN t.published_not_before > t.deadline THEN 'FAIL'
            ELSE 'UNCERTAIN' END,
       t.document_id,
       coalesce(t.days_late, CASE WHEN t.published_not_before > t.deadline THEN date_diff('day', t.deadline, t.published_not_before) END),
       NULL,
       CASE WHEN t.deadline IS NULL THEN '没有适用于该类单位的公开期限（data/assessment/deadlines.csv）'
            WHEN t.published_on IS NOT NULL THEN '发布日期 ' || t.published_on || '（来源：' || t.published_source || '），期限 '
                 || t.deadline || '（' || t.deadline_basis || '），' || CASE WHEN t.days_late > 0 THEN '逾期 ' || t.days_late || ' 天' ELSE '按期' END
            WHEN t.published_not_after <= t.deadline THEN '未找到发布日期；采集程序 ' || t.published_not_after || ' 已见到该报告，早于期限 ' || t.deadline
            WHEN t.published_not_before > t.deadline THEN '未找到发布日期；报告落款或文件日期 ' || t.published_not_before || ' 已晚于期限 ' || t.deadline
            ELSE '未找到发布日期（网页发布时间、页头、Last-Modified 均无），期限 ' || t.deadline END
FROM assessment_timeliness t LEFT JOIN cfg_rules r ON r.rule_id = 'on_time'
"""

_SECTIONS = """
SELECT u.unit_key, u.year, 'sections',
       CASE WHEN count(s.section) = 6 THEN 'PASS' ELSE 'FAIL' END, u.document_id, count(s.section), NULL,
       CASE WHEN count(s.section) = 6 THEN '六部分齐全'
            ELSE '缺少：' || array_to_string(list_filter(['一', '二', '三', '四', '五', '六'], x -> NOT list_contains(list(s.section), x)), '、')
                 || '（找到 ' || count(s.section) || ' 部分的标题）' END
FROM a_units u LEFT JOIN fact_section s USING (document_id)
WHERE u.document_id IS NOT NULL GROUP BY ALL
"""

_TABLE_CELLS = """
SELECT v.document_id, m.section,
       count(*) FILTER (WHERE v.value_semantic <> 'missing') AS found,
       count(*) FILTER (WHERE v.value_semantic = 'blank') AS blanks,
       count(*) FILTER (WHERE v.value_semantic = 'na') AS nas,
       string_agg(v.source_ref, ', ' ORDER BY v.source_ref) FILTER (WHERE v.value_semantic = 'blank') AS blank_refs
FROM fact_value v JOIN dim_metric m USING (metric_id)
WHERE v.document_id IN (SELECT document_id FROM a_units)
GROUP BY ALL
"""

_TABLES = f"""
SELECT u.unit_key, u.year, 'tables',
       CASE WHEN count(*) FILTER (WHERE t.found = 0) = 0 THEN 'PASS' ELSE 'FAIL' END, u.document_id,
       count(*) FILTER (WHERE t.found > 0), NULL,
       CASE WHEN count(*) FILTER (WHERE t.found = 0) = 0 THEN '表格齐全（' || string_agg(t.section, '、' ORDER BY strpos('一二三四五六', t.section)) || '）'
            ELSE '缺少表格：' || string_agg(t.section, '、' ORDER BY strpos('一二三四五六', t.section)) FILTER (WHERE t.found = 0) END
            || '；空白单元格 ' || sum(t.blanks) || ' 个，“—”等不适用 ' || sum(t.nas) || ' 个'
            || coalesce('；完整度 ' || printf('%.0f', 100 * any_value(d.completeness)) || '%', '')
FROM a_units u JOIN ({_TABLE_CELLS}) t USING (document_id) JOIN dim_document d USING (document_id) GROUP BY ALL
"""

_BLANKS = f"""
SELECT u.unit_key, u.year, 'blank_cells',
       CASE WHEN sum(t.blanks) > coalesce(any_value(r.threshold), 0) THEN 'FAIL' ELSE 'PASS' END, u.document_id, sum(t.blanks), NULL,
       '空白单元格 ' || sum(t.blanks) || ' 个，“—”等不适用 ' || sum(t.nas) || ' 个'
       || coalesce('：' || left(string_agg(t.blank_refs, ', '), 200), '')
FROM a_units u JOIN ({_TABLE_CELLS}) t USING (document_id) LEFT JOIN cfg_rules r ON r.rule_id = 'blank_cells' GROUP BY ALL
"""

_TEMPLATE = """
SELECT u.unit_key, u.year, 'template',
       CASE WHEN u.template_version IS NULL THEN 'UNCERTAIN' WHEN u.template_version = y.template_version THEN 'PASS' ELSE 'FAIL' END,
       u.document_id, NULL, NULL,
       CASE WHEN u.template_version IS NULL THEN '未能识别报告所用的格式版本'
            ELSE '报告使用 ' || u.template_version || ' 年版格式，' || u.year || ' 年度适用 ' || y.template_version || ' 年版' END
FROM a_units u JOIN dim_year y USING (year) WHERE u.document_id IS NOT NULL
"""


def _checks(rule_id: str, condition: str) -> str:
    """One outcome from a unit's check results; the evidence names each failed check and cell in Chinese."""
    return f"""
    SELECT u.unit_key, u.year, '{rule_id}',
           CASE WHEN count(*) FILTER (WHERE c.passed = false) > 0 THEN 'FAIL'
                WHEN count(*) FILTER (WHERE c.passed) > 0 THEN 'PASS' ELSE 'NOT_ASSESSABLE' END,
           u.document_id, count(*) FILTER (WHERE c.passed = false), NULL,
           CASE WHEN count(*) FILTER (WHERE c.passed = false) > 0 THEN
                    count(*) FILTER (WHERE c.passed = false) || ' 项不符：' || left(string_agg(
                        c.check_id || '：' || coalesce(m.label_zh, c.metric_id, '') || coalesce('·' || a.label_zh, '')
                        || ' 报告 ' || coalesce(printf('%g', c.reported), '空') || '，应为 ' || coalesce(printf('%g', c.expected), '空')
                        || coalesce('（相差 ' || printf('%+g', c.reported - c.expected) || '）', ''),
                        '；' ORDER BY c.check_id, c.metric_id, c.applicant) FILTER (WHERE c.passed = false), 600)
                WHEN count(*) FILTER (WHERE c.passed) > 0 THEN count(*) FILTER (WHERE c.passed) || ' 项相符'
                ELSE '相关格子空白或缺失，无法检查' END
    FROM a_units u JOIN fact_check c USING (document_id)
    LEFT JOIN dim_metric m ON m.metric_id = c.metric_id
    LEFT JOIN dim_applicant a ON a.applicant = c.applicant
    WHERE {condition}
    GROUP BY ALL
    """


_STOCK = f"""
WITH cur AS ({_CURRENT}),
counted AS (SELECT document_id, metric_id, value FROM fact_value WHERE value_semantic IN {_COUNTED} AND metric_id LIKE 'proactive.%'),
kinds AS (SELECT * FROM (VALUES ('rules', '规章'), ('normative_docs', '行政规范性文件')) k(kind, label)),
rows AS (
    SELECT u.unit_key, u.year, u.document_id, p.document_id AS prev_id, k.label,
           i.value AS issued, r.value AS repealed, f.value AS in_force, pf.value AS prev_in_force
    FROM a_units u
    JOIN cur p ON p.unit_key = u.unit_key AND p.year = u.year - 1
    CROSS JOIN kinds k
    JOIN counted f ON f.document_id = u.document_id AND f.metric_id = 'proactive.' || k.kind || '.in_force'
    JOIN counted i ON i.document_id = u.document_id AND i.metric_id = 'proactive.' || k.kind || '.issued'
    JOIN counted r ON r.document_id = u.document_id AND r.metric_id = 'proactive.' || k.kind || '.repealed'
    JOIN counted pf ON pf.document_id = p.document_id AND pf.metric_id = 'proactive.' || k.kind || '.in_force'
)
SELECT unit_key, year, 'stock_rule',
       CASE WHEN bool_or(in_force <> prev_in_force + issued - repealed) THEN 'FAIL' ELSE 'PASS' END,
       document_id, max(abs(in_force - (prev_in_force + issued - repealed))), any_value(prev_id),
       string_agg(label || '：现行有效 ' || printf('%g', in_force)
                  || CASE WHEN in_force <> prev_in_force + issued - repealed THEN ' ≠ ' ELSE ' = ' END
                  || '上年 ' || printf('%g', prev_in_force) || ' + 制发 ' || printf('%g', issued) || ' − 废止 ' || printf('%g', repealed)
                  || ' = ' || printf('%g', prev_in_force + issued - repealed), '；' ORDER BY label)
       || '（上年报告 ' || any_value(prev_id) || '）'
FROM rows GROUP BY unit_key, year, document_id
"""

_RECEIVED = f"""
SELECT d.document_id, d.unit_key, d.unit_type, d.year, r.city_code, v.value
FROM dim_document d JOIN fact_value v USING (document_id) LEFT JOIN dim_region r USING (region_code)
WHERE d.status = 'loaded' AND v.metric_id = 'requests.received' AND v.applicant = 'total' AND v.value_semantic IN {_COUNTED}
"""

_JUMP_HISTORY = f"""
WITH rec AS ({_RECEIVED}), rule AS (SELECT * FROM cfg_rules WHERE rule_id = 'jump_history')
SELECT u.unit_key, u.year, 'jump_history',
       CASE WHEN abs(c.value - p.value) >= coalesce(rule.min_n, 0)
                 AND greatest(c.value, p.value) / greatest(least(c.value, p.value), 1) >= rule.threshold THEN 'FAIL' ELSE 'PASS' END,
       u.document_id, c.value - p.value, p.document_id,
       '本年新收申请 ' || printf('%g', c.value) || ' 件，上年 ' || printf('%g', p.value) || ' 件（变化 '
       || printf('%+g', c.value - p.value) || '，' || printf('%.1f', greatest(c.value, p.value) / greatest(least(c.value, p.value), 1))
       || ' 倍；阈值 ' || printf('%g', rule.threshold) || ' 倍且至少 ' || coalesce(rule.min_n, 0) || ' 件）'
FROM a_units u CROSS JOIN rule
JOIN rec c ON c.document_id = u.document_id
JOIN rec p ON p.unit_key = u.unit_key AND p.year = u.year - 1
"""

_JUMP_PEERS = f"""
WITH rec AS ({_RECEIVED}), rule AS (SELECT * FROM cfg_rules WHERE rule_id = 'jump_peers'),
peers AS (
    SELECT unit_type, city_code, year, count(*) AS n, median(value) AS med,
           median(abs(value - (SELECT median(value) FROM rec r2 WHERE r2.unit_type IS NOT DISTINCT FROM rec.unit_type
                                AND r2.city_code IS NOT DISTINCT FROM rec.city_code AND r2.year = rec.year))) AS mad
    FROM rec GROUP BY ALL
)
SELECT u.unit_key, u.year, 'jump_peers',
       CASE WHEN p.n < coalesce(rule.min_n, 30) THEN 'NOT_ASSESSABLE'
            WHEN p.mad = 0 THEN CASE WHEN c.value = p.med THEN 'PASS' ELSE 'UNCERTAIN' END
            WHEN abs(c.value - p.med) / (1.4826 * p.mad) > rule.threshold THEN 'FAIL' ELSE 'PASS' END,
       u.document_id, CASE WHEN p.mad > 0 THEN (c.value - p.med) / (1.4826 * p.mad) END, NULL,
       CASE WHEN p.n < coalesce(rule.min_n, 30) THEN '同市同类单位仅 ' || p.n || ' 个（少于 ' || coalesce(rule.min_n, 30) || ' 个），不作同级比较'
            ELSE '本年新收申请 ' || printf('%g', c.value) || ' 件，同市同类 ' || p.n || ' 个单位中位数 ' || printf('%g', p.med)
                 || '，MAD ' || printf('%g', p.mad) || CASE WHEN p.mad > 0 THEN '，稳健Z值 ' || printf('%.1f', (c.value - p.med) / (1.4826 * p.mad)) ELSE '' END END
FROM a_units u CROSS JOIN rule
JOIN rec c ON c.document_id = u.document_id
JOIN peers p ON p.unit_type IS NOT DISTINCT FROM c.unit_type AND p.city_code IS NOT DISTINCT FROM c.city_code AND p.year = c.year
"""

_REPEATED = f"""
WITH cur AS ({_CURRENT}), rule AS (SELECT * FROM cfg_rules WHERE rule_id = 'tables_repeated'),
fp AS (
    SELECT document_id,
           -- order-free: a sum of per-cell hashes needs constant memory per document (an ordered text
           -- aggregate over every value ran out of memory at national scale)
           (count(*), sum(hash(metric_id, coalesce(applicant, ''), value_semantic, coalesce(CAST(value AS VARCHAR), '')))) AS fingerprint,
           coalesce(sum(abs(value)), 0) > 0 AS has_numbers
    FROM fact_value WHERE document_id IN (SELECT document_id FROM cur) GROUP BY document_id
), years AS (
    SELECT c.unit_key, c.year, c.document_id, f.fingerprint, f.has_numbers FROM cur c JOIN fp f USING (document_id)
)
SELECT u.unit_key, u.year, 'tables_repeated',
       CASE WHEN count(p.year) = 0 THEN 'NOT_ASSESSABLE'
            WHEN t.has_numbers AND count(p.year) FILTER (WHERE p.fingerprint = t.fingerprint) >= rule.threshold - 1 THEN 'FAIL' ELSE 'PASS' END,
       u.document_id, 1 + count(p.year) FILTER (WHERE p.fingerprint = t.fingerprint),
       max(p.document_id) FILTER (WHERE p.fingerprint = t.fingerprint),
       CASE WHEN count(p.year) = 0 THEN '没有本单位往年的报告可比'
            WHEN NOT t.has_numbers THEN '表格全为0或空白，不作比较'
            ELSE '统计表格与 ' || coalesce(string_agg(p.year || ' 年（' || p.document_id || '）', '、' ORDER BY p.year)
                                   FILTER (WHERE p.fingerprint = t.fingerprint), '往年') ||
                 CASE WHEN count(p.year) FILTER (WHERE p.fingerprint = t.fingerprint) > 0 THEN ' 完全相同' ELSE '均不相同' END END
FROM a_units u CROSS JOIN rule
JOIN years t ON t.document_id = u.document_id
LEFT JOIN years p ON p.unit_key = u.unit_key AND p.year < u.year AND p.year >= u.year - (rule.threshold - 1)
GROUP BY u.unit_key, u.year, u.document_id, t.has_numbers, t.fingerprint, rule.threshold
"""

_CHANGED = """
WITH versions AS (
    SELECT unit_key, year, document_id, status, published_on, ingested_at FROM dim_document
    WHERE status IN ('loaded', 'superseded') AND unit_key IS NOT NULL AND year IS NOT NULL
), same_url AS (
    SELECT a.document_id, b.document_id AS other_id, a.url, b.first_seen AS other_seen, a.first_seen
    FROM fact_fetch a JOIN fact_fetch b ON a.url = b.url AND a.document_id <> b.document_id
), per_unit AS (
    SELECT u.unit_key, u.year, u.document_id,
           count(DISTINCT v.document_id) AS versions,
           string_agg(v.document_id || '（' || CASE WHEN v.status = 'loaded' THEN '现行' ELSE '已被替换' END || '，发布 '
                      || coalesce(CAST(v.published_on AS VARCHAR), '日期不明') || '，入库 ' || strftime(v.ingested_at, '%Y-%m-%d %H:%M') || '）',
                      ' → ' ORDER BY v.ingested_at) AS history,
           max(v.document_id) FILTER (WHERE v.status = 'superseded') AS other
    FROM a_units u JOIN versions v USING (unit_key, year)
    WHERE u.document_id IS NOT NULL GROUP BY ALL
)
SELECT p.unit_key, p.year, 'changed',
       CASE WHEN p.versions > 1 OR s.other_id IS NOT NULL THEN 'FAIL' ELSE 'PASS' END,
       p.document_id, p.versions, coalesce(p.other, s.other_id),
       CASE WHEN p.versions > 1 THEN '同一单位同一年度有 ' || p.versions || ' 个版本：' || p.history ELSE '只有一个版本' END
       || coalesce('；同一网址 ' || s.url || ' 先后取得不同内容：' || s.other_id || '（首见 ' || strftime(s.other_seen, '%Y-%m-%d') || '）与 '
                   || p.document_id || '（首见 ' || strftime(s.first_seen, '%Y-%m-%d') || '）', '')
FROM per_unit p
LEFT JOIN (SELECT document_id, arg_min(other_id, other_seen) AS other_id, any_value(url) AS url, min(other_seen) AS other_seen,
                  min(first_seen) AS first_seen FROM same_url GROUP BY document_id) s USING (document_id)
"""

_RULES = (
    _PUBLISHED, _ON_TIME, _SECTIONS, _TABLES, _BLANKS, _TEMPLATE,
    _checks("identities", f"c.check_id NOT IN ({', '.join(repr(c) for c in CROSS_CHECKS)})"),
    _checks("carry_over", "c.check_id = 'cross_year_carry_over'"),
    _checks("prose_vs_table", "c.check_id = 'prose_vs_table'"),
    _STOCK, _JUMP_HISTORY, _JUMP_PEERS, _REPEATED, _CHANGED,
)

# every expected unit-year gets every rule: what no rule above decided is not assessable
_FILL = """
INSERT INTO assessment_outcome
SELECT u.unit_key, u.year, r.rule_id, 'NOT_ASSESSABLE', u.document_id, NULL, NULL,
       CASE WHEN u.document_id IS NULL THEN '没有报告' ELSE '缺少评估所需的数据（例如没有上年报告或相关表格数据）' END
FROM a_units u CROSS JOIN cfg_rules r
WHERE NOT EXISTS (SELECT 1 FROM assessment_outcome o WHERE o.unit_key = u.unit_key AND o.year = u.year AND o.rule_id = r.rule_id)
"""


def normalise(text: str) -> str:
    """Narrative text as compared: no spaces or punctuation, every number the same (a copied report
    changes the year and the counts, not the sentences)."""
    return _DIGITS.sub("0", _NOISE.sub("", text))


def shingles(text: str) -> frozenset[str]:
    return frozenset(text[i:i + SHINGLE] for i in range(max(len(text) - SHINGLE + 1, 0)))


def reused(a: frozenset[str], b: frozenset[str]) -> float:
    """Share (0-100) of a's text found in b: a's shingles that b also has."""
    return 100.0 * len(a & b) / len(a) if a else 0.0


def _similarity(con: duckdb.DuckDBPyConnection) -> None:
    """Share of narrative text reused from the predecessor and from the county's peers of the same year."""
    narrative = [r.section for r in section_rules() if r.narrative]
    rows = con.execute(f"""
        SELECT u.unit_key, u.year, u.document_id, u.county_code, string_agg(s.text, '' ORDER BY s.section) AS text
        FROM a_units u JOIN fact_section s USING (document_id)
        WHERE s.section IN ({", ".join(literal(n) for n in narrative) or "NULL"}) AND s.text IS NOT NULL
        GROUP BY ALL
    """).fetchall()
    texts = {doc: normalise(text or "") for _, _, doc, _, text in rows}
    sets = {doc: shingles(text) for doc, text in texts.items()}
    by_unit = {(unit, year): doc for unit, year, doc, _, _ in rows}
    groups: dict[tuple, list[str]] = defaultdict(list)
    for _, year, doc, county, _ in rows:
        if county:
            groups[(county, year)].append(doc)
    pairs = []
    for unit, year, doc, _, _ in rows:
        prev = by_unit.get((unit, year - 1))
        if prev and _comparable(texts[doc], texts[prev]):
            pairs.append((doc, prev, "previous", reused(sets[doc], sets[prev])))
    best: dict[str, tuple[str, float]] = {}
    for docs in groups.values():
        for a, b in combinations(sorted(docs), 2):
            if not _comparable(texts[a], texts[b]):
                continue
            for x, y in ((a, b), (b, a)):
                score = reused(sets[x], sets[y])
                if x not in best or score > best[x][1]:
                    best[x] = (y, score)
    pairs += [(doc, other, "peer", score) for doc, (other, score) in best.items()]
    con.execute("DELETE FROM assessment_similarity")
    insert_columns(con, "assessment_similarity", dict(zip(("document_id", "other_document_id", "relation", "similarity"),
                                                          map(list, zip(*pairs)) if pairs else ([], [], [], []))))
    con.execute(_SIMILAR.format(rule_id="similar_previous", relation="previous", words="本单位上年报告", verdict=_ABOVE))
    con.execute(_SIMILAR.format(rule_id="similar_peer", relation="peer", words="同县同年最相似的报告", verdict=_PEER_VERDICT))


_SIMILAR = """
INSERT INTO assessment_outcome
SELECT u.unit_key, u.year, '{rule_id}', {verdict}, u.document_id, round(s.similarity, 1), s.other_document_id,
       '叙述部分有 ' || printf('%.1f', s.similarity) || '% 与{words} ' || s.other_document_id || '（' || o.unit || ' ' || o.year
       || ' 年' || coalesce('，发布 ' || o.published_on, '') || '）相同（阈值 ' || printf('%g', r.threshold) || '%）'
       || CASE WHEN '{relation}' = 'peer' AND s.similarity > r.threshold THEN
               CASE WHEN u.published_on > o.published_on THEN '；本报告发布在后'
                    WHEN u.published_on < o.published_on THEN '；本报告发布在先，对方发布在后'
                    ELSE '；无法从发布日期判断谁引用了谁' END ELSE '' END
FROM a_units u
JOIN assessment_similarity s ON s.document_id = u.document_id AND s.relation = '{relation}'
JOIN dim_document o ON o.document_id = s.other_document_id
JOIN cfg_rules r ON r.rule_id = '{rule_id}'
"""
_ABOVE = "CASE WHEN s.similarity > r.threshold THEN 'FAIL' ELSE 'PASS' END"
# of two alike reports of one county and year, the one published later copied; undated: cannot tell
_PEER_VERDICT = """CASE WHEN s.similarity <= r.threshold THEN 'PASS' WHEN u.published_on > o.published_on THEN 'FAIL'
                        WHEN u.published_on < o.published_on THEN 'PASS' ELSE 'UNCERTAIN' END"""


def _comparable(a: str, b: str) -> bool:
    return len(a) >= MIN_NARRATIVE_CHARS and len(b) >= MIN_NARRATIVE_CHARS


def apply_config(db: Path, config: AssessmentConfig) -> bool:
    """Store an office's settings and re-assess, when they differ from the stored ones; True if it did.

    A publish stores the assessment of its own settings, so a scope or rule pack that changed while no
    new report arrived (ingest then leaves the warehouse untouched) is applied here, in one staged build.
    """
    db = Path(db)
    if not db.exists():
        return False
    with duckdb.connect(str(db), read_only=True) as con:
        current = stored_config(con).to_json()
    if current == config.to_json():
        return False
    with staged(db) as con:
        rebuild_assessment(con, config)
    return True


def league_lines(db: Path, limit: int = 20) -> list[str]:
    """The county league of the newest assessed year, for the nightly summary."""
    db = Path(db)
    if not db.exists():
        return []
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("""
            SELECT region_name, year, expected_units, published_units, coverage_pct, on_time_pct, average_score, identity_pass_pct
            FROM mart_league WHERE level = 'county' AND year = (SELECT max(year) FROM mart_league)
            ORDER BY average_score DESC, coverage_pct DESC, region_name LIMIT ?
        """, [limit]).fetchall()
    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:g}%"
    return [f"{name} {year}: {published}/{expected} published ({pct(coverage)}), on time {pct(on_time)}, "
            f"average score {score:g}, identities passed {pct(identities)}"
            for name, year, expected, published, coverage, on_time, score, identities in rows]
