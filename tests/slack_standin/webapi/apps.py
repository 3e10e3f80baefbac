"""``apps.connections.open``: where a Socket Mode app learns its WebSocket URL.

The app calls it with its app-level token (``xapp-``) and gets a ``ws://`` URL with a
fresh single-use ticket; the WebSocket side is ``socketmode.SocketModeServer``.
"""

from __future__ import annotations

from typing import Any

from .base import ApiCall


def apps_connections_open(call: ApiCall) -> dict[str, Any]:
    """``{"url": "ws://127.0.0.1:<port>/link/?ticket=<fresh>"}``."""
    if call.issue_socket_link is None:
        raise RuntimeError("this Web API was built without a Socket Mode endpoint")
    return {"url": call.issue_socket_link()}
