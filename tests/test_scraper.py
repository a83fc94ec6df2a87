"""The scraper against a real fixture portal on 127.0.0.1 (tests/portal_fixture.py).

Assertions are made on the server's own request log (what was and was not fetched), on the files
under the raw dir and on the manifest.
"""
from __future__ import annotations

import hashlib
import logging
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from flows import portal
from flows.http_fetch import FetchSettings
from flows.rawstore import RawStore, choose_extension, filename_from_disposition, read_manifest
from flows.scraper import FetchedDocument, scrape_all, scrape_site
from flows.sources import Site, Sources, load_sources
from portal_fixture import PortalServer

ROOT = Path(__file__).resolve().parents[1]
FAST = FetchSettings(rate_limit_per_s=1000, connect_timeout=2, read_timeout=0.25, total_timeout=0.5,
                     max_bytes=1_000_000, max_attempts=3, backoff_base=0.01, backoff_max=0.05, trust_env=False)
STORED_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}\.(pdf|doc|docx|wps|xls|xlsx|et|html|htm|txt|zip|bin)$")

# what the fixture portal should yield: path (or full URL for other hosts/schemes) -> (status, kind)
EXPECTED = {
    "/zwgk/nb/202501/t20250110_1.html": ("new", "page"),
    "/attach/2025/hs-report.pdf": ("new", "attachment"),
    "/attach/2025/hs-report.docx": ("new", "attachment"),
    "/attach/2025/hs-report.doc": ("new", "attachment"),
    "/attach/2025/hs-report.wps": ("new", "attachment"),
    "/attach/2025/hs-report.xls": ("new", "attachment"),
    "/attach/2025/hs-report.xlsx": ("new", "attachment"),
    "/attach/download?id=1": ("new", "attachment"),
    "/attach/download?id=2": ("new", "attachment"),
    "/attach/download?id=3": ("new", "attachment"),
    "/attach/download?id=4": ("new", "attachment"),
    "/zwgk/nb/202501/t20250112_3.html": ("new", "page"),
    "/attach/2025/sb-report.pdf": ("new", "attachment"),
    "/zwgk/nb/missing.html": ("failed", "page"),
    "/zwgk/nb/old.html": ("new", "page"),
    "{other}/offsite/report.html": ("failed", "page"),
    "/private/report.html": ("failed", "page"),
    "/zwgk/nb/goaway.html": ("failed", "page"),
    "javascript:openReport('nb2024')": ("failed", "page"),
    "/attach/2024/flaky.pdf": ("new", "attachment"),
    "/attach/2024/gone.pdf": ("failed", "attachment"),
    "{other}/attach/2024/offhost.pdf": ("failed", "attachment"),
    "/private/secret.pdf": ("failed", "attachment"),
    "/attach/2024/hop.pdf": ("failed", "attachment"),
    "/attach/2024/moved.pdf": ("new", "attachment"),
    "file:///etc/passwd": ("failed", "page"),
    "ftp://127.0.0.1/pub/nb2023.pdf": ("failed", "attachment"),
    "/attach/2023/huge.pdf": ("failed", "attachment"),
    "/attach/2023/huge-stream.pdf": ("failed", "attachment"),
    "/attach/2023/slow.pdf": ("failed", "attachment"),
    "/attach/2023/slowok.pdf": ("new", "attachment"),
    "/attach/2023/trickle.pdf": ("failed", "attachment"),
    "/zwgk/nb/202301/nb2022.pdf": ("new", "attachment"),
}


def site_for(server: PortalServer, path: str = "/zwgk/nb/index.html", **kw: object) -> Site:
    return Site(name="某县政府信息公开年报", list_url=server.url(path), county_code="430321", **kw)  # type: ignore[arg-type]


def full_url(server: PortalServer, key: str) -> str:
    if key.startswith("/"):
        return server.url(key)
    return key.replace("{other}", server.other_base)


def stored_files(raw: Path) -> set[str]:
    return {p.relative_to(raw).as_posix() for p in raw.rglob("*")
            if p.is_file() and not p.name.startswith("manifest.sqlite") and p.parent.name != ".tmp"}


@pytest.fixture
def server():
    srv = PortalServer().start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory):
    """One full crawl of the fixture portal, shared by the assertions below."""
    srv = PortalServer().start()
    base = tmp_path_factory.mktemp("crawl")
    raw = base / "raw"
    try:
        docs = scrape_site(site_for(srv), raw, settings=FAST)
        yield SimpleNamespace(server=srv, raw=raw, base=base, docs=docs,
                              by_url={d.url: d for d in docs}, manifest=read_manifest(raw))
    finally:
        srv.stop()


