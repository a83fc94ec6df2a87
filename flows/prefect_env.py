"""Prefect's environment for the flow commands, set before Prefect is imported.

Prefect reads its settings once, at import. These machines have no network beyond package
registries (analytics off), and the temporary server of ephemeral mode needs longer than its
default 20 s to start on a cold 2-core machine. Nothing here imports Prefect, so plain
commands stay fast.
"""
from __future__ import annotations

import os

import httpx

ENV_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}

START_SERVER_HINT = (
    "start one in another terminal and point gongkai at it:\n"
    "    prefect server start --host 127.0.0.1 --port 4200\n"
    "    export PREFECT_API_URL=http://127.0.0.1:4200/api"
)


def configure_environment() -> None:
    """Fill in the defaults the caller has not set (an explicit setting always wins)."""
    for key, value in ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)


def configured_api_url() -> str | None:
    """The Prefect API URL from the environment or the active Prefect profile, or None."""
    from prefect.settings import PREFECT_API_URL  # settings only: no client, no server

    value = PREFECT_API_URL.value()
    return str(value).rstrip("/") if value else None


def server_problem(api_url: str | None, timeout_s: float = 5.0) -> str | None:
    """Why no Prefect server answers at api_url, or None if its /health says it is up."""
    if not api_url:
        return "PREFECT_API_URL is not set, so there is no Prefect server to talk to"
    try:
        response = httpx.get(f"{api_url}/health", timeout=timeout_s)
    except httpx.HTTPError as exc:
        return f"no Prefect server answers at {api_url} ({type(exc).__name__}: {exc})"
    if response.status_code != 200:
        return f"the Prefect server at {api_url} answered HTTP {response.status_code} on /health"
    return None
