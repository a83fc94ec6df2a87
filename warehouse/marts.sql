-- Marts: analyst-facing views built on the star schema (schema.sql) and the stable views (views.sql).
-- Applied after views.sql on every load (warehouse/store.py). Every mart reads current reports only
-- (dim_document.status = 'loaded'); superseded versions stay in dim_document / fact_value.
-- docs/warehouse.md describes every column; docs/queries.md has example questions.

-- Which metric cells make up each measure column of the marts (one row per cell). A measure is
-- the sum of its cells, and NULL unless every one of its cells the report prints is a number, a
-- zero or an inferred value: a blank is not a zero, so a subtotal over a blank is unknown.
-- requests.other and the three requests.other.* rows are alternatives: a report prints one or the other.
CREATE OR REPLACE VIEW mart_measures AS
SELECT * FROM (VALUES
    (0, 'received_total', '本年新收申请·总计', 'Requests received this year, total', 'requests.received', 'total'),
    (1, 'received_natural_person', '本年新收申请·自然人', 'Requests received this year, natural persons', 'requests.received', 'natural_person'),
    (2, 'received_organisations', '本年新收申请·法人或其他组织', 'Requests received this year, organisations', 'requests.received', 'commercial'),
    (2, 'received_organisations', '本年新收申请·法人或其他组织', 'Requests received this year, organisations', 'requests.received', 'research'),
    (2, 'received_organisations', '本年新收申请·法人或其他组织', 'Requests received this year, organisations', 'requests.received', 'social_org'),
    (2, 'received_organisations', '本年新收申请·法人或其他组织', 'Requests received this year, organisations', 'requests.received', 'legal_service'),
    (2, 'received_organisations', '本年新收申请·法人或其他组织', 'Requests received this year, organisations', 'requests.received', 'other_org'),
    (3, 'carried_in_total', '上年结转申请·总计', 'Requests carried over from last year, total', 'requests.carried_in', 'total'),
    (4, 'granted_total', '予以公开·总计', 'Granted, total', 'requests.granted', 'total'),
    (5, 'partially_granted_total', '部分公开·总计', 'Partially granted, total', 'requests.partially_granted', 'total'),
    (6, 'denied_total', '不予公开·总计', 'Denied, total', 'requests.denied.state_secret', 'total'),
    (6, 'denied_total', '不予公开·总计', 'Denied, total', 'requests.denied.prohibited_by_law', 'total'),
    (6, 'denied_total', '不予公开·总计', 'Denied, total', 'requests.denied.security_stability', 'total'),
    (6, 'denied_total', '不予公开·总计', 'Denied, total', 'requests.denied.third_party', 'total'),
    (6, 'denied_total', '不予公开·总计', 'Denied, total', 'requests.denied.internal_affairs', 'total'),
    (6, 'denied_total', '不予公开·总计', 'Denied, total', 'requests.denied.process_info', 'total'),
    (6, 'denied_total', '不予公开·总计', 'Denied, total', 'requests.denied.enforcement_files', 'total'),
    (6, 'denied_total', '不予公开·总计', 'Denied, total', 'requests.denied.admin_query', 'total'),
    (7, 'denied_state_secret_total', '不予公开·属于国家秘密·总计', 'Denied: state secret, total', 'requests.denied.state_secret', 'total'),
    (8, 'denied_prohibited_by_law_total', '不予公开·其他法律行政法规禁止公开·总计', 'Denied: prohibited by other laws and regulations, total', 'requests.denied.prohibited_by_law', 'total'),
    (9, 'denied_security_stability_total', '不予公开·危及“三安全一稳定”·总计', 'Denied: endangers security or stability, total', 'requests.denied.security_stability', 'total'),
    (10, 'denied_third_party_total', '不予公开·保护第三方合法权益·总计', 'Denied: protects a third party''s rights, total', 'requests.denied.third_party', 'total'),
    (11, 'denied_internal_affairs_total', '不予公开·属于三类内部事务信息·总计', 'Denied: internal affairs information, total', 'requests.denied.internal_affairs', 'total'),
    (12, 'denied_process_info_total', '不予公开·属于四类过程性信息·总计', 'Denied: process information, total', 'requests.denied.process_info', 'total'),
    (13, 'denied_enforcement_files_total', '不予公开·属于行政执法案卷·总计', 'Denied: administrative enforcement files, total', 'requests.denied.enforcement_files', 'total'),
    (14, 'denied_admin_query_total', '不予公开·属于行政查询事项·总计', 'Denied: administrative query matters, total', 'requests.denied.admin_query', 'total'),
    (15, 'unavailable_total', '无法提供·总计', 'Could not be provided, total', 'requests.unavailable.not_held', 'total'),
    (15, 'unavailable_total', '无法提供·总计', 'Could not be provided, total', 'requests.unavailable.needs_creation', 'total'),
    (15, 'unavailable_total', '无法提供·总计', 'Could not be provided, total', 'requests.unavailable.unclear', 'total'),
    (16, 'not_processed_total', '不予处理·总计', 'Not processed, total', 'requests.not_processed.petition', 'total'),
    (16, 'not_processed_total', '不予处理·总计', 'Not processed, total', 'requests.not_processed.duplicate', 'total'),
    (16, 'not_processed_total', '不予处理·总计', 'Not processed, total', 'requests.not_processed.publication', 'total'),
    (16, 'not_processed_total', '不予处理·总计', 'Not processed, total', 'requests.not_processed.excessive', 'total'),
    (16, 'not_processed_total', '不予处理·总计', 'Not processed, total', 'requests.not_processed.confirmation', 'total'),
    (17, 'other_total', '其他处理·总计', 'Other handling, total', 'requests.other.no_correction', 'total'),
    (17, 'other_total', '其他处理·总计', 'Other handling, total', 'requests.other.fee_unpaid', 'total'),
    (17, 'other_total', '其他处理·总计', 'Other handling, total', 'requests.other.other', 'total'),
    (17, 'other_total', '其他处理·总计', 'Other handling, total', 'requests.other', 'total'),
    (18, 'outcomes_total', '办理结果总计', 'Requests handled, all outcomes', 'requests.outcomes_total', 'total'),
    (19, 'carried_forward_total', '结转下年度继续办理·总计', 'Carried forward to next year, total', 'requests.carried_forward', 'total'),
    (20, 'review_total', '行政复议·总计', 'Administrative reviews, total', 'appeals.review.total', NULL),
    (21, 'review_corrected', '行政复议·结果纠正', 'Administrative reviews: result corrected', 'appeals.review.corrected', NULL),
    (22, 'litigation_direct_total', '行政诉讼·未经复议直接起诉·总计', 'Lawsuits without a prior review, total', 'appeals.litigation_direct.total', NULL),
    (23, 'litigation_after_review_total', '行政诉讼·复议后起诉·总计', 'Lawsuits after a review, total', 'appeals.litigation_after_review.total', NULL),
    (24, 'litigation_total', '行政诉讼·总计', 'Lawsuits, total', 'appeals.litigation_direct.total', NULL),
    (24, 'litigation_total', '行政诉讼·总计', 'Lawsuits, total', 'appeals.litigation_after_review.total', NULL),
    (25, 'litigation_corrected', '行政诉讼·结果纠正', 'Lawsuits: result corrected', 'appeals.litigation_direct.corrected', NULL),
    (25, 'litigation_corrected', '行政诉讼·结果纠正', 'Lawsuits: result corrected', 'appeals.litigation_after_review.corrected', NULL),
    (26, 'licensing_decisions', '行政许可·本年处理决定数量', 'Administrative licensing decisions this year', 'proactive.licensing.decisions', NULL),
    (27, 'penalties_decisions', '行政处罚·本年处理决定数量', 'Administrative penalty decisions this year', 'proactive.penalties.decisions', NULL),
    (28, 'enforcement_decisions', '行政强制·本年处理决定数量', 'Administrative enforcement decisions this year', 'proactive.enforcement.decisions', NULL),
    (29, 'fees_amount', '行政事业性收费·本年收费金额（万元）', 'Administrative fees collected this year (10,000 yuan)', 'proactive.fees.amount', NULL)
) AS m(sort_order, measure, label_zh, label_en, metric_id, applicant);

