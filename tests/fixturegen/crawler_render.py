"""Reports with known truth, rendered the way crawlers, copy-paste and search engines keep them.

This is a measurement, independent of the text reader's own fixture layouts (txt_render.py): it
takes a report whose every cell is known and prints it as the wild does, then counts how many of
its cells the pipeline reads right, leaves NULL, or reads as a *wrong* number.

Sources with known truth:
  generated   the fixture generator's reports (tests/fixturegen), with their unit varied (township,
              county government, county department, special-zone department), years 2019-2025,
              both templates;
  real PDFs   tests/real/*.pdf through `pdftotext` (raw and -layout), and those flattened to one line.

Renderings of a generated report (each wrapped in page chrome: a crawler header block, breadcrumbs,
share and font bars, a site footer — chosen per document by the seed):
  oneline_glued     the whole body on one line, cells run together (`规章000行政规范性文件0012`)
  oneline_spaced    one line, a single space between some cells only (`（七）总计23 0 00 0 023`)
  pipes_open        `cell | cell |` rows without a leading pipe; merged-away cells not printed
  pipes_grid        `| a | | b |` rows on the full grid: merged-away cells as empty runs (`| |||`)
  paragraphs        one cell per paragraph, blank lines between, empty cells as empty paragraphs
  paragraphs_pipes  one cell per line with `|`-only lines between, empty cells dropped
  rows_dropped      one row per line, single spaces, empty cells dropped (`规章 0`)
  excerpt_after_2   a search-engine copy (one cell per paragraph) cut short after section 二
  excerpt_in_3      a search-engine copy (pipes) cut inside section 三's table, maybe mid-row
An excerpt's truth holds only the cells that are visible.

Run as a script for the tables (per rendering: documents, cells, right / NULL / wrong, unit and year):
    python -m tests.fixturegen.crawler_render --report [--docs N] [--seed S] [--wrong]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable

from .corpus import make_document
from .regions import Township, pick_townships
from .spec import Key, Value, truth_keys
from .structure import Para, Table, blocks

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "real"
REAL_PDFS = ("huaian-city-2024", "hongze-district-2023")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
_NUMBER = re.compile(r"[0-9０-９.．]+")
DEPARTMENTS = ("财政局", "教育局", "自然资源局", "卫生健康局", "人力资源和社会保障局", "市场监督管理局", "农业农村局")
ZONE = "平潭综合实验区"  # a special zone: its departments take 350128 平潭县 (data/regions/aliases.csv)
ZONE_CODE = "350128"


# ---------------------------------------------------------------- the report as rows and paragraphs

@dataclass
class Row:
    cells: list[str]  # the printed cells (merged-away cells not printed)
    grid: list[str]  # the full grid: a merged-away cell as ""
    values: list[bool]  # per printed cell: is it a value cell (number or blank)?


Item = Para | Row


def _is_value(text: str) -> bool:
    return text == "" or bool(_NUMBER.fullmatch(text))


def _items(blks: list[Para | Table]) -> list[Item]:
    out: list[Item] = []
    for b in blks:
        if isinstance(b, Para):
            out.append(b)
            continue
        for row in b.rows:
            printed = [c for c in row if not c.covered]
            grid: list[str] = []
            for c in row:
                text = "" if c.covered else c.text.replace("\n", "")
                grid.extend([text] + [""] * (c.colspan - 1))
            texts = [c.text.replace("\n", "") for c in printed]
            out.append(Row(texts, grid, [_is_value(t) for t in texts]))
    return out


# ---------------------------------------------------------------- documents with known truth

@dataclass
class Source:
    """One report with every cell known."""

    name: str
    kind: str  # generated | real_pdf
    truth: dict[tuple[str, str | None], float | None]
    unit: str
    unit_kind: str  # township | county | department | zone
    region_code: str
    year: int
    template_version: str
    items: list[Item] = field(default_factory=list)  # generated reports
    texts: dict[str, str] = field(default_factory=dict)  # real PDFs: pdftotext outputs by rendering
    keys: list[tuple[str, str | None]] = field(default_factory=list)  # truth keys in printed order


@dataclass
class Rendering:
    source: Source
    rendering: str
    name: str
    text: str
    truth: dict[tuple[str, str | None], float | None]  # the visible cells only

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


def _num(v: Value) -> float | None:
    return None if v is None else float(Decimal(str(v)))


def _vary_unit(rng: random.Random, t: Township, meta: dict) -> tuple[str, str, str]:
    """A unit of one of four kinds in the generated report's county: (unit, kind, region code)."""
    kind = rng.choice(("township", "township", "county", "department", "zone"))
    if kind == "township":
        return meta["unit"], kind, t.code
    if kind == "county":
        return f"{t.county}人民政府", kind, t.county_code
    if kind == "department":
        return f"{t.county}{rng.choice(DEPARTMENTS)}", kind, t.county_code
    return f"{ZONE}{rng.choice(DEPARTMENTS)}", kind, ZONE_CODE


