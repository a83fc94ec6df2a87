"""The sources file: which inbox folders and which county portals the nightly job reads.

Validated up front so that a typo in the YAML stops the run with a message naming the file and
the field, instead of surfacing as a strange failure halfway through a night of scraping.
"""
from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from gongkai.storage import AnyPath, ObjectPath, is_url

DEFAULT_LINK_PATTERN = "年度报告|年报"
DEFAULT_MAX_PAGES = 5
DEFAULT_MAX_LINKS_PER_PAGE = 200
DEFAULT_MAX_LINKS_PER_RUN = 500
MIN_RATE_PER_S = 1 / 3600
MAX_RATE_PER_S = 100.0
"""Politeness: more than 100 requests a second to one county portal is a typo, not a setting."""
MAX_PATTERN_CHARS = 500
DEFAULT_SOURCES_FILE = Path("data/sources.yaml")

_TOP_KEYS = {"inbox", "sites", "scope", "assessment"}
_SCOPE_KEYS = {"regions", "departments", "exclude_kinds", "years"}
_ASSESSMENT_KEYS = {"rules", "deadlines"}
_SITE_KEYS = {"name", "list_url", "county_code", "link_pattern", "max_pages", "allowed_hosts", "rate_limit_per_s",
              "allow_private", "max_links_per_page", "max_links_per_run"}
_HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


class SourcesError(ValueError):
    """The sources file is missing, not YAML, or names a field wrongly; the message says where."""


@dataclass(frozen=True)
class Site:
    name: str
    list_url: str
    county_code: str | None = None
    link_pattern: str = DEFAULT_LINK_PATTERN
    max_pages: int = DEFAULT_MAX_PAGES
    allowed_hosts: tuple[str, ...] = ()
    rate_limit_per_s: float | None = None
    """None means the scraper's default (1 request per second per host)."""
    allow_private: bool = False
    """list_url may name a private, loopback or link-local address (tests, an intranet mirror)."""
    max_links_per_page: int = DEFAULT_MAX_LINKS_PER_PAGE
    """Report links taken from one list page; the rest are left for the next night."""
    max_links_per_run: int = DEFAULT_MAX_LINKS_PER_RUN
    """Report links followed per site per run; links not fetched before go first, the rest wait."""

    @property
    def hosts(self) -> frozenset[str]:
        """Every host the scraper may contact for this site: the list page's host plus allowed_hosts."""
        return frozenset({(urlsplit(self.list_url).hostname or "").lower(), *self.allowed_hosts})


@dataclass(frozen=True)
class Scope:
    """Who is expected to publish: every township-level division under the region codes, plus the
    departments listed in a CSV (name, region code, level); see warehouse/assessment_config.py."""

    regions: tuple[str, ...] = ()
    departments: Path | None = None
    exclude_kinds: tuple[str, ...] = ()
    """dim_region.kind values not expected to publish (e.g. farm, forest_farm, development_zone)."""
    years: tuple[int, ...] = ()
    """Years assessed; empty: every year with a current report in the scope."""


@dataclass(frozen=True)
class Sources:
    inbox: tuple[AnyPath, ...] = ()
    sites: tuple[Site, ...] = ()
    scope: Scope | None = None
    rules: Path | None = None
    """An office's own rule pack (default: data/assessment/rules.csv)."""
    deadlines: Path | None = None
    """An office's own deadlines (default: data/assessment/deadlines.csv)."""
    path: Path | None = None
    """The file these were read from, for messages."""


