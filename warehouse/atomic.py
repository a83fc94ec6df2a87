"""The one way every deliverable is written: into a hidden folder beside the target, renamed at the end.

CSV, XLSX, Parquet, the brief and the release bundle all go through `staged_output`. A writer
asks the staging area for a path (`file()` or `folder()`), writes there, and nothing appears
under the target folder until every file is written and synced; then each declared entry is
renamed into place. An export killed half-way or stopped by a full disk leaves only a
`.gongkai-partial-*` folder (removed by the next export), never a file that looks complete, and
the error names the file and what to do.
"""
from __future__ import annotations

import errno
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gongkai.osutil import pid_alive

PARTIAL = ".gongkai-partial-"
OLD = ".gongkai-old-"
PAUSE_ENV = "GONGKAI_EXPORT_PAUSE_BEFORE_COMMIT"
"""Test hook: seconds to sleep once everything is staged, before the rename (to kill an export there)."""


class ExportError(RuntimeError):
    """An export could not be written; the message is one line naming the file and the fix."""


def _remove_stale(out: Path) -> None:
    """Remove what an export that died left behind (its process is gone)."""
    for stale in [*out.glob(f"{PARTIAL}*"), *out.glob(f"{OLD}*")]:
        pid = stale.name.split("-")[2] if stale.name.count("-") >= 3 else ""
        if pid.isdigit() and int(pid) != os.getpid() and pid_alive(int(pid)):
            continue
        shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)


def _need_mb(root: Path) -> int:
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) if root.exists() else 0
    return max(1, 2 * size // (1 << 20))


class Staging:
    """A private folder beside `out`; entries declared with file()/folder() are renamed into `out` at commit."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        _remove_stale(self.out)
        self.root = self.out / f"{PARTIAL}{os.getpid()}-{secrets.token_hex(4)}"
        self.root.mkdir()
        self.entries: list[str] = []
        self.current: Path | None = None  # the file being written, for the error message

    def file(self, relative: str | Path) -> Path:
        """A staged path for one file that will appear as out/relative."""
        return self._declare(Path(relative), is_dir=False)

    def folder(self, relative: str | Path) -> Path:
        """A staged folder that will replace out/relative as a whole."""
        return self._declare(Path(relative), is_dir=True)

    def _declare(self, relative: Path, is_dir: bool) -> Path:
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"{relative}: staged paths are relative to the output folder")
        staged = self.root / relative
        (staged if is_dir else staged.parent).mkdir(parents=True, exist_ok=True)
        if relative.as_posix() not in self.entries:
            self.entries.append(relative.as_posix())
        self.current = self.out / relative
        return staged

    def writing(self, path: Path) -> Path:
        """Note which file is being written (inside a staged folder) so an error can name it."""
        self.current = self.out / path.relative_to(self.root)
        return path

    def commit(self) -> list[Path]:
        """Sync everything, then rename each entry into place; returns the final paths."""
        self._sync()
        pause = os.environ.get(PAUSE_ENV)
        if pause:
            time.sleep(float(pause))
        old = self.out / f"{OLD}{os.getpid()}-{secrets.token_hex(4)}"
        final: list[Path] = []
        for number, relative in enumerate(self.entries):
            staged, target = self.root / relative, self.out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if staged.is_dir() and target.exists():
                old.mkdir(exist_ok=True)
                os.rename(target, old / str(number))  # a folder cannot be replaced in one rename
            os.replace(staged, target)
            final.append(target)
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)
        _fsync_dir(self.out)
        return final

    def _sync(self) -> None:
        """Sync every staged file: a full disk may only show when the data reaches it."""
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                self.writing(path)
                with open(path, "rb+") as fh:
                    os.fsync(fh.fileno())

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def describe(exc: OSError, stage: Staging) -> str:
    """One line: which file, what went wrong, what to do."""
    where = stage.current or stage.out
    if exc.errno == errno.ENOSPC:
        return (f"no space left on the disk holding {stage.out} while writing {where} "
                f"(need about {_need_mb(stage.root)} MB): free some space or pass --out on another disk; nothing was replaced")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {where}: {exc.strerror}; make {stage.out} writable or pass another --out; nothing was replaced"
    return f"writing {where} failed: {exc.strerror or exc}; nothing was replaced, run the export again"


@contextmanager
def staged_output(out: Path) -> Iterator[Staging]:
    """Stage every file of one export or release; publish them together only if the block completes."""
    try:
        stage = Staging(out)
    except OSError as exc:
        raise ExportError(f"cannot create the output folder {out}: {exc.strerror or exc}; pass another --out") from exc
    try:
        yield stage
        stage.commit()
    except OSError as exc:
        stage.discard()
        raise ExportError(describe(exc, stage)) from exc
    except BaseException:
        stage.discard()
        raise
