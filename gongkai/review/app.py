"""The review web application (FastAPI, server-rendered Jinja2 pages).

Safe by default: the published warehouse is opened read-only for each request (a publish swaps the file,
the next request sees it); every POST carries the CSRF token of this process; files are served by
document id only, from the path the warehouse recorded; with a token, every request needs it.
"""
from __future__ import annotations

import hmac
import re
import secrets
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from gongkai.review import queue, source
from warehouse.corrections import (
    KIND_ZH, Correction, CorrectionError, append_corrections, cell_correction, corrections_file, document_sha, now,
    read_corrections, store_replacement,
)
from warehouse.store import connect_read_only

TEMPLATES = Path(__file__).with_name("templates")
MAX_UPLOAD = 64 * 1024 * 1024
TOKEN_COOKIE = "gongkai_review_token"
CANDIDATES = re.compile(r"candidates (?P<options>.+?)(?:, … \(\d+ in all\))? \[cells: (?P<cells>[^\]]+)\]")
"""A splitter note's candidate list (see transforms/splitter.py, _write) and the cells its positions fill."""


def create_app(db: Path, corrections: Path | None = None, token: str | None = None) -> FastAPI:
    app = FastAPI(title="gongkai review", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=str(TEMPLATES))
    csrf = secrets.token_urlsafe(32)
    store = corrections or corrections_file()

    @contextmanager
    def warehouse():
        try:
            con = connect_read_only(db)
        except FileNotFoundError as exc:
            raise HTTPException(503, str(exc)) from exc
        try:
            yield con
        finally:
            con.close()

    @app.middleware("http")
    async def require_token(request: Request, call_next):
        if token is None:
            return await call_next(request)
        given = request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
        if not hmac.compare_digest(given, token):
            return Response("gongkai review: this server needs its access token (open the URL it printed)", status_code=401)
        response = await call_next(request)
        if request.query_params.get("token"):
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return response

    def check_csrf(value: str) -> None:
        if not hmac.compare_digest(value or "", csrf):
            raise HTTPException(403, "the form is out of date (CSRF token); reload the page and try again")

    def page(request: Request, name: str, **context) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {"csrf": csrf, "kinds": queue.KINDS, "kind_zh": KIND_ZH, **context})

    def back(document_id: str, message: str, **params) -> RedirectResponse:
        query = urlencode({k: v for k, v in {**params, "message": message}.items() if v})
        return RedirectResponse(f"/document/{document_id}?{query}", status_code=303)

    def document_row(con, document_id: str) -> dict:
        cursor = con.execute("SELECT * FROM dim_document WHERE document_id = ?", [document_id])
        row = cursor.fetchone()
        if row is None:
            raise HTTPException(404, f"no document {document_id} in the warehouse")
        return dict(zip([c[0] for c in cursor.description], row))

    def document_path(con, document_id: str) -> Path:
        """The file the warehouse recorded for this id; the browser never names a path."""
        doc = document_row(con, document_id)
        sources = [doc["source"]] + [r[0] for r in con.execute(
            "SELECT source FROM document_sources WHERE document_id = ? ORDER BY first_seen", [document_id]).fetchall()]
        for candidate in sources:
            path = Path(candidate)
            if "://" not in candidate and path.is_file():
                return path
        raise HTTPException(404, f"the file of document {document_id} is no longer at {doc['source']}")

    @app.get("/", response_class=HTMLResponse)
    def queue_page(request: Request, province: str = "", county: str = "", year: str = "", kind: str = "") -> HTMLResponse:
        year_value = int(year) if year.isdigit() else None
        with warehouse() as con:
            found, counts = queue.items(con, province or None, county or None, year_value, kind or None)
            choices = queue.filter_choices(con)
            available = queue.available_kinds(con)
        return page(request, "queue.html", items=found, counts=counts, choices=choices, available=available,
                    selected={"province": province, "county": county, "year": year, "kind": kind}, limit=queue.LIMIT)

    @app.get("/document/{document_id}", response_class=HTMLResponse)
    def document_page(request: Request, document_id: str, metric: str = "", applicant: str = "", page_no: int | None = None,
                      message: str = "") -> HTMLResponse:
        with warehouse() as con:
            doc = document_row(con, document_id)
            values = con.execute("""
                SELECT v.metric_id, m.label_zh, v.applicant, a.label_zh, v.value, v.value_semantic, v.raw_text, v.source_ref,
                       v.extracted_value, v.extracted_semantic
                FROM fact_value v LEFT JOIN dim_metric m USING (metric_id) LEFT JOIN dim_applicant a USING (applicant)
                WHERE v.document_id = ? ORDER BY m.sort_order, a.sort_order""", [document_id]).fetchall()
            checks = con.execute("""
                SELECT check_id, metric_id, applicant, expected, reported, detail FROM fact_check
                WHERE document_id = ? AND passed = false ORDER BY check_id, metric_id, applicant""", [document_id]).fetchall()
            notes = con.execute("SELECT metric_id, applicant, action, reason FROM fact_note WHERE document_id = ? ORDER BY 1, 2",
                                [document_id]).fetchall()
            corrections = con.execute("""
                SELECT correction_no, recorded_at, who, why, kind, status, detail, metric_id, applicant, old_value, new_value
                FROM report_corrections WHERE document_id = ? ORDER BY correction_no""", [document_id]).fetchall()
            try:
                path = document_path(con, document_id)
            except HTTPException as exc:
                path, missing = None, exc.detail
            else:
                missing = None
        selected = next((v for v in values if v[0] == metric and (v[2] or "") == applicant), None)
        ref = selected[7] if selected else None
        if selected is None and metric:  # a note about a row (applicant NULL): highlight the row's total
            selected = next((v for v in values if v[0] == metric and v[2] in (None, "total")), None)
            ref = selected[7] if selected else None
        view = {"kind": None}
        if path is not None:
            try:
                view = _source_view(doc["format"], path, ref, page_no)
            except Exception as exc:  # the file was quarantined for a reason: say it, show the rest
                view = {"kind": "error", "message": f"the source cannot be shown: {exc}"}
        pending = [c for c in read_corrections(store) if c.sha256 == doc["sha256"]][-20:] if not corrections else []
        return page(request, "document.html", doc=doc, values=values, checks=checks, notes=notes, corrections=corrections,
                    pending=pending, selected=selected, metric=metric, applicant=applicant, view=view, missing=missing,
                    message=message, candidates=_candidates(notes, metric))

    @app.get("/document/{document_id}/page/{number}.png")
    def page_png(document_id: str, number: int) -> Response:
        with warehouse() as con:
            doc = document_row(con, document_id)
            path = document_path(con, document_id)
        if doc["format"] != "pdf":
            raise HTTPException(404, "only PDF documents have page images")
        try:
            return Response(source.render_pdf_page(path, number), media_type="image/png")
        except IndexError as exc:
            raise HTTPException(404, str(exc)) from exc

    @app.get("/document/{document_id}/file")
    def original(document_id: str) -> FileResponse:
        with warehouse() as con:
            path = document_path(con, document_id)
        return FileResponse(path, filename=path.name, content_disposition_type="attachment")

    @app.post("/document/{document_id}/correct")
    def correct(document_id: str, csrf_token: str = Form(""), metric_id: str = Form(...), applicant: str = Form(""),
                new_value: str = Form(""), who: str = Form(""), why: str = Form(""), kind: str = Form("value")) -> RedirectResponse:
        check_csrf(csrf_token)
        if kind not in ("value", "accept_inferred"):
            raise HTTPException(400, f"unknown kind {kind}")
        try:
            with warehouse() as con:
                row = cell_correction(con, document_id, metric_id, applicant or None, new_value, who, why, kind)
                if kind == "accept_inferred":
                    row = Correction(row.recorded_at, row.who, row.why, kind, row.sha256, row.metric_id, row.applicant,
                                     row.old_value, row.old_value)
            append_corrections(store, [row])
        except CorrectionError as exc:
            return back(document_id, f"not recorded: {exc}", metric=metric_id, applicant=applicant)
        return back(document_id, f"recorded: {metric_id} {applicant} {row.old_value or '-'} → {row.new_value}; applied at the next publish (gongkai ingest)",
                    metric=metric_id, applicant=applicant)

    @app.post("/document/{document_id}/split")
    async def pick_split(request: Request, document_id: str) -> RedirectResponse:
        form = await request.form()
        check_csrf(str(form.get("csrf_token", "")))
        metric_id, choice = str(form.get("metric_id", "")), str(form.get("choice", ""))
        who, why = str(form.get("who", "")), str(form.get("why", ""))
        try:
            pairs = [part.split("=", 1) for part in choice.split(";") if "=" in part]
            if not pairs:
                raise CorrectionError("pick one of the candidate splits")
            with warehouse() as con:
                rows = [cell_correction(con, document_id, cell.split("/")[0], cell.partition("/")[2] or None, v, who,
                                        f"{why} (split {choice})", "pick_split")
                        for cell, v in pairs]
            append_corrections(store, rows)
        except CorrectionError as exc:
            return back(document_id, f"not recorded: {exc}", metric=metric_id)
        return back(document_id, f"recorded: split {choice} of {metric_id}; applied at the next publish", metric=metric_id)

    @app.post("/document/{document_id}/not-report")
    def not_report(document_id: str, csrf_token: str = Form(""), who: str = Form(""), why: str = Form("")) -> RedirectResponse:
        check_csrf(csrf_token)
        try:
            with warehouse() as con:
                sha = document_sha(con, document_id)
            append_corrections(store, [Correction(now(), who.strip(), why.strip(), "not_report", sha)])
        except CorrectionError as exc:
            return back(document_id, f"not recorded: {exc}")
        return back(document_id, "recorded: not a report; applied at the next publish")

    @app.post("/document/{document_id}/replace")
    async def replace(document_id: str, csrf_token: str = Form(""), who: str = Form(""), why: str = Form(""),
                      file: UploadFile = File(...)) -> RedirectResponse:
        check_csrf(csrf_token)
        data = await file.read(MAX_UPLOAD + 1)
        if not data or len(data) > MAX_UPLOAD:
            return back(document_id, f"not recorded: the file is empty or larger than {MAX_UPLOAD // 2**20} MB")
        try:
            with warehouse() as con:
                sha = document_sha(con, document_id)
            row = Correction(now(), who.strip(), why.strip(), "replacement", sha, file="pending")
            row.validate()  # before the file is stored
            _, name = store_replacement(store, data, Path(file.filename or "").suffix)
            append_corrections(store, [Correction(row.recorded_at, row.who, row.why, "replacement", sha, file=name)])
        except CorrectionError as exc:
            return back(document_id, f"not recorded: {exc}")
        return back(document_id, f"recorded: replacement {name}; ingested and applied at the next publish (gongkai ingest)")

    @app.get("/corrections", response_class=HTMLResponse)
    def corrections_page(request: Request) -> HTMLResponse:
        with warehouse() as con:
            rows = con.execute("""
                SELECT correction_no, recorded_at, who, why, kind, status, detail, document_id, unit, year, metric_id, applicant,
                       old_value, new_value FROM report_corrections ORDER BY correction_no DESC""").fetchall()
        recorded = read_corrections(store)
        return page(request, "corrections.html", rows=rows, unpublished=len(recorded) - len(rows), store=store)

    return app