def _rename(items: list[Item], old_unit: str, township: str, new_unit: str) -> list[Item]:
    if new_unit == old_unit:
        return items
    out: list[Item] = []
    for it in items:
        if isinstance(it, Para):
            text = it.text.replace(old_unit, new_unit).replace(township, new_unit)
            out.append(Para(text, it.heading, it.title))
        else:
            out.append(it)
    return out


def generated_sources(n: int, seed: int, workdir: Path) -> list[Source]:
    """n generator reports: both templates, years 2019-2025, units of four kinds."""
    from docx import Document

    workdir.mkdir(parents=True, exist_ok=True)
    master = random.Random(f"crawler:{seed}")
    out = []
    for i, township in enumerate(pick_townships(master, n)):
        rng = random.Random(f"crawler:{seed}:{i}")
        version = "2019" if rng.random() < 0.3 else "2021"
        year = rng.choice((2019, 2020)) if version == "2019" else rng.randint(2021, 2025)
        name = f"g{i:03d}_{township.code}_{year}"
        doc = make_document(workdir, name, township, year, version, rng, ["docx"])
        items = _items(blocks(Document(str(doc.files["docx"]))))
        unit, kind, code = _vary_unit(rng, township, doc.meta)
        items = _rename(items, doc.meta["unit"], township.name, unit)
        other_one_row = doc.meta["style"]["other_one_row"]
        keys = [(m, a or None) for m, a in truth_keys(version, other_one_row)]
        truth = {(m, a or None): _num(v) for (m, a), v in doc.values.items()}
        out.append(Source(name, "generated", truth, unit, kind, code, year, version, items, keys=keys))
    return out


def _pdftotext(pdf: Path, layout: bool) -> str:
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(pdf), "-"]
    return subprocess.run(args, check=True, capture_output=True).stdout.decode("utf-8")


def real_pdf_sources() -> list[Source]:
    """The two real PDFs with their hand-read truth, as pdftotext prints them."""
    out = []
    for name in REAL_PDFS:
        truth = _read_truth(REAL / f"{name}.truth.csv")
        meta = json.loads((REAL / f"{name}.meta.json").read_text(encoding="utf-8"))
        raw = _pdftotext(REAL / f"{name}.pdf", layout=False)
        layout = _pdftotext(REAL / f"{name}.pdf", layout=True)
        texts = {
            "pdftotext_raw": raw,
            "pdftotext_layout": layout,
            "pdftotext_raw_oneline": "".join(line.strip() for line in raw.splitlines()),
            "pdftotext_layout_oneline": re.sub(r"[ \u3000]+", " ", " ".join(layout.splitlines())).strip(),
        }
        out.append(Source(name, "real_pdf", truth, meta["unit"], "county", meta["region_code"], meta["year"],
                          "2021", texts=texts))
    return out


