"""Corrections made by people, kept outside the rebuilt warehouse and laid over it at every publish.

The store is one append-only CSV (default `data/corrections/corrections.csv`, git-friendly). A row
names the document by sha256 and the cell by (metric_id, applicant), never by warehouse row ids, so it
survives a rebuild and a re-extraction. At publish the overlay
1. undoes last publish's overlay (the extracted value comes back from `extracted_value`),
2. decides each correction's status: the newest correction of a cell counts; it is applied only when the
   document is current and the cell still holds the value the person saw (`old_value`); otherwise it is
   flagged `stale` for another look, never applied silently,
3. writes the applied values with `value_semantic = 'corrected'`, the extracted value kept beside them,
   and stores every correction with its status in `fact_correction` (view `report_corrections`).
Rules are documented in docs/corrections.md.
"""
from __future__ import annotations

import csv
import fcntl
import hashlib
import math
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from gongkai.paths import DATA
from warehouse.columnar import drop_tables, literal, values_table  # literals: binding parameters would import pandas

ENV = "GONGKAI_CORRECTIONS"
CELL_KINDS = ("value", "accept_inferred", "pick_split")
DOCUMENT_KINDS = ("not_report", "replacement")
KINDS = CELL_KINDS + DOCUMENT_KINDS
KIND_ZH = {"value": "更正数值", "accept_inferred": "确认推定值", "pick_split": "选定拆分", "not_report": "非年度报告", "replacement": "替换文件"}
TOLERANCE = 1e-6
META_KEY = "corrections"


class CorrectionError(ValueError):
    """A correction that cannot be recorded; the message says what to fix."""


@dataclass(frozen=True)
class Correction:
    """One row of the corrections file: who decided what about which cell of which document, and why."""

    recorded_at: str
    who: str
    why: str
    kind: str
    sha256: str
    metric_id: str = ""
    applicant: str = ""
    old_value: str = ""
    new_value: str = ""
    file: str = ""  # replacement: the stored file, relative to the corrections folder

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise CorrectionError(f"unknown kind '{self.kind}'; use one of {', '.join(KINDS)}")
        if not self.who.strip() or not self.why.strip():
            raise CorrectionError("a correction needs a name (who) and a reason (why)")
        if len(self.sha256) != 64 or any(c not in "0123456789abcdef" for c in self.sha256):
            raise CorrectionError(f"'{self.sha256}' is not a document sha256 (64 hex digits)")
        if self.kind in CELL_KINDS:
            if not self.metric_id:
                raise CorrectionError("a cell correction needs the metric_id")
            value = parse_number(self.new_value)
            if value is None or value < 0:
                raise CorrectionError(f"new value '{self.new_value}' is not a number ≥ 0; enter the figure as printed in digits")
        if self.kind == "replacement" and not self.file:
            raise CorrectionError("a replacement needs the stored file")


COLUMNS = [f.name for f in fields(Correction)]


def corrections_file() -> Path:
    """The store in use: $GONGKAI_CORRECTIONS, else data/corrections/corrections.csv."""
    return Path(os.environ.get(ENV) or DATA / "corrections" / "corrections.csv")


def now() -> str:
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


