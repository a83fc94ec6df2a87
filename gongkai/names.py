"""File names as a person and the warehouse can see them.

A name on disk is bytes. Zips made on Chinese Windows leave GBK names, and any byte string is a
valid Linux name, so a name may not be UTF-8 at all (Python then carries the bad bytes as lone
surrogates, which DuckDB refuses). The file is always opened by its real bytes (the Path object);
what is stored and printed is a display form that is valid UTF-8 and one line long.
"""
from __future__ import annotations

import os
import unicodedata
from pathlib import Path

_ESCAPED_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp", "Co"}
"""Control, format (bidi overrides), surrogate, line/paragraph separators, private use."""


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="backslashreplace")


def display_text(text: str) -> str:
    """Text safe for one summary line and for DuckDB: control characters and newlines escaped."""
    if text.isprintable() and not any(unicodedata.category(ch) in _ESCAPED_CATEGORIES for ch in text):
        return text
    out = []
    for ch in text:
        if unicodedata.category(ch) in _ESCAPED_CATEGORIES:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def display_name(name: str | bytes | os.PathLike) -> str:
    """A name (or path) decoded from its real bytes: UTF-8, else GBK, else escaped; one printable line."""
    raw = name if isinstance(name, bytes) else os.fsencode(name)
    return display_text(_decode(raw))


def display_path(path: Path | object) -> str:
    """display_name of a whole path, part by part (each part decoded on its own); an object-storage
    URL (storage.ObjectPath) is already text."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        return display_text(str(path))
    return "/".join(display_name(part) for part in os.fsencode(path).split(b"/"))


def shown(path: Path) -> str:
    """The file's name for messages."""
    return display_name(path.name)