def doc(crawl: SimpleNamespace, key: str) -> FetchedDocument:
    return crawl.by_url[full_url(crawl.server, key)]


# --- one full crawl ---------------------------------------------------------------------------------

def test_every_report_link_and_attachment_gets_its_status(crawl):
    got = {d.url: (d.status, d.kind) for d in crawl.docs}
    want = {full_url(crawl.server, k): v for k, v in EXPECTED.items()}
    assert got == want
    assert len(crawl.docs) == len(got), "each URL is reported once"
    for d in crawl.docs:
        assert d.site == "某县政府信息公开年报" and d.county_code == "430321"
        if d.status == "failed":
            assert d.path is None and d.error
        else:
            assert d.error is None and d.path is not None and d.path.is_file()
            assert hashlib.sha256(d.path.read_bytes()).hexdigest() == d.sha256


def test_attachments_in_every_format_stored_byte_for_byte_under_their_hash(crawl):
    expected_ext = {"/attach/2025/hs-report.pdf": ".pdf", "/attach/2025/hs-report.docx": ".docx",
                    "/attach/2025/hs-report.doc": ".doc", "/attach/2025/hs-report.wps": ".wps",
                    "/attach/2025/hs-report.xls": ".xls", "/attach/2025/hs-report.xlsx": ".xlsx",
                    "/zwgk/nb/202501/t20250110_1.html": ".html", "/attach/download?id=1": ".pdf"}
    for path, ext in expected_ext.items():
        d = doc(crawl, path)
        assert d.path.suffix == ext, path
        assert d.path.read_bytes() == crawl.server.resources[path].body, path
        assert d.path.relative_to(crawl.raw).as_posix() == f"{d.sha256[:2]}/{d.sha256}{ext}"
        assert d.page_url is not None


def test_raw_dir_holds_only_content_addressed_files_whatever_the_names_sent(crawl):
    files = stored_files(crawl.raw)
    assert files and all(STORED_RE.match(f) for f in files), sorted(files)
    # new documents + the list pages and the non-document report pages, nothing else
    assert len(files) == len({d.sha256 for d in crawl.docs if d.status == "new"}) + 3 + 3 + 1  # lists, pages, robots
    assert sorted(p.name for p in crawl.base.iterdir()) == ["raw"]
    assert not Path("/tmp/gongkai-evil.pdf").exists()
    assert not any(p.name.endswith(("evil.pdf", "passwd")) for p in crawl.raw.rglob("*"))
    assert list((crawl.raw / ".tmp").iterdir()) == [], "no partial downloads left behind"


def test_hostile_content_disposition_names_are_kept_clean_in_the_manifest_only(crawl):
    assert doc(crawl, "/attach/download?id=1").original_filename == "gongkai-evil.pdf"
    assert doc(crawl, "/attach/download?id=2").original_filename == "花石镇年报.doc"  # filename*, NUL dropped
    assert doc(crawl, "/attach/download?id=3").original_filename == "年报统计.xls"  # raw GBK bytes, C:\ path
    long_name = doc(crawl, "/attach/download?id=4").original_filename
    assert long_name.startswith("长长") and long_name.endswith(".pdf") and len(long_name) <= 200
    assert doc(crawl, "/attach/2025/hs-report.pdf").original_filename == "花石镇2024年年报.pdf"  # from the link text
    rows = {r["url"]: r for r in crawl.manifest}
    assert rows[crawl.server.url("/attach/download?id=1")]["original_filename"] == "gongkai-evil.pdf"


def test_other_hosts_and_non_http_schemes_are_never_contacted(crawl):
    srv = crawl.server
    assert [h for h in srv.log if not h.host.startswith("127.0.0.1")] == []
    assert srv.hits("/zwgk/nb/goaway.html") == 1 and srv.hits("/offsite/landing.html") == 0
    assert srv.hits("/attach/2024/hop.pdf") == 1 and srv.hits("/attach/2024/hop-target.pdf") == 0
    assert srv.hits("/attach/2024/offhost.pdf") == 0 and srv.hits("/offsite/report.html") == 0
    assert "redirect" in doc(crawl, "/attach/2024/hop.pdf").error and "localhost" in doc(crawl, "/attach/2024/hop.pdf").error
    assert "host 'localhost'" in doc(crawl, "{other}/attach/2024/offhost.pdf").error
    assert "scheme 'file:'" in doc(crawl, "file:///etc/passwd").error
    assert "scheme 'ftp:'" in doc(crawl, "ftp://127.0.0.1/pub/nb2023.pdf").error
    assert "scheme 'javascript:'" in doc(crawl, "javascript:openReport('nb2024')").error


