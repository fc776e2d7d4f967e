"""Who is a team lead, manager or admin: user IDs and user-group members from the config.

User groups are resolved with ``usergroups.users.list`` and cached for a few minutes, so a
burst of commands costs one Slack call per group, and a change in Slack is seen soon after.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.infra.config import USERGROUP_ID, WorkspaceConfig
from bot.infra.pacing import PacedWebClient
from bot.infra.recent import Recent

log = logging.getLogger(__name__)

CACHE_SECONDS = 300.0
LOOKUP_TIMEOUT = 2  # seconds: a role check happens before an ack, inside Slack's 3 s
LOOKUP_PACE_WAIT = 0.2  # seconds a look-up before an ack may wait for its turn at Slack


class RolesUnavailable(Exception):
    """Slack could not be asked who is in a user group, and nothing is cached yet."""


UNAVAILABLE = (
    "I couldn't check with Slack whether you're a team lead just now. Please try again in a minute."
)


class Roles:
    """Answers "is this person a team lead / an admin?" from the config's user ids and user
    groups (``usergroups.users.list``, asked at most once every ``ttl`` seconds per group).

    Args:
        client: its token and base URL are used for a client of Roles' own with a short
            timeout (LOOKUP_TIMEOUT seconds), since the answer is needed before an ack.
        config: where team leads and admins are named.
        ttl: seconds a group's members are reused.
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(
        self,
        client: WebClient,
        config: WorkspaceConfig,
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = (
            client.with_timeout(LOOKUP_TIMEOUT, max_wait=LOOKUP_PACE_WAIT)
            if isinstance(client, PacedWebClient)
            else WebClient(
                token=client.token,
                base_url=client.base_url,
                timeout=LOOKUP_TIMEOUT,
                retry_handlers=[],
            )
        )
        self.config = config
        # None: Slack does not know the group (no_such_subteam)
        self._groups: Recent[str, frozenset[str] | None] = Recent(ttl, clock)

    def is_team_lead(self, user_id: str) -> bool:
        """Whether ``user_id`` is named in ``team_leads`` or is in a group named there.

        Raises:
            RolesUnavailable: a group could not be looked up and was never known.
        """
        return self._matches(user_id, self.config.workspace.team_leads)

    def is_admin(self, user_id: str) -> bool:
        """Whether ``user_id`` is named in ``admins`` or is in a group named there.

        Raises:
            RolesUnavailable: as :meth:`is_team_lead`.
        """
        return self._matches(user_id, self.config.workspace.admins)

    def is_manager(self, user_id: str) -> bool:
        """Whether ``user_id`` is named in ``managers`` or is in a group named there.

        Raises:
            RolesUnavailable: as :meth:`is_team_lead`.
        """
        return self._matches(user_id, self.config.workspace.managers)

    def group_members(self, group_id: str) -> frozenset[str] | None:
        """Members of a user group, or None when Slack does not know the group.

        Raises:
            RolesUnavailable: Slack could not be asked and nothing is known yet.
        """
        fresh = self._groups.fresh(group_id)
        if fresh is not None:
            return fresh.value
        try:
            response = self.client.usergroups_users_list(usergroup=group_id)
            return self._groups.keep(group_id, frozenset(response.get("users") or []))
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error == "no_such_subteam":  # not a passing problem: the group does not exist
                return self._groups.keep(group_id, None)
            log.warning("cannot resolve user group %s: %s", group_id, error)
        except OSError as exc:
            log.warning("cannot reach Slack to resolve user group %s: %s", group_id, exc)
        last = self._groups.last(group_id)  # the last known members beat locking everyone out
        if last is None:
            raise RolesUnavailable(group_id)
        return last.value

    def _matches(self, user_id: str, principals: Iterable[str]) -> bool:
        groups = []
        for principal in principals:
            if principal == user_id:
                return True
            if USERGROUP_ID.match(principal):
                groups.append(principal)
        return any(user_id in (self.group_members(group) or ()) for group in groups)
