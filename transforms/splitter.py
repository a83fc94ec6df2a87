"""Place the cells of rows printed short or glued, solving the whole table with its identities.

A row's printed values can hold fewer tokens than the row has columns for two reasons: digits ran
together (``行政规范性文件0012``: one token, three cells) or empty cells were dropped. Both are the
same question: which assignment of printed digits to columns is right? Each row gets every candidate
allowed by the text alone:

- a space, tab or pipe is always a cell boundary (tokens are never joined);
- a glued digit run splits anywhere, but no multi-digit cell starts with 0;
- cells are lost only when the digits cannot fill the row (at most MAX_LOST_CELLS of them), and a lost
  cell is an unknown to solve, never a zero.

Then the table is solved as a whole with the identities of data/checks.csv (row totals, 一+二 =
（七）+四, （七） = sum of outcomes, section 四 totals) and non-negativity. A cell is filled only when
every assignment satisfying them gives it the same value: a cell that is the same in every candidate
of its row was decided by the text (kept as printed); one decided by the identities is ``inferred``
with a note naming them. Otherwise it stays NULL and the note lists the row's candidates.

A report that breaks an identity among cells the text decides keeps its numbers; that identity is
dropped from the solve, and a cell is then filled only if it agrees across every way of dropping one
more identity, so an impossible identity never forces a split elsewhere. The search is bounded
(MAX_ROW_CANDIDATES and MAX_ROW_WORK per row, MAX_WORK for the table): past a bound the cells stay NULL with a note.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from transforms.checks import rule_instances
from transforms.matcher import RowMatch
from transforms.rows import LongValue, Note, cell_value
from transforms.values import parse_cell

MAX_LOST_CELLS = 2
MAX_ROW_CANDIDATES = 500
MAX_ROW_WORK = 2_000  # steps (splits tried, placements) for one row's candidates
MAX_WORK = 15_000  # search steps for one document's table
MAX_SHOWN = 6
TOLERANCE = 1e-6
SCALE = 10_000
INDEX_SCALE = 1e4  # candidates indexed by contribution in steps of 1e-4, far above TOLERANCE: a neighbour step is always looked up too
COUNTED = ("number", "zero", "inferred")
Key = tuple[str, str | None]
UNKNOWN = "unknown"  # a lost cell: a number to solve
NOT_REPORTED = "not_reported"  # blank, n.a., missing, text: the identity cannot be evaluated
_CELL = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?")


@dataclass(frozen=True)
class Part:
    text: str
    value: float | None
    semantic: str
    ref: str


Candidate = tuple[Part | None, ...]  # None: a lost cell


class TooMany(Exception):
    """A bound of the search was reached."""


def _splits(digits: str, parts: int, budget: list[int]) -> list[list[str]]:
    """Ways to cut a digit string into `parts` cells, none with a leading zero."""
    budget[0] -= 1
    if budget[0] < 0:
        raise TooMany
    if parts == 1:
        return [[digits]] if _CELL.fullmatch(digits) else []
    out = []
    for cut in range(1, len(digits) - parts + 2):
        head = digits[:cut]
        if not _CELL.fullmatch(head):
            if head.startswith("0") or "." in head:
                break
            continue
        for rest in _splits(digits[cut:], parts - 1, budget):
            out.append([head, *rest])
    return out


def _token_options(cell, max_parts: int, budget: list[int]) -> list[tuple[Part, ...]]:
    """The ways one printed token fills cells: itself, or (glued digits) several cells."""
    parsed = parse_cell(cell.text)
    whole = (Part(cell.text, parsed.value, parsed.semantic, cell.ref),)
    folded = unicodedata.normalize("NFKC", cell.text)
    if not cell.glued or "," in folded or folded[:1] in "+-":
        return [whole]
    suffix = re.search(r"(万元|元)$", folded)
    digits = folded[: suffix.start()] if suffix else folded
    options: list[tuple[Part, ...]] = []
    for n in range(1, min(max_parts, len(digits.replace(".", ""))) + 1):
        for split in _splits(digits, n, budget):
            parts = [text + (suffix.group(0) if suffix and i == n - 1 else "") for i, text in enumerate(split)]
            options.append(tuple(Part(text, parse_cell(text).value, parse_cell(text).semantic, f"{cell.ref}+{sum(len(p) for p in split[:i])}" if n > 1 else cell.ref)
                                 for i, text in enumerate(parts)))
    return options or [whole]


def row_candidates(row: RowMatch, leading_only: bool = False, drops_blanks: bool = False) -> list[Candidate]:
    """Every placement of a row's printed tokens over its columns that the text allows."""
    width = len(row.targets)
    budget = [MAX_ROW_WORK]
    options = [_token_options(cell, width, budget) for cell in row.cells]
    capacity = sum(max(len(o) for o in opts) for opts in options)
    # Cells may have been lost when the digits cannot fill the row, or when spaces separate some of
    # its numbers (a spaced row may have dropped an empty cell: `行政许可 9 30` is 9 | ? | 30 or
    # 9 | 3 | 0). A row of one glued run holds all its cells. Cells lost among blanks cannot be
    # placed; cut after the printed ones (leading) they can.
    # On a page that drops empty cells, any glued run may have lost one (`287` is 2|8|7 or 28|∅|7).
    spaced = (len(row.cells) > 1 or drops_blanks) and any(c.glued for c in row.cells)
    lost_allowed = (capacity < width or spaced) and (leading_only or all(o[0][0].value is not None for o in options))
    out: dict[tuple, Candidate] = {}

    def place(i: int, placed: list[Part | None], lost: int) -> None:
        budget[0] -= 1
        if budget[0] < 0 or len(out) > MAX_ROW_CANDIDATES:
            raise TooMany
        room = width - len(placed)
        if i == len(options):
            if room == 0 or (lost_allowed and (leading_only or lost + room <= MAX_LOST_CELLS)):  # cut cells: any number
                candidate = tuple(placed + [None] * room)
                out.setdefault(tuple((p.value, p.semantic) if p else None for p in candidate), candidate)
            return
        for option in options[i]:
            if len(option) <= room:
                for parts, extra in _with_gaps(list(option), lost_allowed and not leading_only and row.cells[i].glued, MAX_LOST_CELLS - lost, room):
                    place(i + 1, placed + parts, lost + extra)
        if lost_allowed and not leading_only and lost < MAX_LOST_CELLS and room > 0:
            place(i, placed + [None], lost + 1)

    place(0, [], 0)
    return list(out.values())


