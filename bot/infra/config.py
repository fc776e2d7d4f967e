"""Settings from the environment and the workspace TOML file, validated once at start.

This is the only module that reads ``os.environ``. Everything downstream receives frozen
dataclasses, so a typo in ``lantern.toml`` is reported by ``lantern check-config`` (all
problems at once, each with file, key and why) instead of surfacing mid-week as a missed post.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from calendars.company import Milestone

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///lantern.db"
DEFAULT_CONFIG_PATH = "lantern.toml"
DEFAULT_PORT = 3000

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

    return Settings(
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_api_url=api_url,
        database_url=database_url,
        config_path=get("LANTERN_CONFIG") or DEFAULT_CONFIG_PATH,
        port=port,
        lantern_secret=get("LANTERN_SECRET"),
    )


# --------------------------------------------------------------------------- workspace file


@dataclass(frozen=True)
class WorkspaceSection:
    timezone: str
    celebrations_channel: str
    feed_channel: str
    team_leads: tuple[str, ...] = ()
    managers: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()
    kudos_emoji: str = "clap"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class RemindersSection:
    days_before: tuple[int, ...] = (7, 1)
    time: time = time(9, 0)


@dataclass(frozen=True)
class PulseSection:
    weekday: str = "wed"
    time: time = time(11, 0)
    open_hours: int = 48
    min_responses: int = 5


@dataclass(frozen=True)
class DigestSection:
    weekday: str = "mon"
    time: time = time(8, 0)


@dataclass(frozen=True)
class KudosSection:
    daily_limit: int = 10
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    country: str
    timezone: str
    kind: str
    channel: str
    subdivision: str | None = None
    partner: str | None = None
    categories: tuple[str, ...] = ("public",)
    language: str | None = None
    post_time: time | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_bpo(self) -> bool:
        return self.kind == "bpo"


@dataclass(frozen=True)
class WorkspaceConfig:
    workspace: WorkspaceSection
    reminders: RemindersSection = RemindersSection()
    pulse: PulseSection = PulseSection()
    digest: DigestSection = DigestSection()
    kudos: KudosSection = KudosSection()
    sites: tuple[Site, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    source: str = DEFAULT_CONFIG_PATH

    def site(self, key: str) -> Site | None:
        return next((s for s in self.sites if s.key == key), None)


def load_workspace_config(path: str | os.PathLike[str]) -> WorkspaceConfig:
    """Parse and validate the TOML file; raises ConfigError listing every problem."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(source, "-", "file not found")]) from None
    except OSError as exc:
        raise ConfigError([Problem(source, "-", f"cannot read file: {exc.strerror}")]) from None
    return parse_workspace_config(text, source)


def parse_workspace_config(text: str, source: str = "<string>") -> WorkspaceConfig:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(source, "-", f"not valid TOML: {exc}")]) from None
    return _Validator(source).workspace_config(raw)


# --------------------------------------------------------------------------- validation


_MISSING = object()


