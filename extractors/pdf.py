"""PDF reader: prose as Paragraphs, ruled tables as span-expanded Grids, in reading order.

Cheap first pass with pypdfium2 (text, Unicode-map errors, drawn rulings, images: a few
ms per page) decides what each page needs. Only pages that hold tables go to
pdfplumber's table finder, fed with pdfium's characters and rulings (extractors.pdfium_objects;
pdfminer parses the page, ~300 ms, only where pdfium cannot give its geometry); prose pages
are read from pdfium's text. Tables
drawn without rulings are rebuilt from word positions, scanned pages go to OCR when it
is installed (extractors.ocr).
"""
from __future__ import annotations

import ctypes
import re
from collections import Counter
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extractors import boxgrid
from extractors.boxgrid import Box, Line, is_value
from extractors.model import Cell, ExtractionError, Grid, Paragraph, ReadResult
from extractors.pdf_repair import TablePages
from extractors.pdf_tables import PAGE_NUMBER, Part, Stitched, continues, part_from_table, to_grid
from extractors.pdfium_objects import PageObjects, font_descents, page_objects

OCR_MERGE_GAP = 0.25
GARBAGE_LIMIT = 0.3  # share of unreadable characters above which the text is useless
CID_RE = re.compile(r"\(cid:\d+\)")
BARE_NUMBER = re.compile(r"^\s*(\d{1,4})\s*$")
DIGITS = re.compile(r"\d{1,4}")


# ---------------------------------------------------------------- garbage detection

def garbage_count(text: str) -> tuple[int, int]:
    """(unreadable glyphs, all glyphs) in extracted text: "(cid:N)" placeholders, U+FFFD,
    control and private-use characters, which is what fonts without a Unicode map give."""
    cids = len(CID_RE.findall(text))
    rest = CID_RE.sub("", text)
    bad = cids
    total = cids
    for ch in rest:
        if ch.isspace():
            continue
        total += 1
        o = ord(ch)
        if ch == "\ufffd" or o < 0x20 or 0x7F <= o < 0xA0 or 0xE000 <= o <= 0xF8FF:
            bad += 1
    return bad, total


def garbage_ratio(text: str) -> float:
    bad, total = garbage_count(text)
    return bad / total if total else 0.0


# ---------------------------------------------------------------- first pass (pdfium)

@dataclass
class PageScan:
    number: int  # 1-based
    width: float
    height: float
    text: str
    chars: int
    unmapped: int
    images: int
    rulings: int

    @property
    def has_text(self) -> bool:
        return bool(self.text.strip())

    @property
    def number_rows(self) -> int:
        """Lines ending in two or more numbers: table rows in the text stream."""
        n = 0
        for line in self.text.splitlines():
            tokens = line.split()
            trailing = 0
            for t in reversed(tokens):
                if not is_value(t) or t in {"-", "—", "–"}:
                    break
                trailing += 1
            n += trailing >= 2
        return n

    @property
    def needs_tables(self) -> bool:
        return self.rulings >= 4 or self.number_rows >= 2


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise ExtractionError(
                "encrypted PDF: needs a password to open; ask the publisher for an unprotected copy "
                "or decrypt it (qpdf --decrypt --password=PASSWORD in.pdf out.pdf)"
            ) from exc
        raise ExtractionError(f"damaged or truncated PDF, cannot be opened ({msg}); download the file again") from exc


