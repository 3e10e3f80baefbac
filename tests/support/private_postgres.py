"""A throwaway PostgreSQL cluster of a test module's own, so it may be stopped and restarted.

The shared server on 127.0.0.1:5432 serves every engineer's tests and must never go
down; database-fault tests need a server they can take away. This one is a real
cluster: ``initdb`` into a temporary directory, ``pg_ctl`` on a free port of 127.0.0.1,
trust authentication. PostgreSQL refuses to run as root, so under root it runs as the
``postgres`` OS user (``runuser``), in a directory that user owns.

Starting takes a few seconds: start one per module. When the server binaries or the
``postgres`` user are missing the tests are skipped with the reason, unless
FIREBREAK_REQUIRE_POSTGRES=1 (as in CI), which turns that into a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storage import schema
from storage.database import create_database_engine
from tests.support.databases import REQUIRE_POSTGRES

BINARIES = "/usr/lib/postgresql/*/bin"
OS_USER = "postgres"
START_TIMEOUT_SECONDS = 30


class PrivatePostgresUnavailable(Exception):
    """This machine cannot run a private cluster; the message says what is missing."""


class PrivatePostgres:
    """One stopped-or-running cluster; ``url`` names a migrated ``firebreak`` database."""

    def __init__(self, bin_dir: Path, as_user: Sequence[str], root: Path, port: int) -> None:
        self._bin = bin_dir
        self._as_user = list(as_user)
        self.root = root
        self.port = port
        self.data = root / "data"
        self.log = root / "server.log"

    @property
    def server_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/firebreak"

    # Lifecycle

    def initialise(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            str(START_TIMEOUT_SECONDS),
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session (their transactions roll back), as an operator's
        restart does; ``immediate`` is a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, outage_seconds: float = 0.0) -> None:
        """A real restart (``pg_ctl stop -m fast``, then start), down ``outage_seconds``.

        Not ``pg_ctl restart``: started without ``-l``, the server would keep our output
        pipes open.
        """
        self.stop()
        if outage_seconds > 0:
            time.sleep(outage_seconds)  # modelling the outage itself, not waiting on a result
        self.start()

    def running(self) -> bool:
        status = subprocess.run(
            [*self._as_user, str(self._bin / "pg_ctl"), "-D", str(self.data), "status"],
            capture_output=True,
            check=False,
        )
        return status.returncode == 0

    def create_database(self) -> str:
        """Create the ``firebreak`` database, migrated to head; returns its URL."""
        admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('DROP DATABASE IF EXISTS "firebreak" WITH (FORCE)'))
            connection.execute(text('CREATE DATABASE "firebreak"'))
        admin.dispose()
        engine = create_database_engine(self.url)
        schema.upgrade(engine)
        engine.dispose()
        return self.url

    def destroy(self) -> None:
        if self.data.exists() and self.running():
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as_user, str(self._bin / program), *args]
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=self.root, timeout=60
        )
        if done.returncode != 0:
            tail = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise subprocess.CalledProcessError(
                done.returncode, command, done.stdout, done.stderr + "\n" + tail
            )


def find_binaries() -> Path:
    """The newest installed server's ``bin`` directory."""
    found = sorted(
        (Path(p) for p in glob.glob(BINARIES) if (Path(p) / "pg_ctl").exists()),
        key=lambda p: _version(p.parent.name),
    )
    if not found:
        raise PrivatePostgresUnavailable(f"no PostgreSQL server binaries in {BINARIES}")
    return found[-1]


def private_postgres() -> PrivatePostgres:
    """An initialised cluster, not yet started; ``PrivatePostgresUnavailable`` if impossible."""
    bin_dir = find_binaries()
    root = Path(tempfile.mkdtemp(prefix="firebreak-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(OS_USER)
        except KeyError as error:
            shutil.rmtree(root, ignore_errors=True)
            raise PrivatePostgresUnavailable(
                f"running as root and there is no {OS_USER!r} OS user to run PostgreSQL as"
            ) from error
        runuser = shutil.which("runuser")
        if runuser is None:
            shutil.rmtree(root, ignore_errors=True)
            raise PrivatePostgresUnavailable("running as root and `runuser` is not installed")
        os.chown(root, account.pw_uid, account.pw_gid)
        as_user = [runuser, "-u", OS_USER, "--"]
    cluster = PrivatePostgres(bin_dir, as_user, root, _free_port())
    try:
        cluster.initialise()
    except subprocess.CalledProcessError as error:
        cluster.destroy()
        raise PrivatePostgresUnavailable(f"initdb failed: {error.stderr.strip()[:300]}") from error
    return cluster


@contextlib.contextmanager
def running_private_postgres() -> Iterator[PrivatePostgres]:
    """A started cluster with a migrated ``firebreak`` database, removed afterwards.

    Skips the calling tests when no cluster can be made (fails under
    FIREBREAK_REQUIRE_POSTGRES=1).
    """
    try:
        cluster = private_postgres()
    except PrivatePostgresUnavailable as error:
        reason = f"a private PostgreSQL cluster cannot be started here: {error}"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{reason} and FIREBREAK_REQUIRE_POSTGRES=1", pytrace=False)
        pytest.skip(reason)
    try:
        cluster.start()
        cluster.create_database()
        yield cluster
    finally:
        cluster.destroy()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())
