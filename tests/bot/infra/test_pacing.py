"""Pacing by Slack's rate tiers: the pacer on a test clock, the client against the loopback
Slack enforcing the same limits, and a fan-out that meets no 429."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.models import OutboxMessage, OutboxStatus
from bot.infra.outbox.delivery import Deliverer
from bot.infra.outbox.queue import Outgoing, enqueue
from bot.infra.pacing import MARGIN, PacedWebClient, Pacer, paced_wait
from tests.slack_fake import SlackFake

NOW = datetime(2026, 6, 11, 1, 0, tzinfo=UTC)


class TestClock:
    """Monotonic seconds that move only when the pacer sleeps."""

    __test__ = False

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


def paced_moments(
    pacer: Pacer, clock: TestClock, calls: list[tuple[str, str | None]]
) -> list[float]:
    """When each call went, in seconds after the first, each waiting for its turn."""
    start = clock.now
    moments = []
    for method, channel in calls:
        pacer.pace(method, channel)
        moments.append(round(clock.now - start, 6))
    return moments


def most_in_any_window(moments: list[float], seconds: float) -> int:
    return max(sum(1 for m in moments if start <= m < start + seconds) for start in moments)


def test_posts_to_one_channel_keep_to_about_one_a_second(clock: TestClock) -> None:
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    moments = paced_moments(pacer, clock, [("chat.postMessage", "C1")] * 130)
    assert moments[59] < 60 * 0.25  # a burst goes at the workspace's pace
    assert most_in_any_window(moments, 60.0) == 60  # then never more than 60 a minute
    assert 120.0 <= moments[-1] <= 120.0 + 3 * MARGIN + 15  # 130 posts: two minutes later


def test_posts_to_different_channels_share_only_the_workspace_limit(clock: TestClock) -> None:
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    moments = paced_moments(pacer, clock, [("chat.postMessage", f"D{n}") for n in range(600)])
    gaps = [later - earlier for earlier, later in pairwise(moments)]
    assert min(gaps) >= 0.2 and max(gaps) <= 0.25  # evenly, one at a time, never a burst
    assert 240 <= 600 / moments[-1] * 60 <= 300  # several hundred a minute
    # ten posts to one channel go at that pace too: the channel's own limit is not met
    assert paced_moments(pacer, clock, [("chat.postMessage", "C1")] * 10)[-1] < 2.5


def test_each_tier_allows_its_calls_a_minute(clock: TestClock) -> None:
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    assert paced_moments(pacer, clock, [("users.list", None)] * 21)[-1] >= 60.0  # Tier 2: 20
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    moments = paced_moments(pacer, clock, [("conversations.history", "C1")] * 51)  # Tier 3: 50
    assert moments[49] == 0.0 and moments[50] >= 60.0
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    assert paced_moments(pacer, clock, [("users.info", None)] * 100)[-1] == 0.0  # Tier 4: 100
    # a method Slack's table does not name is paced as Tier 2
    assert paced_moments(pacer, clock, [("bookmarks.list", None)] * 21)[-1] >= 60.0


def test_methods_are_counted_apart(clock: TestClock) -> None:
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    paced_moments(pacer, clock, [("users.list", None)] * 20)
    assert paced_moments(pacer, clock, [("usergroups.users.list", None)] * 20)[-1] == 0.0


def test_scale_multiplies_the_rates_and_zero_turns_pacing_off(clock: TestClock) -> None:
    pacer = Pacer(10, clock=clock, sleep=clock.sleep)
    assert 6.0 <= paced_moments(pacer, clock, [("users.list", None)] * 21)[-1] <= 6.0 + MARGIN
    pacer = Pacer(0, clock=clock, sleep=clock.sleep)
    assert paced_moments(pacer, clock, [("users.list", None)] * 500)[-1] == 0.0
    with pytest.raises(ValueError):
        Pacer(-1)


def test_a_window_gone_quiet_is_forgotten(clock: TestClock) -> None:
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    paced_moments(pacer, clock, [("chat.postMessage", f"A{n}") for n in range(1000)])
    clock.sleep(61)
    paced_moments(pacer, clock, [("chat.postMessage", f"B{n}") for n in range(1000)])
    # not one window per direct-message channel ever posted to: the first thousand are gone
    assert not [key for key in pacer._recent if key[1].startswith("A")]


# --------------------------------------------------------------------------- against the fake


def paced_client(slack: SlackFake, pacer: Pacer, max_wait: float = 2.0) -> PacedWebClient:
    return PacedWebClient(
        pacer=pacer,
        max_wait=max_wait,
        token="xoxb-test",
        base_url=slack.api_url,
        retry_handlers=[],
        timeout=5,
    )


def test_a_call_that_would_wait_too_long_is_refused_as_slack_would_without_asking_slack(
    slack: SlackFake, clock: TestClock
) -> None:
    client = paced_client(slack, Pacer(clock=clock, sleep=clock.sleep), max_wait=5.0)
    for _ in range(20):
        client.users_list()
    with pytest.raises(SlackApiError) as refused:
        client.users_list()
    response = refused.value.response
    assert response.status_code == 429 and response["error"] == "ratelimited"
    assert 59 <= int(response.headers["Retry-After"]) <= 61  # whole seconds, as Slack's
    assert len(slack.calls_to("users.list")) == 20  # the 21st never reached Slack
    clock.sleep(61)
    client.users_list()  # a minute later it goes
    assert len(slack.calls_to("users.list")) == 21


def test_the_channel_is_read_wherever_the_sdk_puts_it(slack: SlackFake, clock: TestClock) -> None:
    client = paced_client(slack, Pacer(clock=clock, sleep=clock.sleep), max_wait=0)
    for _ in range(50):  # conversations.history is a GET: the channel is a query parameter
        client.conversations_history(channel="C1")
    with pytest.raises(SlackApiError):
        client.conversations_history(channel="C2")  # Tier 3 is per method, not per channel
    for n in range(60):
        client.chat_postMessage(channel="C1", text=f"{n}")  # JSON body
        clock.sleep(0.25)  # the workspace's pace
    client.chat_postMessage(channel="C2", text="other channel")  # C1's minute is not over
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="one too many")


# --------------------------------------------------------------------------- a fan-out

PACE = 30.0  # thirty times Slack's pace, so the test takes seconds, not minutes


@pytest.fixture
def slack_at_its_limits(slack: SlackFake) -> Iterator[SlackFake]:
    """The fake refusing what Slack would refuse, on the same faster clock."""
    slack.rate_limit("chat.postMessage", 60, seconds=60.0 / PACE, per_channel=True)
    yield slack


def fan_out(session_factory: sessionmaker[Session], posts: int, channels: int) -> list[str]:
    keys = [f"fan-out:{n}" for n in range(posts)]
    with session_factory.begin() as session:
        for n, key in enumerate(keys):
            payload = {"channel": f"C{n % channels}", "text": key}
            enqueue(session, "T0TEST", Outgoing(key, "chat.postMessage", payload), NOW)
    return keys


def refused(slack: SlackFake) -> int:
    return sum(1 for call in slack.calls_to("chat.postMessage") if call.status == 429)


def test_a_fan_out_paced_by_tier_meets_no_429(
    session_factory: sessionmaker[Session], slack_at_its_limits: SlackFake
) -> None:
    keys = fan_out(session_factory, 200, channels=2)
    deliverer = Deliverer(session_factory, paced_client(slack_at_its_limits, Pacer(PACE)))
    report = deliverer.deliver_until_done(keys, timeout=60)
    assert sorted(report.sent) == sorted(keys)
    assert refused(slack_at_its_limits) == 0
    with session_factory() as session:  # each sent at its first attempt: no turn taken twice
        assert session.scalar(select(func.max(OutboxMessage.attempts))) == 1


def test_the_same_fan_out_unpaced_is_refused_by_slack(
    session_factory: sessionmaker[Session], slack_at_its_limits: SlackFake
) -> None:
    """What the test above guards against: without pacing, Slack answers 429s."""
    keys = fan_out(session_factory, 200, channels=2)
    client = WebClient(token="xoxb-test", base_url=slack_at_its_limits.api_url, retry_handlers=[])
    Deliverer(session_factory, client).deliver_due(keys, limit=200)
    assert refused(slack_at_its_limits) > 0


def test_a_deliverer_waits_for_its_turn_without_counting_attempts(
    session_factory: sessionmaker[Session], slack: SlackFake, clock: TestClock
) -> None:
    keys = fan_out(session_factory, 30, channels=30)  # direct messages: 30 channels
    client = paced_client(slack, Pacer(clock=clock, sleep=clock.sleep), max_wait=0)
    report = Deliverer(session_factory, client).deliver_due(keys, limit=30)
    assert len(report.sent) == 1 == len(slack.calls_to("chat.postMessage"))  # one turn
    assert 0.2 <= report.paced_for <= 0.25  # the workspace's next turn
    with session_factory() as session:
        waiting = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        ).all()
    assert len(waiting) == 29
    assert all(row.attempts == 0 and row.lease_owner is None for row in waiting)
    assert all(row.next_attempt_at is not None for row in waiting)  # not claimed again at once


def test_one_busy_channel_does_not_hold_back_posts_to_other_channels(
    session_factory: sessionmaker[Session], slack: SlackFake, clock: TestClock
) -> None:
    """Found in review: a feed channel at its minute's 60 posts held back every direct
    message claimed with it for 45 s."""
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    for _ in range(60):  # the feed channel has had its 60 posts this minute
        pacer.pace("chat.postMessage", "C1")
        clock.sleep(0.25)
    with session_factory.begin() as session:
        feed = Outgoing("feed", "chat.postMessage", {"channel": "C1", "text": "feed"})
        enqueue(session, "T0TEST", feed, NOW)
        for n in range(5):
            dm = Outgoing(f"dm{n}", "chat.postMessage", {"channel": f"D{n}", "text": "dm"})
            enqueue(session, "T0TEST", dm, NOW)
    report = Deliverer(session_factory, paced_client(slack, pacer)).deliver_due()
    assert sorted(report.sent) == [f"dm{n}" for n in range(5)]
    assert report.paced_for > 40  # the feed post waits for its channel's minute


def test_a_paced_refusal_says_retry_after_in_whole_seconds(clock: TestClock) -> None:
    """Found in review: slack_sdk's Socket Mode client reads Retry-After with int()."""
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    client = PacedWebClient(pacer=pacer, max_wait=0, token=None, base_url="http://127.0.0.1:9/")
    for _ in range(50):
        pacer.pace("apps.connections.open")
    with pytest.raises(SlackApiError) as refused:
        client.apps_connections_open(app_token="xapp-1")
    assert int(refused.value.response.headers["Retry-After"]) >= 1
    assert paced_wait(refused.value) == pytest.approx(60.0 + MARGIN, abs=0.5)