def _with_gaps(parts: list[Part], gaps: bool, spare: int, room: int) -> list[tuple[list[Part | None], int]]:
    """A glued run's cells, and (where cells may be lost) with lost cells between them: `00` may be 0 | ? | 0."""
    out: list[tuple[list[Part | None], int]] = [(list(parts), 0)]
    if not gaps:
        return out
    for i in range(1, len(parts)):
        for n in range(1, spare + 1):
            if len(parts) + n <= room:
                out.append((parts[:i] + [None] * n + parts[i:], n))
    return out


class _Done(Exception):
    """Every cell of a component already has two different values: more assignments change nothing."""


class _Seen(Exception):
    """An assignment used this option of the tracked row: try the row's next option."""

    def __init__(self, row: int) -> None:
        super().__init__(row)
        self.row = row


OPEN = object()  # a cell two satisfying assignments give different values


class _Solver:
    """Backtracking over the rows' candidates with the identities as constraints.

    Each row's candidates are first reduced on their own: lost cells an identity of that row alone
    determines are solved, candidates that break an identity are dropped, equal rows merged. Rows no
    identity links are solved apart: their assignments combine freely, so searching their product
    would only repeat work. Within a linked group the search does not enumerate every assignment;
    it asks, per cell, whether any satisfying assignment gives it a second value (see
    _solve_group). The next row placed is the one with fewest candidates left; where an identity's
    other cells are all placed, a row's candidates come from an index of what each adds to it.
    None of this changes which assignments satisfy the identities, only how fast they are found.
    """

    def __init__(self, fixed: dict[Key, float | str], rows: list[tuple[list[Key], list[Candidate], bool]],
                 instances: list[tuple[str, list[Key], list[Key]]], budget: list[int]) -> None:
        self.instances, self.budget = instances, budget
        self.keys = [keys for keys, _, _ in rows]
        self.state: dict[Key, float | str] = dict(fixed)
        self.row_of = {key: r for r, keys in enumerate(self.keys) for key in keys}
        for key in self.row_of:
            self.state[key] = UNKNOWN
        self.inst_rows = [frozenset(self.row_of[k] for k in inst[1] + inst[2] if k in self.row_of) for inst in instances]
        self.touching = [[i for i, rs in enumerate(self.inst_rows) if r in rs] for r in range(len(rows))]
        # An identity that cannot hold whatever the unplaced cells are prunes early only if unplaced
        # cells are never negative; a row printing a negative number is checked once its rows are placed.
        self.bounds = all(not isinstance(v, float) or v >= 0
                          for _, candidates, blank in rows for c in candidates for v in (_part_value(p, blank) for p in c))
        self.options = [self._reduce(r, candidates, blank) for r, (_, candidates, blank) in enumerate(rows)]
        self._reach()
        self.index: dict[tuple[int, int], tuple[dict[int, list[int]], list[int]]] = {}
        self.outside: dict[int, list[tuple[int, list[tuple[float, Key]]]]] = {}

    def _tick(self) -> None:
        self.budget[0] -= 1
        if self.budget[0] < 0:
            raise TooMany

    def _reduce(self, r: int, candidates: list[Candidate], blank: bool) -> list[list[float | str]]:
        keys = self.keys[r]
        local = [self.instances[i] for i in self.touching[r] if self.inst_rows[i] == {r}]
        checked = [self.instances[i] for i in self.touching[r]] if self.bounds else local
        out: dict[tuple, list[float | str]] = {}
        for candidate in candidates:
            self._tick()
            self.state.update(zip(keys, [_part_value(part, blank) for part in candidate]))
            if not all(_consistent(self.state, inst) for inst in checked):
                continue
            solved = _propagate(self.state, local, keys) if local else self.state
            if solved is None:
                continue
            values = [solved[k] for k in keys]
            out.setdefault(tuple(values), values)
        self.state.update((k, UNKNOWN) for k in keys)
        return list(out.values())

    def agreement(self) -> dict[Key, object] | None:
        """Per cell of the rows, the value every satisfying assignment gives it (OPEN where two
        differ, None where it stays unsolved); None when no assignment satisfies the identities."""
        if not all(self.options):
            return None
        if not all(_consistent(self.state, inst) for inst, rs in zip(self.instances, self.inst_rows) if not rs):
            return None
        out: dict[Key, object] = {}
        for group in self._groups():
            tally = self._solve_group(group)
            if tally is None:
                return None
            out.update(tally)
        return out

    def _groups(self) -> list[list[int]]:
        """Rows linked by identities, each group in row order."""
        parent = list(range(len(self.keys)))

        def root(r: int) -> int:
            while parent[r] != r:
                r = parent[r]
            return r
        for rs in self.inst_rows:
            linked = sorted(rs)
            for other in linked[1:]:
                parent[root(other)] = root(linked[0])
        groups: dict[int, list[int]] = {}
        for r in range(len(self.keys)):
            groups.setdefault(root(r), []).append(r)
        return list(groups.values())

    def _solve_group(self, group: list[int]) -> dict[Key, object] | None:
        """Each cell's agreed value over the group's satisfying assignments (OPEN where two differ).

        Rows with one option are placed once. After a first assignment, each row's options that
        could still give one of its cells a second value are tried, each once, at the top of the
        search; an option some assignment uses is recorded with its values, one that none uses is
        proven so. A cell then has every value a satisfying assignment gives it, except a lost cell
        whose value the identities solve from the other rows: that one gets a search of its own,
        which stops at the first assignment giving it another value. Exact, and bounded by the
        table's work budget.
        """
        members = set(group)
        self.group_instances = [inst for inst, rs in zip(self.instances, self.inst_rows) if rs & members]
        self.group_keys = [k for r in group for k in self.keys[r]]
        self.tally: dict[Key, object] = {}
        self.placed: set[int] = set()
        self.current: dict[int, int] = {}
        self.seen: dict[int, set[int]] = {r: set() for r in group}
        try:
            for r in sorted(group, key=lambda r: len(self.options[r])):
                if len(self.options[r]) == 1 and not self._place(r, 0):
                    return None
            open_rows = sorted((r for r in group if r not in self.placed), key=lambda r: len(self.options[r]))
            self._run(open_rows, None, None)
            if not self.tally:
                return None
            for r in open_rows:  # which options of each row some assignment uses
                unseen = set(range(len(self.options[r]))) - self.seen[r]
                if unseen and not all(self.tally[k] is OPEN for k in self.keys[r]):
                    self._run(open_rows, (r, unseen), None, support=True)
            for r in group:  # a lost cell's value depends on the other rows: search for another one
                for position, key in enumerate(self.keys[r]):
                    if self.tally[key] is OPEN or all(self.options[r][o][position] != UNKNOWN for o in self.seen[r]):
                        continue  # every option an assignment uses was seen, with its value
                    others = {o for o in self.seen[r] if not _gives(self.options[r][o][position], self.tally[key])}
                    self._run(open_rows, (r, others), key)
            return self.tally
        finally:
            for r in list(self.placed):
                self._unplace(r)

    def _place(self, r: int, option: int) -> bool:
        """Place a row's option; False if an identity it touches can no longer hold."""
        self.state.update(zip(self.keys[r], self.options[r][option]))
        self.placed.add(r)
        self.current[r] = option
        for j, side, spans, whole in self.terms[r]:
            self._shift(j, side, whole, spans[option])
        return all(self._can_hold(j) for j in self.touching[r])

    def _unplace(self, r: int) -> None:
        for j, side, spans, whole in self.terms[r]:
            self._shift(j, side, spans[self.current[r]], whole)
        self.placed.discard(r)
        self.state.update((k, UNKNOWN) for k in self.keys[r])

    def _shift(self, j: int, side: int, old: tuple[int, int | None], new: tuple[int, int | None]) -> None:
        reach = self.reach[j][side]
        reach[0] += new[0] - old[0]
        for high, change in ((old[1], -1), (new[1], 1)):
            if high is None:
                reach[2] += change  # a blank or lost cell: no upper bound
            else:
                reach[1] += change * high

    def _can_hold(self, j: int) -> bool:
        """Identity j can still hold: the ranges its two sides can reach overlap. A placed row adds
        what its option adds, an unplaced one anything between its options' least and most, a blank
        or lost cell any number from 0 up. Sums are kept in integer steps of 1/SCALE, so the test
        allows each term its rounding and never rejects what _consistent would accept."""
        (low_r, high_r, open_r), (low_e, high_e, open_e) = self.reach[j]
        margin = self.margin[j]
        return (open_e or low_r <= high_e + margin) and (open_r or low_e <= high_r + margin)

    def _reach(self) -> None:
        """Per identity and side: the least and most it can add up to (integer steps), and how many
        of its terms have no upper bound; per row, what each option adds to each identity it is in."""
        self.terms: list[list[tuple[int, int, list[tuple[int, int | None]], tuple[int, int | None]]]] = [[] for _ in self.keys]
        self.reach: list[list[list[int]]] = []
        self.margin: list[int] = []
        for j, inst in enumerate(self.instances):
            sides = []
            for side, keys in enumerate(inst[1:]):
                fixed = [self.state.get(k, NOT_REPORTED) for k in keys if k not in self.row_of]
                low = sum(_steps(v) for v in fixed if not isinstance(v, str))
                reach = [low, low, sum(isinstance(v, str) for v in fixed)]
                for r in sorted({self.row_of[k] for k in keys if k in self.row_of}):
                    at = [i for i, k in enumerate(self.keys[r]) if k in keys]
                    spans: list[tuple[int, int | None]] = []
                    for values in self.options[r]:
                        number = sum(_steps(values[i]) for i in at if not isinstance(values[i], str))
                        spans.append((number, None if any(isinstance(values[i], str) for i in at) else number))
                    whole = (min(lo for lo, _ in spans), None if any(hi is None for _, hi in spans) else max(hi for _, hi in spans)) if spans else (0, 0)
                    self.terms[r].append((j, side, spans, whole))
                    reach[0] += whole[0]
                    if whole[1] is None:
                        reach[2] += 1
                    else:
                        reach[1] += whole[1]
                sides.append(reach)
            self.reach.append(sides)
            self.margin.append(len(inst[1]) + len(inst[2]) + 1 + round(TOLERANCE * SCALE))

    def _run(self, rows: list[int], allowed: tuple[int, set[int]] | None, goal: Key | None, support: bool = False) -> None:
        """Search until an assignment opens `goal` (None: until any assignment), or all were tried.

        With `support`, find every option of the restricted row that some assignment uses: once one
        is seen, the search moves on to that row's next option."""
        try:
            self._search(rows, allowed, goal, support)
        except _Done:
            pass

    def _search(self, rows: list[int], allowed: tuple[int, set[int]] | None, goal: Key | None, support: bool) -> None:
        self._tick()
        unplaced = [r for r in rows if r not in self.placed]
        if not unplaced:
            self._leaf(goal, allowed[0] if support and allowed else None)
            return
        if support and allowed is not None and allowed[0] in unplaced:  # each option once, at the top
            r, candidates = allowed[0], sorted(i for i in self._candidates(allowed[0]) if i in allowed[1])
        else:
            r, candidates = self._next(unplaced, allowed)
        tracked = support and allowed is not None and allowed[0] == r
        for option in candidates:
            if tracked and (option in self.seen[r] or not self._could_open(r, option)):
                continue
            self._tick()
            try:
                if self._place(r, option):
                    self._search(rows, allowed, goal, support)
            except _Seen as seen:
                if seen.row != r:
                    raise
            finally:
                self._unplace(r)

    def _could_open(self, r: int, option: int) -> bool:
        """The option may give a cell of its row that is not yet open another value than seen so far."""
        values = self.options[r][option]
        return any(self.tally[k] is not OPEN and not _gives(values[i], self.tally[k]) for i, k in enumerate(self.keys[r]))

    def _leaf(self, goal: Key | None, tracked: int | None) -> None:
        solved = _propagate(self.state, self.group_instances, self.group_keys)
        if solved is None:
            return
        for r, option in self.current.items():
            self.seen[r].add(option)
        for key in self.group_keys:
            v = solved.get(key)
            v = v if isinstance(v, float) else None
            if key not in self.tally:
                self.tally[key] = v
            elif self.tally[key] is not OPEN and self.tally[key] != v:
                self.tally[key] = OPEN
        if tracked is not None:
            if all(self.tally[k] is OPEN for k in self.keys[tracked]):
                raise _Done
            raise _Seen(tracked)
        if goal is None or self.tally[goal] is OPEN:
            raise _Done

    def _next(self, rows: list[int], allowed: tuple[int, set[int]] | None) -> tuple[int, list[int]]:
        """The unplaced row with fewest candidates left (rows come by number of options, so the scan
        stops once no later row can have fewer), and those candidates."""
        best: tuple[int, list[int]] | None = None
        for r in rows:
            if best is not None and len(self.options[r]) >= len(best[1]):
                break
            candidates = self._candidates(r)
            if allowed is not None and allowed[0] == r:
                candidates = [i for i in candidates if i in allowed[1]]
            if best is None or len(candidates) < len(best[1]):
                best = (r, candidates)
        assert best is not None
        return best

    def _candidates(self, r: int) -> list[int]:
        """The row's options that can meet the identities whose other cells are all placed (a superset)."""
        best: list[int] | None = None
        state = self.state
        for j, others in self._determining(r):
            rest = 0.0
            for sign, key in others:
                v = state.get(key, NOT_REPORTED)
                if isinstance(v, str):
                    break
                rest += sign * v
            else:
                exact, loose = self._index(r, j)
                need = round(-rest * INDEX_SCALE)
                found = sorted(exact.get(need - 1, []) + exact.get(need, []) + exact.get(need + 1, []) + loose)
                if best is None or len(found) < len(best):
                    best = found
                    if len(best) <= 1:
                        break
        return list(range(len(self.options[r]))) if best is None else best

    def _determining(self, r: int) -> list[tuple[int, list[tuple[float, Key]]]]:
        """The identities that can fix what row r adds to them: each with its cells outside the row
        and their sign (reported +, expected -). One with a cell outside the rows that is no number
        (a blank) never can, and is left out."""
        if r not in self.outside:
            out = []
            for j in self.touching[r]:
                _, reported, expected = self.instances[j]
                others = [(sign, k) for sign, side in ((1.0, reported), (-1.0, expected)) for k in side if self.row_of.get(k) != r]
                if not any(k not in self.row_of and isinstance(self.state.get(k, NOT_REPORTED), str) for _, k in others):
                    out.append((j, others))
            self.outside[r] = out
        return self.outside[r]

    def _index(self, r: int, j: int) -> tuple[dict[int, list[int]], list[int]]:
        """Row r's options by what they add to identity j (reported minus expected); those with a cell
        that is no number there (lost, blank) cannot be indexed and are always tried."""
        if (r, j) not in self.index:
            _, reported, expected = self.instances[j]
            position = {k: i for i, k in enumerate(self.keys[r])}
            terms = [(1.0, position[k]) for k in reported if k in position] + [(-1.0, position[k]) for k in expected if k in position]
            exact: dict[int, list[int]] = {}
            loose: list[int] = []
            for o, values in enumerate(self.options[r]):
                if any(isinstance(values[i], str) for _, i in terms):
                    loose.append(o)
                else:
                    exact.setdefault(round(sum(s * values[i] for s, i in terms) * INDEX_SCALE), []).append(o)
            self.index[(r, j)] = (exact, loose)
        return self.index[(r, j)]


