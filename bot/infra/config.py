"""Settings from the environment and the workspace TOML file, validated once at start.

This is the only module that reads ``os.environ``. Everything downstream receives frozen
dataclasses, so a typo in ``lantern.toml`` is reported by ``lantern check-config`` (all
problems at once, each with file, key and why) instead of surfacing mid-week as a missed post.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, dataclass, field
from datetime import date, time
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from calendars.company import Milestone
from calendars.declared import Absent, Invalid, Rule, declare, declared_keys, read

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///lantern.db"
DEFAULT_CONFIG_PATH = "lantern.toml"
DEFAULT_PORT = 3000
MAX_SLACK_PACE = 1000.0  # LANTERN_SLACK_PACE: a test double may go 1,000 times Slack's pace


@cache
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo of an IANA name, kept: ``ZoneInfo``'s own cache is weak, so without a
    reference it reads the tz file again each time (a plan of 60 sites over 2 years did that
    75,000 times)."""
    return ZoneInfo(name)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = {
    "monday": "mon",
    "tuesday": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
SITE_KINDS = ("bpo", "in_house")

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
SITE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
EMOJI_NAME = re.compile(r"^[a-z0-9_+'-]{1,100}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
NAME_LIMIT = 100  # site, partner and milestone names are shown in posts and keyed in the DB
MAX_MILESTONE_DAYS = 366


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration: where it is and why it is wrong."""

    source: str
    key: str
    why: str

    def __str__(self) -> str:
        return f"{self.source}: {self.key}: {self.why}"


class ConfigError(Exception):
    """Raised with every problem found, so an operator fixes them in one pass."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SettingsError(Exception):
    """A missing or malformed environment variable; the message is one line naming it."""


_TOKEN_PREFIXES = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}


# --------------------------------------------------------------------------- environment


@dataclass(frozen=True)
class Settings:
    """Process settings from the environment (see README, "Environment")."""

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    config_path: str = DEFAULT_CONFIG_PATH
    port: int = DEFAULT_PORT
    lantern_secret: str | None = field(default=None, repr=False)
    slack_pace: float = 1.0  # multiplies Slack's published rates lantern keeps to; 0: off

    def require(self, *names: str) -> Settings:
        """Stop with one clear line if a variable this command needs is missing or malformed.

        Checked per command, so a bad token does not stop a command that never uses it."""
        for name in names:
            value = getattr(self, name.lower())
            if not value:
                raise SettingsError(f"{name} is not set; it is required for this command")
            prefix = _TOKEN_PREFIXES.get(name)
            if prefix and not value.startswith(prefix):
                raise SettingsError(f"{name} must be a token starting with '{prefix}'")
        return self


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the environment; malformed values raise SettingsError."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str | None:
        value = env.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    api_url = get("SLACK_API_URL") or DEFAULT_API_URL
    if not re.match(r"^https?://[^/\s]+", api_url):
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL, got {api_url!r}")
    if not api_url.endswith("/"):
        api_url += "/"

    database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not re.match(r"^(sqlite|postgres|postgresql)(\+\w+)?://", database_url):
        raise SettingsError("DATABASE_URL must start with sqlite://, postgres:// or postgresql://")

    port_text = get("PORT")
    port = DEFAULT_PORT
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError(f"PORT must be a number from 1 to 65535, got {port_text!r}")
        port = int(port_text)

    pace_text = get("LANTERN_SLACK_PACE")
    pace = 1.0
    if pace_text is not None:
        try:
            pace = float(pace_text)
        except ValueError:
            pace = -1.0
        if not 0 <= pace <= MAX_SLACK_PACE:
            raise SettingsError(
                f"LANTERN_SLACK_PACE must be a number from 0 to {MAX_SLACK_PACE:g} "
                f"(1 = Slack's published rates, 0 = no pacing), got {pace_text!r}"
            )

    return Settings(
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_api_url=api_url,
        database_url=database_url,
        config_path=get("LANTERN_CONFIG") or DEFAULT_CONFIG_PATH,
        port=port,
        lantern_secret=get("LANTERN_SECRET"),
        slack_pace=pace,
    )


# --------------------------------------------------------------------------- key rules
#
# Every key of lantern.toml is declared once, as a dataclass field whose metadata
# (calendars.declared.declare) holds its rule and its README text; the field's default is the
# key's default. Unknown-key messages, defaults, validation and the README tables
# (tests/bot/infra/test_config.py checks them) all come from these declarations.


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"must be a string, got {_kind(value)}")
    text = value.strip()
    if not text:
        raise Absent
    return text


