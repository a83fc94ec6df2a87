"""Regenerate the committed bad-input corpus, and make the big cases at test time.

    .venv/bin/python tests/make_bad_inputs.py      # rewrites the small files in tests/bad_inputs/

The small files are committed so that tests need neither pypdf nor a CJK font. The big cases (a
file over the per-document size limit, a zip bomb) would bloat the repository, so tests build them
in a temporary folder with `huge_file()` and `zip_bomb()`, which need only the stdlib. The random
bytes come from a seeded generator; encryption salts and Word's timestamps differ on each run.

What each file is and what it must end as: tests/test_bad_inputs.py (EXPECTED, PDF_EXPECTED).
"""
from __future__ import annotations

import io
import random
import re
import struct
import zipfile
import zlib
from pathlib import Path

TESTS = Path(__file__).resolve().parent
HERE = TESTS / "bad_inputs"
REAL = TESTS / "real"
SEEDS = TESTS.parents[0] / "data" / "samples"
TEMPLATE_DOCX = REAL / "template-2021-blank.docx"


# --- big cases, built at test time -------------------------------------------------------
def huge_file(path: Path, size: int) -> Path:
    """A sparse file of `size` bytes that starts like a PDF: costs no disk and no time to make."""
    with open(path, "wb") as fh:
        fh.write(b"%PDF-1.7\n% a very large file\n")
        fh.truncate(size)
    return path


def zip_bomb(path: Path, expanded: int = 1 << 30) -> Path:
    """A .docx package whose word/document.xml really inflates to `expanded` bytes (1 GiB: about 1 MB on disk).

    Written by hand so it takes half a second: the deflate stream of one 16 MiB block of spaces,
    fully flushed, is byte-identical every time, so it is compressed once and repeated."""
    block = b" " * (1 << 24)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    once = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    blocks = expanded // len(block)
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    members = []
    with zipfile.ZipFile(TEMPLATE_DOCX) as template:
        for info in template.infolist():
            if info.filename != "word/document.xml":
                data = template.read(info)
                squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
                members.append((info.filename, [squeeze.compress(data) + squeeze.flush()], zlib.crc32(data), len(data)))
    tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block ends the stream
    members.append(("word/document.xml", [once] * blocks + [tail], crc, blocks * len(block)))
    with open(path, "wb") as out:
        directory = b""
        for name, parts, member_crc, size in members:
            encoded, offset = name.encode(), out.tell()
            packed = sum(len(p) for p in parts)
            fields = (20, 0, 8, 0, 0x21, member_crc, packed, size, len(encoded))
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + encoded)
            for part in parts:
                out.write(part)
            directory += struct.pack("<IH", 0x02014B50, 20) + struct.pack("<HHHHHIIIHHHHHII", *fields, 0, 0, 0, 0, 0, offset) + encoded
        start = out.tell()
        out.write(directory)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), start, 0))
    return path


def damaged_pdf(path: Path) -> Path:
    """A real report whose first page box holds a name where a number belongs: opens, then fails mid-parse.
    (Built at test time from tests/real/ rather than committed: one changed byte of a 290 KB file.)"""
    data = (REAL / "hongze-district-2023.pdf").read_bytes()
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+(\d)", data)
    assert box is not None
    path.write_bytes(data[: box.start(1)] + b"/" + data[box.start(1) + 1:])
    return path


# --- the committed corpus ----------------------------------------------------------------
def seed(number: int) -> str:
    return next(SEEDS.glob(f"{number:03d}_*.txt")).read_text(encoding="utf-8")


def _random_bytes(n: int, salt: int) -> bytes:
    return random.Random(7919 + salt).randbytes(n)


def truncated_pdf() -> bytes:
    data = (REAL / "huaian-city-2024.pdf").read_bytes()
    return data[: int(len(data) * 0.4)]  # cut mid-stream: no xref table, no trailer, later pages gone


