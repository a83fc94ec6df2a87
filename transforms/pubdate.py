"""Publication-date candidates of a document, each with its source, and the rule that picks one.

A report's publication date decides whether it was on time, yet no single place states it
reliably: the web page prints 发布时间, a crawler's archive keeps it in a text header, the server
sends Last-Modified, the scraper knows when it first saw the file, the report is signed (落款) and
PDF/DOCX files carry creation dates. Each source has a role (data/assessment/pubdate_sources.csv):
- published: states the publication date; the first by priority becomes published_on;
- not_after: the document existed by then (the scraper's first sighting): on time if before the deadline;
- not_before: it cannot have been published earlier (signature, file creation): late if after the deadline.
Every candidate is kept (fact_pubdate); none is invented when the document does not say.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache

from extractors.filemeta import HEADER_LABELS, labelled_fields
from gongkai.paths import DATA

SOURCES_FILE = DATA / "assessment" / "pubdate_sources.csv"
CHINA = timezone(timedelta(hours=8))
HEAD_CHARS = 3000  # an archive header sits above the report; the page line near its title
TAIL_CHARS = 800  # the signature (落款) closes the report
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})(\d{2})")
_WRITTEN_LABELS = frozenset({"成文日期", "发文日期"})
_BARE_LABELS = frozenset({"时间", "日期"})  # as page chrome prints them (来源： 时间：…), kept by transforms/chrome.py


@dataclass(frozen=True)
class PubDateCandidate:
    source: str  # a source of pubdate_sources.csv
    published_on: date
    raw_text: str  # as printed, for evidence
    ref: str = ""  # where: a header label, a meta name, a URL


@dataclass(frozen=True)
class Source:
    source: str
    role: str
    priority: int
    description_zh: str


@lru_cache(maxsize=1)
def sources() -> dict[str, Source]:
    with open(SOURCES_FILE, encoding="utf-8", newline="") as fh:
        return {r["source"]: Source(r["source"], r["role"], int(r["priority"]), r["description_zh"]) for r in csv.DictReader(fh)}


def parse_date(text: str) -> date | None:
    """A calendar date from the ways headers print one; an aware time is read in China time."""
    text = text.strip()
    if not text:
        return None
    match = _PDF_DATE.match(text)
    if match:
        return _valid(*match.groups())
    if re.match(r"\d{4}-\d{2}-\d{2}T", text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            return (moment.astimezone(CHINA) if moment.tzinfo else moment).date()
    if re.match(r"[A-Za-z]{3},", text):
        try:
            return parsedate_to_datetime(text).astimezone(CHINA).date()
        except (TypeError, ValueError):
            return None
    match = _DATE.search(text)
    return _valid(*match.groups()) if match else None


def _valid(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def plausible(on: date, year: int | None) -> bool:
    """A report on year Y is published after Y ends; a date before December of Y or years later is another date."""
    return year is None or date(year, 12, 1) <= on <= date(year + 4, 12, 31)


def document_candidates(meta: dict[str, str], text: str, fmt: str, year: int | None) -> list[PubDateCandidate]:
    """Candidates a document carries itself: header fields, meta tags, file metadata, the signature."""
    found: list[PubDateCandidate] = []
    header = dict(meta)
    for label, value in labelled_fields(text[:HEAD_CHARS]).items():
        header.setdefault(label, value)
    for key, value in header.items():
        source = _source_of(key, fmt)
        on = parse_date(value) if source else None
        if on and plausible(on, year):
            found.append(PubDateCandidate(source, on, value, key))
    signature = signature_date(text, year)
    if signature:
        found.append(signature)
    return found


def _source_of(key: str, fmt: str) -> str | None:
    if key in _WRITTEN_LABELS:
        return "written"
    if key in HEADER_LABELS or key in _BARE_LABELS:
        return "archive_header" if fmt == "text" else "page"
    if key.startswith("html:"):
        return "html_meta"
    return {"pdf:CreationDate": "pdf_created", "pdf:ModDate": "pdf_modified",
            "docx:created": "docx_created", "docx:modified": "docx_modified"}.get(key)


def signature_date(text: str, year: int | None) -> PubDateCandidate | None:
    """The last full Chinese date near the end of the report, if it can be a signing date."""
    tail = text[-TAIL_CHARS:]
    matches = list(_CN_DATE.finditer(tail))
    for match in reversed(matches):
        on = _valid(*match.groups())
        if on and plausible(on, year) and (year is None or on > date(year, 12, 31)):
            return PubDateCandidate("signature", on, match.group(0), "落款")
    return None


def fetch_candidates(first_seen: str | None, last_modified: str | None, url: str) -> list[PubDateCandidate]:
    """What the scraper's manifest says about a downloaded file."""
    found = []
    if first_seen:
        on = parse_date(first_seen)
        if on:
            found.append(PubDateCandidate("first_seen", on, first_seen, url))
    if last_modified:
        on = parse_date(last_modified)
        if on:
            found.append(PubDateCandidate("last_modified", on, last_modified, url))
    return found
