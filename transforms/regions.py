"""Resolve a reporting unit's name to an administrative division code.

Township names repeat across China (88 × 城关镇), so a name resolves only when it is unique,
or when the county or city (from the title, the source's configuration or the text) leaves
one candidate. Otherwise the result says it is ambiguous and lists the candidates.

Special zones (平潭综合实验区, 雄安新区) are not divisions; data/regions/aliases.csv places them.
A unit that is a division's name plus a government suffix is that government; anything more
(…财政局, …人民政府办公厅) is a department placed at its government's code.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from gongkai.filecache import cached
from gongkai.paths import ADMIN_DIVISIONS, DATA

ALIASES_CSV = DATA / "regions" / "aliases.csv"
DIVISION_FILES = ("provinces.csv", "cities.csv", "areas.csv", "streets.csv")
MAX_NAME_CHARS = 16
GOVERNMENT_SUFFIXES = ("人民政府", "政府", "管委会", "管理委员会", "党工委管委会", "党工委、管委会", "办事处", "街道办事处")
PLACEHOLDER_CITIES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


class Division(NamedTuple):
    """A tuple, so the gazetteer's 44,000 of them are cheap to make from the cache (gongkai/filecache.py)."""

    code: str
    name: str
    level: str  # township | county | city | province
    county_code: str | None
    city_code: str | None
    province_code: str


@dataclass
class Resolution:
    status: str  # resolved | ambiguous | unresolved
    region_code: str | None = None
    level: str | None = None
    unit_type: str | None = None  # township | county | city | province | department
    method: str = ""
    candidates: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Alias:
    name: str
    region_code: str
    unit_type: str  # what the zone's own administration is: county | city | province | zone
    note: str


class Divisions(Mapping[str, Division]):
    """code -> Division, each made when asked for: making all 44,000 at load costs more than reading them."""

    def __init__(self, rows: dict[str, tuple[str | None, ...]]) -> None:
        self._rows = rows

    def __getitem__(self, code: str) -> Division:
        return Division._make(self._rows[code])

    def __contains__(self, code: object) -> bool:
        return code in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


