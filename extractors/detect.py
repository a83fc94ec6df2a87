"""Tell a file's format from its bytes, never from its name."""
from __future__ import annotations

import io
import zipfile

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect_format(data: bytes) -> str:
    """Return one of pdf, docx, xlsx, zip, doc, wps, xls, ole, html, text, empty, binary."""
    if not data.strip():
        return "empty"
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(data)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<?xml")) or b"<table" in data[:200_000].lower() or b"<body" in head.lower():
        return "html"
    if _looks_like_text(head):
        return "text"
    return "binary"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OSError):  # a damaged directory
        return "binary"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


def _ole_kind(data: bytes) -> str:
    """OLE2 containers hold .doc, .wps and .xls; their stream names tell them apart."""
    sample = data[:1_000_000]
    if "WordDocument".encode("utf-16-le") in sample:
        return "doc"
    if "Workbook".encode("utf-16-le") in sample or "Book".encode("utf-16-le") in sample:
        return "xls"
    if "WpsContents".encode("utf-16-le") in sample or b"WPS" in sample[:4096]:
        return "wps"
    return "ole"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return head.count(b"\x00") < len(head) // 4 and (head.startswith((b"\xff\xfe", b"\xfe\xff")))
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start > len(head) - 4:  # cut mid-character at the sample edge
                return True
    return False
