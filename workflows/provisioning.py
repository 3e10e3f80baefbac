"""Giving a recorded incident its Slack side, step by resumable step.

The incident row is committed before any Slack call. Each step below is done
only if the row says it is not done yet, and its result is committed before the
next, so a failure (or a crash) midway leaves a record that the next attempt —
the same request's or the resume job's — continues from. No Slack call is made
inside a database transaction.

A step whose answer was lost (a timeout, a crash between Slack's answer and the
commit) may have happened all the same. The steps that are not idempotent by
nature are checked on a resumed attempt: the channel is looked up by its name
(the bot's own, not yet any incident's), the card, page and announcement by the
tag each carries. So a retry finishes the job without doing anything twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Incident
from workflows import incidents, similar
from workflows.clock import Clock
from workflows.directory import UserDirectory
from workflows.gateway import (
    ChannelNameTaken,
    MessageTag,
    SlackFailure,
    SlackGateway,
    announcement_tag,
    card_tag,
    page_tag,
)
from workflows.naming import incident_channel_name
from workflows.oncall import on_call_for_domain
from workflows.policy import Policy
from workflows.snapshots import IncidentSnapshot

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_NAME_ATTEMPTS = 20


@dataclass(frozen=True)
class ProvisionOutcome:
    incident: IncidentSnapshot
    complete: bool
    error: SlackFailure | None = None


class Provisioner:
    """Runs the provisioning steps for one incident at a time."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        gateway: SlackGateway,
        directory: UserDirectory,
        policy: Policy,
        clock: Clock,
    ) -> None:
        self._sessions = session_factory
        self._gateway = gateway
        self._directory = directory
        self._policy = policy
        self._clock = clock

    def provision(self, incident_id: int) -> ProvisionOutcome | None:
        """Finish whatever is left; ``None`` when another worker holds the lease or it is done."""
        with self._sessions.begin() as session:
            resumed = was_attempted(session, incident_id)
            if not claim(session, incident_id, self._clock, LEASE):
                return None
        try:
            self._run_steps(incident_id, resumed)
        except SlackFailure as failure:
            log.warning("provisioning INC-%s stopped: %s", incident_id, failure)
            with self._sessions.begin() as session:
                row = session.get_one(Incident, incident_id)
                row.provision_attempts += 1
                row.provision_error = str(failure)
                row.provision_lease_until = None
                current = incidents.snapshot(session, row, self._policy)
            return ProvisionOutcome(incident=current, complete=False, error=failure)
        with self._sessions.begin() as session:
            row = session.get_one(Incident, incident_id)
            row.provisioned_at = self._clock.now()
            row.provision_error = None
            row.provision_lease_until = None
            current = incidents.snapshot(session, row, self._policy)
        return ProvisionOutcome(incident=current, complete=True)

    def resume_pending(self, older_than: timedelta = timedelta(seconds=30), limit: int = 20) -> int:
        """Retry incidents whose provisioning stopped; returns how many were completed."""
        with self._sessions.begin() as session:
            pending = unprovisioned(session, self._clock, older_than, limit)
        completed = 0
        for incident_id in pending:
            outcome = self.provision(incident_id)
            completed += bool(outcome and outcome.complete)
        return completed

    def _run_steps(self, incident_id: int, resumed: bool) -> None:
        row = self._row(incident_id)
        if row.channel_id is None:
            self._create_channel(row)
            row = self._row(incident_id)
        assert row.channel_id is not None
        channel_id = row.channel_id
        if not row.declarer_invited or (row.oncall_paged_at is None and row.oncall_paged is None):
            row = self._invite_people(row)
        if row.card_ts is None:
            with self._sessions.begin() as session:
                # Off the ack's path, before the card that shows them.
                similar.record_suggestions(session, incident_id)
            ts = self._posted_before(resumed, channel_id, card_tag(incident_id))
            ts = ts or self._gateway.post_card(self._snapshot(incident_id))
            row = self._save(incident_id, card_ts=ts)
        if row.confirmation_url is not None:
            self._confirm(incident_id, row.confirmation_url)
        if row.oncall_paged is not None and row.oncall_paged_at is None:
            if not self._posted_before(resumed, channel_id, page_tag(incident_id)):
                self._gateway.page(
                    self._snapshot(incident_id), row.oncall_paged, str(row.oncall_rotation)
                )
            with self._sessions.begin() as session:
                incidents.record_paged(session, incident_id, self._clock)
            row = self._row(incident_id)
        if not row.card_pinned and row.card_ts is not None:
            self._gateway.pin(str(row.channel_id), row.card_ts)
            row = self._save(incident_id, card_pinned=True)
        if not row.topic_set:
            self._gateway.set_topic(self._snapshot(incident_id))
            row = self._save(incident_id, topic_set=True)
        broadcast = self._policy.channels.broadcast
        if broadcast and row.announcement_ts is None:
            ts = self._posted_before(resumed, broadcast, announcement_tag(incident_id))
            ts = ts or self._gateway.announce(broadcast, self._snapshot(incident_id))
            self._save(incident_id, announcement_ts=ts)

    def _posted_before(self, resumed: bool, channel_id: str, tag: MessageTag) -> str | None:
        """On a resumed attempt, the ``ts`` of the post an earlier one may have made."""
        if not resumed:
            return None
        try:
            return self._gateway.find_posted(channel_id, tag)
        except SlackFailure as failure:
            if failure.error == "not_in_channel":
                return None  # A broadcast channel the bot has not joined holds nothing of it.
            raise

    def _invite_people(self, row: Incident) -> Incident:
        """Bring the declarer and the on-call in with one conversations.invite.

        One call, not two, because the card waits for it. Slack adds whoever is not in
        yet, so a retry after a lost answer neither fails nor invites anyone twice.
        """
        on_call: dict[str, object] = {}
        if row.oncall_paged_at is None and row.oncall_paged is None:
            on_call = self._on_call(row)
        users = [] if row.declarer_invited else [row.declared_by]
        paged = on_call.get("oncall_paged")
        if isinstance(paged, str) and paged != row.declared_by:
            users.append(paged)
        try:
            self._gateway.invite(str(row.channel_id), users)
        except SlackFailure as failure:
            if failure.error != "user_not_found" or paged not in users:
                raise
            # A policy naming an id Slack does not know must not stop every declaration.
            log.warning("INC-%s: on-call %s is not a Slack user; nobody paged", row.id, paged)
            on_call = {**on_call, "oncall_paged": None, "oncall_paged_at": self._clock.now()}
            self._gateway.invite(str(row.channel_id), [u for u in users if u != paged])
        return self._save(row.id, declarer_invited=True, **on_call)

    def _on_call(self, row: Incident) -> dict[str, object]:
        """Who is on call for the incident's domain now, as the row's fields to save."""
        with self._sessions() as session:
            covering = on_call_for_domain(session, self._policy, row.domain, row.declared_at)
        if covering is None:
            return {"oncall_paged_at": self._clock.now()}  # No rotations.
        rotation, shift = covering
        user = self._directory.user_id(shift.primary)
        if user is None:
            log.warning(
                "INC-%s: on-call %s of %s is not a Slack user", row.id, shift.primary, rotation
            )
            return {"oncall_rotation": rotation, "oncall_paged_at": self._clock.now()}
        return {"oncall_rotation": rotation, "oncall_paged": user}

    def _create_channel(self, row: Incident) -> None:
        prefix = self._policy.channels.prefix
        for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
            name = incident_channel_name(prefix, row.id, row.title, attempt)
            try:
                channel_id = self._gateway.create_channel(name, private=row.restricted)
            except ChannelNameTaken:
                found = self._adoptable(name)
                if found is None:
                    continue
                channel_id = found
            self._save(row.id, channel_id=channel_id, channel_name=name)
            return
        raise SlackFailure("conversations.create", f"no free channel name after {attempt} tries")

    def _adoptable(self, name: str) -> str | None:
        """The bot's own channel ``name`` that no incident holds: an earlier create of this
        incident whose answer was lost (the name carries the incident's number)."""
        channel_id = self._gateway.find_own_channel(name)
        if channel_id is None:
            return None
        with self._sessions() as session:
            held = session.scalar(select(Incident.id).where(Incident.channel_id == channel_id))
        return None if held is not None else channel_id

    def _confirm(self, incident_id: int, url: str) -> None:
        """Best effort: a response_url lives 30 minutes, and losing this note loses nothing."""
        try:
            self._gateway.confirm_declared(url, self._snapshot(incident_id))
        except SlackFailure as failure:
            log.info("could not confirm INC-%s to its declarer: %s", incident_id, failure)
        self._save(incident_id, confirmation_url=None)

    def _row(self, incident_id: int) -> Incident:
        with self._sessions() as session:
            return session.get_one(Incident, incident_id)

    def _snapshot(self, incident_id: int) -> IncidentSnapshot:
        with self._sessions() as session:
            return incidents.load(session, incident_id, self._policy)

    def _save(self, incident_id: int, **values: object) -> Incident:
        with self._sessions.begin() as session:
            row = session.get_one(Incident, incident_id)
            for name, value in values.items():
                setattr(row, name, value)
            session.flush()
            return row


