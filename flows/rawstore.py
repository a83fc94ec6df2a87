"""Content-addressed store of raw downloads, with a manifest row for every fetch.

Files are stored as <raw>/<sha256[:2]>/<sha256><ext>: the name comes from the bytes, never from
the server, so no Content-Disposition can write outside the store, and the same bytes fetched
twice are stored once. The name the server offered is kept (cleaned) in the manifest only.
The manifest is SQLite: every row is its own transaction, so a crash mid-write loses at most
that row and never corrupts the earlier ones.

The store may live in object storage (`raw_dir` = `s3://bucket/raw`): the files go to the same
content addresses under that prefix, where any Dask worker reads them, and the manifest is
worked on in a private local copy that is fetched from `<raw>/manifest.sqlite` when the store
opens and uploaded back every MANIFEST_SYNC_S and when it closes (the bucket's copy is the
truth; a crash loses at most the rows since the last upload, and those files are simply
fetched again). Downloads wait in a local temporary folder, then go up in one PUT.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit

from extractors.detect import detect_format
from gongkai.storage import AnyPath, ObjectPath, is_url

MANIFEST_NAME = "manifest.sqlite"
TMP_DIR_NAME = ".tmp"
MAX_NAME_CHARS = 200
MANIFEST_SYNC_S = 60

EXT_BY_FORMAT = {"pdf": ".pdf", "docx": ".docx", "xlsx": ".xlsx", "doc": ".doc", "wps": ".wps", "xls": ".xls",
                 "html": ".html", "text": ".txt", "zip": ".zip"}
EXT_WHITELIST = frozenset({".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".html", ".htm", ".txt", ".zip"})

MANIFEST_COLUMNS = (
    "url", "final_url", "sha256", "http_status", "fetched_at", "etag", "last_modified", "bytes", "content_type",
    "original_filename", "site", "county_code", "page_url", "kind", "outcome", "is_document", "path", "error",
    "attempts", "elapsed_s",
)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS fetches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,            -- the URL asked for
    final_url TEXT,               -- after same-host redirects
    sha256 TEXT,                  -- of the stored body (also for a 304: the reused file)
    http_status INTEGER,          -- last status seen; NULL when no response (refused, timeout, connection)
    fetched_at TEXT NOT NULL,     -- UTC, ISO 8601
    etag TEXT,
    last_modified TEXT,
    bytes INTEGER NOT NULL,       -- body bytes transferred by this fetch (0 for a 304)
    content_type TEXT,
    original_filename TEXT,       -- cleaned name from Content-Disposition or the URL; never used as a path
    site TEXT,
    county_code TEXT,
    page_url TEXT,                -- the page the link was found on (report page for an attachment)
    kind TEXT,                    -- robots | list | page | attachment
    outcome TEXT NOT NULL,        -- new | unchanged | failed
    is_document INTEGER NOT NULL, -- 1 if this body is a report document to ingest
    path TEXT,                    -- relative to the raw dir
    error TEXT,
    attempts INTEGER,
    elapsed_s REAL
);
CREATE INDEX IF NOT EXISTS fetches_url ON fetches(url, id);
"""


@dataclass(frozen=True)
class Validators:
    """What a previous successful fetch of a URL left behind, for a conditional GET."""

    sha256: str
    path: AnyPath
    etag: str | None
    last_modified: str | None
    content_type: str | None = None
    original_filename: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


