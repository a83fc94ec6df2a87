"""`gongkai nightly` and `gongkai serve`: the only commands that pay for Prefect's start-up.

Prefect is imported inside the command functions, never at module level: gongkai/cli.py
imports this module for every command, and `gongkai query` must stay instant.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from gongkai.cli import positive_int, warehouse_path, writable_folder
from gongkai.storage import is_url
from gongkai.paths import DATA, DEFAULT_DB

SCHEDULE_CRON = "0 2 * * *"
SCHEDULE_TIMEZONE = "Asia/Shanghai"
DEPLOYMENT_NAME = "gongkai"


def add_commands(sub) -> None:
    p = sub.add_parser("nightly", help="the nightly job once: scrape, ingest, export (no server)",
                       description="Run the nightly job once: scrape, ingest, export (Prefect ephemeral mode, no server needed).")
    _job_options(p)
    p.set_defaults(func=cmd_nightly)

    p = sub.add_parser("serve", help=f"the nightly job on cron '{SCHEDULE_CRON}' on a Prefect server",
                       description=f"Serve the nightly job on cron '{SCHEDULE_CRON}' ({SCHEDULE_TIMEZONE}); needs a Prefect server.")
    _job_options(p)
    p.set_defaults(func=cmd_serve)


def _job_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sources", default=str(DATA / "sources.yaml"), help="YAML file of inbox folders and sites (default: %(default)s)")
    p.add_argument("--db", default=str(DEFAULT_DB), help="the published warehouse (default: %(default)s)")
    p.add_argument("--raw", default=str(DATA / "raw"), help="raw downloads and their manifest (default: %(default)s)")
    p.add_argument("--exports", default=str(DATA / "exports"), help="CSV/XLSX summaries (default: %(default)s)")
    p.add_argument("--task-runner", choices=["local", "dask"], default="local",
                   help="local: extraction in worker processes here; dask: one task per batch on a Dask cluster")
    p.add_argument("--dask-address", default=None, help="scheduler of the Dask cluster, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--batch-size", type=positive_int, default=None, help="documents per extraction task on Dask")
    p.add_argument("--jobs", type=positive_int, default=None, help="extraction processes per machine (default: all cores)")
    p.add_argument("--hosts-at-once", type=positive_int, default=None, help="portal hosts crawled side by side (default: 4)")


def _parameters(args: argparse.Namespace) -> dict:
    """Flow parameters: absolute paths, so a served run does not depend on where it starts."""
    params = {
        "sources": str(Path(args.sources).resolve()),
        "db": str(Path(args.db).resolve()),
        "raw": str(Path(args.raw).resolve()),
        "exports": str(Path(args.exports).resolve()),
        "task_runner": args.task_runner,
        "dask_address": args.dask_address,
        "base_dir": str(Path.cwd()),
        "workers": args.jobs,
    }
    if args.batch_size:
        params["batch_size"] = args.batch_size
    if args.hosts_at_once:
        params["hosts_at_once"] = args.hosts_at_once
    return params


def _check_sources(args: argparse.Namespace, command: str) -> int:
    """Validate the sources file before paying for Prefect: a typo should fail in a second."""
    from flows.sources import SourcesError, load_sources
    from warehouse.assessment_config import AssessmentConfigError, config_from_sources

    try:
        config_from_sources(load_sources(args.sources))
    except (SourcesError, AssessmentConfigError) as exc:
        print(f"gongkai {command}: {exc}", file=sys.stderr)
        return 2
    if args.dask_address and args.task_runner != "dask":
        print(f"gongkai {command}: --dask-address needs --task-runner dask", file=sys.stderr)
        return 2
    warehouse_path(args.db, must_exist=False)  # a folder, or an exports folder that cannot be written, fails here
    if not is_url(args.exports):  # (a UserError: one line, its own exit code), not after the scrape
        writable_folder(args.exports, "--exports")
    return 0


def _need_server(command: str, why: str) -> int:
    from flows.prefect_env import START_SERVER_HINT, configured_api_url, server_problem

    problem = server_problem(configured_api_url())
    if problem:
        print(f"gongkai {command}: {why}, but {problem}.\n{START_SERVER_HINT}", file=sys.stderr)
        return 2
    return 0


def cmd_nightly(args: argparse.Namespace) -> int:
    from flows.prefect_env import configure_environment, configured_api_url

    configure_environment()
    status = _check_sources(args, "nightly")
    if status:
        return status
    if args.task_runner == "dask":
        status = _need_server("nightly", "--task-runner dask reports task runs from the Dask workers to a Prefect server")
        if status:
            return status
    if not configured_api_url():
        print("starting Prefect in ephemeral mode (a temporary local server; 10-30 s)...", file=sys.stderr, flush=True)
    started = time.monotonic()
    from flows.nightly import nightly

    state = nightly(**_parameters(args), return_state=True)
    if not state.is_completed():
        print(f"gongkai nightly: the run ended {state.type.value}: {state.message or ''}", file=sys.stderr)
        return 1
    report = state.result()
    print("\n".join(report.lines()))
    print(f"warehouse: {report.db}   CSV summaries: {report.exports}   ({time.monotonic() - started:.1f} s in all)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.prefect_env import configure_environment

    configure_environment()
    status = _check_sources(args, "serve") or _need_server(
        "serve", "scheduling the nightly job needs a running Prefect server (an ephemeral one cannot schedule)")
    if status:
        return status
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from flows.nightly import nightly

    print(f"serving deployment nightly/{DEPLOYMENT_NAME} on '{SCHEDULE_CRON}' ({SCHEDULE_TIMEZONE}); Ctrl-C to stop",
          file=sys.stderr, flush=True)
    nightly.serve(
        name=DEPLOYMENT_NAME,
        schedule=Cron(SCHEDULE_CRON, timezone=SCHEDULE_TIMEZONE),
        parameters=_parameters(args),
        description="Scrape county portals and the inbox, ingest new reports, publish the warehouse, export CSVs.",
        tags=["gongkai"],
        limit=1,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    return 0
