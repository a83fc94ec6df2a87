"""Prefect tasks: thin wrappers that call the plain functions.

One task per group of sites (a host's sites share one polite crawler and its rate limit), one
per batch of documents to extract on a Dask cluster, one for loading and one for exporting.
Never one per cell or per row. No task caches its result: the project's own bookkeeping (the
raw store's manifest, sha256 + extractor version in the warehouse) decides what is new.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.tasks import exponential_backoff

from flows.batch import extract_in_child
from flows.http_fetch import FetchSettings
from flows.scraper import FetchedDocument, scrape_all
from flows.sources import Site, Sources
from gongkai.extract import Extraction, base_document, quarantined
from gongkai.ingest import IngestSummary, ingest
from gongkai.storage import location
from gongkai.workers import Job, Limits
from warehouse.export import export

EXPORT_STAMP = ".gongkai-export.json"


@task(name="scrape-sites", task_run_name="scrape {host}", retries=2,
      retry_delay_seconds=exponential_backoff(backoff_factor=10), retry_jitter_factor=0.5, cache_policy=NO_CACHE)
def scrape_sites(host: str, sites: list[Site], raw: str, fetch: dict | None = None) -> list[FetchedDocument]:
    """Crawl the sites on one host (retried with backoff if the crawl itself breaks)."""
    logger = get_run_logger()
    settings = FetchSettings(**fetch) if fetch else None
    documents = scrape_all(Sources(sites=tuple(sites)), raw, settings=settings)
    for site in sites:
        mine = [d for d in documents if d.site == site.name]
        logger.info("site %s: %d new, %d unchanged, %d failed", site.name,
                    sum(d.status == "new" for d in mine), sum(d.status == "unchanged" for d in mine),
                    sum(d.status == "failed" for d in mine))
    return documents


@task(name="extract-batch", task_run_name="extract batch {number}", retries=1, retry_delay_seconds=10,
      cache_policy=NO_CACHE)
def extract_batch(number: int, jobs: list[Job], limits: Limits, workers: int | None = None) -> list[Extraction]:
    """Extract a batch where this task runs (a Dask worker), in a child process with per-document limits."""
    return extract_in_child(jobs, limits, workers)


def on_task_runner(batch_size: int, workers: int | None) -> Callable[[list[Job], Limits, int | None], Iterator[Extraction]]:
    """An `extract` for gongkai.ingest.ingest that submits one task per batch to the flow's task runner."""

    def extract(jobs: list[Job], limits: Limits, _workers: int | None) -> Iterator[Extraction]:
        logger = get_run_logger()
        batches = [jobs[i:i + batch_size] for i in range(0, len(jobs), batch_size)]
        if batches:
            logger.info("extracting %d documents in %d batches on the task runner", len(jobs), len(batches))
        futures = {}
        for number, batch in enumerate(batches, start=1):
            futures[extract_batch.submit(number, batch, limits, workers)] = batch
        done = 0
        for future in as_completed(list(futures)):
            batch = futures[future]
            try:
                extractions = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost batch is quarantined with the reason, the night goes on
                logger.error("a batch of %d documents failed: %s", len(batch), exc)
                extractions = [_lost(job, f"extraction on the cluster failed: {exc}") for job in batch]
            done += len(batch)
            logger.info("extracted %d/%d documents", done, len(jobs))
            yield from extractions

    return extract


def _lost(job: Job, reason: str) -> Extraction:
    return quarantined(base_document(job.path, job.path.read_bytes()), f"{job.path.name}: {reason}")


@task(name="ingest-documents", cache_policy=NO_CACHE)
def ingest_documents(paths: list[str], db: str, scopes: dict[str, str], limits: Limits, workers: int | None,
                     distributed: bool, batch_size: int) -> IngestSummary:
    """gongkai.ingest.ingest: new files are extracted, then loaded into a copy swapped in once."""
    logger = get_run_logger()

    def progress(done: int, total: int) -> None:
        logger.info("loaded %d/%d new documents", done, total)

    extract = on_task_runner(batch_size, workers) if distributed else None
    summary = ingest([location(p) for p in paths], Path(db), scope=lambda path: scopes.get(str(path)),
                     limits=limits, workers=workers, progress=progress, **({"extract": extract} if extract else {}))
    for line in summary.lines():
        logger.info(line)
    return summary


@task(name="export-summaries", cache_policy=NO_CACHE)
def export_summaries(db: str, out: str) -> tuple[list[str], bool]:
    """CSV/XLSX summaries; skipped when the exports already match this exact warehouse file."""
    logger = get_run_logger()
    db_path, out_path = Path(db), Path(out)
    stamp = _stamp(db_path)
    stamp_file = out_path / EXPORT_STAMP
    if stamp_file.exists() and stamp_file.read_text(encoding="utf-8") == stamp:
        logger.info("exports in %s are up to date with %s", out_path, db_path)
        return [], True
    written = [str(p) for p in export(db_path, out_path)]
    out_path.mkdir(parents=True, exist_ok=True)
    stamp_file.write_text(stamp, encoding="utf-8")
    logger.info("exported %d files to %s", len(written), out_path)
    return written, False


def _stamp(db: Path) -> str:
    """Identifies one published warehouse file: a swap-in makes a new inode and mtime."""
    info = os.stat(db)
    return json.dumps({"db": str(db.resolve()), "inode": info.st_ino, "mtime_ns": info.st_mtime_ns, "size": info.st_size})