def _steps(value: float) -> int:
    """A number in integer steps of 1/SCALE, so that range sums are exact."""
    return round(value * SCALE)


def _gives(value: float | str, agreed: object) -> bool:
    """An option's cell certainly ends as `agreed`: a printed number, or a blank (None); a lost cell may end as anything."""
    return value != UNKNOWN and (value if isinstance(value, float) else None) == agreed


def _part_value(part: Part | None, blank: bool = False) -> float | str:
    """A lost cell is a number to solve; in a text stream it is an empty cell the rendering dropped."""
    if part is None:
        return NOT_REPORTED if blank else UNKNOWN
    return part.value if part.semantic in ("number", "zero") and part.value is not None else NOT_REPORTED


def _breaks_own_total(row: RowMatch, candidate: Candidate) -> bool:
    """The row's 总计 differs from the sum of its six applicant cells (all printed)."""
    columns = [applicant for _, applicant in row.targets]
    if "total" not in columns or any(p is None or p.value is None for p in candidate):
        return False
    total = candidate[columns.index("total")].value  # type: ignore[union-attr]
    return abs(sum(p.value for p, a in zip(candidate, columns) if a != "total") - total) > TOLERANCE  # type: ignore[misc]


def _is_stream(row: RowMatch) -> bool:
    return any(c.stream for c in row.cells)