def _pdf_pages(source: Path, pages: list[int]):
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(source)
    writer = PdfWriter()
    for number in pages:
        writer.add_page(reader.pages[number])
    return writer


def encrypted_pdf(user_password: str) -> bytes:
    """First two pages of a real report, encrypted (AES-128); an empty user password opens without asking."""
    if user_password:
        writer = _pdf_pages(REAL / "hongze-district-2023.pdf", [0, 1])
    else:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(REAL / "hongze-district-2023.pdf"))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf() -> bytes:
    """The top of page 1 of a real report (its title) rasterised at 100 dpi: a PDF of one image, no text layer.

    Only the title strip, so that a reader with OCR spends a second on it, not half a minute."""
    import pypdfium2

    page = pypdfium2.PdfDocument(REAL / "huaian-city-2024.pdf")[0]
    image = page.render(scale=100 / 72).to_pil().convert("L")
    image = image.crop((0, 0, image.width, image.height // 4))
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=100, quality=60)
    return out.getvalue()


def garbled_pdf() -> bytes:
    """A PDF header followed by noise: detected as a PDF, unreadable as one."""
    return b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n" + _random_bytes(6000, 3)


def other_kind_report() -> str:
    return (
        "2024年湘潭县人民政府工作报告\n"
        "——2025年1月10日在湘潭县第十八届人民代表大会第五次会议上\n\n"
        "各位代表：\n现在，我代表县人民政府，向大会报告工作，请予审议，并请县政协委员和其他列席人员提出意见。\n\n"
        "一、2024年工作回顾\n过去一年，全县地区生产总值增长5.6%，规模工业增加值增长7.1%，固定资产投资增长6.3%。\n"
        "全年新增城镇就业5120人，城镇调查失业率控制在5.5%以内。\n\n"
        "主要指标\t2023年\t2024年\n地区生产总值（亿元）\t602.3\t636.1\n一般公共预算收入（亿元）\t25.4\t26.8\n\n"
        "二、2025年工作安排\n今年经济社会发展的主要预期目标是：地区生产总值增长6%左右。\n"
    )


def no_year_report() -> str:
    """Seed 002 with every year taken out of the title and the statistical-period sentence."""
    text = seed(2)
    lines = text.split("\n")
    out = []
    for line in lines:
        if "政府信息公开工作年度报告" in line:
            line = line.replace("2024年", "").replace("2024 年", "")
        if "统计期限" in line or "1月1日" in line:
            line = line.replace("2024年", "本年").replace("2024 年", "本年")
        out.append(line)
    return "\n".join(out)


def corrected_report() -> str:
    """Seed 003 republished with one figure changed: the same unit and year, different bytes."""
    text = seed(3)
    assert "\n行政许可\t0\t" in text
    return text.replace("\n行政许可\t0\t", "\n行政许可\t2\t", 1)


def _table_png() -> bytes:
    """A picture of a table (what scanned tables pasted into Word look like)."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = next(Path("/usr/share/fonts").rglob("NotoSansCJK-Regular.ttc"), None) or next(Path("/usr/share/fonts").rglob("*CJK*.tt[cf]"))
    font = ImageFont.truetype(str(font_path), 14)
    rows = [["", "自然人", "商业企业", "总计"], ["一、本年新收政府信息公开申请数量", "3", "0", "3"], ["二、上年结转政府信息公开申请数量", "0", "0", "0"]]
    image = Image.new("1", (560, 24 * len(rows) + 1), 1)
    draw = ImageDraw.Draw(image)
    widths = [290, 90, 90, 90]
    for r, row in enumerate(rows):
        x = 0
        for width, text in zip(widths, row):
            draw.rectangle([x, r * 24, x + width - 1, r * 24 + 24], outline=0)
            draw.text((x + 4, r * 24 + 3), text, font=font, fill=0)
            x += width
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _prose_and_headings(text: str) -> list[str]:
    """The seed's lines that are not table rows, in order."""
    return [line.strip() for line in text.split("\n") if line.strip() and "\t" not in line and "|" not in line]


IMAGE_REPORT_SEED = 4
TABLE_SECTIONS = ("二、", "三、", "四、")


def image_tables_docx() -> bytes:
    import docx
    from docx.shared import Cm

    document = docx.Document()
    png = _table_png()
    for line in _prose_and_headings(seed(IMAGE_REPORT_SEED)):
        document.add_paragraph(line)
        if line.startswith(TABLE_SECTIONS):
            document.add_picture(io.BytesIO(png), width=Cm(15))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def image_tables_html() -> str:
    parts = []
    for n, line in enumerate(_prose_and_headings(seed(IMAGE_REPORT_SEED))):
        parts.append(f"<p>{line}</p>")
        if line.startswith(TABLE_SECTIONS):
            parts.append(f'<p style="text-align:center"><img src="/uploads/2025/01/table{n}.png" width="600"></p>')
    title = _prose_and_headings(seed(IMAGE_REPORT_SEED))[0]
    return _cms_page(title, "\n".join(parts))


def no_tables_html() -> str:
    body = (
        "<p>根据《中华人民共和国政府信息公开条例》要求，现将本单位政府信息公开工作年度报告予以公布，详见附件。</p>\n"
        "<p>附件：<a href=\"/uploads/2025/01/nianbao.pdf\">年度报告.pdf</a></p>\n"
        "<p>如对本报告有疑问，请与县人民政府办公室联系（电话：0731-5xxxxxxx）。</p>"
    )
    return _cms_page("关于公布政府信息公开工作年度报告的通知", body)


def _cms_page(title: str, article: str) -> str:
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "-湘潭县人民政府</title></head>\n<body>\n"
        "<div class=\"header\"><a href=\"/\">首页</a> <a href=\"/zwgk/\">政务公开</a> <a href=\"/hdjl/\">互动交流</a></div>\n"
        "<div class=\"position\">当前位置：首页 &gt; 政务公开 &gt; 政府信息公开年报</div>\n"
        "<div class=\"article\">\n<h1>" + title + "</h1>\n<div class=\"info\">发布时间：2025-01-20 来源：县政府办</div>\n"
        + article + "\n</div>\n"
        "<div class=\"footer\">主办：湘潭县人民政府办公室 版权所有 网站标识码4303210001</div>\n</body></html>\n"
    )