def test_robots_txt_is_read_once_and_obeyed(crawl):
    srv = crawl.server
    assert srv.hits("/robots.txt") == 1
    assert srv.hits("/private/report.html") == 0 and srv.hits("/private/secret.pdf") == 0
    assert "robots.txt" in doc(crawl, "/private/secret.pdf").error


def test_404_is_not_retried_500_is_retried_until_it_recovers(crawl):
    srv = crawl.server
    assert srv.hits("/zwgk/nb/missing.html") == 1 and srv.hits("/attach/2024/gone.pdf") == 1
    assert doc(crawl, "/attach/2024/gone.pdf").http_status == 404
    assert "404" in doc(crawl, "/attach/2024/gone.pdf").error
    assert [h.status for h in srv.log if h.path == "/attach/2024/flaky.pdf"] == [500, 500, 200]
    assert doc(crawl, "/attach/2024/flaky.pdf").status == "new"
    row = next(r for r in crawl.manifest if r["url"].endswith("/attach/2024/flaky.pdf"))
    assert row["attempts"] == 3


def test_timeouts_cut_slow_and_trickling_downloads(crawl):
    srv = crawl.server
    slow = doc(crawl, "/attach/2023/slow.pdf")
    assert slow.status == "failed" and "timed out" in slow.error and "3 attempts" in slow.error
    assert srv.hits("/attach/2023/slow.pdf") == FAST.max_attempts
    assert doc(crawl, "/attach/2023/slowok.pdf").status == "new"  # slow, but within the read timeout
    trickle = doc(crawl, "/attach/2023/trickle.pdf")
    assert trickle.status == "failed" and "too slow" in trickle.error
    assert srv.hits("/attach/2023/trickle.pdf") == 1, "a download over the time cap is not retried"
    row = next(r for r in crawl.manifest if r["url"].endswith("/attach/2023/trickle.pdf"))
    assert row["elapsed_s"] < FAST.total_timeout + FAST.read_timeout + 0.5


def test_size_cap_with_and_without_content_length(crawl):
    for path in ("/attach/2023/huge.pdf", "/attach/2023/huge-stream.pdf"):
        d = doc(crawl, path)
        assert d.status == "failed" and "too large" in d.error and d.path is None
        assert crawl.server.hits(path) == 1
    assert max(p.stat().st_size for p in crawl.raw.rglob("*") if p.is_file() and p.suffix != ".sqlite") < FAST.max_bytes


def test_pagination_followed_and_unrelated_links_ignored(crawl):
    srv = crawl.server
    for path in ("/zwgk/nb/index.html", "/zwgk/nb/index_1.html", "/zwgk/nb/index_2.html"):
        assert srv.hits(path) == 1, path
    assert srv.hits("/index.html") == 0 and srv.hits("/zwgk/tzgg/t1.html") == 0 and srv.hits("/zwgk/") == 0


def test_report_page_is_a_document_only_when_it_prints_the_report(crawl):
    pages = {d.url for d in crawl.docs if d.kind == "page" and d.status == "new"}
    assert crawl.server.url("/zwgk/nb/202501/t20250111_2.html") not in pages  # only links attachments
    assert crawl.server.url("/zwgk/nb/202501/t20250110_1.html") in pages
    rows = {r["url"]: r for r in crawl.manifest}
    assert rows[crawl.server.url("/zwgk/nb/202501/t20250111_2.html")]["is_document"] == 0
    assert rows[crawl.server.url("/zwgk/nb/202501/t20250110_1.html")]["is_document"] == 1


def test_gbk_page_stored_as_served_and_its_links_read(crawl):
    d = doc(crawl, "/zwgk/nb/202501/t20250112_3.html")
    data = d.path.read_bytes()
    assert data == crawl.server.resources["/zwgk/nb/202501/t20250112_3.html"].body
    text = portal.decode_html(data, d.content_type)
    assert "王镕" in text and "收到和处理政府信息公开申请情况" in text
    sb = doc(crawl, "/attach/2025/sb-report.pdf")
    assert sb.status == "new" and sb.original_filename == "射埠镇年报扫描件.pdf"
    assert sb.page_url == crawl.server.url("/zwgk/nb/202501/t20250112_3.html")