def _read_truth(path: Path) -> dict[tuple[str, str | None], float | None]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {(r["metric_id"], r["applicant"] or None): (float(r["value"]) if r["value"].strip() else None)
                for r in csv.DictReader(fh)}


# ---------------------------------------------------------------- page chrome

def _chrome(rng: random.Random, src: Source, body_one_line: bool) -> tuple[str, str, str]:
    """(header lines, chrome on the body's line, footer) as a crawler or a copy-paste keeps them."""
    title = f"{src.unit}{src.year}年{rng.choice(('', '度'))}政府信息公开工作年度报告"
    published = f"{src.year + 1}-0{rng.randint(1, 3)}-{rng.randint(10, 28)} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"
    head: list[str] = []
    if rng.random() < 0.7:
        path = f"zwgk/zfxxgk/{rng.randint(1000, 9999)}/{src.year + 1}01/t{src.year + 1}01{rng.randint(10, 28)}_{rng.randint(10000, 99999)}"
        head += [f"标题: {title}", f"发布时间: {published}", "文号: ", f"发布机构: {rng.choice(('', '办公室', src.unit))}",
                 "栏目: 政府信息公开年报", f"原文链接: https://www.example.gov.cn/{path}.htm",
                 f"本地目录: {path}_{title}", "页面链接与图片详见 links.tsv(同目录)", "==================== 正文 ===================="]
    bar = []
    if rng.random() < 0.8:
        sep = rng.choice((">", " > ", "＞", "»"))
        bar.append(f"当前位置：首页{sep}政务公开{sep}政府信息公开{sep}{src.unit}{sep}政府信息公开年报")
    if rng.random() < 0.5:
        bar.append(f"{title} 来源： 时间：{published} -->")
    if rng.random() < 0.7:
        bar.append(rng.choice(("微信 微博 QQ空间 全真版 文字版 文件下载 相关链接：", "分享到： 微信 微博 QQ空间", "【字体：大 中 小】 打印本页 关闭窗口")))
    foot = []
    if rng.random() < 0.7:
        foot.append(rng.choice(("打印 关闭", "【打印本页】【关闭窗口】", "附件下载", "扫一扫在手机打开当前页")))
    if rng.random() < 0.6:
        foot.append(f"主办：{src.unit} 网站标识码：{rng.randint(1000000000, 9999999999)} "
                    f"闽ICP备{rng.randint(10000000, 99999999)}号-1 闽公网安备 {rng.randint(10**13, 10**14 - 1)}号")
    if body_one_line:  # the page's visible text is one line: chrome, body and footer run together
        return "\n".join(head), " ".join(bar), " ".join(foot)
    return "\n".join(head + bar), "", "\n".join(foot)


# ---------------------------------------------------------------- renderings of a generated report

def _cells_line(row: Row, rng: random.Random, space_p: float) -> str:
    parts = [c for c in row.cells if c != ""]  # a flattened HTML page prints an empty cell as nothing
    out = parts[0] if parts else ""
    for p in parts[1:]:
        r = rng.random()
        out += (" " if r < space_p else ("\u3000" if r < space_p + 0.02 else "")) + p
    return out


def _one_line(items: list[Item], rng: random.Random, space_p: float) -> str:
    out = []
    for it in items:
        if isinstance(it, Para):
            out.append(it.text)
        else:
            out.append(_cells_line(it, rng, space_p))
    glue = [" " if rng.random() < 0.15 else "" for _ in out]
    return "".join(g + s for g, s in zip(glue, out)).strip()


def _pipes_open(row: Row, rng: random.Random) -> str:
    return " | ".join(c for c in row.cells) + " |"


def _pipes_grid(row: Row, rng: random.Random) -> str:
    tight = rng.random() < 0.3
    cells = row.grid
    if tight:
        return "|" + "|".join(cells) + "|"
    return "| " + " | ".join(cells) + " |"


def _lines(items: list[Item], rng: random.Random, row_fn: Callable[[Row, random.Random], str]) -> str:
    return "\n".join(it.text if isinstance(it, Para) else row_fn(it, rng) for it in items)


