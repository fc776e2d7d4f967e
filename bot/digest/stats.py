"""The digest's noise floor for shares: whether this week's share of kudos across the
in-house / BPO boundary clearly differs from the 8 weeks before.

A share is the mean of 0/1 values (a recognition crosses the boundary or not), so the
difference of two shares gets Welch's interval from :mod:`bot.pulse.statistics`, the same
test the pulse trends use. A week with few recognitions, or a change of under five
percentage points, is never "clear": a digest that reports noise teaches people to skip it.
"""

from __future__ import annotations

from bot.pulse.statistics import Sample, difference_interval

MIN_THIS_WEEK = 10  # recognitions between sites this week before a change can be clear
MIN_BEFORE = 20  # and over the 8 weeks before
MIN_POINTS = 0.05  # the smallest change worth a highlight, as a share (5 points)


def share_sample(hits: int, n: int) -> Sample:
    """The summary of ``n`` 0/1 values of which ``hits`` are 1 (``n`` ≥ 1)."""
    if n < 1 or not 0 <= hits <= n:
        raise ValueError(f"needs 0 <= hits <= n and n >= 1, got {hits} of {n}")
    mean = hits / n
    variance = mean * (1 - mean) * n / (n - 1) if n > 1 else 0.0
    return Sample(n, mean, variance)


def share_change(hits: int, n: int, hits_before: int, n_before: int) -> str | None:
    """ "up" or "down" when ``hits / n`` clearly differs from ``hits_before / n_before``
    (Welch's 95 % interval of the difference excludes zero, at least MIN_THIS_WEEK and
    MIN_BEFORE values, a change of at least MIN_POINTS); None otherwise."""
    if n < MIN_THIS_WEEK or n_before < MIN_BEFORE:
        return None
    change = difference_interval(share_sample(hits, n), share_sample(hits_before, n_before))
    if change is None or change.includes_zero or abs(change.value) < MIN_POINTS:
        return None
    return "up" if change.value > 0 else "down"
