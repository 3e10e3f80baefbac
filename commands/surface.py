"""What Firebreak registers with Slack; ``app_manifest.yml`` must offer exactly this."""

from __future__ import annotations

INCIDENT_COMMAND = "/incident"
ONCALL_COMMAND = "/oncall"
SLASH_COMMANDS = (INCIDENT_COMMAND, ONCALL_COMMAND)

CHANNEL_RENAME_EVENTS = ("channel_rename", "group_rename")
EVENTS = CHANNEL_RENAME_EVENTS