def _paragraphs(items: list[Item], pipes: bool) -> str:
    out: list[str] = []
    for it in items:
        if isinstance(it, Para):
            out.append(it.text)
            continue
        for c in it.cells:
            if c == "" and pipes:
                continue  # an empty cell dropped
            out.append(c)
    return ("\n|\n" if pipes else "\n\n").join(out)


def _rows_dropped(row: Row, rng: random.Random) -> str:
    return " ".join(c for c in row.cells if c != "")


def _section_starts(items: list[Item]) -> tuple[int, int]:
    """Indexes of the 三、 and 四、 headings."""
    three = next(i for i, it in enumerate(items) if isinstance(it, Para) and it.heading and it.text.startswith("三、"))
    four = next(i for i, it in enumerate(items) if isinstance(it, Para) and it.heading and it.text.startswith("四、"))
    return three, four


def _cut_after_2(src: Source) -> tuple[list[Item], set]:
    three, _ = _section_starts(src.items)
    keep = src.items[:three]
    return keep, {k for k in src.keys if k[0].startswith("proactive.")}


def _cut_in_3(src: Source, rng: random.Random) -> tuple[list[Item], set]:
    """Cut inside section 三's table after some data row, maybe inside the next one."""
    three, four = _section_starts(src.items)
    data_rows = [i for i in range(three, four) if isinstance(src.items[i], Row) and sum(src.items[i].values) >= 7]
    n = rng.randint(3, len(data_rows) - 2)
    visible = {k for k in src.keys if k[0].startswith("proactive.")}
    request_metrics = list(dict.fromkeys(m for m, _ in src.keys if m.startswith("requests.")))
    applicants = [a for m, a in src.keys if m == request_metrics[0]]
    for m in request_metrics[:n]:
        visible |= {(m, a) for a in applicants}
    keep = list(src.items[: data_rows[n - 1] + 1])
    if rng.random() < 0.5:  # cut inside the next row: its first k value cells survive
        row: Row = src.items[data_rows[n]]
        k = rng.randint(1, 6)
        first_value = len(row.cells) - 7
        keep.append(Row(row.cells[: first_value + k], row.grid, row.values[: first_value + k]))
        visible |= {(request_metrics[n], a) for a in applicants[:k]}
    return keep, visible


def _excerpt_head(src: Source, rng: random.Random) -> str:
    published = f"{src.year + 1}-01-{rng.randint(10, 28)} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"
    return f"{src.unit}{src.year}年政府信息公开工作年度报告\n\n来源: {src.unit} 发布时间: {published}"


RENDERINGS = ("oneline_glued", "oneline_spaced", "pipes_open", "pipes_grid", "paragraphs", "paragraphs_pipes",
              "rows_dropped", "excerpt_after_2", "excerpt_in_3")
PDF_RENDERINGS = ("pdftotext_raw", "pdftotext_layout", "pdftotext_raw_oneline", "pdftotext_layout_oneline")


