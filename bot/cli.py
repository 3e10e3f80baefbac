"""``firebreak``: serve the bot, manage the database schema, check the policy file."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from pydantic import ValidationError
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackClientError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot import cli_chart, cli_records, cli_stats, sandbox
from bot.app import create_app, slack_client
from bot.cli_support import CommandFailed, engine_for, incident_number, policy_for, sessions_for
from bot.scheduler import start_scheduler
from bot.server import answers_first_for, make_server, wsgi_application
from bot.settings import Settings
from bot.socket_mode import CheckedSocketModeHandler
from bot.startup_heap import freeze_startup_heap
from storage import schema
from storage.database import create_session_factory
from storage.surfaces import on_surface
from workflows.clock import SystemClock
from workflows.errors import IncidentNotFound
from workflows.policy import PolicyError, load_policy
from workflows.report import render_report

log = logging.getLogger("firebreak")

EXIT_CONFIG = 2
EXIT_NOT_FOUND = 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 0
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"firebreak: bad environment setting:\n{error}", file=sys.stderr)
        return EXIT_CONFIG
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        with on_surface("cli"):
            result: int = args.run(settings, args)
    except CommandFailed as error:
        print(f"firebreak: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except IncidentNotFound as error:
        print(f"firebreak: {error}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except SQLAlchemyError as error:
        print(f"firebreak: could not read the database at DATABASE_URL: {error}", file=sys.stderr)
        return EXIT_CONFIG
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="firebreak",
        description="Self-hosted Slack incident-response bot. Settings come from the "
        "environment: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, SLACK_API_URL, "
        "DATABASE_URL, FIREBREAK_CONFIG, PORT.",
    )
    commands = parser.add_subparsers(title="commands")

    serve = commands.add_parser(
        "serve", help="run the bot (HTTP, or Socket Mode with SLACK_APP_TOKEN)"
    )
    serve.set_defaults(run=_serve)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(title="db commands", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply every pending migration")
    upgrade.set_defaults(run=_db_upgrade)
    status = db_commands.add_parser(
        "status", help="show the schema version and whether it is current"
    )
    status.set_defaults(run=_db_status)

    config = commands.add_parser("config", help="the policy file")
    config_commands = config.add_subparsers(title="config commands", required=True)
    check = config_commands.add_parser("check", help="validate a policy file and print the result")
    check.add_argument("path", nargs="?", type=Path, help="defaults to FIREBREAK_CONFIG")
    check.set_defaults(run=_config_check)

    report = commands.add_parser(
        "report", help="print an incident's report (Markdown) from the database"
    )
    report.add_argument("incident", help="the incident, as INC-42 or 42")
    report.set_defaults(run=_report)
    for add_commands in (
        cli_stats.add_commands,
        cli_records.add_commands,
        cli_chart.add_commands,
        sandbox.add_commands,
    ):
        add_commands(commands)
    return parser


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    engine = engine_for(settings)
    try:
        schema.upgrade(engine)
        print(f"database schema is at {schema.schema_state(engine).current} (latest)")
    except SQLAlchemyError as error:
        raise CommandFailed(f"could not upgrade the database: {error}") from error
    return 0


def _db_status(settings: Settings, _args: argparse.Namespace) -> int:
    state = schema.schema_state(engine_for(settings))
    if state.up_to_date:
        print(f"database schema is at {state.current} (latest)")
        return 0
    print(
        f"database schema is at {state.current or 'nothing'}; latest is {state.head}: "
        "run `firebreak db upgrade`"
    )
    return 1


def _config_check(settings: Settings, args: argparse.Namespace) -> int:
    path = args.path or settings.firebreak_config
    try:
        policy = load_policy(path)
    except PolicyError as error:
        raise CommandFailed(str(error)) from error
    print(f"{path or 'built-in defaults'}: OK")
    print(policy.model_dump_json(indent=2))
    return 0


def _report(settings: Settings, args: argparse.Namespace) -> int:
    """Print the same Markdown `/incident report` uploads; exit 1 for an unknown incident."""
    number = incident_number(args.incident)
    policy = policy_for(settings)
    with sessions_for(settings)() as session:
        markdown = render_report(session, number, policy)
    sys.stdout.write(markdown)
    return 0


def _serve(settings: Settings, _args: argparse.Namespace) -> int:
    missing = settings.missing_for_serve()
    if missing:
        raise CommandFailed(
            "cannot start without "
            + " and ".join(missing)
            + ". See README: 'Create the Slack app'."
        )
    policy = policy_for(settings)
    engine = engine_for(settings)
    _ensure_schema(settings, engine)
    assert settings.slack_bot_token is not None
    answers_first = answers_first_for(engine)
    client = slack_client(
        settings.slack_bot_token.get_secret_value(),
        settings.slack_api_url,
        answers_first=answers_first,
    )
    secret = settings.slack_signing_secret
    try:
        # Bolt checks the token with auth.test here, so a bad token stops us at once.
        firebreak = create_app(
            client=client,
            signing_secret=secret.get_secret_value() if secret else None,
            sessions=create_session_factory(engine),
            policy=policy,
            clock=SystemClock(),
            answers_first=answers_first,
        )
    except (BoltError, SlackClientError, OSError) as error:
        raise CommandFailed(
            f"Slack at {settings.slack_api_url} did not accept SLACK_BOT_TOKEN ({error}). "
            "Check the token (OAuth & Permissions → Bot User OAuth Token) and SLACK_API_URL."
        ) from error
    scheduler = start_scheduler(
        firebreak, resume_every=timedelta(seconds=settings.firebreak_resume_after_seconds)
    )
    frozen = freeze_startup_heap()
    log.debug("froze %d start-up objects out of garbage collection", frozen)
    try:
        if settings.slack_app_token is not None:
            log.info("starting in Socket Mode")
            handler = CheckedSocketModeHandler(
                firebreak.app, settings.slack_app_token.get_secret_value(), answers_first
            )
            handler.start()  # type: ignore[no-untyped-call]  # slack_bolt leaves start() unannotated
        else:
            assert secret is not None  # missing_for_serve() demands it in HTTP mode
            server = make_server(
                wsgi_application(firebreak.app, engine, secret.get_secret_value(), answers_first),
                settings.host,
                settings.port,
            )
            log.info("listening on http://%s:%s/slack/events", settings.host, settings.port)
            server.run()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        scheduler.shutdown(wait=False)
    return 0


def _ensure_schema(settings: Settings, engine: Engine) -> None:
    """Migrate the embedded SQLite file on its own; refuse a shared database that lags."""
    try:
        state = schema.schema_state(engine)
        if state.up_to_date:
            return
        if settings.uses_embedded_database:
            log.info("migrating the embedded database from %s to %s", state.current, state.head)
            schema.upgrade(engine)
            return
    except SQLAlchemyError as error:
        raise CommandFailed(f"cannot reach the database at DATABASE_URL: {error}") from error
    raise CommandFailed(
        f"the database schema is at {state.current or 'nothing (empty database)'}, "
        f"but this Firebreak needs {state.head}. Run `firebreak db upgrade` first."
    )


if __name__ == "__main__":
    sys.exit(main())
