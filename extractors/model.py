"""The format-neutral document model every reader produces.

A reader turns a file into an ordered list of blocks: paragraphs of prose and grids
(tables after span expansion). Each cell keeps where it came from so that every
value in the warehouse can point back into the file.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class ExtractionError(Exception):
    """A file that cannot be read; the message must tell a person what to do."""


@dataclass(frozen=True)
class Cell:
    text: str
    ref: str
    """Provenance inside the file, e.g. "line 41" or "p3/t1/r5/c2"; a ruled PDF cell adds its box in points
    from the page's top left, "p3/t1/r5/c2@x0,y0,x1,y1", so a reviewer can be shown the cell (gongkai review)."""
    row: int = 0
    col: int = 0
    rowspan: int = 1
    colspan: int = 1
    is_span_copy: bool = False
    """True where a merged cell is repeated at a grid position it covers (not its origin)."""
    trailing_gap: bool = False
    """True on the last cell of a row whose trailing empty cells were cut (blank or lost: unknowable)."""
    glued: bool = False
    """True on a digit run read without separators: it may hold several cells (transforms/splitter.py)."""
    stream: bool = False
    """True on a value read from a text stream (no cell structure): a cell missing beside it is an empty
    cell the rendering dropped (a blank), not a lost number."""


@dataclass
class Grid:
    rows: list[list[Cell]]
    ref: str = ""
    by_position: str = ""
    """Why its cells are placed by position only (a PDF table rebuilt from word positions: no rulings,
    blank cells invisible); transforms/row_order.py keeps such rows only where the identities confirm them."""


@dataclass
class Paragraph:
    text: str
    ref: str = ""


Block = Paragraph | Grid


@dataclass
class ReadResult:
    """What a reader returns: the blocks in reading order plus notes on anything odd."""

    format: str
    blocks: list[Block]
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    """Page or archive header fields as printed (发布时间, 标题, 来源, HTML <meta> names, pdf:CreationDate,
    docx:created, ...); transforms/pubdate.py turns the dates among them into publication-date candidates."""

    def text(self) -> str:
        """All prose and cell text in reading order, for title/year/prose checks."""
        parts: list[str] = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                parts.append(block.text)
            else:
                for row in block.rows:
                    parts.append("\t".join(c.text for c in row if not c.is_span_copy))
        return "\n".join(parts)