def parse_number(text: str | None) -> float | None:
    if text is None or not str(text).strip():
        return None
    try:
        value = float(str(text).replace(",", "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def format_number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:g}" if float(value).is_integer() else repr(float(value))


def read_corrections(path: Path) -> list[Correction]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = set(COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise CorrectionError(f"{path}: missing column(s) {', '.join(sorted(missing))}; the header must be {','.join(COLUMNS)}")
        return [Correction(**{c: (row.get(c) or "").strip() for c in COLUMNS}) for row in reader]


def append_corrections(path: Path, rows: Iterable[Correction]) -> list[Correction]:
    """Append (never rewrite) under an exclusive lock; the header is written with the first row."""
    rows = list(rows)
    for row in rows:
        row.validate()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8", newline="") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.seek(0, os.SEEK_END)
            writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
            if fh.tell() == 0:
                writer.writeheader()
            for row in rows:
                writer.writerow(asdict(row))
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    return rows


def store_replacement(path: Path, data: bytes, suffix: str) -> tuple[str, str]:
    """Keep a replacement file beside the store, named by its bytes; returns (sha256, relative name)."""
    sha = hashlib.sha256(data).hexdigest()
    suffix = suffix.lower() if suffix.startswith(".") and suffix[1:].isalnum() and len(suffix) <= 6 else ""
    folder = path.parent / "files"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sha}{suffix}"
    if not target.exists():
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return sha, f"files/{target.name}"


def replacement_files(path: Path) -> list[Path]:
    """Replacement files recorded in the store, to be ingested with the next run."""
    files = [path.parent / c.file for c in read_corrections(path) if c.kind == "replacement" and c.file]
    return sorted({f for f in files if f.is_file()})


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "none"


def needs_publish(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    """True when the store changed since the warehouse was last published."""
    try:
        found = con.execute(f"SELECT value FROM warehouse_meta WHERE key = {literal(META_KEY)}").fetchone()
    except duckdb.CatalogException:
        found = None
    stored = found[0] if found else "none"
    return stored != fingerprint(path)


FRAME_COLUMNS = {"correction_no": "INTEGER", "recorded_at": "TIMESTAMP", "who": "VARCHAR", "why": "VARCHAR", "kind": "VARCHAR",
                 "sha256": "VARCHAR", "metric_id": "VARCHAR", "applicant": "VARCHAR", "old_value": "DOUBLE", "new_value": "DOUBLE",
                 "file": "VARCHAR", "replacement_sha256": "VARCHAR"}


def _recorded(text: str) -> datetime | None:
    """recorded_at as a UTC timestamp; a time that does not parse is NULL, not a failed publish."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _frame_rows(rows: list[Correction]) -> list[list]:
    """The corrections as the rows of `corrections_frame` (FRAME_COLUMNS): numbers parsed, empty names NULL."""
    return [[no, _recorded(r.recorded_at), r.who, r.why, r.kind, r.sha256, r.metric_id or None, r.applicant or None,
             parse_number(r.old_value), parse_number(r.new_value), r.file or None, Path(r.file).stem if r.file else None]
            for no, r in enumerate(rows, start=1)]


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Columns and table of the overlay; an older warehouse file gains them in place."""
    con.execute("ALTER TABLE fact_value ADD COLUMN IF NOT EXISTS extracted_value DOUBLE")
    con.execute("ALTER TABLE fact_value ADD COLUMN IF NOT EXISTS extracted_semantic VARCHAR")


def _revert(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        UPDATE fact_value SET value = extracted_value, value_semantic = extracted_semantic,
                              extracted_value = NULL, extracted_semantic = NULL
        WHERE value_semantic = 'corrected'
    """)
    con.execute("UPDATE dim_document SET status = 'quarantined' WHERE status IN ('not_report', 'replaced')")


STATUS_SQL = f"""
INSERT INTO fact_correction
WITH typed AS (
    SELECT correction_no::INTEGER AS correction_no, recorded_at::TIMESTAMP AS recorded_at, who::VARCHAR AS who, why::VARCHAR AS why,
           kind::VARCHAR AS kind, sha256::VARCHAR AS sha256, metric_id::VARCHAR AS metric_id, applicant::VARCHAR AS applicant,
           old_value::DOUBLE AS old_value, new_value::DOUBLE AS new_value, file::VARCHAR AS file,
           replacement_sha256::VARCHAR AS replacement_sha256
    FROM corrections_frame
), c AS (
    SELECT *, row_number() OVER (
        PARTITION BY sha256, CASE WHEN kind IN {CELL_KINDS} THEN 'cell' ELSE kind END, coalesce(metric_id, ''), coalesce(applicant, '')
        ORDER BY correction_no DESC) AS newest
    FROM typed
), joined AS (
    SELECT c.*, d.document_id, d.status AS document_status, d.superseded_by,
           v.metric_id IS NOT NULL AS cell_found, coalesce(v.extracted_value, v.value) AS current_value, r.document_id AS replacement_id,
           r.status AS replacement_status
    FROM c
    LEFT JOIN dim_document d ON d.sha256 = c.sha256
    LEFT JOIN fact_value v ON v.document_id = d.document_id AND v.metric_id = c.metric_id
                          AND v.applicant IS NOT DISTINCT FROM c.applicant AND c.kind IN {CELL_KINDS}
    LEFT JOIN dim_document r ON r.sha256 = c.replacement_sha256
)
SELECT correction_no, recorded_at, who, why, kind, sha256, document_id, metric_id, applicant, old_value, new_value, file,
       current_value,
       CASE
           WHEN newest > 1 THEN 'superseded'
           WHEN document_id IS NULL THEN 'missing'
           WHEN kind IN {CELL_KINDS} AND document_status = 'superseded' THEN 'stale'
           WHEN kind IN {CELL_KINDS} AND document_status <> 'loaded' THEN 'stale'
           WHEN kind IN {CELL_KINDS} AND NOT cell_found THEN 'stale'
           WHEN kind IN {CELL_KINDS} AND NOT ((old_value IS NULL AND current_value IS NULL)
                                             OR abs(old_value - current_value) <= {TOLERANCE}) THEN 'stale'
           WHEN kind = 'not_report' AND document_status <> 'quarantined' THEN 'stale'
           WHEN kind = 'replacement' AND replacement_id IS NULL THEN 'pending'
           WHEN kind = 'replacement' AND document_status IN ('quarantined', 'superseded') THEN 'applied'
           WHEN kind = 'replacement' THEN 'stale'
           ELSE 'applied'
       END AS status,
       CASE
           WHEN newest > 1 THEN 'a later correction of the same cell takes its place'
           WHEN document_id IS NULL THEN 'the document is not in this warehouse (never ingested here, or its file changed)'
           WHEN kind IN {CELL_KINDS} AND document_status = 'superseded'
               THEN 'the document was superseded by ' || coalesce(superseded_by, '?') || '; look at the current report'
           WHEN kind IN {CELL_KINDS} AND document_status <> 'loaded' THEN 'the document is ' || document_status || ', it has no values'
           WHEN kind IN {CELL_KINDS} AND NOT cell_found THEN 'the document has no such cell (metric_id, applicant)'
           WHEN kind IN {CELL_KINDS} AND NOT ((old_value IS NULL AND current_value IS NULL)
                                             OR abs(old_value - current_value) <= {TOLERANCE})
               THEN 'the extracted value is now ' || coalesce(printf('%g', current_value), 'empty') || ', it was '
                    || coalesce(printf('%g', old_value), 'empty') || ' when corrected; look again'
           WHEN kind = 'not_report' AND document_status <> 'quarantined'
               THEN 'the document now reads as a report (' || document_status || '); look again'
           WHEN kind = 'replacement' AND replacement_id IS NULL THEN 'the replacement file is ingested by the next `gongkai ingest`'
           WHEN kind = 'replacement' AND document_status = 'quarantined' THEN 'replaced by ' || replacement_id
           WHEN kind = 'replacement' AND document_status = 'superseded' THEN 'superseded by ' || coalesce(superseded_by, '?')
           WHEN kind = 'replacement'
               THEN 'the replacement ' || replacement_id || ' (' || replacement_status || ') did not take its place: different unit or year; look again'
           ELSE 'applied'
       END AS detail
FROM joined
ORDER BY correction_no
"""


def apply_corrections(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> dict[str, int]:
    """The overlay, run inside the staged build just before publishing. Returns counts by status."""
    path = corrections_file() if path is None else path
    migrate(con)
    _revert(con)
    values_table(con, "corrections_frame", FRAME_COLUMNS, _frame_rows(read_corrections(path)))
    con.execute("DELETE FROM fact_correction")
    try:
        con.execute(STATUS_SQL)
    finally:
        drop_tables(con, "corrections_frame")
    con.execute(f"""
        UPDATE fact_value v
        SET extracted_value = v.value, extracted_semantic = v.value_semantic, value = c.new_value, value_semantic = 'corrected'
        FROM fact_correction c
        WHERE c.status = 'applied' AND c.kind IN {CELL_KINDS} AND v.document_id = c.document_id
          AND v.metric_id = c.metric_id AND v.applicant IS NOT DISTINCT FROM c.applicant
    """)
    con.execute("""
        UPDATE dim_document d SET status = CASE c.kind WHEN 'not_report' THEN 'not_report' ELSE 'replaced' END
        FROM fact_correction c
        WHERE c.status = 'applied' AND c.kind IN ('not_report', 'replacement') AND d.document_id = c.document_id
          AND d.status = 'quarantined'
    """)
    con.execute("CREATE TABLE IF NOT EXISTS warehouse_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute(f"INSERT OR REPLACE INTO warehouse_meta VALUES ({literal(META_KEY)}, {literal(fingerprint(path))})")
    return dict(con.execute("SELECT status, count(*) FROM fact_correction GROUP BY 1").fetchall())


def cell_correction(con: duckdb.DuckDBPyConnection, document_id: str, metric_id: str, applicant: str | None,
                    new_value: str, who: str, why: str, kind: str = "value") -> Correction:
    """A correction of one cell, its old value read from the warehouse (the extracted value, as the person saw it)."""
    found = con.execute("""
        SELECT d.sha256, coalesce(v.extracted_value, v.value)
        FROM fact_value v JOIN dim_document d USING (document_id)
        WHERE d.document_id = ? AND v.metric_id = ? AND v.applicant IS NOT DISTINCT FROM ?
    """, [document_id, metric_id, applicant or None]).fetchone()
    if found is None:
        raise CorrectionError(f"document {document_id} has no cell {metric_id} × {applicant or '-'}")
    sha, old = found
    return Correction(now(), who.strip(), why.strip(), kind, sha, metric_id, applicant or "", format_number(old), new_value.strip())


def document_sha(con: duckdb.DuckDBPyConnection, document_id: str) -> str:
    found = con.execute("SELECT sha256 FROM dim_document WHERE document_id = ?", [document_id]).fetchone()
    if found is None:
        raise CorrectionError(f"no document {document_id} in the warehouse")
    return found[0]
