"""Cells out of row order (pdftotext's reading order) give the truth or NULL, never a different number.

tests/fixturegen/disorder.py prints generated reports one cell per line with windows of section 三
rows reordered the ways pdftotext reorders them (a row's values after the next row's label, two rows
interleaved, labels then shuffled values, a row split around the next label, a row's values before
its label). transforms/row_order.py must leave those cells NULL unless the identities confirm them.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gongkai.extract import extract_bytes  # noqa: E402
from tests.fixturegen.crawler_render import generated_sources  # noqa: E402
from tests.fixturegen.disorder import KINDS, render_out_of_order  # noqa: E402

pytestmark = pytest.mark.slow  # ~20 s of extraction CPU (20 generated reports)
SEED = 41
N_DOCS = 4


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory):
    return [s for s in generated_sources(N_DOCS, SEED, tmp_path_factory.mktemp("disorder"))]


def _read(src, kind: str):
    text = render_out_of_order(src, kind, SEED)
    ex = extract_bytes(Path(f"{src.name}.{kind}.txt"), text.encode("utf-8"))
    return text, ex


@pytest.mark.parametrize("kind", KINDS)
def test_out_of_order_cells_are_right_or_null(kind: str, sources) -> None:
    right = cells = 0
    for src in sources:
        text, ex = _read(src, kind)
        assert ex.status == "loaded", ex.document["error"]
        got = {(v.metric_id, v.applicant or None): v.value for v in ex.values}
        wrong = [(k, got[k], want) for k, want in src.truth.items()
                 if k in got and got[k] is not None and (want is None or abs(got[k] - want) > 1e-6)]
        assert not wrong, f"{src.name} {kind}: read, truth = {wrong[:5]}\n{text[:3000]}"
        cells += len(src.truth)
        right += sum(1 for k, want in src.truth.items() if got.get(k) == want and want is not None)
    assert right / cells > 0.5, f"{kind}: only {right} of {cells} cells read: the rule NULLs everything"


def test_the_reordered_rows_are_left_null_with_a_note(sources) -> None:
    src = sources[0]
    _, ex = _read(src, "labels_first")
    notes = [n.reason for n in ex.notes if "not in row order" in n.reason]
    assert notes, [n.reason for n in ex.notes]
    assert any("may be another row's" in n for n in notes)


def test_in_order_text_is_not_gated(sources) -> None:
    """The same report with every row in order: no section is marked out of order."""
    src = sources[0]
    lines = []
    for item in src.items:
        lines.extend([item.text] if hasattr(item, "text") else item.cells)
    ex = extract_bytes(Path(f"{src.name}.inorder.txt"), ("\n".join(lines) + "\n").encode("utf-8"))
    assert not [n for n in ex.notes if "not in row order" in n.reason or "by position only" in n.reason]


def test_a_pdf_table_rebuilt_from_word_positions_is_gated_the_same_way() -> None:
    """A PDF page without rulings (淮安 p5, a single page: no title, so read up to the gate): its values
    are placed by x position only, blank cells have no words; what is kept equals the real report's
    truth, the rest is NULL with a note."""
    from conftest import read_truth
    from extractors.registry import read_bytes
    from transforms.matcher import match_document
    from transforms.row_order import gate_positional
    from transforms.rows import build_long_values

    root = Path(__file__).resolve().parent
    path = root / "fixtures" / "pdf" / "huaian-p5-unruled.pdf"
    match = match_document(read_bytes(path.read_bytes(), path.name))
    assert match.disordered, "the rebuilt table is not marked as placed by position"
    values, _, short_rows = build_long_values(match)
    printed = sum(1 for v in values if v.value is not None)
    notes, _ = gate_positional(values, match, short_rows)
    truth = read_truth(root / "real" / "huaian-city-2024.truth.csv")
    got = {(v.metric_id, v.applicant): v.value for v in values if v.value is not None}
    assert 0 < len(got) <= printed
    assert not {k: (v, truth.get(k)) for k, v in got.items() if truth.get(k) is None or abs(v - truth[k]) > 1e-6}
    assert all("placed by position only" in n.reason for n in notes)
