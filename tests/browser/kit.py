"""Helpers for the browser tests: ports, a served Formwork, screenshots."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from runtime.settings import ROOT

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "browser-pass-1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; make test installs it")
        pytest.skip("chromium is not installed (run make test)")


@dataclass(frozen=True)
class Served:
    """A running `formwork serve` on its own fresh CRM database."""

    base: str
    env: dict[str, str]
    admin_key: str

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call the API as the admin (its API key)."""
        return httpx.request(
            method,
            f"{self.base}{path}",
            headers={"Authorization": f"Bearer {self.admin_key}"},
            timeout=10,
            **kwargs,
        )

    def run(self, *args: str) -> str:
        """Run a `formwork` command against the same database; return its last line."""
        formwork = str(Path(sys.executable).parent / "formwork")
        done = subprocess.run(
            [formwork, *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return done.stdout.strip().splitlines()[-1]


@contextmanager
def serve(folder: Path, *, browser: bool = True) -> Iterator[Served]:
    """Init the CRM template in `folder`, serve it on a free port, stop it afterwards."""
    if browser:
        require_chromium()
    port = free_port()
    env = {
        **os.environ,
        "FORMWORK_DATABASE_URL": f"sqlite:///{folder / 'fw.db'}",
        "FORMWORK_BASE_URL": f"http://127.0.0.1:{port}",
    }
    served = Served(f"http://127.0.0.1:{port}", env, "")
    admin_key = served.run("init", "--template", "crm", "--password", PASSWORD)
    served = Served(served.base, env, admin_key.removeprefix("api key: "))
    formwork = str(Path(sys.executable).parent / "formwork")
    process = subprocess.Popen(
        [formwork, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{served.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("formwork serve did not start")
        yield served
    finally:
        process.terminate()
        process.wait(timeout=10)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@contextmanager
def admin_context(browser: Any, served: Served, *, height: int = 1000) -> Iterator[Any]:
    """A desktop browser context (zh-CN) logged in as the admin at /builder."""
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": height})
    page = ctx.new_page()
    page.goto(f"{served.base}/login?next=/builder")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.base}/builder")
    page.close()
    try:
        yield ctx
    finally:
        ctx.close()
