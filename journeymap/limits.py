"""Every limit and floor the library enforces, in one place.

Front ends (CLI, Python, HTTP API, web pages) read these names instead of keeping
their own copies, so a hostile or accidental input meets the same limit whichever way
it arrives.  The reasons and the numbers are documented in ``docs/security.md``
(resource limits) and ``docs/method.md`` (minimum responses, collinearity).
"""

from __future__ import annotations

from .exceptions import JourneymapError

__all__ = [
    "BAYESNET_MAX_THIN_SHARE",
    "BAYESNET_MIN_CELL_ROWS",
    "BAYESNET_ROWS_PER_COMBINATION",
    "BODY_TIMEOUT_SECONDS",
    "BOOTSTRAP_UNITS",
    "CASES_MAX_ROWS",
    "CONSTANT_TOLERANCE",
    "DATABASE_FILE_MODE",
    "DEFAULT_CHUNK_ROWS",
    "DEFAULT_MIN_RESPONSES",
    "FIT_CHUNK_ROWS",
    "FIT_RECHECK_SECONDS",
    "FIT_RETRY_AFTER_SECONDS",
    "HC3_BOUND_TOLERANCE",
    "HEADER_TIMEOUT_SECONDS",
    "KEEP_ALIVE_SECONDS",
    "MAX_BAYESNET_DRAWS",
    "MAX_BODY_BYTES",
    "MAX_BOOTSTRAP",
    "MAX_CHUNK_ROWS",
    "MAX_CONCURRENCY",
    "MAX_CONDITION_NUMBER",
    "MAX_DESCRIPTION_CHARS",
    "MAX_DOT_BYTES",
    "MAX_DRAWN_TEXT",
    "MAX_EXPORT_EXOGENOUS",
    "MAX_FONT_SCALE",
    "MAX_HEADER_BYTES",
    "MAX_ID_CHARS",
    "MAX_LABEL_CHARS",
    "MAX_LISTED_CONFLICTS",
    "MAX_MAP_ALIASES",
    "MAX_MAP_BYTES",
    "MAX_MAP_DEPTH",
    "MAX_MAP_EDGES",
    "MAX_MAP_ELEMENTS",
    "MAX_MAP_NODES",
    "MAX_OPPORTUNITIES",
    "MAX_PDF_CARD_ROUTES",
    "MAX_PROBLEMS_LISTED",
    "MAX_QUESTION_CHARS",
    "MAX_QUEUED_FITS",
    "MAX_RENDERS_AT_ONCE",
    "MAX_RENDER_DPI",
    "MAX_RENDER_EDGES",
    "MAX_RENDER_NODES",
    "MAX_RENDER_SIDE",
    "MAX_UPLOAD_BYTES",
    "MIN_FONT_SCALE",
    "MIN_RENDER_DPI",
    "MIN_RESPONSES_FLOOR",
    "OUTPUT_FILE_MODE",
    "PAGE_SIZE_DEFAULT",
    "PAGE_SIZE_MAX",
    "QUICK_CHECK_MAX_CELLS",
    "QUICK_CHECK_MAX_NODES",
    "RENDER_TIMEOUT_S",
    "SPARK_BOOTSTRAP_GROUPS",
    "STREAM_FITS_ABOVE_BYTES",
    "UPLOAD_FILE_MODE",
    "WEBHOOK_BACKOFF_SECONDS",
    "WEBHOOK_MAX_ATTEMPTS",
    "WEBHOOK_MAX_BACKOFF_SECONDS",
    "WEBHOOK_MAX_ENDPOINTS",
    "WEBHOOK_REPLAY_SECONDS",
    "WEBHOOK_TIMEOUT_SECONDS",
    "check_min_responses",
]

# --- Minimum responses (docs/method.md, "Minimum responses") -------------------------
#: No figure about a segment, team or role is shown on fewer responses than this.
DEFAULT_MIN_RESPONSES = 30
#: The minimum may be configured, but never below this floor.
MIN_RESPONSES_FLOOR = 10


