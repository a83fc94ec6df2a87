"""pdfium's characters and rulings stand in for pdfminer's only where they give the same tables.

extractors.pdfium_objects feeds pdfplumber's table finder from pdfium's parse. These tests read
the same pages both ways (pdfminer through pdfplumber, as before) on the real published PDFs and a
generated template PDF: the characters, the tables found and the whole read must agree.
"""
from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest
from pdfplumber.table import TableFinder, TableSettings

import extractors.pdf as pdf_reader
from conftest import REAL
from extractors.pdf import _scan, _visible
from extractors.pdfium_objects import font_descents, page_objects

GENERATED = Path(__file__).parent / "fixtures" / "corpus"
PDFS = [REAL / "huaian-city-2024.pdf", REAL / "hongze-district-2023.pdf", *sorted(GENERATED.glob("*.pdf"))[:1]]


def _table_pages(path: Path):
    """(pdfium page objects, pdfplumber's visible page) for every table page pdfium can stand in for."""
    data = path.read_bytes()
    doc = pdfium.PdfDocument(data)
    plumber = pdfplumber.open(io.BytesIO(data))
    for i in range(len(doc)):
        scan, page, tp = _scan(doc, i)
        if not scan.needs_tables:
            continue
        fast = page_objects(page, tp, font_descents(plumber.pages[i]))
        if fast is not None:
            yield i + 1, fast, plumber.pages[i].filter(_visible)


def _same_chars(fast: list[dict], slow: list[dict]) -> bool:
    """The same characters at the same place: pdfium's advance widths are float32 and may end
    up to 0.15 pt from pdfminer's; the tables' text is assigned by the characters' centres."""
    def order(chars: list[dict]) -> list[dict]:
        return sorted(chars, key=lambda c: (round(c["top"]), round(c["x0"]), c["text"]))

    return len(fast) == len(slow) and all(
        a["text"] == b["text"] and all(abs(a[k] - b[k]) <= 0.15 for k in ("x0", "x1", "top", "bottom"))
        for a, b in zip(order(fast), order(slow)))


def _cells(page) -> list[list[tuple]]:
    settings = TableSettings.resolve({})
    return [sorted(table.cells) for table in TableFinder(page, settings).tables]


def _same_tables(fast: list[list[tuple]], slow: list[list[tuple]]) -> bool:
    """The same cells in the same tables, within float32 noise (pdfium computes in single precision)."""
    return len(fast) == len(slow) and all(
        len(a) == len(b) and all(abs(u - v) <= 0.01 for ca, cb in zip(a, b) for u, v in zip(ca, cb))
        for a, b in zip(fast, slow))


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.stem)
def test_pdfium_chars_and_tables_are_pdfminers(path: Path) -> None:
    compared = 0
    for number, fast, slow in _table_pages(path):
        assert _same_chars(fast.chars, slow.chars), f"page {number}: characters differ"
        tables = _cells(fast)
        assert tables and _same_tables(tables, _cells(slow)), f"page {number}: tables differ"
        compared += 1
    assert compared >= 1  # the stand-in is taken on these files, not skipped


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.stem)
def test_read_is_the_same_with_pdfminer_alone(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()
    fast = pdf_reader.read_pdf(data, path.name)
    monkeypatch.setattr(pdf_reader, "page_objects", lambda *args: None)
    slow = pdf_reader.read_pdf(data, path.name)
    assert repr(fast.blocks) == repr(slow.blocks)
    assert fast.warnings == slow.warnings