def test_same_host_redirects_are_followed(crawl):
    old = doc(crawl, "/zwgk/nb/old.html")
    assert old.final_url == crawl.server.url("/zwgk/nb/202501/t20250113_4.html")
    assert old.path.read_bytes() == crawl.server.resources["/zwgk/nb/202501/t20250113_4.html"].body
    moved = doc(crawl, "/attach/2024/moved.pdf")
    assert moved.final_url == crawl.server.url("/attach/2024/moved-target.pdf") and moved.status == "new"


def test_manifest_has_a_row_for_every_fetch(crawl):
    rows = crawl.manifest
    assert {r["url"] for r in rows} >= {d.url for d in crawl.docs}
    for r in rows:
        assert r["fetched_at"] and r["outcome"] in ("new", "unchanged", "failed")
        if r["outcome"] == "failed":
            assert r["error"] and r["sha256"] is None
        else:
            assert (crawl.raw / r["path"]).is_file() and r["path"].startswith(r["sha256"][:2] + "/")
    by_url = {r["url"]: r for r in rows}
    pdf = by_url[crawl.server.url("/attach/2025/hs-report.pdf")]
    res = crawl.server.resources["/attach/2025/hs-report.pdf"]
    assert pdf["etag"] == res.etag_value() and pdf["http_status"] == 200 and pdf["bytes"] == len(res.body)
    assert pdf["content_type"] == "application/pdf"
    assert pdf["page_url"] == crawl.server.url("/zwgk/nb/202501/t20250111_2.html")
    assert pdf["site"] == "某县政府信息公开年报" and pdf["county_code"] == "430321"
    doc_row = by_url[crawl.server.url("/attach/2025/hs-report.doc")]
    assert doc_row["etag"] is None and doc_row["last_modified"]  # this server sends only Last-Modified
    assert by_url[crawl.server.url("/robots.txt")]["kind"] == "robots"


# --- runs over a fresh server -------------------------------------------------------------------------

def test_second_run_downloads_nothing_again(server, tmp_path):
    raw = tmp_path / "raw"
    site = site_for(server)
    first = scrape_site(site, raw, settings=FAST)
    files_before = stored_files(raw)
    ok_urls = {r["url"] for r in read_manifest(raw) if r["outcome"] != "failed"}
    ok_paths = {u[len(server.base):] for u in ok_urls} | {"/zwgk/nb/202501/t20250113_4.html", "/attach/2024/moved-target.pdf"}
    rows_before = len(read_manifest(raw))
    server.reset_log()

    second = scrape_site(site, raw, settings=FAST)

    assert stored_files(raw) == files_before, "no new files"
    assert [(d.url, d.kind) for d in second] == [(d.url, d.kind) for d in first]
    for a, b in zip(first, second):
        if a.status == "new":
            assert b.status == "unchanged" and b.sha256 == a.sha256 and b.path == a.path, a.url
        else:
            assert b.status == "failed", a.url
    answered = [h for h in server.log if h.path in ok_paths]
    assert answered and all(h.status in (304, 301, 302) and h.sent == 0 for h in answered), \
        [(h.path, h.status, h.sent) for h in answered if h.status not in (304, 301, 302)]
    assert server.hits("/robots.txt") == 1 and server.log[0].if_none_match is not None
    run2_rows = read_manifest(raw)[rows_before:]
    assert len(run2_rows) == rows_before, "the same fetches, each recorded again"
    assert sum(r["bytes"] for r in run2_rows if r["outcome"] != "failed") == 0


def test_changed_file_is_new_and_validatorless_same_bytes_is_unchanged(server, tmp_path):
    raw = tmp_path / "raw"
    site = site_for(server, link_pattern="花石")
    nb = server.resources["/attach/2025/hs-report.xlsx"]
    nb.etag = nb.last_modified = False  # a server that sends no validators at all
    first = {d.url: d for d in scrape_site(site, raw, settings=FAST)}
    server.set_body("/attach/2025/hs-report.pdf", b"%PDF-1.7\n% corrected edition\n%%EOF\n")
    server.reset_log()

    second = {d.url: d for d in scrape_site(site, raw, settings=FAST)}

    pdf_url = server.url("/attach/2025/hs-report.pdf")
    assert second[pdf_url].status == "new" and second[pdf_url].sha256 != first[pdf_url].sha256
    assert second[pdf_url].path.read_bytes().startswith(b"%PDF-1.7")
    assert first[pdf_url].path.is_file(), "the old version stays in the store"
    xlsx_url = server.url("/attach/2025/hs-report.xlsx")
    assert second[xlsx_url].status == "unchanged" and second[xlsx_url].path == first[xlsx_url].path
    xlsx_hit = next(h for h in server.log if h.path == "/attach/2025/hs-report.xlsx")
    assert xlsx_hit.status == 200 and xlsx_hit.sent > 0 and xlsx_hit.if_none_match is None
    others = [u for u in second if u not in (pdf_url, xlsx_url)]
    assert others and all(second[u].status == "unchanged" for u in others)


