"""Decode bytes of unknown encoding: Chinese government text is UTF-8, GBK or GB2312."""
from __future__ import annotations

import codecs

GB_ALIASES = {"gb2312", "gbk", "gb_2312", "gb-2312", "x-gbk", "cp936", "euc-cn", "gb_2312-80", "hz-gb-2312"}


def python_codec(label: str) -> str | None:
    """Map a declared charset to a codec; GB2312/GBK are read as their superset GB18030."""
    name = label.strip().strip("\"'").lower()
    if name in GB_ALIASES or name.startswith("gb2312"):
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used). BOM first, then the declared charset, UTF-8, GB18030, then detection."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(codec), codec
    candidates = [c for c in (python_codec(declared) if declared else None, "utf-8", "gb18030") if c]
    for codec in dict.fromkeys(candidates):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best), best.encoding
    return data.decode("gb18030", errors="replace"), "gb18030"
