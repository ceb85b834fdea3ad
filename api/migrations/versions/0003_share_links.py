"""Share links: a fit's role pages opened without a key (only the token's hash is kept).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "share_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("fit_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE",
                                name="fk_share_links_workspace_id_workspaces"),
        sa.ForeignKeyConstraint(["fit_id"], ["fits.id"], ondelete="CASCADE",
                                name="fk_share_links_fit_id_fits"),
        sa.PrimaryKeyConstraint("id", name="pk_share_links"),
        sa.UniqueConstraint("token_hash", name="uq_share_links_token_hash"),
    )
    op.create_index("ix_share_links_workspace_id", "share_links", ["workspace_id"])
    op.create_index("ix_share_links_fit_id", "share_links", ["fit_id"])


def downgrade() -> None:
    op.drop_index("ix_share_links_fit_id", table_name="share_links")
    op.drop_index("ix_share_links_workspace_id", table_name="share_links")
    op.drop_table("share_links")
