"""The recently-asked cache on an explicit clock: fresh within ttl, last answer kept after."""

from __future__ import annotations

from bot.infra.recent import Recent


def test_fresh_within_ttl_then_only_the_last_answer() -> None:
    now = [100.0]
    recent: Recent[str, frozenset[str] | None] = Recent(ttl=300.0, clock=lambda: now[0])
    assert recent.fresh("S1") is None and recent.last("S1") is None
    recent.keep("S1", frozenset({"U1"}))
    now[0] += 299.0
    fresh = recent.fresh("S1")
    assert fresh is not None and fresh.value == frozenset({"U1"})
    now[0] += 1.0
    assert recent.fresh("S1") is None  # stale: ask Slack again
    last = recent.last("S1")
    assert last is not None and last.value == frozenset({"U1"}) and last.at == 100.0


def test_none_is_an_answer_too() -> None:
    """A group Slack does not know is remembered as None, not asked again at once."""
    recent: Recent[str, frozenset[str] | None] = Recent(ttl=60.0, clock=lambda: 0.0)
    recent.keep("S404", None)
    known = recent.fresh("S404")
    assert known is not None and known.value is None
