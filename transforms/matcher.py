"""Map grid cells to metric ids by their labels.

Cells are read in row-major order. A run of value cells (numbers, blanks, n.a.) belongs to
the label printed directly before it; which metric that label means comes from the label
maps in data/template/labels.csv, interpreted in the context of the current section.
Row and column positions are never used on their own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from extractors.model import Cell, Grid, Paragraph, ReadResult
from transforms.catalog import LabelEntry, applicants, label_entries, match_label, metrics
from transforms.labels import collapse
from transforms.values import is_value_like

SECTION_OF_KIND = {
    "table_marker": "二", "ignore": "二", "row2": "二", "col2": "二",
    "header3": "三", "group3": "三", "row3": "三", "header4": "四",
}
CONTEXT_KINDS = frozenset(SECTION_OF_KIND)
MAX_HEADING_CHARS = 40
SECTION4_WIDTH = 15
TEMPLATE_2019_COLUMNS = frozenset({"newly_made", "newly_published", "published_total", "items_prev_year", "items_change"})


@dataclass
class RowMatch:
    section: str
    label: str
    label_ref: str
    targets: list[tuple[str, str | None]]
    """(metric_id, applicant) for each column the row should fill, in printed order."""
    cells: list[Cell]
    """The printed value cells; fewer than targets when the row lost cells."""
    how: str
    page_drops_blanks: bool = False
    """The page prints row labels with no values (`规章` then the next label): it drops empty cells."""
    overflow: int = 0
    """Values a text stream gave this row beyond its columns: the run holds other rows' values too."""
    by_position: bool = False
    """Its cells were placed by their position on a page without rulings (Grid.by_position)."""
    bare_before: int = 0
    """Row labels printed just before this one without any values (their values went elsewhere, or were all blank)."""

    @property
    def positional(self) -> bool:
        """Its values came from a text stream: they belong to the label only by their position after it."""
        return self.by_position or any(c.stream for c in self.cells)

    @property
    def leading(self) -> bool:
        """The printed values start the row; cells were cut at its end (see Cell.trailing_gap)."""
        return bool(self.cells) and self.cells[-1].trailing_gap

    @property
    def is_short(self) -> bool:
        return len(self.cells) < len(self.targets)


