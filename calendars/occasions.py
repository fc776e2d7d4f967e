"""Every site's milestones for a date range: holidays merged with company milestones.

An :class:`Occasion` is one milestone at one site over consecutive days (Carnival Monday and
Tuesday are one occasion of two days), with its curated explainer when there is one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Generic, Protocol, TypeVar

from calendars.company import Milestone, first_days
from calendars.curated import Curated, CuratedIndex, load_index
from calendars.holiday_days import HolidayDay, holiday_days

HOLIDAY, COMPANY = "holiday", "company"


class CalendarSite(Protocol):
    """What the calendar needs to know of a site (lantern's configured Site is one)."""

    @property
    def key(self) -> str:
        """The site's key (``manila``), unique among the sites."""
        ...

    @property
    def name(self) -> str:
        """The site's display name."""
        ...

    @property
    def country(self) -> str:
        """ISO 3166-1 alpha-2 code (``PH``), as the holidays package knows it."""
        ...

    @property
    def subdivision(self) -> str | None:
        """The holidays package's subdivision code (a state or province), if any."""
        ...

    @property
    def categories(self) -> tuple[str, ...]:
        """The holidays package's categories to include: ``"public"``, ``"optional"``…"""
        ...

    @property
    def language(self) -> str | None:
        """A language code the holidays package has names in, for local-language names."""
        ...


S = TypeVar("S", bound=CalendarSite)


@dataclass(frozen=True)
class Occasion(Generic[S]):
    """One milestone at one site over consecutive days.

    ``first_day`` and ``last_day`` (both included) are dates on the site's own local
    calendar. ``estimated`` is the holidays package's word that some day of it is computed
    (a lunar or Islamic date beyond its tables) and may move; ``content`` is the curated
    explainer, if there is one.
    """

    site: S
    slug: str  # stable across years and sites: "independence-day", "company-culture-week"
    name: str  # English name
    local_name: str | None
    first_day: date
    last_day: date
    kind: str  # holiday | company
    category: str | None  # the holidays category, for holidays
    estimated: bool
    content: Curated | None

    @property
    def days(self) -> int:
        """How many days it lasts, 1 or more."""
        return (self.last_day - self.first_day).days + 1

    @property
    def is_public_holiday(self) -> bool:
        """A holiday in the holidays package's "public" category (a day off at the site)."""
        return self.kind == HOLIDAY and self.category == "public"

    def covers(self, day: date) -> bool:
        """Whether the site-local date ``day`` is one of its days."""
        return self.first_day <= day <= self.last_day


# Keeps every idempotency key (reminder:<site>:<day>:<slug>:<n>) well inside its 255-character
# column, and the form's option value (<day>|<slug>) inside Slack's 150 characters
# (https://api.slack.com/reference/block-kit/composition-objects#option).
SLUG_LIMIT = 60


def slugify(text: str) -> str:
    """A stable, ASCII slug for a milestone name: "Día de la Independencia" ->
    "dia-de-la-independencia". Accents are dropped, apostrophes removed, any other run of
    non-alphanumerics becomes one "-"; at most SLUG_LIMIT (60) characters, "milestone" when
    nothing is left. Slugs go into keys, so changing this re-sends reminders already sent."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "")).strip("-")
    return slug[:SLUG_LIMIT].rstrip("-") or "milestone"


class Calendar(Generic[S]):
    """Milestones of some sites: their holidays (cached per site and year) and the company's
    own milestones, with curated explainers.

    Args:
        sites: the sites, in the order they are listed wherever several share a milestone.
        milestones: company milestones (each names the sites it applies to).
        curated: explainers; the shipped data files when None.
    """

    def __init__(
        self,
        sites: Sequence[S],
        milestones: Sequence[Milestone] = (),
        curated: CuratedIndex | None = None,
    ) -> None:
        self.sites = tuple(sites)
        self.milestones = tuple(milestones)
        self.curated = curated if curated is not None else load_index()

    def site_occasions(self, site: S, start: date, end: date) -> list[Occasion[S]]:
        """Occasions at ``site`` that overlap [start, end], by first day (holidays before
        company milestones, then by name).

        Args:
            start, end: site-local dates, both included. An occasion that begins before
                ``start`` or ends after ``end`` is whole (holidays are read for every year
                within a week of the range, so a span crossing an edge is not cut).

        Returns:
            Holidays (a substitute "observed" day left out) and company milestones; days of one
            holiday in a row are one occasion.
        """
        found = [o for o in self._holidays(site, start, end) if o.last_day >= start]
        found += self._company(site, start, end)
        found.sort(key=lambda o: (o.first_day, o.kind != HOLIDAY, o.name))
        return [o for o in found if o.first_day <= end and o.last_day >= start]

    def occasions(
        self, start: date, end: date, sites: Iterable[S] | None = None
    ) -> list[Occasion[S]]:
        """Occasions of ``sites`` (all when None) overlapping [start, end], sorted by first
        day, name and the sites' order.

        ``start`` and ``end`` are dates, both included, each taken on every site's own local
        calendar (see :meth:`site_occasions`); :func:`by_milestone` groups the result."""
        found = []
        for site in self.sites if sites is None else sites:
            found.extend(self.site_occasions(site, start, end))
        order = {site.key: index for index, site in enumerate(self.sites)}
        found.sort(key=lambda o: (o.first_day, o.name, order.get(o.site.key, len(order))))
        return found

    # ---- holidays

    def _holidays(self, site: S, start: date, end: date) -> list[Occasion[S]]:
        # look a week further on each side so a span crossing the range edge stays whole
        days: list[HolidayDay] = []
        for year in range((start - timedelta(days=7)).year, (end + timedelta(days=7)).year + 1):
            days.extend(
                holiday_days(site.country, site.subdivision, site.categories, site.language, year)
            )
        occasions: list[Occasion[S]] = []
        open_spans: dict[str, int] = {}  # slug -> index of its latest occasion
        for holiday in days:
            if holiday.observed:  # a substitute day off, not the milestone itself
                continue
            slug = slugify(holiday.name)
            index = open_spans.get(slug)
            if index is not None and occasions[index].last_day == holiday.day - timedelta(days=1):
                previous = occasions[index]
                occasions[index] = _extend(previous, holiday.day, holiday.estimated)
                continue
            if index is not None and occasions[index].covers(holiday.day):
                continue  # the same day in a second category
            occasions.append(
                Occasion(
                    site=site,
                    slug=slug,
                    name=holiday.name,
                    local_name=holiday.local_name,
                    first_day=holiday.day,
                    last_day=holiday.day,
                    kind=HOLIDAY,
                    category=holiday.category,
                    estimated=holiday.estimated,
                    content=self.curated.find(site.country, holiday.name, holiday.local_name),
                )
            )
            open_spans[slug] = len(occasions) - 1
        return occasions

    # ---- company milestones

    def _company(self, site: S, start: date, end: date) -> list[Occasion[S]]:
        found = []
        for milestone in self.milestones:
            if not milestone.applies_to(site.key):
                continue
            for first in first_days(milestone, start, end):
                found.append(
                    Occasion(
                        site=site,
                        slug="company-" + slugify(milestone.name),
                        name=milestone.name,
                        local_name=None,
                        first_day=first,
                        last_day=first + timedelta(days=milestone.days - 1),
                        kind=COMPANY,
                        category=None,
                        estimated=False,
                        content=None,
                    )
                )
        return found


def _extend(occasion: Occasion[S], day: date, estimated: bool) -> Occasion[S]:
    return replace(occasion, last_day=day, estimated=occasion.estimated or estimated)


def by_milestone(occasions: Iterable[Occasion[S]]) -> list[list[Occasion[S]]]:
    """One group per milestone and first day, in calendar order: the sites that share it."""
    groups: dict[tuple[date, str], list[Occasion[S]]] = {}
    for occasion in occasions:
        groups.setdefault((occasion.first_day, occasion.slug), []).append(occasion)
    return list(groups.values())


def kind_label(occasion: Occasion[S]) -> str:
    """'public holiday', 'optional holiday', 'company milestone'…"""
    if occasion.kind == COMPANY:
        return "company milestone"
    return f"{occasion.category} holiday" if occasion.category else "holiday"
