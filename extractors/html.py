"""Read HTML pages of county portals: decode, find the report among the CMS chrome, emit blocks.

Decoding comes first because lxml trusts a page's gb2312 label and silently cuts the page at
the first GBK-only character (e.g. 镕); gb2312/gbk are decoded as gb18030, their superset.
The report is the content container holding the report title and/or its data tables; only
that container's paragraphs and tables are emitted, in document order.

Refs: paragraphs "line N" (source line of the element that holds the text), cells
"tT/rR/cC" (table, grid row, grid column; 1-based). Cell.row/col are 0-based grid positions;
copies of a merged cell carry the origin's text and spans with is_span_copy=True.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from extractors.decode import decode_bytes, python_codec
from extractors.model import Cell, ExtractionError, Grid, Paragraph, ReadResult

_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

_DROP_TAGS = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
              "select", "button", "input", "textarea", "nav", "header", "footer", "aside"}
# Class/id words that CMS templates use for chrome around the article.
_CHROME = re.compile(
    r"(^|[\s_-])(nav|navbar|menu|header|footer|foot|bottom|breadcrumbs?|crumbs?|position|location|"
    r"sidebar|share|copyright|toolbar|topbar|related|xgwz|xgxx|fenxiang|dqwz)($|[\s_-]|\d)",
    re.IGNORECASE)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_TITLE = re.compile(r"(信息公开|政务公开).{0,8}年度?报告|年度报告")
_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
               "blockquote", "pre", "center", "section", "article", "main", "table", "tr", "td",
               "th", "thead", "tbody", "tfoot", "caption", "address", "figure", "figcaption", "hr",
               "body", "html"}
_WS = re.compile(r"[ \t\r\n\f\v]+")
_ROW_TAGS = {"div", "li", "section", "dl", "ul"}
_CELL_TAGS = {"span", "div", "p", "font", "b", "strong", "em", "i", "label", "dd", "dt", "li", "section"}
_MAX_ROW_CELLS = 20  # a template row has at most 9 cells, section 四 16
_MAX_CELL_CHARS = 60  # the longest template label is ~40 characters


def read_html(data: bytes, name: str) -> ReadResult:
    """Read an HTML page into the report's paragraphs and span-expanded grids."""
    warnings: list[str] = []
    text, encoding = decode_html(data, warnings)
    root = _parse(text, name)
    body = root.find("body")
    if body is None:
        body = root
    _drop_chrome(body)
    container = find_content(body)
    if container is None:
        raise ExtractionError(f"{name}: the HTML page has no visible text; check that the download "
                              "is the report page and not a redirect or script-only shell")
    emitter = _Emitter()
    emitter.walk(container)
    warnings.extend(emitter.warnings)
    return ReadResult(format="html", blocks=emitter.blocks, warnings=warnings)


# --- decoding -------------------------------------------------------------------------------

def decode_html(data: bytes, warnings: list[str] | None = None) -> tuple[str, str]:
    """Return (text, encoding used): BOM, then <meta>/XML declaration, then UTF-8, GB18030, guessing."""
    declared = declared_charset(data[:4096])
    # Bytes that are valid UTF-8 beyond ASCII are UTF-8 whatever the label says: GBK text almost
    # never forms valid UTF-8, while CMS migrations often leave an old gb2312 label behind.
    text, encoding = decode_bytes(data, None if _is_utf8(data) else declared)
    if warnings is not None and declared and python_codec(declared) != encoding.removesuffix("-sig"):
        warnings.append(f"page declares {declared} but was decoded as {encoding}")
    return text, encoding


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def declared_charset(head: bytes) -> str | None:
    """The charset a page names in its XML declaration or <meta> (charset= or http-equiv)."""
    match = _XML_DECL.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii", errors="ignore") if match else None


def _parse(text: str, name: str) -> etree._Element:
    # lxml refuses str input carrying an XML encoding declaration; the text is decoded already.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"{name}: the HTML page could not be parsed ({exc}); re-download it") from exc
    return root


