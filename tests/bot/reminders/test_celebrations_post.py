"""The celebrations channel's one post a day (issue 10): everything due that day grouped,
heads-ups for the milestones that matter, days off in lieu announced on the day, the weekly
look-ahead, and Slack's Block Kit limits kept on the busiest day of a 30-site year."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from bot.infra.calendar import calendar_for
from bot.infra.clock import Planned, PlanWindow
from bot.infra.config import WorkspaceConfig, load_workspace_config
from bot.infra.slack_text import blocks_as_text as blocks_text
from bot.reminders.planner import DayIndex, celebrations_post, is_notable, plan_reminders
from bot.reminders.render import MAX_BLOCKS, daily_message
from calendars.occasions import COMPANY, HOLIDAY, Occasion, by_milestone
from tests.conftest import ROOT

THIRTY_SITES = ROOT / "examples" / "thirty_sites.toml"


def plan(config: WorkspaceConfig, start: date, end: date) -> list[Planned]:
    window = PlanWindow(
        config,
        "T0TEST",
        None,
        datetime.combine(start, time(0), tzinfo=UTC),
        datetime.combine(end, time(23, 59), tzinfo=UTC),
    )
    return sorted(plan_reminders(window), key=lambda p: p.due_at)


def daily(planned: list[Planned]) -> dict[str, Planned]:
    return {p.key: p for p in planned if p.key.startswith("celebrations:")}


def text_of(planned: Planned) -> str:
    return blocks_text(planned.messages[0].payload["blocks"])


@pytest.fixture(scope="module")
def thirty_year() -> tuple[WorkspaceConfig, list[Planned]]:
    config = load_workspace_config(THIRTY_SITES)
    return config, plan(config, date(2027, 1, 1), date(2027, 12, 31))


def test_never_two_posts_on_one_day_at_any_site(
    thirty_year: tuple[WorkspaceConfig, list[Planned]],
) -> None:
    """A year of 30 sites in 30 countries: on every site's own calendar, and in the
    workspace's, the celebrations channel gets at most one post a day."""
    config, planned = thirty_year
    posts = list(daily(planned).values())
    assert len(posts) > 250  # a holiday somewhere on most days: the rule is really exercised
    for tz in {site.tz for site in config.sites} | {config.workspace.tz}:
        per_day = Counter(p.due_at.astimezone(tz).date() for p in posts)
        assert max(per_day.values()) == 1, tz


def test_every_milestone_is_in_its_days_post_within_block_kit_limits(
    thirty_year: tuple[WorkspaceConfig, list[Planned]],
) -> None:
    config, planned = thirty_year
    posts = daily(planned)
    occasions = calendar_for(config).occasions(date(2027, 1, 1), date(2027, 12, 31))
    for group in by_milestone(o for o in occasions if o.first_day.year == 2027):
        post = posts[f"celebrations:{group[0].first_day.isoformat()}"]
        assert group[0].name in text_of(post), (group[0].name, group[0].first_day)
    for post in posts.values():
        blocks = post.messages[0].payload["blocks"]
        assert len(blocks) <= MAX_BLOCKS
        for block in blocks:
            texts = [block["text"]["text"]] if "text" in block else block.get("elements", [])
            for text in texts:
                assert len(text if isinstance(text, str) else text["text"]) <= 3000


def test_a_day_off_in_lieu_is_announced_on_the_day(config: WorkspaceConfig) -> None:
    """Sunday 4 July 2027: Chicago HQ is off on Monday 5 July; that day's post says so."""
    posts = daily(plan(config, date(2027, 7, 3), date(2027, 7, 6)))
    monday = text_of(posts["celebrations:2027-07-05"])
    assert "Chicago HQ is off today (Mon 5 Jul) for Independence Day, in lieu of Sun 4 Jul" in (
        monday
    )
    sunday = text_of(posts["celebrations:2027-07-04"])
    assert "Today: Independence Day" in sunday and "off Mon 5 Jul in lieu" in sunday
    assert "Chicago HQ is off" not in sunday


def test_the_post_is_worded_for_its_day_and_headed_by_it(config: WorkspaceConfig) -> None:
    """Christmas 2026 goes out at 09:00 in Manila, the evening before in Chicago; it reads
    "Today" for every site that keeps it, under the day's date."""
    (christmas,) = [
        p
        for p in daily(plan(config, date(2026, 12, 24), date(2026, 12, 26))).values()
        if p.key == "celebrations:2026-12-25"
    ]
    assert christmas.due_at == datetime(2026, 12, 25, 1, 0, tzinfo=UTC)  # 09:00 Manila
    blocks = christmas.messages[0].payload["blocks"]
    assert blocks_text(blocks[:1]) == "*Friday 25 December 2026*"
    text = text_of(christmas)
    assert "Today: Christmas Day" in text
    assert all(site in text for site in ("Chicago HQ", "Manila", "Cebu", "Mumbai"))


def _occasion(config: WorkspaceConfig, name: str, day: date, **extra: Any) -> Occasion[Any]:
    values: dict[str, Any] = {
        "site": config.sites[0],
        "slug": name.lower().replace(" ", "-"),
        "name": name,
        "local_name": None,
        "first_day": day,
        "last_day": day,
        "kind": HOLIDAY,
        "category": "optional",
        "estimated": False,
        "content": None,
        **extra,
    }
    return Occasion(**values)


