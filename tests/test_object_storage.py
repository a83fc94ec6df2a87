"""The raw store and the inbox in S3-compatible object storage, against a real S3 API server.

The server is moto's standalone server (`moto_server`, the S3 REST API over HTTP) on a free
loopback port, started once for the session and stopped at the end. Every client (this process,
`gongkai ingest`, the Dask workers) reaches it through the standard AWS settings only.
"""
from __future__ import annotations

import os
from datetime import date, datetime
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gongkai.paths import ROOT, SAMPLES
from test_flows import free_port

BIN = Path(sys.executable).parent
REAL_PDF = ROOT / "tests" / "real" / "hongze-district-2023.pdf"
BUCKET = "gongkai-test"


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """A moto S3 server on 127.0.0.1; yields the settings a client needs to reach it."""
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text(errors="replace")[-2000:]
            try:
                httpx.get(url, timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "moto_server did not answer within 60 s"
                time.sleep(0.3)
        home = tmp_path_factory.mktemp("aws")
        yield {"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": str(home / "config"),
               "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials")}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    """This process set up as an S3 client of the test server, with an empty bucket; yields the bucket URL."""
    for key, value in s3_endpoint.items():
        monkeypatch.setenv(key, value)
    import fsspec

    fs = fsspec.filesystem("s3")
    if fs.exists(BUCKET):
        fs.rm(BUCKET, recursive=True)
    fs.invalidate_cache()
    fs.mkdir(BUCKET)
    yield f"s3://{BUCKET}"


def upload_reports(bucket: str, prefix: str) -> dict[str, bytes]:
    """The five seed reports and one real PDF put into the bucket; {object URL: bytes}."""
    from gongkai.storage import ObjectPath

    files = {p.name: p.read_bytes() for p in [*sorted(SAMPLES.glob("*.txt")), REAL_PDF]}
    out = {}
    for name, data in files.items():
        target = ObjectPath(f"{bucket}/{prefix}/{name}")
        target.write_bytes(data)
        out[str(target)] = data
    return out


def warehouse_values(db: Path) -> set[tuple]:
    """Every loaded value keyed by the document's content hash, so two warehouses compare across paths."""
    from warehouse.store import connect_read_only

    con = connect_read_only(db)
    try:
        return set(con.execute(
            "SELECT d.sha256, v.metric_id, v.applicant, v.value, v.value_semantic FROM fact_value v "
            "JOIN dim_document d USING (document_id)").fetchall())
    finally:
        con.close()


def sources(db: Path) -> list[str]:
    from warehouse.store import connect_read_only

    con = connect_read_only(db)
    try:
        return sorted(r[0] for r in con.execute("SELECT source FROM dim_document").fetchall())
    finally:
        con.close()


def local_copy(files: dict[str, bytes], folder: Path) -> Path:
    folder.mkdir(parents=True)
    for url, data in files.items():
        (folder / url.rsplit("/", 1)[-1]).write_bytes(data)
    return folder


def test_raw_store_in_a_bucket_keeps_content_addresses_and_the_manifest(s3, tmp_path):
    import hashlib

    from flows.rawstore import MANIFEST_NAME, RawStore, read_manifest
    from gongkai.storage import ObjectPath

    body = SAMPLES.joinpath("000_856c0ba2b5f45a65.txt").read_bytes()
    sha = hashlib.sha256(body).hexdigest()
    raw = f"{s3}/raw"
    with RawStore(raw) as store:
        assert store.find(sha) is None
        temp = store.tmp_dir / "download.part"
        temp.write_bytes(body)
        stored = store.put(temp, sha, ("report.txt",))
        assert str(stored) == f"{raw}/{sha[:2]}/{sha}.txt" and not temp.exists()
        again = store.tmp_dir / "again.part"
        again.write_bytes(body)
        assert store.put(again, sha) == stored and not again.exists()   # the same bytes are stored once
        store.record(url="http://example.test/a.txt", sha256=sha, http_status=200, bytes=len(body), etag='"e1"',
                     outcome="new", is_document=True, path=store.relative(stored))
    assert ObjectPath(f"{raw}/{MANIFEST_NAME}").exists()                 # the manifest went up with the files
    assert ObjectPath(f"{raw}/{sha[:2]}/{sha}.txt").read_bytes() == body

    rows = read_manifest(raw)                                           # read back by a fresh store
    assert [(r["url"], r["sha256"], r["path"]) for r in rows] == [("http://example.test/a.txt", sha, f"{sha[:2]}/{sha}.txt")]
    with RawStore(raw) as store:
        found = store.validators("http://example.test/a.txt")
        assert found is not None and found.path == stored and found.etag == '"e1"'
        assert found.path.read_bytes() == body
        store.record(url="http://example.test/b.txt", outcome="failed", http_status=404)
    assert len(read_manifest(raw)) == 2                                 # a second run appends to the same manifest


