"""The declare sequence both surfaces share (slash command and form)."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from commands.errors import database_unreachable
from commands.replies import provisioning_problem, tell_privately
from commands.services import Services
from workflows import incidents

log = logging.getLogger(__name__)


def declare_and_provision(
    services: Services,
    request: incidents.DeclareRequest,
    ack: Ack,
    client: WebClient,
    body: dict[str, Any],
) -> None:
    """Check the declaration, ack, then record it and build its Slack side.

    Whatever could be wrong with what the declarer gave is found before the ack and
    answered in it (a usage line, a form's field error). Recording waits for nothing
    after that, so it happens first thing after the ack: a database that fails then is
    reported privately ("nothing was changed"), and once the row is committed a Slack
    failure loses nothing, since a repeated request or the resume job only finishes it.
    """
    incidents.check_declare(request, services.policy)
    ack()
    services.after_ack(
        client, body, partial(_record_and_provision, services, request, client, body)
    )


def _record_and_provision(
    services: Services, request: incidents.DeclareRequest, client: WebClient, body: dict[str, Any]
) -> None:
    with services.sessions.begin() as session:
        incident, created = incidents.declare(session, request, services.policy, services.clock)
    if not created:
        log.info("declare request for %s repeated; not declaring again", incident.reference)
    try:
        outcome = services.provisioner.provision(incident.id)
    except Exception as error:
        if not database_unreachable(error):
            raise
        # The incident is saved: "nothing was changed" would invite a second declare.
        log.warning("provisioning %s paused: the database went away", incident.reference)
        tell_privately(client, body, saved_but_paused(incident.reference))
        return
    problem = provisioning_problem(outcome)
    if problem:
        tell_privately(client, body, problem)


def saved_but_paused(reference: str) -> str:
    return (
        f":warning: {reference} is saved, but the database went away while I was setting up "
        "its channel. I'll finish once it is back; there is no need to declare it again."
    )
