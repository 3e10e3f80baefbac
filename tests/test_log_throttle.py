"""A burst of the same warning reaches the log once, and the next line says how many
were held back (waitress's "task queue depth" warning comes once per waiting request)."""

from __future__ import annotations

import logging

import pytest

from bot.log_throttle import Throttle
from bot.server import make_server


def test_a_burst_is_logged_once_and_the_next_line_counts_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    logger = logging.getLogger("firebreak.tests.throttled")
    logger.addFilter(Throttle(60, now=lambda: now[0]))
    with caplog.at_level(logging.WARNING, logger=logger.name):
        for depth in range(1, 6):
            logger.warning("Task queue depth is %d", depth)
        now[0] += 59
        logger.warning("Task queue depth is %d", 6)
        now[0] += 1
        logger.warning("Task queue depth is %d", 7)
        now[0] += 61
        logger.warning("Task queue depth is %d", 8)

    assert [record.getMessage() for record in caplog.records] == [
        "Task queue depth is 1",
        "Task queue depth is 7 (and 5 more like it in the last 60 s)",
        "Task queue depth is 8",
    ]


def test_the_server_throttles_waitress_queue_warnings_once() -> None:
    queue = logging.getLogger("waitress.queue")
    for _ in range(2):
        make_server(lambda environ, start_response: [], "127.0.0.1", 0).close()
    assert sum(isinstance(f, Throttle) for f in queue.filters) == 1
