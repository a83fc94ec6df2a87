"""Refuse zip packages (.docx, .xlsx) that would unpack far beyond any real report.

A zip bomb is a small file that inflates to gigabytes: a reader would spend its whole time and
memory budget before failing. The zip's central directory states every member's unpacked size,
so the check costs nothing and runs before anything is decompressed. The stated sizes can be
trusted as an upper bound: Python's zipfile never returns more than a member's stated size
(and fails its CRC check if the data was longer), which is what python-docx and openpyxl use.
"""
from __future__ import annotations

import io
import zipfile

from extractors.model import ExtractionError

MAX_UNPACKED_BYTES = 256 * 1024 * 1024
"""Real reports unpack to a few MB; embedded photos can add tens of MB."""
MAX_MEMBERS = 10_000
MAX_RATIO = 200
"""XML deflates 5-30x, images barely; a member inflating more than this (and by more than RATIO_FLOOR) is a bomb."""
RATIO_FLOOR = 16 * 1024 * 1024


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB"


def check_zip(data: bytes) -> None:
    """Raise ExtractionError if the package is not a plausible document; read nothing but its directory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OSError) as exc:
        raise ExtractionError(f"the zip package is damaged ({exc}); re-download it, or open it in Word/WPS and save it again") from exc
    advice = "it is damaged or a zip bomb; do not open it, and get the report again from the source"
    if len(members) > MAX_MEMBERS:
        raise ExtractionError(f"the zip package holds {len(members):,} files (a document has a few dozen); {advice}")
    total = sum(m.file_size for m in members)
    biggest = max(members, key=lambda m: m.file_size, default=None)
    if biggest is None:
        return
    where = f"{biggest.filename} alone unpacks to {_mb(biggest.file_size)} from {_mb(biggest.compress_size)}"
    if total > MAX_UNPACKED_BYTES:
        raise ExtractionError(f"the file would unpack to {_mb(total)} ({where}), over the {_mb(MAX_UNPACKED_BYTES)} limit; {advice}")
    for member in members:
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise ExtractionError(
                f"{member.filename} inflates {member.file_size // max(member.compress_size, 1):,} times "
                f"(to {_mb(member.file_size)}); {advice}"
            )