def _value(state: dict[Key, float | str], key: Key) -> float | str:
    return state.get(key, NOT_REPORTED)


def _consistent(state: dict[Key, float | str], instance: tuple[str, list[Key], list[Key]]) -> bool:
    """False only when the identity cannot hold whatever the unknown (non-negative) cells are."""
    _, reported, expected = instance
    got_r = got_e = 0.0
    open_r = open_e = False
    for key in reported:
        v = state.get(key, NOT_REPORTED)
        if isinstance(v, str):  # lost or blank: a blank is no number, but never negative either
            open_r = True
        else:
            got_r += v
    for key in expected:
        v = state.get(key, NOT_REPORTED)
        if isinstance(v, str):
            open_e = True
        else:
            got_e += v
    if not open_r and not open_e:
        return abs(got_r - got_e) <= TOLERANCE
    if not open_r:
        return got_e <= got_r + TOLERANCE
    if not open_e:
        return got_r <= got_e + TOLERANCE
    return True


def _propagate(state: dict[Key, float | str], instances, keys: list[Key] | None = None) -> dict[Key, float | str] | None:
    """Solve lost cells an identity determines (one unknown, or parts of a zero total); None if infeasible.

    Works on a copy: of the given keys and the instances' cells only when keys are given (cheap)."""
    if keys is None:
        state = dict(state)
    else:
        state = {k: state.get(k, NOT_REPORTED) for inst in instances for k in inst[1] + inst[2]} | {k: state[k] for k in keys}
    changed = True
    while changed:
        changed = False
        for instance in instances:
            if not _consistent(state, instance):
                return None
            _, reported, expected = instance
            got_r = [state.get(k, NOT_REPORTED) for k in reported]
            got_e = [state.get(k, NOT_REPORTED) for k in expected]
            if NOT_REPORTED in got_r or NOT_REPORTED in got_e:
                continue
            unknown = [k for k, v in zip(reported + expected, got_r + got_e) if v == UNKNOWN]
            if not unknown:
                continue
            known_r = sum(v for v in got_r if v != UNKNOWN)
            known_e = sum(v for v in got_e if v != UNKNOWN)
            if len(unknown) == 1:
                key = unknown[0]
                solved = known_e - known_r if key in reported else known_r - known_e
                if solved < -TOLERANCE:
                    return None
                state[key] = max(0.0, solved)
                changed = True
            elif all(k in expected for k in unknown) and abs(known_r - known_e) <= TOLERANCE:
                for key in unknown:
                    state[key] = 0.0  # parts of a total already reached, never negative: zero
                changed = True
            elif all(k in reported for k in unknown) and abs(known_r - known_e) <= TOLERANCE:
                for key in unknown:
                    state[key] = 0.0
                changed = True
    return state


