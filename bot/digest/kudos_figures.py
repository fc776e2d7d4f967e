"""The digest's kudos figures, each family counted by one GROUP BY in the database.

A *recognition* is one person thanked by one kudos (kudos to three people are three), so it
has a direction: from the giver's site to the recipient's. Withdrawn kudos do not count.
Directions are worked out from the configured sites' kinds, not from rows loaded here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.digest.figures import SiteKudos
from bot.infra.config import WorkspaceConfig
from bot.infra.models import Kudos, KudosRecipient

IN_HOUSE_TO_BPO = "in_house_to_bpo"
BPO_TO_IN_HOUSE = "bpo_to_in_house"
BPO_TO_BPO = "bpo_to_bpo"  # between two BPO sites
IN_HOUSE_TO_IN_HOUSE = "in_house_to_in_house"  # between two in-house sites
WITHIN_SITE = "within_site"
UNPLACED = "unplaced"  # the giver or the recipient is in no configured site
DIRECTIONS = (
    IN_HOUSE_TO_BPO,
    BPO_TO_IN_HOUSE,
    BPO_TO_BPO,
    IN_HOUSE_TO_IN_HOUSE,
    WITHIN_SITE,
    UNPLACED,
)
CROSS_BOUNDARY = (IN_HOUSE_TO_BPO, BPO_TO_IN_HOUSE)
DIRECTION_NAMES = {
    IN_HOUSE_TO_BPO: "In-house → BPO",
    BPO_TO_IN_HOUSE: "BPO → in-house",
    BPO_TO_BPO: "BPO ↔ BPO",
    IN_HOUSE_TO_IN_HOUSE: "In-house ↔ in-house",
    WITHIN_SITE: "Within a site",
    UNPLACED: "Outside any site",
}
WEEKS = 8  # the baseline and the chart: the 8 weeks before this one


def _direction(config: WorkspaceConfig) -> ColumnElement[Any]:
    giver, recipient = Kudos.giver_site_key, KudosRecipient.site_key
    known = [site.key for site in config.sites]
    bpo = [site.key for site in config.sites if site.kind == "bpo"]
    in_house = [site.key for site in config.sites if site.kind != "bpo"]
    return case(
        (
            or_(
                giver.is_(None),
                recipient.is_(None),
                giver.not_in(known),
                recipient.not_in(known),
            ),
            UNPLACED,
        ),
        (giver == recipient, WITHIN_SITE),
        (and_(giver.in_(in_house), recipient.in_(bpo)), IN_HOUSE_TO_BPO),
        (and_(giver.in_(bpo), recipient.in_(in_house)), BPO_TO_IN_HOUSE),
        (and_(giver.in_(bpo), recipient.in_(bpo)), BPO_TO_BPO),
        else_=IN_HOUSE_TO_IN_HOUSE,
    )


def _counted(team_id: str, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [
        Kudos.team_id == team_id,
        Kudos.withdrawn_at.is_(None),
        Kudos.created_at >= start,
        Kudos.created_at < end,
    ]


def weekly_flow(
    session: Session, config: WorkspaceConfig, team_id: str, at: datetime
) -> list[dict[str, int]]:
    """Recognitions per week and direction, for this week and the WEEKS before it.

    Args:
        at: the aware end of the week; week 0 is [at − 7 days, at), week 1 the 7 days before…

    Returns:
        WEEKS + 1 dicts, this week first, each direction -> count (every direction present).
    """
    week = case(
        *[(Kudos.created_at >= at - timedelta(weeks=n + 1), n) for n in range(WEEKS + 1)],
        else_=WEEKS + 1,
    ).label("week")
    inner = (
        select(week, _direction(config).label("direction"))
        .select_from(KudosRecipient)
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(*_counted(team_id, at - timedelta(weeks=WEEKS + 1), at))
        .subquery()
    )
    counts: list[dict[str, int]] = [dict.fromkeys(DIRECTIONS, 0) for _ in range(WEEKS + 1)]
    rows = session.execute(
        select(inner.c.week, inner.c.direction, func.count()).group_by(
            inner.c.week, inner.c.direction
        )
    )
    for number, direction, count in rows:
        if 0 <= number <= WEEKS:
            counts[number][direction] = count
    return counts


def site_counts(
    session: Session, config: WorkspaceConfig, team_id: str, at: datetime
) -> tuple[int, tuple[SiteKudos, ...]]:
    """The week's kudos total and each site's given / received counts (two GROUP BYs).

    Args:
        at: the aware end of the week [at − 7 days, at).

    Returns:
        (kudos given in the week, every configured site's SiteKudos in config order).
    """
    week = at - timedelta(days=7)
    given_rows = session.execute(
        select(Kudos.giver_site_key, func.count())
        .where(*_counted(team_id, week, at))
        .group_by(Kudos.giver_site_key)
    ).all()
    this_week = case((Kudos.created_at >= week, 1), else_=0)
    received_rows = session.execute(
        select(KudosRecipient.site_key, func.sum(this_week), func.count())
        .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
        .where(*_counted(team_id, at - timedelta(days=14), at))
        .group_by(KudosRecipient.site_key)
    ).all()
    given = {key: int(count) for key, count in given_rows}
    received = {key: (int(w or 0), int(both)) for key, w, both in received_rows}
    sites = tuple(
        SiteKudos(
            key=site.key,
            name=site.name,
            kind=site.kind,
            given=given.get(site.key, 0),
            received=received.get(site.key, (0, 0))[0],
            received_two_weeks=received.get(site.key, (0, 0))[1],
        )
        for site in config.sites
    )
    return sum(given.values()), sites


def value_counts(session: Session, team_id: str, at: datetime) -> list[tuple[str, int]]:
    """How often each company value was named in the week's kudos, most named first (one
    GROUP BY over the JSON list, with the database's own JSON functions)."""
    if session.get_bind().dialect.name == "postgresql":
        elements = func.json_array_elements_text(Kudos.values).table_valued("value")
    else:
        elements = func.json_each(Kudos.values).table_valued("value")
    value = elements.c.value
    rows = session.execute(
        select(value, func.count())
        .select_from(Kudos)
        .join(elements, Kudos.values.is_not(None))
        .where(*_counted(team_id, at - timedelta(days=7), at))
        .group_by(value)
    ).all()
    return sorted(((str(v), int(n)) for v, n in rows), key=lambda pair: (-pair[1], pair[0]))
