"""What Firebreak registers with Slack; ``app_manifest.yml`` must offer exactly this."""

from __future__ import annotations

INCIDENT_COMMAND = "/incident"
ONCALL_COMMAND = "/oncall"
SLASH_COMMANDS = (INCIDENT_COMMAND, ONCALL_COMMAND)

CHANNEL_RENAME_EVENTS = ("channel_rename", "group_rename")
HOME_EVENTS = ("app_home_opened",)
CAPTURE_EVENTS = ("reaction_added",)
EVENTS = (*CHANNEL_RENAME_EVENTS, *HOME_EVENTS, *CAPTURE_EVENTS)
