"""How lantern waits when Slack is busy: one home for Retry-After, back-off and which errors
are worth another try.

Slack's rules (https://api.slack.com/apis/rate-limits): a rate-limited call answers HTTP 429
with a ``Retry-After`` header in seconds; 5xx answers and a few ``ok: false`` errors are
passing; every other error (``channel_not_found``, ``invalid_auth``…) is permanent.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

# Slack errors (HTTP 200, ok=false) worth trying again; any other error is permanent.
RETRYABLE_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    }
)
# what may pass if tried again: the database or Slack unreachable, Slack busy or refusing
PASSING = (SQLAlchemyError, OSError, SlackApiError)
RATE_LIMITED = frozenset({"ratelimited", "rate_limited"})
DEFAULT_RETRY_AFTER = 30.0  # seconds, when a 429 carries no usable Retry-After


@dataclass(frozen=True)
class Verdict:
    """What to do after a failed Slack call.

    Attributes:
        error: Slack's error code (``"ratelimited"``, ``"channel_not_found"``, ``"http_503"``).
        retry_in: seconds to wait before trying again, or None when the error is permanent.
    """

    error: str
    retry_in: float | None

    @property
    def permanent(self) -> bool:
        """True when trying again cannot help (no ``retry_in``)."""
        return self.retry_in is None


def retry_after(headers: object) -> float | None:
    """The ``Retry-After`` header in seconds, or None when absent or not a number.

    Args:
        headers: a response's headers (any mapping; names are matched case-insensitively;
            a value may be a list, as urllib gives repeated headers).
    """
    if not isinstance(headers, dict):
        return None
    value = next((v for k, v in headers.items() if str(k).lower() == "retry-after"), None)
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        seconds = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return None if seconds is None else max(seconds, 0.0)


def backoff(attempt: int, cap: float = 600.0) -> float:
    """Seconds before attempt ``attempt + 1`` after a passing failure: 1, 2, 4… up to ``cap``."""
    return float(min(cap, 2 ** max(attempt - 1, 0)))


def classify(exc: SlackApiError, attempt: int, cap: float = 600.0) -> Verdict:
    """Sort a Slack API error into wait-and-retry or give-up.

    Args:
        exc: the error slack_sdk raised.
        attempt: how many attempts have been made, this one included (1 for the first).
        cap: the longest back-off, in seconds.

    Returns:
        A Verdict: 429 waits ``Retry-After`` (30 s if missing), 5xx and RETRYABLE_ERRORS back
        off exponentially, anything else is permanent.
    """
    response = exc.response
    status = int(getattr(response, "status_code", 200) or 200)
    data = response.data if isinstance(response.data, dict) else {}
    error = data.get("error")
    if not isinstance(error, str) or not error or " " in error:
        # not one of Slack's error codes: an HTML gateway page, which slack_sdk reports as
        # "Received a response in a non-JSON format: …"; the status says it in a word
        error = f"http_{status}"
    if status == 429 or error in RATE_LIMITED:
        wait = retry_after(dict(response.headers or {}))
        return Verdict("ratelimited", DEFAULT_RETRY_AFTER if wait is None else wait)
    if status >= 500 or error in RETRYABLE_ERRORS:
        return Verdict(error, backoff(attempt, cap))
    return Verdict(error, None)


def wait_before_retry(exc: Exception, attempt: int) -> float:
    """Seconds to wait before trying a request again after ``exc`` on attempt ``attempt``
    (1 for the first): Slack's Retry-After when it gave one, else 2 s, then 10 s."""
    if isinstance(exc, SlackApiError):
        wait = retry_after(dict(exc.response.headers or {}))
        if wait:
            return wait
    return 2.0 if attempt == 1 else 10.0


JITTER = 0.1  # up to 10 % more wait, so processes that failed together do not retry together


def jittered(seconds: float, draw: Callable[[], float] = random.random) -> float:
    """``seconds`` plus up to JITTER of it, at random: never less than asked (a Retry-After
    is a minimum), so retries of many messages spread out instead of arriving at once."""
    return seconds * (1.0 + JITTER * draw())
