"""The nightly job as Prefect flows: scrape -> ingest -> export, chained by `nightly`.

The flows only orchestrate: the work is done by plain functions (flows.scraper.scrape_all,
gongkai.ingest.ingest, warehouse.export.export) that also run without Prefect. Incremental
by construction: conditional GETs leave unchanged files alone, and ingest skips bytes already
loaded by the same extractor version, so a night with nothing new downloads and extracts
nothing and leaves the published warehouse file untouched.

No `from __future__ import annotations` here: Prefect validates flow parameters with pydantic
from the annotations, and a deployment run cannot resolve them as strings.
"""
import time
from collections import defaultdict
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.task_runners import ThreadPoolTaskRunner

from flows.report import NightlyReport, warehouse_facts
from flows.scraper import FetchedDocument
from flows.sources import Site, load_sources
from flows.tasks import export_summaries, ingest_documents, scrape_sites
from gongkai.ingest import IngestSummary
from gongkai.paths import DATA, DEFAULT_DB
from gongkai.workers import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, Limits
from warehouse.assessment import apply_config, league_lines
from warehouse.assessment_config import AssessmentConfigError, config_from_sources

ARTIFACT_KEY = "gongkai-nightly"
DEFAULT_SOURCES = str(DATA / "sources.yaml")
DEFAULT_RAW = str(DATA / "raw")
DEFAULT_EXPORTS = str(DATA / "exports")
DEFAULT_BATCH = 25
HOSTS_AT_ONCE = 4
"""Different hosts are crawled side by side (threads: the crawl waits on the network and on each
host's rate limit, not on the CPU); each host is still asked at its own polite rate."""


@flow(name="scrape", task_runner=ThreadPoolTaskRunner(max_workers=HOSTS_AT_ONCE), log_prints=True)
def scrape(sources: str = DEFAULT_SOURCES, raw: str = DEFAULT_RAW, fetch: dict | None = None,
           base_dir: str | None = None) -> list[FetchedDocument]:
    """Fetch new and changed report files from every configured site into the raw store."""
    logger = get_run_logger()
    config = load_sources(sources, base_dir=base_dir)
    by_host: dict[str, list[Site]] = defaultdict(list)
    for site in config.sites:
        by_host[(urlsplit(site.list_url).hostname or site.list_url).lower()].append(site)
    if not by_host:
        logger.info("no sites configured in %s", sources)
        return []
    futures = {host: scrape_sites.submit(host, sites, raw, fetch) for host, sites in by_host.items()}
    documents: list[FetchedDocument] = []
    for host, future in futures.items():
        try:
            documents += future.result()
        except Exception as exc:  # noqa: BLE001 - retries exhausted: record the sites as failed, go on
            logger.error("scraping %s failed after retries: %s", host, exc)
            documents += [FetchedDocument(path=None, sha256=None, url=s.list_url, site=s.name, county_code=s.county_code,
                                          status="failed", kind="list", error=f"scraping failed after retries: {exc}")
                          for s in by_host[host]]
    logger.info("scraped %d sites on %d hosts: %d new, %d unchanged, %d failed", len(config.sites), len(by_host),
                sum(d.status == "new" for d in documents), sum(d.status == "unchanged" for d in documents),
                sum(d.status == "failed" for d in documents))
    return documents


@flow(name="ingest", log_prints=True)
def ingest(paths: list[str], db: str = str(DEFAULT_DB), scopes: dict[str, str] | None = None, distributed: bool = False,
           batch_size: int = DEFAULT_BATCH, workers: int | None = None, timeout_s: int = DEFAULT_TIMEOUT_S,
           memory_mb: int = DEFAULT_MEMORY_MB) -> IngestSummary:
    """Extract new files and publish the warehouse.

    distributed=False: extraction in local worker processes (gongkai.workers). distributed=True:
    one task per batch on this flow's task runner (a Dask cluster), loaded here once at the end.
    scopes maps a file path to the county code that scopes its township names.
    """
    limits = Limits(timeout_s=timeout_s, memory_mb=memory_mb)
    return ingest_documents(paths, db, scopes or {}, limits, workers, distributed, batch_size)


