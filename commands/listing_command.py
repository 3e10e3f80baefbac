"""`/incident list [open|all|mine|owned|sev1|<domain>]`: find incidents, with links.

A restricted incident is listed only to members of its channel: Slack's membership is
the truth, asked with conversations.members.
"""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from commands.blocks.listing import incident_list_text
from commands.blocks.messages import section
from commands.membership import may_see
from commands.parsing import UsageError, truncate_word
from commands.services import Services
from commands.verbs import Invocation, Verbs
from workflows import listing
from workflows.listing import LIST_LIMIT, Filter, ListedIncident
from workflows.policy import Policy
from workflows.scope import known_market

USAGE = (
    "`/incident list` — open incidents. Narrow it with one word: `all` (resolved too), `mine` "
    "(you declared or hold a role), `owned` (you own), a severity such as `sev1`, a domain "
    "such as `counterfeit`, a source such as `regulator`, or a market such as `DE`."
)


def register(app: App, services: Services, verbs: Verbs) -> None:
    verbs["list"] = list_incidents


MEMBERSHIP_CHECKS = LIST_LIMIT
"""At most this many restricted incidents are checked with Slack per list: each check is
a call made before the answer, which Slack wants within 3 seconds."""


def list_incidents(invocation: Invocation) -> None:
    services = invocation.services
    with services.sessions() as session:
        wanted, heading = parse_filter(session, invocation.text, invocation.user, services.policy)
    text = incident_list_text(heading, newest_visible(invocation, wanted))
    invocation.ack(text=text, blocks=section(text))


def newest_visible(invocation: Invocation, wanted: Filter) -> list[ListedIncident]:
    """The newest ``LIST_LIMIT`` incidents the user may see, paging past restricted ones
    they may not (a list of 25 must not come back short because the newest were hidden)."""
    services = invocation.services
    shown: list[ListedIncident] = []
    checks = 0
    before: int | None = None
    while True:
        with services.sessions() as session:
            page = listing.find(session, services.policy, wanted, before=before)
        for incident in page:
            if incident.restricted:
                if checks == MEMBERSHIP_CHECKS:
                    return shown
                checks += 1
                if not may_see(
                    invocation.client,
                    invocation.user,
                    restricted=True,
                    channel_id=incident.channel_id,
                ):
                    continue
            shown.append(incident)
            if len(shown) == LIST_LIMIT:
                return shown
        if len(page) < LIST_LIMIT:
            return shown
        before = page[-1].id


def parse_filter(session: Session, text: str, user: str, policy: Policy) -> tuple[Filter, str]:
    word = text.strip().lower()
    if word in ("", "open"):
        return Filter(), "Open incidents"
    if word == "all":
        return Filter(include_resolved=True), "Recent incidents"
    if word == "mine":
        return Filter(involving=user), "Open incidents you declared or hold a role in"
    if word == "owned":
        return Filter(owner=user), "Open incidents you own"
    severity = policy.find_severity(word)
    if severity is not None and not word.isdigit():
        return Filter(severity=severity.key), f"Open {severity.label} incidents"
    domain = policy.find_domain(word)
    if domain is not None:
        return Filter(domain=domain.key), f"Open {domain.label} incidents"
    source = policy.intake.find_source(word)
    if source is not None:
        return Filter(source=source.key), f"Open incidents escalated by {source.label}"
    market = known_market(session, policy, word)
    if market is not None:
        return Filter(market=market), f"Open incidents in market {market}"
    raise UsageError(f"I can't list by `{truncate_word(word)}`. {USAGE}")


def visible_to(client: WebClient, user: str, found: list[ListedIncident]) -> list[ListedIncident]:
    """Drop restricted incidents whose channel ``user`` is not in (or that Slack hides)."""
    return [
        incident
        for incident in found
        if may_see(client, user, restricted=incident.restricted, channel_id=incident.channel_id)
    ]
