"""``UserDirectory`` over the Web API (users.lookupByEmail, users.info, usergroups.users.list),
with a short cache."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar, cast

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

CACHE_SECONDS = 15 * 60

T = TypeVar("T")


class SlackDirectory:
    """Look-ups are cached for a quarter of an hour: rotations page the same people all day."""

    def __init__(self, client: WebClient, now: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._now = now
        self._cache: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def user_id(self, member: str) -> str | None:
        if "@" not in member:
            return member
        return self._cached(f"email:{member.lower()}", lambda: self._lookup_email(member))

    def time_zone(self, user_id: str) -> str:
        return self._cached(f"tz:{user_id}", lambda: self._lookup_tz(user_id)) or "UTC"

    def members_of(self, group_id: str) -> frozenset[str]:
        members = self._cached(f"group:{group_id}", lambda: self._lookup_group(group_id))
        return members or frozenset()

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

    def _lookup_group(self, group_id: str) -> frozenset[str]:
        try:
            response = self._client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as error:
            log.warning("no members for user group %s: %s", group_id, error.response.get("error"))
            return frozenset()
        return frozenset(str(user) for user in response.get("users") or [])

    def _cached(self, key: str, load: Callable[[], T | None]) -> T | None:
        with self._lock:
            hit = self._cache.get(key)
            if hit and self._now() - hit[0] < CACHE_SECONDS:
                return cast("T | None", hit[1])  # stored by the same key's loader
        try:
            value = load()
        except SlackClientError as error:
            log.warning("Slack look-up %s failed: %s", key, error)
            return None  # Not cached: the next call tries again.
        with self._lock:
            self._cache[key] = (self._now(), value)
        return value
