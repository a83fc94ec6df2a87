"""A table page's characters and ruling edges from pdfium, shaped as pdfplumber gives them.

pdfplumber's table finder is cheap; what costs is pdfminer interpreting the page's content
stream in Python (~0.3 s a page, 80-90 % of a PDF's time). pdfium has already parsed the page
in C for the first pass, so the characters and paths are taken from it and fed to the same
table finder (pdfplumber.table.TableFinder), with the geometry pdfminer would compute:
- a character's x0/x1 are pdfium's loose box (origin to origin + advance, as pdfminer's);
  its bottom is the baseline minus the font descriptor's /Descent and its top is one font
  size above (pdfminer's box); pdfium's own descent stands in only where the descriptor has
  a negative /Descent, which is when pdfium uses it too;
- paths become lines, rectangles and curves by pdfminer's rules, and edges by pdfplumber's.
A page this cannot reproduce (rotated or offset page boxes, form XObjects, characters not
upright or without a Unicode map, fonts whose descent pdfium does not reveal) returns None,
and the caller reads it with pdfplumber as before.
"""
from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c


@dataclass
class PageObjects:
    """What the table code reads from a pdfplumber page: its characters and its edges."""

    chars: list[dict]
    edges: list[dict]
    bbox: tuple[float, float, float, float]

    def without_chars(self, drop: set[tuple], key) -> "PageObjects":
        return PageObjects([c for c in self.chars if key(c) not in drop], self.edges, self.bbox)


def page_objects(page: pdfium.PdfPage, tp: pdfium.PdfTextPage, descents: set[float] | None) -> PageObjects | None:
    """The page's characters and edges, or None when pdfplumber must read it.

    `descents`: the /Descent values (made negative, as pdfminer does) of the page's fonts, or None
    when some font has no usable descriptor (Type3, standard fonts, a positive /Descent)."""
    if descents is None or page.get_rotation() != 0:
        return None
    width, height = page.get_width(), page.get_height()
    box = (0.0, 0.0, width, height)
    if tuple(page.get_mediabox()) != box or tuple(page.get_cropbox()) != box:
        return None
    edges = _edges(page, height)
    if edges is None:
        return None
    chars = _chars(tp, height, descents)
    if chars is None:
        return None
    return PageObjects(chars, edges, (0.0, 0.0, width, height))


# ---------------------------------------------------------------- characters

def font_descents(plumber_page) -> set[float] | None:
    """The /Descent of every font in a pdfplumber page's resources, as pdfminer takes it (a positive
    one made negative, a missing one 0), read from the font dictionaries alone (no font program or
    CMap is parsed). None when pdfminer would take it from elsewhere: Type3 fonts (their matrix),
    standard fonts (its built-in metrics), fonts without a descriptor."""
    from pdfminer.fontmetrics import FONT_METRICS
    from pdfminer.pdftypes import resolve1

    try:
        fonts = resolve1(plumber_page.page_obj.resources.get("Font")) or {}
        out: set[float] = set()
        for ref in fonts.values():
            spec = resolve1(ref)
            subtype = getattr(resolve1(spec.get("Subtype")), "name", None)
            if subtype == "Type0":
                if str(getattr(resolve1(spec.get("Encoding")), "name", "")).endswith("-V"):
                    return None  # vertical writing: pdfminer's boxes stand on the vertical metrics
                spec = resolve1(resolve1(spec["DescendantFonts"])[0])
            elif subtype not in ("Type1", "MMType1", "TrueType"):
                return None
            basefont = getattr(resolve1(spec.get("BaseFont")), "name", None)
            descriptor = resolve1(spec.get("FontDescriptor"))
            if subtype != "Type0" and basefont in FONT_METRICS or not isinstance(descriptor, dict):
                return None
            descent = resolve1(descriptor.get("Descent", 0))
            if not isinstance(descent, (int, float)):
                return None
            out.add(-abs(float(descent)))
        return out
    except Exception:  # noqa: BLE001 - a broken resource dictionary: pdfplumber's own path decides
        return None


