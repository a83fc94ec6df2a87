"""Read tables that arrive without structure: a stream of template labels and values.

Crawlers, copy-paste, flattened HTML and text extraction lose a table's structure in their own way
(one line per report, cells glued, single spaces, pipes without a leading pipe, one cell per
paragraph, dropped empty cells). What survives is the order: each row's label, then its values.
So the stream is cut by the template's own labels (data/template/labels.csv) and by digit runs, with
whatever separators exist (tab, pipe, newline, spaces) as boundaries where present. No layout is
detected; the same rules read every rendering.

    stream_blocks([(line_text, ref), ...]) -> [Paragraph | Grid, ...]

The result is the same block model every reader produces. A digit run that may hold several cells
(``行政规范性文件0012`` -> 0 | 0 | 12) becomes one Cell with ``glued=True``; transforms/splitter.py
splits it with the template's identities. Item numbering before a label belongs to the label, not to
the digits before it (``00000002.其他法律…`` = ``0000000`` + ``2.其他法律…``).

Prose is kept apart by one rule: a value is a number between labels or values; a number that runs
into other words (``行政许可57项``) and labels that only touch prose are prose.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from gongkai.filecache import compile_regex
from extractors.model import Block, Cell, Grid, Paragraph
from extractors.pdf_tables import PAGE_NUMBER
from transforms.catalog import label_entries
from transforms.labels import collapse, label_key

_SEP = r"[\s\"'“”‘’()\[\]【】《》〈〉,，、.。:;!?/\\|·…—\-_]*"
_NUMBERING = r"(?:[一二三四五六七八九十]{1,3}[、.]|\([一二三四五六七八九十]{1,3}\)|[1-9][、.]|\([1-9]\))[ \t]*"
_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|(?:\d(?![、.](?!\d)))+)(?:\.\d+)?(?:万元|元)?"  # "2." before a label is numbering
_JUNK = re.compile(r"(?:\([^()\n]{0,20}\)|[\s()\[\]【】:|\"'“”‘’《》〈〉])+")
_HEADING_BEFORE = re.compile(r"[一二三四五六七八九十][、.][^\s\d、。，；]{0,10}$")
_HEADING_SPLIT = re.compile(r"(?<![一二三四五六七八九十])(?=[一二三四五六七八九十][、][^\d])")
_MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_WORD_NOISE = re.compile(r"\[bookmark:[^\]]*\]")
_MEASURE = re.compile(r"(?:件|项|条|个|次|份|人|元|万元|家|场|期|篇|余|多|宗|起|批|类|户|%)")
_PUNCT_NA = frozenset("—-–/／\\×")
_PAGE_MARK = re.compile(r"(?:(?<=\s)|^)[-~—–]\d{1,4}[-~—–](?=\s|$)")  # "-3-" between spaces: a page number, not cells
TRAILING_GAP = "\x00gap"


@dataclass
class Token:
    kind: str  # label | heading | number | na | other | junk
    start: int  # offsets into the normalised stretch
    end: int
    numbered: bool = False


@lru_cache(maxsize=1)
def _label_pattern() -> re.Pattern[str]:
    """Every template label, longest first, tolerant of spaces, brackets and punctuation inside it."""
    keys = sorted({e.key for e in label_entries() if e.key}, key=lambda k: (-len(k), k))  # one pattern in every process: it is cached
    alternatives = [_SEP.join(re.escape(ch) for ch in key) for key in keys]
    return compile_regex(rf"(?P<num>{_NUMBERING})?(?P<label>{'|'.join(alternatives)})|(?P<number>{_NUMBER})")


@lru_cache(maxsize=1)
def _section_keys() -> frozenset[str]:
    return frozenset(e.key for e in label_entries() if e.kind == "section")


def _normalise(text: str) -> tuple[str, list[int]]:
    """NFKC per character (full-width digits and brackets to ASCII), with a map back to the source."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch.replace("\u00a0", " "))
        out.append(folded)
        where.extend([i] * len(folded))
    return "".join(out), where


def tokenize(text: str) -> list[Token]:
    """Labels, numbers, junk (spaces, brackets) and other text, in order, over normalised text."""
    tokens: list[Token] = []
    position = 0
    for match in _label_pattern().finditer(text):
        if match.start() > position:
            tokens.extend(_gap_tokens(text, position, match.start()))
        if match.group("number"):
            tokens.append(Token("number", match.start(), match.end()))
        else:
            is_section = label_key(match.group("label")) in _section_keys()
            tokens.append(Token("heading" if is_section else "label", match.start(), match.end(), bool(match.group("num"))))
        position = match.end()
    if position < len(text):
        tokens.extend(_gap_tokens(text, position, len(text)))
    return tokens


