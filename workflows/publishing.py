"""Showing a saved change in Slack: the card, the topic, a line in the channel.

The change is already committed when this runs; a Slack failure here loses
nothing, and the next change re-renders the card from the database.

Two changes to one incident, on two threads or two replicas, commit in order (row
locks) but reach Slack in any order: the card a slower thread sends may be older
than the one already shown. So after sending a card the incident's revision is read
again, and the latest card sent if it moved (:func:`show_latest`). Whoever commits
the last change sends its card after that commit, and anyone sending later re-reads
after that commit too, so the last card Slack holds is the latest. No Slack call is
made inside a transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from workflows.gateway import SlackGateway
from workflows.incident_view import load
from workflows.policy import Policy
from workflows.snapshots import IncidentSnapshot, StateChange, TimelineEntry
from workflows.timeline import revision

log = logging.getLogger(__name__)

MAX_CARD_ROUNDS = 10
"""Re-sends of one card while changes keep landing; each change publishes its own too."""

Newer = Callable[[IncidentSnapshot], IncidentSnapshot | None]
"""The incident read again when it has moved on from a snapshot's revision, else None."""


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


def show_latest(
    send: Callable[[IncidentSnapshot], None], shown: IncidentSnapshot, newer: Newer
) -> None:
    """``send`` the card (or topic) of ``shown``, then again while the incident moved on."""
    for _ in range(MAX_CARD_ROUNDS):
        send(shown)
        latest = newer(shown)
        if latest is None:
            return
        shown = latest
    log.warning("%s kept changing while its card was sent", shown.reference)


def newer_snapshot(
    sessions: sessionmaker[Session], policy: Policy, shown: IncidentSnapshot
) -> IncidentSnapshot | None:
    """The incident as it is now, when it has changed since ``shown`` was read.

    ``sessions`` should be read-only ones: on SQLite a caller may still hold the write
    lock when a card is sent.
    """
    with sessions() as session:
        if revision(session, shown.id) == shown.revision:
            return None
        return load(session, shown.id, policy)