-- One row per reporting unit (unit_key) that has at least one current report. unit_type tells a
-- township from a county, city or province government and from a department; the region columns
-- place the unit in the hierarchy (a department is placed at the level of the government it belongs to).
CREATE OR REPLACE VIEW units AS
WITH current_docs AS (
    SELECT d.*, row_number() OVER (PARTITION BY unit_key ORDER BY year DESC, ingested_at DESC, document_id DESC) AS latest,
           count(*) OVER (PARTITION BY unit_key) AS reports,
           min(year) OVER (PARTITION BY unit_key) AS first_year,
           max(year) OVER (PARTITION BY unit_key) AS last_year
    FROM dim_document d
    WHERE d.status = 'loaded' AND d.unit_key IS NOT NULL
)
SELECT c.unit_key, c.unit, c.unit_type,
       CASE c.unit_type WHEN 'township' THEN '乡镇（街道）' WHEN 'county' THEN '县级政府' WHEN 'city' THEN '地市级政府'
                        WHEN 'province' THEN '省级政府' WHEN 'zone' THEN '功能区（新区、开发区）' WHEN 'department' THEN '部门' ELSE '未识别' END AS unit_type_zh,
       c.region_code, r.level AS region_level, c.region_status,
       CASE WHEN r.level = 'township' THEN r.name END AS township,
       r.county_code, r.county, r.city_code, r.city, r.province_code, r.province,
       c.first_year, c.last_year, c.reports
