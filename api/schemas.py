"""Request and response schemas (pydantic), kept apart as in the FastAPI template.

Request schemas end in ``Create`` / ``Request``; response schemas in ``Out``.  The
FitResult JSON (docs/result-schema.md) and the analyses are produced by the library and passed
through unchanged; their models here document them in the OpenAPI schema and allow
the extra fields an engine may add.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, StringConstraints, model_validator

from journeymap.limits import (
    DEFAULT_MIN_RESPONSES,
    MAX_BAYESNET_DRAWS,
    MIN_RESPONSES_FLOOR,
    SHARE_LINK_DEFAULT_DAYS,
    SHARE_LINK_MAX_DAYS,
)

__all__ = [
    "AppendOut", "DatasetOut", "DatasetsOut", "DriverOut", "DriversOut", "FitCreate", "FitErrorOut",
    "FitOptions", "FitOut", "FitResultOut", "FitWindowOut", "FitsOut", "HealthOut",
    "MapCreate", "MapOut",
    "MapSummaryOut", "MapValidationOut", "MapVersionOut", "MapVersionsOut", "MapsOut",
    "PeriodWindow", "ProblemOut", "RoleInfluenceOut", "RoleSummaryOut", "RolesOut", "ShareCreate",
    "ShareLinkOut", "ShareOut", "SharesOut", "WhatIfOut",
    "WhatIfRequest", "WorkspaceOut",
]

FitStatusName = Literal["queued", "running", "done", "failed", "cancelled"]
Interval = Annotated[list[float | None], Field(min_length=2, max_length=2,
                                               description="[low, high], 95 %")]
NodeId = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class _Open(BaseModel):
    """A library record: documented fields, and whatever else the engine adds."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


# ---------------------------------------------------------------------- common
class ProblemOut(BaseModel):
    """RFC 9457 problem details (``application/problem+json``)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="URI of the kind of problem (urn:journeymap:problem:… or "
                                  "about:blank).")
    title: str
    status: int
    detail: str = Field(description="What is wrong and what would be valid, for a person.")
    instance: str = Field(description="The path that was asked for.")


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str
    database: str


class WorkspaceOut(BaseModel):
    id: uuid.UUID
    name: str
    created_at: datetime


# ------------------------------------------------------------------------ maps
class MapCreate(BaseModel):
    """A map file's text (YAML or JSON, docs/map-format.md)."""

    model_config = ConfigDict(extra="forbid")

    source: Annotated[str, StringConstraints(min_length=1, max_length=2_000_000)] = Field(
        description="The map file's text, YAML or JSON.")
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(
        default="map.yaml", description="Name used in error messages (e.g. kitchen_b2b.yaml).")


class MapSummaryOut(BaseModel):
    id: uuid.UUID
    name: str
    latest_version: int
    created_at: datetime
    updated_at: datetime


class MapOut(BaseModel):
    """One version of a map (the latest unless ``?version=`` is given)."""

    id: uuid.UUID
    name: str
    version: int
    latest_version: int
    filename: str
    created_at: datetime
    updated_at: datetime
    version_created_at: datetime
    source: str = Field(description="The text as sent.")
    definition: dict[str, object] = Field(description="The validated map in the map-file "
                                                      "format (with schema_version).")
    warnings: list[str]
    nodes: int
    edges: int


class MapVersionOut(BaseModel):
    version: int
    name: str
    created_at: datetime


class MapsOut(BaseModel):
    data: list[MapSummaryOut]
    count: int


class MapVersionsOut(BaseModel):
    map_id: uuid.UUID
    data: list[MapVersionOut]
    count: int


class MapValidationOut(BaseModel):
    valid: bool
    name: str | None = None
    nodes: int | None = None
    edges: int | None = None
    problems: list[str] = Field(description="Each names the file, line and field to fix.")
    warnings: list[str]


# -------------------------------------------------------------------- datasets
class DatasetOut(BaseModel):
    id: uuid.UUID
    name: str
    filename: str
    format: Literal["csv", "tsv", "parquet", "excel"]
    size_bytes: int
    sha256: str
    n_rows: int
    columns: list[str]
    created_at: datetime


class DatasetsOut(BaseModel):
    data: list[DatasetOut]
    count: int


class AppendCasesOut(BaseModel):
    """The follow-up cases an append opened (docs/closing-the-loop.md, "Cases of appended
    responses"): how many, the map that assigned their roles, or why none could open."""

    opened: int
    map_id: uuid.UUID | None = Field(description="The map whose touchpoints and roles "
                                                  "assigned the cases (null: none known).")
    map_version: int | None
    note: str | None = Field(description="Why no case, or which rule, was left out.")


