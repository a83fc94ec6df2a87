"""The scraper's remaining unbounded work is bounded (issue 11 item 8): report links per list page and
per site per run (the rest wait for the next night, newest-unfetched first, and the artifact says
so), and robots.txt size. Against the real fixture portal on 127.0.0.1."""
from __future__ import annotations

from pathlib import Path

import pytest

from flows.http_fetch import FetchSettings
from flows.report import NightlyReport
from flows.scraper import scrape_site
from flows.sources import Site
from portal_fixture import PortalServer, Resource, html_page

FAST = FetchSettings(rate_limit_per_s=1000, connect_timeout=2, read_timeout=1, total_timeout=5, max_attempts=1,
                     backoff_base=0.01, trust_env=False)
REPORTS = 12
ROW = "<tr><td>一、本年新收政府信息公开申请数量</td><td>3</td></tr>"


@pytest.fixture
def server():
    srv = PortalServer()
    links = "".join(f'<li><a href="/caps/r{n:02d}.html">2024年第{n}号政府信息公开工作年度报告</a></li>' for n in range(REPORTS))
    srv.resources["/caps/index.html"] = Resource(html_page("年报", f"<ul>{links}</ul>").encode(), "text/html")
    for n in range(REPORTS):
        body = f"<table>{ROW}</table>"
        srv.resources[f"/caps/r{n:02d}.html"] = Resource(html_page(f"某县2024年政府信息公开工作年度报告{n}", body).encode(), "text/html")
    srv.start()
    yield srv
    srv.stop()


def _fetched(server: PortalServer) -> list[str]:
    return [h.path for h in server.log if h.path.startswith("/caps/r")]


def test_links_per_run_are_capped_and_the_rest_come_next_night(server, tmp_path: Path):
    site = Site(name="caps", list_url=server.url("/caps/index.html"), max_links_per_run=5)
    raw = tmp_path / "raw"
    fetched: list[str] = []
    for night in range(3):
        server.reset_log()
        docs = scrape_site(site, raw, settings=FAST)
        got = _fetched(server)
        assert len(got) == 5, got
        fetched += got
        deferred = [d for d in docs if d.status == "deferred"]
        if night < 2:
            assert len(deferred) == 1 and deferred[0].error.startswith(f"{REPORTS - 5} report links over max_links_per_run=5")
        if night == 0:
            md = NightlyReport(sources="s.yaml", db=tmp_path / "w.duckdb", exports=tmp_path / "x", scraped=docs).markdown()
            assert "Left for the next night" in md and "max_links_per_run=5" in md
    assert len(set(fetched[:REPORTS])) == REPORTS  # three nights: every report once before any again


def test_links_per_list_page_are_capped(server, tmp_path: Path):
    site = Site(name="caps", list_url=server.url("/caps/index.html"), max_links_per_page=3)
    docs = scrape_site(site, tmp_path / "raw", settings=FAST)
    assert len(_fetched(server)) == 3
    note, = [d for d in docs if d.status == "deferred"]
    assert f"{REPORTS - 3} over max_links_per_page=3" in note.error and "next night" in note.error


def test_a_huge_robots_txt_is_disallow_all_with_the_reason(server, tmp_path: Path):
    server.resources["/robots.txt"] = Resource(b"User-agent: *\nAllow: /\n" + b"# padding\n" * 60_000, "text/plain")
    docs = scrape_site(Site(name="caps", list_url=server.url("/caps/index.html")), tmp_path / "raw", settings=FAST)
    assert _fetched(server) == [] and server.hits("/caps/index.html") == 0
    failed, = docs
    assert failed.status == "failed" and "over the 512,000-byte cap: treated as disallow all" in failed.error
