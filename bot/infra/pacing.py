"""How fast lantern calls each Slack Web API method: one home for Slack's rate tiers.

Slack limits calls "per API method per workspace per app" in tiers
(https://docs.slack.dev/apis/web-api/rate-limits): Tier 1 allows 1+ per minute, Tier 2 20+,
Tier 3 50+, Tier 4 100+; ``chat.postMessage`` is special: about one message per second per
channel, short bursts allowed, under a workspace-wide limit Slack does not publish ("several
hundred per minute"). Each method's tier is the one on its reference page
(https://docs.slack.dev/reference/methods/<method>). ``conversations.history`` and
``.replies`` are Tier 3 for internal, customer-built apps such as lantern (the 1-per-minute
limit of 2025 is for apps distributed commercially outside the Marketplace).

A :class:`PacedWebClient` keeps to these limits before it calls, so a fan-out or a recovery
burst is spread out here instead of being refused by Slack with 429s. A call that would have
to wait longer than the client's ``max_wait`` is not made: it fails at once with the same
``ratelimited`` error and ``Retry-After`` Slack would give, so every caller's existing retry
path (the outbox's schedule, a look-up's "try again later") applies. The pace is counted per
process: several processes together can still meet a 429, which is retried as usual.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse


@dataclass(frozen=True)
class Limit:
    """At most ``calls`` in any ``seconds``-long window.

    Attributes:
        calls: how many calls the window holds.
        seconds: the window's length, in seconds.
        per_channel: counted separately for each channel (``chat.postMessage``).
    """

    calls: int
    seconds: float
    per_channel: bool = False


TIER_1 = Limit(1, 60.0)
TIER_2 = Limit(20, 60.0)
TIER_3 = Limit(50, 60.0)
TIER_4 = Limit(100, 60.0)
# "1 message per second to a specific channel ... generous burst behavior is also granted":
# at most 60 in any minute per channel, so a burst of kudos is not held up but a fan-out into
# one channel keeps to one a second
POST_PER_CHANNEL = Limit(60, 60.0, per_channel=True)
# the workspace-wide posting limit ("several hundred messages per minute"), taken at its low
# end and kept one post at a time, so a big fan-out goes out evenly, not in bursts that crowd
# the process's other work
POST_PER_WORKSPACE = Limit(1, 0.2)

# Each method's limits, from its reference page; a method not listed is paced as Tier 2,
# the tier "most methods" have.
LIMITS: dict[str, tuple[Limit, ...]] = {
    "chat.postMessage": (POST_PER_CHANNEL, POST_PER_WORKSPACE),
    "chat.postEphemeral": (TIER_4,),
    "chat.update": (TIER_3,),
    "chat.delete": (TIER_3,),
    "chat.getPermalink": (TIER_4,),  # Special: "hundreds of requests per minute"
    "conversations.history": (TIER_3,),
    "conversations.replies": (TIER_3,),
    "conversations.info": (TIER_3,),
    "conversations.members": (TIER_4,),
    "conversations.open": (TIER_3,),
    "users.info": (TIER_4,),
    "users.list": (TIER_2,),
    "usergroups.list": (TIER_2,),
    "usergroups.users.list": (TIER_2,),
    "views.open": (TIER_4,),
    "views.publish": (TIER_4,),
    "views.update": (TIER_4,),
    "reactions.get": (TIER_3,),
    "auth.test": (TIER_4,),  # Special: "hundreds of requests per minute"
    "files.getUploadURLExternal": (TIER_4,),
    "files.completeUploadExternal": (TIER_4,),
    # Tier 3 on docs.slack.dev (Tier 1 on the older api.slack.com): a Socket Mode reconnect
    "apps.connections.open": (TIER_3,),
}
DEFAULT_LIMITS = (TIER_2,)
# seconds added to every window (at most a tenth of it): a call's trip to Slack takes longer
# some times than others, and Slack counts when it arrives
MARGIN = 0.2


def window_seconds(limit: Limit, scale: float) -> float:
    """The window a :class:`Limit` is counted over at ``scale``, margin included (seconds)."""
    seconds = limit.seconds / scale
    return seconds + min(MARGIN, seconds / 10)


SWEEP_EVERY = 1000  # calls between two sweeps of windows gone quiet


def limits_for(method: str) -> tuple[Limit, ...]:
    """The limits ``method`` is paced by (Tier 2 when Slack's table does not name it)."""
    return LIMITS.get(method, DEFAULT_LIMITS)


class Pacer:
    """Spaces calls so that no :class:`Limit` of :data:`LIMITS` is exceeded in this process.

    Each limit is a sliding window of the calls counted in the last ``seconds``. Thread-safe;
    waiting callers are not queued in order (any of them may take a freed place).

    Args:
        scale: multiplies every rate (2 = twice Slack's pace; 0 turns pacing off). For test
            doubles and for workspaces whose limits Slack has raised.
        clock: monotonic seconds (tests pass their own).
        sleep: how to wait, in seconds (tests pass their own).
    """

    def __init__(
        self,
        scale: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if scale < 0 or not math.isfinite(scale):
            raise ValueError(f"scale must be a finite number >= 0, got {scale!r}")
        self.scale = scale
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._recent: dict[tuple[str, str], deque[float]] = {}  # calls counted, per window
        self._taken = 0

    def take(self, method: str, channel: str | None = None) -> float:
        """Count a call of ``method`` now if every limit has room, and return 0; otherwise
        count nothing and return the seconds until one more call may fit.

        Args:
            method: the Web API method (``"chat.postMessage"``).
            channel: the channel the call is about, for per-channel limits (None: unknown,
                which counts as one shared channel).
        """
        if self.scale == 0:
            return 0.0
        with self._lock:
            now = self.clock()
            windows = []
            wait = 0.0
            for limit in limits_for(method):
                key = (method, channel or "-") if limit.per_channel else (method, "")
                seconds = window_seconds(limit, self.scale)
                granted = self._recent.setdefault(key, deque())
                while granted and granted[0] <= now - seconds:
                    granted.popleft()
                if len(granted) >= limit.calls:  # room once the oldest counted call leaves
                    wait = max(wait, granted[len(granted) - limit.calls] + seconds - now)
                windows.append(granted)
            if wait > 0:
                return wait
            for granted in windows:
                granted.append(now)
            self._taken += 1
            if self._taken % SWEEP_EVERY == 0:
                self._sweep(now)
            return 0.0

    def _sweep(self, now: float) -> None:
        """Forget windows with no call left in them (a DM channel posted to once, say)."""
        for key in list(self._recent):
            seconds = max(window_seconds(limit, self.scale) for limit in limits_for(key[0]))
            granted = self._recent[key]
            if not granted or granted[-1] <= now - seconds:
                del self._recent[key]

    def pace(self, method: str, channel: str | None = None, max_wait: float = math.inf) -> None:
        """Wait until ``method`` may be called, then count the call.

        Args:
            method, channel: as for :meth:`take`.
            max_wait: the longest acceptable wait, in seconds.

        Raises:
            Paced: the call could not be counted within ``max_wait`` seconds; nothing was
                counted, and ``retry_after`` says how long it would still have to wait.
        """
        deadline = self.clock() + max_wait
        while True:
            wait = self.take(method, channel)
            if wait == 0:
                return
            if self.clock() + wait > deadline:
                raise Paced(method, wait)
            self.sleep(wait)


class Paced(Exception):
    """A call was not made because it would have had to wait ``retry_after`` seconds."""

    def __init__(self, method: str, retry_after: float) -> None:
        super().__init__(f"{method} paced: next call in {retry_after:.1f}s")
        self.method = method
        self.retry_after = retry_after


PACED_BY = "lantern"  # the ``paced_by`` field of a refusal made here, not by Slack


def paced_wait(exc: BaseException) -> float | None:
    """Seconds to wait if ``exc`` is a call this process did not make to keep Slack's pace
    (see :class:`PacedWebClient`), or None for any other error: such a refusal is not a failed
    attempt, only a turn not yet come."""
    if not isinstance(exc, SlackApiError):
        return None
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    if data.get("paced_by") != PACED_BY:
        return None
    wait = data.get("retry_after")
    return float(wait) if isinstance(wait, int | float) else 1.0


def channel_of(*bodies: dict[str, Any] | None) -> str | None:
    """The ``channel`` argument of a call, wherever the SDK put it (JSON, form or query)."""
    for body in bodies:
        if body and isinstance(body.get("channel"), str):
            return str(body["channel"])
    return None


class PacedWebClient(WebClient):
    """A WebClient that keeps to Slack's rate limits before each call (see the module doc).

    Args:
        pacer: shared by every client of the process, so all of them count together.
        max_wait: the longest a call waits for its turn, in seconds; a longer wait fails the
            call at once as Slack's 429 would (``ratelimited`` with ``Retry-After``).
        **kwargs: as for WebClient.
    """

    def __init__(self, *, pacer: Pacer, max_wait: float = 2.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pacer = pacer
        self.max_wait = max_wait

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        channel = channel_of(kwargs.get("json"), kwargs.get("data"), kwargs.get("params"))
        try:
            self.pacer.pace(api_method, channel, self.max_wait)
        except Paced as paced:
            raise self._refusal(api_method, paced.retry_after) from None
        return super().api_call(api_method, **kwargs)

    def with_timeout(self, timeout: int, max_wait: float) -> PacedWebClient:
        """A client like this one (same token, URL and pacer) with another timeout and
        longest wait: for look-ups that must answer within a request's 3 seconds."""
        return PacedWebClient(
            pacer=self.pacer,
            max_wait=max_wait,
            token=self.token,
            base_url=self.base_url,
            timeout=timeout,
            retry_handlers=[],
        )

    def _refusal(self, method: str, wait: float) -> SlackApiError:
        """The error Slack's rate limiter would have answered, without asking Slack."""
        # whole seconds, as Slack sends it (slack_sdk's Socket Mode reads it with int());
        # the exact wait is in the body, for paced_wait
        headers = {"Retry-After": str(max(1, math.ceil(wait)))}
        data = {"ok": False, "error": "ratelimited", "paced_by": PACED_BY, "retry_after": wait}
        response = SlackResponse(
            client=self,
            http_verb="POST",
            api_url=self.base_url + method,
            req_args={},
            data=data,
            headers=headers,
            status_code=429,
        )
        message = f"{method} paced by lantern: try again in {wait:.1f}s"
        return SlackApiError(message, response)  # type: ignore[no-untyped-call]
