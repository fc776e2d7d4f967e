"""``lantern export kudos``: every kudos with giver, recipients, sites and values, for admins.

Withdrawn kudos are included with their withdrawal time, so the export is a faithful record.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.infra import slack_text
from bot.infra.config import WorkspaceConfig
from bot.infra.models import Kudos
from bot.kudos.render import crosses_kinds

COLUMNS = (
    "id",
    "team_id",
    "created_at",
    "source",
    "giver",
    "giver_site",
    "recipients",
    "recipient_sites",
    "team_kudos",
    "groups",
    "in_house_bpo",
    "values",
    "message",
    "permalink",
    "withdrawn_at",
)


def kudos_rows(
    session: Session, config: WorkspaceConfig, since: datetime | None
) -> list[dict[str, Any]]:
    """Every kudos of every team in the database, oldest first, as one dict per kudos.

    Args:
        config: the workspace config, to tell in-house sites from BPO sites.
        since: an aware datetime; only kudos created at or after it (``lantern export
            --since DATE`` passes that date's midnight in the workspace timezone). None: all.

    Returns:
        Dicts keyed by COLUMNS: ``id``; ``team_id`` (T…); ``created_at`` and ``withdrawn_at``
        (ISO 8601 in UTC, ``withdrawn_at`` "" unless taken back); ``source`` (command,
        reaction or shortcut); ``giver`` and ``recipients`` (Slack user ids, U…);
        ``giver_site`` and ``recipient_sites`` (site keys, "" when unknown; the latter in the
        order of ``recipients``); ``team_kudos`` (given to a group); ``groups`` (user-group
        handles); ``in_house_bpo`` (between an in-house and a BPO site); ``values`` (company
        values named); ``message`` (as typed, Slack's escaping undone); ``permalink`` (the
        reacted-to message, "" otherwise). Lists stay lists here.
    """
    query = (
        select(Kudos).options(selectinload(Kudos.recipients)).order_by(Kudos.created_at, Kudos.id)
    )
    if since is not None:
        query = query.where(Kudos.created_at >= since)
    rows = []
    for kudos in session.scalars(query):
        rows.append(
            {
                "id": kudos.id,
                "team_id": kudos.team_id,
                "created_at": kudos.created_at.isoformat(),
                "source": kudos.source,
                "giver": kudos.giver_id,
                "giver_site": kudos.giver_site_key or "",
                "recipients": [r.user_id for r in kudos.recipients],
                "recipient_sites": [r.site_key or "" for r in kudos.recipients],
                "team_kudos": kudos.is_team,
                "groups": [handle for _, handle in kudos.groups],
                "in_house_bpo": crosses_kinds(config, kudos),
                "values": list(kudos.values),
                "message": slack_text.unescape(kudos.message),
                "permalink": kudos.origin_permalink or "",
                "withdrawn_at": kudos.withdrawn_at.isoformat() if kudos.withdrawn_at else "",
            }
        )
    return rows


def as_json(rows: list[dict[str, Any]]) -> str:
    """:func:`kudos_rows` as an indented JSON array (UTF-8 text kept as is)."""
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def as_csv(rows: list[dict[str, Any]]) -> str:
    """:func:`kudos_rows` as CSV with a header row of COLUMNS; a list becomes its items
    separated by spaces, and a cell that a spreadsheet would run as a formula gets a
    leading ``'``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: _cell(" ".join(map(str, v)) if isinstance(v, list) else v) for k, v in row.items()}
        )
    return out.getvalue()


def _cell(value: Any) -> Any:
    """Keep spreadsheets from running a message as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
