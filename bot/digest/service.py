"""Preparing a week's digest and queueing it for every manager: one DM each, through
``conversations.open``, ``chat.postMessage`` and an upload of the chart, every call stored in
the outbox under a key of the manager and the ISO week, so nobody gets a week twice."""

from __future__ import annotations

import base64
import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.digest import chart, render, store
from bot.digest.compose import compose, week_of
from bot.digest.figures import DigestFigures
from bot.infra.config import USERGROUP_ID, WorkspaceConfig
from bot.infra.models import Digest
from bot.infra.outbox.queue import UPLOAD, Outgoing, enqueue
from bot.infra.roles import Roles

log = logging.getLogger(__name__)

SEND_JOB = "digest.send"
FRESH_FOR = timedelta(days=6)  # a week's digest is not sent once the next one is near


def managers(roles: Roles, config: WorkspaceConfig) -> list[str]:
    """Every manager's user id (``[workspace] managers``: user ids and user groups' members,
    ``usergroups.users.list``), sorted, each once; a group Slack does not know adds none.

    Raises:
        RolesUnavailable: a group could not be looked up and was never known.
    """
    found: set[str] = set()
    for principal in config.workspace.managers:
        if USERGROUP_ID.match(principal):
            found |= roles.group_members(principal) or frozenset()
        else:
            found.add(principal)
    return sorted(found)


def prepare(
    session: Session, config: WorkspaceConfig, team_id: str, at: datetime, now: datetime
) -> Digest:
    """The digest of the week ending at ``at``: the stored one, or computed (figures and
    chart) and stored now. The caller commits."""
    existing = store.for_week(session, team_id, week_of(config, at))
    if existing is not None:
        return existing
    figures = compose(session, config, team_id, at)
    return store.save(
        session, team_id, figures, chart.render(figures), chart.alt_text(figures), now
    )


def messages(row: Digest, figures: DigestFigures, manager: str) -> list[Outgoing]:
    """The three calls that bring a digest to one manager, keyed ``digest:<week>:<user>``:
    open the DM, post the digest, upload the chart into the DM."""
    key = f"digest:{row.week}:{manager}"
    expires = row.at + FRESH_FOR
    channel = {"$channel_of": f"{key}:dm"}
    return [
        Outgoing(f"{key}:dm", "conversations.open", {"users": manager}, expires),
        Outgoing(
            key,
            "chat.postMessage",
            {
                "channel": channel,
                "text": render.fallback(figures),
                "blocks": render.blocks(figures),
                "unfurl_links": False,
            },
            expires,
        ),
        Outgoing(
            f"{key}:chart",
            UPLOAD,
            {
                "channel": channel,
                "filename": f"lantern-digest-{row.week}.png",
                "title": f"Kudos and pulse, 8 weeks to {row.week}",
                "alt_txt": row.alt_text,
                "content_base64": base64.b64encode(row.chart).decode("ascii"),
                "after": {"$ts_of": key},  # below the digest, never above it
            },
            expires,
        ),
    ]


def queue_week(
    session: Session,
    config: WorkspaceConfig,
    team_id: str,
    at: datetime,
    recipients: list[str],
    now: datetime,
) -> int:
    """Prepare the week's digest and queue it for each of ``recipients`` (user ids); a
    manager already queued for the week is skipped. The caller commits.

    Returns:
        How many managers it was newly queued for.
    """
    row = prepare(session, config, team_id, at, now)
    figures = store.figures_of(row)
    queued = 0
    for manager in recipients:
        new = [enqueue(session, team_id, m, now) for m in messages(row, figures, manager)]
        queued += any(new)
    log.info("digest %s queued for %d manager(s)", row.week, queued)
    return queued