def render(src: Source, rendering: str, seed: int) -> Rendering:
    """One generated report in one rendering, with the truth of its visible cells."""
    rng = random.Random(f"{seed}:{src.name}:{rendering}")
    truth = dict(src.truth)
    name = f"{src.name}.{rendering}.txt"
    if rendering.startswith("excerpt"):
        if rendering == "excerpt_after_2":
            items, visible = _cut_after_2(src)
            body = _paragraphs(items[1:], pipes=False)  # the title is the excerpt's own first line
        else:
            items, visible = _cut_in_3(src, rng)
            body = _lines(items[1:], rng, _pipes_open)
        truth = {k: v for k, v in truth.items() if k in visible}
        return Rendering(src, rendering, name, _excerpt_head(src, rng) + "\n\n" + body + "\n", truth)
    one_line = rendering.startswith("oneline")
    if rendering == "oneline_glued":
        body = _one_line(src.items, rng, 0.0)
    elif rendering == "oneline_spaced":
        body = _one_line(src.items, rng, 0.5)
    elif rendering == "pipes_open":
        body = _lines(src.items, rng, _pipes_open)
    elif rendering == "pipes_grid":
        body = _lines(src.items, rng, _pipes_grid)
    elif rendering == "paragraphs":
        body = _paragraphs(src.items, pipes=False)
    elif rendering == "paragraphs_pipes":
        body = _paragraphs(src.items, pipes=True)
    elif rendering == "rows_dropped":
        body = _lines(src.items, rng, _rows_dropped)
    else:
        raise ValueError(f"unknown rendering {rendering!r}; choose from {', '.join(RENDERINGS)}")
    before, bar, after = _chrome(rng, src, one_line)
    if one_line:
        line = " ".join(p for p in (bar, body, after) if p)
        text = f"{before}\n{line}\n" if before else f"{line}\n"
    else:
        text = "\n".join(p for p in (before, body, after) if p) + "\n"
    return Rendering(src, rendering, name, text, truth)


def renderings(n_docs: int = 36, seed: int = 0, workdir: Path | None = None,
               kinds: Iterable[str] = RENDERINGS, real: bool = True) -> list[Rendering]:
    """Every generated report in every rendering, then the real PDFs' pdftotext texts."""
    own = workdir is None
    tmp = tempfile.TemporaryDirectory(prefix="crawler-render-") if own else None
    try:
        srcs = generated_sources(n_docs, seed, Path(tmp.name) if tmp else Path(workdir))
        out = [render(s, r, seed) for s in srcs for r in kinds]
    finally:
        if tmp:
            tmp.cleanup()
    if real:
        for s in real_pdf_sources():
            out.extend(Rendering(s, r, f"{s.name}.{r}.txt", s.texts[r], dict(s.truth)) for r in PDF_RENDERINGS)
    return out


# ---------------------------------------------------------------- measuring

@dataclass
class Wrong:
    rendering: str
    name: str
    metric_id: str
    applicant: str | None
    got: float
    truth: float | None  # None: printed blank; "cut" cells compare with the full report
    raw_text: str | None
    source_ref: str | None
    context: str
    semantic: str = ""  # the value_semantic the pipeline gave (number, zero, inferred, …)
    cut: bool = False  # the cell was not visible (excerpt): any number must equal the full report's


@dataclass
class Result:
    rendering: Rendering
    status: str
    error: str | None
    right: int = 0
    null: int = 0
    wrong: list[Wrong] = field(default_factory=list)
    # A printed blank read as 0. The generator blanks only zero cells, and a rendering that drops
    # empty cells leaves nothing to see, so this is not a wrong number; it is not "right" either
    # (a blank is not a zero): counted apart and listed.
    blank_zero: list[Wrong] = field(default_factory=list)
    unit: str | None = None
    region_code: str | None = None
    year: int | None = None
    seconds: float = 0.0  # CPU time of the extraction

    @property
    def cells(self) -> int:
        return len(self.rendering.truth)

    @property
    def unit_right(self) -> bool:
        src = self.rendering.source
        got, want = _unit_core(self.unit), _unit_core(src.unit)
        if self.region_code != src.region_code or not got or not want:
            return False
        return got in want or want in got  # 北山镇 for 通川区北山镇 is the same unit; 标题:… is not

    @property
    def year_right(self) -> bool:
        return self.year == self.rendering.source.year


def _unit_core(unit: str | None) -> str | None:
    """A unit name without the suffixes reports add or omit (人民政府 / 办事处) for comparing."""
    if unit is None:
        return None
    unit = re.sub(r"\s+", "", unit)
    if unit.endswith("人民政府") and not unit.endswith(("县人民政府", "区人民政府", "市人民政府", "旗人民政府")):
        unit = unit.removesuffix("人民政府")
    return unit.removesuffix("办事处")