@dataclass
class MatchResult:
    rows: list[RowMatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    section2_columns: set[str] = field(default_factory=set)
    disordered: dict[str, str] = field(default_factory=dict)
    """Sections whose text stream is not in row order, with the evidence (transforms/row_order.py)."""

    @property
    def template_version(self) -> str:
        return "2019" if self.section2_columns & TEMPLATE_2019_COLUMNS else "2021"

    def metric_ids(self) -> set[str]:
        return {metric for row in self.rows for metric, _ in row.targets}


@lru_cache(maxsize=1)
def _sections_by_key() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for entry in label_entries():
        if entry.kind in SECTION_OF_KIND:
            found.setdefault(entry.key, set()).add(SECTION_OF_KIND[entry.kind])
    return {key: frozenset(v) for key, v in found.items()}


class _Matcher:
    def __init__(self) -> None:
        self.result = MatchResult()
        self.section: str | None = None
        self.columns2: list[str] = []
        self.columns2_used = False
        self.rows3_started = False
        self.label: Cell | None = None
        self.run: list[Cell] = []
        self.by_metric: dict[str, RowMatch] = {}
        self.bare_rows = 0
        self.bare_since_row = 0
        self.by_position = ""  # the current grid's cells are placed by position only (why)

    # --- stream events -------------------------------------------------
    def paragraph(self, paragraph: Paragraph) -> None:
        self.close_run()
        text = collapse(paragraph.text)
        if len(text) > MAX_HEADING_CHARS:
            return
        match = match_label(text, frozenset({"section"}))
        if match and match.how != "fuzzy":
            self.section = None if match.entry.target == "end" else match.entry.target
            self.columns2, self.columns2_used, self.label = [], False, None

    def grid(self, grid: Grid) -> None:
        self.by_position = grid.by_position
        for row in grid.rows:
            for cell in row:
                if cell.is_span_copy:
                    continue
                if is_value_like(cell.text):
                    if self.label is not None or self.section == "四":
                        self.run.append(cell)
                else:
                    self.close_run()
                    self.on_label(cell)
            self.close_run()

    def on_label(self, cell: Cell) -> None:
        if self.label is not None and not self.run:
            bare = match_label(self.label.text, frozenset({"row2", "row3"}))
            if bare and bare.how == "exact" and not bare.entry.context and bare.entry.target != "requests.other":
                self.bare_rows += 1
            if bare:
                self.bare_since_row += 1
        self.label = cell
        match = match_label(cell.text, CONTEXT_KINDS)
        if match is None:
            return
        entry = match.entry
        sections = _sections_by_key().get(entry.key, frozenset())
        if len(sections) == 1 and self.section != "end":
            self.section = next(iter(sections))
        if entry.kind == "table_marker":
            self.columns2, self.columns2_used = [], False
        elif entry.kind == "col2" and self.section == "二":
            if self.columns2_used:
                self.columns2, self.columns2_used = [], False
            self.columns2.append(entry.target)
            self.result.section2_columns.add(entry.target)

    # --- runs of values ------------------------------------------------
    def close_run(self) -> None:
        run, label = self.run, self.label
        self.run = []
        if self.section == "四" and run:
            self._section4(run)
            return
        if label is None or not run:
            return
        self.label = None
        if self.section == "二":
            self._section2(label, run)
        else:
            self._section3(label, run)

    def _section4(self, run: list[Cell]) -> None:
        run = _trim(run, SECTION4_WIDTH)
        if len(run) != SECTION4_WIDTH and not any(c.text.strip() for c in run):
            return
        targets = [(m.metric_id, None) for m in metrics().values() if m.section == "四"]
        self._add(RowMatch("四", "行政复议、行政诉讼", run[0].ref, targets, run, "position in the section 四 header"))
        self.section = None  # one row of 15 numbers; later runs are not section 四 values

    def _section2(self, label: Cell, run: list[Cell]) -> None:
        match = match_label(label.text, frozenset({"row2"}))
        if match is None:
            self._unrecognised(label, run)
            return
        if not self.columns2:
            self.result.notes.append(f"{label.ref}: row '{collapse(label.text)}' has no column header before it; values ignored")
            return
        self.columns2_used = True
        targets: list[tuple[str, str | None]] = []
        for column in self.columns2:
            metric_id = f"proactive.{match.entry.target}.{column}"
            if metric_id not in metrics():
                self.result.notes.append(f"{label.ref}: no metric for row '{collapse(label.text)}' × column '{column}'")
            targets.append((metric_id, None))
        self._add(RowMatch("二", collapse(label.text), label.ref, targets, _trim(run, len(targets)), match.how))

    def _section3(self, label: Cell, run: list[Cell]) -> None:
        match = match_label(label.text, frozenset({"row3"}))
        if match and match.entry.context == "after_rows" and not self.rows3_started:
            return  # the applicant header ("其他", "总计") before any row
        if match is None:
            if self._continues_previous(label, run):
                return
            self._unrecognised(label, run)
            return
        self.section = "三"
        self.rows3_started = True
        targets = [(match.entry.target, applicant) for applicant in applicants()]
        self._add(RowMatch("三", collapse(label.text), label.ref, targets, _trim(run, len(targets)), match.how))

    def _continues_previous(self, label: Cell, run: list[Cell]) -> bool:
        """A label cut in two by a line or page break: the second half carries on the row above."""
        previous = self.result.rows[-1] if self.result.rows else None
        if previous is None or previous.section != "三":
            return False
        joined = match_label(previous.label + collapse(label.text), frozenset({"row3"}))
        if joined is None or joined.entry.target != previous.targets[0][0]:
            return False
        width = len(previous.targets)
        cells = _trim(run, width)
        if len(cells) > len(previous.cells):
            self.result.notes.append(
                f"{label.ref}: label '{previous.label}' continues as '{collapse(label.text)}'; "
                f"used its {len(cells)} values instead of the {len(previous.cells)} printed before the break"
                + (f"; kept the first {width}" if len(cells) > width else "")
            )
            self._overflow(previous, len(cells))
            previous.cells = cells[:width]  # a row never holds more cells than it has columns
        previous.label += collapse(label.text)
        return True

    def _overflow(self, row: RowMatch, printed: int) -> None:
        """A text stream gave a label more values than its row has columns: the stream is not in row
        order there (pdftotext's reading order), so the section's positions prove nothing by themselves."""
        if printed <= len(row.targets) or not any(c.stream for c in row.cells):
            return
        row.overflow = printed - len(row.targets)
        self.result.disordered.setdefault(
            row.section, f"row '{row.label[:16]}' at {row.label_ref} has {printed} values for {len(row.targets)} columns: the text is not in row order")

    def _unrecognised(self, label: Cell, run: list[Cell]) -> None:
        if any(c.text.strip() for c in run):
            self.result.notes.append(f"{label.ref}: values after unrecognised label '{collapse(label.text)[:40]}' ignored")

    def _add(self, row: RowMatch) -> None:
        first_metric = row.targets[0][0]
        if first_metric in self.by_metric:
            self.result.notes.append(f"{row.label_ref}: row '{row.label}' printed again; kept the first one ({self.by_metric[first_metric].label_ref})")
            return
        if len(row.cells) > len(row.targets):
            self.result.notes.append(f"{row.label_ref}: row '{row.label}' has {len(row.cells)} values for {len(row.targets)} columns; kept the first {len(row.targets)}")
            self._overflow(row, len(row.cells))
            row.cells = row.cells[: len(row.targets)]
        self.by_metric[first_metric] = row
        row.bare_before, self.bare_since_row = self.bare_since_row, 0
        if self.by_position:
            row.by_position = True
            self.result.disordered.setdefault(row.section, self.by_position)
        self.result.rows.append(row)


def _trim(run: list[Cell], width: int) -> list[Cell]:
    """Drop structural empty cells (merged label columns, trailing separators) beyond the row's width."""
    run = list(run)
    while len(run) > width and not run[0].text.strip():
        run.pop(0)
    while len(run) > width and not run[-1].text.strip():
        run.pop()
    return run


def match_document(document: ReadResult) -> MatchResult:
    matcher = _Matcher()
    for block in document.blocks:
        if isinstance(block, Paragraph):
            matcher.paragraph(block)
        else:
            matcher.grid(block)
    matcher.close_run()
    if matcher.bare_rows:
        for row in matcher.result.rows:
            row.page_drops_blanks = True
    return matcher.result


def entry_for(label: str, kinds: frozenset[str]) -> LabelEntry | None:
    match = match_label(label, kinds)
    return match.entry if match else None
