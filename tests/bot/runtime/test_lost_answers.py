"""A ``lantern worker`` process delivers a fan-out of 40 posts to four channels while Slack
makes some posts but drops the answer. Each such post is checked against its channel
(``conversations.history``, page by page) before any resend, so every post is made once:
also when Slack answers that look-up 429 with Retry-After. Counted in what the (fake) Slack
holds, not in what lantern thinks it sent."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.config import Settings
from bot.infra.models import OutboxMessage, OutboxStatus
from bot.infra.outbox.history import METADATA_EVENT
from bot.infra.outbox.queue import Outgoing, enqueue
from tests.processes import fault_line, worker
from tests.slack_fake import SlackFake
from tests.waiting import wait_until

CHANNELS = ("C0LOSTA", "C0LOSTB", "C0LOSTC", "C0LOSTD")
POSTS = 40
LOST = 5  # posts Slack makes but whose answer it drops
PAGE = 2  # messages per history page: the check must follow the cursor to a lost post


def held_by_slack(slack: SlackFake) -> Counter[tuple[str, str]]:
    """(channel, outbox key) of every post lantern made that Slack holds, with its count."""
    with slack.lock:
        history = {channel: list(messages) for channel, messages in slack.history.items()}
    held: Counter[tuple[str, str]] = Counter()
    for channel, messages in history.items():
        for message in messages:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == METADATA_EVENT:
                held[(channel, str(metadata["event_payload"]["key"]))] += 1
    return held


@pytest.mark.parametrize(
    ("scenario", "throttled"),
    [
        ("answers of posts lost", 0),
        ("answers lost, history look-up 429", 8),  # more than LOST: some are throttled twice
    ],
)
def test_a_post_whose_answer_was_lost_is_never_posted_twice(
    settings: Settings,
    slack: SlackFake,
    session_factory: sessionmaker[Session],
    scenario: str,
    throttled: int,
) -> None:
    now = datetime.now(UTC)
    channel_of = {f"lost:{n:02d}": CHANNELS[n % len(CHANNELS)] for n in range(POSTS)}
    with session_factory.begin() as session:
        for key, channel in channel_of.items():
            payload = {"channel": channel, "text": key}
            enqueue(session, "T0TEST", Outgoing(key, "chat.postMessage", payload), now)
    slack.lose_next("chat.postMessage", times=LOST)  # the first five, in all four channels
    slack.short_pages("conversations.history", PAGE)
    if throttled:
        slack.fail_next("conversations.history", status=429, retry_after=1, times=throttled)

    def all_sent() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the worker exited with {process.returncode}")
        with session_factory() as session:
            statuses = session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.key.in_(channel_of))
            ).all()
        return len(statuses) == POSTS and all(s == OutboxStatus.SENT for s in statuses)

    process = worker(settings)
    try:
        wait_until(all_sent, 45, "every post recorded as sent")
    finally:
        process.terminate()
        process.wait(30)

    held = held_by_slack(slack)
    ours = {place: count for place, count in held.items() if place[1] in channel_of}
    delivered = sum(ours.values())
    distinct = len(ours)
    misplaced = [key for channel, key in ours if channel_of[key] != channel]
    assert misplaced == [], f"posted to the wrong channel: {misplaced}"
    twice = sorted(key for (_, key), count in ours.items() if count > 1)
    assert twice == [], f"posted twice: {twice}"
    assert distinct == POSTS, f"lost: {sorted(set(channel_of) - {k for _, k in ours})}"

    # the scenario happened: answers were dropped, the look-ups paged and (2) were throttled
    posts = [c for c in slack.calls_to("chat.postMessage") if c.params["text"] in channel_of]
    assert [c.status for c in posts].count(0) == LOST
    look_ups = [
        c for c in slack.calls_to("conversations.history") if c.params.get("channel") in CHANNELS
    ]
    assert len({c.params["channel"] for c in look_ups if c.status == 200}) == len(CHANNELS)
    assert any(c.params.get("cursor") for c in look_ups), "no look-up read past one page"
    answered_429 = sum(1 for c in look_ups if c.status == 429)
    assert (answered_429 >= 1) == bool(throttled), f"{answered_429} look-ups answered 429"

    with session_factory() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.key.in_(channel_of))).all()
    assert [r.key for r in rows if r.blind_resends] == [], "sent again without a check"
    assert all(r.unknown_since is None for r in rows)
    with slack.lock:
        ts_of = {
            str(m["metadata"]["event_payload"]["key"]): m["ts"]
            for channel in CHANNELS
            for m in slack.history.get(channel, [])
        }
    assert all(r.slack_ts == ts_of[r.key] for r in rows), "a row records another post"
    print(
        fault_line(scenario, POSTS, delivered, distinct, 0)
        + f" | answers lost {LOST} | look-ups {len(look_ups)} (429: {answered_429})"
    )
