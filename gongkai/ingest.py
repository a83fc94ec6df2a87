"""`gongkai ingest`: files and folders in, a published warehouse out.

Incremental by content hash + extractor version: bytes already loaded by the same extractor
are not read again. The warehouse is built aside and swapped in once, at the end.
"""
from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from gongkai import EXTRACTOR_VERSION
from gongkai.names import display_path, shown
from gongkai.osutil import sha256_file
from gongkai.storage import AnyPath
from gongkai.summary import Problem, group_key, group_lines, grouped, write_list
from gongkai.walk import Skipped, walk
from gongkai.workers import Job, Limits, extract_many, start_workers_early
from warehouse.corrections import apply_corrections, corrections_file, needs_publish, replacement_files
from warehouse.store import file_identity, read_with, staged

if TYPE_CHECKING:
    from gongkai.extract import Extraction

BATCH = 200
PAUSE_ENV = "GONGKAI_TEST_PAUSE_BEFORE_PUBLISH"
LIST_SUFFIX = ".last-ingest.tsv"


@dataclass
class IngestSummary:
    db: Path
    files_seen: int = 0
    loaded: int = 0
    unchanged: int = 0
    quarantined: int = 0
    duplicates: int = 0
    superseded: int = 0
    failed_checks: int = 0
    problems: list[str] = field(default_factory=list)
    """Each quarantine's reason (it starts with the file's name), in the order met."""
    new_documents: list[str] = field(default_factory=list)
    quarantines: list[Problem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    list_file: Path | None = None
    list_error: str | None = None

    def quarantine(self, source: str, reason: str) -> None:
        self.quarantined += 1
        self.problems.append(reason)
        self.quarantines.append(Problem(source, reason))

    def lines(self) -> list[str]:
        out = [
            f"warehouse: {self.db}",
            f"files: {self.files_seen}  loaded: {self.loaded}  unchanged: {self.unchanged}  "
            f"quarantined: {self.quarantined}  duplicates: {self.duplicates}  superseded (total): {self.superseded}  "
            f"failed checks: {self.failed_checks}  skipped: {len(self.skipped)}",
        ]
        skips = grouped((s.reason, s.reason, display_path(s.path)) for s in self.skipped)
        out += group_lines("skipped (not read)", skips, len(self.skipped))
        causes = grouped((group_key(p.cause), p.cause, p.name) for p in self.quarantines)
        out += group_lines("quarantined by reason", causes, len(self.quarantines))
        if self.list_file is not None:
            out.append(f"full list of quarantined and skipped files: {self.list_file}")
        elif self.list_error:
            out.append(f"the full list could not be written next to the warehouse ({self.list_error})")
        return out

    def write_list(self) -> None:
        """The full list, next to the warehouse, for the files the screen only starts to list."""
        if not (self.quarantines or self.skipped):
            return
        target = self.db.with_name(self.db.name + LIST_SUFFIX)
        rows = [("quarantined", p.source, p.cause) for p in self.quarantines]
        rows += [("skipped", display_path(s.path), s.reason + (f" ({s.detail})" if s.detail else "")) for s in self.skipped]
        self.list_error = write_list(target, rows)
        self.list_file = None if self.list_error else target


def discover(paths: Iterable[AnyPath], warehouse: Path | None = None) -> Iterator[AnyPath]:
    """Files under the given paths that are read (see gongkai.walk for what is skipped and why);
    a path may be a folder in object storage (an ObjectPath prefix)."""
    yield from walk(list(paths), warehouse).files


def ingest(
    paths: Iterable[AnyPath],
    db: Path,
    scope: Callable[[AnyPath], str | None] = lambda _: None,
    limits: Limits = Limits(),
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_document: Callable[[int, int, Extraction], None] | None = None,
    extract: Callable[[list[Job], Limits, int | None], Iterable[Extraction]] = extract_many,
) -> IngestSummary:
    """`extract` turns the new files into Extractions; the nightly flow passes one that runs on a Dask cluster."""
    summary = IngestSummary(db=Path(db))
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    opened = file_identity(Path(db))
    known = _known(Path(db))
    corrections = corrections_file()
    paths = [*paths, *replacement_files(corrections)]  # files attached in `gongkai review` come in with every run
    current = {EXTRACTOR_VERSION, limits.version()}  # a quarantine by other limits is tried again
    todo: list[Job] = []
    seen_now: set[str] = set()
    new_sources = []
    found = walk(list(paths), Path(db))
    summary.skipped = found.skipped
    for path in found.files:
        summary.files_seen += 1
        source = display_path(path)
        try:
            sha = sha256_file(path)
        except OSError as exc:  # one unreadable file must not stop the run
            summary.quarantine(source, f"{shown(path)}: cannot be read ({exc.strerror or exc}); fix its permissions, and run again")
            continue
        version, sources = known.get(sha, (None, set()))
        if sha in seen_now or (sources and source not in sources):
            summary.duplicates += 1
            if source not in sources:
                new_sources.append((sha[:16], source, started))
            if sha in seen_now or version in current:
                continue
        seen_now.add(sha)
        if version in current:
            summary.unchanged += 1
            continue
        todo.append(Job(path, scope(path), sha))
    if not todo and not new_sources and Path(db).exists() and not _corrections_changed(Path(db), corrections):
        summary.superseded = _count_superseded(Path(db))
        summary.write_list()
        return summary  # nothing new: the published warehouse stays as it is, untouched
    if todo and extract is extract_many:
        start_workers_early()  # the workers warm up while the warehouse copy is prepared
    # imported once the workers are starting: they warm up on another core meanwhile
    from warehouse.assessment import rebuild_assessment
    from warehouse.cross_checks import rebuild_cross_checks
    from warehouse.load import ensure_dimensions, load_extractions, record_sources, update_supersession

    with staged(Path(db), opened=opened) as con:  # the file _known just opened is not opened again
        ensure_dimensions(con)
        done = 0
        order = _write_order(todo)
        for batch in _batches(_each(extract(todo, limits, workers), len(todo), on_document), BATCH):
            for extraction in batch:
                extraction.document["ingested_at"] = started + timedelta(microseconds=order.get(extraction.document["source"], 0))
            load_extractions(con, batch)
            for extraction in batch:
                _count(summary, extraction)
            done += len(batch)
            if progress:
                progress(done, len(todo))
        if new_sources:
            present = _ids(con)
            record_sources(con, [s for s in new_sources if s[0] in present])
        summary.superseded = update_supersession(con)
        apply_corrections(con, corrections)
        rebuild_cross_checks(con)
        rebuild_assessment(con)
        _record_run(con, summary, started)
        _pause_before_publish()
    summary.write_list()
    return summary


def _each(extractions: Iterable[Extraction], total: int, callback: Callable[[int, int, Extraction], None] | None) -> Iterator[Extraction]:
    """Report every extraction as it arrives (live progress per document), not per loaded batch."""
    for done, extraction in enumerate(extractions, 1):
        if callback:
            callback(done, total, extraction)
        yield extraction


def _pause_before_publish() -> None:
    """Test hook: GONGKAI_TEST_PAUSE_BEFORE_PUBLISH=<seconds> waits with the staged warehouse fully built but
    not yet published, so tests/test_crash_safety.py can kill the process there. Unset, it does nothing."""
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        print(f"gongkai: pausing {seconds} s before publishing ({PAUSE_ENV})", file=sys.stderr, flush=True)
        time.sleep(float(seconds))


def _write_order(jobs: list[Job]) -> dict[str, int]:
    """Rank of each file by last modification: documents of one run are stamped with the run's start
    plus that many microseconds, so that of two reports for one unit and year found in the same run,
    the one written later is current (update_supersession keeps the newest)."""
    def written(job: Job) -> tuple[int, str]:
        try:
            return job.path.stat().st_mtime_ns, str(job.path)
        except OSError:
            return 0, str(job.path)

    return {str(job.path): rank for rank, job in enumerate(sorted(jobs, key=written))}


def _known(db: Path) -> dict[str, tuple[str, set[str]]]:
    if not db.exists():
        return {}
    from warehouse.load import known_documents

    return read_with(db, known_documents)


def _corrections_changed(db: Path, corrections: Path) -> bool:
    return read_with(db, lambda con: needs_publish(con, corrections))


def _count_superseded(db: Path) -> int:
    return read_with(db, lambda con: con.execute("SELECT count(*) FROM dim_document WHERE status = 'superseded'").fetchone()[0])


def _ids(con) -> set[str]:
    return {row[0] for row in con.execute("SELECT document_id FROM dim_document").fetchall()}


def _count(summary: IngestSummary, extraction: Extraction) -> None:
    if extraction.status == "loaded":
        summary.loaded += 1
        summary.new_documents.append(extraction.document["document_id"])
        summary.failed_checks += sum(1 for c in extraction.checks if c.passed is False)
    else:
        summary.quarantine(str(extraction.document["source"]), str(extraction.document["error"]))


def _batches(items: Iterable[Extraction], size: int) -> Iterator[list[Extraction]]:
    batch: list[Extraction] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _record_run(con, summary: IngestSummary, started: datetime) -> None:
    from warehouse.columnar import literal  # a literal row: binding parameters would import pandas

    row = [uuid.uuid4().hex, started, datetime.now(timezone.utc).replace(tzinfo=None), summary.files_seen, summary.loaded,
           summary.unchanged, summary.quarantined, summary.duplicates, summary.superseded, summary.failed_checks, EXTRACTOR_VERSION]
    con.execute(f"INSERT INTO load_runs VALUES ({', '.join(literal(v) for v in row)})")