FROM current_docs c LEFT JOIN dim_region r USING (region_code)
WHERE c.latest = 1;

-- Unit × year wide table: one row per current report, the key measures as columns.
-- Computed here as mart_unit_year_live; every publish stores it as the table mart_unit_year_table
-- (warehouse/store.py), so mart_unit_year and the marts built on it stay fast at national scale.
CREATE OR REPLACE VIEW mart_unit_year_live AS
WITH cells AS (
    SELECT v.doc_key, m.sort_order AS measure_no, v.value, v.value_semantic IN ('number', 'zero', 'inferred', 'corrected') AS counted
    FROM fact_value v
    JOIN mart_measures m ON m.metric_id = v.metric_id AND coalesce(m.applicant, '') = coalesce(v.applicant, '')
    WHERE v.doc_key IN (SELECT doc_key FROM dim_document WHERE status = 'loaded')
), wide AS (
    SELECT doc_key,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 0) THEN CAST(sum(value) FILTER (WHERE measure_no = 0) AS BIGINT) END AS received_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 1) THEN CAST(sum(value) FILTER (WHERE measure_no = 1) AS BIGINT) END AS received_natural_person,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 2) THEN CAST(sum(value) FILTER (WHERE measure_no = 2) AS BIGINT) END AS received_organisations,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 3) THEN CAST(sum(value) FILTER (WHERE measure_no = 3) AS BIGINT) END AS carried_in_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 4) THEN CAST(sum(value) FILTER (WHERE measure_no = 4) AS BIGINT) END AS granted_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 5) THEN CAST(sum(value) FILTER (WHERE measure_no = 5) AS BIGINT) END AS partially_granted_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 6) THEN CAST(sum(value) FILTER (WHERE measure_no = 6) AS BIGINT) END AS denied_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 7) THEN CAST(sum(value) FILTER (WHERE measure_no = 7) AS BIGINT) END AS denied_state_secret_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 8) THEN CAST(sum(value) FILTER (WHERE measure_no = 8) AS BIGINT) END AS denied_prohibited_by_law_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 9) THEN CAST(sum(value) FILTER (WHERE measure_no = 9) AS BIGINT) END AS denied_security_stability_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 10) THEN CAST(sum(value) FILTER (WHERE measure_no = 10) AS BIGINT) END AS denied_third_party_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 11) THEN CAST(sum(value) FILTER (WHERE measure_no = 11) AS BIGINT) END AS denied_internal_affairs_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 12) THEN CAST(sum(value) FILTER (WHERE measure_no = 12) AS BIGINT) END AS denied_process_info_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 13) THEN CAST(sum(value) FILTER (WHERE measure_no = 13) AS BIGINT) END AS denied_enforcement_files_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 14) THEN CAST(sum(value) FILTER (WHERE measure_no = 14) AS BIGINT) END AS denied_admin_query_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 15) THEN CAST(sum(value) FILTER (WHERE measure_no = 15) AS BIGINT) END AS unavailable_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 16) THEN CAST(sum(value) FILTER (WHERE measure_no = 16) AS BIGINT) END AS not_processed_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 17) THEN CAST(sum(value) FILTER (WHERE measure_no = 17) AS BIGINT) END AS other_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 18) THEN CAST(sum(value) FILTER (WHERE measure_no = 18) AS BIGINT) END AS outcomes_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 19) THEN CAST(sum(value) FILTER (WHERE measure_no = 19) AS BIGINT) END AS carried_forward_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 20) THEN CAST(sum(value) FILTER (WHERE measure_no = 20) AS BIGINT) END AS review_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 21) THEN CAST(sum(value) FILTER (WHERE measure_no = 21) AS BIGINT) END AS review_corrected,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 22) THEN CAST(sum(value) FILTER (WHERE measure_no = 22) AS BIGINT) END AS litigation_direct_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 23) THEN CAST(sum(value) FILTER (WHERE measure_no = 23) AS BIGINT) END AS litigation_after_review_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 24) THEN CAST(sum(value) FILTER (WHERE measure_no = 24) AS BIGINT) END AS litigation_total,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 25) THEN CAST(sum(value) FILTER (WHERE measure_no = 25) AS BIGINT) END AS litigation_corrected,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 26) THEN CAST(sum(value) FILTER (WHERE measure_no = 26) AS BIGINT) END AS licensing_decisions,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 27) THEN CAST(sum(value) FILTER (WHERE measure_no = 27) AS BIGINT) END AS penalties_decisions,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 28) THEN CAST(sum(value) FILTER (WHERE measure_no = 28) AS BIGINT) END AS enforcement_decisions,
           CASE WHEN bool_and(counted) FILTER (WHERE measure_no = 29) THEN CAST(sum(value) FILTER (WHERE measure_no = 29) AS DECIMAL(18, 2)) END AS fees_amount
    FROM cells GROUP BY doc_key
), failed AS (
    SELECT document_id, count(*) FILTER (WHERE passed = false) AS failed_checks
    FROM fact_check GROUP BY document_id
)
-- wide drives the joins: every current report has rows for the measures (a cell the template
-- prints but the document lacks is a 'missing' row), and this join order keeps the view fast
SELECT d.unit_key, d.unit, d.unit_type, d.year, d.document_id, d.template_version,
       d.region_code, r.level AS region_level, CASE WHEN r.level = 'township' THEN r.name END AS township,
       r.county_code, r.county, r.city_code, r.city, r.province_code, r.province,
       w.* EXCLUDE (doc_key),
       coalesce(f.failed_checks, 0) AS failed_checks
