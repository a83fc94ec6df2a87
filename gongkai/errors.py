"""What the `gongkai` command tells a person when their input or the machine is the problem.

A `UserError` is a one-line message naming the cause and the fix, and an exit code of its own
(README.md, "Exit codes", lists them), so scripts can tell the cases apart. The CLI prints
it and exits; nobody sees a traceback for their own mistake or the machine's state.
"""
from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    FAILED = 1  # extract: the document was quarantined; nightly/serve: the flow failed
    USAGE = 2  # a bad option or option value (argparse's code); a query refused because it would change something
    NOT_FOUND = 3  # an input file or folder, or the warehouse, does not exist
    EMPTY_SQL = 4
    INVALID_SQL = 5  # syntax, unknown table or column, a value that cannot be converted
    DB_NOT_A_WAREHOUSE = 6  # --db is a folder or a file that is not a DuckDB database (or a damaged one)
    OUT_NOT_A_FOLDER = 7  # --out is an existing file
    OUT_NOT_WRITABLE = 8  # the output folder cannot be written (read-only, permissions, full)
    WAREHOUSE_LOCKED = 9  # another `gongkai ingest`/nightly holds the writer lock longer than the wait
    WAREHOUSE_OPEN = 10  # another program has the warehouse open read-write (DuckDB's own lock)
    NO_SPACE = 11  # the disk holding the warehouse is too full to build the new copy
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


class UserError(Exception):
    """A problem a person can fix; `str()` is the one line to show."""

    def __init__(self, code: Exit, message: str) -> None:
        super().__init__(message)
        self.code = code


class WarehouseBusy(UserError):
    """Another writer holds the warehouse's writer lock for longer than the wait allowed."""

    def __init__(self, message: str) -> None:
        super().__init__(Exit.WAREHOUSE_LOCKED, message)


class WarehouseOpen(UserError):
    """Another process has the warehouse open read-write (DuckDB's own file lock)."""

    def __init__(self, message: str) -> None:
        super().__init__(Exit.WAREHOUSE_OPEN, message)


class NoSpace(UserError):
    """The disk holding the warehouse is too full to build the new copy."""

    def __init__(self, message: str) -> None:
        super().__init__(Exit.NO_SPACE, message)


class WarehouseDamaged(UserError):
    """The warehouse file is truncated or not DuckDB; the message says how to restore the last good one."""

    def __init__(self, message: str) -> None:
        super().__init__(Exit.DB_NOT_A_WAREHOUSE, message)
