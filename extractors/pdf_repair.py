"""pdfplumber's pages, from a clean copy when pdfminer cannot parse the original.

Real reports carry appended updates whose /Prev points at itself, or cross-reference offsets gone
stale after an edit: pdfminer then fails (RecursionError, "No /Root object") although pdfium, which
rebuilds a broken cross-reference table, opens every page. Such a file is not damaged for a reader
and must not be sent back to be downloaded again: pdfium writes a clean copy (a full save, with a
fresh cross-reference table), pdfplumber reads that, and a note says so.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from typing import TypeVar

import pypdfium2 as pdfium

from extractors.model import ExtractionError

T = TypeVar("T")


def _open_plumber(data: bytes):
    import pdfplumber

    return pdfplumber.open(io.BytesIO(data))


def close_quietly(plumber) -> None:
    """pdfplumber's close() parses every page again; on a damaged file that must not hide the real reason."""
    try:
        plumber.close()
    except Exception:  # noqa: BLE001
        plumber.stream.close()


class TablePages:
    """pdfplumber pages of one PDF, repaired once through pdfium if pdfminer fails on them."""

    def __init__(self, data: bytes, doc: pdfium.PdfDocument, warnings: list[str]) -> None:
        self._data = data
        self._doc = doc
        self._warnings = warnings
        self._plumber = None
        self.repaired = False

    def read(self, number: int, reader: Callable[[object], T]) -> T:
        """reader(pdfplumber page `number`, 1-based); on a pdfminer failure, again from a clean copy."""
        try:
            return reader(self._page(number))
        except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on a broken cross-reference table
            if self.repaired:
                raise ExtractionError(
                    f"damaged PDF: page {number} cannot be parsed for its tables, even from a clean copy pdfium wrote "
                    f"({exc!r}); the file opens in a PDF viewer: print it to a new PDF there (or ask the publisher "
                    "for a new copy) and ingest that"
                ) from exc
            self._repair(exc)
            return self.read(number, reader)

    def _page(self, number: int):
        if self._plumber is None:
            self._plumber = _open_plumber(self._data)
        return self._plumber.pages[number - 1]

    def _repair(self, cause: BaseException) -> None:
        if self._plumber is not None:
            close_quietly(self._plumber)
            self._plumber = None
        buffer = io.BytesIO()
        try:
            self._doc.save(buffer)
        except Exception as exc:  # noqa: BLE001
            raise ExtractionError(
                f"the PDF's structure cannot be parsed for tables ({cause!r}) and pdfium cannot write a clean copy ({exc}); "
                "rewrite it with a PDF tool (`qpdf in.pdf out.pdf`, or print to PDF) and ingest the copy"
            ) from exc
        self._data = buffer.getvalue()
        self.repaired = True
        self._warnings.append(
            f"the PDF's cross-reference data cannot be parsed by pdfminer ({type(cause).__name__}: {str(cause)[:120]}); "
            f"its {len(self._doc)} pages open in pdfium, and the tables were read from a clean copy pdfium wrote")

    def close(self) -> None:
        if self._plumber is not None:
            close_quietly(self._plumber)
