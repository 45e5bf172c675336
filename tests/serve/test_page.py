"""The review page in a real browser: Debian's Chromium, driven by Playwright (its own browsers
are never downloaded). Loads the seed article, waits for the proposals, accepts one, rejects
one, accepts one and undoes it, edits it by hand, downloads the result and checks the text, the file
written back and the post-edit log. The screenshot goes to the test's folder, and also to
``$MTFIX_SCREENSHOTS`` when set (``make screenshots`` refreshes the README's)."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest

from tests.conftest import SEED
from tests.serve.conftest import start_server

pytestmark = pytest.mark.languagetool

CHROMIUM = shutil.which("chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_review_an_article_by_keyboard_in_chromium(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    article = tmp_path / "geneva.txt"
    shutil.copy(SEED, article)
    mt = article.read_text(encoding="utf-8")
    log = tmp_path / "post-edits.jsonl"
    proc, url = start_server(
        ["review", str(article), "--no-browser", "--no-model", "--log", str(log)]
    )
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch_persistent_context(
                str(tmp_path / "profile"),
                executable_path=CHROMIUM,
                headless=True,
                args=FLAGS,
                viewport={"width": 1200, "height": 720},
                accept_downloads=True,
            )
            try:
                edit = _review(browser.new_page(), url, tmp_path)
            finally:
                browser.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)

    downloaded = (tmp_path / "reviewed.txt").read_text(encoding="utf-8")
    assert "Byden" not in downloaded
    assert "Can be done." in downloaded and edit in downloaded
    assert "monopolyists" not in downloaded
    # Saved back to the file the page was opened on, and nothing else changed.
    assert article.read_text(encoding="utf-8") == downloaded
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r["action"] for r in records] == ["accept", "reject", "accept", "undo", "edit"]
    assert records[0]["chosen"] == 1 and "Byden" in records[0]["mt"]
    assert "Biden" in records[0]["final"] and "Byden" not in records[0]["final"]
    assert records[1]["final"] == records[1]["mt"] and "Can be done." in records[1]["mt"]
    assert records[3]["final"] == records[3]["mt"] and records[4]["final"] == edit
    assert all(r["document"]["name"] == "geneva.txt" for r in records)
    # The downloaded text is the MT with each decided stretch's final text in its place.
    expected, last = mt, {}
    for r in records:
        last[(r["sentence"]["start"], r["sentence"]["end"])] = r["final"]
    for (start, end), final in sorted(last.items(), reverse=True):
        expected = expected[:start] + final + expected[end:]
    assert downloaded == expected


def _go_to(page, needle: str) -> None:  # type: ignore[no-untyped-def]
    """Move with j/k to the flagged sentence whose MT has ``needle``."""
    for key in ("k",) * 60 + ("j",) * 60:
        if needle in page.inner_text("#mt"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"no flagged sentence has {needle!r}")


def _review(page, url: str, out: Path) -> str:  # type: ignore[no-untyped-def]
    """Review the article; returns the hand edit made."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("#review:not([hidden])", timeout=180_000)
    assert page.locator(".stretch").count() >= 10
    assert page.locator("#legend .chip").count() >= 4

    _go_to(page, "Byden")
    first = page.locator(".candidate").first
    assert "Biden" in first.inner_text() and first.locator("del").count() >= 1
    page.keyboard.press("1")
    page.wait_for_function("document.querySelectorAll('.stretch.accept').length === 1")

    _go_to(page, "Can be done.")
    page.keyboard.press("r")
    page.wait_for_function("document.querySelectorAll('.stretch.reject').length === 1")

    _go_to(page, "monopolyists")
    assert "monopolists" in page.inner_text("#candidates")
    page.keyboard.press("1")
    page.wait_for_function("document.querySelectorAll('.stretch.accept').length === 2")
    page.keyboard.press("u")
    page.wait_for_function("document.querySelectorAll('.stretch.accept').length === 1")
    _go_to(page, "monopolyists")
    page.keyboard.press("e")
    before = page.input_value("#edit-text")
    assert "monopolyists" in before  # the editor opens on the MT
    edit = before.replace("monopolyists", "monopolists").replace(
        "do not have to be accountable to", "are not accountable to"
    )
    page.fill("#edit-text", edit)
    page.keyboard.press("Control+Enter")
    page.wait_for_function("document.querySelectorAll('.stretch.edit').length === 1")
    assert edit in page.inner_text("#article")
    # For the picture: a sentence with its candidates side by side, each diffed against the MT.
    _go_to(page, "▼ Ukraine")
    assert page.locator(".candidate").count() >= 3
    page.wait_for_selector("#message:not(.show)")
    page.wait_for_timeout(500)  # the message's fade-out

    shot = out / "review-page.png"
    page.screenshot(path=str(shot))
    if target := os.environ.get("MTFIX_SCREENSHOTS"):
        shutil.copy(shot, Path(target) / "review-page.png")

    with page.expect_download() as download:
        page.keyboard.press("d")
    download.value.save_as(str(out / "reviewed.txt"))
    page.keyboard.press("s")
    page.wait_for_function("document.getElementById('message').textContent.startsWith('Saved')")
    assert errors == []
    return str(edit)
