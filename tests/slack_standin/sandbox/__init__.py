"""The stand-in, in a browser: a small Slack-like client for trying an app without Slack.

:func:`mount` adds browser routes to a running :class:`~tests.slack_standin.SlackStandIn`
(on its own 127.0.0.1 port): ``GET /`` serves the client (``static/``: one HTML page, one
script, one style sheet; no build step), which polls ``GET /sandbox/state?as=U…`` for
what that person sees and posts what they do to ``/sandbox/command``, ``/click``,
``/submit``, ``/cancel``, ``/home``, ``/react`` and ``/clock``. Those call the stand-in's
own outbound methods, so the app receives exactly what the tests send it: signed
requests built from what it rendered. The sandbox renders and forwards; it holds no
app behaviour.

Modules::

    routes.py      the HTTP routes
    state.py       what one person sees, as JSON
    timetravel.py  the clock widget's text ("+15m", "to Friday 18:00") as an instant
    seed.py        the demo workspace: people, channels, user groups
"""

from __future__ import annotations

from collections.abc import Mapping

from ..standin import SlackStandIn
from .routes import BrowserRoutes
from .seed import GENERAL, ON_CALL, PEOPLE, Person, seed
from .timetravel import BadJump, TimeTravel

__all__ = [
    "GENERAL",
    "ON_CALL",
    "PEOPLE",
    "BadJump",
    "BrowserRoutes",
    "Person",
    "TimeTravel",
    "mount",
    "seed",
]


def mount(
    standin: SlackStandIn,
    time_travel: TimeTravel | None = None,
    parts: Mapping[str, str] | None = None,
) -> BrowserRoutes:
    """Serve the browser client from ``standin``; ``time_travel`` moves the shared clock
    (without one, only the stand-in's clock moves); ``parts`` labels people in the person
    switcher (default: the seeded story's parts)."""
    if parts is None:
        parts = {person.user_id: person.part for person in PEOPLE}
    routes = BrowserRoutes(standin, time_travel, parts)
    standin.fallback_route = routes
    return routes
