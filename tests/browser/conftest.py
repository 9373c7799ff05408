"""Browser test fixtures: a served Formwork per module and one Chromium per module."""

from __future__ import annotations

import pytest

from tests.browser.kit import CHROMIUM, CHROMIUM_ARGS, serve

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("served")) as instance:
        yield instance


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(autouse=True)
def _close_pages_after_each_test(request):
    """A test's pages are closed when it ends: one left open keeps its timers (a designer's
    autosave) and could write into the draft the next test of the module edits."""
    yield
    if "browser" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            for page in list(context.pages):
                page.close()
