"""Store-then-send delivery against the loopback Slack, on a real database."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.infra.db import make_engine, make_session_factory
from bot.infra.models import OutboxMessage
from bot.infra.outbox.delivery import Deliverer, DeliveryReport
from bot.infra.outbox.queue import Outgoing, enqueue
from bot.infra.outbox.report import undelivered
from tests.slack_fake import SlackFake

NOW = datetime(2026, 6, 11, 1, 0, tzinfo=UTC)
TEAM = "T0TEST"


def client_for(slack: SlackFake) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.api_url, retry_handlers=[], timeout=5)


def post(key: str, channel: str = "C0CELEBRATE", text: str = "hello") -> Outgoing:
    return Outgoing(key, "chat.postMessage", {"channel": channel, "text": text})


def store(session_factory: sessionmaker[Session], *messages: Outgoing) -> list[bool]:
    with session_factory.begin() as session:
        return [enqueue(session, TEAM, m, NOW) for m in messages]


def rows(session_factory: sessionmaker[Session]) -> dict[str, OutboxMessage]:
    with session_factory() as session:
        return {r.key: r for r in session.scalars(select(OutboxMessage))}


def test_enqueue_is_insert_if_absent(session_factory: sessionmaker[Session]) -> None:
    assert store(session_factory, post("a"), post("a", text="changed"), post("b")) == [
        True,
        False,
        True,
    ]
    assert store(session_factory, post("a")) == [False]
    stored = rows(session_factory)
    assert sorted(stored) == ["a", "b"]
    assert stored["a"].payload["text"] == "hello"
    assert stored["a"].status == "pending"


def test_delivers_once_and_records_ts(
    session_factory: sessionmaker[Session], slack: SlackFake
) -> None:
    store(session_factory, post("a"))
    deliverer = Deliverer(session_factory, client_for(slack))
    report = deliverer.deliver_until_done(timeout=5)
    assert report.sent == ["a"]
    assert deliverer.deliver_until_done(timeout=5).sent == []
    posts = slack.calls_to("chat.postMessage")
    assert len(posts) == 1 and posts[0].params["text"] == "hello"
    row = rows(session_factory)["a"]
    assert row.status == "sent" and row.attempts == 1
    assert row.slack_ts and row.slack_channel == "C0CELEBRATE"


def test_429_then_two_500s_still_one_post(
    session_factory: sessionmaker[Session], slack: SlackFake
) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    slack.fail_next("chat.postMessage", status=500, times=2)
    store(session_factory, post("a"))
    deliverer = Deliverer(session_factory, client_for(slack), max_backoff=0.2)
    report = deliverer.deliver_until_done(timeout=10)
    assert report.sent == ["a"] and not report.failed
    calls = slack.calls_to("chat.postMessage")
    assert len(calls) == 4  # 429, 500, 500, then the one that landed
    assert calls[1].at - calls[0].at >= 0.95, "Retry-After: 1 was not honoured"
    row = rows(session_factory)["a"]
    assert (row.status, row.attempts) == ("sent", 4)


def test_permanent_error_recorded_and_others_still_sent(
    session_factory: sessionmaker[Session], slack: SlackFake
) -> None:
    slack.error_for("chat.postMessage", "channel_not_found", when={"channel": "C0GONE"})
    store(session_factory, post("gone", channel="C0GONE"), post("fine", channel="C0MANILA"))
    report = Deliverer(session_factory, client_for(slack)).deliver_until_done(timeout=5)
    assert report.sent == ["fine"]
    assert report.failed == [("gone", "channel_not_found")]
    stored = rows(session_factory)
    assert (stored["gone"].status, stored["gone"].last_error) == ("failed", "channel_not_found")
    assert len(slack.calls_to("chat.postMessage")) == 2  # no retry of a permanent error
    with session_factory() as session:
        assert [r.key for r in undelivered(session, failed=True)] == ["gone"]
        assert undelivered(session, failed=False) == []


def test_connection_error_backs_off_and_stays_pending(
    session_factory: sessionmaker[Session],
) -> None:
    client = WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/", retry_handlers=[])
    store(session_factory, post("a"))
    moment = datetime.now(UTC)
    report = Deliverer(session_factory, client, clock=lambda: moment).deliver_due()
    assert report.sent == [] and report.failed == []
    row = rows(session_factory)["a"]
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error and row.last_error.startswith("connection")
    assert row.next_attempt_at is not None  # 1 s back-off, plus up to 10 % jitter
    assert timedelta(seconds=1) <= row.next_attempt_at - moment <= timedelta(seconds=1.1)


def test_timeout_leaves_retry_pending_with_reason(
    session_factory: sessionmaker[Session], slack: SlackFake
) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=30)
    store(session_factory, post("a"))
    report = Deliverer(session_factory, client_for(slack)).deliver_until_done(timeout=0.5)
    assert report.sent == [] and report.retrying == [("a", "ratelimited")]
    assert rows(session_factory)["a"].status == "pending"


def test_live_lease_is_respected_and_expired_lease_is_taken(
    session_factory: sessionmaker[Session], slack: SlackFake
) -> None:
    store(session_factory, post("held"), post("crashed"))
    now = datetime.now(UTC)
    with session_factory.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == "held")
            .values(lease_until=now + timedelta(minutes=1), lease_owner="other")
        )
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == "crashed")
            .values(lease_until=now - timedelta(seconds=1), lease_owner="dead")
        )
    report = Deliverer(session_factory, client_for(slack)).deliver_due()
    assert report.sent == ["crashed"]
    assert rows(session_factory)["held"].status == "pending"


def test_two_concurrent_deliverers_post_each_message_once(
    engine: Engine, db_url: str, slack: SlackFake
) -> None:
    """Two deliverers with their own engines (like two processes) race over one outbox."""
    factory = make_session_factory(engine)
    keys = [f"m{i}" for i in range(60)]
    store(factory, *(post(k, text=k) for k in keys))
    engines = [make_engine(db_url), make_engine(db_url)]
    deliverers = [Deliverer(make_session_factory(e), client_for(slack)) for e in engines]
    reports: list[DeliveryReport | None] = [None, None]
    start = threading.Barrier(2)

    def run(index: int) -> None:
        start.wait()
        reports[index] = deliverers[index].deliver_until_done(timeout=20)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for e in engines:
        e.dispose()
    texts = [c.params["text"] for c in slack.calls_to("chat.postMessage")]
    assert sorted(texts) == sorted(keys), "a message was lost or sent twice"
    sent = [set(r.sent) for r in reports if r is not None]
    assert len(sent) == 2
    assert not (sent[0] & sent[1]) and (sent[0] | sent[1]) == set(keys)
    with factory() as session:
        assert session.scalar(select(func.count()).where(OutboxMessage.status == "sent")) == 60


CRASHED_AT = datetime.now(UTC)
AFTER_THE_LEASE = CRASHED_AT + timedelta(minutes=3)  # the default lease is two minutes


def crash_after_claim(
    session_factory: sessionmaker[Session], slack: SlackFake, *, after_send: bool
) -> None:
    """A deliverer takes the row (and maybe gets it posted), then dies before recording."""
    doomed = Deliverer(session_factory, client_for(slack), clock=lambda: CRASHED_AT)
    (claim,) = doomed.leases.claim(None, 10)
    if after_send:
        assert doomed._send(claim).status == "sent"


def successor(session_factory: sessionmaker[Session], slack: SlackFake) -> Deliverer:
    """The deliverer that runs once the crashed one's lease has run out (its clock moves on
    from there with real time, so retries come due)."""
    began = time.monotonic()

    def clock() -> datetime:
        return AFTER_THE_LEASE + timedelta(seconds=time.monotonic() - began)

    return Deliverer(session_factory, client_for(slack), clock=clock, max_backoff=0.2)


def recover_after_crash(
    session_factory: sessionmaker[Session], slack: SlackFake, *, after_send: bool
) -> DeliveryReport:
    """One post to C0MANILA, a deliverer that dies holding it, and its successor's delivery."""
    store(session_factory, post("a", channel="C0MANILA"))
    crash_after_claim(session_factory, slack, after_send=after_send)
    return successor(session_factory, slack).deliver_until_done(timeout=5)


