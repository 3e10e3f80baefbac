"""waitress's queue warning reaches the log once a minute in a burst (it comes once per
waiting request), and the records in between are not even made."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.log_throttle import MuteAfterEach
from bot.server import make_server


def test_a_burst_is_logged_once_and_the_logger_is_muted_until_the_minute_is_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("firebreak.tests.muted")
    scheduled: list[tuple[float, Callable[[], None]]] = []
    logger.addFilter(MuteAfterEach(logger, 60, schedule=lambda s, f: scheduled.append((s, f))))
    with caplog.at_level(logging.WARNING):
        for depth in range(1, 6):
            logger.warning("Task queue depth is %d", depth)
        assert not logger.isEnabledFor(logging.WARNING)  # no record is made meanwhile
        logger.error("an error still gets through")
        (seconds, unmute), *_ = scheduled
        assert seconds == 60
        unmute()  # the minute is over
        logger.warning("Task queue depth is %d", 9)

    assert [record.getMessage() for record in caplog.records] == [
        "Task queue depth is 1 (more like it are muted for 60 s)",
        "an error still gets through",
        "Task queue depth is 9 (more like it are muted for 60 s)",
    ]


def test_the_server_mutes_waitress_queue_warnings_once() -> None:
    queue = logging.getLogger("waitress.queue")
    for _ in range(2):
        make_server(lambda environ, start_response: [], "127.0.0.1", 0).close()
    assert sum(isinstance(f, MuteAfterEach) for f in queue.filters) == 1
