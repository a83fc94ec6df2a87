-- Star schema of the gongkai warehouse. Dimensions are rebuilt from data/ on every load;
-- documents and facts accumulate across loads. See docs/warehouse.md for every column.

CREATE TABLE IF NOT EXISTS dim_region (
    region_code   VARCHAR PRIMARY KEY,  -- 9 digits township, 6 county, 4 city, 2 province
    level         VARCHAR NOT NULL,     -- township | county | city | province
    name          VARCHAR NOT NULL,
    county_code   VARCHAR,
    county        VARCHAR,
    city_code     VARCHAR,
    city          VARCHAR,
    province_code VARCHAR NOT NULL,
    province      VARCHAR
);

CREATE TABLE IF NOT EXISTS dim_metric (
    metric_id    VARCHAR PRIMARY KEY,
    section      VARCHAR NOT NULL,
    label_zh     VARCHAR NOT NULL,
    label_en     VARCHAR,
    unit         VARCHAR NOT NULL,
    by_applicant BOOLEAN NOT NULL,
    templates    VARCHAR NOT NULL,      -- template versions that print it, e.g. '2019 2021'
    part_of      VARCHAR,               -- the total this metric adds up into
    sort_order   INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS dim_applicant (
    applicant  VARCHAR PRIMARY KEY,
    label_zh   VARCHAR NOT NULL,
    group_zh   VARCHAR,
    sort_order INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS dim_year (
    year INTEGER PRIMARY KEY,
    template_version VARCHAR NOT NULL   -- the template in force for that statistical year
);

CREATE TABLE IF NOT EXISTS dim_document (
    document_id       VARCHAR PRIMARY KEY,  -- first 16 hex digits of sha256
    sha256            VARCHAR NOT NULL,
    source            VARCHAR NOT NULL,     -- the first path or URL it was ingested from
    format            VARCHAR,
    size_bytes        BIGINT,
    title             VARCHAR,
    unit              VARCHAR,
    unit_type         VARCHAR,
    unit_key          VARCHAR,
    region_code       VARCHAR,
    region_status     VARCHAR,
    region_method     VARCHAR,
    region_candidates VARCHAR,
    township          VARCHAR,
    county            VARCHAR,
    city              VARCHAR,
    province          VARCHAR,
    year              INTEGER,
    year_source       VARCHAR,
    template_version  VARCHAR,
    status            VARCHAR NOT NULL,     -- loaded | quarantined | superseded | not_report | replaced (corrections)
    error             VARCHAR,
    extractor_version VARCHAR NOT NULL,
    ingested_at       TIMESTAMP NOT NULL,
    superseded_by     VARCHAR
);

CREATE TABLE IF NOT EXISTS document_sources (
    document_id VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    first_seen  TIMESTAMP NOT NULL,
    PRIMARY KEY (document_id, source)
);

CREATE TABLE IF NOT EXISTS fact_value (
    document_id    VARCHAR NOT NULL,
    metric_id      VARCHAR NOT NULL,
    applicant      VARCHAR,
    value          DOUBLE,
    value_semantic VARCHAR NOT NULL,  -- number | zero | blank | na | inferred | missing | text | corrected
    raw_text       VARCHAR,
    source_ref     VARCHAR            -- PDF table cells: p3/t1/r5/c2@x0,y0,x1,y1 (the cell's box in points from the page's top left)
);
-- Corrections overlay (warehouse/corrections.py): a corrected cell keeps what was extracted beside it.
ALTER TABLE fact_value ADD COLUMN IF NOT EXISTS extracted_value DOUBLE;
ALTER TABLE fact_value ADD COLUMN IF NOT EXISTS extracted_semantic VARCHAR;

-- Every row of the corrections file with its status at the last publish (rebuilt by the overlay).
CREATE TABLE IF NOT EXISTS fact_correction (
    correction_no INTEGER NOT NULL,   -- row number in the corrections file
    recorded_at   TIMESTAMP,
    who           VARCHAR,
    why           VARCHAR,
    kind          VARCHAR,            -- value | accept_inferred | pick_split | not_report | replacement
    sha256        VARCHAR,
    document_id   VARCHAR,            -- NULL: the document is not in this warehouse
    metric_id     VARCHAR,
    applicant     VARCHAR,
    old_value     DOUBLE,             -- the extracted value the person saw
    new_value     DOUBLE,
    file          VARCHAR,            -- replacement: stored file, relative to the corrections folder
    current_value DOUBLE,             -- the extracted value now
    status        VARCHAR,            -- applied | stale | superseded | missing | pending
    detail        VARCHAR
);

CREATE TABLE IF NOT EXISTS fact_check (
    document_id VARCHAR NOT NULL,
    check_id    VARCHAR NOT NULL,
    metric_id   VARCHAR,
    applicant   VARCHAR,
    passed      BOOLEAN,               -- NULL: not evaluable (a term was blank or missing)
    expected    DOUBLE,
    reported    DOUBLE,
    detail      VARCHAR
);

CREATE TABLE IF NOT EXISTS fact_note (
    document_id VARCHAR NOT NULL,
    metric_id   VARCHAR,
    applicant   VARCHAR,
    action      VARCHAR NOT NULL,      -- filled | left_null | info
    reason      VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS fact_prose (
    document_id VARCHAR NOT NULL,
    metric_id   VARCHAR NOT NULL,      -- the table metric the prose restates, e.g. requests.received
    applicant   VARCHAR,
    value       DOUBLE NOT NULL,       -- the number as quoted in 一、总体情况
    quote       VARCHAR NOT NULL,      -- the phrase it was read from
    source_ref  VARCHAR
);

CREATE TABLE IF NOT EXISTS load_runs (
    run_id      VARCHAR PRIMARY KEY,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    files_seen  INTEGER, loaded INTEGER, unchanged INTEGER, quarantined INTEGER,
    duplicates  INTEGER, superseded INTEGER, failed_checks INTEGER,
    extractor_version VARCHAR
);

-- Publication-date candidates, one per source a document (or the scraper) gives
-- (data/assessment/pubdate_sources.csv says each source's role and priority).
CREATE TABLE IF NOT EXISTS fact_pubdate (
    document_id  VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,     -- page | archive_header | portal_page | html_meta | last_modified | first_seen | signature | ...
    published_on DATE NOT NULL,        -- the candidate date
    raw_text     VARCHAR,              -- as printed or sent
    ref          VARCHAR               -- the header label, meta name or URL it came from
);

-- The six sections a report prints (one row per heading found); text kept for 一, 五 and 六.
CREATE TABLE IF NOT EXISTS fact_section (
    document_id VARCHAR NOT NULL,
    section     VARCHAR NOT NULL,      -- 一 … 六
    chars       INTEGER NOT NULL,
    text        VARCHAR
);

-- Where the scraper fetched a document from (from the raw store's manifest), for dates and changes.
CREATE TABLE IF NOT EXISTS fact_fetch (
    document_id   VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    page_url      VARCHAR,
    first_seen    TIMESTAMP,           -- first fetch of these bytes at this URL (UTC)
    last_modified VARCHAR              -- the Last-Modified header of that fetch
);

-- Publication date chosen from fact_pubdate (warehouse/pubdates.py); added to older warehouses in place.
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS published_on DATE;
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS published_source VARCHAR;
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS published_not_after DATE;
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS published_not_before DATE;

-- Share of the template's cells the document gave (1.0 = complete; NULL when not loaded); added to older warehouses in place.
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS completeness DOUBLE;

-- Kind of a township-level division (data/assessment/region_kinds.csv); NULL above township level.
ALTER TABLE dim_region ADD COLUMN IF NOT EXISTS kind VARCHAR;

-- The document's dense integer key inside this warehouse (warehouse/stored.py): values join their
-- document on it; added to older warehouses in place and filled at the next publish.
ALTER TABLE dim_document ADD COLUMN IF NOT EXISTS doc_key INTEGER;
ALTER TABLE fact_value ADD COLUMN IF NOT EXISTS doc_key INTEGER;
