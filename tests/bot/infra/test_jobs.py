"""Post-ack work waits for a quiet moment between requests, but never for ever."""

from __future__ import annotations

import threading
import time

from bot.infra.jobs import Activity, Jobs


def test_work_waits_for_a_gap_then_runs() -> None:
    activity = Activity(quiet=0.05)
    jobs = Jobs("test", activity=activity, patience=5.0)
    ran = threading.Event()
    with activity:  # a request is being answered
        started = time.monotonic()
        jobs.submit(ran.set)
        assert not ran.wait(0.2)
    assert ran.wait(2)
    assert time.monotonic() - started >= 0.2 + 0.05
    jobs.shutdown()


def test_patience_runs_work_under_endless_load() -> None:
    activity = Activity(quiet=0.05)
    jobs = Jobs("test", activity=activity, patience=0.3)
    ran = threading.Event()
    with activity:
        started = time.monotonic()
        jobs.submit(ran.set)
        assert ran.wait(2)
        assert 0.25 <= time.monotonic() - started < 1.5
    jobs.shutdown()


def test_a_failing_job_is_logged_and_the_next_still_runs(caplog) -> None:  # type: ignore[no-untyped-def]
    jobs = Jobs("test")
    done = threading.Event()

    def boom() -> None:
        raise RuntimeError("boom")

    jobs.submit(boom)
    jobs.submit(done.set)
    assert done.wait(2)
    jobs.shutdown()
    assert "test job boom failed" in caplog.text