# Bookkeeping on the incident row: who is working on it, and which are left unfinished


def was_attempted(session: Session, incident_id: int) -> bool:
    """Whether provisioning ran before: it failed (counted) or its worker died (a lease)."""
    row = session.get(Incident, incident_id)
    return row is not None and (row.provision_attempts > 0 or row.provision_lease_until is not None)


def claim(session: Session, incident_id: int, clock: Clock, lease: timedelta) -> bool:
    """Take a short lease on provisioning one incident, so two workers never race on it."""
    now = clock.now()
    result = session.execute(
        update(Incident)
        .where(
            Incident.id == incident_id,
            Incident.provisioned_at.is_(None),
            _unleased(now),
        )
        .values(provision_lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def unprovisioned(session: Session, clock: Clock, older_than: timedelta, limit: int) -> list[int]:
    """Incidents whose Slack side is unfinished and nobody is working on."""
    now = clock.now()
    return list(
        session.scalars(
            select(Incident.id)
            .where(
                Incident.provisioned_at.is_(None),
                Incident.declared_at < now - older_than,
                _unleased(now),
            )
            .order_by(Incident.id)
            .limit(limit)
        )
    )


def _unleased(now: datetime) -> ColumnElement[bool]:
    """No worker holds the lease: never taken, or run out (the worker died or gave up)."""
    return Incident.provision_lease_until.is_(None) | (Incident.provision_lease_until < now)
