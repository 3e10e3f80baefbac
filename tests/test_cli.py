"""`firebreak db upgrade`, `firebreak serve` refusing a lagging schema, `firebreak config check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from storage import schema
from storage.database import create_database_engine


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for command in ("serve", "db", "config"):
        assert command in out


def test_db_upgrade_brings_an_empty_database_to_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("DATABASE_URL", url)

    assert cli.main(["db", "status"]) == 1
    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["db", "status"]) == 0

    assert schema.schema_state(create_database_engine(url)).up_to_date
    assert "run `firebreak db upgrade`" in capsys.readouterr().out


def test_serve_refuses_an_outdated_shared_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'shared.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")

    assert cli.main(["serve"]) == 2

    err = capsys.readouterr().err
    assert "Run `firebreak db upgrade` first" in err


def test_serve_without_tokens_says_which_to_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)

    assert cli.main(["serve"]) == 2

    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err
    assert "SLACK_SIGNING_SECRET" in err


def test_config_check_names_the_bad_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("default_domain: 12\nchannels: {broadcast: nope}\n", encoding="utf-8")

    assert cli.main(["config", "check", str(path)]) == 2

    err = capsys.readouterr().err
    assert "channels.broadcast" in err


def test_secrets_never_appear_in_settings_output(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import Settings

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-very-secret")
    settings = Settings()

    assert "very-secret" not in repr(settings)
    assert "very-secret" not in str(settings.model_dump())
