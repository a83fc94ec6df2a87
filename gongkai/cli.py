"""The `gongkai` command. Plain commands never import Prefect; only `nightly` and `serve` pay for it.

Every failure a person can fix ends in one line naming the cause and the fix and an exit code of
its own (gongkai/errors.py, listed in the README); none ends in a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gongkai import EXTRACTOR_VERSION, __version__
from gongkai.errors import Exit, UserError
from gongkai.paths import DEFAULT_DB

INTERRUPTED = "interrupted; nothing was published; the warehouse is as it was"


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (cause and fix), not the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(Exit.USAGE, f"{self.prog}: {message}; see `{self.prog} --help`\n")


def positive_int(text: str) -> int:
    """An option value that must be a whole number ≥ 1 (workers, seconds, megabytes)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; give one of at least 1") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small; give a whole number of at least 1")
    return value


def version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version  # its import costs more than an ingest's parsing

    try:
        duckdb_version = version("duckdb")
    except PackageNotFoundError:  # pragma: no cover - duckdb is a hard dependency
        duckdb_version = "not installed"
    return f"gongkai {__version__} (extractor {EXTRACTOR_VERSION}, DuckDB {duckdb_version})"


class VersionAction(argparse.Action):
    """--version, with the versions looked up only when asked for."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:  # noqa: A002
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object, option_string: str | None = None) -> None:
        print(version_text())
        parser.exit()


def warehouse_path(text: str, must_exist: bool) -> Path:
    """--db as a path; a folder or a missing warehouse is named with what to do."""
    path = Path(text)
    if path.is_dir():
        raise UserError(Exit.DB_NOT_A_WAREHOUSE, f"--db {path} is a folder, not a warehouse file; give the file, e.g. --db {path / 'warehouse.duckdb'}")
    if must_exist and not path.exists():
        raise UserError(Exit.NOT_FOUND, f"no warehouse at {path}; run `gongkai ingest` first, or give its file with --db")
    return path


def writable_folder(text: str, option: str = "--out") -> Path:
    """An output folder that can be written, created later if missing; checked before any work is done."""
    out = Path(text)
    if out.exists() and not out.is_dir():
        raise UserError(Exit.OUT_NOT_A_FOLDER, f"{option} {out} is a file, not a folder; give a folder (it is created if missing)")
    existing = next(p for p in (out, *out.absolute().parents) if p.exists())
    if not existing.is_dir():
        raise UserError(Exit.OUT_NOT_A_FOLDER, f"{option} {out}: {existing} is a file, not a folder; give a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise UserError(Exit.OUT_NOT_WRITABLE, f"cannot write to {existing} ({exc.strerror or exc}); make it writable or give another folder with {option}") from None
    return out


def cmd_ingest(args: argparse.Namespace) -> int:
    from gongkai.ingest import ingest
    from gongkai.progress import DocumentProgress
    from gongkai.storage import location
    from gongkai.workers import Limits

    db = warehouse_path(args.db, must_exist=False)
    limits = Limits(timeout_s=args.timeout, memory_mb=args.memory_mb)
    with DocumentProgress() as progress:
        try:
            summary = ingest([location(p) for p in args.paths], db, limits=limits, workers=args.jobs, on_document=progress.update)
        except FileNotFoundError as exc:
            raise UserError(Exit.NOT_FOUND, f"{exc}; check the path") from None
    print("\n".join(summary.lines()))
    return Exit.OK


def cmd_extract(args: argparse.Namespace) -> int:
    from gongkai.workers import Job, Limits, run_isolated

    path = Path(args.file)
    if not path.is_file():
        raise UserError(Exit.NOT_FOUND, f"{path}: no such file; give the path of one report")
    # in a worker process under the same time and memory limits as ingest: one page must not take the machine
    extraction = run_isolated(Job(path, args.county_code), Limits(timeout_s=args.timeout, memory_mb=args.memory_mb))
    json.dump(extraction.to_json(), sys.stdout, ensure_ascii=False, indent=1, default=str)
    sys.stdout.write("\n")
    return Exit.OK if extraction.status == "loaded" else Exit.FAILED


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from gongkai.output import write_result
    from warehouse.store import connect_query, query_error

    db = warehouse_path(args.db, must_exist=True)
    try:
        con = connect_query(db)
    except duckdb.Error as exc:
        raise UserError(Exit.DB_NOT_A_WAREHOUSE, f"--db {db} cannot be opened as a warehouse ({_first_line(exc)}); give the file `gongkai ingest` wrote") from None
    try:
        try:
            result = con.execute(args.sql)
        except duckdb.Error as exc:
            _raise_fault(db, exc)
            refused = query_error(exc)
            if refused.startswith("refused:"):
                raise UserError(Exit.USAGE, refused) from None
            raise UserError(Exit.INVALID_SQL, f"invalid SQL: {_first_line(exc)}; the tables and columns are in docs/warehouse.md") from None
        if result is None or result.description is None:
            raise UserError(Exit.EMPTY_SQL, 'no SQL statement to run; give one, e.g. gongkai query "SELECT * FROM units LIMIT 5"')
        names = [d[0] for d in result.description]
        try:
            rows = result.fetchall()
        except duckdb.Error as exc:
            _raise_fault(db, exc)
            raise UserError(Exit.INVALID_SQL, f"the query failed: {_first_line(exc)}") from None
    finally:
        con.close()
    write_result(names, rows, args.format, sys.stdout)
    return Exit.OK


def _raise_fault(db: Path, exc: BaseException) -> None:
    """A damaged file or a lock met while the query runs is the warehouse's state, not the SQL's fault."""
    from warehouse.faults import translate

    problem = translate(db, exc)
    if problem is not None:
        raise problem from None


def _first_line(exc: BaseException) -> str:
    """DuckDB's message without the echoed statement and caret lines."""
    text = str(exc).split("\nLINE ", 1)[0]
    return " ".join(text.split())


