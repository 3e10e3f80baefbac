"""`firebreak serve` as a user runs it: a real process, on its embedded defaults."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.slack_standin import SlackStandIn
from tests.support.harness import ALICE, GENERAL, SIGNING_SECRET

STARTUP_LIMIT_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _firebreak() -> str:
    found = shutil.which("firebreak", path=str(Path(sys.executable).parent))
    assert found, "the firebreak console script is not installed next to this Python"
    return found


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(signing_secret=SIGNING_SECRET) as running:
        yield running


def _environment(standin: SlackStandIn, port: int, token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FIREBREAK_CONFIG")}
    env.update(
        SLACK_BOT_TOKEN=token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
        PORT=str(port),
        HOST="127.0.0.1",
    )
    env.pop("SLACK_APP_TOKEN", None)
    return env


def _wait_healthy(process: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"firebreak serve exited: {process.communicate()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)  # waiting for the process to bind its port, not for behaviour
    raise AssertionError("firebreak serve did not become healthy")


def test_serve_on_embedded_defaults_declares_an_incident(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [_firebreak(), "serve"],
        cwd=tmp_path,
        env=_environment(standin, port, standin.bot_token),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_healthy(process, port)
        standin.request_url = f"http://127.0.0.1:{port}/slack/events"

        response = standin.slash_command(ALICE, GENERAL, "/incident", "declare Served for real")

        assert response.status == 200
        standin.wait_for(
            lambda: standin.channel_by_name("inc-1-served-for-real") is not None,
            timeout=10,
            what="the incident channel",
        )
        assert (tmp_path / "firebreak.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_with_a_rejected_token_says_what_to_check(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    result = subprocess.run(
        [_firebreak(), "serve"],
        cwd=tmp_path,
        env=_environment(standin, _free_port(), "xoxb-not-the-right-token"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "did not accept SLACK_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert "xoxb-not-the-right-token" not in result.stderr + result.stdout


def test_serve_in_socket_mode_with_the_readme_two_variables(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    """The manifest's default: SLACK_BOT_TOKEN and SLACK_APP_TOKEN, no signing secret, no URL."""
    env = _environment(standin, _free_port(), standin.bot_token)
    env.pop("SLACK_SIGNING_SECRET")
    env["SLACK_APP_TOKEN"] = standin.app_token
    process = subprocess.Popen(
        [_firebreak(), "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        standin.wait_for_socket_connection(timeout=STARTUP_LIMIT_SECONDS)

        response = standin.slash_command(ALICE, GENERAL, "/incident", "declare Over the socket")
        help_response = standin.slash_command(ALICE, GENERAL, "/incident", "help")

        assert response.status == 200
        assert help_response.status == 200
        standin.wait_for(
            lambda: standin.channel_by_name("inc-1-over-the-socket") is not None,
            timeout=10,
            what="the incident channel",
        )
        texts = [m.text for m in standin.ephemerals(ALICE, GENERAL)]
        assert any("`/incident declare <title>`" in text for text in texts)
        assert [c.token for c in standin.calls_to("apps.connections.open")] == [standin.app_token]
    finally:
        process.terminate()
        process.wait(timeout=10)