def _fixed_state(values: list[LongValue]) -> dict[Key, float | str]:
    return {(v.metric_id, v.applicant): (float(v.value) if v.value_semantic in COUNTED and v.value is not None else NOT_REPORTED) for v in values}


def cell_key_text(key: Key) -> str:
    """A cell as `metric_id/applicant` (or `metric_id` for a cell without applicant), as notes name them."""
    metric_id, applicant = key
    return f"{metric_id}/{applicant}" if applicant else metric_id


def _show(candidate: Candidate) -> str:
    return "|".join("?" if p is None else p.text for p in candidate)


Hints = dict[Key, tuple[float, str]]  # a cell's value as the report's prose states it, and the quote


def solve_rows(values: list[LongValue], short_rows: list[RowMatch], hints: Hints | None = None) -> list[Note]:
    """Fill the cells of short or glued rows where the text and the identities decide them (in place).

    `hints` (transforms/prose_counts.py) may choose among the candidates the identities allow."""
    by_key = {(v.metric_id, v.applicant): v for v in values}
    notes: list[Note] = []
    rows: list[tuple[RowMatch, list[Key], list[Candidate]]] = []
    drops = any(r.page_drops_blanks for r in short_rows) or any(
        _is_stream(r) and len(r.cells) < len(r.targets) and not any(c.glued for c in r.cells) for r in short_rows)
    for row in short_rows:
        metric_id = row.targets[0][0]
        if any(target not in by_key for target in row.targets):  # e.g. （六） as one row where sub-rows are printed
            notes.append(Note(metric_id, None, "left_null", f"row '{row.label}' ({row.label_ref}) is not part of the template this document prints; its values were not placed"))
            continue
        try:
            candidates = row_candidates(row, row.leading, drops) or row_candidates(row, False, drops)
            if not drops and any(c.glued for c in row.cells) and candidates and all(_breaks_own_total(row, c) for c in candidates):
                candidates = row_candidates(row, False, True)  # no split adds up: the run must have lost a cell
        except TooMany:
            notes.append(Note(metric_id, None, "left_null", f"{_detail(row)}; too many ways to place them (more than {MAX_ROW_CANDIDATES}): left NULL"))
            continue
        if not candidates:
            notes.append(Note(metric_id, None, "left_null", f"{_detail(row)}; too many lost, or blanks among them, to place"))
            continue
        rows.append((row, list(row.targets), candidates))
    if not rows:
        return notes
    fixed = _fixed_state(values)
    for _, keys, _ in rows:
        for key in keys:
            fixed.pop(key, None)
    decided, used, how = _decide(fixed, rows, [MAX_WORK])
    said = [""] * len(rows)
    if hints:
        decided, used, how, said = _with_hints(fixed, rows, decided, used, how, hints)
    for (row, keys, _), candidates, row_decided, row_how, row_said in zip(rows, used, decided, how, said):
        notes.append(_write(row, keys, candidates, row_decided, row_how, by_key))
        if row_said:
            notes[-1].reason = notes[-1].reason.replace("every placement that satisfies the identities", "every placement that satisfies the identities and the prose") + f"; {row_said}"
    return notes