def load_sources(path: str | Path = DEFAULT_SOURCES_FILE, base_dir: str | Path | None = None) -> Sources:
    """Read and validate a sources file.

    Relative inbox folders are resolved against base_dir (default: the current directory, i.e. the
    project root where `gongkai` runs), so `inbox: data/samples` means the bundled samples.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesError(f"{path}: sources file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{path}: cannot read the sources file ({exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        raise SourcesError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    return parse_sources(data, path, Path(base_dir) if base_dir is not None else Path.cwd())


def parse_sources(data: Any, path: Path, base_dir: Path) -> Sources:
    """Validate already-parsed YAML; every error names the file and the field."""
    if data is None:
        raise SourcesError(f"{path}: the file is empty; expected keys 'inbox' and/or 'sites'")
    if not isinstance(data, dict):
        raise SourcesError(f"{path}: expected a mapping with keys 'inbox' and 'sites', got {_kind(data)}")
    unknown = sorted(set(map(str, data)) - _TOP_KEYS)
    if unknown:
        raise SourcesError(f"{path}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_TOP_KEYS))}")
    inbox = _parse_inbox(data.get("inbox"), path, base_dir)
    raw_sites = data.get("sites")
    if raw_sites is None:
        raw_sites = []
    if not isinstance(raw_sites, list):
        raise SourcesError(f"{path}: sites: expected a list of sites, got {_kind(raw_sites)}")
    sites = tuple(_parse_site(item, f"sites[{i}]", path) for i, item in enumerate(raw_sites))
    seen: set[str] = set()
    for i, site in enumerate(sites):
        if site.name in seen:
            raise SourcesError(f"{path}: sites[{i}].name: duplicate site name {site.name!r}")
        seen.add(site.name)
    scope = _parse_scope(data.get("scope"), path, base_dir)
    assessment = data.get("assessment") or {}
    if not isinstance(assessment, dict):
        raise SourcesError(f"{path}: assessment: expected a mapping with rules and/or deadlines, got {_kind(assessment)}")
    unknown = sorted(set(map(str, assessment)) - _ASSESSMENT_KEYS)
    if unknown:
        raise SourcesError(f"{path}: assessment: unknown key(s) {', '.join(unknown)}; allowed: deadlines, rules")
    rules = _file(assessment.get("rules"), "assessment.rules", path, base_dir)
    deadlines = _file(assessment.get("deadlines"), "assessment.deadlines", path, base_dir)
    return Sources(inbox=inbox, sites=sites, scope=scope, rules=rules, deadlines=deadlines, path=path)


def _file(value: Any, where: str, path: Path, base_dir: Path) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SourcesError(f"{path}: {where}: expected a CSV file path, got {_kind(value)}")
    file = Path(value.strip()).expanduser()
    file = file if file.is_absolute() else base_dir / file
    if not file.is_file():
        raise SourcesError(f"{path}: {where}: no such file {file}")
    return file


def _parse_scope(value: Any, path: Path, base_dir: Path) -> Scope | None:
    """scope: a list of region codes, or a mapping with regions, departments, exclude_kinds, years."""
    if value is None:
        return None
    if isinstance(value, (list, str, int)):
        value = {"regions": value}
    if not isinstance(value, dict):
        raise SourcesError(f"{path}: scope: expected region codes or a mapping with regions, got {_kind(value)}")
    unknown = sorted(set(map(str, value)) - _SCOPE_KEYS)
    if unknown:
        raise SourcesError(f"{path}: scope: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_SCOPE_KEYS))}")
    regions = value.get("regions") or []
    regions = regions if isinstance(regions, list) else [regions]
    codes = []
    for i, code in enumerate(regions):
        text = str(code).strip() if isinstance(code, (str, int)) and not isinstance(code, bool) else ""
        if not re.fullmatch(r"\d{2}|\d{4}|\d{6}|\d{9}", text):
            raise SourcesError(f"{path}: scope.regions[{i}]: expected a province (2 digits), city (4), county (6) "
                               f"or township (9) code in quotes such as \"330106\", got {code!r}")
        codes.append(text)
    kinds = value.get("exclude_kinds") or []
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if not all(isinstance(k, str) and k.strip() for k in kinds):
        raise SourcesError(f"{path}: scope.exclude_kinds: expected a list of kinds such as [farm, forest_farm], got {kinds!r}")
    years = value.get("years") or []
    years = years if isinstance(years, list) else [years]
    if not all(isinstance(y, int) and not isinstance(y, bool) and 2008 <= y <= 2100 for y in years):
        raise SourcesError(f"{path}: scope.years: expected a list of years such as [2022, 2023], got {years!r}")
    departments = _file(value.get("departments"), "scope.departments", path, base_dir)
    if not codes and departments is None:
        raise SourcesError(f"{path}: scope: give regions (region codes) and/or departments (a CSV file)")
    return Scope(regions=tuple(codes), departments=departments, exclude_kinds=tuple(k.strip() for k in kinds),
                 years=tuple(years))


def _parse_inbox(value: Any, path: Path, base_dir: Path) -> tuple[AnyPath, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    folders = []
    for i, item in enumerate(items):
        label = "inbox" if not isinstance(value, list) else f"inbox[{i}]"
        if not isinstance(item, str) or not item.strip():
            raise SourcesError(f"{path}: {label}: expected a folder path, got {_kind(item)}")
        if is_url(item.strip()):  # a folder in object storage (s3://bucket/inbox)
            folders.append(ObjectPath(item.strip()))
            continue
        folder = Path(item.strip()).expanduser()
        folders.append(folder if folder.is_absolute() else base_dir / folder)
    return tuple(folders)


def _parse_site(item: Any, where: str, path: Path) -> Site:
    if not isinstance(item, dict):
        raise SourcesError(f"{path}: {where}: expected a mapping with name and list_url, got {_kind(item)}")
    unknown = sorted(set(map(str, item)) - _SITE_KEYS)
    if unknown:
        raise SourcesError(f"{path}: {where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_SITE_KEYS))}")

    def fail(key: str, message: str) -> SourcesError:
        return SourcesError(f"{path}: {where}.{key}: {message}")

    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("name", f"required, a non-empty text; got {_kind(name)}")
    list_url = item.get("list_url")
    if not isinstance(list_url, str) or not list_url.strip():
        raise fail("list_url", f"required, an http(s) URL; got {_kind(list_url)}")
    parts = urlsplit(list_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fail("list_url", f"must be an http:// or https:// URL with a host, got {list_url!r}")
    allow_private = item.get("allow_private", False)
    if not isinstance(allow_private, bool):
        raise fail("allow_private", f"expected true or false, got {_kind(allow_private)}")
    private = _private_host(parts.hostname)
    if private and not allow_private:
        raise fail("list_url", f"{parts.hostname} is {private}: a county portal is on the public internet; "
                               "fix the URL, or add `allow_private: true` to the site if this is meant (a test or intranet mirror)")

    county_code = item.get("county_code")
    if county_code is not None:
        if isinstance(county_code, bool) or not isinstance(county_code, (str, int)):
            raise fail("county_code", f"expected a 6-digit code such as \"411503\", got {_kind(county_code)}")
        county_code = str(county_code).strip()
        if not re.fullmatch(r"\d{6}", county_code):
            raise fail("county_code", f"expected a 6-digit county code such as \"411503\", got {county_code!r}")

    link_pattern = item.get("link_pattern", DEFAULT_LINK_PATTERN)
    if not isinstance(link_pattern, str) or not link_pattern:
        raise fail("link_pattern", f"expected a regular expression, got {_kind(link_pattern)}")
    try:
        re.compile(link_pattern)
    except re.error as exc:
        raise fail("link_pattern", f"not a valid regular expression ({exc})") from None
    risky = _backtracking_risk(link_pattern)
    if risky:
        raise fail("link_pattern", f"{risky}; such a pattern can take exponential time on a long link text: "
                                   "simplify it (e.g. 年度报告|年报)")

    max_pages = item.get("max_pages", DEFAULT_MAX_PAGES)
    if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
        raise fail("max_pages", f"expected a whole number >= 1, got {max_pages!r}")

    hosts_value = item.get("allowed_hosts", [])
    if isinstance(hosts_value, str):
        hosts_value = [hosts_value]
    if not isinstance(hosts_value, list):
        raise fail("allowed_hosts", f"expected a list of host names, got {_kind(hosts_value)}")
    hosts = []
    for j, host in enumerate(hosts_value):
        if not isinstance(host, str) or not _HOST_RE.match(host.strip().lower()):
            raise SourcesError(
                f"{path}: {where}.allowed_hosts[{j}]: expected a bare host name such as www.example.gov.cn "
                f"(no scheme, port or path), got {host!r}")
        hosts.append(host.strip().lower())

    rate = item.get("rate_limit_per_s")
    if rate is not None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate) or not rate > 0:
            raise fail("rate_limit_per_s", f"expected a positive, finite number of requests per second, got {rate!r}")
        if not MIN_RATE_PER_S <= rate <= MAX_RATE_PER_S:
            raise fail("rate_limit_per_s", f"{rate!r} requests per second is outside {MIN_RATE_PER_S:.6f}..{MAX_RATE_PER_S:g}; "
                                           "county portals are asked about once a second")
        rate = float(rate)

    caps = {}
    for key, default in (("max_links_per_page", DEFAULT_MAX_LINKS_PER_PAGE), ("max_links_per_run", DEFAULT_MAX_LINKS_PER_RUN)):
        value = item.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
            raise fail(key, f"expected a whole number from 1 to 100000, got {value!r}")
        caps[key] = value

    return Site(name=name.strip(), list_url=list_url.strip(), county_code=county_code, link_pattern=link_pattern,
                max_pages=max_pages, allowed_hosts=tuple(hosts), rate_limit_per_s=rate, allow_private=allow_private, **caps)


def _private_host(host: str) -> str | None:
    """What kind of non-public address host is ("a loopback address", …), or None for a public one.
    Names are not resolved here (no network while validating); literal addresses and localhost are checked."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return "a loopback name"
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return None
    for kind, flag in (("a loopback address", address.is_loopback), ("a link-local address", address.is_link_local),
                       ("a private address", address.is_private), ("an unspecified address", address.is_unspecified),
                       ("a multicast address", address.is_multicast), ("a reserved address", address.is_reserved)):
        if flag:
            return kind
    return None


