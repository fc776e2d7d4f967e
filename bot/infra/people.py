"""Who someone is, asked of Slack (users.info) once every few minutes at most.

Kudos need a person's timezone (the daily allowance resets at *their* midnight), whether
they are a bot or deactivated, and which organisation they belong to in a Slack Connect
channel.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.infra.recent import Recent

log = logging.getLogger(__name__)

CACHE_SECONDS = 600.0
PREFETCH_AT = 20  # unknown people at once past which the whole workspace is read
LIST_PAGE = 200  # users.list page size (Slack allows up to 1,000; it advises 200)
# users.info errors meaning "no such person for this app", not a passing failure
NOT_SEEN = frozenset({"user_not_found", "users_not_found", "user_not_visible"})


@dataclass(frozen=True)
class Person:
    """A Slack user as users.info describes them.

    Attributes:
        id: the Slack user id (U… or W…).
        team_id: their home workspace (T…); another one's for a Slack Connect partner.
        name: display name, else real name, else username ("" if Slack gives none).
        tz: their IANA timezone name (``"Asia/Manila"``), if Slack has one.
        is_bot: a bot user or Slackbot.
        deleted: deactivated.
    """

    id: str
    team_id: str | None
    name: str
    tz: str | None
    is_bot: bool
    deleted: bool

    @property
    def zone(self) -> ZoneInfo | None:
        """Their timezone, or None when Slack gave none or one this system does not know."""
        if not self.tz:
            return None
        try:
            return ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            return None

    @property
    def can_receive(self) -> bool:
        """Whether kudos can go to them: not a bot and not deactivated."""
        return not (self.is_bot or self.deleted)


class Directory:
    """People by Slack user id, each asked of Slack at most once every ``ttl`` seconds
    (CACHE_SECONDS, 10 minutes, unless told); ``clock`` gives monotonic seconds (tests pass
    their own). "Not found" is remembered as long as a person is."""

    def __init__(
        self,
        client: WebClient,
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self._people: Recent[str, Person | None] = Recent(ttl, clock)

    def get(self, user_id: str) -> Person | None:
        """The person (``users.info``, asked at most once every ``ttl`` seconds).

        Returns:
            The Person, or None when Slack does not know them or will not show them
            (``user_not_found``, ``user_not_visible``).

        Raises:
            SlackApiError: any other refusal (rate limits included); OSError: no answer.
        """
        known = self._people.fresh(user_id)
        if known is not None:
            return known.value
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") in NOT_SEEN:
                person = None
            else:
                raise
        else:
            person = _person(user_id, user)
        return self._people.keep(user_id, person)

    def prefetch(self, user_ids: Iterable[str]) -> None:
        """Learn many people at once: when more than PREFETCH_AT of ``user_ids`` are not
        known, read the whole workspace with ``users.list`` (200 a page, Tier 2) instead of
        one ``users.info`` each (Tier 4, about 100 a minute), so a team of any size works.

        Raises:
            SlackApiError, OSError: as :meth:`get`.
        """
        unknown = [u for u in set(user_ids) if self._people.fresh(u) is None]
        if len(unknown) <= PREFETCH_AT:
            return
        cursor = None
        while True:
            response = self.client.users_list(limit=LIST_PAGE, cursor=cursor)
            for user in response.get("members") or []:
                if isinstance(user, dict) and isinstance(user.get("id"), str):
                    self._people.keep(user["id"], _person(user["id"], user))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return


def _person(user_id: str, user: dict[str, Any]) -> Person:
    """A Person from a Slack user object (``users.info`` / ``users.list``)."""
    profile = user.get("profile") or {}
    return Person(
        id=user_id,
        team_id=user.get("team_id"),
        name=profile.get("display_name") or user.get("real_name") or user.get("name") or "",
        tz=user.get("tz"),
        is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
        deleted=bool(user.get("deleted")),
    )