def check_min_responses(min_responses: int) -> None:
    """Raise :class:`~journeymap.exceptions.JourneymapError` when a configured minimum
    number of responses is below :data:`MIN_RESPONSES_FLOOR`.

    Every engine, analysis and renderer that takes ``min_responses`` calls this, so the
    floor and its message are the same everywhere.
    """
    if min_responses < MIN_RESPONSES_FLOOR:
        raise JourneymapError(
            f"the minimum number of responses (--min-responses) is {min_responses}; it may not "
            f"be set below {MIN_RESPONSES_FLOOR}: NPS on fewer answers is noise.")


# --- Constant and collinear columns (docs/method.md, "Constant and collinear columns") --
#: Columns whose correlation matrix has a larger condition number are collinear: no
#: regression, partial correlation or relative weight is computed on them (journeymap.lstsq).
MAX_CONDITION_NUMBER = 1e10
#: A column is constant when its centred sum of squares is at most this × max(1, the
#: largest centred sum of squares or cross-product of the columns solved together).
CONSTANT_TOLERANCE = 1e-12

# --- Standard errors (docs/method.md, "Standard errors") --------------------------------
#: An equation's HC3 covariance is bounded instead of computed row by row when the bound
#: on every row's leverage, h ≤ h̄, makes the factor (1 − h̄)⁻² exceed 1 by at most this:
#: the reported covariance is then (1 − h̄)⁻² × HC0's, at least HC3's and within this
#: share of it (journeymap.stats.hc3_bound_factors).
HC3_BOUND_TOLERANCE = 1e-3

# --- Bayesian-network engine (docs/method.md, "9.8 Sparse data") -----------------------
#: A parent combination of a table with fewer rows than this has too little data: there
#: the table is mostly BDeu's prior (a uniform guess), not answers.
BAYESNET_MIN_CELL_ROWS = 5
#: An effect, influence or edge is not estimable when more than this share of the
#: respondents its one-state shift moves land in combinations with too little data.
BAYESNET_MAX_THIN_SHARE = 0.2
#: ``bins="auto"`` (the default) keeps this many complete rows per parent combination of
#: every table on average: the most states per rating b with rows ≥ this × b^parents.
BAYESNET_ROWS_PER_COMBINATION = 10
# --- Bootstrap (docs/method.md, "Bootstrap") ------------------------------------------
#: Bootstrap units: an in-memory fit of at most this many rows resamples rows (the case
#: bootstrap); above, and for streamed data, rows are sent at random to this many groups
#: and groups are resampled.  The grouping then moves an interval's width by about
#: 1/sqrt(2 · 10,000) = 0.7 %, well below the 3 % Monte-Carlo error of 1,000 replicates.
BOOTSTRAP_UNITS = 10_000
#: Most bootstrap replicates of one fit (--bootstrap).
MAX_BOOTSTRAP = 100_000
#: Bootstrap groups of a Spark fit by default: every partition sends the driver its
#: groups' moments, so fewer than BOOTSTRAP_UNITS keep the driver's memory small.
SPARK_BOOTSTRAP_GROUPS = 2_000

# --- Streaming (docs/performance.md) -----------------------------------------------------
#: Rows per chunk when data are read chunk by chunk (memory stays flat whatever the file size).
DEFAULT_CHUNK_ROWS = 50_000

# --- Map files (docs/security.md, "Map files") -----------------------------------------
#: Largest map file (or map text sent to the API) that is read, in bytes.
MAX_MAP_BYTES = 5_000_000
#: Most nodes in one map (a large workshop map has a few hundred).
MAX_MAP_NODES = 10_000
#: Most edges in one map.
MAX_MAP_EDGES = 50_000
#: Longest node id, in characters.
MAX_ID_CHARS = 100
#: Longest label, map name, stage or column name, in characters.
MAX_LABEL_CHARS = 200
#: Longest description (of the map or a node), in characters.
MAX_DESCRIPTION_CHARS = 5_000
#: Longest survey question of a node (``question:``), in characters.
MAX_QUESTION_CHARS = 500
#: Deepest nesting of lists and mappings (the map format itself needs 4 levels).
MAX_MAP_DEPTH = 20
#: Most YAML aliases (``*name``) in one map text.
MAX_MAP_ALIASES = 1_000
#: Most YAML/JSON elements (scalars, lists, mappings) of a map text, counting every use
#: of an alias as a copy of what it names.
MAX_MAP_ELEMENTS = 500_000
#: Problems listed in one error; the rest are counted ("… and 12 more").
MAX_PROBLEMS_LISTED = 20