def _name(value: Any) -> str:
    text = _text(value)
    if len(text) > NAME_LIMIT:
        raise Invalid(f"must be at most {NAME_LIMIT} characters, got {len(text)}")
    return text


def _matching(pattern: re.Pattern[str], why: str) -> Callable[[Any], str]:
    """A string rule: ``why`` is formatted with the offending value's repr."""

    def parse(value: Any) -> str:
        text = _text(value)
        if not pattern.match(text):
            raise Invalid(why.format(text))
        return text

    return parse


def _timezone(value: Any) -> str:
    text = _text(value)
    if not _is_timezone(text):
        raise Invalid(f"unknown IANA timezone {text!r} (e.g. 'America/Chicago')")
    return text


def _emoji(value: Any) -> str:
    emoji = _text(value).strip(":")
    if not emoji:
        raise Absent
    if not EMOJI_NAME.match(emoji):
        raise Invalid(f"must be an emoji name like 'clap', got {emoji!r}")
    return emoji


def _country(value: Any) -> str:
    country = _text(value).upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise Invalid(f"must be a two-letter ISO 3166-1 code like 'PH', got {country!r}")
    return country


def _kind_of_site(value: Any) -> str:
    kind = _text(value)
    if kind not in SITE_KINDS:
        raise Invalid(f"must be 'bpo' or 'in_house', got {kind!r}")
    return kind


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid("must be a list of strings")
    if not value:
        raise Absent
    return tuple(v.strip() for v in value)


def _principals(value: Any) -> tuple[str, ...]:
    items = _strings(value)
    bad = [v for v in items if not (USER_ID.match(v) or USERGROUP_ID.match(v))]
    if bad:
        raise Invalid(*(f"{v!r} is not a Slack user ID (U…) or user group ID (S…)" for v in bad))
    return items


def _hashtags(value: Any) -> tuple[str, ...]:
    items = _strings(value)
    bad = [v for v in items if not SITE_KEY.match(v.lstrip("#").lower())]
    if bad:
        raise Invalid(*(f"{v!r} is not a simple hashtag like 'teamwork'" for v in bad))
    return tuple(v.lstrip("#").lower() for v in items)


def _whole(minimum: int, maximum: int | None = None) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"must be a whole number, got {_kind(value)}")
        if value < minimum:
            raise Invalid(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise Invalid(f"must be at most {maximum}, got {value}")
        return value

    return parse


ENPS_CADENCES = ("monthly", "every", "off")
ITEM_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value == "":
            raise Absent
        if isinstance(value, str) and value.strip().lower() in choices:
            return value.strip().lower()
        raise Invalid(f"must be one of {', '.join(choices)}, got {value!r}")

    return parse


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false, got {_kind(value)}")
    return value


def _item_ids(value: Any) -> tuple[str, ...]:
    items = _strings(value)
    bad = [v for v in items if not ITEM_ID.match(v)]
    if bad:
        raise Invalid(*(f"{v!r} is not an item id like 'connected'" for v in bad))
    if len(set(items)) != len(items):
        raise Invalid("lists an item twice")
    return items


def _days_before(value: Any) -> tuple[int, ...]:
    if (
        not isinstance(value, list)
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in value)
        or any(d < 1 or d > 60 for d in value)
    ):
        raise Invalid(f"must be a list of days from 1 to 60, got {value!r}")
    return tuple(sorted(set(value), reverse=True))


def _clock(value: Any) -> time:
    if value == "":
        raise Absent
    if isinstance(value, time):  # TOML local time literal: 09:00:00
        return value.replace(second=0, microsecond=0)
    if isinstance(value, str):
        match = _HHMM.match(value.strip())
        if match:
            return time(int(match.group(1)), int(match.group(2)))
    raise Invalid(f'must be a 24-hour time "HH:MM", got {value!r}')


def _optional_clock(value: Any) -> time:
    if value == "":
        raise Absent
    return _clock(value)


def _weekday(value: Any) -> str:
    if value == "":
        raise Absent
    if isinstance(value, str):
        name = value.strip().lower()
        name = _WEEKDAY_NAMES.get(name, name)
        if name in WEEKDAYS:
            return name
    raise Invalid(f"must be one of {', '.join(WEEKDAYS)}, got {value!r}")


