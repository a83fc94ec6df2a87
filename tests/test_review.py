"""`gongkai review`: a real server (the CLI, on a free loopback port) over a real warehouse of the samples,
a real published PDF and a file that is not a report; HTTP checks of the safety rules, and headless Debian
chromium (Selenium + chromium-driver) for what a person does: open the queue, find the highlighted cell of a
PDF, correct it, publish, and see the correction in the mart and the export."""
from __future__ import annotations

import csv
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pytest
from conftest import REAL, ROOT, SAMPLES

from gongkai.ingest import ingest
from warehouse.corrections import read_corrections

PDF = REAL / "huaian-city-2024.pdf"
GLUED = REAL / "text" / "222_nyn_2021.txt"  # 行政规范性文件3021: 3|0|21 or 30|2|1, no identity decides
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1600,1200"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    def __init__(self, root: Path, db: Path, inbox: Path, store: Path, url: str, env: dict[str, str]) -> None:
        self.root, self.db, self.inbox, self.store, self.url, self.env = root, db, inbox, store, url, env

    def one(self, sql: str, params: list | None = None):
        con = duckdb.connect(str(self.db), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


def _wait(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gongkai review exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError("gongkai review did not answer within 60 s")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("review")
    inbox = root / "inbox"
    inbox.mkdir()
    for path in [*SAMPLES.iterdir(), PDF, GLUED]:
        shutil.copy(path, inbox / path.name)
    (inbox / "会议通知.txt").write_text("关于召开会议的通知\n请各单位准时参加。\n", encoding="utf-8")
    store = root / "corrections" / "corrections.csv"
    env = {**os.environ, "GONGKAI_CORRECTIONS": str(store)}
    db = root / "warehouse.duckdb"
    old = os.environ.get("GONGKAI_CORRECTIONS")
    os.environ["GONGKAI_CORRECTIONS"] = str(store)
    ingest([inbox], db)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gongkai.cli", "review", "--db", str(db), "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url + "/", proc)
        yield Site(root, db, inbox, store, url, env)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if old is None:
            os.environ.pop("GONGKAI_CORRECTIONS", None)
        else:
            os.environ["GONGKAI_CORRECTIONS"] = old


def pdf_id(site: Site) -> str:
    return site.one("SELECT document_id FROM dim_document WHERE format = 'pdf'")[0][0]


def test_the_queue_lists_the_findings_by_kind_and_filters_them(site: Site) -> None:
    page = httpx.get(site.url + "/").text
    inferred = site.one("SELECT count(*) FROM fact_value v JOIN dim_document d USING (document_id) WHERE d.status = 'loaded' AND v.value_semantic = 'inferred'")[0][0]
    assert inferred > 0
    assert f"推定的格子 {inferred}" in page and "隔离的文件 1" in page
    assert page.count('class="item kind-quarantined"') == 1
    only = httpx.get(site.url + "/", params={"kind": "quarantined"}).text
    assert only.count('class="item ') == 1 and "会议通知" in only
    none = httpx.get(site.url + "/", params={"year": "1999"}).text
    assert 'class="item ' not in none


def test_a_post_without_the_csrf_token_is_refused_and_records_nothing(site: Site) -> None:
    response = httpx.post(f"{site.url}/document/{pdf_id(site)}/correct",
                          data={"metric_id": "requests.received", "applicant": "total", "new_value": "1", "who": "x", "why": "y"})
    assert response.status_code == 403
    assert read_corrections(site.store) == []


def test_files_are_served_by_document_id_only(site: Site) -> None:
    document_id = pdf_id(site)
    response = httpx.get(f"{site.url}/document/{document_id}/file")
    assert response.status_code == 200 and response.content == PDF.read_bytes()
    png = httpx.get(f"{site.url}/document/{document_id}/page/4.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert httpx.get(f"{site.url}/document/{document_id}/page/99.png").status_code == 404
    for probe in ("/document/..%2F..%2Fetc%2Fpasswd/file", "/document/0000000000000000/file", "/document/%2Fetc%2Fpasswd/file"):
        response = httpx.get(site.url + probe)
        assert response.status_code == 404 and b"root:" not in response.content


def test_a_text_document_shows_the_lines_around_the_cell(site: Site) -> None:
    document_id, metric, applicant, ref = site.one("""
        SELECT v.document_id, v.metric_id, v.applicant, v.source_ref FROM fact_value v JOIN dim_document d USING (document_id)
        WHERE d.format = 'text' AND v.source_ref LIKE 'line %' AND v.value_semantic = 'number' ORDER BY 1, 2, 3 LIMIT 1""")[0]
    page = httpx.get(f"{site.url}/document/{document_id}", params={"metric": metric, "applicant": applicant}).text
    line = int(ref.split()[1])
    assert f'<span id="line-{line}" class="highlight">' in page


def test_binding_beyond_loopback_needs_a_token(site: Site) -> None:
    result = subprocess.run([sys.executable, "-m", "gongkai.cli", "review", "--db", str(site.db), "--host", "0.0.0.0",
                             "--port", str(free_port())], cwd=ROOT, env=site.env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--token" in result.stderr and "Traceback" not in result.stderr


def test_with_a_token_every_request_needs_it(site: Site) -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gongkai.cli", "review", "--db", str(site.db), "--port", str(port),
                             "--token", "s3cret"], cwd=ROOT, env=site.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait(url + "?token=s3cret", proc)
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, params={"token": "wrong"}).status_code == 401
        with httpx.Client() as client:
            assert client.get(url, params={"token": "s3cret"}).status_code == 200
            assert client.get(url + "corrections").status_code == 200  # the cookie it set
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_glued_run_no_identity_decides_offers_its_splits_and_records_the_one_picked(site: Site) -> None:
    document_id = site.one("SELECT document_id FROM dim_document WHERE source LIKE '%222_nyn_2021.txt'")[0][0]
    page = httpx.get(f"{site.url}/document/{document_id}", params={"metric": "proactive.normative_docs.repealed"}).text
    picked = "proactive.normative_docs.issued=3;proactive.normative_docs.repealed=0;proactive.normative_docs.in_force=21"
    other = "proactive.normative_docs.issued=30;proactive.normative_docs.repealed=2;proactive.normative_docs.in_force=1"
    assert f'value="{picked}"' in page and f'value="{other}"' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    before = site.store.read_bytes() if site.store.exists() else None
    try:
        response = httpx.post(f"{site.url}/document/{document_id}/split", data={
            "csrf_token": csrf, "metric_id": "proactive.normative_docs.repealed", "choice": picked,
            "who": "李科员", "why": "原网页表格为 3、0、21"})
        assert response.status_code in (200, 303)
        rows = read_corrections(site.store)
        assert sorted((r.kind, r.metric_id, r.applicant, r.old_value, r.new_value, r.who) for r in rows) == [
            ("pick_split", "proactive.normative_docs.in_force", "", "", "21", "李科员"),
            ("pick_split", "proactive.normative_docs.issued", "", "", "3", "李科员"),
            ("pick_split", "proactive.normative_docs.repealed", "", "", "0", "李科员"),
        ]
    finally:  # the browser test below starts from an empty store
        if before is None:
            site.store.unlink(missing_ok=True)
        else:
            site.store.write_bytes(before)


# ---------------------------------------------------------------- real browser


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("chromium and chromium-driver are not installed; run scripts/install-system-deps.sh")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.mark.slow
def test_in_the_browser_a_pdf_cell_is_found_corrected_and_published(site: Site, browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    # the queue
    browser.get(site.url + "/")
    assert browser.find_element(By.ID, "queue").is_displayed()
    kinds = {e.get_attribute("class") for e in browser.find_elements(By.CSS_SELECTOR, "tr.item")}
    assert "item kind-quarantined" in kinds and "item kind-inferred" in kinds
    # the PDF document, the cell requests.received × total highlighted on its page
    document_id = pdf_id(site)
    browser.get(f"{site.url}/document/{document_id}?metric=requests.received&applicant=total")
    image = browser.find_element(By.ID, "page-image")
    browser.execute_script("return arguments[0].decode ? arguments[0].decode() : true", image)
    box = browser.find_element(By.ID, "cell-box")
    assert box.is_displayed()
    img, cell = image.rect, box.rect
    assert img["width"] > 300 and 0 < cell["width"] < img["width"] / 5 and 0 < cell["height"] < img["height"] / 10
    assert img["x"] <= cell["x"] and cell["x"] + cell["width"] <= img["x"] + img["width"] + 1
    assert img["y"] <= cell["y"] and cell["y"] + cell["height"] <= img["y"] + img["height"] + 1
    assert browser.find_element(By.ID, "selected-value").text == "3119.0"
    # what the box covers on the rendered page is the printed number: compare with pdfplumber's words there
    import pdfplumber

    with pdfplumber.open(PDF) as pdf:
        page = pdf.pages[3]
        x0 = (cell["x"] - img["x"]) / img["width"] * float(page.width)
        top = (cell["y"] - img["y"]) / img["height"] * float(page.height)
        x1 = x0 + cell["width"] / img["width"] * float(page.width)
        bottom = top + cell["height"] / img["height"] * float(page.height)
        assert page.within_bbox((x0 - 1, top - 1, x1 + 1, bottom + 1)).extract_text().strip() == "3119"
    # correct it, with a name and a reason
    browser.find_element(By.ID, "new_value").send_keys("3120")
    browser.find_element(By.ID, "who").send_keys("王科员")
    browser.find_element(By.ID, "why").send_keys("市政府办公室电话核实")
    browser.find_element(By.ID, "submit-correction").click()
    assert "recorded" in browser.find_element(By.ID, "message").text
    [row] = read_corrections(site.store)
    assert (row.kind, row.metric_id, row.applicant, row.old_value, row.new_value, row.who) == (
        "value", "requests.received", "total", "3119", "3120", "王科员")
    # publish: a re-ingest of the same folder (nothing new but the store changed)
    ingest([site.inbox], site.db)
    unit_key = site.one("SELECT unit_key FROM dim_document WHERE document_id = ?", [document_id])[0][0]
    assert site.one("SELECT received_total FROM mart_unit_year WHERE unit_key = ?", [unit_key]) == [(3120.0,)]
    assert site.one("SELECT who, why, status FROM report_corrections") == [("王科员", "市政府办公室电话核实", "applied")]
    from warehouse.export import export

    export(site.db, tmp_path / "out")
    province, year = site.one("SELECT coalesce(province, '未识别省份'), year FROM dim_document WHERE document_id = ?", [document_id])[0]
    sheet = tmp_path / "out" / province / str(year) / "更正记录.csv"
    with open(sheet, encoding="utf-8-sig", newline="") as fh:
        [exported] = list(csv.DictReader(fh))
    assert (exported["更正值(new_value)"], exported["更正原因(why)"], exported["更正人(who)"]) == ("3120.0", "市政府办公室电话核实", "王科员")
    # the page now shows the corrected value with the extracted one beside it, and the correction applied
    browser.get(f"{site.url}/document/{document_id}?metric=requests.received&applicant=total")
    assert browser.find_element(By.ID, "selected-value").text == "3120.0"
    assert "提取值 3119.0" in browser.find_element(By.ID, "selected-cell").text
    assert "applied" in browser.find_element(By.ID, "document-corrections").text
