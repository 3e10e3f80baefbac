"""Modal submissions: the declare form and the note form."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App
from slack_sdk import WebClient

from commands import ids
from commands.declaring import declare_and_provision
from commands.payload import metadata, metadata_incident, state_values, text_value
from commands.services import Services
from workflows import incidents
from workflows.errors import InvalidInput
from workflows.publishing import publish_note


def register(app: App, services: Services) -> None:
    @app.view(ids.DECLARE_MODAL)
    def on_declare(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = state_values(view)
        origin = metadata(view)
        try:
            request = incidents.DeclareRequest(
                title=str(values.get(ids.TITLE_FIELD) or ""),
                description=str(values.get(ids.DESCRIPTION_FIELD) or ""),
                domain=str(values.get(ids.DOMAIN_FIELD) or services.policy.default_domain),
                severity=str(values.get(ids.SEVERITY_FIELD) or services.policy.default_severity),
                restricted=bool(values.get(ids.RESTRICTED_FIELD)),
                source=text_value(values, ids.SOURCE_FIELD),
                external_ref=text_value(values, ids.EXTERNAL_REF_FIELD),
                market=text_value(values, ids.MARKET_FIELD),
                due_at=_moment(values.get(ids.DUE_FIELD)),
                declared_by=body["user"]["id"],
                # One incident per modal, however many times it is submitted.
                declare_key=f"view:{view['id']}",
                origin_channel_id=origin.get("channel"),
                confirmation_url=origin.get("response_url"),
            )
        except ValidationError as error:
            raise _as_field_error(error) from error
        declare_and_provision(services, request, ack, client, body)

    @app.view(ids.NOTE_MODAL)
    def on_note(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        incident_id = metadata_incident(view)
        text = str(state_values(view).get(ids.NOTE_FIELD) or "")
        with services.sessions.begin() as session:
            entry = incidents.add_note(
                session,
                incident_id,
                text,
                body["user"]["id"],
                services.clock,
                policy=services.policy,
                member_of=services.directory.members_of,
            )
            current = incidents.load(session, incident_id, services.policy)
        ack()
        services.after_ack(client, body, partial(publish_note, services.gateway, current, entry))


def _moment(value: object) -> datetime | None:
    """A datetimepicker's value: seconds since the epoch, the moment the user picked."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


def _as_field_error(error: ValidationError) -> InvalidInput:
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ids.TITLE_FIELD
    messages = {
        ids.TITLE_FIELD: f"Give the incident a title of 1 to {incidents.MAX_TITLE} characters.",
    }
    return InvalidInput(messages.get(field, str(first["msg"])), field=field)