def _weekday_or_off(value: Any) -> str:
    if value == "":
        raise Absent
    if isinstance(value, str) and value.strip().lower() == "off":
        return "off"
    try:
        return _weekday(value)
    except Invalid:
        raise Invalid(f"must be off or one of {', '.join(WEEKDAYS)}, got {value!r}") from None


HEADS_UPS = ("notable", "all", "off")


def _milestone_date(value: Any) -> tuple[int | None, int, int]:
    if isinstance(value, date):
        return value.year, value.month, value.day
    if isinstance(value, str):
        text = value.strip()
        once = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", text)
        yearly = re.match(r"^(\d{2})-(\d{2})$", text)
        try:
            if once:
                y, m, d = (int(g) for g in once.groups())
                date(y, m, d)
                return y, m, d
            if yearly:
                m, d = (int(g) for g in yearly.groups())
                date(2000, m, d)  # a leap year, so "02-29" is accepted
                return None, m, d
        except ValueError:
            raise Invalid(f"{text!r} is not a real calendar date") from None
    raise Invalid(f'must be "YYYY-MM-DD" (once) or "MM-DD" (every year), got {value!r}')


_STRING = Rule("string", _text)
_NAME = Rule("string", _name)
_TIMEZONE = Rule("string", _timezone, "is required (an IANA name such as 'Asia/Manila')")
_CHANNEL = Rule(
    "string", _matching(CHANNEL_ID, "must be a Slack channel ID like 'C0123ABCD', got {!r}")
)
_PRINCIPALS = Rule("list of strings", _principals)
_STRINGS = Rule("list of strings", _strings)
_TIME = Rule("time", _clock)
_WEEKDAY = Rule("weekday", _weekday)
_AT_LEAST_1 = Rule("whole number", _whole(1))
_BOOLEAN = Rule("boolean", _boolean)
_SAME_FORMS = "same forms"


# --------------------------------------------------------------------------- workspace file


@dataclass(frozen=True)
class WorkspaceSection:
    """``[workspace]``: the company-wide settings (README, "Configuration")."""

    timezone: str = field(
        metadata=declare(
            _TIMEZONE,
            'IANA name, e.g. `"America/Chicago"`; digests run in it; `preview` counts days in it',
        )
    )
    celebrations_channel: str = field(
        metadata=declare(_CHANNEL, "channel ID; milestone reminders and `/celebrate` posts")
    )
    feed_channel: str = field(metadata=declare(_CHANNEL, "channel ID; the shared recognition feed"))
    team_leads: tuple[str, ...] = field(
        default=(),
        metadata=declare(_PRINCIPALS, "user IDs and/or user-group IDs; may use `/celebrate`"),
    )
    managers: tuple[str, ...] = field(
        default=(), metadata=declare(_PRINCIPALS, f"{_SAME_FORMS}; digest recipients")
    )
    admins: tuple[str, ...] = field(default=(), metadata=declare(_PRINCIPALS, _SAME_FORMS))
    kudos_emoji: str = field(
        default="clap",
        metadata=declare(
            Rule("string", _emoji),
            "emoji name, surrounding `:` removed; lower-case letters, digits, `_ + ' -`",
        ),
    )

    @property
    def tz(self) -> ZoneInfo:
        """The workspace timezone as a ZoneInfo."""
        return zone(self.timezone)


@dataclass(frozen=True)
class RemindersSection:
    """``[reminders]``: when milestone heads-ups go out."""

    days_before: tuple[int, ...] = field(
        default=(7, 1),
        metadata=declare(
            Rule("list of whole numbers", _days_before),
            "each 1 to 60; duplicates ignored; heads-up posts, the day-of post is always made",
        ),
    )
    time: time = field(
        default=time(9, 0),
        metadata=declare(
            _TIME,
            "site-local wall-clock time of every reminder (a site's `post_time` overrides it)",
        ),
    )
    heads_ups: str = field(
        default="notable",
        metadata=declare(
            Rule("string", _one_of(HEADS_UPS)),
            "`notable`: heads-ups only for a milestone with a day off at some site, an "
            "explainer, or the company's own; `all`; `off`: day-of posts only",
        ),
    )
    look_ahead: str = field(
        default="off",
        metadata=declare(
            Rule("weekday or off", _weekday_or_off),
            "on this weekday the day's celebrations post also lists the next 14 days' "
            "milestones and days off; `off` for none",
        ),
    )