def _chars(tp: pdfium.PdfTextPage, height: float, descents: set[float]) -> list[dict] | None:
    raw = tp.raw
    matrix = pdfium_c.FS_MATRIX()
    x, y = ctypes.c_double(), ctypes.c_double()
    box, value = pdfium_c.FS_RECTF(), ctypes.c_float()
    box_ref, value_ref, x_ref, y_ref = ctypes.byref(box), ctypes.byref(value), ctypes.byref(x), ctypes.byref(y)
    resolved: dict[float, float | None] = {}  # pdfium's descent of a font -> pdfminer's
    out: list[dict] = []
    for i in range(tp.count_chars()):
        if pdfium_c.FPDFText_IsGenerated(raw, i):
            continue  # spaces and line breaks pdfium adds between text runs
        if pdfium_c.FPDFText_HasUnicodeMapError(raw, i):
            return None  # pdfminer shows these as (cid:N)
        code = pdfium_c.FPDFText_GetUnicode(raw, i)
        if code in (0x0D, 0x0A) or 0xD800 <= code <= 0xDFFF:
            return None
        obj = pdfium_c.FPDFText_GetTextObject(raw, i)
        if not obj or not pdfium_c.FPDFText_GetMatrix(raw, i, matrix):
            return None
        if matrix.b != 0 or matrix.c != 0 or matrix.a <= 0 or matrix.d <= 0:
            return None  # rotated, skewed or mirrored text
        if not pdfium_c.FPDFFont_GetDescent(pdfium_c.FPDFTextObj_GetFont(obj), 1000.0, value_ref):
            return None
        d = value.value
        if d not in resolved:
            resolved[d] = _descent(d, descents)
        descent = resolved[d]
        if descent is None:
            return None
        size = pdfium_c.FPDFText_GetFontSize(raw, i) * matrix.d
        pdfium_c.FPDFText_GetCharOrigin(raw, i, x_ref, y_ref)
        pdfium_c.FPDFText_GetLooseCharBox(raw, i, box_ref)
        bottom = height - (y.value + descent * size / 1000)
        top = bottom - size
        out.append({"object_type": "char", "text": chr(code), "x0": box.left, "x1": box.right,
                    "top": top, "bottom": bottom, "doctop": top, "width": box.right - box.left,
                    "height": size, "size": size, "upright": True})
    return out


def _descent(d: float, descents: set[float]) -> float | None:
    """pdfminer's descent (per 1000 units of font size) for a font pdfium gives descent `d`, or None.

    pdfium reports the descriptor's /Descent when it is negative, and otherwise one it computes
    from the glyphs, where pdfminer takes 0."""
    for known in descents:
        if known < 0 and abs(known - d) < 0.01:
            return known
    return 0.0 if 0.0 in descents else None


# ---------------------------------------------------------------- paths -> edges

