"""A faithful fake of Slack for Firebreak's tests (and, later, a browser sandbox).

:class:`SlackStandIn` is a real HTTP server on 127.0.0.1 that plays both sides of Slack:

* app -> Slack: the Web API under ``/api/<method>`` (methods in
  :data:`webapi.table.METHODS`), with Slack's argument, Block Kit, trigger_id and
  rate-limit rules, response_urls and file uploads; every call is recorded;
* Slack -> app: slash commands, block_actions, view submissions and Events API requests,
  built from what the bot rendered, then either POSTed to the app's Request URL signed
  with its signing secret (HTTP mode) or sent as envelopes over a WebSocket the app opened
  with its app-level token (Socket Mode; see ``SlackStandIn.mode``).

Modules, one concept each::

    standin.py       the façade tests use
    workspace.py     all Slack-side state behind one lock; models.py its records
    webapi/          the Web API: table.py (methods, arguments, tiers, token types),
                     dispatch.py (pipeline), one module of handlers per method family
    blockkit.py      Block Kit validation (pure; usable from the bot's own tests)
    ratelimit.py     token buckets per tier;  faults.py  injected failures
    responses.py     response_url and ack bodies shown as messages
    inbound.py       signing and POSTing to the app;  payloads.py  the bodies Slack sends
    socketmode.py    Socket Mode: the WebSocket endpoint, envelopes and acks
    interactions.py  clicking rendered elements, modal state values
    server.py        HTTP plumbing;  clock.py  the stand-in's adjustable clock
    fakeapp.py       a scripted app, to test the stand-in's inbound side without the bot
"""

from .blockkit import validate_blocks, validate_view
from .inbound import InboundResponse
from .models import Channel, Message, RecordedCall, User, UserGroup, View
from .standin import SlackStandIn
from .webapi.table import METHODS

__all__ = [
    "METHODS",
    "Channel",
    "InboundResponse",
    "Message",
    "RecordedCall",
    "SlackStandIn",
    "User",
    "UserGroup",
    "View",
    "validate_blocks",
    "validate_view",
]
