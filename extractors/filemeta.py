"""Header fields a file carries outside its report text: HTML <meta> tags and the page's 发布时间 line,
PDF document information, DOCX core properties.

They feed ReadResult.meta (see extractors/model.py) so that transforms/pubdate.py can date a
document. Reading them is cheap and never fails a document: a damaged header gives no fields.
"""
from __future__ import annotations

import html
import io
import re
import zipfile

from lxml import etree

_META_TAG = re.compile(rb"<meta\s[^>]*>", re.IGNORECASE)
_ATTR = re.compile(rb"""([A-Za-z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
HEADER_LABELS = ("发布时间", "发布日期", "公开日期", "成文日期", "发文日期")
_LABELLED = re.compile(r"(" + "|".join(HEADER_LABELS) + r")\s*[:：]\s*([0-9][0-9年月日/.\-: ]{7,24})")
_HTML_DATE_NAMES = frozenset({
    "pubdate", "publishdate", "firstpublishedtime", "lastmodifiedtime", "article:published_time",
    "article:modified_time", "dc.date", "dc.date.issued", "dcterms.issued", "date", "weibo:article:create_at",
})


def file_meta(data: bytes, fmt: str) -> dict[str, str]:
    """The header fields of a file of the given detected format (empty when it has none)."""
    try:
        if fmt == "html":
            return html_meta(data)
        if fmt == "pdf":
            return pdf_meta(data)
        if fmt == "docx":
            return docx_meta(data)
    except Exception:  # noqa: BLE001 - a header we cannot read dates nothing; the report is read anyway
        return {}
    return {}


def html_meta(data: bytes) -> dict[str, str]:
    """Date-bearing <meta> tags (as html:<name>) and the first labelled 发布时间 line of the page."""
    out: dict[str, str] = {}
    for tag in _META_TAG.findall(data[:200_000]):
        attrs = {m.group(1).lower(): (m.group(2) or m.group(3) or m.group(4) or b"") for m in _ATTR.finditer(tag)}
        name = (attrs.get(b"name") or attrs.get(b"property") or attrs.get(b"itemprop") or b"").decode("ascii", "replace")
        content = attrs.get(b"content")
        if name.lower() in _HTML_DATE_NAMES and content:
            out.setdefault(f"html:{name}", _decode(content).strip())
    text = html.unescape(_TAGS.sub(" ", _decode(data)))
    out.update(labelled_fields(text))
    return out


def labelled_fields(text: str) -> dict[str, str]:
    """The first 发布时间 / 发布日期 / … value of each label in a page or header text."""
    out: dict[str, str] = {}
    for match in _LABELLED.finditer(text):
        out.setdefault(match.group(1), match.group(2).strip())
    return out


def pdf_meta(data: bytes) -> dict[str, str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        info = doc.get_metadata_dict(skip_empty=True)
    finally:
        doc.close()
    return {f"pdf:{k}": v for k, v in info.items() if k in ("CreationDate", "ModDate")}


def docx_meta(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        if "docProps/core.xml" not in zf.namelist():
            return {}
        root = etree.fromstring(zf.read("docProps/core.xml"))
    out = {}
    for el in root:
        local = etree.QName(el).localname
        if local in ("created", "modified") and (el.text or "").strip():
            out[f"docx:{local}"] = el.text.strip()
    return out


def _decode(data: bytes) -> str:
    for codec in ("utf-8", "gb18030"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")