class AppendOut(BaseModel):
    """What an append did: responses added, responses already stored (skipped), the
    follow-up cases opened for the new responses, and the dataset as it is now."""

    appended: int
    skipped: int
    cases: AppendCasesOut
    dataset: DatasetOut


# ------------------------------------------------------------------------ fits
class PeriodWindow(BaseModel):
    """Fit only the responses dated in a window: its days, or a rule such as
    ``last-90-days`` resolved against the newest response date when the fit runs
    (docs/continuous-measurement.md)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date | None = Field(default=None, alias="from",
                               description="First day included (default: the first date).")
    to: date | None = Field(default=None, description="Last day included (default: the last "
                                                      "date).")
    window: Annotated[str, StringConstraints(max_length=40)] | None = Field(
        default=None, description="Instead of from/to: last-N-days or last-N-months up to the "
                                  "newest response date, e.g. last-90-days.")
    date_column: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(
        default="date", description="The column with the response's date.")

    @model_validator(mode="after")
    def _from_before_to(self) -> PeriodWindow:
        from journeymap.analysis.trend import check_window_rule
        from journeymap.exceptions import JourneymapError

        if self.window is not None:
            if self.from_ is not None or self.to is not None:
                raise ValueError("give a period's 'window' rule or its 'from'/'to' days, "
                                 "not both.")
            try:
                check_window_rule(self.window)
            except JourneymapError as exc:
                raise ValueError(str(exc)) from None
            self.window = self.window.strip().lower()
            return self
        if self.from_ is None and self.to is None:
            raise ValueError("a period needs 'from', 'to' or both, or a 'window' rule such "
                             "as last-90-days.")
        if self.from_ is not None and self.to is not None and self.from_ > self.to:
            raise ValueError(f"the period's 'from' ({self.from_}) is after its 'to' "
                             f"({self.to}).")
        return self


class FitOptions(BaseModel):
    """Options passed to the library's engine."""

    model_config = ConfigDict(extra="forbid")

    min_responses: int = Field(default=DEFAULT_MIN_RESPONSES, ge=MIN_RESPONSES_FLOOR,
                               le=10_000_000,
                               description="Fewest responses for any figure (never below 10, "
                                           "docs/method.md, 'Minimum responses').")
    survey_type: Literal["relational", "transactional"] | None = Field(
        default=None, description="Required when the data hold both kinds.")
    bootstrap: int = Field(default=0, ge=0, le=10_000,
                           description="Bootstrap replicates for the intervals of totals "
                                       "and role influence (0: delta method).")
    random_state: int = Field(default=0, ge=0, le=2**31 - 1,
                              description="Seed of the bootstrap (used when bootstrap > 0) "
                                          "and of the bayesnet engine's posterior draws.")
    se: Literal["hc3", "classical"] | None = Field(
        default=None, description="linear: the coefficients' standard errors — 'hc3' "
                                  "(heteroskedasticity-consistent, the default; HC1 when the "
                                  "service streams a large file) or 'classical' "
                                  "(docs/method.md, 'Standard errors').")
    # The bayesnet engine's options (docs/method.md §9); null = the engine's default.
    bins: Annotated[int, Field(ge=2)] | Literal["auto", "all"] | None = Field(
        default=None, description="bayesnet: states per rating — 'auto' (chosen from n, the "
                                  "default; docs/method.md, '9.8 Sparse data'), 'all' (every "
                                  "scale point) or at most this many (2 or more).")
    ess: FiniteFloat | None = Field(default=None, gt=0,
                                    description="bayesnet: equivalent sample size of the BDeu "
                                                "prior (default 10).")
    ltr_states: Literal["11", "classes"] | None = Field(
        default=None, description="bayesnet: LTR as its 11 answers (default) or as the 3 NPS "
                                  "classes.")
    draws: int | None = Field(default=None, ge=0, le=MAX_BAYESNET_DRAWS,
                              description="bayesnet: posterior draws for the 95 % intervals "
                                          "(default 200; 0: none; not 1).")

    period: PeriodWindow | None = Field(
        default=None, description="Fit only the responses dated in this window.")

    @model_validator(mode="after")
    def _one_draw_is_no_interval(self) -> FitOptions:
        if self.draws == 1:
            raise ValueError("draws must be 0 (no intervals) or from 2 to "
                             f"{MAX_BAYESNET_DRAWS:,}, not 1.")
        return self

    def bayesnet_options(self) -> dict[str, Any]:
        """The bayesnet options that were given (not null)."""
        return {k: v for k, v in (("bins", self.bins), ("ess", self.ess),
                                  ("ltr_states", self.ltr_states), ("draws", self.draws))
                if v is not None}


class FitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    map_id: uuid.UUID
    map_version: int | None = Field(default=None, ge=1, le=2**31 - 1,
                                    description="Default: the map's latest version.")
    dataset_id: uuid.UUID
    engine: Annotated[str, StringConstraints(min_length=1, max_length=50)] = "linear"
    options: FitOptions = Field(default_factory=FitOptions)

    @model_validator(mode="after")
    def _bayesnet_options_need_that_engine(self) -> FitCreate:
        given = self.options.bayesnet_options()
        if given and self.engine != "bayesnet":
            raise ValueError(f"options {', '.join(given)} are for the bayesnet engine, not "
                             f"'{self.engine}'.")
        if self.options.se is not None and self.engine == "bayesnet":
            raise ValueError("option se is for the linear engine: the bayesnet engine's "
                             "intervals come from its posterior draws.")
        if self.options.bootstrap and self.engine == "bayesnet":
            raise ValueError("option bootstrap is for the linear engine: the bayesnet "
                             "engine's intervals come from its posterior draws (option "
                             "draws).")
        return self


class NPSOut(_Open):
    value: float | None = Field(description="NPS, 100 · (promoters − detractors) / n.")
    ci: Interval
    promoters: int
    passives: int
    detractors: int
    n: int


class EdgeOut(_Open):
    from_: str = Field(alias="from")
    to: str
    estimate: float | None
    se: float | None
    ci: Interval | None
    p_value: float | None
    standardized: float | None
    n: int | None
    share: float | None
    expected: Literal["+", "-"] | None
    agrees: bool | None


class EffectOut(_Open):
    node: str
    direct: float | None
    indirect: float | None
    total: float | None
    total_ci: Interval | None
    nps_points: float | None


class PathOut(_Open):
    nodes: list[str]
    effect: float | None


class RoleOut(_Open):
    role: str
    influence: float | None
    influence_ci: Interval | None
    direct: float | None
    indirect: float | None
    nps_points: float | None
    nps_points_ci: Interval | None = None
    paths: list[PathOut]


class FitResultOut(_Open):
    """The FitResult JSON (docs/result-schema.md), as ``journeymap fit --json`` prints it."""

    schema_version: int
    engine: str
    map: str
    n_responses: int
    nps: NPSOut
    edges: list[EdgeOut]
    effects: list[EffectOut]
    roles: list[RoleOut]
    warnings: list[str]
    alphas: dict[str, float | None] = Field(
        default_factory=dict, description="Cronbach's alpha of each composite node's items "
                                          "(null when it cannot be computed).")
    map_check: dict[str, Any] | None = Field(
        default=None, description="The quick check of the map against the data (rejected, "
                                  "warning, fit_indices, tested, disagreements), or null "
                                  "when it did not run (docs/result-schema.md).")


class FitErrorOut(BaseModel):
    type: str
    title: str
    detail: str = Field(description="The library's message (what is wrong, where, and what "
                                    "would be valid).")


class FitWindowOut(BaseModel):
    """The date window a fit read, resolved when the fit ran."""

    model_config = ConfigDict(populate_by_name=True)

    from_: date | None = Field(alias="from", description="First day included (null: open).")
    to: date | None = Field(description="Last day included (null: open).")
    window: str | None = Field(description="The rule it was resolved from (last-90-days), or "
                                           "null for days given.")
    date_column: str
    n_rows: int = Field(description="Rows dated in the window.")


class FitOut(BaseModel):
    id: uuid.UUID
    status: FitStatusName
    map_id: uuid.UUID
    map_version: int
    dataset_id: uuid.UUID
    engine: str
    options: FitOptions
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: FitErrorOut | None = Field(description="Set when status is failed.")
    result: FitResultOut | None = Field(description="The FitResult JSON when status is done "
                                                    "(omitted in lists).")
    data_rows: int | None = Field(
        default=None, description="The dataset's rows when the fit was made: the fit and "
                                  "every page of it read the first data_rows rows of the "
                                  "stored file, never responses appended later.")
    window: FitWindowOut | None = Field(
        default=None, description="The date window the fit read (options.period), resolved "
                                  "when it ran.")
    refreshed_from: uuid.UUID | None = Field(
        default=None, description="The fit this one refreshed (POST /v1/fits/{id}/refresh).")


class FitsOut(BaseModel):
    data: list[FitOut]
    count: int