class Gazetteer:
    """All divisions from data/admin_divisions, indexed by every name a report may print."""

    def __init__(self) -> None:
        self.by_code: Mapping[str, Division] = {}
        self.names: dict[str, list[str]] = {}
        self._load()
        self.aliases = sorted(self._aliases(), key=lambda a: len(a.name), reverse=True)

    def _aliases(self) -> list[Alias]:
        with open(ALIASES_CSV, encoding="utf-8", newline="") as fh:
            aliases = [Alias(r["name"], r["region_code"], r["unit_type"], r["note"]) for r in csv.DictReader(fh)]
        unknown = [a.region_code for a in aliases if a.region_code not in self.by_code]
        if unknown:
            raise ValueError(f"{ALIASES_CSV}: region codes not in data/admin_divisions: {', '.join(unknown)}")
        return aliases

    def _rows(self, name: str, *columns: str) -> list[tuple[str, ...]]:
        """The named columns of every row; csv.reader, since DictReader costs more than the rest of the load."""
        with open(ADMIN_DIVISIONS / name, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            pick = itemgetter(*(header.index(c) for c in columns))
            return [pick(row) for row in reader]

    def _add(self, division: Division, *names: str) -> None:
        self.by_code[division.code] = division
        for name in dict.fromkeys(names):
            if name:
                self.names.setdefault(name, []).append(division.code)

    def _load(self) -> None:
        """The divisions and the name index, from the cache when the CSVs and this code are unchanged."""
        inputs = [Path(__file__).read_bytes(), *((ADMIN_DIVISIONS / name).read_bytes() for name in DIVISION_FILES)]
        rows, self.names = cached("gazetteer", inputs, self._build)
        self.by_code = Divisions(rows)

    def _build(self) -> tuple[dict[str, tuple[str | None, ...]], dict[str, list[str]]]:
        for code, name in self._rows("provinces.csv", "code", "name"):
            self._add(Division(code, name, "province", None, None, code), name)
        for code, name, province in self._rows("cities.csv", "code", "name", "provinceCode"):
            if name in PLACEHOLDER_CITIES:
                self.by_code[code] = Division(code, name, "city", None, code, province)
                continue
            self._add(Division(code, name, "city", None, code, province), name)
        for code, name, city, province in self._rows("areas.csv", "code", "name", "cityCode", "provinceCode"):
            self._add(Division(code, name, "county", code, city, province), name)
        for code, name, county, city, province in self._rows("streets.csv", "code", "name", "areaCode", "cityCode", "provinceCode"):
            division = Division(code, name, "township", county, city, province)
            self._add(division, name, self._without_parent_prefix(division))
        return {code: tuple(d) for code, d in self.by_code.items()}, self.names

    def _without_parent_prefix(self, division: Division) -> str:
        """济源市承留镇 is printed as 承留镇: index the name without its county or city prefix."""
        for parent_code in (division.county_code, division.city_code):
            parent = self.by_code.get(parent_code or "")
            if parent and division.name.startswith(parent.name) and len(division.name) > len(parent.name) + 1:
                return division.name[len(parent.name):]
        return division.name

    def find_names(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, name) of every division name inside text."""
        found = []
        for start in range(len(text)):
            for end in range(start + 2, min(len(text), start + MAX_NAME_CHARS) + 1):
                if text[start:end] in self.names:
                    found.append((start, end, text[start:end]))
        return found

    def full_names(self, code: str) -> dict[str, str | None]:
        division = self.by_code[code]

        def name(c: str | None) -> str | None:
            found = self.by_code.get(c or "")
            return found.name if found and found.name not in PLACEHOLDER_CITIES else None

        return {
            "township": division.name if division.level == "township" else None,
            "county": name(division.county_code),
            "city": name(division.city_code),
            "province": name(division.province_code),
        }

    def parents(self, code: str) -> set[str]:
        division = self.by_code[code]
        return {c for c in (division.county_code, division.city_code, division.province_code) if c} - {code}

    def resolve(self, unit: str, context: str = "", scope_code: str | None = None) -> Resolution:
        hits = self.find_names(unit)
        # a name inside a longer one (工业园区 in 苏州工业园区) is part of it, not a division of its own
        whole = [h for h in hits if not any(o[0] <= h[0] and h[1] <= o[1] and o != h for o in hits)]
        levels = ("township", "county", "city", "province")
        alias = next((a for a in self.aliases if a.name in unit), None)
        if alias:  # unless a township is named beside the zone (平潭综合实验区某镇): that is the unit
            start = unit.index(alias.name)
            beside = [h for h in whole if h[1] <= start or h[0] >= start + len(alias.name)]
            if not any(self.by_code[c].level == "township" for _, _, n in beside for c in self.names[n]):
                return self._by_alias(unit, alias)
        for level in levels:
            codes = sorted({c for _, _, name in whole for c in self.names[name] if self.by_code[c].level == level})
            if not codes:
                continue
            longest = max(len(name) for _, _, name in whole if any(self.by_code[c].level == level for c in self.names[name]))
            codes = [c for c in codes if any(len(n) == longest and c in self.names[n] for _, _, n in whole)]
            return self._narrow(codes, level, unit, hits, context, scope_code)
        return Resolution("unresolved", method=f"no division name found in '{unit}'")

    def _by_alias(self, unit: str, alias: Alias) -> Resolution:
        rest = unit[unit.index(alias.name) + len(alias.name):]
        unit_type = alias.unit_type if rest in ("", *GOVERNMENT_SUFFIXES) else "department"
        division = self.by_code[alias.region_code]
        return Resolution("resolved", alias.region_code, division.level, unit_type,
                          f"alias {alias.name} (data/regions/aliases.csv)", [alias.region_code])

    def _is_government(self, unit: str, hits) -> bool:
        """湘潭县人民政府, 深圳市龙岗区: only division names and a government suffix."""
        rest = unit
        for _, _, name in sorted(hits, key=lambda h: len(h[2]), reverse=True):
            rest = rest.replace(name, "")
        return rest in ("", *GOVERNMENT_SUFFIXES)

    def _narrow(self, codes: list[str], level: str, unit: str, hits, context: str, scope_code: str | None) -> Resolution:
        methods = []
        named_in_unit = {c for _, _, n in hits for c in self.names[n]}
        steps = (
            ("county or city in the title", lambda c: bool(self.parents(c) & named_in_unit)),
            ("the source's county", lambda c: scope_code is not None and (c == scope_code or scope_code in self.parents(c))),
            ("county or city named in the text", lambda c: any(self.by_code[p].name in context for p in self.parents(c) if self.by_code[p].level != "province")),
        )
        for method, keep in steps:
            if len(codes) == 1:
                break
            narrowed = [c for c in codes if keep(c)]
            if narrowed:
                codes = narrowed
                methods.append(method)
        unit_type = level if level == "township" or self._is_government(unit, hits) else "department"
        if len(codes) == 1:
            return Resolution("resolved", codes[0], level, unit_type, "unique name" if not methods else "name + " + " + ".join(methods), codes)
        return Resolution("ambiguous", None, level, unit_type, f"{len(codes)} divisions share this name", codes)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer()
