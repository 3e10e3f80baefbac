"""Showing a saved change in Slack: the card, the topic, a line in the channel.

The change is already committed when this runs; a Slack failure here loses
nothing, and the next change re-renders the card from the database.
"""

from __future__ import annotations

from workflows.gateway import SlackGateway
from workflows.policy import Policy
from workflows.snapshots import IncidentSnapshot, StateChange, TimelineEntry


def publish_change(gateway: SlackGateway, incident: IncidentSnapshot, change: StateChange) -> None:
    if incident.channel_id is None:
        return  # Still being provisioned: the card will be posted from the current state.
    if change.field == "owner":
        gateway.invite(incident.channel_id, [change.after])
    gateway.update_card(incident)
    gateway.set_topic(incident)
    gateway.post_change(incident, change)


def publish_note(gateway: SlackGateway, incident: IncidentSnapshot, entry: TimelineEntry) -> None:
    if incident.channel_id is not None:
        gateway.post_note(incident, entry)


def update_audiences(policy: Policy, incident: IncidentSnapshot) -> tuple[str, ...]:
    """Where a status update goes besides the incident channel: broadcast, then stakeholders.

    The gateway sends nothing beyond the incident channel for a restricted incident.
    """
    broadcast = (policy.channels.broadcast,) if policy.channels.broadcast else ()
    return broadcast + policy.lifecycle.stakeholder_channels(incident.domain, incident.severity)


def publish_status_update(
    gateway: SlackGateway, policy: Policy, incident: IncidentSnapshot, entry: TimelineEntry
) -> None:
    gateway.post_status_update(incident, entry, update_audiences(policy, incident))
