"""Read .docx files: body paragraphs and tables in order, merged cells expanded.

The main document part is read straight from the package with lxml (found through the
package relationships and content types, as python-docx finds it): building python-docx's
objects for every part cost more than reading the tables. Tables are laid out from the XML:
python-docx's ``row.cells`` repeats a merged cell at every grid position and does not see
cells or rows wrapped in content controls (w:sdt). Laying out w:tc elements ourselves gives
each real cell exactly once as an origin, with its row/column span, and copies elsewhere.

Refs: paragraphs "para N" (N counts body paragraphs, 1-based), cells "tT/rR/cC"
(table, grid row, grid column; all 1-based). Cell.row/col are 0-based grid positions.
Grid positions that no cell covers (w:gridBefore/w:gridAfter, short rows) are left out of
the row, so rows may be ragged; Cell.col always holds the true grid column.
"""
from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass, field

from lxml import etree

from extractors.model import Cell, ExtractionError, Grid, Paragraph, ReadResult

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
PKG_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
WML_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
# python-docx's parser settings, so that the tree (and every text node kept) is the one it built
_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False)


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


P, TBL, TR, TC, SDT, SDT_CONTENT, CUSTOM_XML = (
    _w("p"), _w("tbl"), _w("tr"), _w("tc"), _w("sdt"), _w("sdtContent"), _w("customXml"))
TXBX = _w("txbxContent")
VAL = _w("val")

# Subtrees whose text is not printed (deleted runs, field codes, properties) or is printed
# elsewhere (text boxes become their own blocks; mc:Fallback repeats mc:Choice).
_SKIP_IN_TEXT = {
    _w("del"), _w("delText"), _w("instrText"), _w("pPr"), _w("rPr"), _w("fldData"),
    TXBX, f"{{{MC}}}Fallback",
}
# Containers that only wrap content: walk through them as if they were not there.
_WRAPPERS = {SDT, SDT_CONTENT, CUSTOM_XML, _w("smartTag"), _w("ins"), _w("moveTo")}


def read_docx(data: bytes, name: str) -> ReadResult:
    """Read a Word 2007+ document into paragraphs and span-expanded grids in body order."""
    try:
        body = main_document(data).find(_w("body"))
        if body is None:
            raise ValueError("the main document has no w:body")
    except Exception as exc:  # zipfile and lxml raise many types for broken packages
        raise ExtractionError(
            f"{name}: not a readable .docx ({exc}); open it in Word/WPS and save it again as .docx"
        ) from exc
    reader = _BodyReader()
    reader.walk(body)
    return ReadResult(format="docx", blocks=reader.blocks, warnings=reader.warnings)


def main_document(data: bytes) -> etree._Element:
    """The w:document root of a package's main part: the target of the package's officeDocument
    relationship, which must have the WordprocessingML main content type (as python-docx requires)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        rels = etree.fromstring(package.read("_rels/.rels"), _PARSER)
        target = next((rel.get("Target") for rel in rels.iter(f"{{{PKG_RELS}}}Relationship")
                       if rel.get("Type") == OFFICE_DOCUMENT and rel.get("TargetMode") != "External"), None)
        if not target:
            raise ValueError("the package has no main document relationship")
        partname = posixpath.normpath(posixpath.join("/", target))
        content_type = _content_type(etree.fromstring(package.read("[Content_Types].xml"), _PARSER), partname)
        if content_type != WML_MAIN:
            raise ValueError(f"file is not a Word file, content type is '{content_type}'")
        return etree.fromstring(package.read(partname[1:]), _PARSER)


def _content_type(types: etree._Element, partname: str) -> str | None:
    """A part's content type: its Override, else the Default for its extension (both case-insensitive)."""
    for override in types.iter(f"{{{PKG_TYPES}}}Override"):
        if (override.get("PartName") or "").lower() == partname.lower():
            return override.get("ContentType")
    ext = posixpath.splitext(partname)[1].lstrip(".").lower()
    for default in types.iter(f"{{{PKG_TYPES}}}Default"):
        if (default.get("Extension") or "").lower() == ext:
            return default.get("ContentType")
    return None


