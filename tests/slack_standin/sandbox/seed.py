"""The sandbox's workspace: the people, channels and user groups README's example policy names.

The ids are the ones the example policy (``bot/sandbox_policy.yml``) uses, so the policy
works unchanged: Alice declares, Bob holds the pager this week, Carol is his backup, Dave
manages (and covers weekends with Erin); Frank and Grace are the payments rotation. Each
person has an ``@example.com`` address, so members written as emails resolve too.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..standin import SlackStandIn
from .state import workspace_of


@dataclass(frozen=True)
class Person:
    """Someone the visitor can switch to, and the part they play in the story."""

    user_id: str
    name: str
    tz: str
    part: str

    @property
    def email(self) -> str:
        return f"{self.name}@example.com"


PEOPLE = (
    Person("U0123ALICE", "alice", "Europe/Berlin", "declarer"),
    Person("U0123BOB", "bob", "Europe/Berlin", "on call (primary)"),
    Person("U0123CAROL", "carol", "Europe/Berlin", "backup"),
    Person("U0123DAVE", "dave", "Europe/Berlin", "manager, weekend cover"),
    Person("U0123ERIN", "erin", "Europe/Berlin", "weekend cover"),
    Person("U0123FRANK", "frank", "America/New_York", "payments on call"),
    Person("U0123GRACE", "grace", "America/New_York", "payments backup"),
)
ON_CALL = "U0123BOB"
"""Who the sandbox's clock starts with on call (see ``bot/sandbox_time.py``)."""
GENERAL = "C0123GENERAL"

# (id, name, whether the bot is in it): the example policy's broadcast, on-call,
# stakeholder and digest channels, plus #general to type commands in.
CHANNELS = (
    (GENERAL, "general", False),
    ("C0123456789", "incidents", True),
    ("C0123ONCALL", "oncall-trust-safety", True),
    ("C0123LEGAL", "legal", True),
    ("C0123EXEC", "exec", True),
    ("C0123TSLEADS", "ts-leads", True),
)
USERGROUPS = (
    ("S0123MANAGERS", "managers", ("U0123DAVE",)),
    ("S0123IRLEADS", "ir-leads", ("U0123DAVE",)),
)


def seed(standin: SlackStandIn) -> None:
    """Add the people, channels (everyone in each) and user groups to an empty workspace."""
    for person in PEOPLE:
        standin.add_user(person.user_id, person.name, tz=person.tz, email=person.email)
    everyone = [person.user_id for person in PEOPLE]
    bot = workspace_of(standin).bot_user_id
    for channel_id, name, bot_member in CHANNELS:
        members = [*everyone, bot] if bot_member else everyone
        standin.add_channel(name, channel_id=channel_id, members=members)
    for group_id, handle, group in USERGROUPS:
        standin.add_usergroup(group_id, handle, group)