# --- Survey data files (docs/security.md, "Survey data") -------------------------------

# --- Rendering (docs/security.md, "Rendering") -----------------------------------------
#: Most nodes graphviz is asked to draw in one picture (a journey-shaped map of this size
#: takes graphviz ``dot`` about 4 s on one core; larger maps grow faster than linearly).
MAX_RENDER_NODES = 400
#: Most edges graphviz is asked to draw in one picture.
MAX_RENDER_EDGES = 1_000
#: Longest text drawn in one piece (a label, a title, a tooltip), in characters; longer
#: text is cut and ends in "…" (graphviz cannot read a string of more than 16,384).
MAX_DRAWN_TEXT = 500
#: Largest DOT text handed to graphviz, in bytes.
MAX_DOT_BYTES = 2_000_000
#: Seconds graphviz may take for one picture before it is stopped.
RENDER_TIMEOUT_S = 30.0
#: graphviz processes run at once by one Python process (others wait, at most the timeout).
MAX_RENDERS_AT_ONCE = 2
#: Longest side of a drawn picture: pixels of a PNG, CSS pixels of an SVG, points of a
#: PDF (``render --width/--height``); a PNG is also scaled down to fit it, so a picture
#: never needs more than this squared × 4 bytes (144 MB) of graphviz's memory.
MAX_RENDER_SIDE = 6_000
#: Fewest and most pixels per inch of a PNG (``render --dpi``; 150 by default).
MIN_RENDER_DPI = 36
MAX_RENDER_DPI = 600
#: Smallest and largest factor on every font size of a drawing (``render --font-scale``).
MIN_FONT_SCALE = 0.5
MAX_FONT_SCALE = 4.0
#: Most routes a role's card may list to be written as PDF (``card --format pdf``, the
#: web's card.pdf): WeasyPrint lays out about 36 routes a second while it holds the
#: interpreter, and a card of thousands of routes is tens of pages (2,177 routes: 38 pages,
#: 61 s); such a card stays HTML.
MAX_PDF_CARD_ROUTES = 200

# --- The check that runs with every fit (docs/method.md §10.6) ---------------------------
#: Most measured nodes for which every in-memory linear fit also tests the map's implied
#: independences (their number grows with the square of the nodes); above it the fit
#: checks the global fit indices only, and ``journeymap check`` does the rest.
QUICK_CHECK_MAX_NODES = 40
#: With blank answers each implication is tested on its own rows (as ``journeymap check``);
#: the fit does so while responses × implications stays within this, else global fit only.
QUICK_CHECK_MAX_CELLS = 20_000_000

# --- Exports (docs/security.md, "Rendering", exports) -----------------------------------
#: Most nodes without measured parents whose variances and covariances the lavaan / semopy
#: export writes one ``a ~~ b`` line each (k(k + 1)/2 lines: 20,100 at 200); beyond it a
#: comment says how to free them instead of megabytes of lines.
MAX_EXPORT_EXOGENOUS = 200

# --- Files written (docs/security.md, "Files written") ----------------------------------
#: Permission bits of a new file the command line or the library writes (owner writes,
#: everyone reads), narrowed by the process umask; a replaced file keeps its own bits.
OUTPUT_FILE_MODE = 0o644
#: Most rows per chunk a streamed fit may ask for (``fit --chunk-rows``): a chunk of 30
#: columns is then about 2.4 GB of float64, and streaming exists to keep memory flat;
#: numbers beyond 2**31 overflowed the readers' 32-bit batch size (an internal error).
MAX_CHUNK_ROWS = 10_000_000

