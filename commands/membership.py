"""Who may see a restricted incident: the members of its private channel, as Slack says.

Slack's membership is the truth, so it is asked every time (conversations.members, every
page: a channel can have more members than one page holds). When Slack cannot answer, the
incident stays hidden.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from commands.services import Services
from workflows.errors import IncidentNotFound, InvalidInput
from workflows.listing import followup_visibility, incident_visibility

PAGE = 1000
"""The most members Slack returns in one page."""


def in_channel(client: WebClient, channel_id: str | None, user: str) -> bool:
    """Whether ``user`` is in the channel; False when it has none or Slack will not say."""
    if not channel_id:
        return False
    try:
        # slack_sdk follows response_metadata.next_cursor page by page.
        for page in client.conversations_members(channel=channel_id, limit=PAGE):
            if user in page["members"]:
                return True
    except (SlackApiError, SlackClientError, OSError):
        return False
    return False


def may_see(client: WebClient, user: str, *, restricted: bool, channel_id: str | None) -> bool:
    """Anyone may see an unrestricted incident; only its channel's members a restricted one."""
    return not restricted or in_channel(client, channel_id, user)


def require_visible_incident(
    services: Services, client: WebClient, user: str, incident_id: int
) -> None:
    """Refuse a restricted incident named by number from outside its channel exactly as an
    unknown number is refused, so the answer confirms nothing."""
    with services.sessions() as session:
        found = incident_visibility(session, incident_id)
    if found is not None and not may_see(
        client, user, restricted=found.restricted, channel_id=found.channel_id
    ):
        raise IncidentNotFound(incident_id)


def require_visible_followup(
    services: Services, client: WebClient, user: str, followup_id: int
) -> None:
    """The same for a follow-up: its owner and its incident's members may act on it."""
    with services.sessions() as session:
        found = followup_visibility(session, followup_id)
    if found is None or user == found.followup_owner:
        return
    if not may_see(client, user, restricted=found.restricted, channel_id=found.channel_id):
        raise InvalidInput(
            f"There is no follow-up #{followup_id}. `/incident followups` lists the open ones."
        )
