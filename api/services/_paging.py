"""One page of a workspace's records, newest first, and how many there are in all."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import LoaderOption

T = TypeVar("T")


def newest_first(session: Session, model: type[T], conditions: Sequence[ColumnElement[bool]],
                 limit: int, offset: int, options: Sequence[LoaderOption] = ()
                 ) -> tuple[Sequence[T], int]:
    """The rows of ``model`` matching ``conditions``, newest first (ties by id), from
    ``offset`` on, at most ``limit`` of them, and the number of matching rows."""
    entity: Any = model
    count = session.scalar(select(func.count()).select_from(entity).where(*conditions))
    rows = session.scalars(select(entity).options(*options).where(*conditions)
                           .order_by(entity.created_at.desc(), entity.id)
                           .limit(limit).offset(offset)).all()
    return rows, int(count or 0)