def _gap_tokens(text: str, start: int, end: int) -> list[Token]:
    """Text between labels and numbers: junk where it is only spaces/brackets, n.a. dashes, or other."""
    out: list[Token] = []
    position = start
    for junk in _JUNK.finditer(text, start, end):
        if junk.start() > position:
            out.append(_other_or_na(text, position, junk.start()))
        out.append(Token("junk", junk.start(), junk.end()))
        position = junk.end()
    if position < end:
        out.append(_other_or_na(text, position, end))
    return out


def _other_or_na(text: str, start: int, end: int) -> Token:
    chunk = text[start:end]
    return Token("na" if chunk and set(chunk) <= _PUNCT_NA and len(chunk) <= 2 else "other", start, end)


def _classify(text: str, tokens: list[Token]) -> None:
    """Demote numbers and labels that belong to prose (in place) and decide which labels are headings."""
    for i, token in enumerate(tokens):
        if token.kind != "heading":
            continue
        if not _is_heading(text, token):
            token.kind = "label_in_prose"
            continue
        for before in tokens[:i]:  # the heading took its announcing words (五、政府信息公开…)
            if before.end > token.start:
                before.kind, before.end = ("junk", before.end) if before.start >= token.start else (before.kind, token.start)
    real = [t for t in tokens if t.kind != "junk"]
    for i, token in enumerate(real):
        if token.kind not in ("number", "na"):
            continue
        previous = real[i - 1] if i else None
        following = real[i + 1] if i + 1 < len(real) else None
        if previous is None or previous.kind not in ("label", "number", "na"):
            token.kind = "other"
        elif following is not None and following.kind in ("other", "label_in_prose") and _runs_into(text, token, following):
            token.kind = "other"
    # a run of labels with no value is a table header only if it touches no prose
    i = 0
    while i < len(real):
        if real[i].kind not in ("label", "number", "na"):
            i += 1
            continue
        j = i
        while j < len(real) and real[j].kind in ("label", "number", "na"):
            j += 1
        chain = real[i:j]
        touches_prose = any(n is not None and n.kind in ("other", "label_in_prose") for n in (real[i - 1] if i else None, real[j] if j < len(real) else None))
        if touches_prose and not any(t.kind in ("number", "na") for t in chain):
            for t in chain:
                t.kind = "other"
        i = j
    for token in real:
        if token.kind == "label_in_prose":
            token.kind = "other"


def _runs_into(text: str, number: Token, following: Token) -> bool:
    """The words after a number make it prose (`行政许可57项`) when they touch it on its line, or
    start the next line with a measure word (`57` / `项`); a table's last value followed on the next
    line by a vertical label's character (`31` / `年`) or a heading number (`三、`) is a value."""
    between = text[number.end:following.start]
    if "\n" not in between:
        return True
    return bool(_MEASURE.match(text, following.start))


def _is_heading(text: str, token: Token) -> bool:
    """A section label is a heading when numbered (三、…), announced (五、政府信息公开存在…), or alone on its line."""
    if token.numbered:
        return True
    line_start = text.rfind("\n", 0, token.start) + 1
    if _HEADING_BEFORE.search(text[line_start:token.start]):
        token.start = line_start + _HEADING_BEFORE.search(text[line_start:token.start]).start()  # type: ignore[union-attr]
        return True
    line_end = text.find("\n", token.end)
    line_end = len(text) if line_end < 0 else line_end
    return not collapse(text[line_start:token.start]).strip("#") and not collapse(text[token.end:line_end])


