"""Who someone is: from this process's memory (10 minutes), else the directory every
process shares (the ``directory`` table, refreshed whole from ``users.list`` with the
membership sync), else Slack (``users.info``, or ``users.list`` for many people at once).

Kudos need a person's timezone (the daily allowance resets at *their* midnight), whether
they are a bot or deactivated, and which organisation they belong to in a Slack Connect
channel.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.db import upsert
from bot.infra.models import DirectoryEntry
from bot.infra.recent import Recent

log = logging.getLogger(__name__)

CACHE_SECONDS = 600.0
# how old a directory entry may be and still answer for Slack: the sync refreshes every 6 hours
DIRECTORY_AGE = timedelta(hours=12)
NO_TEAM = "-"  # recorded for a person Slack gives no team for
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
    their own). "Not found" is remembered as long as a person is.

    Args:
        session_factory: the database with the shared ``directory`` table; None keeps
            everything in memory (a process without a database).
        now: the current aware datetime, for the table's ``seen_at``.
    """

    def __init__(
        self,
        client: WebClient,
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        session_factory: sessionmaker[Session] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.session_factory = session_factory
        self.now = now
        self._people: Recent[str, Person | None] = Recent(ttl, clock)

    def get(self, user_id: str) -> Person | None:
        """The person: remembered, else from the shared directory (if at most DIRECTORY_AGE
        old), else asked of Slack (``users.info``) and written to the directory.

        Returns:
            The Person, or None when Slack does not know them or will not show them
            (``user_not_found``, ``user_not_visible``).

        Raises:
            SlackApiError: any other refusal (rate limits included); OSError: no answer.
        """
        known = self._people.fresh(user_id)
        if known is not None:
            return known.value
        stored = self._stored([user_id]).get(user_id)
        if stored is not None:
            return self._people.keep(user_id, stored)
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") in NOT_SEEN:
                return self._people.keep(user_id, None)
            raise
        person = _person(user_id, user)
        self._store([person])
        return self._people.keep(user_id, person)

    def prefetch(self, user_ids: Iterable[str]) -> None:
        """Learn many people at once: from the shared directory first; when more than
        PREFETCH_AT are still unknown, read the whole workspace with ``users.list`` (200 a
        page, Tier 2) instead of one ``users.info`` each (Tier 4, about 100 a minute), so a
        team of any size works.

        Raises:
            SlackApiError, OSError: as :meth:`get`.
        """
        unknown = [u for u in set(user_ids) if self._people.fresh(u) is None]
        for user_id, person in self._stored(unknown).items():
            self._people.keep(user_id, person)
        if sum(1 for u in unknown if self._people.fresh(u) is None) > PREFETCH_AT:
            self.refresh()

    def refresh(self) -> int:
        """Read the whole workspace (``users.list``, every page) into memory and the shared
        directory; the membership sync calls it.

        Returns:
            How many people were read.

        Raises:
            SlackApiError, OSError: as :meth:`get` (nothing is kept of a partial read's
                directory write; what was read stays in memory).
        """
        people: list[Person] = []
        cursor = None
        while True:
            response = self.client.users_list(limit=LIST_PAGE, cursor=cursor)
            for user in response.get("members") or []:
                if isinstance(user, dict) and isinstance(user.get("id"), str):
                    person = _person(user["id"], user)
                    self._people.keep(person.id, person)
                    people.append(person)
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        self._store(people)
        return len(people)

    def _stored(self, user_ids: list[str]) -> dict[str, Person]:
        """Directory entries of ``user_ids`` seen within DIRECTORY_AGE."""
        if self.session_factory is None or not user_ids:
            return {}
        since = self.now() - DIRECTORY_AGE
        found: dict[str, Person] = {}
        with self.session_factory() as session:
            for start in range(0, len(user_ids), 500):  # parameter lists stay small
                rows = session.scalars(
                    select(DirectoryEntry).where(
                        DirectoryEntry.user_id.in_(user_ids[start : start + 500]),
                        DirectoryEntry.seen_at >= since,
                    )
                )
                for row in rows:
                    found[row.user_id] = Person(
                        id=row.user_id,
                        team_id=None if row.team_id == NO_TEAM else row.team_id,
                        name=row.name,
                        tz=row.tz,
                        is_bot=row.is_bot,
                        deleted=row.deleted,
                    )
        return found

    def _store(self, people: list[Person]) -> None:
        """Write ``people`` to the shared directory (one batch per 500)."""
        if self.session_factory is None or not people:
            return
        seen = self.now()
        rows = [
            {
                "team_id": person.team_id or NO_TEAM,
                "user_id": person.id,
                "name": person.name[:200],
                "tz": (person.tz or None) and person.tz[:64],
                "is_bot": person.is_bot,
                "deleted": person.deleted,
                "seen_at": seen,
            }
            for person in {p.id: p for p in people}.values()
        ]
        with self.session_factory.begin() as session:
            for start in range(0, len(rows), 500):
                upsert(session, DirectoryEntry, rows[start : start + 500], ["user_id"])


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