def test_max_pages_limits_the_list_pages(server, tmp_path):
    docs = scrape_site(site_for(server, max_pages=2, link_pattern="谭家山|易俗河"), tmp_path / "raw", settings=FAST)
    # page 2 is read (a slow answer may be retried under FAST's 0.25 s read timeout), page 3 never
    assert server.hits("/zwgk/nb/index_1.html") >= 1 and server.hits("/zwgk/nb/index_2.html") == 0
    assert {d.url for d in docs} == {server.url("/zwgk/nb/202501/t20250110_1.html"), server.url("/attach/2024/flaky.pdf"),
                                      server.url("/attach/2024/gone.pdf"), server.url("/attach/2024/offhost.pdf").replace(server.base, server.other_base),
                                      server.url("/private/secret.pdf"), server.url("/attach/2024/hop.pdf"),
                                      server.url("/attach/2024/moved.pdf")}


def test_script_written_pagination_is_followed(server, tmp_path):
    docs = scrape_site(site_for(server, "/js/index.html"), tmp_path / "raw", settings=FAST)
    assert [d.url for d in docs] == [server.url(f"/js/a{n}.html") for n in (1, 2, 3)]
    assert all(d.status == "new" and d.kind == "page" for d in docs)
    assert server.hits("/js/index_1.html") == 1 and server.hits("/js/index_2.html") == 1


def test_per_host_rate_limit_spaces_requests(server, tmp_path):
    scrape_site(site_for(server, link_pattern="易俗河", max_pages=1, rate_limit_per_s=5), tmp_path / "raw", settings=FAST)
    times = [h.at for h in server.log]
    assert [h.path for h in server.log] == ["/robots.txt", "/zwgk/nb/index.html", "/zwgk/nb/202501/t20250110_1.html"]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.19, gaps


def test_refusals_are_logged(server, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="flows.http_fetch")
    docs = scrape_site(site_for(server, link_pattern="外县", max_pages=1), tmp_path / "raw", settings=FAST)
    assert [d.status for d in docs] == ["failed"]
    assert any("refused" in r.getMessage() and "localhost" in r.getMessage() for r in caplog.records)


def test_allowed_hosts_extend_the_site(server, tmp_path):
    docs = scrape_site(site_for(server, link_pattern="谭家山", max_pages=2, allowed_hosts=("localhost",)),
                       tmp_path / "raw", settings=FAST)
    by_url = {d.url: d for d in docs}
    assert by_url[server.other_base + "/attach/2024/offhost.pdf"].status == "new"
    assert by_url[server.url("/attach/2024/hop.pdf")].status == "new"
    assert server.hits("/attach/2024/hop-target.pdf", host=f"localhost:{server.port}") == 1
    assert server.hits("/robots.txt", host=f"localhost:{server.port}") == 1, "robots.txt is per host"


