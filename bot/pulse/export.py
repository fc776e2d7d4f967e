"""``lantern export pulse``: the results of every closed round as rows, aggregates only and
thresholded exactly as ``/pulse results`` shows them (the same results module). No person, no
comment text, no single answer."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bot.infra.config import WorkspaceConfig
from bot.pulse.reports import complete_batches, round_of, trend_word

COLUMNS = (
    "round",
    "group",
    "shown",
    "hidden_because",
    "responses",
    "members",
    "participation",
    "item",
    "mean",
    "ci_low",
    "ci_high",
    "trend",
)


def pulse_rows(
    session: Session, config: WorkspaceConfig, team_id: str, since: date | None
) -> list[dict[str, Any]]:
    """One row per round, group and figure (each item's mean, eNPS), oldest round first; a
    hidden group is one row saying why, with no figure.

    Args:
        since: the first round day to include (None: all).

    Returns:
        Dicts keyed by COLUMNS: ``round`` (the round's day, ``2026-12-02``, with
        ``:now-<tag>`` for an extra round), ``group`` (a site key, ``in_house``,
        ``bpo`` or ``everyone``), ``shown``, ``hidden_because`` ("" when shown),
        ``responses`` / ``members`` / ``participation`` (0–1, 3 decimals; "" when hidden),
        ``item`` (an item id or ``enps``), ``mean`` with ``ci_low`` / ``ci_high`` (its 95 %
        interval, 3 decimals; eNPS in points) and ``trend`` (up, down, no clear change,
        first round).
    """
    rows: list[dict[str, Any]] = []
    for batch in complete_batches(session, team_id, since):
        results = round_of(session, config, team_id, batch).results
        for group in results.groups:
            base = {"round": batch, "group": group.key, "shown": group.shown}
            if not group.shown:
                rows.append(
                    base | dict.fromkeys(COLUMNS[4:], "") | {"hidden_because": group.reason or ""}
                )
                continue
            share = group.participation
            shown = base | {
                "hidden_because": "",
                "responses": group.responses,
                "members": group.members,
                "participation": round(share, 3) if share is not None else "",
            }
            figures = [
                (item, value, trend_word(group.trend.get(item)))
                for item, value in group.items.items()
            ]
            if group.enps is not None:
                figures.append(("enps", group.enps, ""))
            for item, value, trend in figures:
                rows.append(
                    shown
                    | {
                        "item": item,
                        "mean": round(value.value, 3),
                        "ci_low": round(value.low, 3),
                        "ci_high": round(value.high, 3),
                        "trend": trend,
                    }
                )
    return rows


def as_json(rows: list[dict[str, Any]]) -> str:
    """The rows as an indented JSON array."""
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def as_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV with a header of COLUMNS."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
