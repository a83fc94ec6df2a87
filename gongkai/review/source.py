"""The source beside the numbers: a PDF page as PNG with the cell's box, the reader's tables with the cell
marked (HTML, DOCX, legacy formats), or the lines around it (text). Files are only ever found through the
warehouse (document id -> recorded path), never from a path sent by the browser."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from extractors.decode import decode_bytes
from extractors.model import Grid, Paragraph

PDF_REF = re.compile(r"^p(?P<page>\d+)/t\d+/r\d+/c\d+(?:@(?P<box>[\d.]+,[\d.]+,[\d.]+,[\d.]+))?$")
LINE_REF = re.compile(r"^line (?P<line>\d+)")
CONTEXT_LINES = 8
RENDER_SCALE = 1.5


@dataclass(frozen=True)
class Box:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float


def pdf_box(ref: str | None) -> Box | None:
    """The page and box of a ruled PDF cell's ref ('p3/t1/r5/c2@x0,y0,x1,y1'), else None."""
    match = PDF_REF.match(ref or "")
    if not match or not match.group("box"):
        return None
    x0, y0, x1, y1 = (float(v) for v in match.group("box").split(","))
    return Box(int(match.group("page")), x0, y0, x1, y1)


def pdf_page_of(ref: str | None) -> int | None:
    match = PDF_REF.match(ref or "") or re.match(r"^p(?P<page>\d+)/", ref or "")
    return int(match.group("page")) if match else None


def pdf_page_count(path: Path) -> tuple[int, list[tuple[float, float]]]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        sizes = [doc[i].get_size() for i in range(len(doc))]
    finally:
        doc.close()
    return len(sizes), sizes


def render_pdf_page(path: Path, page: int) -> bytes:
    """One page as PNG (pypdfium2)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        if not 1 <= page <= len(doc):
            raise IndexError(f"the document has {len(doc)} pages")
        image = doc[page - 1].render(scale=RENDER_SCALE).to_pil()
    finally:
        doc.close()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def text_lines(path: Path, ref: str | None) -> tuple[list[tuple[int, str]], int | None]:
    """The lines around the cell's line (all lines when there is no line ref), and that line's number."""
    lines = decode_bytes(path.read_bytes())[0].split("\n")
    match = LINE_REF.match(ref or "")
    if not match:
        return list(enumerate(lines[:200], start=1)), None
    target = int(match.group("line"))
    start = max(1, target - CONTEXT_LINES)
    end = min(len(lines), target + CONTEXT_LINES)
    return [(n, lines[n - 1]) for n in range(start, end + 1)], target


def reader_blocks(path: Path) -> list[Grid | Paragraph]:
    """The document as the reader saw it: its tables after span expansion, with every cell's ref."""
    from extractors.registry import read_path

    return list(read_path(path).blocks)
