"""Errors the incident domain raises. Listeners turn them into ephemeral messages at one place.

IncidentError                 a user-facing problem; ``str(error)`` is safe to show
├── InvalidInput              bad command text or form value (``field`` names the input)
├── IncidentNotFound          no incident with that reference
├── NotAnIncidentChannel      a command that needs an incident channel was typed elsewhere
├── OverrideNotFound          no on-call override with that id
├── NotAllowed                the policy's authorisation rules refuse this actor this step
└── AlreadyDone               a repeated request (a retry, a double submit) that changes nothing
StorageUnavailable            the database could not be reached; nothing was saved
"""

from __future__ import annotations


class IncidentError(Exception):
    """A problem the user can understand; the message is written for them."""


class InvalidInput(IncidentError):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class IncidentNotFound(IncidentError):
    def __init__(self, incident_id: int) -> None:
        super().__init__(f"There is no incident INC-{incident_id}.")
        self.incident_id = incident_id


class NotAnIncidentChannel(IncidentError):
    def __init__(self, command: str) -> None:
        super().__init__(
            f"`/incident {command}` works inside an incident channel. "
            "Run it in the incident's channel, or declare one with `/incident declare <title>`."
        )


class OverrideNotFound(IncidentError):
    def __init__(self, override_id: int) -> None:
        super().__init__(
            f"There is no on-call override #{override_id}. "
            "`/oncall schedule` lists the overrides in force with their ids."
        )
        self.override_id = override_id


class NotAllowed(IncidentError):
    """The policy's ``lifecycle.authorisation`` does not let ``actor`` take ``action``."""

    def __init__(self, message: str, *, action: str, actor: str) -> None:
        super().__init__(message)
        self.action = action
        self.actor = actor


class AlreadyDone(IncidentError):
    """What was asked is already so; the message says what stands, and nothing was changed."""


class StorageUnavailable(Exception):
    """The database could not be reached or refused the write; nothing was saved."""
