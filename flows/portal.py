"""Reading county portal pages: links, pagination, report links and attachments.

Pure functions over a page's bytes, so that the crawl logic can be checked without a network.
Portals are CMS sites (TRS WCM and the like) in UTF-8 or GBK, with pagination as 下一页 links,
numbered index_N.html links, or a createPageHTML(...) script that writes the links in the browser.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree

ATTACHMENT_EXTS = ("pdf", "doc", "docx", "wps", "xls", "xlsx")
_ATTACH_URL_RE = re.compile(r"\.(%s)$" % "|".join(ATTACHMENT_EXTS), re.IGNORECASE)
_ATTACH_TEXT_RE = re.compile(r"\.(%s)(?![A-Za-z0-9])" % "|".join(ATTACHMENT_EXTS), re.IGNORECASE)
_NEXT_TEXTS = ("下一页", "下页", "后一页", "next")
_INDEX_PAGE_RE = re.compile(r"^index_\d+\.s?html?$", re.IGNORECASE)
_CREATE_PAGE_RE = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]")
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_GB_LABELS = {"gb2312", "gbk", "gb_2312", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "gb18030"}
REPORT_MARKERS = ("收到和处理政府信息公开申请", "主动公开政府信息情况", "政府信息公开行政复议")
"""Section titles of the national template: a page printing them (in a table) holds the report."""


@dataclass(frozen=True)
class Link:
    url: str
    """Absolute, without fragment; may have any scheme (javascript:, file:, ...): the fetcher judges."""
    text: str
    title: str = ""

    @property
    def label(self) -> str:
        return f"{self.text} {self.title}".strip()


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Decode a page: BOM, then the HTTP charset, then <meta charset>, then UTF-8, GB18030.

    gb2312/gbk labels are read as gb18030, their superset: portals labelled gb2312 use GBK
    characters such as 镕, and a strict gb2312 decode would cut the page there.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    labels = []
    if content_type:
        m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.IGNORECASE)
        if m:
            labels.append(m.group(1))
    m = _META_CHARSET_RE.search(data[:4096])
    if m:
        labels.append(m.group(1).decode("ascii", errors="ignore"))
    for label in [*labels, "utf-8", "gb18030"]:
        codec = "gb18030" if label.lower() in _GB_LABELS else label
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            return str(best)
    except Exception:  # noqa: BLE001 - detection is a last resort
        pass
    return data.decode("gb18030", errors="replace")


def page_links(html: str, page_url: str) -> list[Link]:
    """Every <a href> of a page, absolute, in document order, first occurrence of each URL."""
    doc = _parse(html)
    if doc is None:
        return []
    base = page_url
    for base_el in doc.iter("base"):
        href = (base_el.get("href") or "").strip()
        if href:
            base = urljoin(page_url, href)
            break
    seen: set[str] = set()
    links = []
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        url = urldefrag(urljoin(base, href))[0] if not _is_opaque(href) else href
        if url in seen:
            continue
        seen.add(url)
        text = " ".join(a.text_content().split())
        links.append(Link(url=url, text=text, title=" ".join((a.get("title") or "").split())))
    return links


def pagination_urls(html: str, links: list[Link], page_url: str) -> list[str]:
    """Further list pages: 下一页 links, numbered index_N.html siblings, createPageHTML(...) pages."""
    out: list[str] = []
    directory = page_url.rsplit("/", 1)[0] + "/"
    for link in links:
        if urlsplit(link.url).scheme.lower() not in ("http", "https"):
            continue  # a "下一页" that runs JavaScript, or a mailto: -- nothing to follow
        text = link.text.strip().lower()
        name = urlsplit(link.url).path.rsplit("/", 1)[-1]
        same_dir = link.url.startswith(directory)
        if any(t in text for t in _NEXT_TEXTS) or (same_dir and _INDEX_PAGE_RE.match(name)):
            out.append(link.url)
    for m in _CREATE_PAGE_RE.finditer(html):
        total, stem, ext = int(m.group(1)), m.group(3), m.group(4)
        out.extend(urljoin(directory, f"{stem}_{i}.{ext}") for i in range(1, min(total, 1000)))
    return list(dict.fromkeys(out))


def is_attachment(link: Link) -> bool:
    """A downloadable report file: the URL path or the link text names a pdf/doc/docx/wps/xls/xlsx."""
    path = unquote(urlsplit(link.url).path) if not _is_opaque(link.url) else ""
    return bool(_ATTACH_URL_RE.search(path) or _ATTACH_TEXT_RE.search(link.label))


def report_links(links: list[Link], pattern: re.Pattern[str], exclude: set[str]) -> list[Link]:
    """Links whose text, title or URL matches the site's link_pattern (pagination excluded)."""
    out = []
    for link in links:
        if link.url in exclude:
            continue
        if pattern.search(link.label) or pattern.search(unquote(link.url)):
            out.append(link)
    return out


def attachment_links(links: list[Link]) -> list[Link]:
    return [link for link in links if is_attachment(link)]


def looks_like_report(html: str) -> bool:
    """The page prints a report table itself (rather than only linking to an attachment)."""
    if "<table" not in html.lower():
        return False
    compact = re.sub(r"\s+", "", html)
    return any(marker in compact for marker in REPORT_MARKERS)


def _is_opaque(href: str) -> bool:
    """javascript:, mailto:, data: ... -- URLs that urljoin must not touch."""
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", href)
    return bool(m) and m.group(1).lower() not in ("http", "https") and not href.lower().startswith(("file:", "ftp:"))


def _parse(html: str) -> lxml.html.HtmlElement | None:
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)  # lxml refuses str input with an encoding declaration
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