def test_scrape_all_survives_a_dead_site(server, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    dead = Site(name="dead", list_url=f"http://127.0.0.1:{dead_port}/nb/index.html")
    sources = Sources(sites=(dead, site_for(server, link_pattern="易俗河", max_pages=1)))
    docs = scrape_all(sources, tmp_path / "raw", settings=FAST)
    assert [(d.site, d.kind, d.status) for d in docs] == [("dead", "list", "failed"), ("某县政府信息公开年报", "page", "new")]
    assert "connection" in docs[0].error.lower()


def test_default_sources_scrape_nothing_and_work_offline(tmp_path):
    sources = load_sources(ROOT / "data" / "sources.yaml", base_dir=ROOT)
    assert sources.sites == () and sources.inbox == (ROOT / "data" / "samples",)
    assert any(sources.inbox[0].iterdir())
    assert scrape_all(sources, tmp_path / "raw") == []


# --- names and the store ------------------------------------------------------------------------------

@pytest.mark.parametrize("header, expected", [
    (b'attachment; filename="../../../../etc/passwd"', "passwd"),
    (b'attachment; filename="/abs/dir/report.pdf"', "report.pdf"),
    (b'attachment; filename="C:\\\\Users\\\\x\\\\nb.doc"', "nb.doc"),
    (b"attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf", "年报.pdf"),
    (b"attachment; filename=\"x.pdf\"; filename*=utf-8''%E5%B9%B4%E6%8A%A5.docx", "年报.docx"),
    (b"attachment; filename*=UTF-8''a%00b%0A.pdf", "ab.pdf"),
    (b"attachment; filename*=GBK''%C4%EA%B1%A8.xls", "年报.xls"),
    ('attachment; filename="年报.wps"'.encode("gbk"), "年报.wps"),
    ('attachment; filename="年报.wps"'.encode("utf-8"), "年报.wps"),
    (b'attachment; filename="%E5%B9%B4%E6%8A%A5.pdf"', "年报.pdf"),
    (b"attachment; filename=plain.pdf", "plain.pdf"),
    (b'attachment; filename=".."', None),
    (b'attachment; filename="a\x00b.pdf"', "ab.pdf"),
    (b"inline", None),
    (None, None),
])
def test_filename_from_content_disposition(header, expected):
    assert filename_from_disposition(header) == expected


def test_very_long_names_are_shortened_keeping_the_extension():
    name = filename_from_disposition(("attachment; filename=\"" + "年" * 5000 + ".pdf\"").encode())
    assert len(name) == 200 and name.endswith(".pdf")


def test_extension_comes_from_the_bytes_then_a_whitelisted_claim():
    assert choose_extension(b"%PDF-1.4 ...", ("evil.exe",)) == ".pdf"
    assert choose_extension(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ("x.wps",)) == ".wps"
    assert choose_extension(b"\x00\x01\x02\x03" * 100, ("../../x.sh", None)) == ".bin"


def test_same_bytes_are_stored_once(tmp_path):
    with RawStore(tmp_path / "raw") as store:
        paths = []
        for name in ("a.part", "b.part"):
            temp = store.tmp_dir / name
            temp.write_bytes(b"%PDF-1.4 same\n")
            paths.append(store.put(temp, hashlib.sha256(b"%PDF-1.4 same\n").hexdigest(), (name,)))
        assert paths[0] == paths[1] and len(stored_files(store.root)) == 1
        assert not any(store.tmp_dir.iterdir())


def test_manifest_survives_sigkill_mid_write(tmp_path):
    raw = tmp_path / "raw"
    code = ("import sys; from flows.rawstore import RawStore\n"
            "s = RawStore(sys.argv[1])\n"
            "print('ready', flush=True)\n"
            "i = 0\n"
            "while True:\n"
            "    s.record(url=f'http://x/{i}', outcome='failed', error='e' * 500, bytes=i); i += 1\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(raw)], cwd=ROOT, stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    rows = read_manifest(raw)
    assert len(rows) > 10
    assert [r["bytes"] for r in rows] == list(range(len(rows))), "rows are whole and in order"
    with RawStore(raw) as store:  # and the manifest still takes rows
        store.record(url="http://x/after", outcome="failed", error="after the crash")
    assert read_manifest(raw)[-1]["url"] == "http://x/after"


# --- page reading ---------------------------------------------------------------------------------

def test_pagination_ignores_script_links_and_other_directories():
    html = ('<a href="javascript:nextPage()">下一页</a><a href="index_3.html">4</a>'
            '<a href="/other/index_1.html">其他栏目</a><a href="mailto:a@b">next</a>')
    links = portal.page_links(html, "http://x.gov.cn/nb/index.html")
    assert portal.pagination_urls(html, links, "http://x.gov.cn/nb/index.html") == ["http://x.gov.cn/nb/index_3.html"]


def test_gb2312_label_is_decoded_as_gb18030():
    page = '<html><head><meta charset="gb2312"></head><body>朱镕基 年度报告</body></html>'.encode("gb18030")
    assert "朱镕基" in portal.decode_html(page, "text/html")
    assert "朱镕基" in portal.decode_html(page, "text/html; charset=utf-8")  # a wrong HTTP label is survived


def test_attachment_links_by_url_or_by_link_text():
    links = portal.page_links('<a href="/a/b.PDF">x</a><a href="/dl?id=9">附件：年报.docx（25KB）</a>'
                              '<a href="/c.html">年度报告</a><a href="/d.pdf.html">d</a>', "http://x.gov.cn/nb/")
    assert [link.url for link in portal.attachment_links(links)] == ["http://x.gov.cn/a/b.PDF", "http://x.gov.cn/dl?id=9"]
