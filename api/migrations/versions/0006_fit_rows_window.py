"""Fits record the rows they read: the dataset's row count when the fit was made, the
resolved date window, and the fit a refresh was made from
(docs/continuous-measurement.md).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("fits", sa.Column("data_rows", sa.Integer(), nullable=True))
    op.add_column("fits", sa.Column("window", sa.Text(), nullable=True))
    op.add_column("fits", sa.Column("refreshed_from", sa.Uuid(), nullable=True))


def downgrade() -> None:
    op.drop_column("fits", "refreshed_from")
    op.drop_column("fits", "window")
    op.drop_column("fits", "data_rows")