@dataclass(frozen=True)
class PulseSection:
    """``[pulse]``: the weekly anonymous survey."""

    weekday: str = field(default="wed", metadata=declare(_WEEKDAY))
    time: time = field(
        default=time(11, 0),
        metadata=declare(_TIME, "site-local (a site's `post_time` wins: a night shift's)"),
    )
    open_hours: int = field(
        default=72,
        metadata=declare(
            Rule("whole number", _whole(1, 24 * 7)),
            "1 to 168; extended by the site's days off inside the window",
        ),
    )
    min_responses: int = field(
        default=5,
        metadata=declare(
            Rule("whole number", _whole(3)),
            "at least 3; below it no result of a group is shown anywhere, nor a total that "
            "would reveal it by subtraction",
        ),
    )
    items: tuple[str, ...] = field(
        default=("connected", "respected", "clear"),
        metadata=declare(
            Rule("list of strings", _item_ids),
            "the 1–5 items asked, by id from `bot/pulse/data/items.toml` "
            "(`connected`, `respected`, `clear`)",
        ),
    )
    enps: str = field(
        default="monthly",
        metadata=declare(
            Rule("string", _one_of(ENPS_CADENCES)),
            "when eNPS (0–10) is asked, first: `monthly` (the month's first survey), "
            "`every` survey, or `off`",
        ),
    )
    comments: bool = field(
        default=True, metadata=declare(_BOOLEAN, "an optional comment at the end")
    )
    comment_retention_days: int = field(
        default=365,
        metadata=declare(
            Rule("whole number", _whole(1, 3650)), "1 to 3650; comments are deleted after"
        ),
    )
    rank_sites: bool = field(
        default=False,
        metadata=declare(
            _BOOLEAN,
            "order sites by their results (off: answer styles differ by culture and language, "
            "so each site is compared with its own earlier rounds)",
        ),
    )


@dataclass(frozen=True)
class DigestSection:
    """``[digest]``: the weekly manager digest."""

    weekday: str = field(default="mon", metadata=declare(_WEEKDAY))
    time: time = field(default=time(8, 0), metadata=declare(_TIME, "workspace timezone"))


@dataclass(frozen=True)
class CalendarSection:
    """``[calendar]``: the company's own cultural content."""

    content_dir: str | None = field(
        default=None,
        metadata=declare(
            _STRING,
            "a directory of the company's explainers, observances and includes, in the "
            "format of `calendars/data/<cc>.toml`; relative to this file; overrides shipped "
            "entries of the same name",
        ),
    )


@dataclass(frozen=True)
class KudosSection:
    """``[kudos]``: the allowance and the company values."""

    daily_limit: int = field(
        default=10, metadata=declare(_AT_LEAST_1, "at least 1; kudos one person may give per day")
    )
    values: tuple[str, ...] = field(
        default=(),
        metadata=declare(
            Rule("list of strings", _hashtags),
            "company values as hashtags: a leading `#` is removed and the tag lower-cased; "
            "then a letter or digit followed by up to 39 letters, digits, `-` or `_`",
        ),
    )


