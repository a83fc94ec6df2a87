"""Which provinces, years and regions an export can be asked for, and what to say when the ask is wrong.

A mistyped province used to export nothing and exit 0. Here an unknown name or year is a
ScopeError whose message lists what exists and suggests the near miss (河南 -> 河南省).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

import duckdb

UNKNOWN_PROVINCE = "未识别省份"
LEVEL_ZH = {"county": "县区", "city": "地市", "province": "省份"}


class ScopeError(ValueError):
    """The asked province, year or region does not exist in the warehouse; the message says what does."""


@dataclass(frozen=True)
class Region:
    """A province, city or county a brief can be written for."""

    level: str
    region_code: str
    name: str
    province: str


def available(con: duckdb.DuckDBPyConnection) -> dict[str, list[int]]:
    """Provinces with their years of current reports (a report with no province under 未识别省份)."""
    rows = con.execute(f"""
        SELECT coalesce(province, '{UNKNOWN_PROVINCE}') AS province, list(DISTINCT year ORDER BY year)
        FROM dim_document WHERE status = 'loaded' AND year IS NOT NULL GROUP BY 1 ORDER BY 1
    """).fetchall()
    return {province: list(years) for province, years in rows}


def listing(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Lines for `gongkai export --list`: one province per line with its years and report counts."""
    rows = con.execute(f"""
        SELECT coalesce(province, '{UNKNOWN_PROVINCE}'), year, count(*) FROM dim_document
        WHERE status = 'loaded' AND year IS NOT NULL GROUP BY ALL ORDER BY 1, 2
    """).fetchall()
    by_province: dict[str, list[str]] = {}
    for province, year, reports in rows:
        by_province.setdefault(province, []).append(f"{year} ({reports} 份报告)")
    if not by_province:
        return ["the warehouse holds no current reports yet; run `gongkai ingest` first"]
    return [f"{province}: {', '.join(years)}" for province, years in by_province.items()]


def suggest(name: str, names: list[str]) -> str | None:
    """The closest existing name: a unique one that starts with what was typed, else difflib's best."""
    starts = [n for n in names if n.startswith(name)]
    if len(starts) == 1:
        return starts[0]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    return close[0] if close else None


def _near(name: str, names: list[str]) -> str:
    hint = suggest(name, names)
    return f"did you mean {hint}? " if hint else ""


def check(con: duckdb.DuckDBPyConnection, province: str | None, year: int | None) -> None:
    """Raise ScopeError unless the province and year (either may be None) have current reports."""
    have = available(con)
    if not have:
        raise ScopeError("the warehouse holds no current reports yet; run `gongkai ingest` first")
    if province is not None and province not in have:
        raise ScopeError(f"no reports for province {province!r}: {_near(province, list(have))}"
                         f"provinces in the warehouse: {', '.join(have)} (see `gongkai export --list`)")
    years = sorted(set(have[province] if province else [y for ys in have.values() for y in ys]))
    if year is not None and year not in years:
        within = f" for {province}" if province else ""
        raise ScopeError(f"no reports for year {year}{within}: years available{within}: "
                         f"{', '.join(map(str, years))} (see `gongkai export --list`)")


def region(con: duckdb.DuckDBPyConnection, name: str, year: int) -> Region:
    """The province, city or county called `name` (or with that code) that has rollups for `year`."""
    rows = con.execute("""
        SELECT DISTINCT level, region_code, region_name, province FROM mart_region_year WHERE year = ?
        ORDER BY CASE level WHEN 'province' THEN 0 WHEN 'city' THEN 1 ELSE 2 END, region_code
    """, [year]).fetchall()
    if not rows:
        raise ScopeError(f"no rollups for year {year}; years available: "
                         f"{', '.join(map(str, sorted({y for ys in available(con).values() for y in ys})))}")
    hits = [Region(*r) for r in rows if name in (r[1], r[2])]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        choices = ", ".join(f"{h.region_code} ({h.province}{h.name}, {LEVEL_ZH[h.level]})" for h in hits)
        raise ScopeError(f"{name!r} names {len(hits)} regions in {year}: pass the code instead: {choices}")
    names = [r[2] for r in rows]
    raise ScopeError(f"no province, city or county {name!r} with reports in {year}: {_near(name, names)}"
                     f"regions with reports: {', '.join(names[:30])}{' …' if len(names) > 30 else ''}")
