"""A fixture county portal served by a real HTTP server on 127.0.0.1.

The portal has what scraping county sites meets: paginated list pages, report pages in UTF-8 and
GBK, attachments in every format, a 404, a 500 that recovers, slow and trickling responses,
same-host and cross-host redirects, links to another host (http://localhost:PORT -- the same
server under another host name, so a wrongly followed link would show up in the log), robots.txt,
hostile Content-Disposition names, oversized files, and ETag/Last-Modified with 304s.
Every request is logged (path, Host, status, body bytes sent) so tests assert what was fetched.
"""
from __future__ import annotations

import hashlib
import io
import threading
import time
import zipfile
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REAL = Path(__file__).resolve().parent / "real"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BASE_MTIME = datetime(2025, 1, 15, 8, 0, 0, tzinfo=timezone.utc)
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


@dataclass
class Resource:
    body: bytes = b""
    content_type: str = "application/octet-stream"
    status: int = 200
    location: str | None = None
    etag: bool = True
    last_modified: bool = True
    mtime: datetime = BASE_MTIME
    delay: float = 0.0
    """Seconds to wait before answering (slow server)."""
    fail_first: int = 0
    """Answer 500 to this many requests, then serve normally."""
    trickle: float = 0.0
    """Send the body in 1 KiB pieces this many seconds apart."""
    content_length: bool = True
    headers: list[tuple[str, str]] = field(default_factory=list)
    served: int = 0

    def etag_value(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class Hit:
    """One request, logged when it arrives; status and bytes sent are filled in when it ends."""

    path: str
    host: str
    if_none_match: str | None
    if_modified_since: str | None
    at: float
    """time.monotonic() when the request arrived."""
    status: int = 0
    sent: int = 0


class PortalServer:
    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.log: list[Hit] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.other_base = f"http://localhost:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.resources.update(build_portal(self.base, self.other_base))

    def start(self) -> PortalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str, host: str | None = None) -> int:
        return sum(1 for h in self.log if h.path == path and (host is None or h.host == host))

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()

    def set_body(self, path: str, body: bytes) -> None:
        """Publish new content at path (new ETag, later Last-Modified)."""
        res = self.resources[path]
        res.body = body
        res.mtime = res.mtime.replace(year=res.mtime.year + 1)

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self.log.append(hit)


def _make_handler(server: PortalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet test output
            pass

        def do_GET(self) -> None:  # noqa: N802
            hit = Hit(self.path, self.headers.get("Host", ""), self.headers.get("If-None-Match"),
                      self.headers.get("If-Modified-Since"), time.monotonic())
            server._record(hit)
            res = server.resources.get(self.path)
            status, sent = 404, 0
            try:
                if res is None:
                    sent = self._send(404, b"not found", "text/plain", [])
                    status = 404
                    return
                with server._lock:
                    res.served += 1
                    failing = res.served <= res.fail_first
                if res.delay:
                    time.sleep(res.delay)
                if failing:
                    status, sent = 500, self._send(500, b"temporarily broken", "text/plain", [])
                    return
                if res.location is not None:
                    status = res.status
                    sent = self._send(res.status, b"", "text/plain", [("Location", res.location)])
                    return
                validators = []
                if res.etag:
                    validators.append(("ETag", res.etag_value()))
                if res.last_modified:
                    validators.append(("Last-Modified", format_datetime(res.mtime, usegmt=True)))
                if self._not_modified(res):
                    status, sent = 304, self._send(304, None, None, validators)
                    return
                status = res.status
                sent = self._send(res.status, res.body, res.content_type, validators + res.headers,
                                  trickle=res.trickle, content_length=res.content_length)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                hit.status, hit.sent = status, sent

        def _not_modified(self, res: Resource) -> bool:
            inm = self.headers.get("If-None-Match")
            if inm is not None and res.etag:
                return res.etag_value() in [v.strip() for v in inm.split(",")]
            ims = self.headers.get("If-Modified-Since")
            if ims is not None and res.last_modified and inm is None:
                try:
                    return res.mtime <= parsedate_to_datetime(ims)
                except (TypeError, ValueError):
                    return False
            return False

        def _send(self, status: int, body: bytes | None, content_type: str | None, headers: list[tuple[str, str]],
                  trickle: float = 0.0, content_length: bool = True) -> int:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            for name, value in headers:
                self.send_header(name, value)
            if body is not None and content_length:
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            sent = 0
            if body:
                step = 1024 if trickle else 64 * 1024
                for i in range(0, len(body), step):
                    self.wfile.write(body[i:i + step])
                    self.wfile.flush()
                    sent += len(body[i:i + step])
                    if trickle:
                        time.sleep(trickle)
            return sent

    return Handler


# --- content -------------------------------------------------------------------------------------

def ole_file(stream_name: str, tag: str) -> bytes:
    """Bytes with the OLE2 magic and a stream name, enough for format detection (not a real file)."""
    return OLE + b"\x00" * 504 + stream_name.encode("utf-16-le") + b"\x00" * 64 + tag.encode() + b"\x00" * 1024


def xlsx_file(tag: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in (("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", f"<workbook><!-- {tag} --></workbook>")):
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 15, 8, 0, 0))
            zf.writestr(info, text)
    return buf.getvalue()


