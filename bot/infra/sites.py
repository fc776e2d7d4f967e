"""Mirror the configured sites into the database, so exports and history keep their names."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.infra.config import WorkspaceConfig
from bot.infra.db import insert_if_absent
from bot.infra.models import Site


def sync_sites(session: Session, team_id: str, config: WorkspaceConfig, now: datetime) -> None:
    """Insert new sites and refresh changed ones; sites removed from the config are kept."""
    existing = {
        site.key: site for site in session.scalars(select(Site).where(Site.team_id == team_id))
    }
    for configured in config.sites:
        values = {
            "name": configured.name,
            "country": configured.country,
            "timezone": configured.timezone,
            "kind": configured.kind,
            "channel_id": configured.channel,
            "partner": configured.partner,
        }
        row = existing.get(configured.key)
        if row is None:
            insert_if_absent(
                session,
                Site,
                {"team_id": team_id, "key": configured.key, "updated_at": now, **values},
                ["team_id", "key"],
            )
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