def _source_view(fmt: str | None, path: Path, ref: str | None, page_no: int | None) -> dict:
    if fmt == "pdf":
        count, sizes = source.pdf_page_count(path)
        box = source.pdf_box(ref)
        number = page_no or (box.page if box else source.pdf_page_of(ref)) or 1
        number = min(max(1, number), count)
        width, height = sizes[number - 1]
        highlight = None
        if box and box.page == number:
            highlight = {"left": 100 * box.x0 / width, "top": 100 * box.y0 / height,
                         "width": 100 * (box.x1 - box.x0) / width, "height": 100 * (box.y1 - box.y0) / height}
        return {"kind": "pdf", "page": number, "pages": count, "highlight": highlight, "ref": ref}
    if fmt == "text":
        lines, target = source.text_lines(path, ref)
        return {"kind": "text", "lines": lines, "target": target}
    blocks = source.reader_blocks(path)
    grids = [b for b in blocks if hasattr(b, "rows")]
    return {"kind": "tables", "grids": grids, "ref": ref}


def _candidates(notes: list[tuple], metric: str) -> list[str]:
    """The candidate splits the splitter's notes offer for the row holding `metric`, as choices
    `metric_id/applicant=value;…` (a `?` position, a cell the split leaves open, is not part of the choice)."""
    out: list[str] = []
    for _, _, action, reason in notes:
        found = CANDIDATES.search(reason) if action == "left_null" else None
        if not found:
            continue
        cells = found["cells"].split()
        if metric not in {cell.split("/")[0] for cell in cells}:
            continue
        for option in found["options"].split(", "):
            parts = option.split("|")
            pairs = [f"{cell}={part}" for cell, part in zip(cells, parts) if part not in ("?", "")]
            if len(parts) == len(cells) and pairs:
                out.append(";".join(pairs))
    return out