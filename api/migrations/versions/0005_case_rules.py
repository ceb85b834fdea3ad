"""A workspace's rules for follow-up cases: rules on or off, the valuable-account
threshold and the SLA hours per reason (docs/closing-the-loop.md, "Rules and SLA per
workspace").

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_rules",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("detractor", sa.Boolean(), nullable=False),
        sa.Column("bottom_rating", sa.Boolean(), nullable=False),
        sa.Column("value_column", sa.String(200), nullable=True),
        sa.Column("value_threshold", sa.Float(), nullable=False),
        sa.Column("value_max_ltr", sa.Integer(), nullable=False),
        sa.Column("sla_detractor_hours", sa.Float(), nullable=False),
        sa.Column("sla_valuable_low_hours", sa.Float(), nullable=False),
        sa.Column("sla_bottom_rating_hours", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE",
                                name="fk_case_rules_workspace_id_workspaces"),
        sa.PrimaryKeyConstraint("workspace_id", name="pk_case_rules"),
    )


def downgrade() -> None:
    op.drop_table("case_rules")
