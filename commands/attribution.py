"""Attribute each Slack request's changes to the surface it came through (audit trail)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from storage.surfaces import Surface, on_surface

_SURFACES: dict[str, Surface] = {
    "block_actions": "button",
    "view_submission": "modal",
    "view_closed": "modal",
    "shortcut": "shortcut",
    "message_action": "shortcut",
    "event_callback": "event",
}


def surface_of(body: dict[str, Any]) -> Surface:
    """Slash commands carry ``command``; everything else names its ``type``."""
    if "command" in body:
        return "slash_command"
    return _SURFACES.get(str(body.get("type", "")), "system")


class AttributingApp(App):
    """A Bolt app that runs each request's listeners on the request's surface.

    A global middleware cannot do this: Bolt runs the listener after the middleware chain
    has returned. ``dispatch`` is where every request enters, over HTTP or Socket Mode, and
    the listener is handed to the executor inside it, so the context the executor copies
    (see ``bot.app.ContextCopyingExecutor``) carries the surface.
    """

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        with on_surface(surface_of(req.body)):
            return super().dispatch(req)