def _objects(container, count, get):
    for i in range(count(container)):
        obj = get(container, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            yield from _objects(obj, pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject)
        else:
            yield kind, obj


def _graphics(page: pdfium.PdfPage) -> tuple[int, int]:
    """(visible rulings, images). A ruling is a thin stroked or dark-filled path; white
    filled boxes (WPS paints one behind every paragraph) are not."""
    rulings = images = 0
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    box = [ctypes.c_float() for _ in range(4)]
    rgba = [ctypes.c_uint() for _ in range(4)]
    for kind, obj in _objects(page.raw, pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject):
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images += 1
            continue
        if kind != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
        if stroke.value:
            pdfium_c.FPDFPageObj_GetStrokeColor(obj, *(ctypes.byref(v) for v in rgba))
        elif fill.value:
            pdfium_c.FPDFPageObj_GetFillColor(obj, *(ctypes.byref(v) for v in rgba))
        else:
            continue
        if min(v.value for v in rgba[:3]) >= 240 or rgba[3].value == 0:
            continue
        pdfium_c.FPDFPageObj_GetBounds(obj, *(ctypes.byref(v) for v in box))
        w, h = box[2].value - box[0].value, box[3].value - box[1].value
        if stroke.value or min(w, h) < 3:
            rulings += 1
    return rulings, images


def _scan(doc: pdfium.PdfDocument, index: int) -> tuple[PageScan, pdfium.PdfPage, pdfium.PdfTextPage]:
    page = doc[index]
    tp = page.get_textpage()
    n = tp.count_chars()
    text = tp.get_text_range(0, n) if n else ""
    unmapped = sum(1 for i in range(n) if pdfium_c.FPDFText_HasUnicodeMapError(tp.raw, i))
    rulings, images = _graphics(page)
    scan = PageScan(index + 1, page.get_width(), page.get_height(), text, n, unmapped, images, rulings)
    return scan, page, tp


def _pdfium_lines(scan: PageScan, tp: pdfium.PdfTextPage) -> list[Line]:
    """Text lines with their position, from pdfium's text and the boxes of each line's
    first and last character (no per-character Python work)."""
    text = scan.text
    if len(text) != scan.chars:  # characters outside the BMP: indices would drift
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(tp.raw, i)) for i in range(scan.chars))
    out: list[Line] = []
    H = scan.height
    for m in re.finditer(r"[^\r\n]+", text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s >= e:
            continue
        l0, b0, r0, t0 = tp.get_charbox(s, loose=True)
        l1, b1, r1, t1 = tp.get_charbox(e - 1, loose=True)
        out.append(Line([Box(text[s:e], min(l0, l1), H - max(t0, t1), max(r0, r1), H - min(b0, b1))]))
    out.sort(key=lambda ln: (round(ln.top), ln.x0))
    return out


# ---------------------------------------------------------------- page numbers

def _page_offset(scans: list[PageScan]) -> int:
    """Printed page number minus physical page number, from decorated numbers like "- 3 -"."""
    seen: Counter[int] = Counter()
    for s in scans:
        for line in s.text.splitlines():
            if PAGE_NUMBER.match(line):
                m = DIGITS.search(line)
                if m:
                    seen[int(m.group()) - s.number] += 1
    return seen.most_common(1)[0][0] if seen else 0


def _is_page_number(text: str, top: float, bottom: float, height: float, expected: int) -> bool:
    if top > 0.12 * height and bottom < 0.86 * height:
        return False
    if PAGE_NUMBER.match(text):
        return True
    m = BARE_NUMBER.match(text)
    return bool(m) and int(m.group(1)) == expected


def _drop_page_numbers(lines: list[Line], scan: PageScan, expected: int) -> list[Line]:
    return [ln for ln in lines if not _is_page_number(ln.text, ln.top, ln.bottom, scan.height, expected)]


def _page_number_chars(chars: list[dict], height: float, expected: int) -> set[tuple]:
    """Characters of the page number (in the top or bottom band), to remove before the
    table finder sees them: one inside a table's area would become a row."""
    band = [c for c in chars if c["top"] < 0.12 * height or c["bottom"] > 0.86 * height]
    drop: set[tuple] = set()
    groups: list[list[dict]] = []
    for c in sorted(band, key=lambda c: c["top"]):
        if groups and abs(c["top"] - groups[-1][0]["top"]) <= 2:
            groups[-1].append(c)
        else:
            groups.append([c])
    for g in groups:
        g.sort(key=lambda c: c["x0"])
        text = ""
        for i, c in enumerate(g):
            if i and c["x0"] - g[i - 1]["x1"] > 1:
                text += " "
            text += c["text"]
        top, bottom = min(c["top"] for c in g), max(c["bottom"] for c in g)
        if _is_page_number(text, top, bottom, height, expected):
            drop.update(_key(c) for c in g)
    return drop


def _key(c: dict) -> tuple:
    return (c["text"], round(c["x0"], 2), round(c["top"], 2))


# ---------------------------------------------------------------- table pages (pdfplumber)

def _visible(obj: dict) -> bool:
    """Drop white filled boxes without a border: invisible, but pdfplumber would take
    their edges for table rulings (WPS paints one behind every line of prose)."""
    if obj.get("object_type") != "rect" or obj.get("stroke"):
        return True
    colour = obj.get("non_stroking_color")
    if colour is None:
        return True
    if isinstance(colour, (int, float)):
        colour = (colour,)
    colour = tuple(v for v in colour if isinstance(v, (int, float)))
    if len(colour) in (1, 3) and colour and min(colour) >= 0.94:
        return False
    if len(colour) == 4 and max(colour) <= 0.06:
        return False
    return True


def _closing_lines(page) -> list[dict]:
    """Rulings the table finder needs but the PDF left out: where vertical rulings end with
    no horizontal one (the last row before a page break, the first after it), close them."""
    edges = page.edges
    vs = [e for e in edges if e["orientation"] == "v" and e["height"] > 3]
    hs = [e for e in edges if e["orientation"] == "h" and e["width"] > 3]
    out: list[dict] = []
    for end in ("top", "bottom"):
        loose: list[dict] = []
        for v in vs:
            y, x = v[end], v["x0"]
            if not any(abs(h["top"] - y) <= 1.5 and h["x0"] - 1.5 <= x <= h["x1"] + 1.5 for h in hs):
                loose.append(v)
        for y in sorted({round(v[end]) for v in loose}):
            same = [v for v in vs if abs(v[end] - y) <= 1.5]
            if len(same) < 2:
                continue
            x0, x1 = min(v["x0"] for v in same), max(v["x0"] for v in same)
            yy = sum(v[end] for v in same) / len(same)
            out.append({"object_type": "line", "x0": x0, "x1": x1, "top": yy, "bottom": yy,
                        "width": x1 - x0, "height": 0})
    return out


def _inside(c: dict, bbox: tuple[float, float, float, float], pad: float = 1.0) -> bool:
    cx, cy = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
    return bbox[0] - pad <= cx <= bbox[2] + pad and bbox[1] - pad <= cy <= bbox[3] + pad


def _page_objects(ppage, page: pdfium.PdfPage, tp: pdfium.PdfTextPage) -> PageObjects:
    """Characters and visible edges of a table page: from pdfium's parse when it reproduces what
    pdfminer would give (extractors.pdfium_objects), else from pdfplumber (pdfminer reads the page)."""
    objects = page_objects(page, tp, font_descents(ppage))
    if objects is None:
        visible = ppage.filter(_visible)
        objects = PageObjects(visible.chars, visible.edges, visible.bbox)
    return objects


def _table_page(page: PageObjects, scan: PageScan, expected: int) -> list[tuple[float, object]]:
    from pdfplumber.table import TableFinder, TableSettings
    from pdfplumber.utils import extract_words

    drop = _page_number_chars(page.chars, scan.height, expected)
    if drop:
        page = page.without_chars(drop, _key)
    chars = page.chars
    items: list[tuple[float, object]] = []
    parts: list[Part] = []
    settings = TableSettings.resolve({"explicit_horizontal_lines": _closing_lines(page)})
    for table in sorted(TableFinder(page, settings).tables, key=lambda t: t.bbox[1]):  # type: ignore[arg-type]
        inside = [c for c in chars if _inside(c, table.bbox)]
        part = part_from_table(table, inside, scan.number, len(parts) + 1)
        if part is not None:
            parts.append(part)
            items.append((part.bbox[1], part))
    rest = [c for c in chars if not any(_inside(c, p.bbox) for p in parts)]
    boxes = [Box(w["text"], w["x0"], w["top"], w["x1"], w["bottom"]) for w in extract_words(rest)]
    n = len(parts)
    for obj in boxgrid.layout(boxes):
        if isinstance(obj, boxgrid.Table):
            n += 1
            items.append((obj.top, (n, obj)))
        else:
            items.append((obj.top, obj))
    items.sort(key=lambda it: it[0])
    return items


# ---------------------------------------------------------------- assembly

class _Paragraphs:
    """Joins lines into paragraphs: a new one starts at an indented line, after a short
    line, at a change of font size or after a wide vertical gap."""

    def __init__(self, left: float, right: float):
        self.left, self.right = left, right
        self.blocks: list[object] = []
        self._lines: list[Line] = []
        self._ref = ""
        self._page = 0

    def add(self, line: Line, page: int, ref: str) -> None:
        prev = self._lines[-1] if self._lines else None
        if prev is None or self._breaks(prev, line, page):
            self.flush()
            self._ref = ref
        self._lines.append(line)
        self._page = page

    def _breaks(self, prev: Line, line: Line, page: int) -> bool:
        size = max(prev.size, line.size)
        if line.x0 > self.left + 0.8 * line.size:
            return True
        if prev.x1 < self.right - 1.5 * prev.size:
            return True
        if abs(prev.size - line.size) > 0.25 * size:
            return True
        return page == self._page and line.top - prev.bottom > 2.5 * size

    def flush(self) -> None:
        if self._lines:
            text = ""
            for ln in self._lines:
                t = ln.text.strip()
                if text and text[-1].isascii() and text[-1].isalnum() and t[:1].isascii() and t[:1].isalnum():
                    text += " "
                text += t
            self.blocks.append(Paragraph(text, self._ref))
        self._lines = []

    def add_block(self, block: object) -> None:
        self.flush()
        self.blocks.append(block)


def _margins(lines: list[Line]) -> tuple[float, float]:
    if not lines:
        return 0.0, 0.0
    left = Counter(round(ln.x0) for ln in lines).most_common(1)[0][0]
    right = max(ln.x1 for ln in lines)
    return float(left), right


def _fallback_grid(page: int, n: int, table: boxgrid.Table) -> Grid:
    rows = [
        [Cell(text, f"p{page}/t{n}/r{r + 1}/c{c + 1}", r, c) for c, text in enumerate(row)]
        for r, row in enumerate(table.rows)
    ]
    return Grid(rows, f"p{page}/t{n}", by_position=f"p{page}: a table without ruling lines rebuilt from word positions")


def _assemble(pages: list[list[tuple[float, object]]], page_numbers: list[int]) -> list[object]:
    all_lines = [obj for items in pages for _, obj in items if isinstance(obj, Line)]
    para = _Paragraphs(*_margins(all_lines))
    open_table: Stitched | None = None
    for items, page in zip(pages, page_numbers):
        line_no = 0
        for pos, (_, obj) in enumerate(items):
            if isinstance(obj, Part):
                if pos == 0 and open_table is not None and continues(open_table.parts[-1], obj):
                    open_table.add(obj)
                else:
                    open_table = Stitched.start(obj)
                    para.add_block(open_table)
                continue
            open_table = None
            if isinstance(obj, tuple):
                para.add_block(_fallback_grid(page, *obj))
            elif isinstance(obj, Line):
                line_no += 1
                para.add(obj, page, f"p{page}/l{line_no}")
        if items and not isinstance(items[-1][1], Part):
            open_table = None
    para.flush()
    return [to_grid(b) if isinstance(b, Stitched) else b for b in para.blocks]


# ---------------------------------------------------------------- entry point

def read_pdf(data: bytes, name: str) -> ReadResult:
    doc = _open(data)
    warnings: list[str] = []
    tables = TablePages(data, doc, warnings)
    try:
        if len(doc) == 0:
            raise ExtractionError("the PDF has no pages; download the file again")
        scans: list[PageScan] = []
        pdf_pages: list[pdfium.PdfPage] = []
        textpages: list[pdfium.PdfTextPage] = []
        for i in range(len(doc)):
            try:
                scan, pdf_page, tp = _scan(doc, i)
            except pdfium.PdfiumError as exc:
                raise ExtractionError(f"damaged PDF: page {i + 1} cannot be read ({exc}); download the file again") from exc
            scans.append(scan)
            pdf_pages.append(pdf_page)
            textpages.append(tp)
        _check_garbage(scans, warnings)
        offset = _page_offset(scans)
        ocr = _ocr_for(scans, warnings)
        pages: list[list[tuple[float, object]]] = []
        for scan, pdf_page, tp in zip(scans, pdf_pages, textpages):
            expected = scan.number + offset
            if not scan.has_text:
                if ocr is None:
                    pages.append([])
                    continue
                boxes = ocr.page_boxes(doc[scan.number - 1])
                items = _boxes_to_items(boxes, scan, expected)
                warnings.append(f"p{scan.number}: read by OCR (no text layer); check the numbers")
            elif scan.needs_tables:
                items = tables.read(scan.number, lambda ppage, scan=scan, expected=expected, pdf_page=pdf_page, tp=tp:
                                    _table_page(_page_objects(ppage, pdf_page, tp), scan, expected))
            else:
                items = [(ln.top, ln) for ln in _drop_page_numbers(_pdfium_lines(scan, tp), scan, expected)]
            if any(isinstance(obj, tuple) for _, obj in items) and scan.has_text:
                warnings.append(f"p{scan.number}: table without ruling lines rebuilt from word positions")
            pages.append(items)
        blocks = _assemble(pages, [s.number for s in scans])
    finally:
        tables.close()
        doc.close()
    return ReadResult("pdf", blocks, warnings)  # type: ignore[arg-type]


def _ocr_for(scans: list[PageScan], warnings: list[str]):
    """The OCR module when some page has no text layer and OCR is installed; otherwise
    raise for a document without any text, or warn about the scanned pages."""
    textless = [s for s in scans if not s.has_text]
    if not textless:
        return None
    from extractors import ocr

    if ocr.available():
        return ocr
    if len(textless) == len(scans):
        if not any(s.images for s in scans):
            raise ExtractionError(
                f"no text layer and no images on {len(scans)} pages (text drawn as outlines?); "
                "OCR is needed (`pip install gongkai[ocr]`) or the source Word file"
            )
        raise ExtractionError(
            f"scanned PDF: no text layer on {len(textless)} pages; install OCR support "
            "(`pip install gongkai[ocr]`, rapidocr_onnxruntime) or get the source Word file"
        )
    scanned = [s for s in textless if s.images]
    if scanned:
        warnings.append(
            "no text layer (scanned) on pages " + ", ".join(str(s.number) for s in scanned)
            + "; their content is missing (install OCR: `pip install gongkai[ocr]`)"
        )
    return None


def _boxes_to_items(boxes: list[Box], scan: PageScan, expected: int) -> list[tuple[float, object]]:
    """OCR boxes -> lines and tables (boxes already span phrases: merge only tight gaps)."""
    lines = _drop_page_numbers(boxgrid.build_lines(boxes, OCR_MERGE_GAP), scan, expected)
    keep = [c for ln in lines for c in ln.cells]
    items: list[tuple[float, object]] = []
    n = 0
    for obj in boxgrid.layout(keep, OCR_MERGE_GAP):
        if isinstance(obj, boxgrid.Table):
            n += 1
            items.append((obj.top, (n, obj)))
        else:
            items.append((obj.top, obj))
    return items


def _check_garbage(scans: list[PageScan], warnings: list[str]) -> None:
    bad = total = 0
    bad_pages: list[int] = []
    for s in scans:
        text_bad, text_total = garbage_count(s.text)
        page_bad = max(s.unmapped, text_bad)
        bad += page_bad
        total += text_total
        if text_total and page_bad / text_total > GARBAGE_LIMIT:
            bad_pages.append(s.number)
    if total and bad / total > GARBAGE_LIMIT:
        raise ExtractionError(
            "the PDF's fonts have no Unicode mapping (cid glyphs); text cannot be extracted, OCR or the "
            f"source Word file is needed ({bad} of {total} characters unreadable)"
        )
    if bad_pages:
        warnings.append("unreadable characters (fonts without Unicode mapping) on pages " + ", ".join(map(str, bad_pages)))
