"""Values placed by position only are kept only where the row's identities hold.

A text stream (one cell per line, a report on one line, pdftotext) gives no row boundaries: a value
belongs to the label printed before it only by its position. That is right while the stream is in row
order. Where it is not (pdftotext reads a table's cells by their place on the page, so a row's cells
can come out after the next row's label, or two rows' cells interleaved), a label's run holds more
values than its row has columns (transforms/matcher.py marks the section `disordered`). In such a
section:

- a row whose run overflowed holds other rows' values too; which are its own the text does not say,
  and its own total would hold for any row's values, so its cells are NULL;
- a row printed short is not solved (its printed cells may be another row's);
- a full row keeps its values only if every identity of data/checks.csv that can be evaluated over it
  holds (its row total first, then the column and section identities), and at least one can be;
  otherwise its cells are NULL. An identity broken only by cells the text places is the report's
  finding, as everywhere else; one broken by positional rows NULLs them, since which is wrong is unknown.

A PDF table without ruling lines, rebuilt from word positions (extractors/pdf.py), is the same case:
its blank cells have no words, so a value's column is known only from its x position (Grid.by_position);
its sections are gated the same way.

Each NULLed row gets a note saying why. A wrong number is worse than a missing one.
"""
from __future__ import annotations

from transforms.checks import rule_instances, rules
from transforms.matcher import MatchResult, RowMatch
from transforms.rows import LongValue, Note
from transforms.splitter import COUNTED, TOLERANCE  # what counts as a number while a document is read, and the same slack

Key = tuple[str, str | None]
Instance = tuple[str, list[Key], list[Key]]


def gate_positional(values: list[LongValue], match: MatchResult, short_rows: list[RowMatch]) -> tuple[list[Note], list[RowMatch]]:
    """NULL positional rows of out-of-order sections that the identities do not confirm (in place).

    Returns the notes and the short rows still to solve (those outside such sections)."""
    if not match.disordered:
        return [], short_rows
    by_key = {(v.metric_id, v.applicant): v for v in values}
    suspect = [r for r in match.rows if r.section in match.disordered and r.positional and all(t in by_key for t in r.targets)]
    notes: list[Note] = []
    why = {section: f"section {section}'s values are placed by position only ({evidence})" for section, evidence in match.disordered.items()}
    for row in suspect:
        before = _previous(match, row)
        if row.overflow and before is not None:
            _null(row, by_key, notes, f"{why[row.section]}; its run holds {len(row.targets) + row.overflow} values for "
                                      f"{len(row.targets)} columns and {before}, so the first {len(row.targets)} may be "
                                      f"another row's: left NULL")
        elif row.is_short:
            notes.append(Note(row.targets[0][0], None, "left_null", f"{why[row.section]}; row '{row.label}' ({row.label_ref}) "
                                                                   f"printed {len(row.cells)} of {len(row.targets)} values, which may be another row's: left NULL"))
    full = [r for r in suspect if not r.is_short and not (r.overflow and _previous(match, r) is not None)]
    instances = rule_instances(list(by_key))
    per_row = {r.check_id for r in rules() if r.scope == "per_row"}
    own = [inst for inst in instances if inst[0] in per_row]
    others = [inst for inst in instances if inst[0] not in per_row]
    checked: set[int] = set()
    dropped: set[int] = set()
    for group in (own, others):
        changed = True
        while changed:
            changed = False
            for inst in group:
                cells = set(inst[1] + inst[2])
                rows = [r for r in full if id(r) not in dropped and cells.intersection(r.targets)]
                holds = _holds(inst, by_key) if rows else None
                if holds is None:
                    continue
                if holds:
                    checked.update(id(r) for r in rows)
                    continue
                for row in rows:
                    _null(row, by_key, notes, f"{why[row.section]}; identity {inst[0]} fails with this row's values "
                                              f"({_shown(row, by_key)}), so they may be another row's: left NULL")
                    dropped.add(id(row))
                changed = True
    for row in full:
        if id(row) not in checked and id(row) not in dropped:
            _null(row, by_key, notes, f"{why[row.section]}; no identity can confirm this row's values "
                                      f"({_shown(row, by_key)}): left NULL")
    return notes, [r for r in short_rows if r not in suspect]


def _previous(match: MatchResult, row: RowMatch) -> str | None:
    """Why the values after this label may be an earlier row's: the row before it in its section was
    printed without its values (short, or its label bare) or overflowed itself; None when it was complete."""
    rows = [r for r in match.rows if r.section == row.section]
    i = rows.index(row)
    if i == 0:
        return None
    previous = rows[i - 1]
    if previous.overflow:
        return f"the row before it ('{previous.label[:16]}') overflowed too"
    if previous.is_short:
        return f"the row before it ('{previous.label[:16]}') printed only {len(previous.cells)} values"
    if row.bare_before:
        return f"{row.bare_before} row label(s) just before it printed no values"
    return None


def _holds(inst: Instance, by_key: dict[Key, LongValue]) -> bool | None:
    """True/False when every cell of the identity is a number; None when it cannot be evaluated."""
    sides = []
    for keys in (inst[1], inst[2]):
        total = 0.0
        for key in keys:
            v = by_key.get(key)
            if v is None or v.value is None or v.value_semantic not in COUNTED:
                return None
            total += float(v.value)
        sides.append(total)
    return abs(sides[0] - sides[1]) <= TOLERANCE


def _shown(row: RowMatch, by_key: dict[Key, LongValue]) -> str:
    return "|".join(by_key[t].raw_text or "" for t in row.targets)


def _null(row: RowMatch, by_key: dict[Key, LongValue], notes: list[Note], reason: str) -> None:
    for key in row.targets:
        cell = by_key[key]
        cell.value, cell.value_semantic, cell.raw_text, cell.source_ref = None, "missing", None, None
    notes.append(Note(row.targets[0][0], None, "left_null", f"row '{row.label}' ({row.label_ref}): {reason}"))
