"""The sandbox in a real browser: headless Chromium drives a whole incident, as a visitor would.

Declare from the message box, raise the severity and pick an owner on the card, jump the
clock 15 minutes and see the escalation, then switch to the owner and resolve through the
modal. Screenshots of each step are saved under the test's tmp_path (paths printed).
Skipped when Chromium or Playwright is missing, unless FIREBREAK_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from bot.sandbox import running_sandbox
from storage.database import create_database_engine, create_session_factory
from storage.models import Incident
from tests.support.executor import TrackedPools
from tests.support.off_shift import next_saturday_noon

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 15_000


def _missing_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (Debian: apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install -e '.[test]')"
    return None


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    """Chromium with a fresh profile directory of its own."""
    missing = _missing_browser()
    if missing is not None:
        if os.environ.get("FIREBREAK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{missing}, and FIREBREAK_REQUIRE_BROWSER=1", pytrace=False)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    profile = tmp_path / "chromium-profile"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield launched
        finally:
            launched.close()


class Shots:
    """Numbered screenshots under one directory, their paths printed for the CI log."""

    def __init__(self, page: Page, directory: Path) -> None:
        self._page = page
        self._directory = directory
        self._count = 0
        directory.mkdir(parents=True, exist_ok=True)

    def take(self, name: str) -> None:
        self._count += 1
        path = self._directory / f"{self._count:02d}-{name}.png"
        self._page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")


def test_declare_escalate_and_resolve_in_the_browser(
    browser: BrowserContext, database_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    pools = TrackedPools()
    errors: list[str] = []
    with running_sandbox(
        database_url,
        executor=pools.listeners,
        after_ack=pools.after_ack,
        tick_seconds=None,
        not_before=next_saturday_noon(),
    ) as sandbox:
        page = browser.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("pageerror", lambda error: errors.append(str(error)))
        shots = Shots(page, tmp_path / "screenshots")
        page.goto(f"{sandbox.url}?as=U0123ALICE")
        expect(page.locator("#pane-title")).to_have_text("#general")
        expect(page.locator("#clock-now")).to_contain_text("(Europe/Berlin)")

        # Alice declares from the message box.
        page.fill("#composer-text", "/incident declare --domain counterfeit Fake power banks")
        page.press("#composer-text", "Enter")
        expect(page.locator(".message.ephemeral")).to_contain_text("INC-1 declared")
        expect(page.locator(".message.ephemeral")).to_contain_text("Only visible to you")
        shots.take("declared")
        page.locator(".message.ephemeral a.channel-link").click()
        expect(page.locator("#pane-title")).to_have_text("#inc-1-fake-power-banks")
        header = page.locator(".block-header", has_text="INC-1 · Fake power banks")
        card = page.locator(".message", has=header)
        facts = card.locator(".fields").first
        expect(card).to_have_count(1)

        # Severity from the card's select, then the owner.
        card.locator("select[data-action-id=incident_severity]").select_option("sev2")
        expect(facts).to_contain_text("SEV2")
        card.locator("select[data-action-id=incident_owner]").select_option("U0123BOB")
        expect(facts).to_contain_text("@bob")
        expect(page.locator("#messages")).to_contain_text("changed severity from SEV3 to SEV2")
        shots.take("severity-and-owner")

        # Fifteen minutes pass without an acknowledgement: the first escalation step.
        expect(page.locator("#messages")).not_to_contain_text("Still unacknowledged")
        page.get_by_role("button", name="+15 min").click()
        expect(page.locator("#messages")).to_contain_text("Still unacknowledged")
        expect(page.locator("#clock-now")).to_contain_text("10:15")
        shots.take("escalated")

        # Bob, the owner, resolves it through the resolve form.
        page.select_option("#person", "U0123BOB")
        expect(page.locator("#pane-title")).to_have_text("#inc-1-fake-power-banks")
        card.get_by_role("button", name="Resolved").click()
        modal = page.locator("#modal")
        expect(modal.locator("#modal-title")).to_have_text("Resolve INC-1")
        shots.take("resolve-form")
        modal.locator("[data-input='resolution_summary.resolution_summary']").fill(
            "Listings removed; seller accounts suspended."
        )
        options = modal.locator("[data-input='root_cause.root_cause'] option:not([value=''])")
        root_cause = options.first.get_attribute("value")
        assert root_cause
        modal.locator("[data-input='root_cause.root_cause']").select_option(root_cause)
        modal.locator("#modal-submit").click()
        expect(page.locator("#modal-backdrop")).to_be_hidden()
        expect(facts).to_contain_text("Resolved")
        shots.take("resolved")
        pools.drain()

        engine = create_database_engine(database_url)
        try:
            with create_session_factory(engine)() as session:
                incident = session.scalars(select(Incident)).one()
        finally:
            engine.dispose()
        assert incident.severity == "sev2"
        assert incident.status == "resolved"
        assert incident.resolution_summary == "Listings removed; seller accounts suspended."
        assert sandbox.standin.internal_errors == []
    assert errors == []