@dataclass(frozen=True)
class Site:
    """One ``[[sites]]`` entry: a team in one place, with its holiday calendar and channel."""

    key: str = field(
        metadata=declare(
            Rule(
                "string",
                _matching(SITE_KEY, "must be lowercase letters, digits, '-' or '_', got {!r}"),
            ),
            "lower-case letters, digits, `-`, `_`; starts with a letter or digit; "
            "at most 40 characters; unique",
        )
    )
    name: str = field(metadata=declare(_NAME, "shown to people"))
    country: str = field(
        metadata=declare(
            Rule("string", _country),
            "ISO 3166-1 alpha-2 (upper-cased for you) that the `holidays` package supports",
        )
    )
    timezone: str = field(metadata=declare(_TIMEZONE, "IANA name"))
    kind: str = field(metadata=declare(Rule("string", _kind_of_site), '`"bpo"` or `"in_house"`'))
    channel: str = field(
        metadata=declare(_CHANNEL, "channel ID; the site's members are this channel's members")
    )
    subdivision: str | None = field(
        default=None,
        metadata=declare(
            _STRING,
            "a subdivision code (or alias) `holidays` knows for that country, "
            'e.g. `"IL"`, `"MH"`, `"SP"`',
        ),
    )
    partner: str | None = field(default=None, metadata=declare(_NAME, "the BPO partner's name"))
    categories: tuple[str, ...] = field(
        default=("public",),
        metadata=declare(
            _STRINGS,
            "holiday categories `holidays` supports for that country, "
            'e.g. `["public", "optional"]`',
        ),
    )
    language: str | None = field(
        default=None,
        metadata=declare(
            _STRING,
            "a language `holidays` supports for that country, for local-language holiday "
            'names, e.g. `"pt_BR"`',
        ),
    )
    post_time: time | None = field(
        default=None,
        metadata=declare(
            Rule("time", _optional_clock),
            "this site's reminders and surveys go out at this local time instead of the "
            'global times (for a night shift serving US hours, e.g. `"21:30"`)',
        ),
    )

    @property
    def tz(self) -> ZoneInfo:
        """The site's timezone as a ZoneInfo."""
        return zone(self.timezone)

    @property
    def is_bpo(self) -> bool:
        """True for an outsourced (BPO) site, False for an in-house one."""
        return self.kind == "bpo"


@dataclass(frozen=True)
class MilestoneEntry:
    """One ``[[milestones]]`` entry as written in the file; read into a ``Milestone``."""

    name: str = field(metadata=declare(_NAME))
    date: tuple[int | None, int, int] = field(
        metadata=declare(
            Rule(
                "string",
                _milestone_date,
                'is required ("YYYY-MM-DD" once, or "MM-DD" every year)',
            ),
            '`"YYYY-MM-DD"` happens once; `"MM-DD"` every year; must be a real date. A TOML '
            'date (`2026-10-05`) counts as once. A yearly `"02-29"` falls on 28 February in '
            "common years",
        )
    )
    days: int = field(
        default=1,
        metadata=declare(
            Rule("whole number", _whole(1, MAX_MILESTONE_DAYS)),
            "at least 1; a 5-day week is one milestone",
        ),
    )
    sites: tuple[str, ...] = field(
        default=("all",),
        metadata=declare(_STRINGS, 'site keys, or `"all"`; unknown keys are errors'),
    )

    def milestone(self) -> Milestone:
        """The calendar's Milestone for this entry (year None: every year)."""
        year, month, day = self.date
        return Milestone(self.name, month, day, year, self.days, self.sites)


@dataclass(frozen=True)
class WorkspaceConfig:
    """The whole validated ``lantern.toml``; hashable, so it can key caches.

    ``source`` is the file it was read from, as given to ``load_workspace_config``.
    """

    workspace: WorkspaceSection
    reminders: RemindersSection = RemindersSection()
    pulse: PulseSection = PulseSection()
    digest: DigestSection = DigestSection()
    kudos: KudosSection = KudosSection()
    calendar: CalendarSection = CalendarSection()
    sites: tuple[Site, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    source: str = DEFAULT_CONFIG_PATH

    def site(self, key: str) -> Site | None:
        """The site with this key, or None."""
        return next((s for s in self.sites if s.key == key), None)

    def site_named(self, text: str) -> Site | None:
        """The site whose key or name (any case) is ``text``, or None: what a person types
        after a command (``/pulse results manila``)."""
        wanted = text.strip().lower()
        return next((s for s in self.sites if wanted in (s.key, s.name.lower())), None)


TABLES: Mapping[str, type] = {
    "workspace": WorkspaceSection,
    "reminders": RemindersSection,
    "pulse": PulseSection,
    "digest": DigestSection,
    "kudos": KudosSection,
    "calendar": CalendarSection,
}
"""The ``[table]`` sections of lantern.toml and the dataclass declaring each one's keys."""

ARRAYS: Mapping[str, type] = {"sites": Site, "milestones": MilestoneEntry}
"""The ``[[array]]`` sections and the dataclass declaring the keys of each entry."""


def reference(cls: type) -> list[tuple[str, str, str, str]]:
    """The README table of one section, derived from its declaration.

    Args:
        cls: a section dataclass from ``TABLES`` or ``ARRAYS``.

    Returns:
        One row per key, in declaration order: (key, type, default, rules) as Markdown cells,
        e.g. ``("`time`", "time", '`"09:00"`', "site-local")``; the default is ``required``
        for a key without one and ``none`` for one that is unset by default.
    """
    return [
        (f"`{f.name}`", f.metadata["rule"].type, _shown(f.default), f.metadata["doc"])
        for f in declared_keys(cls).values()
    ]


def _shown(default: Any) -> str:
    if default is MISSING:
        return "required"
    if default is None:
        return "none"
    if isinstance(default, time):
        return f'`"{default:%H:%M}"`'
    if isinstance(default, tuple):
        default = list(default)
    return f"`{json.dumps(default, ensure_ascii=False)}`"


def load_workspace_config(path: str | os.PathLike[str]) -> WorkspaceConfig:
    """Read, parse and validate the workspace TOML file.

    Args:
        path: the file, usually ``Settings.config_path``.

    Returns:
        The frozen WorkspaceConfig, with ``source`` set to ``str(path)``.

    Raises:
        ConfigError: listing every problem; a missing or unreadable file is one problem.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(source, "-", "file not found")]) from None
    except OSError as exc:
        raise ConfigError([Problem(source, "-", f"cannot read file: {exc.strerror}")]) from None
    return parse_workspace_config(text, source)


def parse_workspace_config(text: str, source: str = "<string>") -> WorkspaceConfig:
    """Parse and validate lantern.toml's text.

    Args:
        text: the TOML document.
        source: the name used in problems and kept as ``WorkspaceConfig.source``.

    Raises:
        ConfigError: with every problem found (invalid TOML is one problem).
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(source, "-", f"not valid TOML: {exc}")]) from None
    return _Reader(source).workspace_config(raw)


