"""An executor whose background work the tests can wait for, instead of sleeping."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt runs listeners here; ``drain()`` returns once everything submitted has finished."""

    def __init__(self, max_workers: int = 16, thread_name_prefix: str = "listener") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def idle(self) -> bool:
        with self._lock:
            return not self._pending

    def drain(self, timeout: float = 60.0) -> None:
        while True:
            with self._lock:
                pending = set(self._pending)
            if not pending:
                return
            _, not_done = wait(pending, timeout=timeout)
            if not_done:
                raise TimeoutError(f"{len(not_done)} listener(s) still running after {timeout}s")


class TrackedPools:
    """The app's two pools, as ``firebreak serve`` has them, both tracked.

    Bolt runs listeners on ``listeners`` up to their ack; they hand the rest to
    ``after_ack``. ``drain()`` returns once neither has anything left, however the work
    passed between them (a listener queues post-ack work; that work may make the Slack
    stand-in send an event, which a listener takes).
    """

    def __init__(self, listener_threads: int = 16) -> None:
        self.listeners = TrackingExecutor(listener_threads, thread_name_prefix="ack")
        self.after_ack = TrackingExecutor(thread_name_prefix="after-ack")

    def drain(self, timeout: float = 60.0) -> None:
        while True:
            self.listeners.drain(timeout)
            self.after_ack.drain(timeout)
            if self.listeners.idle() and self.after_ack.idle():
                return

    def shutdown(self) -> None:
        self.listeners.shutdown(wait=True)
        self.after_ack.shutdown(wait=True)
