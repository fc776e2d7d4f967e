"""Who is a team lead, manager or admin: user IDs and user-group members from the config.

User groups are resolved with ``usergroups.users.list`` and cached for a few minutes, so a
burst of commands costs one Slack call per group, and a change in Slack is seen soon after.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import USERGROUP_ID, WorkspaceConfig

log = logging.getLogger(__name__)

CACHE_SECONDS = 300.0


class Roles:
    def __init__(
        self,
        client: WebClient,
        config: WorkspaceConfig,
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.config = config
        self.ttl = ttl
        self.clock = clock
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def is_team_lead(self, user_id: str) -> bool:
        return self._matches(user_id, self.config.workspace.team_leads)

    def is_manager(self, user_id: str) -> bool:
        return self._matches(user_id, self.config.workspace.managers)

    def is_admin(self, user_id: str) -> bool:
        return self._matches(user_id, self.config.workspace.admins)

    def members(self, principals: Iterable[str]) -> set[str]:
        """Every user named directly or through a group, e.g. all managers for the digest."""
        users: set[str] = set()
        for principal in principals:
            if USERGROUP_ID.match(principal):
                users |= self._group_members(principal)
            else:
                users.add(principal)
        return users

    def group_members(self, group_id: str) -> frozenset[str] | None:
        """Members of a user group, or None when Slack does not know the group."""
        members = self._group_members(group_id)
        return members if members or group_id in self._groups else None

    def _matches(self, user_id: str, principals: Iterable[str]) -> bool:
        groups = []
        for principal in principals:
            if principal == user_id:
                return True
            if USERGROUP_ID.match(principal):
                groups.append(principal)
        return any(user_id in self._group_members(group) for group in groups)

    def _group_members(self, group_id: str) -> frozenset[str]:
        now = self.clock()
        with self._lock:
            cached = self._groups.get(group_id)
            if cached and now - cached[0] < self.ttl:
                return cached[1]
        try:
            response = self.client.usergroups_users_list(usergroup=group_id)
            members = frozenset(response.get("users") or [])
        except SlackApiError as exc:
            log.warning("cannot resolve user group %s: %s", group_id, exc.response.get("error"))
            # keep serving the last known members rather than locking everyone out
            return cached[1] if cached else frozenset()
        with self._lock:
            self._groups[group_id] = (now, members)
        return members
