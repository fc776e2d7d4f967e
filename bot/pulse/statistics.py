"""Means, eNPS and their 95 % confidence intervals, for the small samples of a pulse round.

Intervals of means use Student's t distribution (a pulse group is often 5 to 30 answers, too
few for the normal approximation); eNPS uses the standard error of a mean of +1 / 0 / −1
scores (promoter, passive, detractor), the usual method for NPS intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

# Two-sided 95 % critical values of Student's t, t(0.975, df), for df = 1 … 30, from any
# standard table (e.g. NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.2,
# https://www.itl.nist.gov/div898/handbook/eda/section3/eda3672.htm).
T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
# Beyond 30 degrees of freedom: 40, 60, 120 from the same table, then the normal 1.960.
T_975_LARGE = ((40, 2.021), (60, 2.000), (120, 1.980))
Z_975 = NormalDist().inv_cdf(0.975)  # 1.95996…


def t_975(df: float) -> float:
    """The two-sided 95 % critical value of Student's t with ``df`` degrees of freedom
    (fractional df, as Welch's test gives, rounds down: the wider, safer interval)."""
    if df < 1:
        raise ValueError(f"needs at least 1 degree of freedom, got {df}")
    whole = int(df)
    if whole <= len(T_975):
        return T_975[whole - 1]
    for limit, value in T_975_LARGE:
        if whole <= limit:
            return value
    return Z_975


@dataclass(frozen=True)
class Interval:
    """An estimate with its 95 % confidence interval: ``low`` ≤ ``value`` ≤ ``high``."""

    value: float
    low: float
    high: float

    @property
    def includes_zero(self) -> bool:
        """Whether 0 lies in the interval: for a difference, "no clear change"."""
        return self.low <= 0 <= self.high


@dataclass(frozen=True)
class Sample:
    """Summary of numeric answers: count, mean and sample variance (n − 1)."""

    n: int
    mean: float
    variance: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Sample:
        """The summary of ``values`` (at least one)."""
        n = len(values)
        if n == 0:
            raise ValueError("a sample needs at least one value")
        mean = math.fsum(values) / n
        variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
        return cls(n, mean, variance)


def mean_interval(sample: Sample) -> Interval:
    """The mean with its t interval; a single answer's interval is the answer itself (there
    is no spread to measure; results never show a group that small)."""
    if sample.n < 2:
        return Interval(sample.mean, sample.mean, sample.mean)
    margin = t_975(sample.n - 1) * math.sqrt(sample.variance / sample.n)
    return Interval(sample.mean, sample.mean - margin, sample.mean + margin)


def difference_interval(now: Sample, before: Sample) -> Interval | None:
    """``now.mean − before.mean`` with Welch's interval (unequal variances), or None when
    either side has fewer than 2 answers."""
    if now.n < 2 or before.n < 2:
        return None
    a, b = now.variance / now.n, before.variance / before.n
    difference = now.mean - before.mean
    if a + b == 0:
        return Interval(difference, difference, difference)
    df = (a + b) ** 2 / ((a**2 / (now.n - 1) if a else 0) + (b**2 / (before.n - 1) if b else 0))
    margin = t_975(max(df, 1)) * math.sqrt(a + b)
    return Interval(difference, difference - margin, difference + margin)


ENPS_PROMOTER, ENPS_DETRACTOR = 9, 6  # 9–10 promoters, 0–6 detractors (Bain & Company)


def enps_interval(scores: Sequence[int]) -> Interval:
    """eNPS = % promoters (9–10) − % detractors (0–6), from −100 to 100, with the normal
    interval of a mean of +1 / 0 / −1 scores: margin = 1.96 · √((p + d − (p − d)²) / n) · 100,
    clipped to [−100, 100]."""
    n = len(scores)
    if n == 0:
        raise ValueError("eNPS needs at least one answer")
    promoters = sum(1 for s in scores if s >= ENPS_PROMOTER) / n
    detractors = sum(1 for s in scores if s <= ENPS_DETRACTOR) / n
    value = (promoters - detractors) * 100
    variance = promoters + detractors - (promoters - detractors) ** 2
    margin = Z_975 * math.sqrt(variance / n) * 100
    return Interval(value, max(value - margin, -100.0), min(value + margin, 100.0))
