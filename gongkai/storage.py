"""Files in object storage (S3 or anything else fsspec reaches), seen through the few parts of
`pathlib.Path` the ingest and the raw store use.

A report given as `s3://bucket/inbox/x.pdf` becomes an `ObjectPath`: a Job holding one can be
pickled to any Dask worker, which reads the bytes from the bucket itself, so the workers need no
shared file system. Only the URL travels; the connection is made where the file is read, from the
usual AWS settings there (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ENDPOINT_URL` for an
S3-compatible server such as MinIO, or `~/.aws/config`). The local worker pool is the exception:
its processes fork from a server started once, so each job there carries the submitting process's
AWS_*/FSSPEC_* settings (`client_settings`). fsspec is imported only for such paths.
"""
from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, Union


def is_url(text: str | Path) -> bool:
    return isinstance(text, str) and "://" in text


@dataclass(frozen=True)
class ObjectStat:
    st_size: int
    st_mtime_ns: int


class ObjectPath:
    """One object (or a key prefix, for a folder) under an fsspec URL such as s3://bucket/key."""

    __slots__ = ("url",)

    def __init__(self, url: str) -> None:
        protocol, _, rest = url.partition("://")
        self.url = f"{protocol}://{rest.strip('/')}"

    # --- names ----------------------------------------------------------------------------------
    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"ObjectPath({self.url!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ObjectPath) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)

    def __lt__(self, other: ObjectPath) -> bool:
        return self.url < other.url

    def __truediv__(self, name: str) -> ObjectPath:
        return ObjectPath(f"{self.url}/{name}")

    def __reduce__(self):
        return ObjectPath, (self.url,)

    @property
    def name(self) -> str:
        return posixpath.basename(self._key())

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix

    @property
    def parent(self) -> ObjectPath:
        protocol = self.url.split("://", 1)[0]
        return ObjectPath(f"{protocol}://{posixpath.dirname(self._key())}")

    def relative_to(self, other: ObjectPath) -> PurePosixPath:
        return PurePosixPath(self._key()).relative_to(other._key())

    def _key(self) -> str:
        return self.url.split("://", 1)[1]

    # --- I/O ------------------------------------------------------------------------------------
    def _fs(self) -> Any:
        """The filesystem and path inside it; fsspec caches one client per process and settings."""
        import fsspec

        return fsspec.core.url_to_fs(self.url)

    def stat(self) -> ObjectStat:
        fs, path = self._fs()
        try:
            info = fs.info(path)
        except FileNotFoundError as exc:
            raise FileNotFoundError(2, "no such object", self.url) from exc
        modified = info.get("LastModified") or info.get("mtime") or info.get("created")
        seconds = modified.timestamp() if hasattr(modified, "timestamp") else float(modified or 0)
        return ObjectStat(int(info.get("size") or 0), int(seconds * 1e9))

    def open(self, mode: str = "rb") -> IO[bytes]:
        fs, path = self._fs()
        return fs.open(path, mode)

    def read_bytes(self) -> bytes:
        fs, path = self._fs()
        try:
            return fs.cat_file(path)
        except FileNotFoundError as exc:
            raise FileNotFoundError(2, "no such object", self.url) from exc

    def write_bytes(self, data: bytes) -> None:
        fs, path = self._fs()
        fs.pipe_file(path, data)

    def upload(self, local: Path) -> None:
        fs, path = self._fs()
        fs.put_file(str(local), path)

    def download(self, local: Path) -> None:
        fs, path = self._fs()
        fs.get_file(path, str(local))

    def exists(self) -> bool:
        fs, path = self._fs()
        return fs.exists(path)

    def is_file(self) -> bool:
        fs, path = self._fs()
        return fs.isfile(path)

    def is_dir(self) -> bool:
        fs, path = self._fs()
        return fs.isdir(path)

    def files(self) -> list[ObjectPath]:
        """Every object under this prefix, sorted (the object-store counterpart of rglob)."""
        fs, path = self._fs()
        protocol = self.url.split("://", 1)[0]
        return sorted(ObjectPath(f"{protocol}://{key}") for key in fs.find(path))

    def glob(self, pattern: str) -> list[ObjectPath]:
        fs, path = self._fs()
        protocol = self.url.split("://", 1)[0]
        return sorted(ObjectPath(f"{protocol}://{key}") for key in fs.glob(f"{path}/{pattern}"))


AnyPath = Union[Path, ObjectPath]


def location(text: str | Path) -> AnyPath:
    """A command-line or configured location: an fsspec URL becomes an ObjectPath, anything else a Path."""
    return ObjectPath(text) if is_url(text) else Path(text)


CLIENT_SETTING_PREFIXES = ("AWS_", "FSSPEC_")
"""Environment variables that configure object-storage clients (boto/s3fs and fsspec)."""


def client_settings(path: AnyPath) -> dict[str, str] | None:
    """This process's storage-client settings, for a local worker about to read `path` from a bucket.
    A local pool's processes are forked from a server started once, with the environment of that
    moment; the settings of the moment a file is submitted are the ones that must apply."""
    if not isinstance(path, ObjectPath):
        return None
    return {k: v for k, v in os.environ.items() if k.startswith(CLIENT_SETTING_PREFIXES)}


def use_client_settings(settings: dict[str, str] | None) -> None:
    """Adopt the submitting process's storage-client settings in this worker. Cached clients were made
    with the old ones, so they are dropped when anything changed."""
    if not settings:
        return
    stale = [k for k in os.environ if k.startswith(CLIENT_SETTING_PREFIXES) and k not in settings]
    changed = bool(stale) or any(os.environ.get(k) != v for k, v in settings.items())
    if not changed:
        return
    for k in stale:
        del os.environ[k]
    os.environ.update(settings)
    import fsspec

    for protocol in ("s3", "s3a"):
        try:
            fsspec.get_filesystem_class(protocol).clear_instance_cache()
        except (ImportError, ValueError):
            pass  # that protocol's client is not installed