def build(target: Path = HERE) -> dict[str, bytes]:
    files: dict[str, bytes] = {
        "empty.txt": b"",
        "truncated.pdf": truncated_pdf(),
        "encrypted-user-password.pdf": encrypted_pdf("open-sesame"),
        "encrypted-owner-password-only.pdf": encrypted_pdf(""),
        "scanned-no-text-layer.pdf": scanned_pdf(),
        "random-bytes.pdf": _random_bytes(4096, 1),
        "random-bytes.docx": _random_bytes(4096, 2),
        "garbled-after-header.pdf": garbled_pdf(),
        "no-tables.html": no_tables_html().encode("utf-8"),
        "other-kind-gongzuo-baogao.txt": other_kind_report().encode("utf-8"),
        "no-year.txt": no_year_report().encode("utf-8"),
        "image-tables.docx": image_tables_docx(),
        "image-tables.html": image_tables_html().encode("utf-8"),
        "gbk-seed-001.txt": seed(1).encode("gbk"),
        "same-bytes-a.txt": seed(0).encode("utf-8"),
        "same-bytes-b (copy).txt": seed(0).encode("utf-8"),
        "same-unit-year-original.txt": seed(3).encode("utf-8"),
        "same-unit-year-corrected.txt": corrected_report().encode("utf-8"),
    }
    for name, data in files.items():
        (target / name).write_bytes(data)
    return files


if __name__ == "__main__":
    for name, data in build().items():
        print(f"{len(data):>8}  {name}")
