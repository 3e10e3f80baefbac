"""Turning ``/incident`` text into typed commands, with a usage message for anything else."""

from __future__ import annotations

import re
from dataclasses import dataclass

from commands.slack_text import readable
from commands.text import quoted
from workflows.incidents import MAX_TITLE
from workflows.insights_policy import Source
from workflows.policy import Domain, Policy, Severity


class UsageError(ValueError):
    """The command text cannot be understood; the message says what was wrong."""


@dataclass(frozen=True)
class Declare:
    title: str
    severity: str
    domain: str
    restricted: bool
    source: str | None = None
    external_ref: str | None = None
    market: str | None = None
    due: str | None = None  # as typed; read in the declarer's time zone by the listener


@dataclass(frozen=True)
class OpenDeclareForm:
    pass


@dataclass(frozen=True)
class Note:
    text: str


@dataclass(frozen=True)
class SetDeadline:
    when: str


@dataclass(frozen=True)
class ShowStatus:
    pass


@dataclass(frozen=True)
class ShowTimeline:
    pass


@dataclass(frozen=True)
class Help:
    pass


IncidentCommand = Declare | OpenDeclareForm | Note | SetDeadline | ShowStatus | ShowTimeline | Help

_FLAGS_WITH_VALUE = {
    "--sev": "severity",
    "--severity": "severity",
    "--domain": "domain",
    "--source": "source",
    "--ref": "external_ref",
    "--market": "market",
    "--due": "due",
}
_CLOCK_TIME = re.compile(r"\d{1,2}:\d{2}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BARE_FLAGS = {"--private": "restricted", "--restricted": "restricted"}


def parse_incident_command(text: str, policy: Policy) -> IncidentCommand:
    # Titles and notes keep what the user typed; Firebreak escapes again on output.
    words = readable(text).split()
    if not words:
        return Help()
    verb, rest = words[0].lower(), words[1:]
    if verb in ("help", "-h", "--help"):
        return Help()
    if verb == "declare":
        return _parse_declare(rest, policy)
    if verb == "note":
        if not rest:
            raise UsageError(
                "`/incident note` needs the note text: `/incident note <what happened>`."
            )
        return Note(" ".join(rest))
    if verb == "deadline":
        if not rest:
            raise UsageError(
                "`/incident deadline` needs a time: `/incident deadline 2026-12-01 17:00`."
            )
        return SetDeadline(" ".join(rest))
    if verb in ("status", "card"):
        return ShowStatus()
    if verb == "timeline":
        return ShowTimeline()
    raise UsageError(f"I don't know `/incident {truncate_word(words[0])}`.")


def truncate_word(word: str) -> str:
    """A typed word, safe to quote back in an error message (see :func:`quoted`)."""
    return quoted(word)


def _parse_declare(words: list[str], policy: Policy) -> Declare | OpenDeclareForm:
    if not words:
        return OpenDeclareForm()
    options: dict[str, str] = {}
    title_words: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        name, _, inline = word.partition("=")
        lowered = name.lower()
        if lowered in _BARE_FLAGS:
            options[_BARE_FLAGS[lowered]] = "yes"
        elif lowered in _FLAGS_WITH_VALUE:
            if inline:
                value = inline
            elif index + 1 < len(words):
                index += 1
                value = words[index]
            else:
                raise UsageError(
                    f"`{name}` needs a value, e.g. `{name} {_example(lowered, policy)}`."
                )
            if lowered == "--due" and _DATE.fullmatch(value) and _next_is_clock(words, index):
                index += 1  # `--due 2026-12-01 17:00`: the time is part of the value
                value = f"{value} {words[index]}"
            options[_FLAGS_WITH_VALUE[lowered]] = value
        elif word.startswith("--") and len(word) > 2:
            known = ", ".join(f"`{flag}`" for flag in [*_FLAGS_WITH_VALUE, *_BARE_FLAGS])
            raise UsageError(f"Unknown option `{truncate_word(word)}`. Options are {known}.")
        else:
            title_words.append(word)
        index += 1
    title = " ".join(title_words)
    if not title:
        raise UsageError("The incident needs a title: `/incident declare <title>`.")
    if len(title) > MAX_TITLE:
        raise UsageError(
            f"The title is {len(title)} characters; keep it to {MAX_TITLE} "
            "and put the details in the description (use `/incident declare` for the form)."
        )
    return Declare(
        title=title,
        severity=_severity(options.get("severity"), policy),
        domain=_domain(options.get("domain"), policy),
        restricted="restricted" in options,
        source=_source(options.get("source"), policy),
        external_ref=options.get("external_ref"),
        market=options.get("market"),
        due=options.get("due"),
    )


def _next_is_clock(words: list[str], index: int) -> bool:
    return index + 1 < len(words) and bool(_CLOCK_TIME.fullmatch(words[index + 1]))


def _source(value: str | None, policy: Policy) -> str | None:
    if value is None:
        return None
    found = policy.intake.find_source(value)
    return _chosen("source", value, found, [f"`{s.key}`" for s in policy.intake.sources])


def _severity(value: str | None, policy: Policy) -> str:
    if value is None:
        return policy.default_severity
    found = policy.find_severity(value)
    return _chosen("severity", value, found, [s.label for s in policy.severities])


def _domain(value: str | None, policy: Policy) -> str:
    if value is None:
        return policy.default_domain
    found = policy.find_domain(value)
    return _chosen("domain", value, found, [f"`{d.key}`" for d in policy.domains])


def _chosen(
    what: str, typed: str, found: Severity | Domain | Source | None, choices: list[str]
) -> str:
    """The key of what the policy found for ``typed``, or a usage error listing the choices."""
    if found is None:
        listed = ", ".join(choices)
        raise UsageError(f"Unknown {what} `{truncate_word(typed)}`. Choose one of {listed}.")
    return found.key


def _example(flag: str, policy: Policy) -> str:
    return {
        "severity": policy.severities[0].label,
        "domain": policy.domains[0].key,
        "source": policy.intake.sources[0].key,
        "external_ref": "DSA-2026-117",
        "market": "DE",
        "due": "2026-12-01T17:00",
    }[_FLAGS_WITH_VALUE[flag]]
