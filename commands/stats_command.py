"""`/incident stats [7d|30d|quarter|Nd] [domain] [source] [market]`: the KPIs, privately.

The text is checked before acking, so a mistake comes back at once with the usage. The
figures themselves may take seconds on years of history, so the ack only says "working
on it" and the result follows through the command's response_url.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from slack_bolt import App

from commands.blocks.messages import section
from commands.blocks.stats import stats_blocks, stats_text, working_text
from commands.parsing import UsageError, truncate_word
from commands.permission import require_workspace
from commands.replies import tell_privately
from commands.services import Services
from commands.slack_text import readable
from commands.verbs import Invocation, Verbs
from storage.database import read_only
from workflows.kpis import Period, compute_kpis
from workflows.periods import PERIOD_WORDS, BadPeriod, is_period_word
from workflows.policy import Policy
from workflows.scope import BadScope, Scope, UncoveredMarket, known_market, market_code

DEFAULT_PERIOD = "7d"

USAGE = (
    "`/incident stats [period] [domain] [source] [market]` — incident KPIs, privately. "
    f"The period is {PERIOD_WORDS} (default `7d`, ending now; `quarter` is this calendar "
    "quarter so far). Narrow it with a domain such as `counterfeit`, a source such as "
    "`regulator` and a market such as `DE`, in any order. "
    "Example: `/incident stats 30d counterfeit DE`"
)


def register(app: App, services: Services, verbs: Verbs) -> None:
    """Register this module's ``/incident`` verbs."""
    verbs["stats"] = show_stats


def show_stats(invocation: Invocation) -> None:
    services = invocation.services
    detail = f"/incident stats {invocation.text}".strip()
    require_workspace(services, "stats", invocation.user, detail)
    now = services.clock.now()

    def seen(code: str) -> bool:
        with services.sessions() as session:
            return known_market(session, services.policy, code) is not None

    period, scope = parse_stats(invocation.text, services.policy, now, seen)
    waiting = working_text(period)
    invocation.ack(text=waiting, blocks=section(waiting))

    def compute_and_tell() -> None:
        with read_only(services.sessions)() as session:
            kpis = compute_kpis(session, services.policy, period, scope, now)
        tell_privately(invocation.client, invocation.body, stats_text(kpis), stats_blocks(kpis))

    invocation.after_ack(compute_and_tell)


def parse_stats(
    text: str, policy: Policy, now: datetime, seen: Callable[[str], bool]
) -> tuple[Period, Scope]:
    """Words in any order: at most one period, domain, source and market each.

    A word that is no period, domain or source is a market. Without a list of markets in
    the policy, almost any word is a well-formed code, so one no incident ever had
    (``seen`` says) is refused: a misspelt domain must not quietly count nothing.
    """
    found: dict[str, str] = {}
    period: Period | None = None
    for word in readable(text).split():
        if is_period_word(word):
            _once(found, "period", word)
            try:
                period = Period.parse(word, now)
            except BadPeriod as error:
                raise UsageError(f"{_sentence(str(error))} {USAGE}") from error
        elif (domain := policy.find_domain(word)) is not None:
            _once(found, "domain", domain.key)
        elif (source := policy.intake.find_source(word)) is not None:
            _once(found, "source", source.key)
        else:
            _once(found, "market", _market(word, policy, seen))
    return (
        period or Period.parse(DEFAULT_PERIOD, now),
        Scope(domain=found.get("domain"), source=found.get("source"), market=found.get("market")),
    )


def _market(word: str, policy: Policy, seen: Callable[[str], bool]) -> str:
    try:
        code = market_code(policy, word)
    except UncoveredMarket as error:
        raise UsageError(f"{error} {USAGE}") from None
    except BadScope:
        code = None
    if code is None:
        raise UsageError(
            f"I can't read `{truncate_word(word)}` as a period, domain, source or market. {USAGE}"
        )
    if not (policy.intake.markets or seen(code)):
        raise UsageError(
            f"I can't read `{truncate_word(word)}` as a period, domain or source, and no "
            f"incident has market `{code}`. {USAGE}"
        )
    return code


def _once(found: dict[str, str], what: str, value: str) -> None:
    if what in found:
        raise UsageError(
            f"Give one {what} at most (`{found[what]}` and `{truncate_word(value)}`). {USAGE}"
        )
    found[what] = value


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."
