"""OCR for scanned PDF pages (optional extra: `pip install gongkai[ocr]`).

rapidocr_onnxruntime ships its models in the wheel and runs offline. Its angle
classifier silently drops lines, so it is switched off (use_cls=False). The result is a
list of positioned boxes in PDF points (top-down), which extractors.boxgrid turns into
lines and table rows by position, never by the order OCR returns them in.
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache

from extractors.boxgrid import Box

DPI = 200
# Small isolated digits ("1" alone in a cell) are lost when the page is shrunk to the
# default 2000 px or when thresholds are at their defaults; these settings read all 108
# numbers of a rasterised section-三 page (tests/fixtures/scanned).
ENGINE = {"max_side_len": 4000}
CALL = {"use_cls": False, "box_thresh": 0.2, "unclip_ratio": 2.0, "text_score": 0.3}


def available() -> bool:
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


@lru_cache(maxsize=1)
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(**ENGINE)


def page_boxes(page, dpi: int = DPI) -> list[Box]:
    """Render a pypdfium2 page at `dpi` and OCR it; boxes come back in points."""
    scale = dpi / 72
    image = page.render(scale=scale, grayscale=True).to_numpy()
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    result, _ = _engine()(image, **CALL)
    boxes: list[Box] = []
    for quad, text, _score in result or []:
        xs = [p[0] for p in quad]
        ys = [p[1] for p in quad]
        boxes.append(Box(str(text), min(xs) / scale, min(ys) / scale, max(xs) / scale, max(ys) / scale))
    return boxes
