"""Leases on rows several processes may work on (outbox messages, inbox jobs): a row is taken
with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL and, everywhere, a compare-and-set that
only one process can win, so each row is worked on by one process at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, update
from sqlalchemy.orm import Session

from bot.infra.db import is_postgres

M = TypeVar("M")


def take(
    session: Session,
    model: type[Any],
    query: Select[M],
    free: ColumnElement[bool],
    owner: str,
    until: datetime,
) -> list[M]:
    """Take the lease on the rows ``query`` selects that are still ``free`` when taken.

    Args:
        model: the mapped class ``query`` selects.
        query: the candidate rows, ordered and limited by the caller.
        free: the condition a row must still meet (no live lease, due) to be taken.
        owner: the taker's name (see ``inbox.lease_owner``); ``until``: when the lease ends.

    Returns:
        The rows taken, as they were before (their previous lease is still readable).
    """
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    taken = []
    for row in session.scalars(query).all():
        result = session.execute(
            update(model)
            .where(model.id == row.id, free)  # type: ignore[attr-defined]
            .values(lease_until=until, lease_owner=owner)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            taken.append(row)
    return taken