class RawStore:
    def __init__(self, raw_dir: str | Path) -> None:
        self.remote = is_url(raw_dir)
        if self.remote:
            self.root: AnyPath = ObjectPath(str(raw_dir))
            work = Path(tempfile.mkdtemp(prefix="gongkai-raw-"))
        else:
            self.root = work = Path(raw_dir)
            work.mkdir(parents=True, exist_ok=True)
        self._work = work
        self.tmp_dir = work / TMP_DIR_NAME
        self.tmp_dir.mkdir(exist_ok=True)
        self._clean_stale_temps()
        self._lock = threading.Lock()
        manifest = work / MANIFEST_NAME
        if self.remote and (self.root / MANIFEST_NAME).exists():
            (self.root / MANIFEST_NAME).download(manifest)
        self._synced = time.monotonic()
        self._db = sqlite3.connect(manifest, check_same_thread=False, timeout=30)
        with self._db:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()
        if self.remote:
            self._upload_manifest()
            shutil.rmtree(self._work, ignore_errors=True)

    def _upload_manifest(self) -> None:
        """Put the working copy of the manifest back in the bucket (one PUT replaces it whole)."""
        assert isinstance(self.root, ObjectPath)
        (self.root / MANIFEST_NAME).upload(self._work / MANIFEST_NAME)
        self._synced = time.monotonic()

    def __enter__(self) -> RawStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _clean_stale_temps(self, older_than_s: float = 24 * 3600) -> None:
        """Partial downloads left by a killed run; young ones may belong to a run in progress."""
        cutoff = time.time() - older_than_s
        for part in self.tmp_dir.glob("*.part"):
            try:
                if part.stat().st_mtime < cutoff:
                    part.unlink()
            except OSError:
                pass

    # --- files ----------------------------------------------------------------------------------

    def find(self, sha256: str) -> AnyPath | None:
        """The stored file for a hash, whatever extension it was stored under."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            return None
        shard = self.root / sha256[:2]
        if self.remote:
            candidates = shard.glob(sha256 + "*")  # type: ignore[union-attr]
        else:
            candidates = [c for c in sorted(shard.glob(sha256 + "*")) if c.is_file()] if shard.is_dir() else []
        return next((c for c in candidates if c.name[:64] == sha256), None)

    def put(self, temp_path: Path, sha256: str, claimed_names: tuple[str | None, ...] = ()) -> AnyPath:
        """Move a downloaded temp file into its content address (atomic rename, or one PUT); return the path."""
        existing = self.find(sha256)
        if existing is not None:
            temp_path.unlink(missing_ok=True)
            return existing
        with open(temp_path, "rb") as fh:
            head = fh.read(1_000_000)
        final = self.root / sha256[:2] / (sha256 + choose_extension(head, claimed_names))
        if isinstance(final, ObjectPath):
            final.upload(temp_path)  # an object appears whole or not at all
            temp_path.unlink(missing_ok=True)
            return final
        final.parent.mkdir(exist_ok=True)
        with open(temp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(temp_path, final)
        return final

    def relative(self, path: AnyPath) -> str:
        return path.relative_to(self.root).as_posix()  # type: ignore[arg-type]

    # --- manifest -------------------------------------------------------------------------------

    def validators(self, url: str) -> Validators | None:
        """The last successful fetch of url, if its file is still in the store."""
        row = self._db.execute(
            "SELECT sha256, etag, last_modified, content_type, original_filename FROM fetches WHERE url = ? AND sha256 IS NOT NULL "
            "AND outcome IN ('new', 'unchanged') ORDER BY id DESC LIMIT 1", (url,)).fetchone()
        if row is None:
            return None
        path = self.find(row[0])
        if path is None:
            return None
        return Validators(sha256=row[0], path=path, etag=row[1], last_modified=row[2], content_type=row[3],
                          original_filename=row[4])

    def record(self, **fields: object) -> None:
        """Append one manifest row (committed at once)."""
        unknown = set(fields) - set(MANIFEST_COLUMNS)
        if unknown:
            raise ValueError(f"unknown manifest columns: {sorted(unknown)}")
        row = {c: fields.get(c) for c in MANIFEST_COLUMNS}
        row["fetched_at"] = row["fetched_at"] or datetime.now(timezone.utc).isoformat(timespec="seconds")
        row["bytes"] = row["bytes"] or 0
        row["is_document"] = 1 if row["is_document"] else 0
        cols = ", ".join(MANIFEST_COLUMNS)
        marks = ", ".join("?" for _ in MANIFEST_COLUMNS)
        with self._lock:
            with self._db:
                self._db.execute(f"INSERT INTO fetches ({cols}) VALUES ({marks})", [row[c] for c in MANIFEST_COLUMNS])
            if self.remote and time.monotonic() - self._synced > MANIFEST_SYNC_S:
                self._upload_manifest()

    def rows(self) -> list[dict[str, object]]:
        cur = self._db.execute(f"SELECT id, {', '.join(MANIFEST_COLUMNS)} FROM fetches ORDER BY id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def read_manifest(raw_dir: str | Path) -> list[dict[str, object]]:
    """All manifest rows of a raw dir, oldest first (empty if there is no manifest yet)."""
    root = ObjectPath(str(raw_dir)) if is_url(raw_dir) else Path(raw_dir)
    if not (root / MANIFEST_NAME).exists():
        return []
    with RawStore(raw_dir) as store:
        return store.rows()


# --- names ----------------------------------------------------------------------------------------

def choose_extension(head: bytes, claimed_names: tuple[str | None, ...] = ()) -> str:
    """A whitelisted extension: from the bytes first, else from a name the server claimed, else .bin."""
    fmt = detect_format(head)
    if fmt in EXT_BY_FORMAT:
        return EXT_BY_FORMAT[fmt]
    for name in claimed_names:
        if name:
            ext = os.path.splitext(name)[1].lower()
            if ext in EXT_WHITELIST:
                return ext
    return ".bin"


def filename_from_disposition(raw: bytes | str | None) -> str | None:
    """The file name a Content-Disposition header offers, decoded, cleaned, or None.

    Handles RFC 5987 filename*=charset''percent-encoded (preferred when present), quoted and bare
    filename=, percent-encoded UTF-8 inside filename=, and raw GBK or UTF-8 bytes.
    """
    if raw is None:
        return None
    data = raw if isinstance(raw, bytes) else raw.encode("latin-1", errors="replace")
    params = _disposition_params(data)
    star = params.get(b"filename*")
    if star is not None:
        charset, _, rest = star.partition(b"'")
        _lang, _, encoded = rest.partition(b"'")
        if not encoded and not _lang:
            charset, encoded = b"utf-8", star
        name = _decode_name(unquote_to_bytes(encoded), charset.decode("ascii", errors="replace"))
        cleaned = safe_display_name(name)
        if cleaned:
            return cleaned
    plain = params.get(b"filename")
    if plain is None:
        return None
    if re.search(rb"%[0-9A-Fa-f]{2}", plain):
        plain = unquote_to_bytes(plain)
    return safe_display_name(_decode_name(plain, None)) or None


def filename_from_url(url: str) -> str | None:
    path = urlsplit(url).path
    last = path.rsplit("/", 1)[-1]
    if not last:
        return None
    return safe_display_name(_decode_name(unquote_to_bytes(last), None)) or None


def safe_display_name(name: str) -> str:
    """A single harmless file name: no directories, drive letters, control chars, NUL, or huge length."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")  # Cc, Cf, Cs, Co, Cn
    name = re.sub(r"^[A-Za-z]:", "", name).strip().strip(".").strip()
    if name in ("", ".", ".."):
        return ""
    if len(name) > MAX_NAME_CHARS:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 10 else ""
        name = stem[: MAX_NAME_CHARS - len(ext)] + ext
    return name


def _disposition_params(data: bytes) -> dict[bytes, bytes]:
    """Parameters of a Content-Disposition value; quoted values may contain ';'."""
    params: dict[bytes, bytes] = {}
    for match in re.finditer(rb';\s*([A-Za-z0-9_.*-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]*)', b";" + data):
        key = match.group(1).lower()
        value = match.group(3) if match.group(3) is not None else match.group(2).strip()
        if match.group(3) is not None and value.isascii():  # a GBK trail byte may be 0x5C: leave those alone
            value = re.sub(rb"\\(.)", rb"\1", value)
        params.setdefault(key, value)
    return params


def _decode_name(data: bytes, charset: str | None) -> str:
    candidates = []
    if charset:
        label = charset.strip().lower()
        candidates.append("gb18030" if label in ("gbk", "gb2312", "gb18030", "cp936") else label)
    candidates += ["utf-8", "gb18030"]
    for codec in candidates:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")
