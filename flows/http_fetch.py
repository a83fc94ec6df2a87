"""A polite and defensive HTTP fetcher for county portals.

Hundreds of small government sites are scraped every night: each must be asked slowly (per-host
rate limit, robots.txt), and none may hang the night, fill the disk or lead the scraper elsewhere
(timeouts, a total time cap, a size cap, host and scheme checks on every link and every redirect).
Redirects are followed by hand so that each hop passes the same checks.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

log = logging.getLogger(__name__)

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
ALLOWED_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = "gongkai-scraper/0.1 (annual government information disclosure reports; polite batch crawler)"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    """Longest wait for any single read (headers or the next chunk of the body)."""
    total_timeout: float = 300.0
    """Cap on one download attempt, start to last byte (a server trickling bytes is cut off)."""
    max_bytes: int = 50 * 1024 * 1024
    max_attempts: int = 4
    """Attempts per URL; only 5xx, 429 and connection errors/timeouts are retried."""
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    rate_limit_per_s: float = 1.0
    """Default requests per second per host; a site's rate_limit_per_s overrides it for its hosts."""
    max_redirects: int = 5
    max_robots_bytes: int = 500 * 1024
    """A robots.txt larger than this (Google reads 500 KiB) is treated as disallow all, with the reason."""
    max_crawl_delay: float = 60.0
    """Honour robots.txt Crawl-delay up to this many seconds."""
    trust_env: bool = True
    """Let httpx read proxy settings from the environment."""

    @property
    def robots_agent(self) -> str:
        return self.user_agent.split("/")[0]


@dataclass
class Download:
    """The outcome of one fetch (after redirects and retries). A 200 body waits in temp_path."""

    url: str
    final_url: str
    status: int | None = None
    headers: httpx.Headers | None = None
    content_disposition: bytes | None = None
    """The raw header bytes: servers send GBK or UTF-8 here, undecodable as latin-1 text."""
    temp_path: Path | None = None
    sha256: str | None = None
    size: int = 0
    attempts: int = 0
    error: str | None = None
    refused: bool = False
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and self.status == 200 and self.temp_path is not None

    @property
    def not_modified(self) -> bool:
        return self.error is None and self.status == 304

    def header(self, name: str) -> str | None:
        return self.headers.get(name) if self.headers is not None else None

    def discard(self) -> None:
        if self.temp_path is not None:
            self.temp_path.unlink(missing_ok=True)
            self.temp_path = None


class RateLimiter:
    """At most one request per interval per host; waiting callers are spaced out in turn."""

    def __init__(self, default_rate_per_s: float) -> None:
        self._default = 1.0 / default_rate_per_s
        self._interval: dict[str, float] = {}
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def set_rate(self, host: str, rate_per_s: float) -> None:
        with self._lock:
            self._interval[host.lower()] = 1.0 / rate_per_s

    def slow_down(self, host: str, min_interval: float) -> None:
        with self._lock:
            host = host.lower()
            self._interval[host] = max(self._interval.get(host, self._default), min_interval)

    def interval(self, host: str) -> float:
        return self._interval.get(host.lower(), self._default)

    def wait(self, host: str) -> None:
        host = host.lower()
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + self._interval.get(host, self._default)
        if slot > now:
            time.sleep(slot - now)


RobotsLoader = Callable[[str, frozenset[str]], tuple[int | None, bytes | None, str | None]]
"""(robots_url, hosts) -> (http status or None, body or None, error or None)."""


@dataclass
class _Robots:
    parser: RobotFileParser
    note: str = ""


@dataclass
class _Attempt:
    status: int | None = None
    headers: httpx.Headers | None = None
    disposition: bytes | None = None
    final_url: str = ""
    temp_path: Path | None = None
    sha256: str | None = None
    size: int = 0
    error: str | None = None
    refused: bool = False
    retryable: bool = False
    retry_after: float | None = None


