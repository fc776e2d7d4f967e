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

from bot.infra.config import USERGROUP_ID, WorkspaceConfig

log = logging.getLogger(__name__)

CACHE_SECONDS = 300.0
LOOKUP_TIMEOUT = 2  # seconds: a role check happens before an ack, inside Slack's 3 s


class RolesUnavailable(Exception):
    """Slack could not be asked who is in a user group, and nothing is cached yet."""


UNAVAILABLE = (
    "I couldn't check with Slack whether you're a team lead just now. Please try again in a minute."
)


class Roles:
    def __init__(
        self,
        client: WebClient,
        config: WorkspaceConfig,
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # a client of its own with a short timeout: the answer is needed before the ack
        self.client = WebClient(
            token=client.token, base_url=client.base_url, timeout=LOOKUP_TIMEOUT, retry_handlers=[]
        )
        self.config = config
        self.ttl = ttl
        self.clock = clock
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        self._unknown: set[str] = set()
        self._lock = threading.Lock()

    def is_team_lead(self, user_id: str) -> bool:
        return self._matches(user_id, self.config.workspace.team_leads)

    def is_admin(self, user_id: str) -> bool:
        return self._matches(user_id, self.config.workspace.admins)

    def group_members(self, group_id: str) -> frozenset[str] | None:
        """Members of a user group, or None when Slack does not know the group."""
        members = self._group_members(group_id)
        return None if group_id in self._unknown else members

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
            error = exc.response.get("error")
            if error == "no_such_subteam":  # not a passing problem: the group does not exist
                with self._lock:
                    self._unknown.add(group_id)
                    self._groups[group_id] = (now, frozenset())
                return frozenset()
            log.warning("cannot resolve user group %s: %s", group_id, error)
            return self._stale(group_id, cached)
        except OSError as exc:
            log.warning("cannot reach Slack to resolve user group %s: %s", group_id, exc)
            return self._stale(group_id, cached)
        with self._lock:
            self._unknown.discard(group_id)
            self._groups[group_id] = (now, members)
        return members

    @staticmethod
    def _stale(group_id: str, cached: tuple[float, frozenset[str]] | None) -> frozenset[str]:
        """The last known members beat locking everyone out; with none, say so."""
        if cached is None:
            raise RolesUnavailable(group_id)
        return cached[1]