@contextmanager
def _deliverable_errors() -> Iterator[None]:
    """What an export, a brief or a release can meet, as the one-line errors and exit codes of every command."""
    from warehouse.atomic import ExportError
    from warehouse.scope import ScopeError

    try:
        yield
    except (ScopeError, FileNotFoundError) as exc:
        raise UserError(Exit.NOT_FOUND, str(exc)) from None
    except (ExportError, PermissionError) as exc:
        raise UserError(Exit.OUT_NOT_WRITABLE, str(exc)) from None


def cmd_export(args: argparse.Namespace) -> int:
    from gongkai.progress import GroupProgress
    from warehouse.export import export, open_warehouse
    from warehouse.scope import listing

    db = warehouse_path(args.db, must_exist=True)
    if args.list:
        con = open_warehouse(db)
        try:
            print("\n".join(listing(con)))
        finally:
            con.close()
        return Exit.OK
    if not args.out:
        raise UserError(Exit.USAGE, "--out DIR is required (or --list to see the provinces and years)")
    out = writable_folder(args.out)
    with _deliverable_errors(), GroupProgress() as progress:
        written = export(db, out, province=args.province, year=args.year, pdf=not args.no_pdf, progress=progress.update)
    for path in written:
        print(path)
    return Exit.OK


def cmd_brief(args: argparse.Namespace) -> int:
    from warehouse.export import write_brief

    db = warehouse_path(args.db, must_exist=True)
    out = writable_folder(args.out)
    with _deliverable_errors():
        written = write_brief(db, out, args.scope, args.year, pdf=not args.no_pdf)
    for path in written:
        print(path)
    return Exit.OK


def cmd_release(args: argparse.Namespace) -> int:
    from warehouse.release import release

    db = warehouse_path(args.db, must_exist=True)
    out = writable_folder(args.out)
    with _deliverable_errors():
        folder = release(db, out)
    print(folder)
    print((folder / "CHANGELOG.md").read_text(encoding="utf-8").strip().splitlines()[2])
    return Exit.OK