class Fetcher:
    """Fetch URLs under a host allow-list, robots.txt, a per-host rate limit and caps.

    `fetch` never raises for network trouble: the Download it returns carries the error.
    """

    def __init__(self, settings: FetchSettings | None = None, client: httpx.Client | None = None,
                 tmp_dir: Path | None = None, robots_loader: RobotsLoader | None = None) -> None:
        self.settings = settings or FetchSettings()
        s = self.settings
        self._own_client = client is None
        self.client = client or httpx.Client(
            headers={"User-Agent": s.user_agent}, trust_env=s.trust_env,
            timeout=httpx.Timeout(connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=s.connect_timeout))
        self.tmp_dir = Path(tmp_dir) if tmp_dir is not None else Path(tempfile.gettempdir())
        self.limiter = RateLimiter(s.rate_limit_per_s)
        self.robots_loader: RobotsLoader = robots_loader or self._load_robots_plain
        self._robots: dict[str, _Robots] = {}
        self._robots_lock = threading.Lock()

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- policy -------------------------------------------------------------------------------

    def refusal(self, url: str, hosts: frozenset[str], check_robots: bool = True) -> str | None:
        """Why url must not be fetched, or None. Checked for every link and every redirect hop."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            return f"malformed URL {url!r}"
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            return f"scheme '{parts.scheme or '(none)'}:' is not http(s) in {url[:200]!r}"
        if not host:
            return f"no host in {url[:200]!r}"
        if host not in hosts:
            return f"host '{host}' is not among the configured hosts ({', '.join(sorted(hosts))}) for {url[:200]!r}"
        if check_robots:
            robots = self._robots_for(url, hosts)
            if not robots.parser.can_fetch(self.settings.robots_agent, url):
                return f"robots.txt of {parts.scheme}://{parts.netloc} disallows {url[:200]!r}{robots.note}"
        return None

    def _robots_for(self, url: str, hosts: frozenset[str]) -> _Robots:
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        with self._robots_lock:
            cached = self._robots.get(origin)
            if cached is not None:
                return cached
            status, body, error = self.robots_loader(origin + "/robots.txt", hosts)
            parser = RobotFileParser(origin + "/robots.txt")
            note = ""
            if body is not None and status in (200, 304) and len(body) > self.settings.max_robots_bytes:
                parser.disallow_all = True
                note = (f" (robots.txt is {len(body):,} bytes, over the {self.settings.max_robots_bytes:,}-byte cap: "
                        "treated as disallow all)")
            elif body is not None and status in (200, 304):
                parser.parse(body.decode("utf-8", errors="replace").splitlines())
            elif status in (401, 403):
                parser.disallow_all = True
                note = f" (robots.txt answered HTTP {status}: treated as disallow all)"
            elif status is not None and 400 <= status < 500 and status != 429:
                parser.allow_all = True  # no robots.txt: everything is allowed
            else:
                parser.disallow_all = True  # RFC 9309: an unreachable robots.txt means disallow all
                note = f" (robots.txt unreachable: {error or f'HTTP {status}'}; treated as disallow all)"
            parser.modified()
            delay = parser.crawl_delay(self.settings.robots_agent)
            if delay and parts.hostname:
                self.limiter.slow_down(parts.hostname, min(float(delay), self.settings.max_crawl_delay))
            self._robots[origin] = cached = _Robots(parser, note)
            return cached

    def _load_robots_plain(self, robots_url: str, hosts: frozenset[str]) -> tuple[int | None, bytes | None, str | None]:
        dl = self.fetch(robots_url, hosts, check_robots=False)
        try:
            body = dl.temp_path.read_bytes() if dl.ok and dl.temp_path else None
        finally:
            dl.discard()
        return dl.status if not dl.refused else None, body, dl.error

    # --- fetching -----------------------------------------------------------------------------

    def fetch(self, url: str, hosts: frozenset[str], *, validators: dict[str, str] | None = None,
              check_robots: bool = True) -> Download:
        """GET url (following allowed redirects), retrying 5xx/429/connection errors with backoff.

        validators: conditional headers (If-None-Match / If-Modified-Since); a 304 comes back as
        status 304 with no body.
        """
        s = self.settings
        start = time.monotonic()
        dl = Download(url=url, final_url=url)
        reason = self.refusal(url, hosts, check_robots)
        if reason:
            dl.error, dl.refused = f"refused: {reason}", True
            log.warning("scraper refused %s", reason)
            return dl
        attempt = _Attempt()
        for n in range(1, max(1, s.max_attempts) + 1):
            dl.attempts = n
            attempt = self._attempt(url, hosts, validators or {}, check_robots)
            if not attempt.retryable or n >= s.max_attempts:
                break
            delay = min(s.backoff_max, s.backoff_base * 2 ** (n - 1))
            if attempt.retry_after is not None:
                delay = min(s.backoff_max, max(delay, attempt.retry_after))
            log.info("retrying %s in %.2f s after: %s", url, delay, attempt.error)
            time.sleep(delay)
        dl.status, dl.headers, dl.content_disposition = attempt.status, attempt.headers, attempt.disposition
        dl.final_url = attempt.final_url or url
        dl.temp_path, dl.sha256, dl.size = attempt.temp_path, attempt.sha256, attempt.size
        dl.error, dl.refused = attempt.error, attempt.refused
        if dl.error and attempt.retryable and dl.attempts > 1:
            dl.error += f" (gave up after {dl.attempts} attempts)"
        dl.elapsed_s = time.monotonic() - start
        return dl

    def _attempt(self, url: str, hosts: frozenset[str], validators: dict[str, str], check_robots: bool) -> _Attempt:
        s = self.settings
        current = url
        for _hop in range(s.max_redirects + 1):
            result = self._request(current, validators)
            if result.status in REDIRECT_STATUSES and result.headers is not None and result.headers.get("location"):
                target = urljoin(current, result.headers["location"].strip())
                reason = self.refusal(target, hosts, check_robots)
                if reason:
                    log.warning("scraper refused redirect from %s: %s", current, reason)
                    result.error, result.refused = f"refused: redirect from {current[:200]!r}: {reason}", True
                    return result
                current = target
                continue
            return result
        return _Attempt(final_url=current, error=f"more than {s.max_redirects} redirects starting at {url[:200]!r}")

    def _request(self, url: str, validators: dict[str, str]) -> _Attempt:
        s = self.settings
        out = _Attempt(final_url=url)
        host = urlsplit(url).hostname or ""
        self.limiter.wait(host)
        started = time.monotonic()
        try:
            headers = {"User-Agent": s.user_agent, **validators}
            with self.client.stream("GET", url, headers=headers, follow_redirects=False) as resp:
                out.status, out.headers = resp.status_code, resp.headers
                out.disposition = next((v for k, v in resp.headers.raw if k.lower() == b"content-disposition"), None)
                if resp.status_code in REDIRECT_STATUSES or resp.status_code == 304:
                    return out
                if resp.status_code >= 500 or resp.status_code == 429:
                    out.error, out.retryable = f"HTTP {resp.status_code} {resp.reason_phrase}".strip(), True
                    out.retry_after = _retry_after(resp.headers.get("retry-after"))
                    return out
                if resp.status_code != 200:
                    out.error = f"HTTP {resp.status_code} {resp.reason_phrase}".strip()
                    return out
                declared = resp.headers.get("content-length", "")
                if declared.strip().isdigit() and int(declared) > s.max_bytes:
                    out.error = f"too large: Content-Length {int(declared)} bytes exceeds the size cap of {s.max_bytes} bytes"
                    return out
                self._stream_body(resp, out, started)
                return out
        except httpx.TimeoutException as exc:
            out.error, out.retryable = f"timed out ({type(exc).__name__}: {exc or 'no detail'})", True
        except httpx.TransportError as exc:
            out.error, out.retryable = f"connection error ({type(exc).__name__}: {exc or 'no detail'})", True
        except httpx.HTTPError as exc:
            out.error = f"HTTP error ({type(exc).__name__}: {exc or 'no detail'})"
        if out.temp_path is not None:  # an exception mid-body
            out.temp_path.unlink(missing_ok=True)
            out.temp_path, out.sha256, out.size = None, None, 0
        return out

    def _stream_body(self, resp: httpx.Response, out: _Attempt, started: float) -> None:
        """Write the body to a temp file while hashing it, aborting past the size or time cap."""
        s = self.settings
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="dl-", suffix=".part", dir=self.tmp_dir)
        out.temp_path = Path(name)
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as fh:
            for chunk in resp.iter_bytes():  # as they arrive, so the caps are checked often
                size += len(chunk)
                if size > s.max_bytes:
                    out.error = f"too large: the body exceeded the size cap of {s.max_bytes} bytes; download aborted"
                    break
                if time.monotonic() - started > s.total_timeout:
                    out.error = f"too slow: the download took longer than the cap of {s.total_timeout:g} s; aborted"
                    break
                digest.update(chunk)
                fh.write(chunk)
        if out.error:
            out.temp_path.unlink(missing_ok=True)
            out.temp_path = None
            return
        out.sha256, out.size = digest.hexdigest(), size


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return float(value.strip())
    return None
