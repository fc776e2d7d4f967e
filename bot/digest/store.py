"""The digests table: one row per team and ISO week, written once when the week's digest is
first prepared, so every manager gets the same figures and a retried job computes nothing
twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.digest.figures import DigestFigures
from bot.infra.db import insert_if_absent
from bot.infra.models import Digest


def save(
    session: Session,
    team_id: str,
    figures: DigestFigures,
    chart: bytes,
    alt_text: str,
    now: datetime,
) -> Digest:
    """Store the week's digest unless one is stored already; either way return the stored
    one (the first writer wins, so two workers send the same figures)."""
    values = {
        "team_id": team_id,
        "week": figures.week,
        "at": figures.at,
        "computed_at": now,
        "figures": figures.model_dump(mode="json"),
        "chart": chart,
        "alt_text": alt_text,
    }
    insert_if_absent(session, Digest, values, ["team_id", "week"])
    found = for_week(session, team_id, figures.week)
    assert found is not None  # just stored, or stored by another process
    return found


def for_week(session: Session, team_id: str, week: str) -> Digest | None:
    """The digest of ISO week ``week`` ("2026-W49"), if prepared."""
    return session.scalar(select(Digest).where(Digest.team_id == team_id, Digest.week == week))


def latest(session: Session, team_id: str) -> Digest | None:
    """The most recent digest prepared for the team, if any."""
    return session.scalar(
        select(Digest).where(Digest.team_id == team_id).order_by(Digest.at.desc()).limit(1)
    )


def figures_of(row: Digest) -> DigestFigures:
    """The stored figures as DigestFigures again."""
    return DigestFigures.model_validate(row.figures)
