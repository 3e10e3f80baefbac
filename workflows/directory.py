"""Who people are: the port the domain uses to turn policy members into Slack users.

Rotations list members as Slack user ids or email addresses; paging and mentions
need ids, and times are shown in each person's own time zone.
"""

from __future__ import annotations

from typing import Protocol


class UserDirectory(Protocol):
    def user_id(self, member: str) -> str | None:
        """The Slack user id for a member written as an id or an email; None if unknown."""
        ...

    def time_zone(self, user_id: str) -> str:
        """The user's IANA time zone, or "UTC" when Slack does not know it."""
        ...

    def members_of(self, group_id: str) -> frozenset[str]:
        """The user ids in a user group (``S…``); empty when Slack does not know it."""
        ...