def cmd_correct(args: argparse.Namespace) -> int:
    from warehouse.corrections import Correction, CorrectionError, append_corrections, cell_correction, corrections_file, document_sha, now
    from warehouse.store import connect_read_only

    try:
        con = connect_read_only(Path(args.db))
    except FileNotFoundError as exc:
        print(f"gongkai correct: {exc}", file=sys.stderr)
        return 2
    try:
        if args.not_report:
            row = Correction(now(), args.who, args.why, "not_report", document_sha(con, args.document_id))
        elif args.metric_id and args.value is not None:
            row = cell_correction(con, args.document_id, args.metric_id, args.applicant, args.value, args.who, args.why, args.kind)
        else:
            print("gongkai correct: give METRIC_ID and --value, or --not-report", file=sys.stderr)
            return 2
        append_corrections(corrections_file(), [row])
    except CorrectionError as exc:
        print(f"gongkai correct: {exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    print(f"recorded in {corrections_file()}: {row.kind} {row.metric_id or ''} {row.applicant or ''} {row.old_value or '-'} -> {row.new_value or '-'}"
          "; applied at the next `gongkai ingest`")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from gongkai.review.server import serve

    return serve(Path(args.db), host=args.host, port=args.port, token=args.token)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="gongkai", description="政府信息公开工作年度报告 -> DuckDB warehouse. "
                    "Exit codes: README.md, 'Exit codes'.")
    parser.add_argument("--version", action=VersionAction, help="print the gongkai, extractor and DuckDB versions and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    db_help = "the warehouse file (default: %(default)s)"

    p = sub.add_parser("ingest", help="extract files and folders (recursively) into the warehouse",
                       description="Extract files and folders (recursively) into the warehouse; it is built aside and published once, at the end.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders of them")
    p.add_argument("--db", default=str(DEFAULT_DB), help=db_help)
    p.add_argument("--jobs", type=positive_int, default=None, help="worker processes, at least 1 (default: all cores)")
    p.add_argument("--timeout", type=positive_int, default=120, help="seconds allowed per document, at least 1 (default: %(default)s)")
    p.add_argument("--memory-mb", type=positive_int, default=3072, help="memory allowed per document in MB, at least 1 (default: %(default)s)")
    p.add_argument("--lock-wait", type=positive_int, default=None,
                   help="seconds to wait for another run's lock on the warehouse (default: $GONGKAI_LOCK_WAIT_S, else 60)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("extract", help="one document's values, notes and checks as JSON (no database)",
                       description="Print one document's values, notes and checks as JSON on stdout; touches no database.")
    p.add_argument("file", metavar="FILE", help="one report file (PDF, DOCX, HTML, text, …)")
    p.add_argument("--county-code", default=None, help="6-digit county code that scopes township names (default: none)")
    p.add_argument("--timeout", type=positive_int, default=120, help="seconds allowed, at least 1, as in ingest (default: %(default)s)")
    p.add_argument("--memory-mb", type=positive_int, default=3072, help="memory allowed in MB, at least 1, as in ingest (default: %(default)s)")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("query", help="run SQL against the warehouse, read-only",
                       description="Run one SQL statement against the warehouse, read-only and sandboxed.")
    p.add_argument("sql", metavar="SQL", help='one SQL statement, e.g. "SELECT * FROM units LIMIT 5"')
    p.add_argument("--db", default=str(DEFAULT_DB), help=db_help)
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="table: aligned columns, NULL shown as NULL; csv: formula cells neutralised as in exports; json: records (default: %(default)s)")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("export", help="per province and year: CSVs, workbook, brief; bulk files",
                       description="Per province and year: CSVs (UTF-8 with BOM, Chinese headers), a workbook and a brief; plus a long CSV and Parquet across them.")
    p.add_argument("--out", default=None, help="folder to write into, created if missing (files appear there only when all are written)")
    p.add_argument("--list", action="store_true", help="list the provinces and years available, then stop")
    p.add_argument("--db", default=str(DEFAULT_DB), help=db_help)
    p.add_argument("--province", default=None, help="only this province, by name, e.g. 河南省 (default: all)")
    p.add_argument("--year", type=positive_int, default=None, help="only this statistical year, e.g. 2024 (default: all)")
    p.add_argument("--no-pdf", action="store_true", help="write the briefs as HTML only (the PDF needs headless chromium)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("brief", help="a brief (HTML and PDF) for a province, city or county",
                       description="A brief for one province, city or county and year: key figures, charts, a table per county, "
                                   "units that did not report, the largest failed checks. HTML that opens offline, and its PDF.")
    p.add_argument("--scope", required=True, help="the province, city or county, by name (e.g. 湘潭县) or region code")
    p.add_argument("--year", type=positive_int, required=True, help="the statistical year, e.g. 2024")
    p.add_argument("--out", required=True, help="folder to write into, created if missing")
    p.add_argument("--db", default=str(DEFAULT_DB), help=db_help)
    p.add_argument("--no-pdf", action="store_true", help="write the HTML only")
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("release", help="a versioned bundle: bulk files, DuckDB file, changelog",
                       description="Write DIR/gongkai-<date>/ with the bulk files of every current report, a consistent copy of the "
                                   "warehouse, the data dictionary, a validation report and a changelog since the previous release in DIR.")
    p.add_argument("--out", required=True, help="the releases folder (each release is a new subfolder)")
    p.add_argument("--db", default=str(DEFAULT_DB), help=db_help)
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("correct", help="record a correction of one cell, applied at the next ingest",
                       description="Record a correction of one cell (or a 'not a report' mark); it is applied at the next ingest.")
    p.add_argument("document_id", help="the document (16 hex digits, see `documents`)")
    p.add_argument("metric_id", nargs="?", help="the cell's metric, e.g. requests.received (omit with --not-report)")
    p.add_argument("--applicant", default=None, help="applicant column of section 三 (natural_person, ..., total)")
    p.add_argument("--value", default=None, help="the corrected value, in digits")
    p.add_argument("--kind", choices=["value", "accept_inferred", "pick_split"], default="value",
                   help="value: set the value; accept_inferred: confirm an inferred cell; pick_split: choose a candidate split (default: %(default)s)")
    p.add_argument("--not-report", action="store_true", help="mark a quarantined file as not an annual report")
    p.add_argument("--who", required=True, help="who makes the correction (kept with it)")
    p.add_argument("--why", required=True, help="why, e.g. what the source shows (kept with it)")
    p.add_argument("--db", default=str(DEFAULT_DB), help=db_help)
    p.set_defaults(func=cmd_correct)

    p = sub.add_parser("review", help="web app: review queue, sources beside numbers, corrections",
                       description="The review web application: the queue, the source beside the numbers, corrections.")
    p.add_argument("--db", default=str(DEFAULT_DB), help=db_help)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (anything but loopback needs --token)")
    p.add_argument("--port", type=positive_int, default=8765, help="port to listen on (default: %(default)s)")
    p.add_argument("--token", default=None, help="access token, required when binding beyond 127.0.0.1")
    p.set_defaults(func=cmd_review)

    _add_flow_commands(sub)
    return parser


def _add_flow_commands(sub) -> None:
    """Prefect-backed commands; imported lazily so plain commands start fast."""
    try:
        from flows.cli import add_commands
    except ImportError:
        return
    add_commands(sub)


def _silence_stdout() -> None:
    """After a closed pipe (`gongkai query … | head`): send what is left nowhere, quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _leave_now(code: int) -> None:
    """End the program at once after Ctrl-C. CPython's ProcessPoolExecutor can hang interpreter exit when a
    worker was interrupted while sending its result (the pool's manager thread waits forever for the rest of
    the message), and nothing is left to clean up by then: the staged copy was removed on the way out."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(code))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "lock_wait", None) is not None:
        os.environ["GONGKAI_LOCK_WAIT_S"] = str(args.lock_wait)
    prog = f"gongkai {args.command}"
    try:
        code = int(args.func(args))
        sys.stdout.flush()
        return code
    except UserError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return int(exc.code)
    except KeyboardInterrupt:
        print(f"\n{prog}: {INTERRUPTED}", file=sys.stderr)
        if argv is None:
            _leave_now(Exit.INTERRUPTED)
        return Exit.INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return Exit.OK


if __name__ == "__main__":
    sys.exit(main())