def test_post_made_before_a_crash_is_found_not_repeated(
    session_factory: sessionmaker[Session], slack: SlackFake
) -> None:
    report = recover_after_crash(session_factory, slack, after_send=True)
    assert report.sent == ["a"]
    assert len(slack.calls_to("chat.postMessage")) == 1
    (history,) = slack.calls_to("conversations.history")
    assert history.params["channel"] == "C0MANILA"
    row = rows(session_factory)["a"]
    assert row.status == "sent" and row.slack_ts == slack.history["C0MANILA"][0]["ts"]


def test_a_failed_history_look_up_after_a_crash_posts_again(
    session_factory: sessionmaker[Session], slack: SlackFake
) -> None:
    """As README says: only when the look-up itself fails (the bot cannot read the channel)
    is a post whose fate is unknown sent again."""
    slack.error_for("conversations.history", "not_in_channel")
    report = recover_after_crash(session_factory, slack, after_send=True)
    assert report.sent == ["a"]
    assert rows(session_factory)["a"].blind_resends == 1  # counted, shown by lantern outbox
    assert len(slack.calls_to("conversations.history")) == 1
    first, second = slack.calls_to("chat.postMessage")
    assert first.json_param("metadata") == second.json_param("metadata")
    assert rows(session_factory)["a"].slack_ts == slack.history["C0MANILA"][-1]["ts"]


