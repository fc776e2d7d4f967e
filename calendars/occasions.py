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
from calendars.content import load_content
from calendars.curated import Curated, CuratedIndex
from calendars.festivals import FestivalIndex, load_festivals
from calendars.holiday_days import HolidayDay, holiday_days
from calendars.observances import Include, Observance

HOLIDAY, COMPANY, OBSERVANCE = "holiday", "company", "observance"


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


@dataclass(frozen=True)
class CountrySite:
    """A :class:`CalendarSite` given by its country (and optionally a subdivision, categories
    and language) alone: for measuring a country (``lantern calendar --coverage --country``)
    and for tables of dates."""

    key: str
    name: str
    country: str
    subdivision: str | None = None
    categories: tuple[str, ...] = ("public",)
    language: str | None = None


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
    # the site-local dates the site is off for it: its own days when a public holiday, and
    # the days off the package gives in lieu ("observed", "in lieu", "Substitute Holiday")
    days_off: tuple[date, ...] = ()
    moved: bool = False  # the package gives only the day off it was moved to (CO, EG)
    # days off that are bridge days next to it (the holiday is still off on its own day)
    bridges: tuple[date, ...] = ()
    # the identity it is known by across sites (calendars.festivals): "christmas" wherever
    # it is kept, "independence-day-jm" for Jamaica's own; company milestones: their slug
    festival: str = ""

    @property
    def days(self) -> int:
        """How many days it lasts, 1 or more."""
        return (self.last_day - self.first_day).days + 1

    @property
    def identity(self) -> str:
        """The key it is grouped and keyed by: its festival (its slug if built without one)."""
        return self.festival or self.slug

    @property
    def days_off_elsewhere(self) -> tuple[date, ...]:
        """Days off for it outside its own days: Monday 5 July for a Sunday 4 July."""
        return tuple(day for day in self.days_off if not self.covers(day))

    def overlaps(self, start: date, end: date) -> bool:
        """Whether one of its days, or one of its days off, is in [start, end]."""
        if self.first_day <= end and self.last_day >= start:
            return True
        return any(start <= day <= end for day in self.days_off)

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
        festivals: FestivalIndex | None = None,
        observances: Sequence[Observance] | None = None,
        includes: Sequence[Include] | None = None,
    ) -> None:
        shipped = load_content()
        self.sites = tuple(sites)
        self.milestones = tuple(milestones)
        self.curated = curated if curated is not None else shipped.curated
        self.festivals = festivals if festivals is not None else load_festivals()
        self.observances = tuple(shipped.observances if observances is None else observances)
        self.includes = tuple(shipped.includes if includes is None else includes)

    def site_occasions(self, site: S, start: date, end: date) -> list[Occasion[S]]:
        """Occasions at ``site`` that overlap [start, end], by first day (holidays before
        company milestones, then by name).

        Args:
            start, end: site-local dates, both included. An occasion that begins before
                ``start`` or ends after ``end`` is whole (holidays are read for every year
                within a week of the range, so a span crossing an edge is not cut).

        Returns:
            Holidays and company milestones; days of one holiday in a row are one occasion.
            A day off in lieu of a holiday is one of that holiday's ``days_off`` (and makes it
            overlap the range); one the package gives without the holiday itself (Colombia's
            and Egypt's moved holidays) is the holiday, on the day off, ``moved``.
        """
        holidays = self._holidays(site, start, end)
        taken = {(o.first_day, key) for o in holidays for key in (o.slug, o.festival)}
        observances = [  # one of the package's own days: the holiday stands, once
            o
            for o in self._observances(site, start, end)
            if (o.first_day, o.slug) not in taken and (o.first_day, o.festival) not in taken
        ]
        found = holidays + self._company(site, start, end) + observances
        found.sort(key=lambda o: (o.first_day, o.kind != HOLIDAY, o.name))
        return [o for o in found if o.overlaps(start, end)]

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
            days.extend(self._included(site, year, {(d.day, d.name) for d in days}))
        days.sort(key=lambda h: (h.day, h.category != "public", h.name))
        occasions: list[Occasion[S]] = []
        open_spans: dict[str, int] = {}  # festival -> index of its latest occasion
        for holiday in [h for h in days if not h.observed]:
            occasion = self._occasion(site, holiday)
            index = open_spans.get(occasion.festival)
            if index is not None and occasions[index].last_day == holiday.day - timedelta(days=1):
                occasions[index] = _extend(occasions[index], holiday)
                continue
            if index is not None and occasions[index].covers(holiday.day):
                if holiday.category == "public":  # the same day in a second category
                    occasions[index] = _day_off(occasions[index], holiday.day)
                continue
            occasions.append(occasion)
            open_spans[occasion.festival] = len(occasions) - 1
        for holiday in [h for h in days if h.observed]:
            festival = self.festivals.identity(site.country, holiday.name, slugify(holiday.name))
            index = _in_lieu_of(occasions, holiday, festival)
            if index is not None:
                occasions[index] = _day_off(occasions[index], holiday.day)
                if BRIDGE_NAME.match(holiday.name):
                    bridges = (*occasions[index].bridges, holiday.day)
                    occasions[index] = replace(occasions[index], bridges=bridges)
            else:  # moved to this day, or a day off of its own: announced on it
                occasion = self._occasion(site, holiday)
                moved = not holiday.named_day_off
                occasions.append(replace(occasion, days_off=(holiday.day,), moved=moved))
        return occasions

    def _occasion(self, site: S, holiday: HolidayDay) -> Occasion[S]:
        """One day of a holiday at ``site``: named as its festival where the festival is
        shared (so a post shared by sites has one name), with the site's explainer."""
        slug = slugify(holiday.name)
        festival = self.festivals.find(holiday.name, site.country)
        shared = festival is not None and festival.shared
        name = festival.name if festival is not None and shared else holiday.name
        return Occasion(
            site=site,
            slug=slugify(name),
            name=name,
            local_name=holiday.local_name,
            first_day=holiday.day,
            last_day=holiday.day,
            kind=HOLIDAY,
            category=holiday.category,
            estimated=holiday.estimated,
            content=self.curated.find(site.country, holiday.name, holiday.local_name, name),
            days_off=(holiday.day,) if holiday.category == "public" else (),
            festival=self.festivals.identity(site.country, holiday.name, slug),
        )

    def _included(self, site: S, year: int, present: set[tuple[date, str]]) -> list[HolidayDay]:
        """The days of ``[[includes]]`` that apply to ``site`` in ``year``, less those it has."""
        found = []
        for include in self.includes:
            if not include.applies_to(site.country, site.subdivision, site.key):
                continue
            subdivision = include.subdivision or site.subdivision
            categories = (include.category,)
            for day in holiday_days(site.country, subdivision, categories, site.language, year):
                if day.name == include.holiday and (day.day, day.name) not in present:
                    found.append(day)
        return found

    # ---- observances

    def _observances(self, site: S, start: date, end: date) -> list[Occasion[S]]:
        found = []
        for observance in self.observances:
            if not observance.applies_to(site.country, site.subdivision, site.key):
                continue
            slug = slugify(observance.name)
            for year in range(start.year - 1, end.year + 1):
                for first, estimated in observance.first_days(year):
                    last = first + timedelta(days=observance.days - 1)
                    if first > end or last < start:
                        continue
                    found.append(
                        Occasion(
                            site=site,
                            slug=slug,
                            name=observance.name,
                            local_name=observance.local_name,
                            first_day=first,
                            last_day=last,
                            kind=OBSERVANCE,
                            category=None,
                            estimated=estimated,
                            content=observance.content,
                            festival=self.festivals.identity(site.country, observance.name, slug),
                        )
                    )
        return found

    # ---- company milestones

    def _company(self, site: S, start: date, end: date) -> list[Occasion[S]]:
        found = []
        for milestone in self.milestones:
            if not milestone.applies_to(site.key):
                continue
            for first in first_days(milestone, start, end):
                slug = "company-" + slugify(milestone.name)
                found.append(
                    Occasion(
                        site=site,
                        slug=slug,
                        name=milestone.name,
                        local_name=None,
                        first_day=first,
                        last_day=first + timedelta(days=milestone.days - 1),
                        kind=COMPANY,
                        category=None,
                        estimated=False,
                        content=None,
                        festival=slug,
                    )
                )
        return found


