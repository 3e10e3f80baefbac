"""The server's connections: the loop keeps off a connection while its worker answers on
it, and every answer still arrives whole, however large or slowly read."""

from __future__ import annotations

import contextlib
import http.client
import socket
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from waitress.server import BaseWSGIServer

from bot.http_channel import WorkerFlushedChannel
from bot.server import make_server
from tests.support.harness import serving_wsgi

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

MIB = 1024 * 1024


def _answering(body: Iterable[bytes], length: int) -> WSGIApplication:
    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Length", str(length))])
        return body

    return application


@contextlib.contextmanager
def _served(application: WSGIApplication) -> Iterator[http.client.HTTPConnection]:
    with serving_wsgi(application) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            yield connection
        finally:
            connection.close()


def test_the_loop_leaves_a_connection_alone_while_a_worker_answers_on_it() -> None:
    server = make_server(_answering([], 0), "127.0.0.1", 0)
    assert isinstance(server, BaseWSGIServer)  # one socket
    ours, reader = socket.socketpair()
    channel = WorkerFlushedChannel(server, ours, ("127.0.0.1", 0), server.adj, map={})
    try:
        channel.write_soon(b"x" * 4 * MIB)  # more than the socket takes: the rest is buffered
        assert channel.total_outbufs_len > 0

        channel.requests = [object()]  # type: ignore[list-item]  # a request is being answered
        assert not channel.writable()
        channel.will_close = True
        assert channel.writable()  # closing: the loop flushes and closes as waitress does
        channel.will_close = False
        channel.requests = []
        assert channel.writable()  # answered: the loop sends the rest
    finally:
        channel.handle_close()  # the socket and the buffer's overflow file
        reader.close()
        server.close()


def test_an_answer_larger_than_the_socket_takes_arrives_whole_and_on_the_same_connection() -> None:
    body = bytes(range(256)) * (8 * MIB // 256)  # under waitress's 16 MiB high watermark
    with _served(_answering([body], len(body))) as connection:
        for _ in range(2):  # the same keep-alive connection, twice
            connection.request("GET", "/")
            answer = connection.getresponse()
            assert answer.status == 200
            assert answer.read() == body


def test_a_stream_past_the_high_watermark_is_drained_by_the_loop() -> None:
    chunks = 24  # 24 MiB: the worker waits for the loop to send some before writing more
    chunk = b"z" * MIB
    with _served(_answering((chunk for _ in range(chunks)), chunks * MIB)) as connection:
        connection.request("GET", "/")
        answer = connection.getresponse()
        assert len(answer.read()) == chunks * MIB


def test_the_server_accepts_connections_as_worker_flushed_channels() -> None:
    server = make_server(_answering([], 0), "127.0.0.1", 0)
    try:
        assert isinstance(server, BaseWSGIServer)  # one socket
        assert server.channel_class is WorkerFlushedChannel
    finally:
        server.close()