class _Validator:
    """Collects problems while building the dataclasses, then raises them together."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, key: str, why: str) -> None:
        self.problems.append(Problem(self.source, key, why))

    # ---- scalar helpers: each returns a usable default after recording a problem

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

    def unknown_keys(self, raw: Mapping[str, Any], prefix: str, allowed: Iterable[str]) -> None:
        allowed_set = set(allowed)
        for key in raw:
            if key not in allowed_set:
                expected = ", ".join(sorted(allowed_set))
                self.problem(f"{prefix}{key}", f"unknown key (expected one of: {expected})")

    def string(
        self,
        raw: Mapping[str, Any],
        key: str,
        prefix: str,
        *,
        default: str | None = None,
        required: bool = False,
    ) -> str:
        value = raw.get(key, _MISSING)
        if value is _MISSING:
            if required:
                self.problem(prefix + key, "is required")
            return default or ""
        if not isinstance(value, str):
            self.problem(prefix + key, f"must be a string, got {_kind(value)}")
            return default or ""
        return value.strip()

    def name(
        self,
        raw: Mapping[str, Any],
        key: str,
        prefix: str,
        *,
        default: str | None = None,
        required: bool = True,
    ) -> str:
        value = self.string(raw, key, prefix, default=default, required=required)
        if len(value) > NAME_LIMIT:
            self.problem(prefix + key, f"must be at most {NAME_LIMIT} characters, got {len(value)}")
            return value[:NAME_LIMIT]
        return value

    def integer(
        self, raw: Mapping[str, Any], key: str, prefix: str, default: int, minimum: int
    ) -> int:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(prefix + key, f"must be a whole number, got {_kind(value)}")
            return default
        if value < minimum:
            self.problem(prefix + key, f"must be at least {minimum}, got {value}")
            return default
        return value

    def string_list(self, raw: Mapping[str, Any], key: str, prefix: str) -> list[str]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(prefix + key, "must be a list of strings")
            return []
        return [v.strip() for v in value]

    def clock_time(self, raw: Mapping[str, Any], key: str, prefix: str, default: time) -> time:
        value = raw.get(key, _MISSING)
        if value is _MISSING:
            return default
        if isinstance(value, time):  # TOML local time literal: 09:00:00
            return value.replace(second=0, microsecond=0)
        if isinstance(value, str):
            match = _HHMM.match(value.strip())
            if match:
                return time(int(match.group(1)), int(match.group(2)))
        self.problem(prefix + key, f'must be a 24-hour time "HH:MM", got {value!r}')
        return default

    def weekday(self, raw: Mapping[str, Any], key: str, prefix: str, default: str) -> str:
        value = raw.get(key, default)
        if isinstance(value, str):
            name = value.strip().lower()
            name = _WEEKDAY_NAMES.get(name, name)
            if name in WEEKDAYS:
                return name
        self.problem(prefix + key, f"must be one of {', '.join(WEEKDAYS)}, got {value!r}")
        return default

    def timezone(self, value: str, key: str) -> str:
        if not value:
            self.problem(key, "is required (an IANA name such as 'Asia/Manila')")
            return "UTC"
        if not _is_timezone(value):
            self.problem(key, f"unknown IANA timezone {value!r} (e.g. 'America/Chicago')")
            return "UTC"
        return value

    def channel(self, value: str, key: str) -> None:
        if not CHANNEL_ID.match(value):
            self.problem(key, f"must be a Slack channel ID like 'C0123ABCD', got {value!r}")

    def principals(self, values: list[str], key: str) -> tuple[str, ...]:
        for value in values:
            if not (USER_ID.match(value) or USERGROUP_ID.match(value)):
                self.problem(
                    key,
                    f"{value!r} is not a Slack user ID (U…) or user group ID (S…)",
                )
        return tuple(values)

    # ---- sections

    def workspace_config(self, raw: dict[str, Any]) -> WorkspaceConfig:
        self.unknown_keys(
            raw, "", ("workspace", "reminders", "pulse", "digest", "kudos", "sites", "milestones")
        )
        workspace = self.workspace_section(self.table(raw, "workspace", required=True))
        reminders = self.reminders_section(self.table(raw, "reminders"))
        pulse = self.pulse_section(self.table(raw, "pulse"))
        digest = self.digest_section(self.table(raw, "digest"))
        kudos = self.kudos_section(self.table(raw, "kudos"))
        sites = self.sites(raw.get("sites", []))
        milestones = self.milestones(raw.get("milestones", []), {s.key for s in sites})
        if self.problems:
            raise ConfigError(self.problems)
        return WorkspaceConfig(
            workspace=workspace,
            reminders=reminders,
            pulse=pulse,
            digest=digest,
            kudos=kudos,
            sites=tuple(sites),
            milestones=tuple(milestones),
            source=self.source,
        )

    def workspace_section(self, raw: dict[str, Any]) -> WorkspaceSection:
        p = "workspace."
        self.unknown_keys(
            raw,
            p,
            (
                "timezone",
                "celebrations_channel",
                "feed_channel",
                "team_leads",
                "managers",
                "admins",
                "kudos_emoji",
            ),
        )
        tz = self.timezone(self.string(raw, "timezone", p), p + "timezone")
        celebrations = self.string(raw, "celebrations_channel", p, required=True)
        if celebrations:
            self.channel(celebrations, p + "celebrations_channel")
        feed = self.string(raw, "feed_channel", p, required=True)
        if feed:
            self.channel(feed, p + "feed_channel")
        emoji = self.string(raw, "kudos_emoji", p, default="clap").strip(":") or "clap"
        if not EMOJI_NAME.match(emoji):
            self.problem(p + "kudos_emoji", f"must be an emoji name like 'clap', got {emoji!r}")
        return WorkspaceSection(
            timezone=tz,
            celebrations_channel=celebrations,
            feed_channel=feed,
            team_leads=self.principals(self.string_list(raw, "team_leads", p), p + "team_leads"),
            managers=self.principals(self.string_list(raw, "managers", p), p + "managers"),
            admins=self.principals(self.string_list(raw, "admins", p), p + "admins"),
            kudos_emoji=emoji,
        )

    def reminders_section(self, raw: dict[str, Any]) -> RemindersSection:
        p = "reminders."
        self.unknown_keys(raw, p, ("days_before", "time"))
        days = raw.get("days_before", [7, 1])
        if (
            not isinstance(days, list)
            or not all(isinstance(d, int) and not isinstance(d, bool) for d in days)
            or any(d < 1 or d > 60 for d in days)
        ):
            self.problem(p + "days_before", f"must be a list of days from 1 to 60, got {days!r}")
            days = [7, 1]
        return RemindersSection(
            days_before=tuple(sorted(set(days), reverse=True)),
            time=self.clock_time(raw, "time", p, time(9, 0)),
        )

    def pulse_section(self, raw: dict[str, Any]) -> PulseSection:
        p = "pulse."
        self.unknown_keys(raw, p, ("weekday", "time", "open_hours", "min_responses"))
        return PulseSection(
            weekday=self.weekday(raw, "weekday", p, "wed"),
            time=self.clock_time(raw, "time", p, time(11, 0)),
            open_hours=self.integer(raw, "open_hours", p, 48, 1),
            min_responses=self.integer(raw, "min_responses", p, 5, 1),
        )

    def digest_section(self, raw: dict[str, Any]) -> DigestSection:
        p = "digest."
        self.unknown_keys(raw, p, ("weekday", "time"))
        return DigestSection(
            weekday=self.weekday(raw, "weekday", p, "mon"),
            time=self.clock_time(raw, "time", p, time(8, 0)),
        )

    def kudos_section(self, raw: dict[str, Any]) -> KudosSection:
        p = "kudos."
        self.unknown_keys(raw, p, ("daily_limit", "values"))
        values = []
        for value in self.string_list(raw, "values", p):
            tag = value.lstrip("#").lower()
            if not re.match(r"^[a-z0-9][a-z0-9_-]{0,39}$", tag):
                self.problem(p + "values", f"{value!r} is not a simple hashtag like 'teamwork'")
            else:
                values.append(tag)
        return KudosSection(
            daily_limit=self.integer(raw, "daily_limit", p, 10, 1), values=tuple(values)
        )

    def sites(self, raw: Any) -> list[Site]:
        if not isinstance(raw, list):
            self.problem("[[sites]]", "must be an array of tables ([[sites]])")
            return []
        if not raw:
            self.problem("[[sites]]", "at least one site is required")
        sites: list[Site] = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(raw):
            prefix = f"sites[{index}]."
            if not isinstance(entry, dict):
                self.problem(prefix.rstrip("."), "must be a table")
                continue
            site = self.site(entry, prefix)
            if site.key in seen:
                self.problem(
                    prefix + "key",
                    f"duplicate site key {site.key!r} (also used by sites[{seen[site.key]}])",
                )
            else:
                seen[site.key] = index
            sites.append(site)
        return sites

    def site(self, raw: dict[str, Any], p: str) -> Site:
        self.unknown_keys(
            raw,
            p,
            (
                "key",
                "name",
                "country",
                "subdivision",
                "timezone",
                "kind",
                "partner",
                "channel",
                "categories",
                "language",
                "post_time",
            ),
        )
        key = self.string(raw, "key", p, required=True)
        if key and not SITE_KEY.match(key):
            self.problem(p + "key", f"must be lowercase letters, digits, '-' or '_', got {key!r}")
        name = self.name(raw, "name", p, default=key)
        kind = self.string(raw, "kind", p, required=True)
        if kind and kind not in SITE_KINDS:
            self.problem(p + "kind", f"must be 'bpo' or 'in_house', got {kind!r}")
        channel = self.string(raw, "channel", p, required=True)
        if channel:
            self.channel(channel, p + "channel")
        tz = self.timezone(self.string(raw, "timezone", p), p + "timezone")
        country = self.string(raw, "country", p, required=True).upper()
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            self.problem(
                p + "country", f"must be a two-letter ISO 3166-1 code like 'PH', got {country!r}"
            )
            country = ""
        subdivision = self.string(raw, "subdivision", p) or None
        categories = tuple(self.string_list(raw, "categories", p) or ["public"])
        language = self.string(raw, "language", p) or None
        raw_post_time = raw.get("post_time", "")
        post_time = None
        if raw_post_time not in ("", None):
            post_time = self.clock_time(raw, "post_time", p, time(9, 0))
        if country:
            self.holiday_options(country, subdivision, categories, language, p)
        return Site(
            key=key,
            name=name or key,
            country=country,
            timezone=tz,
            kind=kind,
            channel=channel,
            subdivision=subdivision,
            partner=self.name(raw, "partner", p, required=False) or None,
            categories=categories,
            language=language,
            post_time=post_time,
        )

    def holiday_options(
        self,
        country: str,
        subdivision: str | None,
        categories: tuple[str, ...],
        language: str | None,
        p: str,
    ) -> None:
        """Ask the holidays package itself what it supports for this country."""
        import holidays

        supported = holidays.list_supported_countries()
        if country not in supported:
            self.problem(
                p + "country",
                f"unknown country {country!r}: not an ISO 3166-1 alpha-2 code "
                "the holidays package supports",
            )
            return
        cls = holidays.country_holidays(country).__class__
        if subdivision:
            subdivisions = set(supported[country]) | set(getattr(cls, "subdivisions_aliases", {}))
            if subdivision not in subdivisions:
                sample = ", ".join(sorted(supported[country])[:12]) or "none"
                self.problem(
                    p + "subdivision",
                    f"unknown subdivision {subdivision!r} for {country} (known: {sample}…)",
                )
        known_categories = set(getattr(cls, "supported_categories", ("public",)))
        for category in categories:
            if category not in known_categories:
                self.problem(
                    p + "categories",
                    f"unknown category {category!r} for {country} "
                    f"(supported: {', '.join(sorted(known_categories))})",
                )
        if language:
            languages = set(getattr(cls, "supported_languages", ()))
            if language not in languages:
                self.problem(
                    p + "language",
                    f"unsupported language {language!r} for {country} "
                    f"(supported: {', '.join(sorted(languages)) or 'none'})",
                )

    def milestones(self, raw: Any, site_keys: set[str]) -> list[Milestone]:
        if not isinstance(raw, list):
            self.problem("[[milestones]]", "must be an array of tables ([[milestones]])")
            return []
        milestones = []
        for index, entry in enumerate(raw):
            p = f"milestones[{index}]."
            if not isinstance(entry, dict):
                self.problem(p.rstrip("."), "must be a table")
                continue
            self.unknown_keys(entry, p, ("name", "date", "days", "sites"))
            name = self.name(entry, "name", p)
            parsed = self.milestone_date(entry.get("date", _MISSING), p + "date")
            days = self.integer(entry, "days", p, 1, 1)
            if days > MAX_MILESTONE_DAYS:
                self.problem(p + "days", f"must be at most {MAX_MILESTONE_DAYS}, got {days}")
                days = 1
            sites = self.string_list(entry, "sites", p) or ["all"]
            for key in sites:
                if key != "all" and key not in site_keys:
                    self.problem(p + "sites", f"unknown site key {key!r}")
            if parsed is not None and name:
                year, month, day = parsed
                milestones.append(Milestone(name, month, day, year, days, tuple(sites)))
        return milestones

    def milestone_date(self, value: Any, key: str) -> tuple[int | None, int, int] | None:
        if value is _MISSING:
            self.problem(key, 'is required ("YYYY-MM-DD" once, or "MM-DD" every year)')
            return None
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
                self.problem(key, f"{text!r} is not a real calendar date")
                return None
        self.problem(key, f'must be "YYYY-MM-DD" (once) or "MM-DD" (every year), got {value!r}')
        return None


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