def test_crash_before_sending_is_sent_once(
    session_factory: sessionmaker[Session], slack: SlackFake
) -> None:
    report = recover_after_crash(session_factory, slack, after_send=False)
    assert report.sent == ["a"]
    (call,) = slack.calls_to("chat.postMessage")
    assert call.json_param("metadata")["event_payload"] == {"key": "a"}


def test_a_lease_that_lapses_mid_batch_never_double_posts(
    engine: Engine, db_url: str, slack: SlackFake
) -> None:
    """A slow deliverer's batch outlives its lease; a second deliverer takes the rest. Each
    message is still posted once: the slow one re-checks its lease before every send."""
    factory = make_session_factory(engine)
    keys = [f"k{i}" for i in range(6)]
    store(factory, *(post(k, text=k) for k in keys))
    now = [datetime.now(UTC)]
    fast = Deliverer(make_session_factory(engine), client_for(slack), clock=lambda: now[0])

    class SlowClient(WebClient):
        """Every send takes 90 s of the shared clock; during the second, the lease of the
        rest of the batch (two minutes) lapses and the fast deliverer takes them over."""

        sends = 0

        def api_call(self, *args: Any, **kwargs: Any) -> Any:
            now[0] += timedelta(seconds=90)
            SlowClient.sends += 1
            if SlowClient.sends == 2:
                taken = fast.deliver_due()
                assert taken.sent == keys[2:], "the fast deliverer should take the lapsed rows"
            return super().api_call(*args, **kwargs)

    slow = Deliverer(
        make_session_factory(engine),
        SlowClient(token="xoxb-test", base_url=slack.api_url, retry_handlers=[]),
        clock=lambda: now[0],
    )
    report = slow.deliver_due()
    assert report.sent == keys[:2]
    texts = [c.params["text"] for c in slack.calls_to("chat.postMessage")]
    assert sorted(texts) == keys, f"posted: {texts}"


