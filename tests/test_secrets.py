"""The bot token, the app token and the signing secret never leave the process.

A busy day is played with every logger at DEBUG: declarations, Slack answering 500, 429
and ``invalid_auth``, a listener that blows up, exports, and the CLI failing in the ways
an operator meets. Then every log record (with its stack trace), every message a user
got, every file shared and everything the CLI printed is searched for the secrets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.settings import Settings
from tests.slack_standin import SlackStandIn
from tests.support.cli import Run
from tests.support.harness import ALICE, SIGNING_SECRET, Harness, running_firebreak

LOGGERS = ("", "firebreak", "firebreak.bolt", "slack_bolt", "slack_sdk", "commands", "bot")
APP_TOKEN = "xapp-1-A0FIRE-0000-cafebabe"
WRONG_BOT_TOKEN = "xoxb-1111-2222-wrongtoken"


def _secrets(harness: Harness) -> list[str]:
    return [harness.standin.bot_token, SIGNING_SECRET, APP_TOKEN, WRONG_BOT_TOKEN]


def _everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def _everything_shown(standin: SlackStandIn) -> str:
    """Every Web API argument and response_url body: messages, files, topics, views."""
    calls = [*standin.calls, *standin.response_url_calls]
    return "\n".join(f"{c.method} {c.args!r} {c.response!r}" for c in calls)


def _uploaded(standin: SlackStandIn) -> bytes:
    found = b""
    for call in standin.calls_to("files.completeUploadExternal"):
        for file in call.response.get("files", []):
            found += standin.uploaded(str(file.get("id"))) or b""
    return found


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_a_busy_day_leaks_no_secret(
    database_url: str,
    debug_logs: pytest.LogCaptureFixture,
    cli_on: Callable[[str], Run],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with running_firebreak(database_url) as harness:
        standin = harness.standin
        secrets = _secrets(harness)
        channel = harness.declare("Counterfeit chargers")
        # Slack failing: 500s and 429s the client rides out, then invalid_auth it cannot.
        standin.fail("chat.postMessage", status=500, times=2)
        standin.fail("chat.postMessage", status=429, retry_after=1)
        harness.command("note Seller cluster found", channel=channel.id)
        standin.fail("*", status=200, error="invalid_auth", times=3)
        harness.command("note Second note", channel=channel.id)
        harness.command("declare Payout fraud ring")
        standin.clear_faults()
        # A listener that blows up after acking.
        gateway = harness.firebreak.services.gateway

        def broken(*_args: object) -> None:
            raise RuntimeError("the card renderer fell over")

        monkeypatch.setattr(gateway, "post_note", broken)
        harness.command("note Third note", channel=channel.id)
        monkeypatch.undo()
        harness.command("export incidents", channel=channel.id)
        harness.command("export timeline", channel=channel.id)
        harness.command("report", channel=channel.id)
        shown = _everything_shown(standin)
        files = _uploaded(standin)
        replies = "\n".join(m.text for m in standin.ephemerals(ALICE))
        run = cli_on(database_url)
        cli_output = [run("export", "timeline"), run("audit", "INC-1"), run("report", "INC-1")]
        # The CLI refused by Slack (a wrong token), and with a bad setting beside good ones.
        monkeypatch.setenv("SLACK_API_URL", standin.api_url)
        monkeypatch.setenv("SLACK_BOT_TOKEN", WRONG_BOT_TOKEN)
        monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        cli_output.append(refused := run("serve"))
        monkeypatch.setenv("PORT", "not-a-port")
        cli_output.append(bad_setting := run("db", "status"))

    assert refused[0] != 0
    assert "SLACK_BOT_TOKEN" in refused[2]
    assert bad_setting[0] != 0
    assert "port" in bad_setting[2].lower()
    logged = _everything_logged(debug_logs)
    assert "the card renderer fell over" in logged
    assert "'Authorization': '(redacted)'" in logged  # slack_sdk logs headers, redacted
    assert files
    assert "Counterfeit chargers" in files.decode()
    for secret in secrets:
        assert secret not in _everything_logged(debug_logs)
        assert secret not in shown
        assert secret.encode() not in files
        assert secret not in replies
        for code, out, err in cli_output:
            assert secret not in out + err, (code, err)


def test_settings_never_show_their_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", WRONG_BOT_TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    settings = Settings()
    shown = "\n".join([repr(settings), str(settings), settings.model_dump_json()])
    for secret in (WRONG_BOT_TOKEN, APP_TOKEN, SIGNING_SECRET):
        assert secret not in shown
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == WRONG_BOT_TOKEN