FROM wide w
JOIN dim_document d USING (doc_key)
LEFT JOIN dim_region r USING (region_code)
LEFT JOIN failed f USING (document_id);

CREATE TABLE IF NOT EXISTS mart_unit_year_table AS SELECT * FROM mart_unit_year_live LIMIT 0;
CREATE OR REPLACE VIEW mart_unit_year AS SELECT * FROM mart_unit_year_table;

-- County, city and province rollups per year. A unit counts toward every level above its region
-- (a township toward its county, city and province; a city department toward its city and
-- province). Sums add the units that reported the measure (NULL cells are left out);
-- received_reported_units says how many did for received_total.
CREATE OR REPLACE VIEW mart_region_year AS
WITH rolled AS (
    SELECT CASE WHEN grouping(county_code) = 0 THEN 'county' WHEN grouping(city_code) = 0 THEN 'city' ELSE 'province' END AS level,
           coalesce(county_code, city_code, province_code) AS rollup_code, year,
           count(DISTINCT unit_key) AS reporting_units,
           count(DISTINCT unit_key) FILTER (WHERE unit_type = 'township') AS township_units,
           count(DISTINCT unit_key) FILTER (WHERE unit_type IN ('county', 'city', 'province')) AS government_units,
           count(DISTINCT unit_key) FILTER (WHERE unit_type = 'department') AS department_units,
           count(received_total) AS received_reported_units,
       CAST(sum(received_total) AS BIGINT) AS received_total,
       CAST(sum(received_natural_person) AS BIGINT) AS received_natural_person,
       CAST(sum(received_organisations) AS BIGINT) AS received_organisations,
       CAST(sum(carried_in_total) AS BIGINT) AS carried_in_total,
       CAST(sum(granted_total) AS BIGINT) AS granted_total,
       CAST(sum(partially_granted_total) AS BIGINT) AS partially_granted_total,
       CAST(sum(denied_total) AS BIGINT) AS denied_total,
       CAST(sum(denied_state_secret_total) AS BIGINT) AS denied_state_secret_total,
       CAST(sum(denied_prohibited_by_law_total) AS BIGINT) AS denied_prohibited_by_law_total,
       CAST(sum(denied_security_stability_total) AS BIGINT) AS denied_security_stability_total,
       CAST(sum(denied_third_party_total) AS BIGINT) AS denied_third_party_total,
       CAST(sum(denied_internal_affairs_total) AS BIGINT) AS denied_internal_affairs_total,
       CAST(sum(denied_process_info_total) AS BIGINT) AS denied_process_info_total,
       CAST(sum(denied_enforcement_files_total) AS BIGINT) AS denied_enforcement_files_total,
       CAST(sum(denied_admin_query_total) AS BIGINT) AS denied_admin_query_total,
       CAST(sum(unavailable_total) AS BIGINT) AS unavailable_total,
       CAST(sum(not_processed_total) AS BIGINT) AS not_processed_total,
       CAST(sum(other_total) AS BIGINT) AS other_total,
       CAST(sum(outcomes_total) AS BIGINT) AS outcomes_total,
       CAST(sum(carried_forward_total) AS BIGINT) AS carried_forward_total,
       CAST(sum(review_total) AS BIGINT) AS review_total,
       CAST(sum(review_corrected) AS BIGINT) AS review_corrected,
       CAST(sum(litigation_direct_total) AS BIGINT) AS litigation_direct_total,
       CAST(sum(litigation_after_review_total) AS BIGINT) AS litigation_after_review_total,
       CAST(sum(litigation_total) AS BIGINT) AS litigation_total,
       CAST(sum(litigation_corrected) AS BIGINT) AS litigation_corrected,
       CAST(sum(licensing_decisions) AS BIGINT) AS licensing_decisions,
       CAST(sum(penalties_decisions) AS BIGINT) AS penalties_decisions,
       CAST(sum(enforcement_decisions) AS BIGINT) AS enforcement_decisions,
       CAST(sum(fees_amount) AS DECIMAL(18, 2)) AS fees_amount,
           sum(failed_checks)::BIGINT AS failed_checks
    FROM mart_unit_year
    GROUP BY GROUPING SETS ((county_code, year), (city_code, year), (province_code, year))
)
SELECT r.level, r.rollup_code AS region_code, g.name AS region_name,
       g.city_code, g.city, g.province_code, g.province, r.* EXCLUDE (level, rollup_code)
