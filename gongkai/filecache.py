"""Per-machine cache of values that are slow to build and fast to reload: the gazetteer, the label regex.

Every worker process builds the same few structures from the same files at start-up (44,000 regions
from data/admin_divisions, a 27,000-character regex of every template label). Building them costs
more CPU than reading a small document, so the result is kept in the cache folder (see
`gongkai.paths.cache_folder`) under a name that hashes everything it was built from: a change to an
input names another file. Values are stored with `marshal` (plain tuples, lists, dicts and strings
only: no code runs on load). A missing, unreadable or unwritable cache only means building again.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import re
import sys
from typing import Any, Callable

from gongkai.paths import cache_folder

_PREFIX = "value"


def cached(name: str, inputs: list[bytes], build: Callable[[], Any]) -> Any:
    """build(), or its stored copy when one was stored for the same inputs (and Python version)."""
    digest = hashlib.blake2b(sys.version.encode(), digest_size=12)
    for part in inputs:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    path = cache_folder() / f"{_PREFIX}-{name}-{digest.hexdigest()}.marshal"
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):  # missing, damaged or unreadable: build it again
        pass
    value = build()
    part_path = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part_path.write_bytes(marshal.dumps(value))
        os.replace(part_path, path)  # concurrent writers: each writes its own part, the last replace wins
    except (OSError, ValueError):  # unwritable cache folder (ValueError: a value marshal cannot store)
        try:
            part_path.unlink(missing_ok=True)
        except OSError:
            pass
    return value


def compile_regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """re.compile(pattern, flags), reusing the compiled program a previous process stored.

    For the label regex, turning the parsed pattern into the matcher's program is 0.1 s of CPU
    (hundreds of copies of one character class); the program is a list of integers. It is handed to
    the same constructor `re.compile` calls (`_sre.compile`, which validates it), so the pattern
    matches exactly as one compiled here. Anything unexpected falls back to `re.compile`.
    """
    try:
        import _sre
        from re import _compiler, _parser  # type: ignore[attr-defined]
    except ImportError:  # another Python: no shortcut
        return re.compile(pattern, flags)

    def build() -> tuple:
        parsed = _parser.parse(pattern, flags)
        code = [int(c) for c in _compiler._code(parsed, flags)]  # opcodes are an int subclass marshal refuses
        groups = parsed.state.groupdict
        index = [None] * parsed.state.groups
        for group, i in groups.items():
            index[i] = group
        return (flags | parsed.state.flags, code, parsed.state.groups - 1, dict(groups), tuple(index))

    try:
        all_flags, code, groups, groupindex, indexgroup = cached("regex", [pattern.encode(), str(flags).encode()], build)
        return _sre.compile(pattern, all_flags, code, groups, groupindex, indexgroup)
    except Exception:  # noqa: BLE001 - private constructor changed: compile the ordinary way
        return re.compile(pattern, flags)
