"""Start the review application with uvicorn: loopback by default, a token required for anything else."""
from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url(host: str, port: int, token: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def serve(db: Path, host: str = "127.0.0.1", port: int = 8765, token: str | None = None) -> int:
    if not is_loopback(host) and not token:
        print(f"gongkai review: binding to {host} exposes the warehouse beyond this machine; add --token SECRET "
              "(or bind to 127.0.0.1)", file=sys.stderr)
        return 2
    if not Path(db).exists():
        print(f"gongkai review: no warehouse at {db}; run `gongkai ingest` first", file=sys.stderr)
        return 2
    import uvicorn

    from gongkai.review.app import create_app

    app = create_app(Path(db), token=token)
    print(f"gongkai review: {url(host, port, token)}  (warehouse {db}, read-only; Ctrl-C to stop)", flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    except OSError as exc:
        print(f"gongkai review: cannot listen on {host}:{port} ({exc.strerror or exc}); choose another --port", file=sys.stderr)
        return 2
    return 0