def _with_hints(fixed, rows, decided, used, how, hints: Hints):
    """Solve again with each open row's candidates narrowed to those the prose agrees with.

    Only cells the identities left open are narrowed, and only to candidates that print the prose's
    number there, so a printed value is never replaced. Prose that fits no candidate, or whose
    candidates the identities then reject, is not used; the note says so."""
    said, narrowed = [""] * len(rows), []
    for r, ((row, keys, candidates), row_decided) in enumerate(zip(rows, decided)):
        stated = {i: hints[key] for i, key in enumerate(keys) if key in hints}
        if not stated or not any(row_decided is None or row_decided.get(keys[i]) is None for i in stated):
            narrowed.append(candidates)
            continue
        quotes = ", ".join(f"'{quote}' for {cell_key_text(keys[i])}" for i, (_, quote) in stated.items())
        agree = [c for c in candidates if all(c[i] is not None and c[i].value == value for i, (value, _) in stated.items())]
        said[r] = f"the report's prose ({quotes}) {'chooses among the candidates' if agree else 'fits none of the candidates: not used'}"
        narrowed.append(agree or candidates)
    if not any(said) or all(n is c for n, (_, _, c) in zip(narrowed, rows)):
        return decided, used, how, said
    again = _decide(fixed, [(row, keys, c) for (row, keys, _), c in zip(rows, narrowed)], [MAX_WORK])
    if not any(again[0]):  # the identities allow none of what the prose says
        return decided, used, how, [s and "the report's prose fits no placement the identities allow: not used" for s in said]
    decided_again, _, how_again = again  # the note keeps every candidate the text allows: the prose chose among them
    return decided_again, used, how_again, said