class DriverOut(_Open):
    node: str
    label: str
    kind: str
    stage: str | None
    direct: float | None
    indirect: float | None
    total: float | None = Field(description="LTR points per scale point of the node.")
    total_ci_low: float | None
    total_ci_high: float | None
    nps_points: float | None = Field(description="NPS points when everyone below the top "
                                                 "does one scale point better "
                                                 "(docs/method.md, 'NPS points').")
    nps_points_ci_low: float | None
    nps_points_ci_high: float | None
    mean: float | None
    n: float | None
    direct_ci_low: float | None = Field(default=None, description="95 % interval of the "
                                                                  "direct effect.")
    direct_ci_high: float | None = None
    indirect_ci_low: float | None = Field(default=None, description="95 % interval of the "
                                                                    "indirect effect.")
    indirect_ci_high: float | None = None


class DriversOut(BaseModel):
    fit_id: uuid.UUID
    nps: NPSOut
    drivers: list[DriverOut] = Field(description="Largest absolute NPS points first, as "
                                                 "`journeymap drivers --json`.")


class RoleSummaryOut(_Open):
    label: str
    role: str
    influence: float | None
    influence_ci: Interval | None
    direct: float | None
    indirect: float | None
    nps_points: float | None
    nps_points_ci: Interval | None
    nps: float | None = None
    nps_after: float | None = Field(default=None,
                                    description="NPS if the role did one point better.")
    nps_after_ci: Interval | None = None


class RolesOut(BaseModel):
    fit_id: uuid.UUID
    roles: list[RoleSummaryOut]


class RolePathOut(_Open):
    route: str
    nodes: list[str]
    effect: float | None
    nps_points: float | None
    nps_points_ci: Interval | None = Field(
        default=None, description="95 % interval of the route's NPS points (delta method or "
                                  "bootstrap, as the fit's uncertainty says).")
    direct: bool


class ActsOnOut(_Open):
    node: str
    label: str
    share: float | None
    role_part: float | None = Field(
        default=None, description="The role's NPS points through this node (its routes' "
                                  "parts); the parts add up to the role's nps_points.")
    total: float | None
    nps_points: float | None = Field(description="The node's own NPS points (everyone below "
                                                 "the top rating it alone one point higher): "
                                                 "not a part of the role's.")


class RoleInfluenceOut(_Open):
    """``journeymap influence ROLE --json`` plus a plain-language explanation."""

    fit_id: uuid.UUID
    role: str
    label: str
    influence: float | None = Field(description="LTR points when the role does one point "
                                                "better on everything it acts on.")
    influence_ci: Interval | None
    direct: float | None
    indirect: float | None
    nps_points: float | None = Field(description="NPS points when the role does one point "
                                                 "better: the what-if {role: 1} "
                                                 "(docs/method.md §5).")
    nps_points_ci: Interval | None
    nps: float | None = Field(default=None, description="The fit's NPS now.")
    nps_after: float | None = Field(default=None,
                                    description="NPS if the role did one point better.")
    nps_after_ci: Interval | None = None
    paths: list[RolePathOut]
    acts_on: list[ActsOnOut]
    explanation: str


class WhatIfRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shifts: dict[NodeId, FiniteFloat] = Field(
        min_length=1, max_length=200,
        description="Node or role id → shift in that node's scale points, e.g. "
                    '{"delivery": 1, "billing": 0.5}.')


class WhatIfOut(_Open):
    fit_id: uuid.UUID
    shifts: dict[str, float]
    mean_ltr: float
    predicted_mean_ltr: float
    nps: float
    nps_ci: Interval
    predicted_nps: float
    predicted_nps_ci: Interval
    change: float
    change_ci: Interval
    n: int
    nps_after: float | None = Field(default=None, description="The same as predicted_nps.")
    nps_after_ci: Interval | None = None
    warnings: list[str] = Field(
        default_factory=list, description="Plain warnings about the prediction, e.g. a "
                                          "shifted node whose effect the bayesnet engine "
                                          "could not estimate (docs/method.md, '9.8 Sparse "
                                          "data').")


# ----------------------------------------------------------------- share links
class ShareCreate(BaseModel):
    """How long a new share link works."""

    model_config = ConfigDict(extra="forbid")

    expires_in_days: int = Field(
        default=SHARE_LINK_DEFAULT_DAYS, ge=1, le=SHARE_LINK_MAX_DAYS,
        description=f"Days the link works (default {SHARE_LINK_DEFAULT_DAYS}, "
                    f"at most {SHARE_LINK_MAX_DAYS}).")


class ShareOut(BaseModel):
    """A new share link.  ``url`` holds the token: it is shown this once, never again."""

    url: str = Field(description="Opens the role's page, card and map without a key.")
    token_id: uuid.UUID = Field(description="The link's id, to list or revoke it.")
    fit_id: uuid.UUID
    role: str | None = Field(description="The one role the link opens; null: every "
                                         "role's page of the fit (a viewer link).")
    created_at: datetime
    expires_at: datetime