@dataclass
class _BodyReader:
    blocks: list[Paragraph | Grid] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    n_paragraphs: int = 0
    n_tables: int = 0

    def walk(self, container: etree._Element) -> None:
        """Emit blocks for the children of a body-like container, in document order."""
        for child in container:
            tag = child.tag
            if tag == P:
                self._paragraph(child)
            elif tag == TBL:
                self._table(child)
            elif tag in _WRAPPERS:
                self.walk(child)  # body-level content controls and custom XML hold real content
            elif tag == _w("altChunk"):
                self.warnings.append("an embedded alt-chunk (imported HTML/RTF) was not read")

    def _paragraph(self, p: etree._Element) -> None:
        self.n_paragraphs += 1
        text = paragraph_text(p).strip(" \r\n\u3000")
        if text:  # tabs stay: a table pasted as text keeps its cells between them, empty ones too
            self.blocks.append(Paragraph(text=text, ref=f"para {self.n_paragraphs}"))
        elif not _has_drawing(p):  # an empty paragraph may be an empty cell of a pasted table
            self.blocks.append(Paragraph(text="", ref=f"para {self.n_paragraphs}"))
        for box in _text_boxes(p):
            self.walk(box)  # text boxes anchored in this paragraph, as blocks after it

    def _table(self, tbl: etree._Element) -> None:
        self.n_tables += 1
        t = self.n_tables
        layout = layout_table(tbl)
        rows: list[list[Cell]] = []
        for r, line in enumerate(layout.grid):
            row: list[Cell] = []
            for c, slot in enumerate(line):
                if slot is None:
                    continue
                origin = slot
                is_copy = (origin.row, origin.col) != (r, c)
                row.append(Cell(
                    text=origin.text,
                    ref=f"t{t}/r{r + 1}/c{c + 1}",
                    row=r,
                    col=c,
                    rowspan=origin.rowspan,
                    colspan=origin.colspan,
                    is_span_copy=is_copy,
                ))
            if row:
                rows.append(row)
        self.warnings.extend(f"t{t}: {w}" for w in layout.warnings)
        self.blocks.append(Grid(rows=rows, ref=f"t{t}"))


@dataclass
class _Origin:
    text: str
    row: int
    col: int
    colspan: int
    rowspan: int = 1


@dataclass
class TableLayout:
    grid: list[list[_Origin | None]]
    warnings: list[str]


def layout_table(tbl: etree._Element) -> TableLayout:
    """Place every w:tc on the table grid, resolving gridSpan, vMerge, hMerge and gridBefore."""
    warnings: list[str] = []
    grid: list[list[_Origin | None]] = []
    for r, tr in enumerate(_children(tbl, TR)):
        line: list[_Origin | None] = []
        col = _prop_int(_props(tr, "trPr"), "gridBefore", 0)
        line.extend([None] * col)
        for tc in _children(tr, TC):
            props = _props(tc, "tcPr")
            span = max(1, _prop_int(props, "gridSpan", 1))
            vmerge = _merge(props, "vMerge")
            hmerge = _merge(props, "hMerge")
            origin: _Origin | None = None
            if vmerge == "continue":
                above = grid[r - 1][col] if r > 0 and col < len(grid[r - 1]) else None
                if above is not None:
                    origin = above
                    if origin.row + origin.rowspan == r:
                        origin.rowspan += 1
                else:
                    warnings.append(f"r{r + 1}/c{col + 1}: vertical merge continues nothing; kept as its own cell")
            elif hmerge == "continue" and line and line[-1] is not None:
                origin = line[-1]
                if origin.row == r:
                    origin.colspan += span
            if origin is None:
                origin = _Origin(text=cell_text(tc), row=r, col=col, colspan=span)
            line.extend([origin] * span)
            col += span
        grid.append(line)
    return TableLayout(grid=grid, warnings=warnings)