def small_pdf(tag: str) -> bytes:
    return b"%PDF-1.4\n% gongkai fixture: " + tag.encode() + b"\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def html_page(title: str, body: str) -> str:
    nav = ('<div class="nav"><a href="/index.html">首页</a> | <a href="/zwgk/">政务公开</a> | '
           '<a href="javascript:void(0)" onclick="print()">打印本页</a> | <a href="mailto:zwgk@example.gov.cn">联系我们</a></div>')
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body>{nav}<h1>{title}</h1>\n{body}\n<div class="footer">版权所有 某县人民政府</div></body></html>\n')


REPORT_TABLE = """
<p>二、主动公开政府信息情况</p>
<table border="1"><tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr></table>
<p>三、收到和处理政府信息公开申请情况</p>
<table border="1"><tr><td rowspan="3" colspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>
<td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
<tr><td colspan="3">一、本年新收政府信息公开申请数量</td><td>3</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>3</td></tr>
</table>
<p>四、政府信息公开行政复议、行政诉讼情况</p>
"""


def build_portal(base: str, other: str) -> dict[str, Resource]:
    html = "text/html; charset=utf-8"
    r: dict[str, Resource] = {}

    def page(path: str, title: str, body: str, **kw: object) -> None:
        r[path] = Resource(html_page(title, body).encode("utf-8"), html, **kw)  # type: ignore[arg-type]

    r["/robots.txt"] = Resource(ROBOTS, "text/plain")
    page("/index.html", "某县人民政府", "<p>首页</p>")
    page("/zwgk/nb/index.html", "政府信息公开年报", f"""
<ul class="list">
<li><a href="./202501/t20250110_1.html" title="湘潭县易俗河镇2024年政府信息公开工作年度报告">湘潭县易俗河镇2024年政府信息公开工作年...</a></li>
<li><a href="./202501/t20250111_2.html">花石镇2024年政府信息公开工作年度报告</a></li>
<li><a href="./202501/t20250112_3.html">射埠镇2024年政府信息公开工作年度报告</a></li>
<li><a href="./missing.html">石潭镇2024年政府信息公开工作年度报告</a></li>
<li><a href="./old.html">乌石镇2024年政府信息公开工作年度报告</a></li>
<li><a href="{other}/offsite/report.html">外县2024年政府信息公开工作年度报告</a></li>
<li><a href="/private/report.html">内部2024年政府信息公开工作年度报告</a></li>
<li><a href="./goaway.html">青山桥镇2024年政府信息公开工作年度报告</a></li>
<li><a href="javascript:openReport('nb2024')">锦石乡2024年政府信息公开工作年度报告</a></li>
<li><a href="/zwgk/tzgg/t1.html">关于开展防汛工作的通知</a></li>
</ul>
<div class="page"><a href="index.html">首页</a> <a href="index_1.html">2</a> <a href="index_2.html">3</a> <a href="index_1.html">下一页</a></div>
""")
    page("/zwgk/nb/index_1.html", "政府信息公开年报", """
<ul class="list">
<li><a href="./202401/t20240115_5.html">谭家山镇2023年政府信息公开工作年度报告</a></li>
<li><a href="file:///etc/passwd">本机2023年政府信息公开工作年度报告</a></li>
<li><a href="ftp://127.0.0.1/pub/nb2023.pdf">云湖桥镇2023年度报告.pdf</a></li>
</ul>
<div class="page"><a href="index.html">上一页</a> <a href="index_2.html">下一页</a></div>
""")
    page("/zwgk/nb/index_2.html", "政府信息公开年报", """
<ul class="list">
<li><a href="./202301/t20230120_6.html">中路铺镇2022年政府信息公开工作年度报告</a></li>
<li><a href="./202301/nb2022.pdf">茶恩寺镇2022年度报告.pdf</a></li>
</ul>
<div class="page"><a href="index_1.html">上一页</a></div>
""")
    page("/zwgk/tzgg/t1.html", "关于开展防汛工作的通知", "<p>通知</p>")

    # report pages
    page("/zwgk/nb/202501/t20250110_1.html", "湘潭县易俗河镇2024年政府信息公开工作年度报告", REPORT_TABLE)
    page("/zwgk/nb/202501/t20250111_2.html", "花石镇2024年政府信息公开工作年度报告", """
<p>花石镇2024年政府信息公开工作年度报告详见附件。</p>
<p><a href="/attach/2025/hs-report.pdf">附件1：花石镇2024年年报.pdf</a></p>
<p><a href="/attach/2025/hs-report.docx">附件2：花石镇2024年年报.docx</a></p>
<p><a href="/attach/2025/hs-report.doc">hs-report.doc</a></p>
<p><a href="/attach/2025/hs-report.wps">附件4</a></p>
<p><a href="/attach/2025/hs-report.xls">附件5</a></p>
<p><a href="/attach/2025/hs-report.xlsx">附件6</a></p>
<p><a href="/attach/download?id=1">附件7：年报.pdf</a></p>
<p><a href="/attach/download?id=2">附件8：年报.doc</a></p>
<p><a href="/attach/download?id=3">附件9：统计表.xls</a></p>
<p><a href="/attach/download?id=4">附件10：长名.pdf</a></p>
""")
    gbk = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
           '<title>射埠镇2024年政府信息公开工作年度报告</title></head><body>'
           '<h1>射埠镇2024年政府信息公开工作年度报告</h1><p>联系人：王镕（GBK-only 字）</p>'
           + REPORT_TABLE + '<p><a href="/attach/2025/sb-report.pdf">附件：射埠镇年报扫描件.pdf</a></p></body></html>')
    r["/zwgk/nb/202501/t20250112_3.html"] = Resource(gbk.encode("gbk"), "text/html")
    r["/zwgk/nb/old.html"] = Resource(status=301, location="/zwgk/nb/202501/t20250113_4.html")
    page("/zwgk/nb/202501/t20250113_4.html", "乌石镇2024年政府信息公开工作年度报告", REPORT_TABLE.replace(">3<", ">5<"))
    r["/zwgk/nb/goaway.html"] = Resource(status=302, location=f"{other}/offsite/landing.html")
    page("/offsite/report.html", "外县", REPORT_TABLE)
    page("/offsite/landing.html", "外站", REPORT_TABLE)
    page("/private/report.html", "内部", REPORT_TABLE)
    r["/private/secret.pdf"] = Resource(small_pdf("secret"), "application/pdf")

    page("/zwgk/nb/202401/t20240115_5.html", "谭家山镇2023年政府信息公开工作年度报告", f"""
<p>见附件。</p>
<a href="/attach/2024/flaky.pdf">附件：谭家山镇年报.pdf</a>
<a href="/attach/2024/gone.pdf">附件：旧版.pdf</a>
<a href="{other}/attach/2024/offhost.pdf">附件：外站.pdf</a>
<a href="/private/secret.pdf">附件：内部.pdf</a>
<a href="/attach/2024/hop.pdf">附件：跳转外站.pdf</a>
<a href="/attach/2024/moved.pdf">附件：已迁移.pdf</a>
""")
    page("/zwgk/nb/202301/t20230120_6.html", "中路铺镇2022年政府信息公开工作年度报告", """
<a href="/attach/2023/huge.pdf">附件：超大.pdf</a>
<a href="/attach/2023/huge-stream.pdf">附件：超大无长度.pdf</a>
<a href="/attach/2023/slow.pdf">附件：很慢.pdf</a>
<a href="/attach/2023/slowok.pdf">附件：稍慢.pdf</a>
<a href="/attach/2023/trickle.pdf">附件：细流.pdf</a>
""")

    # attachments
    pdf = "application/pdf"
    r["/attach/2025/hs-report.pdf"] = Resource((REAL / "hongze-district-2023.pdf").read_bytes(), pdf)
    r["/attach/2025/hs-report.docx"] = Resource(
        (REAL / "template-2021-blank.docx").read_bytes(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", last_modified=False)
    r["/attach/2025/hs-report.doc"] = Resource(ole_file("WordDocument", "hs doc"), "application/msword", etag=False)
    r["/attach/2025/hs-report.wps"] = Resource(ole_file("WpsContents", "hs wps"), "application/octet-stream")
    r["/attach/2025/hs-report.xls"] = Resource(ole_file("Workbook", "hs xls"), "application/vnd.ms-excel")
    r["/attach/2025/hs-report.xlsx"] = Resource(
        xlsx_file("hs xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    r["/attach/download?id=1"] = Resource(small_pdf("traversal"), pdf, headers=[
        ("Content-Disposition", 'attachment; filename="../../../../tmp/gongkai-evil.pdf"')])
    r["/attach/download?id=2"] = Resource(ole_file("WordDocument", "rfc5987"), "application/msword", headers=[
        ("Content-Disposition", "attachment; filename=\"fallback.doc\"; "
         "filename*=UTF-8''..%2F..%2F%E8%8A%B1%E7%9F%B3%E9%95%87%00%E5%B9%B4%E6%8A%A5.doc")])
    gbk_name = 'attachment; filename="C:\\Windows\\年报统计.xls"'.encode("gbk").decode("latin-1")
    r["/attach/download?id=3"] = Resource(ole_file("Workbook", "gbk name"), "application/vnd.ms-excel",
                                          headers=[("Content-Disposition", gbk_name)])
    r["/attach/download?id=4"] = Resource(small_pdf("long name"), pdf, headers=[
        ("Content-Disposition", ('attachment; filename="/' + "长" * 300 + "A" * 300 + '.pdf"').encode().decode("latin-1"))])
    r["/attach/2025/sb-report.pdf"] = Resource(small_pdf("sb scan"), pdf)
    r["/zwgk/nb/202301/nb2022.pdf"] = Resource(small_pdf("list page attachment"), pdf)

    r["/attach/2024/flaky.pdf"] = Resource(small_pdf("flaky"), pdf, fail_first=2)
    r["/attach/2024/offhost.pdf"] = Resource(small_pdf("offhost"), pdf)
    r["/attach/2024/hop.pdf"] = Resource(status=302, location=f"{other}/attach/2024/hop-target.pdf")
    r["/attach/2024/hop-target.pdf"] = Resource(small_pdf("hop target"), pdf)
    r["/attach/2024/moved.pdf"] = Resource(status=302, location="/attach/2024/moved-target.pdf")
    r["/attach/2024/moved-target.pdf"] = Resource(small_pdf("moved target"), pdf)

    big = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
    r["/attach/2023/huge.pdf"] = Resource(big, pdf)
    r["/attach/2023/huge-stream.pdf"] = Resource(big + b"stream", pdf, content_length=False)
    r["/attach/2023/slow.pdf"] = Resource(small_pdf("slow"), pdf, delay=0.8)
    r["/attach/2023/slowok.pdf"] = Resource(small_pdf("slow but fine"), pdf, delay=0.1)
    r["/attach/2023/trickle.pdf"] = Resource(small_pdf("trickle") + b"%" * 60 * 1024, pdf, trickle=0.05)

    # a portal whose pagination is written by a script, as TRS WCM sites do
    page("/js/index.html", "年报", """
<a href="./a1.html">甲镇2024年度报告</a>
<script>createPageHTML(3, 0, "index", "html");</script>
""")
    page("/js/index_1.html", "年报", '<a href="./a2.html">乙镇2024年度报告</a>')
    page("/js/index_2.html", "年报", '<a href="./a3.html">丙镇2024年度报告</a>')
    for n in (1, 2, 3):
        page(f"/js/a{n}.html", f"{n}镇年度报告", REPORT_TABLE.replace(">3<", f">{n}<"))
    return r


# --- a portal whose pages carry 发布时间 (the assessment's publication dates) ------------------------

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
DATED_PAGE_REPORT = "0000_211403005_2024"  # a report printed on its page, which says 发布时间 itself
DATED_ATTACHMENT = "0003_450125100_2024"  # a DOCX linked from a page that says 发布时间：2025-04-20
DATED_ATTACHMENT_PUBLISHED = "2025-04-20 10:15"
LAST_MODIFIED_ONLY = "0010_511129207_2024"  # a PDF linked from a page without a date: only Last-Modified
LAST_MODIFIED = datetime(2025, 3, 30, 18, 30, tzinfo=timezone.utc)  # 2025-03-31 02:30 in China: on the deadline


def dated_portal() -> dict[str, Resource]:
    """List page -> three report pages: the report in the page, an attachment under a dated page,
    an attachment under an undated page (served with a Last-Modified)."""
    html = "text/html; charset=utf-8"
    r: dict[str, Resource] = {"/robots.txt": Resource(ROBOTS, "text/plain")}
    r["/nb/index.html"] = Resource(html_page("政府信息公开年报", """
<ul class="list">
<li><a href="./2025/a.html">A镇2024年政府信息公开工作年度报告</a></li>
<li><a href="./2025/b.html">B镇2024年政府信息公开工作年度报告</a></li>
<li><a href="./2025/c.html">C镇2024年政府信息公开工作年度报告</a></li>
</ul>""").encode("utf-8"), html)
    r["/nb/2025/a.html"] = Resource((CORPUS / f"{DATED_PAGE_REPORT}.html").read_bytes(), "text/html")
    r["/nb/2025/b.html"] = Resource(html_page("B镇2024年政府信息公开工作年度报告", f"""
<div class="info">发布时间：{DATED_ATTACHMENT_PUBLISHED} 来源：B镇人民政府</div>
<p>详见附件。</p><p><a href="/files/b.docx">附件：2024年年度报告.docx</a></p>""").encode("utf-8"), html)
    r["/nb/2025/c.html"] = Resource(html_page("C镇2024年政府信息公开工作年度报告", """
<p>详见附件。</p><p><a href="/files/c.pdf">附件：2024年年度报告.pdf</a></p>""").encode("utf-8"), html)
    r["/files/b.docx"] = Resource((CORPUS / f"{DATED_ATTACHMENT}.docx").read_bytes(),
                                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document", last_modified=False)
    r["/files/c.pdf"] = Resource((CORPUS / f"{LAST_MODIFIED_ONLY}.pdf").read_bytes(), "application/pdf", mtime=LAST_MODIFIED)
    return r