def _backtracking_risk(pattern: str) -> str | None:
    """Why the pattern can backtrack catastrophically, or None: too long, or a repeat nested inside an
    unbounded repeat ((a+)+, (.*)*, (x|y+)*), the shape behind exponential matching times."""
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"the pattern is {len(pattern)} characters long (at most {MAX_PATTERN_CHARS})"
    from re import _parser  # the stdlib's own parser: the tree of the pattern as re will run it

    repeats = {_parser.MAX_REPEAT, _parser.MIN_REPEAT, getattr(_parser, "POSSESSIVE_REPEAT", None)} - {None}

    def walk(items, inside_unbounded: bool) -> str | None:
        for op, arg in items:
            if op in repeats:
                low, high, sub = arg
                unbounded = high == _parser.MAXREPEAT or high > 100
                if inside_unbounded and (unbounded or (high > 1 and low != high)):
                    return "it nests a repeat inside a repeat"
                found = walk(sub, inside_unbounded or unbounded)
            elif op == _parser.SUBPATTERN:
                found = walk(arg[-1], inside_unbounded)
            elif op == _parser.BRANCH:
                found = next((f for f in (walk(b, inside_unbounded) for b in arg[1]) if f), None)
            else:
                continue
            if found:
                return found
        return None

    return walk(_parser.parse(pattern), False)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):
        return f"a {type(value).__name__}"
    return f"{type(value).__name__} {value!r}"