# --- finding the report ----------------------------------------------------------------------

def _drop_chrome(body: etree._Element) -> None:
    """Remove scripts, styles, hidden elements and navigation, unless they hold the report title."""
    doomed = []
    for el in body.iter():
        if not isinstance(el.tag, str) or el is body:
            continue
        tag = el.tag.lower()
        chrome = (tag in _DROP_TAGS or _HIDDEN.search(el.get("style", "")) or _CHROME.search(_names(el)))
        if chrome and not _holds_report(el):
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the tail text, which belongs to the parent


def _holds_report(el: etree._Element) -> bool:
    """Whether chrome-looking markup still holds report content (a title heading or data table)."""
    if any(_is_data_table(t) for t in el.iter("table")):
        return True
    return any(_title_like(x) for x in el.iter()
               if isinstance(x.tag, str) and (re.fullmatch(r"h[1-6]", x.tag) or "title" in _names(x)))


def _names(el: etree._Element) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}".lower()


@dataclass
class _Stats:
    text: int = 0
    links: int = 0


def _stats(el: etree._Element, cache: dict[etree._Element, _Stats]) -> _Stats:
    """Visible characters under an element, and how many of them are link text."""
    if el in cache:
        return cache[el]
    s = _Stats(text=_count(el.text))
    for child in el:
        if isinstance(child.tag, str):
            cs = _stats(child, cache)
            s.text += cs.text
            s.links += cs.text if child.tag == "a" else cs.links
        s.text += _count(child.tail)
    cache[el] = s
    return s


def _count(text: str | None) -> int:
    return len(_WS.sub("", text.replace("\xa0", ""))) if text else 0


def _is_data_table(table: etree._Element) -> bool:
    if table.find(".//table") is not None:
        return False  # layout table around other tables
    rows = _table_rows(table)
    if len(rows) < 2:
        return False
    n_cells = sum(len(_row_cells(r)) for r in rows)
    if n_cells < 6:
        return False
    s = _stats(table, {})
    return s.text > 0 and s.links < 0.5 * s.text


def _title_like(el: etree._Element) -> bool:
    text = _WS.sub("", el.text_content())
    return 6 <= len(text) <= 120 and bool(_TITLE.search(text))


def _find_title(body: etree._Element, cache: dict[etree._Element, _Stats]) -> etree._Element | None:
    """The element printing the report title: a short, non-link element naming the report."""
    best, best_rank = None, 99
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in {"a", "table", "tr", "td", "th", "tbody"}:
            continue
        if _stats(el, cache).text > 120 or not _title_like(el):
            continue
        if any(a.tag == "a" for a in el.iterancestors()):
            continue
        if any(_title_like(child) for child in el if isinstance(child.tag, str)):
            continue  # a child prints it more precisely
        rank = int(el.tag[1]) if re.fullmatch(r"h[1-6]", el.tag) else 7
        if "title" in _names(el):
            rank = min(rank, 2)
        if rank < best_rank:
            best, best_rank = el, rank
    return best


def find_content(body: etree._Element) -> etree._Element | None:
    """The smallest element holding the title and data tables, grown over plain-text wrappers."""
    cache: dict[etree._Element, _Stats] = {}
    if _stats(body, cache).text == 0:
        return None
    anchors = [t for t in body.iter("table") if _is_data_table(t)]
    title = _find_title(body, cache)
    if title is not None:
        anchors.append(title)
    if not anchors:
        return _densest(body, cache)
    if title is not None and len(anchors) == 1:
        anchors.append(_densest(body, cache))  # no <table>: the report's text (cells as <p>/<div>) is its densest part
    node = _common_ancestor(anchors)
    # Grow over wrappers whose extra content is prose (report text around the tables), not links.
    while node is not body and node.getparent() is not None:
        parent = node.getparent()
        inner, outer = _stats(node, cache), _stats(parent, cache)
        extra_text, extra_links = outer.text - inner.text, outer.links - inner.links
        if extra_text == 0 or (extra_links <= 0.2 * extra_text and extra_text <= inner.text):
            node = parent
        else:
            break
    return node