def _decide(fixed: dict[Key, float | str], rows, budget: list[int]) -> tuple[list[dict[Key, float | None] | None], list[list[Candidate]], list[str]]:
    """Per row, the value every satisfying assignment gives each cell (None where they differ).

    Also returns the candidates each row was solved with and, per row, how (for its note).
    """
    all_keys = list(fixed) + [key for _, keys, _ in rows for key in keys]
    instances = rule_instances(all_keys)
    try:
        # a leading row read as not leading may have no placement at all (too many lost): it keeps its own
        full = [(row_candidates(row, False, row.page_drops_blanks) or candidates) if row.leading else candidates for row, _, candidates in rows]
    except TooMany:
        full = [candidates for _, _, candidates in rows]
    # cells the text decides: the same in every placement of their row
    structural = dict(fixed)
    for (_, keys, _), candidates in zip(rows, full):
        for i, key in enumerate(keys):
            parts = {(p.value, p.semantic) if p else None for p in (c[i] for c in candidates)}
            part = candidates[0][i] if candidates else None
            structural[key] = part.value if len(parts) == 1 and part is not None and part.semantic in ("number", "zero") and part.value is not None else UNKNOWN
    broken = [inst for inst in instances if all(isinstance(_value(structural, k), float) for k in inst[1] + inst[2]) and not _consistent(structural, inst)]
    active = [inst for inst in instances if inst not in broken]
    used = [candidates for _, _, candidates in rows]

    def agree(candidates: list[list[Candidate]], identities) -> dict[Key, object] | None:
        return _Solver(fixed, [(k, c, _is_stream(row)) for (row, k, _), c in zip(rows, candidates)], identities, budget).agreement()
    try:
        found = [agree(used, active)]
        if found[0] is None and any(row.leading for row, _, _ in rows):  # the printed values did not start the row after all
            used = full
            found = [agree(used, active)]
        relaxed = bool(broken or found[0] is None)
        if relaxed:
            involved = [inst for inst in active if any(isinstance(_value(structural, k), str) for k in inst[1] + inst[2])]
            for dropped in involved:
                found.append(agree(used, [i for i in active if i is not dropped]))
    except TooMany:
        return [None] * len(rows), used, ["too_many"] * len(rows)
    found = [f for f in found if f is not None]
    out: list[dict[Key, float | None] | None] = []
    how: list[str] = []
    broken_names = ", ".join(sorted({b[0] for b in broken}))
    for _, keys, _ in rows:
        row_out: dict[Key, float | None] = {}
        for key in keys:
            seen = {f[key] for f in found}
            value = next(iter(seen)) if len(seen) == 1 else None
            row_out[key] = None if value is OPEN else value  # type: ignore[assignment]
        out.append(row_out if found else {})
        names = ", ".join(sorted({inst[0] for inst in active if set(keys) & set(inst[1] + inst[2])})) or "none"
        how.append(f"{'relaxed' if relaxed else 'strict'}:{names}" + (f"; ignored because the printed cells break them: {broken_names}" if broken else ""))
    return out, used, how


