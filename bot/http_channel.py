"""Waitress's connection handler without the busy loop that took the acks' CPU.

Waitress reads requests and writes buffered answers on one loop thread, and runs the
application on its worker threads. A worker sends what the application writes itself,
at once (waitress's ``send_bytes`` is 1), holding the connection's output lock while it
does. Meanwhile waitress's loop counts the connection as writable, since bytes are
buffered on it; ``select()`` returns at once, as the socket is writable; the loop cannot
take the lock, so it writes nothing and goes round again. Every turn takes the
interpreter lock from the very worker it waits for. Under 50 concurrent requests the loop
turned up to 12,700 times per 150 requests instead of about 1,200, and its CPU went from
30-60 ms to as much as 470 ms (``bench/README.md``).

So here a connection whose request is still running is not writable to the loop: its
worker sends what it writes. Whatever a slow reader leaves buffered goes out through the
loop once the request is done, as before, or at once past the high watermark, where
waitress makes the worker wait for the loop to drain it. Slack's answers are a few
hundred bytes, far below both.
"""

from __future__ import annotations

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer


class WorkerFlushedChannel(HTTPChannel):
    """An HTTP connection the loop leaves alone while a worker answers on it."""

    def writable(self) -> bool:
        worker_sends = (
            self.requests
            and not (self.will_close or self.close_when_flushed)
            and self.total_outbufs_len < self.adj.outbuf_high_watermark
        )
        return False if worker_sends else bool(super().writable())


def use_worker_flushed_channels(server: BaseWSGIServer | MultiSocketServer) -> None:
    """Have ``server`` (one socket or several) accept connections as
    :class:`WorkerFlushedChannel`."""
    listeners = [server] if isinstance(server, BaseWSGIServer) else (server.map or {}).values()
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = WorkerFlushedChannel
