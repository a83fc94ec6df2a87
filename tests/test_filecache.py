"""The gazetteer and the label regex reloaded from the cache folder equal the ones built from the files."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from extractors import stream
from gongkai import filecache
from gongkai.paths import CACHE_ENV
from transforms import regions

UNITS = ("济源市承留镇", "城关镇", "洪泽区人民政府", "湘潭县教育局", "平潭综合实验区平潭镇", "雄安新区管理委员会", "某某县财政局")
TEXT = Path(__file__).parent / "real" / "text"


def _gazetteer_state() -> tuple:
    regions.gazetteer.cache_clear()
    places = regions.gazetteer()
    return (
        [(code, tuple(places.by_code[code])) for code in places.by_code],
        places.names,
        places.aliases,
        [places.resolve(unit).__dict__ for unit in UNITS],
    )


def _label_pattern() -> re.Pattern[str]:
    stream._label_pattern.cache_clear()
    return stream._label_pattern()


@pytest.fixture(autouse=True)
def _fresh_after() -> object:
    yield
    regions.gazetteer.cache_clear()
    stream._label_pattern.cache_clear()


def test_the_gazetteer_from_the_cache_equals_the_one_built_from_the_csvs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    built = _gazetteer_state()
    stored = list(cache.glob("value-gazetteer-*.marshal"))
    assert len(stored) == 1 and not list(cache.glob("*.part"))
    assert len(built[0]) > 40_000 and built[3][0]["region_code"] == "419001103"
    assert _gazetteer_state() == built  # read back from the file

    stored[0].write_bytes(stored[0].read_bytes()[:1000])  # damaged: built again, same result
    assert _gazetteer_state() == built
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv(CACHE_ENV, str(blocked))
    assert _gazetteer_state() == built


def test_the_label_regex_from_the_cache_is_the_one_re_compile_makes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    first = _label_pattern()
    assert list(tmp_path.glob("value-regex-*.marshal"))
    again = _label_pattern()  # from the stored program
    plain = re.compile(first.pattern)
    assert again == plain and first == plain  # Pattern equality compares the compiled program
    assert (again.groups, again.groupindex) == (plain.groups, plain.groupindex)
    texts = [p.read_text(encoding="utf-8") for p in sorted(TEXT.glob("*.txt"))]
    assert texts
    for text in texts:
        assert [m.span() + m.groups() for m in again.finditer(text)] == [m.span() + m.groups() for m in plain.finditer(text)]


def test_a_value_marshal_cannot_store_is_built_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    calls = []

    def build() -> object:
        calls.append(1)
        return {"one": object()}

    assert set(filecache.cached("odd", [b"x"], build)) == {"one"}
    assert set(filecache.cached("odd", [b"x"], build)) == {"one"} and len(calls) == 2
    assert not list(tmp_path.iterdir())
    assert filecache.cached("plain", [b"x"], lambda: [1, "二"]) == [1, "二"]
    assert filecache.cached("plain", [b"x"], lambda: "not called") == [1, "二"]
    assert filecache.cached("plain", [b"y"], lambda: "other inputs") == "other inputs"


def test_the_label_regex_is_the_same_in_every_process() -> None:
    """Cached by its text, so the text may not depend on string hashing (set order)."""
    code = "from extractors.stream import _label_pattern; import hashlib; print(hashlib.sha256(_label_pattern().pattern.encode()).hexdigest())"
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(seen) == 1 and len(next(iter(seen))) == 65
