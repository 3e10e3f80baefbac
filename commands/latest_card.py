"""The gateway whose card and topic end at the incident's latest state, however many
threads or replicas publish changes to it at once (see ``workflows.publishing``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from commands.blocks.card import card_blocks, card_fallback_text, topic_text
from commands.gateway import WebClientGateway
from workflows.policy import Policy
from workflows.publishing import Newer, show_latest
from workflows.snapshots import IncidentSnapshot


class LatestCardGateway(WebClientGateway):
    """After sending a card or topic, sends it again if the incident has moved on since."""

    def __init__(self, client: WebClient, policy: Policy, newer: Newer, **options: Any) -> None:
        super().__init__(client, policy, **options)
        self._newer = newer
        self._card_policy = policy

    def update_card(self, incident: IncidentSnapshot) -> None:
        show_latest(super().update_card, incident, self._differing(self._card))

    def set_topic(self, incident: IncidentSnapshot) -> None:
        # Each topic set is a line in the channel: only again when the text would change.
        show_latest(super().set_topic, incident, self._differing(topic_text))

    def _card(self, incident: IncidentSnapshot) -> object:
        return card_fallback_text(incident), card_blocks(incident, self._card_policy)

    def _differing(self, render: Callable[[IncidentSnapshot], object]) -> Newer:
        """``newer``, but None when the newer state renders the same as the one sent."""

        def newer(shown: IncidentSnapshot) -> IncidentSnapshot | None:
            latest = self._newer(shown)
            if latest is None or render(latest) == render(shown):
                return None
            return latest

        return newer
