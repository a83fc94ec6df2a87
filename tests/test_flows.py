"""The Prefect flows end to end: nightly twice against the fixture portal, a real Prefect server
serving the schedule, and extraction on a local Dask cluster.

Real parts only: the portal is an HTTP server on 127.0.0.1, Prefect runs in ephemeral mode or as
`prefect server start` on loopback, Dask is a LocalCluster of worker processes.
"""
from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml

from flows.prefect_env import configure_environment
from gongkai.paths import ROOT, SAMPLES
from portal_fixture import PortalServer, Resource

BIN = Path(sys.executable).parent
SAMPLE_COUNT = len(list(SAMPLES.glob("*.txt")))
AMBIGUOUS_TOWN = "城关镇"          # 88 townships share this name
SCOPE_COUNTY = "150123"           # 和林格尔县, which has one of them
SCOPE_TOWN_CODE = "150123100"
FAST_FETCH = {"backoff_base": 0.05, "read_timeout": 5.0, "total_timeout": 20.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def quiet_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", **extra)
    return env


def write_sources(path: Path, inbox: Path, sites: list[dict]) -> Path:
    path.write_text(yaml.safe_dump({"inbox": str(inbox), "sites": sites}, allow_unicode=True), encoding="utf-8")
    return path


def scoped_report() -> bytes:
    """A seed report renamed to a township whose name alone is ambiguous."""
    text = next(SAMPLES.glob("000_*.txt")).read_text(encoding="utf-8")
    return text.replace("官元镇", AMBIGUOUS_TOWN).encode("utf-8")


# --- fixtures -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def portal():
    server = PortalServer()
    # a second county on the same portal: one report whose township name needs the county scope
    server.resources["/county2/index.html"] = Resource(
        f'<html><body><a href="/county2/cg.html">{AMBIGUOUS_TOWN}2024年政府信息公开工作年度报告</a></body></html>'.encode(),
        "text/html; charset=utf-8")
    server.resources["/county2/cg.html"] = Resource(scoped_report(), "text/plain; charset=utf-8")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ephemeral_prefect(tmp_path_factory):
    """Prefect in ephemeral mode inside this test process, with its own PREFECT_HOME."""
    configure_environment()
    from prefect.settings import (PREFECT_API_URL, PREFECT_HOME, PREFECT_SERVER_ANALYTICS_ENABLED,
                                  PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings)

    home = tmp_path_factory.mktemp("prefect-home")
    with temporary_settings(updates={PREFECT_HOME: str(home), PREFECT_SERVER_ANALYTICS_ENABLED: False,
                                     PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 90},
                            restore_defaults={PREFECT_API_URL}):
        yield
        from prefect.logging.handlers import APILogHandler
        from prefect.server.api.server import SubprocessASGIServer

        APILogHandler().flush()        # send the last run logs while the temporary server still answers,
        SubprocessASGIServer().stop()  # then stop it now, while pytest still captures its log line


@contextmanager
def running(cmd: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT):
    """A background process in its own session, stopped (then killed) with its children."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        for sig, wait in ((signal.SIGINT, 15), (signal.SIGKILL, 10)):
            if proc.poll() is not None:
                break
            os.killpg(proc.pid, sig)
            try:
                proc.wait(wait)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # leftovers of the group (uvicorn, flow-run children)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """A real `prefect server start` on loopback; yields its API URL."""
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = quiet_env(PREFECT_HOME=str(home), PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5",
                    PREFECT_UI_ENABLED="false")
    with running([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                 env, home / "server.log") as proc:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (home / "server.log").read_text(errors="replace")[-3000:]
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "prefect server did not answer /api/health within 90 s"
            time.sleep(0.5)
        yield api


@contextmanager
def client_for(api: str):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}):
        with get_client(sync_client=True) as client:
            yield client


# --- nightly twice, ephemeral -------------------------------------------------------------------

@pytest.mark.slow
def test_nightly_twice_second_run_downloads_and_extracts_nothing(tmp_path, portal, ephemeral_prefect):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    from flows.nightly import ARTIFACT_KEY, nightly
    from warehouse.store import connect_read_only

    sources = write_sources(tmp_path / "sources.yaml", SAMPLES, [
        {"name": "湘潭县政府信息公开年报", "list_url": portal.url("/zwgk/nb/index.html"), "county_code": "430321",
         "rate_limit_per_s": 50, "max_pages": 3, "allow_private": True},
        {"name": "和林格尔县年报", "list_url": portal.url("/county2/index.html"), "county_code": SCOPE_COUNTY,
         "rate_limit_per_s": 50, "allow_private": True},
    ])
    db, raw, exports = tmp_path / "warehouse.duckdb", tmp_path / "raw", tmp_path / "exports"
    params = dict(sources=str(sources), db=str(db), raw=str(raw), exports=str(exports), fetch=FAST_FETCH)

    started = time.monotonic()
    state = nightly(**params, return_state=True)
    first_s = time.monotonic() - started
    assert state.is_completed(), state.message
    first = state.result()
    print(f"first nightly run: {first_s:.1f} s (incl. ephemeral start-up) {first.seconds}")

    new = [d for d in first.scraped if d.status == "new"]
    failed = [d for d in first.scraped if d.status == "failed"]
    assert len(new) >= 10 and {d.site for d in new} == {"湘潭县政府信息公开年报", "和林格尔县年报"}
    assert any("404" in (d.error or "") for d in failed) and any("localhost" in (d.error or "") for d in failed)
    assert first.ingest.loaded >= SAMPLE_COUNT + 1            # the seeds and the scoped portal report at least
    assert first.ingest.quarantined > 0 and len(first.ingest.problems) == first.ingest.quarantined
    assert first.exported and exports.joinpath(".gongkai-export.json").exists()

    con = connect_read_only(db)
    try:
        sources_by_status = dict(con.execute("SELECT status, count(*) FROM dim_document GROUP BY 1").fetchall())
        scoped = con.execute("SELECT region_code, region_method FROM dim_document WHERE unit = ?", [AMBIGUOUS_TOWN]).fetchall()
    finally:
        con.close()
    assert sum(sources_by_status.values()) == first.ingest.loaded + first.ingest.quarantined
    assert scoped == [(SCOPE_TOWN_CODE, "name + the source's county")]   # the site's county_code reached ingest

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=[ARTIFACT_KEY]), flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    assert len(artifacts) == 1 and artifacts[0].type == "markdown"
    markdown = artifacts[0].data
    assert f"| new (extracted and loaded) | {first.ingest.loaded} |" in markdown
    assert f"| quarantined (not loaded; reasons below) | {first.ingest.quarantined} |" in markdown
    assert "## Quarantined" in markdown and "(from http://127.0.0.1:" in markdown
    assert str(db) in markdown and str(exports) in markdown

    db_before = (db.stat().st_mtime_ns, db.stat().st_ino, sha256(db))
    portal.reset_log()
    started = time.monotonic()
    state = nightly(**params, return_state=True)
    second_s = time.monotonic() - started
    assert state.is_completed(), state.message
    second = state.result()
    print(f"second nightly run: {second_s:.1f} s {second.seconds}")

    assert {d.url for d in second.scraped if d.status == "unchanged"} == {d.url for d in new}
    assert not [d for d in second.scraped if d.status == "new"]
    assert {d.url for d in second.scraped if d.status == "failed"} == {d.url for d in failed}
    answered = [h for h in portal.log if h.status not in (404, 301, 302)]
    assert answered and all(h.status == 304 and h.sent == 0 for h in answered), [(h.path, h.status) for h in answered]
    assert second.ingest.loaded == 0 and second.ingest.quarantined == 0
    assert second.ingest.unchanged == first.ingest.loaded + first.ingest.quarantined
    assert (db.stat().st_mtime_ns, db.stat().st_ino, sha256(db)) == db_before   # not rebuilt, not swapped
    assert second.exports_up_to_date and not second.exported
    assert "| new (extracted and loaded) | 0 |" in second.markdown()


@pytest.mark.slow
def test_a_failed_night_still_leaves_its_summary(tmp_path, ephemeral_prefect):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    from flows.nightly import ARTIFACT_KEY, nightly

    sources = write_sources(tmp_path / "sources.yaml", SAMPLES, [])
    not_a_file = tmp_path / "warehouse.duckdb"
    not_a_file.mkdir()                                   # the warehouse path is a folder: ingest must fail
    state = nightly(sources=str(sources), db=str(not_a_file), raw=str(tmp_path / "raw"),
                    exports=str(tmp_path / "exports"), return_state=True)
    assert state.is_failed()
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=[ARTIFACT_KEY]), flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    assert len(artifacts) == 1 and "**The run failed:**" in artifacts[0].data
    assert f"`{SAMPLES}`" in artifacts[0].data                 # what was done before the failure is there


# --- serve on a real Prefect server -------------------------------------------------------------

def test_serve_without_a_server_says_how_to_start_one(tmp_path):
    env = quiet_env(PREFECT_HOME=str(tmp_path / "home"), PREFECT_API_URL=f"http://127.0.0.1:{free_port()}/api")
    done = subprocess.run([str(BIN / "gongkai"), "serve"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "no Prefect server answers at http://127.0.0.1:" in done.stderr
    assert "prefect server start --host 127.0.0.1 --port 4200" in done.stderr
    assert "export PREFECT_API_URL=http://127.0.0.1:4200/api" in done.stderr

    env.pop("PREFECT_API_URL")
    done = subprocess.run([str(BIN / "gongkai"), "serve"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "PREFECT_API_URL is not set" in done.stderr


@pytest.mark.slow
def test_serve_registers_the_schedule_and_a_triggered_run_completes(tmp_path, prefect_server):
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId, FlowRunFilter
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.cli import DEPLOYMENT_NAME, SCHEDULE_CRON, SCHEDULE_TIMEZONE
    from warehouse.store import connect_read_only

    sources = write_sources(tmp_path / "sources.yaml", SAMPLES, [])
    db = tmp_path / "warehouse.duckdb"
    env = quiet_env(PREFECT_API_URL=prefect_server, PREFECT_HOME=str(tmp_path / "home"), PREFECT_RUNNER_POLL_FREQUENCY="2")
    cmd = [str(BIN / "gongkai"), "serve", "--sources", str(sources), "--db", str(db),
           "--raw", str(tmp_path / "raw"), "--exports", str(tmp_path / "exports")]
    name = f"nightly/{DEPLOYMENT_NAME}"
    with running(cmd, env, tmp_path / "serve.log") as serve, client_for(prefect_server) as client:
        deadline = time.monotonic() + 90
        deployment = None
        while deployment is None:
            assert serve.poll() is None, (tmp_path / "serve.log").read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "gongkai serve registered no deployment within 90 s"
            try:
                deployment = client.read_deployment_by_name(name)
            except Exception:  # noqa: BLE001 - not there yet
                time.sleep(1)
        schedule = deployment.schedules[0].schedule
        assert (schedule.cron, schedule.timezone) == (SCHEDULE_CRON, SCHEDULE_TIMEZONE)
        assert deployment.parameters["db"] == str(db)

        with temporary_settings(updates={PREFECT_API_URL: prefect_server}):
            run = run_deployment(name, timeout=240, poll_interval=2)
        assert run.state is not None and run.state.is_completed(), (run.state, (tmp_path / "serve.log").read_text(errors="replace")[-3000:])

        # the server's scheduler (a separate loop, broken by SQLAlchemy 2.1) has queued the nightly runs at 02:00 Shanghai
        deadline = time.monotonic() + 30
        while True:
            scheduled = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
                flow_run_filter=FlowRunFilter(state={"type": {"any_": ["SCHEDULED"]}}))
            if scheduled or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert scheduled, "the server scheduled no run of the deployment"
        local = [r.expected_start_time.astimezone(__import__("zoneinfo").ZoneInfo(SCHEDULE_TIMEZONE)) for r in scheduled]
        assert all((t.hour, t.minute) == (2, 0) for t in local)

    con = connect_read_only(db)
    try:
        assert con.execute("SELECT count(*) FROM dim_document WHERE status = 'loaded'").fetchone()[0] == SAMPLE_COUNT
    finally:
        con.close()


# --- Dask ---------------------------------------------------------------------------------------

@pytest.mark.slow
def test_dask_task_runner_extracts_batches_on_the_cluster(tmp_path, prefect_server):
    import distributed

    from warehouse.store import connect_read_only

    sources = write_sources(tmp_path / "sources.yaml", SAMPLES, [])
    db = tmp_path / "warehouse.duckdb"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0") as cluster:
        env = quiet_env(PREFECT_API_URL=prefect_server, PREFECT_HOME=str(tmp_path / "home"))
        done = subprocess.run(
            [str(BIN / "gongkai"), "nightly", "--sources", str(sources), "--db", str(db), "--raw", str(tmp_path / "raw"),
             "--exports", str(tmp_path / "exports"), "--task-runner", "dask", "--dask-address", cluster.scheduler_address,
             "--batch-size", "2", "--jobs", "1"],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        print(done.stdout)
        prefixes = {name: dict(prefix.state_counts) for name, prefix in cluster.scheduler.task_prefixes.items()}
    assert f"loaded: {SAMPLE_COUNT}" in done.stdout
    # state_counts counts transitions: each batch reached 'memory' (computed) once on a Dask worker
    assert prefixes["extract_batch"]["memory"] == -(-SAMPLE_COUNT // 2), prefixes

    with client_for(prefect_server) as client:
        from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

        runs = client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="extract batch")))
    assert len(runs) == -(-SAMPLE_COUNT // 2) and all(r.state.is_completed() for r in runs)

    con = connect_read_only(db)
    try:
        assert con.execute("SELECT count(*) FROM dim_document WHERE status = 'loaded'").fetchone()[0] == SAMPLE_COUNT
    finally:
        con.close()
