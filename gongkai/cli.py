"""The `gongkai` command. Plain commands never import Prefect; only `nightly` and `serve` pay for it."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gongkai.paths import DEFAULT_DB


def _progress(done: int, total: int) -> None:
    if total >= 20 and (done == total or done % max(1, total // 20) == 0):
        print(f"  extracted {done}/{total}", file=sys.stderr, flush=True)


def cmd_ingest(args: argparse.Namespace) -> int:
    from gongkai.ingest import ingest
    from gongkai.storage import location
    from gongkai.workers import Limits

    limits = Limits(timeout_s=args.timeout, memory_mb=args.memory_mb)
    try:
        summary = ingest([location(p) for p in args.paths], Path(args.db), limits=limits, workers=args.jobs, progress=_progress)
    except FileNotFoundError as exc:
        print(f"gongkai ingest: {exc}", file=sys.stderr)
        return 2
    print("\n".join(summary.lines()))
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from gongkai.workers import Job, Limits, extract_limited

    path = Path(args.file)
    if not path.is_file():
        print(f"gongkai extract: {path}: no such file", file=sys.stderr)
        return 2
    extraction = extract_limited(Job(path, args.county_code), Limits())
    json.dump(extraction.to_json(), sys.stdout, ensure_ascii=False, indent=1, default=str)
    sys.stdout.write("\n")
    return 0 if extraction.status == "loaded" else 1


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.store import connect_query, query_error

    try:
        con = connect_query(Path(args.db))
    except FileNotFoundError as exc:
        print(f"gongkai query: {exc}", file=sys.stderr)
        return 2
    try:
        frame = con.execute(args.sql).df()
    except duckdb.Error as exc:
        print(f"gongkai query: {query_error(exc)}", file=sys.stderr)
        return 2
    finally:
        con.close()
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif args.format == "json":
        sys.stdout.write(frame.to_json(orient="records", force_ascii=False, date_format="iso") + "\n")
    else:
        import pandas as pd

        with pd.option_context("display.max_rows", 500, "display.max_columns", 50, "display.width", 200):
            print(frame.to_string(index=False))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse.atomic import ExportError
    from warehouse.export import export, open_warehouse
    from warehouse.scope import ScopeError, listing

    try:
        if args.list:
            con = open_warehouse(Path(args.db))
            try:
                print("\n".join(listing(con)))
            finally:
                con.close()
            return 0
        if not args.out:
            print("gongkai export: --out DIR is required (or --list to see the provinces and years)", file=sys.stderr)
            return 2
        written = export(Path(args.db), Path(args.out), province=args.province, year=args.year)
    except (FileNotFoundError, ScopeError, ExportError) as exc:
        print(f"gongkai export: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gongkai", description="政府信息公开工作年度报告 -> DuckDB warehouse")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="extract files and folders (recursively) into the warehouse")
    p.add_argument("paths", nargs="+")
    p.add_argument("--db", default=str(DEFAULT_DB))
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--timeout", type=int, default=120, help="seconds allowed per document")
    p.add_argument("--memory-mb", type=int, default=3072, help="memory allowed per document")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("extract", help="print one document's rows, notes and checks as JSON (no database)")
    p.add_argument("file")
    p.add_argument("--county-code", default=None, help="county code that scopes township names")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("query", help="run SQL against the warehouse, read-only")
    p.add_argument("sql")
    p.add_argument("--db", default=str(DEFAULT_DB))
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("export", help="per province and year: CSVs, workbook, brief; plus a long CSV and Parquet across them")
    p.add_argument("--out", default=None, help="folder to write into (files appear there only when all are written)")
    p.add_argument("--list", action="store_true", help="list the provinces and years available, then stop")
    p.add_argument("--db", default=str(DEFAULT_DB))
    p.add_argument("--province", default=None)
    p.add_argument("--year", type=int, default=None)
    p.set_defaults(func=cmd_export)

    _add_flow_commands(sub)
    return parser


def _add_flow_commands(sub) -> None:
    """Prefect-backed commands; imported lazily so plain commands start fast."""
    try:
        from flows.cli import add_commands
    except ImportError:
        return
    add_commands(sub)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