def test_heads_ups_only_for_milestones_that_matter(config: WorkspaceConfig) -> None:
    day = date(2027, 3, 1)
    plain = _occasion(config, "Quiet Optional Day", day + timedelta(days=1))
    off = _occasion(
        config, "Public Day", day + timedelta(days=1), days_off=(day + timedelta(days=1),)
    )
    company = _occasion(config, "Kickoff", day + timedelta(days=1), kind=COMPANY)
    assert not is_notable([plain]) and is_notable([off]) and is_notable([company])
    groups = [[plain], [off], [company]]
    occasions = [plain, off, company]
    due = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)

    def titles(heads_ups: str) -> str:
        setting = replace(config, reminders=replace(config.reminders, heads_ups=heads_ups))
        planned = celebrations_post(setting, day, due, DayIndex.of(groups, occasions))
        return "" if planned is None else str(planned.messages[0].payload["text"])

    assert "Quiet Optional Day" not in titles("notable") and "Kickoff" in titles("notable")
    assert "Public Day" in titles("notable")
    assert "Quiet Optional Day" in titles("all")
    assert titles("off") == ""  # no heads-ups at all, and nothing due on the day itself


def test_the_weekly_look_ahead_on_its_weekday_only(config: WorkspaceConfig) -> None:
    weekly = replace(config, reminders=replace(config.reminders, look_ahead="mon"))
    posts = daily(plan(weekly, date(2027, 1, 3), date(2027, 1, 5)))
    monday = text_of(posts["celebrations:2027-01-04"])  # nothing else due that Monday
    assert "*The next 14 days*" in monday
    assert "Mon 11 Jan · 📅 Epiphany" in monday or "Mon 11 Jan ·" in monday
    assert "Bogotá" in monday
    plain = daily(plan(config, date(2027, 1, 3), date(2027, 1, 5)))
    assert "celebrations:2027-01-04" not in plain or "The next 14 days" not in text_of(
        plain["celebrations:2027-01-04"]
    )


def test_a_crowded_day_is_shortened_to_fit_one_message(config: WorkspaceConfig) -> None:
    day = date(2027, 5, 1)
    due = [(0, [_occasion(config, f"Festival {i}", day, days_off=(day,))]) for i in range(40)]
    message = daily_message(config, due, [], None, "C0CELEBRATE", day)
    assert len(message["blocks"]) <= MAX_BLOCKS
    text = blocks_text(message["blocks"])
    shown = [i for i in range(40) if f"Today: Festival {i}*" in text]
    assert shown == list(range(len(shown))) and len(shown) >= 30
    assert f"…and {40 - len(shown)} more" in text or len(shown) == 40


def test_a_shared_festival_names_each_sites_own_days(
    thirty_year: tuple[WorkspaceConfig, list[Planned]],
) -> None:
    """Eid al-Fitr 2027 starts on 9 March at Istanbul (three days off) and Cairo (two): the
    day's post gives each site's own span, not the first site's."""
    _, planned = thirty_year
    text = text_of(daily(planned)["celebrations:2027-03-09"])
    assert "Istanbul: Tue 9 Mar – Thu 11 Mar (3 days)" in text
    assert "Cairo" in text and "Tue 9 Mar – Wed 10 Mar (2 days)" in text


def test_the_look_ahead_names_a_sites_own_day_off_beside_its_day_in_lieu() -> None:
    """Christmas 2026 at Sofia: off Fri 25 and Sat 26 December, and Mon 28 in lieu of the
    Saturday; the look-ahead of Mon 14 December names Sofia among the sites off on the 25th."""
    config = load_workspace_config(THIRTY_SITES)
    weekly = replace(config, reminders=replace(config.reminders, look_ahead="mon"))
    post = daily(plan(weekly, date(2026, 12, 13), date(2026, 12, 15)))["celebrations:2026-12-14"]
    (line,) = [x for x in text_of(post).splitlines() if "Christmas Day" in x and x.startswith("•")]
    off_at = line.split("day off at ", 1)[1].split(";", 1)[0]
    assert "Sofia" in off_at and "Chicago HQ" in off_at
    assert "Sofia off Mon 28 Dec in lieu" in line


def test_a_first_site_with_daylight_saving_still_posts_once_a_day_everywhere() -> None:
    """Sydney's 09:00 is midnight in Lagos; when Sydney's clocks go forward (3 October 2027)
    a post at its local 09:00 would come an hour early, twice on Saturday 2 October in
    Lagos. Posts keep Sydney's standard time instead: one a day in Lagos all year."""
    from bot.infra.config import parse_workspace_config
    from bot.reminders.planner import daily_post_time

    config = parse_workspace_config(
        '[workspace]\ntimezone = "Africa/Lagos"\ncelebrations_channel = "C0CELEBRATE"\n'
        'feed_channel = "C0KUDOS"\n'
        '[[sites]]\nkey = "sydney"\nname = "Sydney"\ncountry = "AU"\nsubdivision = "NSW"\n'
        'timezone = "Australia/Sydney"\nkind = "in_house"\nchannel = "C0SYD"\n'
        '[[sites]]\nkey = "lagos"\nname = "Lagos"\ncountry = "NG"\n'
        'timezone = "Africa/Lagos"\nkind = "bpo"\nchannel = "C0LOS"\n'
    )
    days = [date(2027, 1, 1) + timedelta(days=n) for n in range(365)]
    instants = [daily_post_time(config, day) for day in days]
    assert {later - earlier for earlier, later in itertools.pairwise(instants)} == {
        timedelta(hours=24)
    }
    lagos = config.workspace.tz
    assert len({i.astimezone(lagos).date() for i in instants}) == len(instants)