def _densest(body: etree._Element, cache: dict[etree._Element, _Stats]) -> etree._Element:
    """Without title or tables: the deepest element holding 90% of the best non-link text."""
    def score(el: etree._Element) -> int:
        s = _stats(el, cache)
        return s.text - 2 * s.links

    blocks = [el for el in body.iter() if isinstance(el.tag, str) and el.tag in _BLOCK_TAGS]
    best = max([score(body), *(score(el) for el in blocks)])
    chosen = body
    if best <= 0:
        return body
    for el in blocks:  # document order: ancestors come before descendants
        if score(el) >= 0.9 * best:
            chosen = el
    return chosen


def _common_ancestor(elements: list[etree._Element]) -> etree._Element:
    paths = [[el, *el.iterancestors()][::-1] for el in elements]
    common = paths[0][0]
    for level in zip(*paths, strict=False):  # paths differ in depth
        if all(x is level[0] for x in level):
            common = level[0]
        else:
            break
    return common


# --- emitting blocks -------------------------------------------------------------------------

@dataclass
class _Emitter:
    blocks: list[Paragraph | Grid] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    n_tables: int = 0
    _buffer: list[str] = field(default_factory=list)
    _line: int | None = None

    def walk(self, el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "table" and _is_grid_table(el):
            self._flush()
            self._table(el)
            return
        if tag == "br":
            self._flush()
            return
        block = tag in _BLOCK_TAGS
        if block and _is_row_like(el):
            self._flush()
            texts = [_cell_text(child).replace("\n", "") for child in el]
            self.blocks.append(Paragraph(text="\t".join(texts), ref=f"line {el.sourceline}"))
            return
        if block:
            self._flush()
        self._add(el.text, el)
        for child in el:
            self.walk(child)
            self._add(child.tail, el)
        if block:
            self._flush()

    def _add(self, text: str | None, el: etree._Element) -> None:
        if text and text.strip(" \t\r\n\xa0"):
            if self._line is None:
                self._line = el.sourceline
        if text:
            self._buffer.append(text)

    def _flush(self) -> None:
        raw = "".join(self._buffer)
        text = _WS.sub(" ", raw.replace("\xa0", " ")).strip()
        if text:
            ref = f"line {self._line}" if self._line else ""
            self.blocks.append(Paragraph(text=text, ref=ref))
        elif "\xa0" in raw:
            self.blocks.append(Paragraph(text="", ref=""))  # <p>&nbsp;</p>: a cell printed empty (see transforms/paragraph_tables.py)
        self._buffer, self._line = [], None

    def _table(self, table: etree._Element) -> None:
        self.n_tables += 1
        grid, notes = html_table_grid(table, f"t{self.n_tables}")
        self.warnings.extend(notes)
        self.blocks.append(grid)


def _is_row_like(el: etree._Element) -> bool:
    """A table row printed without table markup: a <div> (or <li>, <section>) of two or more
    short <span>/<div>/<p> cells and no text between them. Its cells are joined by tabs so the
    row's cell boundaries survive (digits of neighbouring cells are never glued)."""
    children = list(el)
    if el.tag not in _ROW_TAGS or not 2 <= len(children) <= _MAX_ROW_CELLS or _count(el.text):
        return False
    if any(not isinstance(c.tag, str) or c.tag not in _CELL_TAGS or _count(c.tail) for c in children):
        return False
    return all(len(_WS.sub("", c.text_content())) <= _MAX_CELL_CHARS and not _has_blocks(c) and not _is_row_like(c)
               for c in children)


def _has_blocks(el: etree._Element) -> bool:
    return any(isinstance(d.tag, str) and d.tag in _BLOCK_TAGS for d in el.iterdescendants())


def _is_grid_table(table: etree._Element) -> bool:
    """Tables become grids unless they only lay out the page (nested tables, a single cell)."""
    if table.find(".//table") is not None:
        return False
    rows = _table_rows(table)
    return len(rows) > 1 or (len(rows) == 1 and len(_row_cells(rows[0])) > 1)


def _table_rows(table: etree._Element) -> list[etree._Element]:
    """Rows of this table only (not of nested tables): thead, body rows, then tfoot."""
    head: list[etree._Element] = []
    body: list[etree._Element] = []
    foot: list[etree._Element] = []
    for child in table:
        if child.tag == "tr":
            body.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows = [r for r in child if r.tag == "tr"]
            {"thead": head, "tbody": body, "tfoot": foot}[child.tag].extend(rows)
    return head + body + foot


def _row_cells(tr: etree._Element) -> list[etree._Element]:
    return [c for c in tr if c.tag in ("td", "th")]


def html_table_grid(table: etree._Element, ref: str) -> tuple[Grid, list[str]]:
    """Lay a <table> out on its grid (the HTML table model), expanding rowspan/colspan."""
    notes: list[str] = []
    rows = _table_rows(table)
    n_rows = len(rows)
    slots: dict[tuple[int, int], tuple[int, int]] = {}  # position -> origin position
    origins: dict[tuple[int, int], tuple[str, int, int]] = {}  # origin -> (text, rowspan, colspan)
    for r, tr in enumerate(rows):
        c = 0
        for td in _row_cells(tr):
            while (r, c) in slots:
                c += 1
            rowspan = _span(td.get("rowspan"), 1)
            colspan = max(1, min(_span(td.get("colspan"), 1), 1000))
            if rowspan == 0 or r + rowspan > n_rows:
                if rowspan != 0:
                    notes.append(f"{ref}/r{r + 1}/c{c + 1}: rowspan {rowspan} runs past the table; clipped")
                rowspan = n_rows - r
            rowspan = max(1, rowspan)
            origins[(r, c)] = (_cell_text(td), rowspan, colspan)
            for dr in range(rowspan):
                for dc in range(colspan):
                    slots.setdefault((r + dr, c + dc), (r, c))
            c += colspan
    out_rows: list[list[Cell]] = []
    for r in range(n_rows):
        cols = sorted(c for (rr, c) in slots if rr == r)
        row = []
        for c in cols:
            o = slots[(r, c)]
            text, rowspan, colspan = origins[o]
            row.append(Cell(text=text, ref=f"{ref}/r{r + 1}/c{c + 1}", row=r, col=c,
                            rowspan=rowspan, colspan=colspan, is_span_copy=o != (r, c)))
        if row:
            out_rows.append(row)
    return Grid(rows=out_rows, ref=ref), notes


def _span(value: str | None, default: int) -> int:
    if value is None:
        return default
    match = re.match(r"\s*(\d+)", value)
    return int(match.group(1)) if match else default


def _cell_text(td: etree._Element) -> str:
    """Cell text as printed: <br> and block children break lines, &nbsp; is a space, trimmed."""
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        line = _WS.sub(" ", "".join(buf).replace("\xa0", " ")).strip()
        if line:
            lines.append(line)
        buf.clear()

    def visit(el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "br":
            flush()
            return
        if tag == "table":  # nested table: one line per row, cells tab-separated
            flush()
            for tr in _table_rows(el):
                texts = [_cell_text(c) for c in _row_cells(tr)]
                if any(texts):
                    lines.append("\t".join(texts))
            return
        block = tag in _BLOCK_TAGS
        if block:
            flush()
        if el.text:
            buf.append(el.text)
        for child in el:
            visit(child)
            if child.tail:
                buf.append(child.tail)
        if block:
            flush()

    if td.text:
        buf.append(td.text)
    for child in td:
        visit(child)
        if child.tail:
            buf.append(child.tail)
    flush()
    return "\n".join(lines)
