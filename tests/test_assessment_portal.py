"""Publication dates and days late of scraped reports, end to end: a real HTTP portal on 127.0.0.1
whose pages carry 发布时间 (tests/portal_fixture.py: dated_portal), the scraper and its raw store,
gongkai ingest, the assessment. A report changed at its URL is recorded with both versions."""
from __future__ import annotations

import json
import re
from datetime import date

import duckdb
import pytest
from portal_fixture import (CORPUS, DATED_ATTACHMENT, DATED_ATTACHMENT_PUBLISHED, DATED_PAGE_REPORT, LAST_MODIFIED_ONLY,
                            PortalServer, dated_portal)

from flows.http_fetch import FetchSettings
from flows.scraper import scrape_site
from flows.sources import Site
from gongkai.ingest import ingest

FAST = FetchSettings(rate_limit_per_s=1000, connect_timeout=2, read_timeout=2, total_timeout=5, max_bytes=5_000_000,
                     max_attempts=2, backoff_base=0.01, backoff_max=0.05, trust_env=False)


def region(name: str) -> str:
    return json.loads((CORPUS / f"{name}.meta.json").read_text(encoding="utf-8"))["region_code"]


def printed_date(name: str) -> date:
    raw = (CORPUS / f"{name}.html").read_bytes()
    text = raw.decode("utf-8" if b'charset="utf-8"' in raw[:400].lower() else "gb18030")
    return date.fromisoformat(re.search(r"发布时间：(\d{4}-\d{2}-\d{2})", text).group(1))


@pytest.fixture(scope="module")
def scraped(tmp_path_factory: pytest.TempPathFactory):
    server = PortalServer()
    server.resources = dated_portal()
    server.start()
    root = tmp_path_factory.mktemp("dated_portal")
    site = Site(name="dated", list_url=server.url("/nb/index.html"))
    try:
        first = scrape_site(site, root / "raw", settings=FAST)
        db = root / "warehouse.duckdb"
        summary = ingest([d.path for d in first if d.path is not None], db, workers=1)
        # the page report is changed at its URL after publication, and scraped again
        page = server.resources["/nb/2025/a.html"]
        server.set_body("/nb/2025/a.html", page.body.replace(b"</body>", "<p>（本页内容已更新）</p></body>".encode("utf-8" if b'charset="utf-8"' in page.body[:400].lower() else "gb18030")))
        again = scrape_site(site, root / "raw", settings=FAST)
        ingest([d.path for d in again if d.path is not None and d.status == "new"], db, workers=1)
        yield server, db, summary
    finally:
        server.stop()


def test_each_scraped_report_is_dated_from_its_best_source(scraped) -> None:
    _, db, summary = scraped
    assert summary.loaded == 3, summary.lines()
    con = duckdb.connect(str(db), read_only=True)
    rows = {r: (on, src) for r, on, src in con.execute(
        "SELECT region_code, published_on, published_source FROM dim_document WHERE status = 'loaded'").fetchall()}
    assert rows[region(DATED_PAGE_REPORT)] == (printed_date(DATED_PAGE_REPORT), "page")
    assert rows[region(DATED_ATTACHMENT)] == (date.fromisoformat(DATED_ATTACHMENT_PUBLISHED[:10]), "portal_page")
    assert rows[region(LAST_MODIFIED_ONLY)] == (date(2025, 3, 31), "last_modified")  # 18:30 UTC is the next day in China
    late = dict(con.execute("SELECT region_code, days_late FROM assessment_timeliness t JOIN dim_document d USING (document_id)").fetchall())
    assert late[region(DATED_ATTACHMENT)] == 20
    assert late[region(LAST_MODIFIED_ONLY)] == 0
    assert late[region(DATED_PAGE_REPORT)] == (printed_date(DATED_PAGE_REPORT) - date(2025, 3, 31)).days
    outcome = dict(con.execute("SELECT d.region_code, o.outcome FROM assessment_outcome o JOIN dim_document d USING (document_id) "
                               "WHERE o.rule_id = 'on_time'").fetchall())
    assert outcome[region(DATED_ATTACHMENT)] == "FAIL" and outcome[region(LAST_MODIFIED_ONLY)] == "PASS"
    seen = con.execute("SELECT count(*) FROM fact_pubdate WHERE source = 'first_seen'").fetchone()[0]
    assert seen == 4  # every scraped version has its first sighting
    con.close()


def test_a_report_changed_at_its_url_is_recorded_with_both_versions(scraped) -> None:
    server, db, _ = scraped
    con = duckdb.connect(str(db), read_only=True)
    versions = con.execute("SELECT document_id, status FROM dim_document WHERE region_code = ? ORDER BY ingested_at",
                           [region(DATED_PAGE_REPORT)]).fetchall()
    assert [s for _, s in versions] == ["superseded", "loaded"]
    urls = con.execute("SELECT DISTINCT url FROM fact_fetch WHERE document_id IN (SELECT unnest(?))", [[d for d, _ in versions]]).fetchall()
    assert urls == [(server.url("/nb/2025/a.html"),)]
    outcome, measured, other, evidence = con.execute(
        "SELECT outcome, measured, other_document_id, evidence FROM assessment_outcome WHERE document_id = ? AND rule_id = 'changed'",
        [versions[1][0]]).fetchone()
    assert outcome == "FAIL" and measured == 2 and other == versions[0][0]
    assert versions[0][0] in evidence and versions[1][0] in evidence and "同一网址" in evidence
    con.close()
