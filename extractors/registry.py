"""Pick the reader for a file by its detected format."""
from __future__ import annotations

import importlib
from pathlib import Path

from extractors.detect import detect_format
from extractors.guards import check_zip
from extractors.model import ExtractionError, ReadResult

# format -> "module:function"; each function takes (data: bytes, name: str) -> ReadResult
READERS: dict[str, str] = {
    "text": "extractors.text:read_text",
    "docx": "extractors.docx:read_docx",
    "html": "extractors.html:read_html",
    "doc": "extractors.legacy:read_doc",
    "wps": "extractors.legacy:read_wps",
    "xls": "extractors.legacy:read_xls",
    "xlsx": "extractors.legacy:read_xlsx",
    "pdf": "extractors.pdf:read_pdf",
}

UNSUPPORTED_REASONS: dict[str, str] = {
    "empty": "the file is empty (0 bytes or only whitespace); re-download it from the source",
    "binary": "the bytes are not a PDF, Word, HTML or text document; check the download",
    "zip": "a zip archive that is not a Word document; unpack it and ingest the files inside",
}


def read_bytes(data: bytes, name: str) -> ReadResult:
    fmt = detect_format(data)
    target = READERS.get(fmt)
    if target is None:
        reason = UNSUPPORTED_REASONS.get(fmt, f"format '{fmt}' has no reader yet")
        raise ExtractionError(reason)
    if data.startswith(b"PK\x03\x04"):
        check_zip(data)  # every zip-based format: refuse bombs before a reader unpacks anything
    module_name, func_name = target.split(":")
    reader = getattr(importlib.import_module(module_name), func_name)
    result: ReadResult = reader(data, name)
    return result


def read_path(path: Path) -> ReadResult:
    return read_bytes(path.read_bytes(), path.name)
