"""Retry policy against real slack_sdk errors from the loopback Slack: what waits how long."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.infra import retry
from tests.slack_fake import SlackFake


def error_from(slack: SlackFake, method: str = "chat.postMessage") -> SlackApiError:
    client = WebClient(token="xoxb-test", base_url=slack.api_url, retry_handlers=[])
    with pytest.raises(SlackApiError) as caught:
        client.api_call(method, json={"channel": "C0KUDOS", "text": "hi"})
    return caught.value


def test_429_waits_retry_after(slack: SlackFake) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=7)
    verdict = retry.classify(error_from(slack), attempt=1)
    assert (verdict.error, verdict.retry_in, verdict.permanent) == ("ratelimited", 7.0, False)


def test_429_without_retry_after_waits_the_default(slack: SlackFake) -> None:
    slack.fail_next("chat.postMessage", status=429)
    assert retry.classify(error_from(slack), attempt=1).retry_in == retry.DEFAULT_RETRY_AFTER


@pytest.mark.parametrize(("attempt", "wait"), [(1, 1.0), (2, 2.0), (4, 8.0), (30, 600.0)])
def test_5xx_backs_off_exponentially_up_to_the_cap(
    slack: SlackFake, attempt: int, wait: float
) -> None:
    slack.fail_next("chat.postMessage", status=503)
    verdict = retry.classify(error_from(slack), attempt=attempt)
    assert (verdict.error, verdict.retry_in) == ("http_503", wait)


def test_passing_and_permanent_slack_errors(slack: SlackFake) -> None:
    slack.error_for("chat.postMessage", "internal_error")
    assert retry.classify(error_from(slack), attempt=1).retry_in == 1.0
    slack.error_for("chat.postMessage", "channel_not_found")
    verdict = retry.classify(error_from(slack), attempt=1)
    assert verdict.permanent and verdict.error == "channel_not_found"


def test_retry_after_reads_any_header_case_and_rejects_nonsense() -> None:
    assert retry.retry_after({"retry-after": "3"}) == 3.0
    assert retry.retry_after({"Retry-After": ["4"]}) == 4.0
    assert retry.retry_after({"Retry-After": "soon"}) is None
    assert retry.retry_after({"Retry-After": "-5"}) == 0.0
    assert retry.retry_after(None) is None


def test_a_request_retry_waits_retry_after_else_two_then_ten_seconds(slack: SlackFake) -> None:
    slack.fail_next("users.info", status=429, retry_after=5)
    assert retry.wait_before_retry(error_from(slack, "users.info"), attempt=2) == 5.0
    assert retry.wait_before_retry(OSError("unreachable"), attempt=1) == 2.0
    assert retry.wait_before_retry(OSError("unreachable"), attempt=2) == 10.0


def test_jitter_only_ever_adds_up_to_a_tenth() -> None:
    assert retry.jittered(30.0, draw=lambda: 0.0) == 30.0  # a Retry-After is a minimum
    assert retry.jittered(30.0, draw=lambda: 0.999) == pytest.approx(32.997)