def test_a_rate_limited_history_check_waits_instead_of_posting_again(
    session_factory: sessionmaker[Session], slack: SlackFake
) -> None:
    """A deliverer died after Slack took its post; the check answers 429: it is tried again
    after Retry-After, finds the post, and nothing is posted twice."""
    slack.fail_next("conversations.history", status=429, retry_after=1)
    report = recover_after_crash(session_factory, slack, after_send=True)
    assert report.sent == ["a"]
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(slack.calls_to("conversations.history")) == 2
    assert rows(session_factory)["a"].blind_resends == 0


def test_the_check_pages_back_past_a_busy_channel(
    session_factory: sessionmaker[Session], slack: SlackFake
) -> None:
    """250 messages arrived after the lost post: the check reads back page by page to it."""
    store(session_factory, post("a", channel="C0MANILA"))
    crash_after_claim(session_factory, slack, after_send=True)
    for n in range(250):
        slack.history["C0MANILA"].append(
            {"type": "message", "text": f"chatter {n}", "ts": slack.next_ts(), "user": "U0ANA"}
        )
    report = successor(session_factory, slack).deliver_until_done(timeout=10)
    assert report.sent == ["a"]
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(slack.calls_to("conversations.history")) == 2  # 200 per page


@pytest.mark.parametrize("lost", [1, 3])
def test_a_post_whose_answer_is_lost_is_not_posted_again(
    session_factory: sessionmaker[Session], slack: SlackFake, lost: int
) -> None:
    """Slack makes the post but the answer never arrives: the next attempt finds the post in
    the channel instead of posting blind, however many messages this happens to."""
    keys = [f"lost-{n}" for n in range(lost)]
    store(session_factory, *(post(k, channel="C0MANILA", text=k) for k in keys))
    slack.lose_next("chat.postMessage", times=lost)
    deliverer = Deliverer(session_factory, client_for(slack), max_backoff=0.2)
    report = deliverer.deliver_until_done(timeout=20)
    assert sorted(report.sent) == keys
    texts = [c.params["text"] for c in slack.calls_to("chat.postMessage")]
    assert sorted(texts) == keys, "a post whose answer was lost was made twice"
    found = rows(session_factory)
    posted = {m["text"]: m["ts"] for m in slack.history["C0MANILA"]}
    assert all(found[k].slack_ts == posted[k] for k in keys)
    assert all(found[k].unknown_since is None for k in keys)


def test_failed_checks_do_not_move_the_look_back_window(
    session_factory: sessionmaker[Session], slack: SlackFake
) -> None:
    """A post's answer is lost and the check is rate-limited three times: every check looks
    back to the same moment (it once moved a minute earlier per failed check, so a busy
    channel could push the search past its page limit for ever)."""
    store(session_factory, post("a", channel="C0MANILA"))
    slack.lose_next("chat.postMessage")
    slack.fail_next("conversations.history", status=429, retry_after=1, times=3)
    deliverer = Deliverer(session_factory, client_for(slack), max_backoff=0.2)
    report = deliverer.deliver_until_done(timeout=20)
    assert report.sent == ["a"]
    looks = [c.params["oldest"] for c in slack.calls_to("conversations.history")]
    assert len(looks) == 4 and len(set(looks)) == 1, f"the window moved: {looks}"
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_an_expired_message_is_never_sent(
    session_factory: sessionmaker[Session], slack: SlackFake
) -> None:
    now = datetime.now(UTC)
    late = Outgoing(
        "today", "chat.postMessage", {"channel": "C0MANILA", "text": "Today: Diwali"}, now
    )
    store(session_factory, late, post("fine"))
    report = Deliverer(session_factory, client_for(slack)).deliver_until_done(timeout=5)
    assert report.failed == [("today", "expired")] and report.sent == ["fine"]
    assert [c.params["text"] for c in slack.calls_to("chat.postMessage")] == ["hello"]
    assert rows(session_factory)["today"].status == "failed"
