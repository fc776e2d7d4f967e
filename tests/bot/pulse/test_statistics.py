"""Intervals checked against values worked out by hand (shown in each test)."""

from __future__ import annotations

import pytest

from bot.pulse.statistics import (
    Sample,
    difference_interval,
    enps_interval,
    mean_interval,
    t_975,
)


def test_the_mean_interval_of_five_answers() -> None:
    """4, 5, 3, 4, 4: mean 4; squared deviations 0+1+1+0+0 = 2, variance 2/4 = 0.5;
    standard error √(0.5/5) = 0.316228; t(0.975, 4) = 2.776; margin 0.877848."""
    interval = mean_interval(Sample.of([4, 5, 3, 4, 4]))
    assert interval.value == 4
    assert interval.low == pytest.approx(3.122152, abs=1e-6)
    assert interval.high == pytest.approx(4.877848, abs=1e-6)


def test_enps_of_ten_answers() -> None:
    """10 9 9 8 7 6 5 10 3 9: promoters 5 (50 %), detractors 3 (30 %), eNPS 20; variance
    0.5 + 0.3 − 0.2² = 0.76; margin 1.959964 · √(0.76/10) · 100 = 54.0324."""
    interval = enps_interval([10, 9, 9, 8, 7, 6, 5, 10, 3, 9])
    assert interval.value == pytest.approx(20)
    assert interval.low == pytest.approx(-34.0324, abs=1e-3)
    assert interval.high == pytest.approx(74.0324, abs=1e-3)


def test_enps_is_clipped_to_its_scale() -> None:
    assert enps_interval([10] * 9 + [0]).high == 100.0
    assert enps_interval([10] * 10).low == 100.0  # everyone a promoter: no spread


def test_a_difference_whose_interval_includes_zero_is_no_clear_change() -> None:
    """now 4,4,5,3 (mean 4, var 2/3), before 3,4,4,3 (mean 3.5, var 1/3): difference 0.5,
    se √(2/12 + 1/12) = 0.5, Welch df = 0.0625 / (0.1667²/3 + 0.0833²/3) = 5.4 → t(5) 2.571,
    margin 1.2855: [−0.79, 1.79] includes zero."""
    interval = difference_interval(Sample.of([4, 4, 5, 3]), Sample.of([3, 4, 4, 3]))
    assert interval is not None
    assert interval.value == pytest.approx(0.5)
    assert interval.low == pytest.approx(0.5 - 2.571 * 0.5, abs=1e-6)
    assert interval.includes_zero
    clear = difference_interval(Sample.of([5, 5, 5, 4, 5, 5]), Sample.of([2, 1, 2, 2, 1, 2]))
    assert clear is not None and not clear.includes_zero


def test_critical_values_of_t() -> None:
    assert t_975(1) == 12.706 and t_975(30) == 2.042
    assert t_975(35) == 2.021 and t_975(1000) == pytest.approx(1.959964, abs=1e-6)
    assert t_975(5.9) == 2.571  # fractional df rounds down: the wider interval
    with pytest.raises(ValueError):
        t_975(0.5)
