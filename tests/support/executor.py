"""An executor whose background work the tests can wait for, instead of sleeping."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, ParamSpec, TypeVar

from bot.app import AFTER_ACK_THREADS, LISTENER_THREADS

P = ParamSpec("P")
T = TypeVar("T")


class TrackingExecutor(ThreadPoolExecutor):
    """A thread pool whose ``drain()`` returns once everything submitted has finished."""

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

    Listeners run on the request's thread up to their ack and hand the rest to
    ``after_ack``; Bolt's ``listeners`` pool opens modals. ``drain()`` returns once
    neither has anything left, however the work passed between them (post-ack work may
    make the Slack stand-in send an event, whose listener queues more).
    """

    def __init__(self) -> None:
        self.listeners = TrackingExecutor(LISTENER_THREADS, thread_name_prefix="ack")
        self.after_ack = TrackingExecutor(AFTER_ACK_THREADS, thread_name_prefix="after-ack")

    def drain(self, timeout: float = 60.0) -> None:
        while True:
            self.listeners.drain(timeout)
            self.after_ack.drain(timeout)
            if self.listeners.idle() and self.after_ack.idle():
                return

    def shutdown(self) -> None:
        self.listeners.shutdown(wait=True)
        self.after_ack.shutdown(wait=True)