# --------------------------------------------------------------------------- validation


class _Reader:
    """Reads the file against the declarations, collecting problems, then raises them together."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, key: str, why: str) -> None:
        self.problems.append(Problem(self.source, key, why))

    def unknown_keys(self, raw: Mapping[str, Any], prefix: str, allowed: Iterable[str]) -> None:
        allowed_set = set(allowed)
        expected = ", ".join(sorted(allowed_set))
        for key in raw:
            if key not in allowed_set:
                self.problem(f"{prefix}{key}", f"unknown key (expected one of: {expected})")

    def table(self, raw: Mapping[str, Any], key: str, *, required: bool = False) -> dict[str, Any]:
        value = raw.get(key, _MISSING)
        if value is _MISSING:
            if required:
                self.problem(f"[{key}]", "section is required")
            return {}
        if not isinstance(value, dict):
            self.problem(f"[{key}]", "must be a table")
            return {}
        return value

    def array(self, value: Any, name: str) -> list[tuple[str, dict[str, Any]]]:
        """The entries that are tables, each with its key prefix such as ``sites[0].``."""
        if not isinstance(value, list):
            self.problem(f"[[{name}]]", f"must be an array of tables ([[{name}]])")
            return []
        entries = []
        for index, entry in enumerate(value):
            if isinstance(entry, dict):
                entries.append((f"{name}[{index}].", entry))
            else:
                self.problem(f"{name}[{index}]", "must be a table")
        return entries

    def section(self, cls: type, raw: Mapping[str, Any], prefix: str) -> dict[str, Any]:
        """Every declared key's value (its default when absent); keys with problems left out."""
        values, problems = read(cls, raw)
        for name, why in problems:
            self.problem(prefix + name, why)
        return values

    def workspace_config(self, raw: dict[str, Any]) -> WorkspaceConfig:
        self.unknown_keys(raw, "", [*TABLES, *ARRAYS])
        tables = {
            name: self.section(cls, self.table(raw, name, required=name == "workspace"), name + ".")
            for name, cls in TABLES.items()
        }
        sites = self.sites(raw.get("sites", []))
        site_keys = {s.get("key") for s in sites}
        milestones = []
        for prefix, entry in self.array(raw.get("milestones", []), "milestones"):
            values = self.section(MilestoneEntry, entry, prefix)
            for key in values.get("sites", ()):
                if key != "all" and key not in site_keys:
                    self.problem(prefix + "sites", f"unknown site key {key!r}")
            milestones.append(values)
        calendar = CalendarSection(**tables["calendar"])
        if calendar.content_dir:
            calendar = CalendarSection(self.content_dir(calendar.content_dir, sites))
        if self.problems:
            raise ConfigError(self.problems)
        return WorkspaceConfig(
            workspace=WorkspaceSection(**tables["workspace"]),
            reminders=RemindersSection(**tables["reminders"]),
            pulse=PulseSection(**tables["pulse"]),
            digest=DigestSection(**tables["digest"]),
            kudos=KudosSection(**tables["kudos"]),
            calendar=calendar,
            sites=tuple(Site(**s) for s in sites),
            milestones=tuple(MilestoneEntry(**m).milestone() for m in milestones),
            source=self.source,
        )

    def content_dir(self, value: str, sites: list[dict[str, Any]]) -> str:
        """The content directory as a path from the working directory (given relative to
        this file), after reading every file in it: each problem is one of this file's, and
        so is a site key an entry names that is not one of ``sites`` in its country."""
        from calendars.content import load_content
        from calendars.curated import CuratedDataError

        base = Path(self.source).parent if self.source != "<string>" else Path()
        directory = str(base / Path(value).expanduser())
        try:
            content = load_content(directory)
        except CuratedDataError as exc:
            for line in exc.problems:
                self.problem("calendar.content_dir", line)
            return directory
        countries = {site.get("key"): site.get("country") for site in sites}
        named = [(f"observance {o.name!r}", o.country, o.sites) for o in content.observances]
        named += [(f"include {i.holiday!r}", i.country, i.sites) for i in content.includes]
        for what, country, keys in named:
            for key in keys:
                if key not in countries:
                    why = f"unknown site key {key!r} (sites: {', '.join(map(str, countries))})"
                elif countries[key] != country:
                    why = f"site {key!r} is in {countries[key]}, not {country}"
                else:
                    continue
                self.problem("calendar.content_dir", f"{country} {what}: sites: {why}")
        return directory

    def sites(self, raw: Any) -> list[dict[str, Any]]:
        if isinstance(raw, list) and not raw:
            self.problem("[[sites]]", "at least one site is required")
        sites = []
        seen: dict[str, str] = {}
        for prefix, entry in self.array(raw, "sites"):
            values = self.section(Site, entry, prefix)
            key = values.get("key")
            if key in seen:
                self.problem(
                    prefix + "key", f"duplicate site key {key!r} (also used by {seen[key]})"
                )
            elif key:
                seen[key] = prefix.rstrip(".")
            if "country" in values:
                for name, why in _holiday_problems(values):
                    self.problem(prefix + name, why)
            sites.append(values)
        return sites


