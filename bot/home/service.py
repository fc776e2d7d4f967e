"""Publishing the App Home for the person who opened it."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.celebrate.listing import local_today, upcoming
from bot.digest import render as digest_render
from bot.digest import store as digest_store
from bot.home import queries
from bot.home.render import HOME_DAYS, LATEST, HomeFigures, home_view
from bot.infra.calendar import data_warnings
from bot.infra.context import AppContext
from bot.infra.roles import RolesUnavailable
from bot.membership.store import sites_of
from bot.pulse import reports
from bot.pulse import store as pulse_store
from bot.pulse.render import until

log = logging.getLogger(__name__)


def figures(
    ctx: AppContext,
    team_id: str,
    user_id: str,
    now: datetime,
    *,
    is_admin: bool,
    sees_results: str = "",
) -> HomeFigures:
    """Everything ``user_id``'s Home shows at ``now``; "this month" is on their own calendar
    (users.info timezone, the workspace's when Slack cannot say).

    Args:
        team_id, user_id: Slack ids (T…, U…).
        now: the aware moment.
        is_admin: include the outbox's delivery health (admins only).
        sees_results: "manager" (every site's pulse results), "lead" (their own sites'), or
            "" (none).

    Returns:
        HomeFigures: the next HOME_DAYS (14) days' milestones from today in the workspace
        timezone, kudos received and given this month, the 3 newest received, the LATEST (5)
        newest cross-site kudos, and for admins the delivery health and the sites whose
        holiday data runs out this year or next.
    """
    try:
        person = ctx.directory.get(user_id)
    except (SlackApiError, OSError):
        person = None
    zone = (person.zone if person else None) or ctx.config.workspace.tz
    today = local_today(ctx.config, now)
    with ctx.session_factory() as session:
        received, given = queries.kudos_counts(
            session, team_id, user_id, queries.month_start(now, zone)
        )
        mine = sites_of(session, team_id, [user_id]).get(user_id, [])
        open_surveys = []
        for survey in pulse_store.open_rounds_for(session, team_id, mine, now):
            site = ctx.config.site(survey.site_key)
            if site is not None:
                closes = until(survey.closes_at, site.tz)
                open_surveys.append((survey.key, f"{site.name}, until {closes}"))
        digest = _digest_text(session, team_id) if sees_results == "manager" else None
        results = None
        if sees_results:
            allowed = None if sees_results == "manager" else set(mine)
            latest = reports.latest_round(session, ctx.config, team_id)
            results = reports.results_text(ctx.config, latest, allowed)
        return HomeFigures(
            upcoming=upcoming(ctx.config, today, HOME_DAYS),
            received=received,
            given=given,
            mine=queries.recent_received(session, team_id, user_id, 3),
            latest=queries.latest_across_sites(session, team_id, LATEST),
            health=queries.delivery_health(session, team_id) if is_admin else None,
            calendar_warnings=data_warnings(ctx.config, today) if is_admin else (),
            open_surveys=tuple(open_surveys),
            pulse_results=results,
            digest=digest,
        )


def _digest_text(session: Session, team_id: str) -> str:
    """The latest weekly digest's title, highlights and kudos figures, as mrkdwn lines."""
    row = digest_store.latest(session, team_id)
    if row is None:
        return "*Weekly digest*\nNo digest yet: the first comes at `[digest] weekday`/`time`."
    figures = digest_store.figures_of(row)
    lines = [f"*Latest {digest_render.title(figures)}*"]
    return "\n".join(
        lines + digest_render.highlight_lines(figures) + digest_render.kudos_lines(figures)
    )


def publish(ctx: AppContext, team_id: str, user_id: str, now: datetime) -> None:
    """Build and publish (``views.publish``) the Home of ``user_id`` (U…) as of the aware
    ``now``; a refusal is logged, not raised. When Slack cannot say whether they are an admin,
    they get the Home without the admin section.

    Raises:
        OSError: Slack unreachable for ``views.publish`` (the caller's job pool logs it).
    """
    try:
        is_admin = ctx.roles.is_admin(user_id)
    except RolesUnavailable:
        is_admin = False
    try:
        role = "manager" if ctx.roles.is_manager(user_id) else ""
        role = role or ("lead" if ctx.roles.is_team_lead(user_id) else "")
    except RolesUnavailable:
        role = ""
    shown = figures(ctx, team_id, user_id, now, is_admin=is_admin, sees_results=role)
    view = home_view(ctx.config, shown, now)
    try:
        ctx.client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("views.publish for %s failed: %s", user_id, exc.response.get("error"))
