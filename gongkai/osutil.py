"""Small operating-system helpers shared by the ingest, the workers and the warehouse store."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path


def sha256_file(path: Path) -> str:
    """Hash a file in chunks, so a huge file is never held in memory (a local Path or a storage.ObjectPath)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pid_alive(pid: int) -> bool:
    """True while the process runs; a killed process waiting to be reaped (a zombie) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def mount_point(path: Path) -> Path:
    """The mount point of the file system that holds path (for "no space left on /data")."""
    current = Path(os.path.abspath(path))
    while not current.exists() and current != current.parent:
        current = current.parent
    while not os.path.ismount(current):
        current = current.parent
    return current


def file_system(path: Path) -> str:
    """"<mount point> (<type>)", e.g. "/data (ext4)"; the type is left out where /proc/mounts is not readable."""
    mount = mount_point(path)
    kind = None
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            fields = line.split()
            if len(fields) > 2 and fields[1] == str(mount):
                kind = fields[2]  # the last mount on a point is the one in effect
    except OSError:
        pass
    return f"{mount} ({kind})" if kind else str(mount)