_MISSING = object()


def _holiday_problems(site: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Ask the holidays package itself what it supports for this site's country.

    Args:
        site: a site's valid values by key (``country`` present; others may be missing).

    Returns:
        (key, why) for each unsupported country, subdivision, category or language.
    """
    import holidays

    country: str = site["country"]
    supported = holidays.list_supported_countries()
    if country not in supported:
        why = (
            f"unknown country {country!r}: not an ISO 3166-1 alpha-2 code "
            "the holidays package supports"
        )
        return [("country", why)]
    found = []
    cls = holidays.country_holidays(country).__class__
    subdivision = site.get("subdivision")
    if subdivision:
        subdivisions = set(supported[country]) | set(getattr(cls, "subdivisions_aliases", {}))
        if subdivision not in subdivisions:
            sample = ", ".join(sorted(supported[country])[:12]) or "none"
            found.append(
                (
                    "subdivision",
                    f"unknown subdivision {subdivision!r} for {country} (known: {sample}…)",
                )
            )
    known_categories = set(getattr(cls, "supported_categories", ("public",)))
    for category in site.get("categories", ()):
        if category not in known_categories:
            found.append(
                (
                    "categories",
                    f"unknown category {category!r} for {country} "
                    f"(supported: {', '.join(sorted(known_categories))})",
                )
            )
    language = site.get("language")
    if language:
        languages = set(getattr(cls, "supported_languages", ()))
        if language not in languages:
            found.append(
                (
                    "language",
                    f"unsupported language {language!r} for {country} "
                    f"(supported: {', '.join(sorted(languages)) or 'none'})",
                )
            )
    return found


def _kind(value: Any) -> str:
    return type(value).__name__


_TIMEZONES: frozenset[str] | None = None


def _is_timezone(name: str) -> bool:
    global _TIMEZONES
    if _TIMEZONES is None:
        _TIMEZONES = frozenset(available_timezones())
    if name in _TIMEZONES:
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return "/" in name or name == "UTC"