# --- Service (docs/security.md, "Service") ----------------------------------------------
#: Largest survey file uploaded to the HTTP service (bytes; JOURNEYMAP_MAX_UPLOAD_BYTES).
MAX_UPLOAD_BYTES = 200 * 2**20
#: Largest body of any other request (JSON, forms), in bytes (JOURNEYMAP_MAX_BODY_BYTES).
#: Twice the largest map, so that a map of MAX_MAP_BYTES still fits once JSON-escaped.
MAX_BODY_BYTES = 2 * MAX_MAP_BYTES
#: Seconds a connection has to send a request's headers (serve --header-timeout).
HEADER_TIMEOUT_SECONDS = 10.0
#: Longest request line with headers, in bytes (longer: 431 and the connection closed).
MAX_HEADER_BYTES = 16 * 1024
#: Seconds an idle keep-alive connection stays open (serve --timeout-keep-alive).
KEEP_ALIVE_SECONDS = 5
#: Seconds a request body may stall between two of its parts (JOURNEYMAP_BODY_TIMEOUT_SECONDS).
BODY_TIMEOUT_SECONDS = 30.0
#: Connections and requests in flight per server process before it answers 503
#: (serve --limit-concurrency).
MAX_CONCURRENCY = 512
#: Fits waiting for a fit thread per server process before POST /v1/fits answers 503
#: with Retry-After (JOURNEYMAP_MAX_QUEUED_FITS).
MAX_QUEUED_FITS = 16
#: The Retry-After of a refused fit, in seconds.
FIT_RETRY_AFTER_SECONDS = 30
#: Most posterior draws of a bayesnet fit (``--draws``, the API's ``draws``): each draw is
#: a copy of every table (the outcome's by its NPS classes).
MAX_BAYESNET_DRAWS = 2_000
#: Stored files larger than this are fitted chunk by chunk (linear engine; CSV, TSV,
#: Parquet), so a fit's memory does not grow with the file (JOURNEYMAP_STREAM_FITS_ABOVE_BYTES).
STREAM_FITS_ABOVE_BYTES = 16 * 2**20
#: Rows per chunk of a streamed fit, and how often a running fit checks for cancellation.
FIT_CHUNK_ROWS = 50_000
#: Seconds a server process answers a finished fit's analyses from memory before it asks
#: the database again whether the fit still exists (deleted through another process).
FIT_RECHECK_SECONDS = 10.0
#: Permissions of the files the service creates: the SQLite database and uploads.
DATABASE_FILE_MODE = 0o600
UPLOAD_FILE_MODE = 0o640
#: Days a role share link works when its creator names no expiry, and the most allowed.
SHARE_LINK_DEFAULT_DAYS = 30
SHARE_LINK_MAX_DAYS = 365
#: Response ids a refused append (409: ids already stored with other answers) lists in its
#: message and its ``conflicts`` field; ``n_conflicts`` counts them all.
MAX_LISTED_CONFLICTS = 50
#: Items of one page of a paged list (maps, datasets, fits, cases, a webhook's deliveries)
#: when ``limit`` is not given, and the most one page may ask for (``limit`` above: 422).
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 200

# --- Pipeline (docs/security.md, "Pipeline opportunities") ---------------------------
#: Most rows of one opportunities file (``journeymap pipeline``, ``POST
#: /v1/fits/{id}/pipeline``): the file is read whole into memory and joined to the survey;
#: a CRM export of a whole sales organisation's open pipeline has a few thousand.
MAX_OPPORTUNITIES = 100_000

# --- Follow-up cases and webhooks (docs/security.md, "Follow-up cases and webhooks") ---
#: The service opens cases from a fit's dataset only up to this many rows (it reads the
#: rows into memory; a larger dataset gets no cases and the log says so).
CASES_MAX_ROWS = 200_000
#: Attempts of one webhook delivery before it is marked failed (a retry starts again).
WEBHOOK_MAX_ATTEMPTS = 8
#: The first retry waits this long; each next one twice as long ...
WEBHOOK_BACKOFF_SECONDS = 30.0
#: ... but never longer than this.
WEBHOOK_MAX_BACKOFF_SECONDS = 3_600.0
#: One attempt waits this long for the receiver's answer.
WEBHOOK_TIMEOUT_SECONDS = 10.0
#: Webhook URLs per workspace.
WEBHOOK_MAX_ENDPOINTS = 10
#: Receivers should refuse a signed timestamp older than this (replay protection).
WEBHOOK_REPLAY_SECONDS = 300
