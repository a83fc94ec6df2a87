"""Scrape county portals for annual reports: list pages -> report pages -> attachments.

Plain functions (the Prefect flows wrap them). Every fetch goes through the polite fetcher
(flows.http_fetch) and lands in the content-addressed raw store with a manifest row
(flows.rawstore); what the pages mean is read by flows.portal. A report is taken from the page
itself when the page prints the report's tables (or links no attachment), and from every
pdf/doc/docx/wps/xls/xlsx attachment the page links.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from flows import portal
from flows.http_fetch import Download, Fetcher, FetchSettings
from flows.rawstore import RawStore, filename_from_disposition, filename_from_url, safe_display_name
from flows.sources import Site, Sources

log = logging.getLogger(__name__)

Status = Literal["new", "unchanged", "failed", "deferred"]


@dataclass(frozen=True)
class FetchedDocument:
    """One report document found on a site (or a failure to get one, or to read a list page)."""

    path: Path | None
    """The stored raw file (data/raw/<sha[:2]>/<sha><ext>); None when failed."""
    sha256: str | None
    url: str
    site: str
    county_code: str | None
    status: Status
    """new: bytes not seen before for this URL; unchanged: 304, or the same sha256 as last time;
    deferred: a note (kind "list") that report links past the caps were left for the next night."""
    error: str | None = None
    kind: Literal["page", "attachment", "list"] = "attachment"
    """page: the HTML report page itself; attachment: a linked file; list: a list page that failed."""
    page_url: str | None = None
    """The page the link was found on (the report page for an attachment)."""
    final_url: str | None = None
    http_status: int | None = None
    original_filename: str | None = None
    content_type: str | None = None


@dataclass
class _Result:
    url: str
    outcome: Status
    download: Download
    path: Path | None = None
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    error: str | None = None
    previous_name: str | None = None
    """The original file name recorded at the last download (a 304 carries no Content-Disposition)."""


class Scraper:
    """One crawl over one or more sites, sharing the robots.txt cache, rate limits and the store."""

    def __init__(self, raw_dir: str | Path, client: httpx.Client | None = None,
                 settings: FetchSettings | None = None) -> None:
        self.store = RawStore(raw_dir)
        self.fetcher = Fetcher(settings, client=client, tmp_dir=self.store.tmp_dir, robots_loader=self._load_robots)
        self._done: set[str] = set()
        self._site: Site | None = None

    def close(self) -> None:
        self.fetcher.close()
        self.store.close()

    def __enter__(self) -> Scraper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- crawl ----------------------------------------------------------------------------------

    def scrape(self, site: Site) -> list[FetchedDocument]:
        self._site = site
        if site.rate_limit_per_s:
            for host in site.hosts:
                self.fetcher.limiter.set_rate(host, site.rate_limit_per_s)
        pattern = re.compile(site.link_pattern)
        docs: list[FetchedDocument] = []
        candidates: dict[str, tuple[portal.Link, str]] = {}
        queue, seen_pages, fetched_pages = [site.list_url], {site.list_url}, 0
        over_page = 0
        while queue and fetched_pages < site.max_pages:
            list_url = queue.pop(0)
            fetched_pages += 1
            res = self._get(list_url, site.hosts)
            self._record(res, kind="list", page_url=None, is_document=False)
            if res.outcome == "failed":
                docs.append(self._document(res, kind="list", page_url=None))
                continue
            html = portal.decode_html(res.path.read_bytes(), res.content_type)  # type: ignore[union-attr]
            page_url = res.download.final_url
            links = portal.page_links(html, page_url)
            pages = portal.pagination_urls(html, links, page_url)
            for url in pages:
                if url not in seen_pages:
                    seen_pages.add(url)
                    queue.append(url)
            found = portal.report_links(links, pattern, exclude=seen_pages | set(pages))
            over_page += max(0, len(found) - site.max_links_per_page)
            for link in found[: site.max_links_per_page]:
                candidates.setdefault(link.url, (link, list_url))
            log.info("site %s: list page %d of at most %d read; %d report links so far", site.name, fetched_pages,
                     site.max_pages, len(candidates))
        if queue:
            log.info("site %s: stopped after max_pages=%d list pages; %d more not visited", site.name, site.max_pages, len(queue))
        chosen, left = self._within_cap(candidates, site.max_links_per_run)
        if left or over_page:
            docs.append(self._deferred(site, left, over_page))
        for number, (url, (link, list_url)) in enumerate(chosen, 1):
            if url in self._done:
                continue
            log.info("site %s: document %d/%d %s", site.name, number, len(chosen), url)
            if portal.is_attachment(link):
                docs.append(self._attachment(link, list_url))
            else:
                docs.extend(self._report_page(url, list_url))
        return docs

    def _within_cap(self, candidates: dict[str, tuple[portal.Link, str]], cap: int
                    ) -> tuple[list[tuple[str, tuple[portal.Link, str]]], int]:
        """At most `cap` links, those never fetched before first: a site with more reports than the cap
        gets through its backlog night by night instead of asking for the same first ones again."""
        todo = [(url, c) for url, c in candidates.items() if url not in self._done]
        if len(todo) <= cap:
            return todo, 0
        todo.sort(key=lambda item: self.store.validators(item[0]) is not None)  # stable: page order within each group
        return todo[:cap], len(todo) - cap

    def _deferred(self, site: Site, left: int, over_page: int) -> FetchedDocument:
        parts = []
        if left:
            parts.append(f"{left} report links over max_links_per_run={site.max_links_per_run}")
        if over_page:
            parts.append(f"{over_page} over max_links_per_page={site.max_links_per_page}")
        note = f"{' and '.join(parts)} left for the next night (links not fetched before go first)"
        log.info("site %s: %s", site.name, note)
        return FetchedDocument(path=None, sha256=None, url=site.list_url, site=site.name, county_code=site.county_code,
                               status="deferred", kind="list", error=note)

    def _report_page(self, url: str, list_url: str) -> list[FetchedDocument]:
        self._done.add(url)
        res = self._get(url, self._hosts())
        if res.outcome == "failed":
            self._record(res, kind="page", page_url=list_url, is_document=False)
            return [self._document(res, kind="page", page_url=list_url)]
        html = portal.decode_html(res.path.read_bytes(), res.content_type)  # type: ignore[union-attr]
        page_url = res.download.final_url
        attachments = portal.attachment_links(portal.page_links(html, page_url))
        is_document = portal.looks_like_report(html) or not attachments
        self._record(res, kind="page", page_url=list_url, is_document=is_document)
        docs = [self._document(res, kind="page", page_url=list_url)] if is_document else []
        for link in attachments:
            if link.url not in self._done:
                docs.append(self._attachment(link, page_url))
        return docs

    def _attachment(self, link: portal.Link, page_url: str) -> FetchedDocument:
        self._done.add(link.url)
        res = self._get(link.url, self._hosts())
        name = self._original_name(res, link)
        self._record(res, kind="attachment", page_url=page_url, is_document=res.outcome != "failed", original_filename=name)
        return self._document(res, kind="attachment", page_url=page_url, original_filename=name)

    def _hosts(self) -> frozenset[str]:
        assert self._site is not None
        return self._site.hosts

    # --- fetch + store ----------------------------------------------------------------------------

    def _get(self, url: str, hosts: frozenset[str], check_robots: bool = True) -> _Result:
        """Conditional GET of url; a 200 body goes into the store, a 304 reuses the stored file."""
        prev = self.store.validators(url)
        dl = self.fetcher.fetch(url, hosts, validators=prev.headers() if prev else None, check_robots=check_robots)
        res = _Result(url=url, outcome="failed", download=dl, error=dl.error)
        if dl.not_modified:
            if prev is None:
                res.error = "HTTP 304 Not Modified but no stored copy to reuse"
                return res
            res.outcome, res.path, res.sha256 = "unchanged", prev.path, prev.sha256
            res.etag = dl.header("etag") or prev.etag
            res.last_modified = dl.header("last-modified") or prev.last_modified
            res.content_type, res.previous_name = prev.content_type, prev.original_filename
        elif dl.ok:
            claimed = (filename_from_disposition(dl.content_disposition), filename_from_url(dl.final_url), filename_from_url(url))
            res.path = self.store.put(dl.temp_path, dl.sha256, claimed)  # type: ignore[arg-type]
            dl.temp_path = None
            res.sha256 = dl.sha256
            res.outcome = "unchanged" if prev is not None and prev.sha256 == dl.sha256 else "new"
            res.etag, res.last_modified = dl.header("etag"), dl.header("last-modified")
            res.content_type = dl.header("content-type")
        else:
            dl.discard()
            res.error = dl.error or f"HTTP {dl.status}"
        log.info("%s %s -> %s%s", res.outcome, url, dl.status, f" ({res.error})" if res.error else "")
        return res

    def _load_robots(self, robots_url: str, hosts: frozenset[str]) -> tuple[int | None, bytes | None, str | None]:
        res = self._get(robots_url, hosts, check_robots=False)
        self._record(res, kind="robots", page_url=None, is_document=False)
        body = res.path.read_bytes() if res.path is not None and res.outcome != "failed" else None
        status = None if res.download.refused else res.download.status
        return status, body, res.error

    def _record(self, res: _Result, *, kind: str, page_url: str | None, is_document: bool,
                original_filename: str | None = None) -> None:
        site = self._site
        dl = res.download
        self.store.record(
            url=res.url, final_url=dl.final_url, sha256=res.sha256, http_status=dl.status, etag=res.etag,
            last_modified=res.last_modified, bytes=dl.size if dl.status == 200 else 0, content_type=res.content_type,
            original_filename=original_filename or (filename_from_url(res.url) if kind in ("page", "attachment") else None),
            site=site.name if site else None, county_code=site.county_code if site else None, page_url=page_url,
            kind=kind, outcome=res.outcome, is_document=is_document and res.outcome != "failed",
            path=self.store.relative(res.path) if res.path is not None else None, error=res.error,
            attempts=dl.attempts, elapsed_s=round(dl.elapsed_s, 3))

    def _original_name(self, res: _Result, link: portal.Link) -> str | None:
        from_header = filename_from_disposition(res.download.content_disposition)
        if from_header or res.previous_name:
            return from_header or res.previous_name
        text = link.text.strip()
        if portal.is_attachment(portal.Link(url="", text=text)):
            cleaned = safe_display_name(re.sub(r"^(附件\s*\d*\s*[:：]\s*)", "", text))
            if cleaned:
                return cleaned
        return filename_from_url(res.download.final_url) or filename_from_url(res.url)

    def _document(self, res: _Result, *, kind: str, page_url: str | None,
                  original_filename: str | None = None) -> FetchedDocument:
        site = self._site
        assert site is not None
        return FetchedDocument(
            path=res.path if res.outcome != "failed" else None, sha256=res.sha256, url=res.url, site=site.name,
            county_code=site.county_code, status=res.outcome, error=res.error, kind=kind,  # type: ignore[arg-type]
            page_url=page_url, final_url=res.download.final_url, http_status=res.download.status,
            original_filename=original_filename or filename_from_url(res.url), content_type=res.content_type)


def scrape_site(site: Site, raw_dir: str | Path, client: httpx.Client | None = None, *,
                settings: FetchSettings | None = None) -> list[FetchedDocument]:
    """Crawl one site into raw_dir; one FetchedDocument per report document or failure."""
    with Scraper(raw_dir, client=client, settings=settings) as scraper:
        return scraper.scrape(site)


def scrape_all(sources: Sources, raw_dir: str | Path, client: httpx.Client | None = None, *,
               settings: FetchSettings | None = None) -> list[FetchedDocument]:
    """Crawl every site of a sources file. A site that blows up is reported as failed, not raised."""
    docs: list[FetchedDocument] = []
    if not sources.sites:
        return docs
    with Scraper(raw_dir, client=client, settings=settings) as scraper:
        for site in sources.sites:
            try:
                docs.extend(scraper.scrape(site))
            except Exception as exc:  # noqa: BLE001 - one broken site must not stop the night
                log.exception("site %s failed", site.name)
                docs.append(FetchedDocument(path=None, sha256=None, url=site.list_url, site=site.name,
                                            county_code=site.county_code, status="failed", kind="list",
                                            error=f"unexpected error while scraping the site: {type(exc).__name__}: {exc}"))
    return docs