@flow(name="export", log_prints=True)
def export(db: str = str(DEFAULT_DB), exports: str = DEFAULT_EXPORTS) -> tuple[list[str], bool]:
    """Write the CSV/XLSX summaries (skipped if they already match the published warehouse)."""
    return export_summaries(db, exports)


@flow(name="nightly", log_prints=True)
def nightly(sources: str = DEFAULT_SOURCES, db: str = str(DEFAULT_DB), raw: str = DEFAULT_RAW,
            exports: str = DEFAULT_EXPORTS, task_runner: Literal["local", "dask"] = "local",
            dask_address: str | None = None, fetch: dict | None = None, base_dir: str | None = None,
            batch_size: int = DEFAULT_BATCH, workers: int | None = None,
            hosts_at_once: int = HOSTS_AT_ONCE) -> NightlyReport:
    """Scrape the sites, ingest what is new (sites + inbox), export, and leave a summary artifact.

    base_dir: the folder relative inbox paths in the sources file are read from (default: cwd).
    fetch: overrides of flows.http_fetch.FetchSettings (timeouts, size cap, backoff, user agent).
    hosts_at_once: how many hosts are crawled side by side.
    """
    logger = get_run_logger()
    config = load_sources(sources, base_dir=base_dir)
    report = NightlyReport(sources=str(sources), db=Path(db), exports=Path(exports), task_runner=task_runner)
    try:
        _run(report, config, raw, fetch, base_dir, task_runner, dask_address, batch_size, workers, hosts_at_once)
    except Exception as exc:
        report.error = f"{type(exc).__name__}: {exc}"  # a failed night gets its summary too, then fails
        _publish(report)
        raise
    _publish(report)
    for line in report.lines():
        logger.info(line)
    return report


def _run(report: NightlyReport, config, raw: str, fetch: dict | None, base_dir: str | None, task_runner: str,
         dask_address: str | None, batch_size: int, workers: int | None, hosts_at_once: int) -> None:
    logger = get_run_logger()
    db = str(report.db)
    started = time.monotonic()
    scrape_flow = scrape.with_options(task_runner=ThreadPoolTaskRunner(max_workers=max(1, hosts_at_once)))
    report.scraped = scrape_flow(report.sources, raw, fetch, base_dir) if config.sites else []
    report.seconds["scrape"] = time.monotonic() - started

    for folder in config.inbox:
        (report.inbox if folder.is_dir() else report.missing_inbox).append(str(folder))
    for folder in report.missing_inbox:
        logger.warning("inbox folder %s does not exist; skipped", folder)
    fetched = [d for d in report.scraped if d.path is not None and d.status != "failed"]
    paths = report.inbox + sorted({str(d.path) for d in fetched})
    scopes = {str(d.path): d.county_code for d in fetched if d.county_code}
    logger.info("ingesting %d inbox folders and %d downloaded files", len(report.inbox), len(fetched))

    started = time.monotonic()
    ingest_flow = ingest
    if task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        ingest_flow = ingest.with_options(task_runner=DaskTaskRunner(address=dask_address) if dask_address else DaskTaskRunner())
    report.ingest = ingest_flow(paths, db, scopes, distributed=task_runner == "dask", batch_size=batch_size, workers=workers)
    try:
        if apply_config(report.db, config_from_sources(config)):
            logger.info("assessment settings of %s applied (scope, rule pack, deadlines)", report.sources)
    except AssessmentConfigError as exc:  # the warehouse keeps the settings it was assessed with
        logger.error("assessment settings not applied: %s", exc)
    report.league = league_lines(report.db)
    report.seconds["ingest"] = time.monotonic() - started

    started = time.monotonic()
    report.exported, report.exports_up_to_date = export(db, str(report.exports))
    report.seconds["export"] = time.monotonic() - started
    report.failed_checks_by_rule, report.documents_by_status = warehouse_facts(report.db, report.ingest.new_documents)


def _publish(report: NightlyReport) -> None:
    create_markdown_artifact(key=ARTIFACT_KEY, markdown=report.markdown(),
                             description="gongkai nightly: documents new, unchanged, quarantined; failed checks")
