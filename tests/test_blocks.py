"""Block Kit builders stay within Slack's limits whatever the incident holds."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from commands.blocks.card import announcement, card_blocks, topic_text
from commands.blocks.closing import resolve_modal
from commands.blocks.messages import section, timeline_text, usage
from commands.blocks.modals import declare_modal, note_modal
from tests.slack_standin.blockkit import validate_blocks, validate_view
from workflows.naming import MAX_CHANNEL_NAME, incident_channel_name
from workflows.policy import Policy
from workflows.snapshots import IncidentSnapshot, TimelineEntry

WHEN = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _incident(title: str = "Fire", description: str = "", **overrides: object) -> IncidentSnapshot:
    fields: dict[str, object] = {
        "id": 42,
        "title": title,
        "description": description,
        "domain": "other",
        "domain_label": "Other",
        "severity": "sev3",
        "severity_label": "SEV3",
        "severity_description": "Moderate",
        "status": "investigating",
        "status_label": "Investigating",
        "restricted": False,
        "declared_by": "U0ALICE",
        "declared_at": WHEN,
        "updated_at": WHEN,
        "owner": None,
        "channel_id": "C0INC",
        "channel_name": "inc-42-fire",
        "card_ts": "1.000100",
    }
    fields.update(overrides)
    return IncidentSnapshot(**fields)  # type: ignore[arg-type]


texts = st.text(min_size=1, max_size=150).filter(lambda t: t.strip() != "")


@settings(max_examples=150, deadline=None)
@given(title=texts, description=st.text(max_size=3000), restricted=st.booleans())
def test_the_card_is_valid_block_kit_for_any_title(
    title: str, description: str, restricted: bool
) -> None:
    incident = _incident(title, description, restricted=restricted, owner="U0BOB")
    assert validate_blocks(card_blocks(incident, Policy()), "message") == []
    assert validate_blocks(announcement(incident)[1], "message") == []
    assert len(topic_text(incident)) <= 250


@settings(max_examples=150, deadline=None)
@given(title=st.text(max_size=300), number=st.integers(min_value=1, max_value=10**9))
def test_channel_names_always_follow_slacks_rules(title: str, number: int) -> None:
    for attempt in (1, 2, 17):
        name = incident_channel_name("inc", number, title, attempt)
        assert 0 < len(name) <= MAX_CHANNEL_NAME
        assert all(c.isascii() and (c.islower() or c.isdigit() or c in "-_") for c in name)
        assert not name.endswith("-")


def test_the_card_status_buttons_do_not_include_the_current_status() -> None:
    blocks = card_blocks(_incident(status="contained", status_label="Contained"), Policy())
    status_block = next(b for b in blocks if b["block_id"] == "inc42.status")
    assert [e["value"] for e in status_block["elements"]] == [
        "acknowledge",
        "investigating",
        "mitigated",
        "resolved",
        "note",
        "role",
    ]
    # The resolving step opens the resolve form rather than resolving at once.
    assert [e["action_id"] for e in status_block["elements"]][3] == "incident_resolve"


def test_modals_are_valid_views() -> None:
    assert (
        validate_view(declare_modal(Policy(), origin={"channel": "C1", "response_url": "x"})) == []
    )
    assert validate_view(note_modal(123456789, "INC-123456789")) == []
    long = _incident(title="t" * 300, id=123456789)
    assert validate_view(resolve_modal(long, Policy(), summary="s" * 4000)) == []


def test_a_long_timeline_fits_one_message_and_says_what_it_left_out() -> None:
    entries = [
        TimelineEntry(occurred_at=WHEN, actor="U0ALICE", kind="note", text="x" * 400, data={})
        for _ in range(30)
    ]
    text = timeline_text("INC-1", entries)
    assert validate_blocks(section(text), "message") == []
    assert "earlier event(s) not shown" in text.splitlines()[1]


def test_usage_is_valid_and_short() -> None:
    assert validate_blocks(section(usage("Unknown option `--x`.")), "message") == []
    assert len(usage("Unknown option `--x`.")) <= 3000  # one section, nothing cut