def _context(text: str, raw: str | None, ref: str | None) -> str:
    """The printed text around a value: from its line reference if it has one, else around its raw text."""
    if ref:
        m = re.search(r"line[ =:]?(\d+)(?:\D+?char[ =:]?(\d+))?", ref)
        if m:
            lines = text.split("\n")
            i = int(m.group(1)) - 1
            if 0 <= i < len(lines):
                line = lines[i]
                at = int(m.group(2) or 0)
                if len(line) <= 160:
                    return line
                start = max(0, at - 70)
                return ("…" if start else "") + line[start: at + 90] + "…"
    if raw:
        i = text.find(raw)
        if i >= 0:
            return text[max(0, i - 60): i + len(raw) + 60].replace("\n", "⏎")
    return ""


def measure(r: Rendering) -> Result:
    from gongkai.extract import extract_bytes

    t0 = time.process_time()
    ex = extract_bytes(Path(r.name), r.data)
    res = Result(r, ex.status, ex.document.get("error"), unit=ex.document.get("unit"),
                 region_code=ex.document.get("region_code"), year=ex.document.get("year"),
                 seconds=time.process_time() - t0)
    got = {(v.metric_id, v.applicant or None): v for v in ex.values}
    for key, want in r.truth.items():
        v = got.get(key)
        value = None if v is None else v.value
        if v is None:  # not read at all (a quarantined document): a blank is not "right" by default
            res.null += 1
        elif value == want or (value is not None and want is not None and abs(value - want) < 1e-6):
            res.right += 1
        elif value is None:
            res.null += 1
        else:
            w = Wrong(r.rendering, r.name, key[0], key[1], value, want, v.raw_text, v.source_ref,
                      _context(r.text, v.raw_text, v.source_ref), v.value_semantic)
            (res.blank_zero if want is None and value == 0 else res.wrong).append(w)
    for key, v in got.items():  # cells an excerpt cut away: a number there must be the report's own
        if key in r.truth or v.value is None or key not in r.source.truth:
            continue
        want = r.source.truth[key]
        if want is None or abs(v.value - want) > 1e-6:
            w = Wrong(r.rendering, r.name, key[0], key[1], v.value, want, v.raw_text, v.source_ref,
                      _context(r.text, v.raw_text, v.source_ref), v.value_semantic, cut=True)
            (res.blank_zero if want is None and v.value == 0 else res.wrong).append(w)
    return res


def measure_all(rs: list[Rendering]) -> list[Result]:
    return [measure(r) for r in rs]


@dataclass
class Row_:
    documents: int = 0
    loaded: int = 0
    cells: int = 0
    right: int = 0
    null: int = 0
    wrong: int = 0
    blank_zero: int = 0
    unit_right: int = 0
    year_right: int = 0

    def add(self, res: Result) -> None:
        self.documents += 1
        self.loaded += res.status == "loaded"
        self.cells += res.cells
        self.right += res.right
        self.null += res.null
        self.wrong += len(res.wrong)
        self.blank_zero += len(res.blank_zero)
        self.unit_right += res.unit_right
        self.year_right += res.year_right

    def pct(self, n: int, of: int | None = None) -> float:
        of = self.cells if of is None else of
        return 100.0 * n / of if of else 0.0


def summary(results: list[Result]) -> dict[str, Row_]:
    """Per rendering, plus 'ALL' over everything."""
    table: dict[str, Row_] = defaultdict(Row_)
    for res in results:
        table[res.rendering.rendering].add(res)
        table["ALL"].add(res)
    return dict(table)


