"""``UserDirectory`` over the Web API (users.lookupByEmail, users.info), with a short cache."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

CACHE_SECONDS = 15 * 60


class SlackDirectory:
    """Look-ups are cached for a quarter of an hour: rotations page the same people all day."""

    def __init__(self, client: WebClient, now: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._now = now
        self._cache: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def user_id(self, member: str) -> str | None:
        if "@" not in member:
            return member
        return self._cached(f"email:{member.lower()}", lambda: self._lookup_email(member))

    def time_zone(self, user_id: str) -> str:
        return self._cached(f"tz:{user_id}", lambda: self._lookup_tz(user_id)) or "UTC"

    def _lookup_email(self, email: str) -> str | None:
        try:
            response = self._client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            log.warning("no Slack user for %s: %s", email, error.response.get("error"))
            return None
        return str(response["user"]["id"])

    def _lookup_tz(self, user_id: str) -> str | None:
        try:
            response = self._client.users_info(user=user_id)
        except SlackApiError:
            return None
        tz = response["user"].get("tz")
        return str(tz) if tz else None

    def _cached(self, key: str, load: Callable[[], str | None]) -> str | None:
        with self._lock:
            hit = self._cache.get(key)
            if hit and self._now() - hit[0] < CACHE_SECONDS:
                return hit[1]
        try:
            value = load()
        except SlackClientError as error:
            log.warning("Slack look-up %s failed: %s", key, error)
            return None  # Not cached: the next call tries again.
        with self._lock:
            self._cache[key] = (self._now(), value)
        return value
