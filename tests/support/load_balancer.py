"""Two Firebreak replicas behind one address, as a production deployment runs them.

``RoundRobinBalancer`` is a tiny TCP proxy on 127.0.0.1: each connection Slack opens
(one per request) goes to the next backend in turn. ``running_replicas`` starts two
complete apps on one database, each with its own engine and pool, listener executor
and waitress server (as two processes would have), puts the balancer in front and
points the Slack stand-in's Request URL at it.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import socketserver
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from bot.app import Firebreak, create_app, slack_client
from bot.server import answers_first_for
from storage.database import create_database_engine, create_session_factory
from tests.support.executor import TrackedPools
from tests.support.harness import SIGNING_SECRET, Harness, running_firebreak, serving, unpaced
from workflows.policy import Policy

CHUNK = 64 * 1024


class RoundRobinBalancer:
    """Forwards each accepted connection to the next of ``backends``, bytes both ways."""

    def __init__(self, backends: Sequence[tuple[str, int]]) -> None:
        self.backends = list(backends)
        self.forwarded = [0] * len(self.backends)
        self._turn = itertools.cycle(range(len(self.backends)))
        self._lock = threading.Lock()
        balancer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                balancer._forward(self.request)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def __enter__(self) -> RoundRobinBalancer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _forward(self, client: socket.socket) -> None:
        with self._lock:
            index = next(self._turn)
            self.forwarded[index] += 1
        with socket.create_connection(self.backends[index]) as upstream:
            back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
            back.start()
            _pipe(client, upstream)
            back.join(timeout=30)


class _Server(socketserver.ThreadingTCPServer):
    request_queue_size = 128  # a burst of concurrent requests must not overflow the backlog


def _pipe(source: socket.socket, target: socket.socket) -> None:
    """Copy until ``source`` closes, then close ``target``'s sending side."""
    with contextlib.suppress(OSError):
        while chunk := source.recv(CHUNK):
            target.sendall(chunk)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


@dataclass
class Replicas:
    """Replica A is the harness's app; B is a second app on the same database and Slack."""

    harness: Harness
    second: Firebreak
    second_pools: TrackedPools
    balancer: RoundRobinBalancer

    @property
    def apps(self) -> tuple[Firebreak, Firebreak]:
        return self.harness.firebreak, self.second

    def settle(self) -> None:
        """Wait for the work both replicas do after acknowledging."""
        self.harness.settle()
        self.second_pools.drain()
        self.harness.settle()


@contextmanager
def running_replicas(database_url: str, policy: Policy | None = None) -> Iterator[Replicas]:
    with running_firebreak(database_url, policy) as harness:
        assert harness.standin.request_url is not None
        first_port = int(harness.standin.request_url.split(":")[2].split("/")[0])
        engine = create_database_engine(database_url)
        pools = TrackedPools()
        answers_first = answers_first_for(engine)
        second = create_app(
            client=slack_client(
                harness.standin.bot_token, harness.standin.api_url, answers_first=answers_first
            ),
            signing_secret=SIGNING_SECRET,
            sessions=create_session_factory(engine),
            policy=harness.firebreak.services.policy,
            clock=harness.clock,
            executor=pools.listeners,
            after_ack=pools.after_ack,
            pacer=unpaced(),
            answers_first=answers_first,
        )
        with serving(second.app, engine, "waitress-b", answers_first) as second_port:
            backends = [("127.0.0.1", first_port), ("127.0.0.1", second_port)]
            try:
                with RoundRobinBalancer(backends) as balancer:
                    harness.standin.request_url = f"http://127.0.0.1:{balancer.port}/slack/events"
                    yield Replicas(harness, second, pools, balancer)
            finally:
                pools.drain()
        pools.shutdown()
        engine.dispose()
