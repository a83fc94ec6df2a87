"""Normalise printed labels into comparison keys.

Reports print the same label with full- or half-width brackets, spaces, line breaks,
numbering ("（三）", "1.", "三、") and quotes; the key keeps only the words.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NUMBERING = re.compile(
    r"^(?:"
    r"[一二三四五六七八九十]+[、.．]"
    r"|\(?[一二三四五六七八九十]+\)"
    r"|\d{1,2}[、.．)]"
    r"|\(\d{1,2}\)"
    r")"
)
_PUNCT = re.compile(r"[\s\"'“”‘’()（）\[\]【】《》〈〉,，、.。:：;；!！?？/／\\|·…—\-_]+")


def to_halfwidth(text: str) -> str:
    """NFKC folds full-width digits, letters and brackets to ASCII."""
    return unicodedata.normalize("NFKC", text)


def collapse(text: str) -> str:
    """Text as printed minus whitespace (labels wrap one character per line in PDFs)."""
    return re.sub(r"\s+", "", to_halfwidth(text.replace("\u00a0", " ")))


def strip_numbering(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _NUMBERING.sub("", text, count=1)
    return text


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """The comparison key of a label: no whitespace, numbering or punctuation."""
    return _PUNCT.sub("", strip_numbering(collapse(text)))