class ShareLinkOut(BaseModel):
    """A share link as listed (without its token, which is never stored)."""

    token_id: uuid.UUID
    fit_id: uuid.UUID
    role: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    status: Literal["active", "expired", "revoked"]


class SharesOut(BaseModel):
    shares: list[ShareLinkOut]


class CaseOut(BaseModel):
    """A follow-up case (docs/closing-the-loop.md): linked to the answers only by
    ``response_id``; no comment, contact detail or name."""

    id: uuid.UUID
    dataset_id: uuid.UUID
    fit_id: uuid.UUID | None
    response_id: str
    reasons: list[str]
    ltr: int
    touchpoint: str | None
    role: str | None
    contact_ok: bool
    status: Literal["open", "contacted", "closed"]
    note: str | None
    opened_at: datetime
    due_at: datetime
    contacted_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime


class CasesOut(BaseModel):
    """One page of cases, soonest due first (docs/api.md, "Conventions")."""

    cases: list[CaseOut]
    count: int = Field(description="Cases matching the filters, on every page.")
    next: str | None = Field(default=None, description=(
        "The address of the next page (the same filters); null on the last page."))


class CaseUpdate(BaseModel):
    """A status change (open → contacted → closed; closing needs a note) and/or a note."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "contacted", "closed"] | None = None
    note: Annotated[str, StringConstraints(max_length=5000)] | None = None


class CaseStatOut(BaseModel):
    """Closed-loop figures of a role in a month (rate and median ``None`` when fewer cases
    than the minimum)."""

    role: str | None
    month: str
    n_opened: int
    n_closed: int
    closed_loop_rate: float | None
    median_hours_to_close: float | None
    suppressed: bool


class CaseStatsOut(BaseModel):
    min_cases: int
    stats: list[CaseStatOut]


class CaseRulesIn(BaseModel):
    """The workspace's rules for opening cases (``PUT /v1/workspace/case-rules``): a
    field left out takes the library's default (docs/closing-the-loop.md).  The library
    checks the values (e.g. a non-positive SLA is one 422 naming it)."""

    model_config = ConfigDict(extra="forbid", strict=True)  # false is no number

    detractor: bool = Field(default=True, description="Every detractor (LTR 0–6) makes a case.")
    bottom_rating: bool = Field(default=True, description="A touchpoint rated at the bottom "
                                                          "of its scale makes a case.")
    value_column: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Column of the account's value (e.g. revenue); names it to "
                                  "turn the valuable-account rule on.")
    value_threshold: float = Field(default=0.0, description="A value at least this is a "
                                                            "valuable account.")
    value_max_ltr: int = Field(default=8, description="A valuable account's case opens at "
                                                      "this score or lower.")
    sla_hours: dict[Annotated[str, StringConstraints(max_length=50)], float] = Field(
        default_factory=dict, description="Hours until a case is due, per reason "
                                          "(detractor, valuable_low, bottom_rating); a reason "
                                          "left out keeps its default.")


class CaseRulesOut(BaseModel):
    """The rules cases open by in this workspace; ``updated_at`` null: the defaults."""

    detractor: bool
    bottom_rating: bool
    value_column: str | None
    value_threshold: float
    value_max_ltr: int
    sla_hours: dict[str, float]
    updated_at: datetime | None


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class WebhookOut(BaseModel):
    """A webhook URL (without its secret) and its deliveries by status."""

    id: uuid.UUID
    url: str
    created_at: datetime
    pending: int
    delivered: int
    failed: int


class WebhookCreated(BaseModel):
    """A new webhook URL with its signing secret — shown this once."""

    id: uuid.UUID
    url: str
    created_at: datetime
    secret: str


class WebhooksOut(BaseModel):
    webhooks: list[WebhookOut]


class WebhookDeliveryOut(BaseModel):
    """One event sent (or being sent) to a webhook URL."""

    id: uuid.UUID
    case_id: uuid.UUID
    seq: int
    event: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class WebhookDeliveriesOut(BaseModel):
    """One page of a webhook URL's delivery log, oldest first (docs/api.md, "Conventions")."""

    deliveries: list[WebhookDeliveryOut]
    count: int = Field(description="Deliveries of the URL, on every page.")
    next: str | None = Field(default=None, description=(
        "The address of the next page; null on the last page."))


class WebhookRetryOut(BaseModel):
    queued: int


class WebhookReplayOut(BaseModel):
    """How many cases the URL never got were queued to it (``case.replayed``)."""

    queued: int
