"""One file in, one document's long rows, notes and checks out. No database involved.

The readers and transforms are imported when a document is read, not with this module: the
ingesting process needs only `Extraction` and the document row, and importing the whole pipeline
there would delay starting the workers that do need it.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from extractors.detect import detect_format
from extractors.model import ExtractionError, Paragraph, ReadResult
from gongkai import EXTRACTOR_VERSION
from gongkai.names import display_path, display_text, shown

if TYPE_CHECKING:
    from transforms.checks import CheckResult
    from transforms.matcher import MatchResult
    from transforms.prose import ProseValue
    from transforms.pubdate import PubDateCandidate
    from transforms.rows import LongValue, Note
    from transforms.sections import SectionText

MIN_MATCHED_ROWS = 3


def document_id_for(sha256: str) -> str:
    """Ids derive from the content: the same bytes always get the same id."""
    return sha256[:16]


@dataclass
class Extraction:
    document: dict
    values: list[LongValue] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    prose: list[ProseValue] = field(default_factory=list)  # numbers quoted in 一、总体情况
    pubdates: list[PubDateCandidate] = field(default_factory=list)  # publication-date candidates
    sections: list[SectionText] = field(default_factory=list)  # the six sections' text (assessment)

    @property
    def status(self) -> str:
        return str(self.document["status"])

    def to_json(self) -> dict:
        return {
            "document": self.document,
            "values": [asdict(v) for v in self.values],
            "checks": [asdict(c) for c in self.checks],
            "notes": [asdict(n) for n in self.notes],
            "prose": [asdict(p) for p in self.prose],
            "pubdates": [{**asdict(p), "published_on": p.published_on.isoformat()} for p in self.pubdates],
            "sections": [asdict(s) for s in self.sections],
        }


def base_document(path: Path, data: bytes) -> dict:
    sha256 = hashlib.sha256(data).hexdigest()
    return {
        "document_id": document_id_for(sha256),
        "sha256": sha256,
        "source": display_path(path),
        "format": detect_format(data),
        "size_bytes": len(data),
        "title": None, "unit": None, "unit_type": None, "unit_key": None,
        "region_code": None, "region_status": None, "region_method": None, "region_candidates": None,
        "township": None, "county": None, "city": None, "province": None,
        "year": None, "year_source": None, "template_version": None, "completeness": None,
        "status": "quarantined", "error": None,
        "extractor_version": EXTRACTOR_VERSION,
        "ingested_at": datetime.now(timezone.utc).replace(tzinfo=None),
    }


def naming(name: str, reason: str) -> str:
    """A reason starts with the file's name, once (some readers already put it there)."""
    return reason if reason.startswith(f"{name}:") else f"{name}: {reason}"


def quarantined(document: dict, reason: str) -> Extraction:
    document.update(status="quarantined", error=display_text(reason))
    return Extraction(document)


def extract_bytes(path: Path, data: bytes, scope_code: str | None = None) -> Extraction:
    from extractors.filemeta import file_meta
    from extractors.registry import read_bytes

    document = base_document(path, data)
    try:
        read = read_bytes(data, shown(path))
    except ExtractionError as exc:
        if isinstance(exc.__cause__, MemoryError):
            raise exc.__cause__  # a reader caught the memory limit: a limit, not a fault of the file
        return quarantined(document, naming(shown(path), str(exc)))
    document["format"] = read.format
    read.meta = {**file_meta(data, read.format), **read.meta}
    return extract_read(document, read, scope_code)


