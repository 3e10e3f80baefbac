"""Similar past incidents: what responders have seen before, with its root cause and report.

The measure is deliberately simple, so the card can say why it matched: the words an
incident's title and description share with a past one (title words count double), plus
a bonus for the same domain. Only past incidents that were resolved and are not
restricted are offered, and at least one shared word is needed: a domain alone is not a
likeness. The database narrows the candidates (bound ``LIKE`` terms on the title, newest
first, at most ``MAX_CANDIDATES``), so the work done per declaration is bounded however
long the history grows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.models import Incident, TimelineEvent
from workflows.policy import Policy
from workflows.snapshots import SimilarIncident

MAX_SUGGESTIONS = 3
MAX_CANDIDATES = 300
MAX_SEARCH_WORDS = 8
MIN_SCORE = 0.15
SAME_DOMAIN_BONUS = 0.2
_DESCRIPTION_CHARS = 1000

_WORD = re.compile(r"[^\W\d_][\w'-]*[^\W_]|\d{3,}", re.UNICODE)
_STOPWORD_TEXT = """
about above after again against all also and any are because been before being below
between both but can could did does doing down during each few for from further had has
have having her here hers him his how into its itself just more most not now off once
only other our out over own same she should some such than that the their them then
there these they this those through too under until very was were what when where which
while who whom why will with would you your via per new one two incident issue problem
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class Suggestion:
    """One past incident offered on a new incident's card, and why."""

    incident_id: int
    score: float
    shared_words: tuple[str, ...]
    same_domain: bool

    def as_data(self) -> dict[str, Any]:
        return {
            "id": self.incident_id,
            "score": round(self.score, 3),
            "words": list(self.shared_words),
            "same_domain": self.same_domain,
        }


def words_of(text: str) -> set[str]:
    """Lower-cased content words of three letters or more; a plural ``s`` is dropped."""
    found = set()
    for match in _WORD.finditer(text.lower()):
        word = match.group(0).strip("'-")
        if len(word) < 3 or word in _STOPWORDS:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        found.add(word)
    return found


def suggest(session: Session, incident_id: int) -> list[Suggestion]:
    """Up to three resolved, unrestricted past incidents most like this one, best first."""
    incident = session.get_one(Incident, incident_id)
    title_words = words_of(incident.title)
    all_words = title_words | words_of(incident.description[:_DESCRIPTION_CHARS])
    if not all_words:
        return []
    # Longer words are rarer: search by those first.
    search = sorted(all_words, key=lambda word: (-len(word), word))[:MAX_SEARCH_WORDS]
    candidates = session.execute(
        select(Incident.id, Incident.title, Incident.description, Incident.domain)
        .where(
            Incident.id != incident.id,
            Incident.restricted.is_(False),
            Incident.resolved_at.is_not(None) | Incident.closed_at.is_not(None),
            or_(*[func.lower(Incident.title).contains(word, autoescape=True) for word in search]),
        )
        .order_by(Incident.id.desc())
        .limit(MAX_CANDIDATES)
    ).all()
    ranked = []
    for candidate in candidates:
        suggestion = _score(
            title_words,
            all_words,
            incident.domain,
            candidate.id,
            words_of(candidate.title),
            words_of(candidate.description[:_DESCRIPTION_CHARS]),
            candidate.domain,
        )
        if suggestion is not None:
            ranked.append(suggestion)
    ranked.sort(key=lambda s: (-s.score, -s.incident_id))
    return ranked[:MAX_SUGGESTIONS]


def record_suggestions(session: Session, incident_id: int) -> list[Suggestion]:
    """Work the suggestions out once and keep them on the incident for its card."""
    found = suggest(session, incident_id)
    incident = session.get_one(Incident, incident_id)
    incident.similar = [suggestion.as_data() for suggestion in found]
    return found


def shown_on_card(
    session: Session, suggestions: list[dict[str, Any]], policy: Policy
) -> tuple[SimilarIncident, ...]:
    """The stored suggestions with today's titles, root causes and report links."""
    if not suggestions:
        return ()
    ids = [int(item["id"]) for item in suggestions]
    rows = {
        row.id: row
        for row in session.execute(
            select(
                Incident.id,
                Incident.title,
                Incident.channel_id,
                Incident.root_cause,
                Incident.restricted,
            ).where(Incident.id.in_(ids))
        )
    }
    reports: dict[int, dict[str, Any]] = dict(
        session.execute(
            select(TimelineEvent.incident_id, TimelineEvent.data)
            .where(TimelineEvent.incident_id.in_(ids), TimelineEvent.kind == "report_posted")
            .order_by(TimelineEvent.id)
        ).all()
    )
    causes = {cause.key: cause.label for cause in policy.lifecycle.root_causes}
    shown = []
    for item in suggestions:
        row = rows.get(int(item["id"]))
        if row is None or row.restricted:  # restricted since it was suggested: not shown
            continue
        report = reports.get(row.id) or {}
        shown.append(
            SimilarIncident(
                id=row.id,
                title=row.title,
                channel_id=row.channel_id,
                root_cause=causes.get(row.root_cause, row.root_cause) if row.root_cause else None,
                report_link=report.get("permalink"),
                why=_why(item),
            )
        )
    return tuple(shown)


def _why(item: dict[str, Any]) -> str:
    words = [str(word) for word in item.get("words", [])][:4]
    reasons = []
    if item.get("same_domain"):
        reasons.append("same domain")
    if words:
        reasons.append("shares " + ", ".join(f"“{word}”" for word in words))
    return "; ".join(reasons)


def _score(
    title_words: set[str],
    all_words: set[str],
    domain: str,
    candidate_id: int,
    candidate_title: set[str],
    candidate_description: set[str],
    candidate_domain: str,
) -> Suggestion | None:
    """Shared words over the smaller incident's words (title words count double)."""
    candidate_all = candidate_title | candidate_description
    shared = all_words & candidate_all
    if not shared:
        return None
    shared_in_titles = title_words & candidate_title

    def weight(words: set[str], titles: set[str]) -> int:
        return len(words) + len(words & titles)

    smaller = min(weight(all_words, title_words), weight(candidate_all, candidate_title))
    score = (len(shared) + len(shared_in_titles)) / max(smaller, 1)
    same_domain = domain == candidate_domain
    if same_domain:
        score += SAME_DOMAIN_BONUS
    if score < MIN_SCORE:
        return None
    ordered = sorted(shared, key=lambda word: (word not in shared_in_titles, -len(word), word))
    return Suggestion(
        incident_id=candidate_id,
        score=min(score, 1.0 + SAME_DOMAIN_BONUS),
        shared_words=tuple(ordered),
        same_domain=same_domain,
    )