def _edges(page: pdfium.PdfPage, height: float) -> list[dict] | None:
    """Edges in pdfplumber's order (lines, then rectangles, then curves), from visible paths."""
    lines: list[dict] = []
    rects: list[dict] = []
    curves: list[dict] = []
    raw = page.raw
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    rgba = [ctypes.c_uint() for _ in range(4)]
    matrix = pdfium_c.FS_MATRIX()
    px, py = ctypes.c_float(), ctypes.c_float()
    for i in range(pdfium_c.FPDFPage_CountObjects(raw)):
        obj = pdfium_c.FPDFPage_GetObject(raw, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            return None  # nested coordinate spaces: left to pdfminer
        if kind != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
        if not fill.value and not stroke.value:
            continue
        if not pdfium_c.FPDFPageObj_GetMatrix(obj, matrix):
            return None
        m = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
        visible = True
        if not stroke.value:
            pdfium_c.FPDFPageObj_GetFillColor(obj, *(ctypes.byref(v) for v in rgba))
            visible = min(v.value for v in rgba[:3]) / 255 < 0.94
        segments: list[tuple[str, tuple[float, float]]] = []
        for s in range(pdfium_c.FPDFPath_CountSegments(obj)):
            seg = pdfium_c.FPDFPath_GetPathSegment(obj, s)
            pdfium_c.FPDFPathSegment_GetPoint(seg, ctypes.byref(px), ctypes.byref(py))
            kind_s = pdfium_c.FPDFPathSegment_GetType(seg)
            op = "m" if kind_s == pdfium_c.FPDF_SEGMENT_MOVETO else "c" if kind_s == pdfium_c.FPDF_SEGMENT_BEZIERTO else "l"
            point = (m[0] * px.value + m[2] * py.value + m[4], m[1] * px.value + m[3] * py.value + m[5])
            segments.append((op, point))
            if pdfium_c.FPDFPathSegment_GetClose(seg):
                segments.append(("h", point))
        _paint(segments, height, visible, lines, rects, curves)
    edges = [_line_edge(o) for o in lines]
    for rect in rects:
        edges.extend(_rect_edges(rect))
    for curve in curves:
        edges.extend(_curve_edges(curve))
    return edges


def _paint(segments, height, visible, lines, rects, curves) -> None:
    """pdfminer's PDFLayoutAnalyzer.paint_path: one object per subpath (each starts at an m)."""
    ops = "".join(op for op, _ in segments)
    for sub in re.finditer(r"m[^m]*", ops):
        path = segments[sub.start():sub.end()]
        shape = "".join(op for op, _ in path)
        # pdfium's point for h is where the path closes; pdfminer's is the subpath's start
        pts = [p if op != "h" else path[0][1] for op, p in path]
        if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
            shape = shape[:-2] + "h"
            pts.pop()
        if len(shape) < 2:
            continue
        if shape in {"mlh", "ml"}:
            lines.append(_obj("line", pts[:2], height))
        elif shape in {"mlllh", "mllll"}:
            (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
            square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
            if pts[0] == pts[4] and square:
                if visible:
                    rects.append(_obj("rect", [pts[0], pts[2]], height))
            else:
                curves.append(_obj("curve", pts, height))
        else:
            curves.append(_obj("curve", pts, height))


def _obj(kind: str, pts: list[tuple[float, float]], height: float) -> dict:
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    return {"object_type": kind, "x0": x0, "x1": x1, "top": height - y1, "bottom": height - y0,
            "doctop": height - y1, "width": x1 - x0, "height": y1 - y0,
            "pts": [(x, height - y) for x, y in pts]}


def _line_edge(line: dict) -> dict:
    return {**line, "orientation": "h" if line["top"] == line["bottom"] else "v"}


def _rect_edges(rect: dict) -> list[dict]:
    top, bottom, left, right = (dict(rect) for _ in range(4))
    top.update(object_type="rect_edge", height=0, bottom=rect["top"], orientation="h")
    bottom.update(object_type="rect_edge", height=0, top=rect["top"] + rect["height"],
                  doctop=rect["doctop"] + rect["height"], orientation="h")
    left.update(object_type="rect_edge", width=0, x1=rect["x0"], orientation="v")
    right.update(object_type="rect_edge", width=0, x0=rect["x1"], orientation="v")
    return [top, bottom, left, right]


def _curve_edges(curve: dict) -> list[dict]:
    out = []
    for p0, p1 in zip(curve["pts"], curve["pts"][1:]):
        out.append({"object_type": "curve_edge", "x0": min(p0[0], p1[0]), "x1": max(p0[0], p1[0]),
                    "top": min(p0[1], p1[1]), "doctop": min(p0[1], p1[1]), "bottom": max(p0[1], p1[1]),
                    "width": abs(p0[0] - p1[0]), "height": abs(p0[1] - p1[1]),
                    "orientation": "v" if p0[0] == p1[0] else ("h" if p0[1] == p1[1] else None)})
    return out
