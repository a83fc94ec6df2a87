"""What one nightly run did, as a record, as console lines and as the run's markdown artifact.

Plain code over plain values (no Prefect), so the summary an operator reads in the Prefect UI
and the one `gongkai nightly` prints come from the same place and can be checked in tests.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flows.scraper import FetchedDocument
from gongkai.ingest import IngestSummary
from warehouse.store import connect_read_only

MAX_LISTED = 30
"""Longer lists (failed fetches, quarantined files) are cut in the artifact; the logs and the warehouse have them all."""


@dataclass
class NightlyReport:
    sources: str
    db: Path
    exports: Path
    scraped: list[FetchedDocument] = field(default_factory=list)
    inbox: list[str] = field(default_factory=list)
    missing_inbox: list[str] = field(default_factory=list)
    ingest: IngestSummary | None = None
    exported: list[str] = field(default_factory=list)
    exports_up_to_date: bool = False
    failed_checks_by_rule: dict[str, int] = field(default_factory=dict)
    documents_by_status: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    task_runner: str = "local"
    league: list[str] = field(default_factory=list)
    """The assessment's county league of the newest year (warehouse.assessment.league_lines)."""
    error: str | None = None
    """Why the run failed, if it did; the summary then shows what was done before."""

    # --- figures --------------------------------------------------------------------------------

    def fetch_counts(self) -> Counter:
        return Counter(d.status for d in self.scraped)

    def fetch_failures(self) -> list[FetchedDocument]:
        return [d for d in self.scraped if d.status == "failed"]

    def deferred(self) -> list[FetchedDocument]:
        """Sites whose report links went over the caps: the rest are fetched on the next nights."""
        return [d for d in self.scraped if d.status == "deferred"]

    def origin_of(self, problem: str) -> str | None:
        """The URL a quarantined raw file came from (raw files are named by their hash)."""
        for document in self.scraped:
            if document.path is not None and problem.startswith(document.path.name + ":"):
                return document.url
        return None

    # --- output ---------------------------------------------------------------------------------

    def lines(self) -> list[str]:
        counts = self.fetch_counts()
        out = []
        if self.scraped:
            out.append(f"scrape: {counts['new']} new, {counts['unchanged']} unchanged, {counts['failed']} failed")
        out += [f"inbox folder not found (skipped): {p}" for p in self.missing_inbox]
        if self.ingest is not None:
            out += self.ingest.lines()
        if self.exports_up_to_date:
            out.append(f"exports: {self.exports} (already up to date with the warehouse)")
        else:
            out.append(f"exports: {self.exports} ({len(self.exported)} files written)")
        out += [f"assessment: {line}" for line in self.league]
        timing = ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
        if timing:
            out.append(f"time: {timing}")
        return out

    def markdown(self) -> str:
        s = self.ingest or IngestSummary(db=self.db)
        counts = self.fetch_counts()
        md = [
            "# gongkai nightly run", "",
            f"Sources: `{self.sources}` · task runner: {self.task_runner}", "",
            *([f"**The run failed:** {_cell(self.error)}", ""] if self.error else []),
            "| documents | count |", "|---|---:|",
            f"| new (extracted and loaded) | {s.loaded} |",
            f"| unchanged (same content, same extractor version: skipped) | {s.unchanged} |",
            f"| quarantined (not loaded; reasons below) | {s.quarantined} |",
            f"| duplicates (same content under another name or URL) | {s.duplicates} |",
            f"| superseded (a newer report for the same unit and year exists; total) | {s.superseded} |",
            f"| failed checks in new documents (勾稽关系 not met) | {s.failed_checks} |",
            f"| files seen | {s.files_seen} |", "",
        ]
        if self.scraped:
            md += ["## Downloads", "",
                   f"{counts['new']} new, {counts['unchanged']} unchanged (HTTP 304 or same bytes), "
                   f"{counts['failed']} failed or refused.", "",
                   "| site | new | unchanged | failed |", "|---|---:|---:|---:|"]
            by_site: dict[str, Counter] = {}
            for d in self.scraped:
                by_site.setdefault(d.site, Counter())[d.status] += 1
            md += [f"| {_cell(site)} | {c['new']} | {c['unchanged']} | {c['failed']} |" for site, c in by_site.items()]
            if self.deferred():
                md += ["", "Left for the next night (caps per site, `data/sources.yaml`):", ""]
                md += [f"- {_cell(d.site)}: {_cell(d.error or '')}" for d in self.deferred()]
            failures = self.fetch_failures()
            if failures:
                md += ["", "Failed or refused fetches:", ""]
                md += [f"- {_cell(d.url)}: {_cell(d.error or 'failed')}" for d in failures[:MAX_LISTED]]
                if len(failures) > MAX_LISTED:
                    md.append(f"- … and {len(failures) - MAX_LISTED} more (see the run's logs and `{self._manifest()}`)")
            md.append("")
        if self.inbox or self.missing_inbox:
            md += ["## Inbox", ""]
            md += [f"- `{p}`" for p in self.inbox]
            md += [f"- `{p}`: **folder not found, skipped**" for p in self.missing_inbox]
            md.append("")
        if s.problems:
            md += ["## Quarantined", ""]
            for problem in s.problems[:MAX_LISTED]:
                origin = self.origin_of(problem)
                md.append(f"- {_cell(problem)}" + (f" (from {_cell(origin)})" if origin else ""))
            if len(s.problems) > MAX_LISTED:
                md.append(f"- … and {len(s.problems) - MAX_LISTED} more: `SELECT source, error FROM dim_document WHERE status = 'quarantined'`")
            md.append("")
        if self.failed_checks_by_rule:
            md += ["## Failed checks in new documents", "", "| rule | failures |", "|---|---:|"]
            md += [f"| {rule} | {n} |" for rule, n in sorted(self.failed_checks_by_rule.items())]
            md.append("")
        if self.league:
            md += ["## Assessment (考核): county league, newest year", "", *[f"- {_cell(line)}" for line in self.league],
                   "", "All units and rules: `SELECT * FROM mart_assessment_score` and `mart_assessment`.", ""]
        md += ["## Where the results are", "",
               f"- Warehouse (DuckDB): `{self.db}`" + (f" — documents by status: {_status_text(self.documents_by_status)}" if self.documents_by_status else ""),
               f"- CSV/XLSX exports: `{self.exports}`" + (" (already up to date)" if self.exports_up_to_date else f" ({len(self.exported)} files written)")]
        if self.scraped:
            md.append(f"- Raw downloads and their manifest: `{self._manifest()}`")
        if self.seconds:
            md += ["", "Time: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())]
        return "\n".join(md) + "\n"

    def _manifest(self) -> str:
        for d in self.scraped:
            if d.path is not None:
                return str(d.path.parent.parent / "manifest.sqlite")
        return "data/raw/manifest.sqlite"


def warehouse_facts(db: Path, new_documents: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """(failed checks of the new documents by rule, all documents by status), read-only."""
    if not Path(db).exists():
        return {}, {}
    con = connect_read_only(db)
    try:
        statuses = dict(con.execute("SELECT status, count(*) FROM dim_document GROUP BY 1 ORDER BY 1").fetchall())
        failed: dict[str, int] = {}
        if new_documents:
            failed = dict(con.execute(
                "SELECT check_id, count(*) FROM fact_check WHERE passed = false AND document_id IN "
                "(SELECT unnest(?::VARCHAR[])) GROUP BY 1 ORDER BY 1", [new_documents]).fetchall())
    finally:
        con.close()
    return failed, statuses


def _status_text(statuses: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in statuses.items())


def _cell(text: str) -> str:
    """Text safe inside a markdown line or table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")[:400]
