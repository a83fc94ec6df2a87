-- The annual assessment (考核): who was expected to publish, one outcome per unit × year × rule, and
-- the marts over them. warehouse/assessment.py rebuilds the tables at every publish; the rule pack,
-- deadlines and scope are data (data/assessment/, or an office's own files named in the sources file).
-- docs/warehouse.md describes every column.

CREATE TABLE IF NOT EXISTS assessment_rule (
    rule_id VARCHAR PRIMARY KEY, category VARCHAR, description_zh VARCHAR, points DOUBLE, threshold DOUBLE, min_n INTEGER
);

CREATE TABLE IF NOT EXISTS assessment_expected (
    unit_key VARCHAR, unit VARCHAR, unit_type VARCHAR, region_code VARCHAR, year INTEGER,
    basis VARCHAR                       -- scope | departments | county_has_reports | reported
);

CREATE TABLE IF NOT EXISTS assessment_timeliness (
    unit_key VARCHAR, year INTEGER, document_id VARCHAR, published_on DATE, published_source VARCHAR,
    published_not_after DATE, published_not_before DATE, deadline DATE, deadline_basis VARCHAR, days_late INTEGER
);

CREATE TABLE IF NOT EXISTS assessment_similarity (
    document_id VARCHAR, other_document_id VARCHAR,
    relation VARCHAR,                   -- previous (same unit, year before) | peer (same county and year)
    similarity DOUBLE                   -- 0-100: share of this report's narrative 8-character shingles found in the other
);

CREATE TABLE IF NOT EXISTS assessment_outcome (
    unit_key VARCHAR, year INTEGER, rule_id VARCHAR,
    outcome VARCHAR,                    -- PASS | FAIL | UNCERTAIN | NOT_ASSESSABLE
    document_id VARCHAR, measured DOUBLE, other_document_id VARCHAR, evidence VARCHAR
);

-- One row per unit × year × rule with the points it costs (a rule's points count only when it FAILs).
CREATE OR REPLACE VIEW mart_assessment AS
SELECT o.unit_key, coalesce(d.unit, e.unit) AS unit, coalesce(d.unit_type, e.unit_type) AS unit_type, g.kind,
       e.region_code, g.county_code, g.county, g.city_code, g.city, g.province_code, g.province,
       o.year, o.rule_id, r.category, r.description_zh, o.outcome,
       CASE WHEN o.outcome = 'FAIL' THEN r.points ELSE 0 END AS points,
       r.points AS rule_points, r.threshold, o.measured, o.document_id, d.source, o.other_document_id,
       od.source AS other_source, o.evidence
FROM assessment_outcome o
JOIN assessment_expected e USING (unit_key, year)
LEFT JOIN assessment_rule r USING (rule_id)
LEFT JOIN dim_region g ON g.region_code = e.region_code
LEFT JOIN dim_document d ON d.document_id = o.document_id
LEFT JOIN dim_document od ON od.document_id = o.other_document_id;

-- One row per unit × year: score (the sum of the points lost, 0 = nothing lost), publication date,
-- deadline and days late, and the rank and percentile in county, city and province (higher = better).
-- Computed here as mart_assessment_score_live; every publish stores it as mart_assessment_score_table
-- (warehouse/store.py STORED_MARTS), which mart_assessment_score reads, so queries stay fast at national scale.
CREATE OR REPLACE VIEW mart_assessment_score_live AS
WITH s AS (
    SELECT unit_key, any_value(unit) AS unit, any_value(unit_type) AS unit_type, any_value(kind) AS kind,
           any_value(region_code) AS region_code, any_value(county_code) AS county_code, any_value(county) AS county,
           any_value(city_code) AS city_code, any_value(city) AS city, any_value(province_code) AS province_code,
           any_value(province) AS province, year,
           max(document_id) AS document_id,
           bool_or(rule_id = 'published' AND outcome = 'PASS') AS published,
           sum(points) AS score,
           count(*) FILTER (WHERE outcome = 'FAIL') AS failed_rules,
           count(*) FILTER (WHERE outcome = 'UNCERTAIN') AS uncertain_rules,
           string_agg(rule_id, ' ' ORDER BY rule_id) FILTER (WHERE outcome = 'FAIL') AS failed_rule_ids
    FROM mart_assessment GROUP BY unit_key, year
)
SELECT s.*, t.published_on, t.published_source, t.deadline, t.days_late,
       CASE WHEN s.county_code IS NOT NULL THEN rank() OVER (PARTITION BY s.county_code, s.year ORDER BY s.score DESC) END AS county_rank,
       CASE WHEN s.county_code IS NOT NULL THEN count(*) OVER (PARTITION BY s.county_code, s.year) END AS county_units,
       CASE WHEN s.county_code IS NOT NULL THEN round(100 * cume_dist() OVER (PARTITION BY s.county_code, s.year ORDER BY s.score), 1) END AS county_percentile,
       CASE WHEN s.city_code IS NOT NULL THEN rank() OVER (PARTITION BY s.city_code, s.year ORDER BY s.score DESC) END AS city_rank,
       CASE WHEN s.city_code IS NOT NULL THEN count(*) OVER (PARTITION BY s.city_code, s.year) END AS city_units,
       CASE WHEN s.city_code IS NOT NULL THEN round(100 * cume_dist() OVER (PARTITION BY s.city_code, s.year ORDER BY s.score), 1) END AS city_percentile,
       rank() OVER (PARTITION BY s.province_code, s.year ORDER BY s.score DESC) AS province_rank,
       count(*) OVER (PARTITION BY s.province_code, s.year) AS province_units,
       round(100 * cume_dist() OVER (PARTITION BY s.province_code, s.year ORDER BY s.score), 1) AS province_percentile
FROM s LEFT JOIN assessment_timeliness t USING (unit_key, year);

CREATE TABLE IF NOT EXISTS mart_assessment_score_table AS SELECT * FROM mart_assessment_score_live LIMIT 0;
CREATE OR REPLACE VIEW mart_assessment_score AS SELECT * FROM mart_assessment_score_table;

-- Per county, city and province and year: coverage of the expected units, on-time share, average
-- score and identity pass rate. Stored like mart_assessment_score (mart_league_live -> mart_league_table).
CREATE OR REPLACE VIEW mart_league_live AS
WITH a AS (
    SELECT s.*, i.outcome AS identities, o.outcome AS on_time
    FROM mart_assessment_score s
    LEFT JOIN assessment_outcome i ON i.unit_key = s.unit_key AND i.year = s.year AND i.rule_id = 'identities'
    LEFT JOIN assessment_outcome o ON o.unit_key = s.unit_key AND o.year = s.year AND o.rule_id = 'on_time'
), rolled AS (
    SELECT CASE WHEN grouping(county_code) = 0 THEN 'county' WHEN grouping(city_code) = 0 THEN 'city' ELSE 'province' END AS level,
           coalesce(county_code, city_code, province_code) AS region_code, year,
           count(*) AS expected_units,
           count(*) FILTER (WHERE published) AS published_units,
           count(*) FILTER (WHERE on_time = 'PASS') AS on_time_units,
           count(*) FILTER (WHERE on_time = 'FAIL') AS late_units,
           count(*) FILTER (WHERE on_time = 'UNCERTAIN') AS undated_units,
           avg(score) AS average_score,
           count(*) FILTER (WHERE identities = 'PASS') AS identities_passed,
           count(*) FILTER (WHERE identities IN ('PASS', 'FAIL')) AS identities_evaluated
    FROM a
    WHERE province_code IS NOT NULL
    GROUP BY GROUPING SETS ((county_code, year), (city_code, year), (province_code, year))
)
SELECT r.level, r.region_code, g.name AS region_name, g.city, g.province, r.year, r.expected_units, r.published_units,
       round(100.0 * r.published_units / nullif(r.expected_units, 0), 1) AS coverage_pct,
       r.on_time_units, r.late_units, r.undated_units,
       round(100.0 * r.on_time_units / nullif(r.on_time_units + r.late_units, 0), 1) AS on_time_pct,
       round(r.average_score, 2) AS average_score,
       round(100.0 * r.identities_passed / nullif(r.identities_evaluated, 0), 1) AS identity_pass_pct
FROM rolled r JOIN dim_region g ON g.region_code = r.region_code
WHERE r.region_code IS NOT NULL;

CREATE TABLE IF NOT EXISTS mart_league_table AS SELECT * FROM mart_league_live LIMIT 0;
CREATE OR REPLACE VIEW mart_league AS SELECT * FROM mart_league_table;
