"""What a folder walk reads: one classifier says, for every entry, read it or skip it and why.

Skips are counted and listed in the ingest summary, never dropped silently, and never become
quarantines: a folder of screenshots and notes next to the reports is not a folder of bad reports.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from gongkai.names import display_path
from gongkai.paths import DATA
from gongkai.storage import AnyPath, ObjectPath

SKIP_RULES = DATA / "ingest" / "skip.yaml"
HEAD_BYTES = 4096
REPORT_FORMATS = (b"%PDF-", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")
HTML_START = (b"<!doctype html", b"<html", b"<head", b"<meta", b"<body", b"<table")
WAREHOUSE_FILE = re.compile(r"\.duckdb($|\.)|\.duckdb-wal$|\.wal$")
"""The warehouse and everything the store keeps next to it: .wal, .lock, .staging-PID, .prev, the ingest list."""

HIDDEN = "hidden file or folder (name starts with '.')"
OFFICE_LOCK = "Office/WPS lock file (~$…)"
OUTSIDE_LINK = "symlink leading out of the folder, not followed"
BROKEN_LINK = "broken symlink"
NOT_REGULAR = "not a regular file (FIFO, socket or device)"
WAREHOUSE = "the warehouse's own file"
NOT_REPORT = "not a report (data, code, image or media file by its extension and bytes)"
UNREADABLE = "cannot be read"


@dataclass(frozen=True)
class Skipped:
    path: AnyPath
    reason: str
    detail: str = ""

    def line(self) -> str:
        return f"{display_path(self.path)}: {self.reason}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class Walk:
    files: list[AnyPath] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@lru_cache(maxsize=1)
def _rules() -> tuple[frozenset[str], tuple[bytes, ...]]:
    data = yaml.safe_load(SKIP_RULES.read_text(encoding="utf-8"))
    extensions = frozenset(ext.lower() for group in data["not_report_extensions"].values() for ext in group)
    markers = tuple(m.encode(enc) for m in data["report_markers"] for enc in ("utf-8", "gbk"))
    return extensions, markers


def _not_a_report(path: AnyPath) -> str | None:
    """Why a regular file is not a report, from its extension and first bytes; None to read it."""
    extensions, markers = _rules()
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return None  # the ingest reports an unreadable file with its own reason
    if head.startswith(REPORT_FORMATS) or b"%PDF-" in head[:1024]:
        return None
    if head.startswith(IMAGE_MAGIC) and not (head.startswith(b"RIFF") and head[8:12] != b"WEBP"):
        return "image bytes"
    if path.suffix.lower() not in extensions:
        return None
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith(HTML_START) or any(m in head for m in markers):
        return None
    return f"{path.suffix.lower()} file"


def classify(path: AnyPath, root: AnyPath | None = None, warehouse: Path | None = None) -> Skipped | None:
    """None when the entry is a file to read; otherwise why it is skipped.
    An object in storage has no links or special files: only its name and bytes are classified."""
    name = path.name
    if name.startswith("~$"):
        return Skipped(path, OFFICE_LOCK)
    if name.startswith(".") and root is not None:
        return Skipped(path, HIDDEN)
    if WAREHOUSE_FILE.search(name) or (warehouse is not None and name.startswith(warehouse.name)):
        return Skipped(path, WAREHOUSE)
    if isinstance(path, ObjectPath):
        why = _not_a_report(path)
        return Skipped(path, NOT_REPORT, why) if why else None
    try:
        if path.is_symlink():
            target = path.resolve()
            if not target.exists():
                return Skipped(path, BROKEN_LINK, f"to {display_path(Path(os.readlink(path)))}")
            if root is not None and not target.is_relative_to(root.resolve()):
                return Skipped(path, OUTSIDE_LINK, f"to {display_path(target)}")
            if target.is_dir():
                return Skipped(path, "symlink to a folder inside the folder, walked there")
        mode = path.stat().st_mode
    except OSError as exc:
        return Skipped(path, UNREADABLE, exc.strerror or str(exc))
    if stat.S_ISDIR(mode):
        return None
    if not stat.S_ISREG(mode):
        return Skipped(path, NOT_REGULAR)
    why = _not_a_report(path)
    return Skipped(path, NOT_REPORT, why) if why else None


def walk(paths: list[AnyPath], warehouse: Path | None = None) -> Walk:
    """Files to read under the given paths, recursively and in a stable order, and what was skipped.

    Symlinks are never followed out of the folder given; folders are not entered through links."""
    out = Walk()
    for given in paths:
        given = given if isinstance(given, ObjectPath) else Path(given)
        if isinstance(given, ObjectPath) and given.is_dir():
            for child in given.files():
                hidden = next((part for part in child.relative_to(given).parts[:-1] if part.startswith(".")), None)
                skip = Skipped(child, HIDDEN) if hidden else classify(child, given, warehouse)
                (out.skipped.append(skip) if skip else out.files.append(child))
        elif given.is_dir():
            _walk_folder(given, out, warehouse)
        elif given.exists() or (isinstance(given, Path) and given.is_symlink()):
            skip = classify(given, None, warehouse)
            (out.skipped.append(skip) if skip else out.files.append(given))
        else:
            raise FileNotFoundError(f"{display_path(given)}: no such file or folder")
    return out


def _walk_folder(root: Path, out: Walk, warehouse: Path | None) -> None:
    first = len(out.files)
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name))
        except OSError as exc:
            out.skipped.append(Skipped(folder, UNREADABLE, exc.strerror or str(exc)))
            continue
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            skip = classify(path, root, warehouse)
            if skip is not None:
                out.skipped.append(skip)
            elif entry.is_dir(follow_symlinks=False):
                subfolders.append(path)
            else:
                out.files.append(path)
        stack.extend(reversed(subfolders))
    out.files[first:] = sorted(out.files[first:], key=os.fsencode)