class _Builder:
    """Collects cells into grids and prose into paragraphs, in reading order."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.rows: list[list[Cell]] = []

    def cell(self, cell: Cell, new_row: bool = False) -> None:
        if new_row or not self.rows:
            self.rows.append([])
        row = self.rows[-1]
        row.append(Cell(cell.text, cell.ref, len(self.rows) - 1, len(row), trailing_gap=cell.trailing_gap, glued=cell.glued, stream=cell.stream))

    def paragraph(self, text: str, ref: str) -> None:
        text = text.strip().lstrip("#").strip()
        if not text:
            return
        self.flush()
        self.blocks.append(Paragraph(text=text, ref=ref))

    def flush(self) -> None:
        rows = [r for r in self.rows if r]
        if rows:
            self.blocks.append(Grid(rows=rows, ref=f"{rows[0][0].ref.split(' char')[0]} -"))
        self.rows = []


def stream_blocks(lines: list[tuple[str, str]]) -> list[Block]:
    """Blocks from lines of text, each with its ref ("line 12", "p 3").

    A line with tabs or pipes is a row of cells (hard boundaries); a cell that holds labels glued to
    digits is cut further. Lines without such separators are read together as one stretch, so a label
    broken over lines is still found and one-cell-per-line layouts form rows.
    """
    builder = _Builder()
    stretch: list[tuple[str, str]] = []
    for text, ref in lines:
        text = _WORD_NOISE.sub("", text.rstrip("\r"))
        if _MD_SEPARATOR.match(text) and "-" in text or PAGE_NUMBER.match(text):
            continue
        pieces = _hard_pieces(text)
        if pieces is None:
            stretch.append((text, ref))
            continue
        _read_stretch(stretch, builder)
        stretch = []
        _read_row(pieces, ref, builder)
    _read_stretch(stretch, builder)
    builder.flush()
    return builder.blocks


def _hard_pieces(line: str) -> list[tuple[str, int]] | None:
    """Cells of a line separated by tabs or pipes (with or without outer pipes), or None."""
    if "\t" in line:
        separator = "\t"
        body, offset = line, 0
    elif "|" in line and line.strip(" |\u3000"):
        separator = "|"
        stripped = line.strip()
        offset = line.find(stripped)
        body = stripped
        if body.startswith("|"):
            body, offset = body[1:], offset + 1
        if body.endswith("|"):
            body = body[:-1]
    else:
        return None
    pieces: list[tuple[str, int]] = []
    for part in body.split(separator):
        pieces.append((part, offset))
        offset += len(part) + 1
    if separator == "\t":
        gap = False
        while pieces and not pieces[-1][0].strip():
            pieces.pop()  # a trailing separator may be an export artefact or a blank cell: unknowable
            gap = True
        if gap and pieces:
            pieces[-1] = (pieces[-1][0] + TRAILING_GAP, pieces[-1][1])
    return pieces


def _read_row(pieces: list[tuple[str, int]], ref: str, builder: _Builder) -> None:
    from transforms.values import is_value_like

    first = True
    for raw, offset in pieces:
        gap = raw.endswith(TRAILING_GAP)
        text = raw.removesuffix(TRAILING_GAP)
        cell_ref = f"{ref} char {offset + 1}"
        if not text.strip() or is_value_like(text) or not re.search(r"\d", text):
            builder.cell(Cell(text.strip(), cell_ref, trailing_gap=gap), new_row=first)
        else:
            cells = _stretch_cells(text, ref, offset)
            if not any(not isinstance(c, str) and _is_number(c.text) for c in cells):
                builder.cell(Cell(text.strip(), cell_ref, trailing_gap=gap), new_row=first)  # a label with digits in it
            else:
                for k, c in enumerate(c for c in cells if not isinstance(c, str)):
                    builder.cell(c, new_row=first and k == 0)
        first = False


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(_NUMBER, unicodedata.normalize("NFKC", text)))


def _read_stretch(stretch: list[tuple[str, str]], builder: _Builder) -> None:
    """Lines without tabs or pipes, read as one text."""
    if not stretch:
        return
    text = "\n".join(line for line, _ in stretch)
    starts, position = [], 0
    for line, _ in stretch:
        starts.append(position)
        position += len(line) + 1
    normal, where = _normalise(text)
    normal = _PAGE_MARK.sub(lambda m: " " * len(m.group()), normal)
    tokens = tokenize(normal)
    _classify(normal, tokens)

    def locate(offset: int) -> tuple[str, int]:
        source = where[offset] if offset < len(where) else len(text)
        index = max(i for i, s in enumerate(starts) if s <= source)
        return stretch[index][1], source - starts[index]

    prose_start: int | None = None
    blanks = _empty_paragraphs(normal, tokens)
    last_cell = None  # the current row's last cell, while no prose or heading came between

    def empty_cells(token: Token) -> None:
        """One-cell-per-paragraph text prints an empty cell as an empty paragraph: a cell, not a gap."""
        if last_cell is None or not blanks.get(id(token)):
            return
        if blanks[id(token)] < 0:
            builder.rows[-1][-1] = replace(builder.rows[-1][-1], trailing_gap=True)
        for _ in range(blanks[id(token)]):
            builder.cell(Cell("", last_cell.ref, stream=True))

    def flush_prose(end: int) -> None:
        nonlocal prose_start
        if prose_start is None:
            return
        source = text[where[prose_start]: where[end - 1] + 1]
        offset = where[prose_start]
        for line in source.split("\n"):
            ref, _ = locate(min(offset, len(where) - 1) if where else 0)
            for part in _HEADING_SPLIT.split(line):
                builder.paragraph(part, ref)
            offset += len(line) + 1
        prose_start = None

    for token in tokens:
        if token.kind == "other":
            if prose_start is None:
                empty_cells(token)
                last_cell = None
            prose_start = token.start if prose_start is None else prose_start
            continue
        if token.kind == "junk":
            continue
        if prose_start is not None:
            flush_prose(token.start)
        empty_cells(token)
        source_start, source_end = where[token.start], where[token.end - 1] + 1
        printed = text[source_start:source_end].strip()
        ref, column = locate(token.start)
        if token.kind == "heading":
            builder.paragraph(printed, ref)
            last_cell = None
            continue
        line_start = text.rfind("\n", 0, source_start) + 1
        line_end = text.find("\n", source_end)
        alone = not text[line_start:source_start].strip() and not text[source_end: len(text) if line_end < 0 else line_end].strip()
        glued = token.kind == "number" and not alone and len(re.sub(r"\D", "", normal[token.start:token.end])) > 1
        last_cell = Cell(printed, f"{ref} char {column + 1}", glued=glued, stream=token.kind in ("number", "na"))
        builder.cell(last_cell)
    if prose_start is not None:
        flush_prose(len(normal))


def _empty_paragraphs(normal: str, tokens: list[Token]) -> dict[int, int]:
    """Empty cells before each token (by id) where the text puts one cell per paragraph; -1: the gap
    before it may be spacing or the previous row's last cells (a trailing gap, see Cell.trailing_gap).

    When every cell of a stretch stands in its own paragraph (s >= 2 newlines between any two cells,
    s the smallest such gap), a gap of s + k*s newlines holds k empty paragraphs. They are empty cells
    only where the text shows it prints them: some gap between two values holds one (spacing is never
    put inside a row). Before a value or a row label they are k empty cells; before a table's heading,
    header or prose they may be spacing, so the row before only ends there. A stretch that puts two
    cells on one line, or one per line (s = 1, where a blank line may be only a paragraph break), or a
    gap that is not a whole number of empty paragraphs gives nothing.
    """
    gaps: list[tuple[Token, Token, int]] = []
    previous: Token | None = None
    for token in tokens:
        if token.kind == "junk":
            continue
        if previous is not None and previous.kind in _CELL_KINDS:
            between = normal[previous.end:token.start]
            if not between or _JUNK.fullmatch(between):
                gaps.append((previous, token, between.count("\n")))
        previous = token
    step = min((n for _, token, n in gaps if token.kind in _CELL_KINDS), default=0)
    if step < 2:
        return {}
    empties = {id(token): (n - step) // step for _, token, n in gaps if n > step and (n - step) % step == 0}
    if not any(empties.get(id(token)) and before.kind in _VALUE_KINDS and token.kind in _VALUE_KINDS for before, token, _ in gaps):
        return {}
    return {id(token): (empties[id(token)] if _inside_table(normal, token) else -1) for _, token, _ in gaps if empties.get(id(token))}


_CELL_KINDS = ("label", "number", "na")
_VALUE_KINDS = ("number", "na")


def _inside_table(normal: str, token: Token) -> bool:
    """A value or a row label (which may also head a column: （七）总计) continues a table; anything else may start one."""
    if token.kind in _VALUE_KINDS:
        return True
    if token.kind != "label":
        return False
    match = _label_pattern().match(normal, token.start)
    kinds = _label_kinds().get(label_key(match.group("label")), frozenset()) if match and match.group("label") else frozenset()
    return bool(kinds & _ROW_KINDS)


_ROW_KINDS = frozenset({"row2", "row3", "group3"})


@lru_cache(maxsize=1)
def _label_kinds() -> dict[str, frozenset[str]]:
    kinds: dict[str, set[str]] = {}
    for entry in label_entries():
        kinds.setdefault(entry.key, set()).add(entry.kind)
    return {key: frozenset(v) for key, v in kinds.items()}


def _stretch_cells(text: str, ref: str, offset: int) -> list[Cell | str]:
    """Cells of one hard-separated piece that holds labels glued to digits (its numbers may be glued)."""
    normal, where = _normalise(text)
    tokens = tokenize(normal)
    out: list[Cell | str] = []
    for token in tokens:
        if token.kind == "junk":
            continue
        printed = text[where[token.start]: where[token.end - 1] + 1].strip()
        if token.kind in ("label", "heading", "other"):
            out.append(Cell(printed, f"{ref} char {offset + where[token.start] + 1}"))
        else:
            digits = len(re.sub(r"\D", "", normal[token.start:token.end]))
            out.append(Cell(printed, f"{ref} char {offset + where[token.start] + 1}", glued=token.kind == "number" and digits > 1))
    return out