def extract_read(document: dict, read: ReadResult, scope_code: str | None = None) -> Extraction:
    from transforms.checks import run_checks
    from transforms.chrome import strip_chrome
    from transforms.identity import identify
    from transforms.matcher import match_document
    from transforms.prose import prose_values
    from transforms.prose_counts import splitter_hints
    from transforms.pubdate import document_candidates
    from transforms.row_order import gate_positional
    from transforms.rows import Note, build_long_values
    from transforms.sections import section_texts
    from transforms.splitter import solve_rows

    name = Path(document["source"]).name
    full = strip_chrome(read)  # keeps empty paragraphs: the empty cells of a table printed as paragraphs
    read = ReadResult(full.format, [b for b in full.blocks if not (isinstance(b, Paragraph) and not b.text.strip())],
                      full.warnings, full.meta)
    text = read.text()
    identity = identify(text.split("\n"), text, scope_code, read.meta)
    match = match_document(read)
    if not match.rows and read.format != "text":
        read, match = _tables_as_paragraphs(full, read, match)
    document.update(title=identity.title, unit=identity.unit, year=identity.year, year_source=identity.year_source)
    _apply_region(document, identity.region)
    if len(match.rows) < MIN_MATCHED_ROWS:
        return quarantined(document, f"{name}: {_no_tables_reason(identity.title, match)}")
    if identity.year is None:
        return quarantined(
            document,
            f"{name}: no report year in the title or in a statistical-period sentence (统计期限…); "
            "if it is an annual report, add the year to the title in a copy of the file and ingest the copy",
        )
    values, notes, short_rows = build_long_values(match)
    order_notes, short_rows = gate_positional(values, match, short_rows)
    notes.extend(order_notes)
    notes.extend(solve_rows(values, short_rows, splitter_hints(read)))
    notes[:0] = [Note(None, None, "info", note) for note in match.notes + read.warnings]
    document["completeness"] = completeness(values)
    if document["completeness"] < 1:
        notes.insert(0, Note(None, None, "info", _partial_note(values)))
    document.update(template_version=match.template_version, status="loaded", error=None)
    return Extraction(document, values, run_checks(values), notes, prose_values(read),
                      document_candidates(read.meta, text, read.format, identity.year), section_texts(text))


def _tables_as_paragraphs(full: ReadResult, read: ReadResult, match: MatchResult) -> tuple[ReadResult, MatchResult]:
    """No table structure (cells as <p>/<div>, a table pasted as paragraphs, a PDF without
    rulings): read the paragraphs (empty ones included) as text; kept only when that finds
    template rows."""
    from transforms.matcher import match_document
    from transforms.paragraph_tables import paragraphs_as_text

    again = paragraphs_as_text(full)
    if again is None:
        return read, match
    found = match_document(again)
    if not found.rows:
        return read, match
    found.notes.insert(0, "the tables have no table structure (cells printed as paragraphs): read as text")
    return again, found


def completeness(values: list[LongValue]) -> float:
    """Share of the template's cells (for the template this report prints) that the document gave:
    anything printed, blank included, or proven by the identities; `missing` cells were not found."""
    found = sum(1 for v in values if v.value_semantic != "missing")
    return round(found / len(values), 4) if values else 0.0


def _partial_note(values: list[LongValue]) -> str:
    from transforms.catalog import metrics

    missing = [v for v in values if v.value_semantic == "missing"]
    sections = sorted({metrics()[v.metric_id].section for v in missing if v.metric_id in metrics()})
    return (
        f"partial report: {len(values) - len(missing)} of {len(values)} template cells found; "
        f"{len(missing)} missing in section {'、'.join(sections)} (text cut short, tables as images, or rows not printed)"
    )


def _no_tables_reason(title: str | None, match) -> str:
    if match.rows and title:  # a few rows: not the tables, but not none either
        return (
            f"found only {len(match.rows)} template rows in '{title}' (a report's tables have more than {MIN_MATCHED_ROWS}); "
            "the text is cut short before its tables or they are in an attachment: get the complete report from the source"
        )
    found = f"found {len(match.rows)} template rows" if match.rows else "found no template tables"
    if title:  # identify() only returns titles that name a 政府信息公开 report
        return (
            f"{found} in '{title}'; its tables are probably images or in an attachment: "
            "get the version with text tables (Word, PDF with a text layer, or the HTML table) from the source"
        )
    return (
        f"{found} and no 政府信息公开工作年度报告 title: another kind of document (remove it from the sources) "
        "or a report printed as images (get a version with text from the source)"
    )


def _apply_region(document: dict, region) -> None:
    from transforms.regions import gazetteer

    document.update(
        region_status=region.status, region_method=region.method, unit_type=region.unit_type,
        region_candidates=" ".join(region.candidates) if region.status == "ambiguous" else None,
    )
    if region.region_code:
        document["region_code"] = region.region_code
        document.update(gazetteer().full_names(region.region_code))
    keyed_by_region = region.region_code and region.unit_type in ("township", "county", "city", "province")
    document["unit_key"] = region.region_code if keyed_by_region else f"{region.region_code or ''}:{document['unit'] or document['title'] or document['document_id']}"


def extract_file(path: Path, scope_code: str | None = None) -> Extraction:
    return extract_bytes(path, path.read_bytes(), scope_code)