def _extend(occasion: Occasion[S], holiday: HolidayDay) -> Occasion[S]:
    extended = replace(
        occasion, last_day=holiday.day, estimated=occasion.estimated or holiday.estimated
    )
    return _day_off(extended, holiday.day) if holiday.category == "public" else extended


def _day_off(occasion: Occasion[S], day: date) -> Occasion[S]:
    return replace(occasion, days_off=tuple(sorted({*occasion.days_off, day})))


IN_LIEU_REACH = 7  # days: how far from its holiday the package puts a day off in lieu


def _in_lieu_of(occasions: Sequence[Occasion[S]], day_off: HolidayDay, festival: str) -> int | None:
    """Which holiday a day off in lieu stands in for: the one of the same name or festival
    (``festival``, the day off's identity: Malaysia's "Prophet Muhammad's Birthday
    (observed)" is a day off for the shared "Prophet's Birthday") within a week; for a day
    off with a name of its own ("Substitute Holiday"), the nearest holiday before it that fell
    on a weekend, else the nearest one. None when there is none (the
    holiday was moved: the day off is all the package gives)."""

    def distance(occasion: Occasion[S]) -> int:
        if occasion.covers(day_off.day):
            return 0
        return min(
            abs((day_off.day - edge).days) for edge in (occasion.first_day, occasion.last_day)
        )

    def on_weekend_before(occasion: Occasion[S]) -> bool:
        days = (occasion.first_day + timedelta(days=n) for n in range(occasion.days))
        return occasion.last_day < day_off.day and any(d.weekday() >= 5 for d in days)

    near = [
        (index, occasion)
        for index, occasion in enumerate(occasions)
        if occasion.kind == HOLIDAY and distance(occasion) <= IN_LIEU_REACH
    ]
    if not day_off.named_day_off:
        slug = slugify(day_off.name)
        same = [(distance(o), i) for i, o in near if o.slug == slug or o.festival == festival]
        return min(same)[1] if same else None
    ranked = [(not on_weekend_before(o), distance(o), i) for i, o in near]
    return min(ranked)[2] if ranked else None