def format_report(results: list[Result], show_wrong: bool = True) -> str:
    table = summary(results)
    lines = [f"{'rendering':26} {'docs':>5} {'loaded':>6} {'cells':>6} {'right%':>7} {'NULL%':>6} {'wrong':>5} "
             f"{'wrong%':>6} {'blank→0':>7} {'unit%':>6} {'year%':>6}"]
    for name in [*RENDERINGS, *PDF_RENDERINGS, "ALL"]:
        if name not in table:
            continue
        t = table[name]
        lines.append(f"{name:26} {t.documents:5d} {t.loaded:6d} {t.cells:6d} {t.pct(t.right):7.2f} {t.pct(t.null):6.2f} "
                     f"{t.wrong:5d} {t.pct(t.wrong):6.2f} {t.blank_zero:7d} {t.pct(t.unit_right, t.documents):6.1f} {t.pct(t.year_right, t.documents):6.1f}")
    slow = sorted(results, key=lambda res: -res.seconds)[:5]
    lines.append("")
    lines.append(f"extraction CPU {sum(res.seconds for res in results):.1f} s; slowest: "
                 + ", ".join(f"{res.rendering.name} {res.seconds:.2f} s" for res in slow))
    by_kind: dict[str, Row_] = defaultdict(Row_)
    for res in results:
        by_kind[res.rendering.source.unit_kind].add(res)
    lines.append("")
    lines.append("unit right by unit kind: " + ", ".join(
        f"{k} {t.unit_right}/{t.documents}" for k, t in sorted(by_kind.items())))
    if show_wrong:
        wrong = [w for res in results for w in res.wrong]
        lines.append("")
        lines.append(f"wrong numbers: {len(wrong)}")
        for w in wrong:
            lines.append(f"  {w.name} {w.metric_id}[{w.applicant or ''}] read {w.got:g} truth "
                         f"{'blank' if w.truth is None else f'{w.truth:g}'}{' (cut away)' if w.cut else ''} [{w.semantic}] "
                         f"raw={w.raw_text!r} ref={w.source_ref} :: {w.context}")
        blank_zero = [w for res in results for w in res.blank_zero]
        lines.append("")
        lines.append(f"printed blanks read as 0 (not counted as wrong): {len(blank_zero)}")
        for w in blank_zero:
            lines.append(f"  {w.name} {w.metric_id}[{w.applicant or ''}] [{w.semantic}] ref={w.source_ref}")
        misses = [res for res in results if not (res.unit_right and res.year_right)]
        lines.append("")
        lines.append(f"unit or year not right: {len(misses)}")
        for res in misses:
            src = res.rendering.source
            lines.append(f"  {res.rendering.name}: unit {res.unit!r} ({res.region_code}) year {res.year} — "
                         f"truth {src.unit!r} ({src.region_code}) {src.year} [{res.status}: {(res.error or '')[:90]}]")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fixturegen.crawler_render", description=__doc__.split("\n")[0])
    ap.add_argument("--report", action="store_true", help="measure every rendering and print the tables")
    ap.add_argument("--docs", type=int, default=36, help="generated reports (default 36)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--renderings", default=",".join(RENDERINGS), help="comma-separated subset")
    ap.add_argument("--no-real", action="store_true", help="leave out the real PDFs' pdftotext texts")
    ap.add_argument("--write", metavar="DIR", help="write the renderings and their truth to DIR instead")
    ap.add_argument("--quiet-wrong", action="store_true", help="do not list the wrong numbers")
    args = ap.parse_args(argv)
    kinds = [k for k in args.renderings.split(",") if k]
    rs = renderings(args.docs, args.seed, kinds=kinds, real=not args.no_real)
    if args.write:
        out = Path(args.write)
        out.mkdir(parents=True, exist_ok=True)
        for r in rs:
            (out / r.name).write_text(r.text, encoding="utf-8")
            rows = ["metric_id,applicant,value"] + [f"{m},{a or ''},{'' if v is None else f'{v:g}'}" for (m, a), v in r.truth.items()]
            (out / r.name.replace(".txt", ".truth.csv")).write_text("\n".join(rows) + "\n", encoding="utf-8")
        print(f"{len(rs)} renderings written to {out}")
        return 0
    if not args.report:
        ap.print_help()
        return 2
    print(format_report(measure_all(rs), show_wrong=not args.quiet_wrong))
    return 0


if __name__ == "__main__":
    sys.exit(main())