def _detail(row: RowMatch) -> str:
    if any(c.glued for c in row.cells):
        return f"row '{row.label}' ({row.label_ref}) printed '{' '.join(c.text for c in row.cells)}' (digits run together) for {len(row.targets)} columns"
    return f"row '{row.label}' ({row.label_ref}) printed {len(row.cells)} of {len(row.targets)} values"


def _write(row: RowMatch, keys: list[Key], candidates: list[Candidate], decided, how: str, by_key: dict[Key, LongValue]) -> Note:
    metric_id = row.targets[0][0]
    detail = _detail(row)
    shown = ", ".join(_show(c) for c in candidates[:MAX_SHOWN]) + (f", … ({len(candidates)} in all)" if len(candidates) > MAX_SHOWN else "")
    shown += f" [cells: {' '.join(cell_key_text(key) for key in keys)}]"  # which cell each position is: the review offers these splits
    filled, by_rule, undecided = 0, 0, 0
    for i, key in enumerate(keys):
        value = decided.get(key) if decided else None
        if value is not None and value < 0:  # a count is never negative: a solve that gives one proves nothing
            value = None
        cell = by_key[key]
        parts = {(c[i].value, c[i].semantic) if c[i] else None for c in candidates}
        part = candidates[0][i] if candidates else None  # no placement left: the cell stays NULL
        if len(parts) == 1 and part is not None:
            printed, _ = cell_value(key[0], key[1], part.text, part.ref)
            cell.value, cell.value_semantic, cell.raw_text, cell.source_ref = printed.value, printed.value_semantic, part.text, part.ref
            filled += 1
        elif value is not None:
            source = next((c[i] for c in candidates if c[i] is not None and c[i].value == value), None)
            cell.value, cell.value_semantic = value, "inferred"
            cell.raw_text, cell.source_ref = (source.text, source.ref) if source else (None, row.label_ref)
            by_rule += 1
        else:
            cell.value, cell.value_semantic = None, "missing"
            undecided += 1
    rules = how.split(":", 1)[1] if ":" in how else ""
    if decided is None:
        return Note(metric_id, None, "left_null", f"{detail}; too many combinations with the other rows to solve: {undecided} cells left NULL; candidates {shown}")
    if not decided and undecided:
        return Note(metric_id, None, "left_null", f"{detail}; no placement fits the identities: {undecided} cells left NULL; candidates {shown}")
    if undecided:
        return Note(metric_id, None, "left_null", f"{detail}; the identities do not determine {undecided} of its cells: left NULL; candidates {shown}")
    if by_rule:
        extra = " (every way of dropping one identity agrees)" if how.startswith("relaxed") else ""
        return Note(metric_id, None, "filled", f"{detail}; every placement that satisfies the identities ({rules}) and non-negativity gives the same row{extra}; {by_rule} cells inferred")
    return Note(metric_id, None, "info", f"{detail}; only one placement is possible (a space is a boundary, no multi-digit cell starts with 0)")