FROM rolled r JOIN dim_region g ON g.region_code = r.rollup_code;  -- drops units without a county (or city) and placeholder cities

-- Rates per unit-year (level 'unit') and per region-year (levels county, city, province).
-- Shares are fractions of the requests handled (（七）总计, outcomes_total); reviews and lawsuits
-- are per 100 requests received (本年新收 总计). NULL where the denominator is 0 or not reported.
CREATE OR REPLACE VIEW mart_rates AS
WITH base AS (
    SELECT 'unit' AS level, unit_key, region_code, unit AS name, province, year, 1 AS reporting_units,
           * EXCLUDE (unit_key, region_code, unit, province, year)
    FROM mart_unit_year
    UNION ALL BY NAME
    SELECT level, NULL AS unit_key, region_code, region_name AS name,
           CASE WHEN level = 'county' THEN region_code END AS county_code, CASE WHEN level = 'county' THEN region_name END AS county,
           province, year, reporting_units,
           * EXCLUDE (level, region_code, region_name, province, year, reporting_units)
    FROM mart_region_year
)
SELECT level, unit_key, region_code, name, county_code, county, city_code, city, province_code, province, year,
       reporting_units, received_total, outcomes_total,
       granted_total / nullif(outcomes_total, 0) AS share_granted,
       partially_granted_total / nullif(outcomes_total, 0) AS share_partially_granted,
       denied_total / nullif(outcomes_total, 0) AS share_denied,
       denied_state_secret_total / nullif(outcomes_total, 0) AS share_denied_state_secret,
       denied_prohibited_by_law_total / nullif(outcomes_total, 0) AS share_denied_prohibited_by_law,
       denied_security_stability_total / nullif(outcomes_total, 0) AS share_denied_security_stability,
       denied_third_party_total / nullif(outcomes_total, 0) AS share_denied_third_party,
       denied_internal_affairs_total / nullif(outcomes_total, 0) AS share_denied_internal_affairs,
       denied_process_info_total / nullif(outcomes_total, 0) AS share_denied_process_info,
       denied_enforcement_files_total / nullif(outcomes_total, 0) AS share_denied_enforcement_files,
       denied_admin_query_total / nullif(outcomes_total, 0) AS share_denied_admin_query,
       unavailable_total / nullif(outcomes_total, 0) AS share_unavailable,
       not_processed_total / nullif(outcomes_total, 0) AS share_not_processed,
       other_total / nullif(outcomes_total, 0) AS share_other,
       100 * review_total / nullif(received_total, 0) AS reviews_per_100_received,
       100 * litigation_total / nullif(received_total, 0) AS lawsuits_per_100_received