def by_milestone(occasions: Iterable[Occasion[S]]) -> list[list[Occasion[S]]]:
    """One group per festival and first day, in calendar order: the sites that share it
    (Christmas at five sites is one group; Jamaica's and Bolivia's Independence Days are two)."""
    groups: dict[tuple[date, str], list[Occasion[S]]] = {}
    for occasion in occasions:
        groups.setdefault((occasion.first_day, occasion.identity), []).append(occasion)
    return list(groups.values())


def short_day(day: date) -> str:
    """'Mon 5 Jul': a weekday and date people read at a glance, in English."""
    return f"{day:%a} {day.day} {day:%b}"


def span_label(occasion: Occasion[S]) -> str:
    """'Tue 9 Mar', or 'Tue 9 Mar – Thu 11 Mar (3 days)' for a span."""
    if occasion.days == 1:
        return short_day(occasion.first_day)
    return (
        f"{short_day(occasion.first_day)} – {short_day(occasion.last_day)} ({occasion.days} days)"
    )


def own_spans(group: Sequence[Occasion[S]]) -> list[str]:
    """Each site's own dates, "Istanbul: Tue 9 Mar – Thu 11 Mar (3 days)", when the sites of
    one milestone keep it for different days (Eid al-Fitr is three days off in Istanbul, two
    in Cairo); nothing when they all keep the same days."""
    if len({(o.first_day, o.last_day) for o in group}) < 2:
        return []
    spans: dict[str, list[str]] = {}
    for occasion in group:
        names = spans.setdefault(span_label(occasion), [])
        if occasion.site.name not in names:
            names.append(occasion.site.name)
    return [f"{', '.join(names)}: {span}" for span, names in spans.items()]


BRIDGE_NAME = re.compile(r"^bridge\b", re.IGNORECASE)  # "Bridge Public Holiday" (AR, TH)


def day_off_reason(occasion: Occasion[S], day: date) -> str:
    """Why a site is off on ``day``, away from the holiday's own days: "as a bridge day"
    (Argentina's Monday 7 December before Tuesday's holiday) or "in lieu" (Monday 5 July for
    a Sunday 4 July)."""
    return "as a bridge day" if day in occasion.bridges else "in lieu"


def days_off_text(occasion: Occasion[S]) -> str:
    """The days off away from its own days, each with its reason: "Mon 5 Jul in lieu"."""
    return ", ".join(
        f"{short_day(day)} {day_off_reason(occasion, day)}" for day in occasion.days_off_elsewhere
    )


def day_off_labels(group: Iterable[Occasion[S]]) -> list[str]:
    """Short labels for a listing line of one milestone: "Chicago HQ off Mon 5 Jul in lieu"
    for each site with a day off away from the milestone's days, "moved to this day" once
    if it was moved."""
    labels = []
    for occasion in group:
        if occasion.days_off_elsewhere:
            labels.append(f"{occasion.site.name} off {days_off_text(occasion)}")
        elif occasion.moved and "moved to this day" not in labels:
            labels.append("moved to this day")
    return labels


def coverage_note(occasion: Occasion[S], label: str) -> str | None:
    """What an occasion means for cover at its site, as one line starting with ``label``
    (the site's name, flagged or not), or None when it means nothing.

    "Chicago site public holiday: expect reduced coverage."; with a day off elsewhere,
    "Chicago site public holiday, and off Mon 5 Jul in lieu: …"; a moved holiday, "Bogotá site
    public holiday (moved to this day): …"; "Mumbai: optional holiday, some colleagues may be
    off."
    """
    expect = "expect reduced coverage."
    if occasion.days_off:
        elsewhere = days_off_text(occasion)
        own = len(occasion.days_off) > len(occasion.days_off_elsewhere)
        if not elsewhere:
            moved = " (moved to this day)" if occasion.moved else ""
            return f"{label} site public holiday{moved}: {expect}"
        if own:
            return f"{label} site public holiday, and off {elsewhere}: {expect}"
        return f"{label} site off {elsewhere}: {expect}"
    if occasion.kind == HOLIDAY and occasion.category == "optional":
        return f"{label}: optional holiday, some colleagues may be off."
    return None


def kind_label(occasion: Occasion[S]) -> str:
    """'public holiday', 'optional holiday', 'company milestone'…"""
    if occasion.kind == COMPANY:
        return "company milestone"
    if occasion.kind == OBSERVANCE:
        return "observance"
    return f"{occasion.category} holiday" if occasion.category else "holiday"