def cell_text(tc: etree._Element) -> str:
    """A cell's printed text: its paragraphs joined by newlines, nested tables flattened."""
    return "\n".join(line for line in _block_lines(tc)).strip()


def _block_lines(container: etree._Element) -> list[str]:
    lines: list[str] = []
    for child in container:
        if child.tag == P:
            lines.append(paragraph_text(child))
            for box in _text_boxes(child):
                lines.extend(_block_lines(box))
        elif child.tag == TBL:
            lines.extend(_nested_table_lines(child))
        elif child.tag in _WRAPPERS:
            lines.extend(_block_lines(child))
    return lines


def _nested_table_lines(tbl: etree._Element) -> list[str]:
    """A table inside a cell as text: one line per row, its real cells tab-separated."""
    layout = layout_table(tbl)
    lines = []
    for r, line in enumerate(layout.grid):
        texts = [o.text for c, o in enumerate(line) if o is not None and (o.row, o.col) == (r, c)]
        if any(texts):
            lines.append("\t".join(texts))
    return lines


def paragraph_text(p: etree._Element) -> str:
    """Text of one w:p as printed, without deleted runs, field codes or its text boxes."""
    parts: list[str] = []
    _collect_text(p, parts)
    return "".join(parts)


def _collect_text(el: etree._Element, parts: list[str]) -> None:
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP_IN_TEXT:
            continue
        if tag == _w("t"):
            parts.append(child.text or "")
        elif tag == _w("tab"):
            parts.append("\t")
        elif tag in (_w("br"), _w("cr")):
            parts.append("\n")
        elif tag == _w("noBreakHyphen"):
            parts.append("-")
        else:
            _collect_text(child, parts)


def _has_drawing(p: etree._Element) -> bool:
    """A paragraph without text that holds a picture, a shape or a text box is not an empty cell."""
    return next(p.iter(_w("drawing"), _w("pict"), f"{{{MC}}}AlternateContent"), None) is not None


def _text_boxes(p: etree._Element) -> list[etree._Element]:
    """Outermost w:txbxContent elements in a paragraph, skipping mc:Fallback duplicates."""
    boxes: list[etree._Element] = []
    if next(p.iter(TXBX), None) is None:  # most paragraphs: lxml answers without a Python walk
        return boxes

    def visit(el: etree._Element) -> None:
        for child in el:
            if child.tag == f"{{{MC}}}Fallback":
                continue
            if child.tag == TXBX:
                boxes.append(child)
            elif isinstance(child.tag, str):
                visit(child)

    visit(p)
    return boxes


def _children(parent: etree._Element, tag: str) -> list[etree._Element]:
    """Direct children with this tag, looking through content controls and custom XML."""
    found: list[etree._Element] = []
    for child in parent:
        if child.tag == tag:
            found.append(child)
        elif child.tag in _WRAPPERS:
            found.extend(_children(child, tag))
    return found


def _props(el: etree._Element, container: str) -> dict[str, etree._Element]:
    """The properties under el's w:trPr or w:tcPr by tag, the first of each in document order
    (what `el.find("w:tcPr/w:gridSpan")` finds), read in one pass."""
    found: dict[str, etree._Element] = {}
    for pr in el.iterchildren(_w(container)):
        for child in pr:
            found.setdefault(child.tag, child)
    return found


def _prop_int(props: dict[str, etree._Element], prop: str, default: int) -> int:
    el = props.get(_w(prop))
    return _int(el.get(VAL) if el is not None else None, default)


def _merge(props: dict[str, etree._Element], prop: str) -> str | None:
    """'restart', 'continue' (also when w:val is absent) or None for an unmerged cell."""
    el = props.get(_w(prop))
    if el is None:
        return None
    return el.get(VAL) or "continue"


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