FROM base;

-- Year-over-year change of every measure (as DOUBLE: counts and 万元 amounts share the column), per unit (level 'unit') and per region, against the
-- calendar year before (previous_value is NULL when that year has no current report).
-- Computed here as mart_yoy_live; every publish stores it as the table mart_yoy_table (an 8 M-row
-- unpivot at national scale: 6 s per query computed, a scan once stored).
CREATE OR REPLACE VIEW mart_yoy_live AS
WITH series AS (
    SELECT 'unit' AS level, unit_key AS series_key, unit_key, region_code, unit AS name,
           county_code, county, city_code, city, province_code, province, year,
           1 AS reporting_units, received_total, received_natural_person, received_organisations, carried_in_total, granted_total, partially_granted_total, denied_total, denied_state_secret_total, denied_prohibited_by_law_total, denied_security_stability_total, denied_third_party_total, denied_internal_affairs_total, denied_process_info_total, denied_enforcement_files_total, denied_admin_query_total, unavailable_total, not_processed_total, other_total, outcomes_total, carried_forward_total, review_total, review_corrected, litigation_direct_total, litigation_after_review_total, litigation_total, litigation_corrected, licensing_decisions, penalties_decisions, enforcement_decisions, fees_amount
    FROM mart_unit_year
    UNION ALL
    SELECT level, level || ':' || region_code, NULL, region_code, region_name,
           CASE WHEN level = 'county' THEN region_code END, CASE WHEN level = 'county' THEN region_name END,
           city_code, city, province_code, province, year,
           reporting_units, received_total, received_natural_person, received_organisations, carried_in_total, granted_total, partially_granted_total, denied_total, denied_state_secret_total, denied_prohibited_by_law_total, denied_security_stability_total, denied_third_party_total, denied_internal_affairs_total, denied_process_info_total, denied_enforcement_files_total, denied_admin_query_total, unavailable_total, not_processed_total, other_total, outcomes_total, carried_forward_total, review_total, review_corrected, litigation_direct_total, litigation_after_review_total, litigation_total, litigation_corrected, licensing_decisions, penalties_decisions, enforcement_decisions, fees_amount
    FROM mart_region_year
), long AS (
    SELECT cur.level, cur.unit_key, cur.region_code, cur.name,
           cur.county_code, cur.county, cur.city_code, cur.city, cur.province_code, cur.province, cur.year,
           unnest(['received_total', 'received_natural_person', 'received_organisations', 'carried_in_total', 'granted_total', 'partially_granted_total', 'denied_total', 'denied_state_secret_total', 'denied_prohibited_by_law_total', 'denied_security_stability_total', 'denied_third_party_total', 'denied_internal_affairs_total', 'denied_process_info_total', 'denied_enforcement_files_total', 'denied_admin_query_total', 'unavailable_total', 'not_processed_total', 'other_total', 'outcomes_total', 'carried_forward_total', 'review_total', 'review_corrected', 'litigation_direct_total', 'litigation_after_review_total', 'litigation_total', 'litigation_corrected', 'licensing_decisions', 'penalties_decisions', 'enforcement_decisions', 'fees_amount']) AS measure,
           unnest([cur.received_total, cur.received_natural_person, cur.received_organisations, cur.carried_in_total, cur.granted_total, cur.partially_granted_total, cur.denied_total, cur.denied_state_secret_total, cur.denied_prohibited_by_law_total, cur.denied_security_stability_total, cur.denied_third_party_total, cur.denied_internal_affairs_total, cur.denied_process_info_total, cur.denied_enforcement_files_total, cur.denied_admin_query_total, cur.unavailable_total, cur.not_processed_total, cur.other_total, cur.outcomes_total, cur.carried_forward_total, cur.review_total, cur.review_corrected, cur.litigation_direct_total, cur.litigation_after_review_total, cur.litigation_total, cur.litigation_corrected, cur.licensing_decisions, cur.penalties_decisions, cur.enforcement_decisions, cur.fees_amount]::DOUBLE[]) AS value,
           unnest([prev.received_total, prev.received_natural_person, prev.received_organisations, prev.carried_in_total, prev.granted_total, prev.partially_granted_total, prev.denied_total, prev.denied_state_secret_total, prev.denied_prohibited_by_law_total, prev.denied_security_stability_total, prev.denied_third_party_total, prev.denied_internal_affairs_total, prev.denied_process_info_total, prev.denied_enforcement_files_total, prev.denied_admin_query_total, prev.unavailable_total, prev.not_processed_total, prev.other_total, prev.outcomes_total, prev.carried_forward_total, prev.review_total, prev.review_corrected, prev.litigation_direct_total, prev.litigation_after_review_total, prev.litigation_total, prev.litigation_corrected, prev.licensing_decisions, prev.penalties_decisions, prev.enforcement_decisions, prev.fees_amount]::DOUBLE[]) AS previous_value,
           cur.reporting_units, prev.reporting_units AS previous_reporting_units
    FROM series cur
    LEFT JOIN series prev ON prev.series_key = cur.series_key AND prev.year = cur.year - 1
)
SELECT level, unit_key, region_code, name, county_code, county, city_code, city, province_code, province, year,
       measure, m.label_zh, m.label_en, value, previous_value,
       value - previous_value AS change,
       100 * (value - previous_value) / nullif(previous_value, 0) AS change_pct,
       reporting_units, previous_reporting_units