def test_ingest_of_a_bucket_inbox_loads_the_same_values_as_a_local_folder(s3, tmp_path):
    files = upload_reports(s3, "inbox")
    local = local_copy(files, tmp_path / "local")
    env = {**os.environ}
    for db, where in ((tmp_path / "bucket.duckdb", f"{s3}/inbox/"), (tmp_path / "local.duckdb", str(local))):
        done = subprocess.run([str(BIN / "gongkai"), "ingest", where, "--db", str(db)], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        assert f"files: {len(files)}  loaded: {len(files)}" in done.stdout, done.stdout
    values = warehouse_values(tmp_path / "bucket.duckdb")
    assert len(values) > 6 * 100 and values == warehouse_values(tmp_path / "local.duckdb")
    assert sources(tmp_path / "bucket.duckdb") == sorted(files)         # documents name their objects

    again = subprocess.run([str(BIN / "gongkai"), "ingest", f"{s3}/inbox", "--db", str(tmp_path / "bucket.duckdb")],
                           env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert f"unchanged: {len(files)}" in again.stdout, again.stdout + again.stderr


@pytest.mark.slow
def test_dask_workers_that_read_only_from_the_bucket_extract_what_a_local_run_does(s3, s3_endpoint, tmp_path):
    """The files exist only in the bucket when the cluster extracts them; the workers get the S3
    settings and nothing else (no shared folder), and run the same batch task as the nightly flow."""
    import distributed

    from flows.batch import extract_in_child
    from gongkai.ingest import ingest
    from gongkai.storage import ObjectPath
    from gongkai.workers import Job, Limits

    files = upload_reports(s3, "inbox")
    local = local_copy(files, tmp_path / "local")
    ingest([local], tmp_path / "local.duckdb")
    shutil.rmtree(local)                                                # from here on, only the bucket has them
    ran_on: set[str] = set()

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0", env=dict(s3_endpoint)) as cluster, \
            distributed.Client(cluster) as client:
        def on_cluster(jobs: list[Job], limits: Limits, _workers: int | None):
            batches = [jobs[i:i + 2] for i in range(0, len(jobs), 2)]
            futures = [client.submit(extract_in_child, batch, limits, 1, pure=False) for batch in batches]
            for future in distributed.as_completed(futures):
                ran_on.update(w for ws in client.who_has([future]).values() for w in ws)
                yield from future.result()

        summary = ingest([ObjectPath(f"{s3}/inbox")], tmp_path / "bucket.duckdb", extract=on_cluster)
        workers = set(client.scheduler_info()["workers"])
    assert summary.loaded == len(files), summary.problems
    assert ran_on and ran_on <= workers                                 # the batches ran on the Dask workers
    assert warehouse_values(tmp_path / "bucket.duckdb") == warehouse_values(tmp_path / "local.duckdb")
    assert sources(tmp_path / "bucket.duckdb") == sorted(files)


def _dates(db: Path) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """(fact_fetch rows, date candidates, published_on per document) keyed by sha256, to compare two warehouses."""
    from warehouse.store import connect_read_only

    con = connect_read_only(db)
    try:
        fetches = con.execute("SELECT d.sha256, f.url, f.page_url, f.first_seen, f.last_modified FROM fact_fetch f "
                              "JOIN dim_document d USING (document_id) ORDER BY 1").fetchall()
        candidates = con.execute("SELECT d.sha256, p.source, p.published_on FROM fact_pubdate p "
                                 "JOIN dim_document d USING (document_id) ORDER BY ALL").fetchall()
        published = con.execute("SELECT sha256, published_on, published_source, published_not_after, published_not_before "
                                "FROM dim_document ORDER BY 1").fetchall()
        return fetches, candidates, published
    finally:
        con.close()


def test_raw_files_read_from_a_bucket_get_the_dates_of_its_manifest(s3, tmp_path):
    """A raw file in the bucket is dated by the bucket's manifest (its first sighting and
    Last-Modified) exactly as the same raw store on disk dates it."""
    import hashlib

    from flows.rawstore import RawStore
    from gongkai.ingest import ingest
    from gongkai.storage import ObjectPath

    body = SAMPLES.joinpath("000_856c0ba2b5f45a65.txt").read_bytes()
    sha = hashlib.sha256(body).hexdigest()
    stored = {}
    for where in (f"{s3}/raw", str(tmp_path / "raw")):
        with RawStore(where) as store:
            temp = store.tmp_dir / "download.part"
            temp.write_bytes(body)
            path = store.put(temp, sha, ("report.txt",))
            store.record(url="http://portal.test/report.txt", sha256=sha, http_status=200, bytes=len(body),
                         fetched_at="2025-02-03T04:05:06+00:00", last_modified="Tue, 28 Jan 2025 08:00:00 GMT",
                         outcome="new", is_document=True, kind="attachment", path=store.relative(path))
        stored[where] = path
    bucket_db, local_db = tmp_path / "bucket.duckdb", tmp_path / "local.duckdb"
    assert isinstance(stored[f"{s3}/raw"], ObjectPath)
    ingest([stored[f"{s3}/raw"]], bucket_db)
    ingest([stored[str(tmp_path / "raw")]], local_db)
    fetches, candidates, published = _dates(bucket_db)
    assert [f[1:] for f in fetches] == [("http://portal.test/report.txt", None, datetime(2025, 2, 3, 4, 5, 6),
                                         "Tue, 28 Jan 2025 08:00:00 GMT")]
    assert {("first_seen", date(2025, 2, 3)), ("last_modified", date(2025, 1, 28))} <= {c[1:] for c in candidates}
    assert published[0][3] == date(2025, 2, 3)                          # first sighting: published no later
    assert (fetches, candidates, published) == _dates(local_db)


_LATE_SETTINGS = """
import os, sys
from pathlib import Path
from gongkai.ingest import ingest
from gongkai.storage import location
settings = dict(arg.split("=", 1) for arg in sys.argv[3:])
out = Path(sys.argv[1])
first = ingest([Path(sys.argv[2])], out / "local.duckdb")  # starts the local workers' server: no S3 settings yet
bucket = settings.pop("BUCKET")
os.environ.update(settings)                                  # as a long-lived process (a flow) may set them later
second = ingest([location("s3://%s/late/report.txt" % bucket)], out / "bucket.duckdb")
print(first.loaded, second.loaded, second.quarantined)
"""


def test_local_workers_started_before_the_settings_read_the_bucket_with_the_settings_of_submission(s3, s3_endpoint, tmp_path):
    """The local pool's processes fork from a server started once; a file in a bucket submitted after
    the S3 settings changed is read with the settings of the moment (it was quarantined with
    'Unable to locate credentials' when an earlier ingest in the same process had started the server)."""
    from gongkai.storage import ObjectPath

    sample = sorted(SAMPLES.glob("*.txt"))[0]
    ObjectPath(f"{s3}/late/report.txt").write_bytes(sorted(SAMPLES.glob("*.txt"))[1].read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FSSPEC_"))}
    args = [f"{k}={v}" for k, v in s3_endpoint.items()] + [f"BUCKET={BUCKET}"]
    done = subprocess.run([sys.executable, "-c", _LATE_SETTINGS, str(tmp_path), str(sample), *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1", "1", "0"], done.stdout + done.stderr[-2000:]