FROM long
LEFT JOIN (SELECT DISTINCT measure, label_zh, label_en FROM mart_measures) m USING (measure);

CREATE TABLE IF NOT EXISTS mart_yoy_table AS SELECT * FROM mart_yoy_live LIMIT 0;
CREATE OR REPLACE VIEW mart_yoy AS SELECT * FROM mart_yoy_table;

-- Compliance list: for every county with at least one current report (any year, any unit type),
-- and every year in which its province has a current report, the townships of dim_region with no
-- current report for that year. A township report whose region is ambiguous or unresolved does
-- not count (see documents.region_status).
CREATE OR REPLACE VIEW mart_coverage AS
WITH placed AS (
    SELECT d.year, d.region_code, r.level, r.county_code, r.province_code
    FROM dim_document d JOIN dim_region r USING (region_code)
    WHERE d.status = 'loaded'
), counties AS (
    SELECT DISTINCT county_code FROM placed WHERE county_code IS NOT NULL
), years AS (
    SELECT DISTINCT province_code, year FROM placed
), county_reports AS (
    SELECT county_code, year, count(*) AS county_reports FROM placed WHERE county_code IS NOT NULL GROUP BY ALL
)
SELECT t.region_code, t.name AS township, t.county_code, t.county, t.city_code, t.city, t.province_code, t.province,
       y.year, coalesce(cr.county_reports, 0) AS county_reports
FROM dim_region t
JOIN counties c ON c.county_code = t.county_code
JOIN years y ON y.province_code = t.province_code
LEFT JOIN county_reports cr ON cr.county_code = t.county_code AND cr.year = y.year
WHERE t.level = 'township'
  AND NOT EXISTS (SELECT 1 FROM placed p WHERE p.region_code = t.region_code AND p.year = y.year);

-- Coverage per county and year over the same scope as mart_coverage.
CREATE OR REPLACE VIEW mart_coverage_summary AS
WITH scope AS (
    SELECT DISTINCT t.county_code, y.year
    FROM dim_region t
    JOIN (SELECT DISTINCT r.county_code FROM dim_document d JOIN dim_region r USING (region_code)
          WHERE d.status = 'loaded' AND r.county_code IS NOT NULL) c USING (county_code)
    JOIN (SELECT DISTINCT r.province_code, d.year FROM dim_document d JOIN dim_region r USING (region_code)
          WHERE d.status = 'loaded') y ON y.province_code = t.province_code
), townships AS (
    SELECT county_code, count(*) AS townships FROM dim_region WHERE level = 'township' GROUP BY county_code
), missing AS (
    SELECT county_code, year, count(*) AS townships_missing FROM mart_coverage GROUP BY ALL
)
SELECT s.county_code, g.name AS county, g.city_code, g.city, g.province_code, g.province, s.year,
       coalesce(t.townships, 0) AS townships,
       coalesce(t.townships, 0) - coalesce(m.townships_missing, 0) AS townships_reporting,
       coalesce(m.townships_missing, 0) AS townships_missing,
       100.0 * (coalesce(t.townships, 0) - coalesce(m.townships_missing, 0)) / nullif(t.townships, 0) AS coverage_pct
FROM scope s
JOIN dim_region g ON g.region_code = s.county_code
LEFT JOIN townships t ON t.county_code = s.county_code
LEFT JOIN missing m ON m.county_code = s.county_code AND m.year = s.year;

-- Data quality: check results of current reports by region (county, city, province), year and rule.
-- Row counts are check results (one per report × rule × column); documents_* count reports.
-- Computed here as mart_quality_live; every publish whose inputs changed stores it as the table
-- mart_quality_table (warehouse/stored.py): tens of millions of check results at national scale.
CREATE OR REPLACE VIEW mart_quality_live AS
WITH checks AS (
    SELECT c.document_id, c.check_id, c.passed, d.year, r.county_code, r.city_code, r.province_code
    FROM fact_check c
    JOIN dim_document d USING (document_id)
    LEFT JOIN dim_region r USING (region_code)
    WHERE d.status = 'loaded'
), rolled AS (
    SELECT CASE WHEN grouping(county_code) = 0 THEN 'county' WHEN grouping(city_code) = 0 THEN 'city' ELSE 'province' END AS level,
           coalesce(county_code, city_code, province_code) AS rollup_code, year, check_id,
           count(*) AS results,
           count(passed) AS evaluated,
           count(*) FILTER (WHERE passed = false) AS failed,
           count(*) FILTER (WHERE passed IS NULL) AS not_evaluable,
           count(DISTINCT document_id) AS documents,
           count(DISTINCT document_id) FILTER (WHERE passed = false) AS documents_failed
    FROM checks
    GROUP BY GROUPING SETS ((county_code, year, check_id), (city_code, year, check_id), (province_code, year, check_id))
)
SELECT r.level, r.rollup_code AS region_code, g.name AS region_name, g.city_code, g.city, g.province_code, g.province,
       r.* EXCLUDE (level, rollup_code)
FROM rolled r JOIN dim_region g ON g.region_code = r.rollup_code;

CREATE TABLE IF NOT EXISTS mart_quality_table AS SELECT * FROM mart_quality_live LIMIT 0;
CREATE OR REPLACE VIEW mart_quality AS SELECT * FROM mart_quality_table;
