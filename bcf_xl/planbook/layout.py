"""The planning workbook's one layout: every sheet, input table, field, defined name and format.

The builder, the reader, the macros and the tests all work from this module; no cell address of
the planning workbook is written anywhere else. Input tables have a header row and a fixed number
of rows; each table's data rows carry a defined name (``Schemes``, ``Funding``...) so that macros
and officers can find them.
"""

from __future__ import annotations

from types import MappingProxyType

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.files import MAX_SCHEME_ROWS
from bcf_xl.workbook.placement import Placement

# The one layout vocabulary (kinds of field, fields, tables, lines) is the toolkit's.
from bcf_xl.workbook.references import absolute
from bcf_xl.workbook.tables import (
    CHOICE as CHOICE,
    MONEY as MONEY,
    NUMBER as NUMBER,
    RATE as RATE,
    SHARE as SHARE,
    SIGNED_MONEY as SIGNED_MONEY,
    TEXT as TEXT,
    WHOLE as WHOLE,
    Field as Field,
    Lines as Lines,
    Table as Table,
    one_a_row as one_a_row,
    quote as quote,
    year_keys as year_keys,
)

COVER = "Cover"
FUNDING = "Funding"
SCHEMES = "Schemes"
POOLS = "Pools"
DFG = "DFG"
METRICS = "Metrics"
AGE_BANDS = "Falls by age band"
RISK = "Risk & year end"
SPEND = "Spend actuals"
PROGRESS = "Quarterly progress"
CHECKS = "Checks"
DASHBOARD = "Dashboard"
LISTS = "Lists"
POLICY = "Policy"
CONF = "xlwings.conf"
SHEETS = (
    COVER,
    FUNDING,
    SCHEMES,
    POOLS,
    DFG,
    METRICS,
    AGE_BANDS,
    RISK,
    SPEND,
    PROGRESS,
    CHECKS,
    DASHBOARD,
    LISTS,
    POLICY,
    CONF,
)
TITLE_CELL = "A1"  # every sheet's title


# --- Cover -------------------------------------------------------------------------------------------

COVER_FIELDS = (
    Field("area", "Health and Wellbeing Board area", TEXT, required=True),
    Field("area_kind", "Area type", CHOICE, "area_kinds", required=True),
    Field("year1", "First plan year (e.g. 2025-26)", TEXT, required=True),
    Field("year2", "Second plan year (blank for a one-year plan)", TEXT),
    Field("completed_by", "Completed by"),
    Field("job_title", "Job title"),
    Field("email", "E-mail"),
    Field("telephone", "Telephone"),
    Field("signed_off_by", "Signed off on behalf of the HWB by"),
    Field("sign_off_date", "Date of HWB sign-off (YYYY-MM-DD)"),
)
COVER_NOTE_CELL = "A2"  # how to read the colours, under the title
COVER_LINES = Lines(COVER, "B", ("C",), one_a_row(4, (f.key for f in COVER_FIELDS)))
BUTTON_CELLS = {
    "GenerateSubmission": "F4",
    "CheckPlan": "F7",
    "RollForward": "F10",
    "GenerateQuarterlyReturn": "F13",
    "GenerateYearEndReturn": "F16",
}
BUTTON_CAPTIONS = {
    "GenerateSubmission": "Generate submission",
    "CheckPlan": "Check plan",
    "RollForward": "Roll forward",
    "GenerateQuarterlyReturn": "Generate quarterly return",
    "GenerateYearEndReturn": "Generate year-end return",
}
# The period the returns report, under the Cover's fields: blank takes the latest with actuals.
REPORT_FIELDS = (
    Field("report_year", "Plan year to report (blank: the latest with actuals)", TEXT),
    Field("report_quarter", "Quarter to report, 1 to 4 (blank: the latest with actuals)", WHOLE),
)
# The period typed in C; beside it in D, grey, the period the returns and the actuals' computed cells use.
REPORT_LINES = Lines(COVER, "B", ("C", "D"), one_a_row(14, (f.key for f in REPORT_FIELDS)))
PARTNERS = Table(
    COVER,
    "Partners",
    16,
    8,
    (
        Field("partner_id", "Partner ID", required=True, width=14),
        Field("name", "Partner", required=True, width=44),
        Field("kind", "Type", CHOICE, "partner_kinds", required=True),
        Field("chief_executive", "Chief executive (signs off)", width=30),
    ),
    first_column=2,
    record="partner",
)
INSTRUCTIONS = Lines(COVER, "B", first_row=27)  # how to use the workbook, one paragraph a row
CONDITIONS = Table(
    COVER,
    "Conditions",
    35,
    6,
    (
        Field("code", "National condition (code, e.g. NC1)", width=40),
        Field("explanation", "Explanation", TEXT, width=46),
        Field("met", "Met? (Yes/No)", CHOICE, "yes_no"),
    ),
    first_column=2,
    record="condition",
)


# Who signs the plan off by role, as NHS England's 2025-26 template asks (each partner's chief executive is in
# the Partners table), below the conditions.
SIGN_OFF_HEADING_ROW = 43
SIGN_OFF_FIELDS = (
    Field("hwb_chair", "Chair of the Health and Wellbeing Board"),
    Field("director_asc", "Director of Adult Social Services"),
    Field("section151", "Section 151 officer of the council"),
    Field("hwb_signed_off", "Signed off by the HWB at submission? (Yes/No)", CHOICE, "yes_no"),
)
SIGN_OFF_LINES = Lines(COVER, "B", ("C",), one_a_row(SIGN_OFF_HEADING_ROW + 1, (f.key for f in SIGN_OFF_FIELDS)))


def cover_cell(key: str) -> str:
    """The input cell of a Cover field (the sign-off roles included)."""
    return SIGN_OFF_LINES.cell(key) if key in SIGN_OFF_LINES.rows else COVER_LINES.cell(key)


# --- Funding -----------------------------------------------------------------------------------------

YEARS = 2  # the planning workbook always has room for two plan years

SOURCES = Table(
    FUNDING,
    "Funding",
    3,
    20,
    (
        Field("source_id", "Source ID", required=True, width=12),
        Field("kind", "Funding source", CHOICE, "source_kinds", required=True, width=38),
        Field("contributor", "Contributor (Partner ID)", CHOICE, "partner_ids", required=True, width=16),
        Field("description", "Description", width=44),
        Field("amount1", "Income, first year (£)", MONEY, width=18),
        Field("amount2", "Income, second year (£)", MONEY, width=18),
        Field("balance1", "Unspent, first year", NUMBER, width=16, computed=True),
        Field("balance2", "Unspent, second year", NUMBER, width=16, computed=True),
    ),
    record="source",
    aliases=(("amount", "amounts"),),
)
# Total income and total planned expenditure: label in A, first year in E, second in F.
FUNDING_TOTALS = Lines(FUNDING, "A", ("E", "F"), one_a_row(24, ("income", "expenditure")))
FUNDING_TOTALS_ROW = FUNDING_TOTALS.rows["income"]  # the first totals row
MINIMUM_LINES = (
    ("asc_prior", "NHS contribution to adult social care in the year before the plan (£)"),
    ("uplift", "Uplift rate (a fraction: 0.039 for 3.9%)"),
    ("asc_calculated", "ASC minimum, calculated (bcf_uplift)"),
    ("asc_agreed", "ASC minimum, agreed or published where it differs (£)"),
    ("asc_required", "ASC minimum required"),
    ("asc_planned", "Planned NHS contribution to adult social care"),
    ("asc_shortfall", "Shortfall against the ASC minimum (bcf_shortfall)"),
    ("ooh_required", "Minimum NHS-commissioned out-of-hospital spend (£)"),
    ("ooh_planned", "Planned NHS-commissioned out-of-hospital spend"),
    ("ooh_shortfall", "Shortfall against the out-of-hospital minimum (bcf_shortfall)"),
)
MINIMUM_INPUTS = ("asc_prior", "asc_agreed", "ooh_required")  # the uplift rates are the national ones, grey
# The minimum spends below the totals: label in A, first year in E, second in F.
MINIMUMS = Lines(FUNDING, "A", ("E", "F"), one_a_row(26, (key for key, _ in MINIMUM_LINES)))


def minimum_cell(key: str, year_index: int) -> str:
    """The cell of a minimum-spend line in a plan year (the year before the plan has one cell, the first)."""
    return MINIMUMS.cell(key, 0 if key == "asc_prior" else year_index)


# --- Schemes -----------------------------------------------------------------------------------------

SCHEME_INPUTS = (
    Field("scheme_id", "Scheme ID", required=True, width=10),
    Field("name", "Scheme Name", required=True, width=34),
    Field("description", "Description", width=40),
    Field("scheme_type", "Scheme Type", CHOICE, "scheme_types", required=True, width=32),
    Field("sub_type", "Sub Type", CHOICE, "sub_types", width=30),
    Field("area_of_spend", "Area of Spend", CHOICE, "area_of_spend", required=True),
    Field("commissioner", "Commissioner", CHOICE, "commissioner", required=True),
    Field("nhs_share", "% NHS (joint)", SHARE, width=10),
    Field("provider", "Provider", CHOICE, "provider", required=True, width=24),
    Field("source", "Source ID", CHOICE, "source_ids", required=True, width=10),
    Field("amount1", "Planned, first year (£)", MONEY),
    Field("amount2", "Planned, second year (£)", MONEY),
    Field("status", "New/Existing", CHOICE, "status", required=True, width=11),
    Field("theme", "Theme", TEXT, width=24),
    Field("pool", "Pool ID", CHOICE, "pool_ids", width=9),
    Field("prior_year_budget", "Prior-year budget (£)", MONEY),
    Field("additional_investment", "Additional investment (£)", SIGNED_MONEY),
    Field("outturn1", "Outturn, first year (£)", MONEY),
    Field("outturn2", "Outturn, second year (£)", MONEY),
)
# Grey computed columns after the inputs: (key, header).
SCHEME_COMPUTED = (
    ("kind", "Funding source (from Funding)"),
    ("contributor", "Contributor (from Funding)"),
    ("nhs1", "NHS commissioned, first year"),
    ("nhs2", "NHS commissioned, second year"),
    ("la1", "LA commissioned, first year"),
    ("la2", "LA commissioned, second year"),
    ("spent1", "Spend, first year (outturn or plan)"),
)


def schemes_table(rows: int) -> Table:
    """The Schemes table with ``rows`` data rows, inputs then computed columns."""
    computed = tuple(
        Field(key, header, TEXT if key in ("kind", "contributor") else NUMBER, width=18, computed=True)
        for key, header in SCHEME_COMPUTED
    )
    return Table(SCHEMES, "Schemes", 3, rows, (*SCHEME_INPUTS, *computed), record="scheme", aliases=SCHEME_ALIASES)


SCHEME_ALIASES = (("amount", "amounts"),)


def scheme_rows_for(n_schemes: int) -> int:
    """Rows to give the Schemes table: the plan's schemes and room for more, at least 200 and at most the
    :data:`~bcf_xl.files.MAX_SCHEME_ROWS` the reader reads.

    Raises:
        BcfInputError: the plan has more schemes than that.
    """
    if n_schemes > MAX_SCHEME_ROWS:
        raise BcfInputError(
            Location(field="schemes"), f"the planning workbook has room for {MAX_SCHEME_ROWS:,}", f"{n_schemes:,}"
        )
    return min(MAX_SCHEME_ROWS, max(200, n_schemes + 100))


# --- Pools -------------------------------------------------------------------------------------------

POOL_TABLE = Table(
    POOLS,
    "Pools",
    3,
    6,
    (
        Field("pool_id", "Pool ID", required=True, width=10),
        Field("name", "Pool", required=True, width=40),
        Field("host", "Host (Partner ID)", CHOICE, "partner_ids", required=True, width=16),
        Field("risk_pool", "Risk pool?", CHOICE, "yes_no", width=10),
        Field("total1", "Planned, first year", NUMBER, width=18, computed=True),
        Field("total2", "Planned, second year", NUMBER, width=18, computed=True),
    ),
    record="pool",
    aliases=(("risk_pool", "is_risk_pool"),),
)
THEMES = Table(
    POOLS,
    "Themes",
    12,
    15,
    (
        Field("theme", "Theme", TEXT, width=40),
        Field("total1", "Planned, first year", NUMBER, width=18, computed=True),
        Field("total2", "Planned, second year", NUMBER, width=18, computed=True),
    ),
    first_column=2,
)
# Read-only views below the themes: (title, key of what each row shows).
VIEW_TITLES = {
    "partner": "By partner (contributor)",
    "source": "By funding source",
    "commissioner": "By commissioner",
    "area": "By area of spend",
}
# The views' lines: title or label (or a formula naming the line) in B, first year in C, second in D.
POOL_VIEWS = Lines(POOLS, "B", ("C", "D"), first_row=30)


# --- DFG ---------------------------------------------------------------------------------------------

# The grant received and the in-year top-up: label in B, first year in C, second in D.
DFG_LINES = Lines(DFG, "B", ("C", "D"), one_a_row(4, ("received", "top_up")))
DFG_NOTE_CELL = "B6"  # how a second year known only as a total is split
DISTRICTS = Table(
    DFG,
    "Districts",
    8,
    15,
    (
        Field("district_id", "District ID", required=True, width=10),
        Field("name", "District council", required=True, width=34),
        Field("allocation1", "Allocation, first year (£)", MONEY),
        Field("allocation2", "Allocation, second year (£)", MONEY),
        Field("retained1", "Retained by agreement, first year (£)", MONEY),
        Field("reference1", "Agreement reference, first year", TEXT, width=22),
        Field("retained2", "Retained by agreement, second year (£)", MONEY),
        Field("reference2", "Agreement reference, second year", TEXT, width=22),
        Field("top_up1", "Top-up share, first year (bcf_passport)", NUMBER, width=18, computed=True),
        Field("top_up2", "Top-up share, second year (bcf_passport)", NUMBER, width=18, computed=True),
        Field("passported1", "Passported, first year", NUMBER, width=18, computed=True),
        Field("passported2", "Passported, second year", NUMBER, width=18, computed=True),
        Field("split2", "Second year pro rata to the first (bcf_passport)", NUMBER, width=18, computed=True),
    ),
    record="district",
    aliases=(("allocation", "dfg_allocation"), ("reference", "agreement_reference")),
)
DISTRICT_INPUTS = (
    "district_id",
    "name",
    "allocation1",
    "allocation2",
    "retained1",
    "reference1",
    "retained2",
    "reference2",
)


# --- Metrics -----------------------------------------------------------------------------------------

# A rate metric's figures are typed as published (a rate per the row's "Rate per"); a percentage as 84.4% or
# 0.844. Counts with the population are optional: where both are given the rate is worked out from them.
VALUE_KEYS = ("baseline", "target", "actual", "forecast")
METRIC_TABLE = Table(
    METRICS,
    "Metrics",
    3,
    12,
    (
        Field("metric_id", "Metric ID", required=True, width=10),
        Field("national", "National metric (template code; blank for a local metric)", CHOICE, "national_metrics"),
        Field("name", "Metric", required=True, width=44),
        Field("polarity", "Better when", CHOICE, "polarities", required=True, width=16),
        Field("unit", "Unit", CHOICE, "units", required=True, width=20),
        Field("per", "Rate per (a rate's population base, e.g. 100000)", WHOLE, width=12),
        Field("baseline", "Baseline (a rate per 'Rate per', a % or a number)", NUMBER, width=13),
        Field("target", "Target (a rate per 'Rate per', a % or a number)", NUMBER, width=13),
        Field("actual", "Actual (a rate per 'Rate per', a % or a number)", NUMBER, width=13),
        Field("forecast", "Forecast (a rate per 'Rate per', a % or a number)", NUMBER, width=13),
        Field("population", "Population (optional for a rate: with counts the rate is worked out)", WHOLE, width=14),
        Field("population_source", "Population source and year", TEXT, width=28),
        Field("baseline_count", "Baseline count (optional, for a rate)", NUMBER, width=12),
        Field("target_count", "Target count (optional, for a rate)", NUMBER, width=12),
        Field("actual_count", "Actual count (optional, for a rate)", NUMBER, width=12),
        Field("forecast_count", "Forecast count (optional, for a rate)", NUMBER, width=12),
        Field("rag_rule", "RAG rule", CHOICE, "rag_rules", width=18),
        Field("tolerance", "Tolerance (0.05 = 5%)", NUMBER, width=11),
        Field("baseline_rate", "Baseline used (rate, % or number)", RATE, width=12, computed=True),
        Field("target_rate", "Target used (rate, % or number)", RATE, width=12, computed=True),
        Field("actual_rate", "Actual used (rated, bcf_rate)", RATE, width=12, computed=True),
        Field("rag", "RAG (bcf_rag)", TEXT, width=10, computed=True),
        Field("progress", "Progress (bcf_progress)", TEXT, width=16, computed=True),
        Field("actual_vs_target", "Actual as % of target", SHARE, width=11, computed=True),
    ),
    record="metric",
)
METRIC_INPUTS = tuple(f.key for f in METRIC_TABLE.fields if not f.computed)


# --- Falls by age band ---------------------------------------------------------------------------------

# Counts and populations per age band of the metric rated as a directly age-standardised rate (the
# falls metric, 65+): the metric's ID (label in A, value in B), then one row per band. The Metrics
# row of that metric rates its baseline, target, actual and forecast with bcf_dsr over the bands.
AGE_BAND_LINES = Lines(AGE_BANDS, "A", ("B",), one_a_row(3, ("metric_id",)))
BAND_COUNTS = ("baseline", "target", "actual", "forecast")
AGE_BAND_TABLE = Table(
    AGE_BANDS,
    "AgeBands",
    5,
    6,  # ESP2013's bands of people aged 65 and over: 65-69, 70-74, 75-79, 80-84, 85-89, 90+
    (
        Field("band", "Age band", TEXT, width=14),
        Field("population", "Population", WHOLE, width=14),
        Field("weight", "Standard population (blank: ESP2013)", NUMBER, width=18),
        Field("baseline", "Baseline count", NUMBER, width=14),
        Field("target", "Target count", NUMBER, width=14),
        Field("actual", "Actual count", NUMBER, width=14),
        Field("forecast", "Forecast count", NUMBER, width=14),
    ),
    record="age_band",
)
# Below the bands: each count's standardised rate per 100,000 (bcf_dsr), then the actual rate's
# confidence interval (bcf_dsr_ci spills its lower and upper limits down). Label in A.
AGE_BAND_RATES = Lines(
    AGE_BANDS,
    "A",
    tuple(AGE_BAND_TABLE.columns[key] for key in BAND_COUNTS),
    one_a_row(AGE_BAND_TABLE.data_rows[-1] + 2, ("rate", "lower", "upper")),
)


# --- Risk & year end ---------------------------------------------------------------------------------

RISK_LABELS = {
    "risk_pool_balance": "Risk pool balance available (£)",
    "uncommitted": "Uncommitted scheme allocations (£)",
    "fund": "Performance fund held back (£)",
    "target_reduction": "Target reduction in non-elective admissions (0.021 = 2.1%)",
}
# The single inputs (label in B, value in C) and the reduction achieved in each quarter (C to F).
RISK_LINES = Lines(
    RISK,
    "B",
    ("C", "D", "E", "F"),
    MappingProxyType({"risk_pool_balance": 4, "uncommitted": 5, "fund": 7, "target_reduction": 8, "achieved": 9}),
)
SHARE_OVERRIDE = Table(
    RISK,
    "RiskShareOverride",
    11,
    4,
    (
        Field("partner_id", "Agreed risk share: Partner ID", CHOICE, "partner_ids", width=16),
        Field("weight", "Agreed share (weight)", NUMBER, width=14),
    ),
    first_column=2,
)
# The computed lines below: title or label in B, figures in C onwards (see builder.risk_views).
RISK_VIEWS = Lines(RISK, "B", ("C", "D", "E", "F", "G"), first_row=18)


# --- Actuals: spend and income by quarter, metrics and national conditions as reported ----------------------

QUARTERS = (1, 2, 3, 4)
YEAR_WORDS = ("first", "second")


def period_cell(key: str) -> str:
    """The grey Cover cell of the period reported (``report_year`` or ``report_quarter``), as other sheets refer to
    it: the one typed, else the latest with actuals."""
    return f"{quote(COVER)}!{absolute(REPORT_LINES.cell(key, 1))}"


def _quarterly_fields(stem: str, what: str, *, profile: bool = False) -> tuple[Field, ...]:
    fields: list[Field] = []
    for year, word in enumerate(YEAR_WORDS, start=1):
        fields += [Field(f"{stem}{year}_q{q}", f"{what}, {word} year, Q{q} (£)", MONEY, width=14) for q in QUARTERS]
        if profile:
            fields += [
                Field(f"profile{year}_q{q}", f"Profile, {word} year, Q{q} (£; blank: straight-line)", MONEY, width=19)
                for q in QUARTERS
            ]
            fields.append(
                Field(
                    f"forecast{year}",
                    f"Forecast outturn, {word} year (£; blank: worked out)",
                    MONEY,
                    width=19,
                )
            )
    return tuple(fields)


# Each funding source's income received, a row for each row of the Funding table (the same order).
INCOME_ACTUALS = Table(
    SPEND,
    "IncomeActuals",
    4,
    SOURCES.rows,
    (
        Field("source_id", "Source ID (from Funding)", TEXT, width=12, computed=True),
        Field("kind", "Funding source (from Funding)", TEXT, width=34, computed=True),
        *_quarterly_fields("received", "Income received"),
        Field("planned", "Income, year reported", NUMBER, width=16, computed=True),
        Field("expected", "Expected to date (straight-line quarters)", NUMBER, width=16, computed=True),
        Field("to_date", "Received to date", NUMBER, width=16, computed=True),
        Field("difference", "Received less expected", NUMBER, width=16, computed=True),
    ),
)
SPEND_COMPUTED = (
    ("planned", "Planned, year reported"),
    ("profile_to_date", "Profile to date"),
    ("to_date", "Spend to date"),
    ("variance", "Variance (£; above 0: ahead of profile)"),
    ("variance_share", "Variance (% of the profile to date)"),
    ("outturn", "Forecast outturn"),
)
SPEND_HEADER_ROW = INCOME_ACTUALS.data_rows[-1] + 5
# Grey rows above each table name the input columns that count for the period reported, so that each row's totals
# are one bcf_total over the row by those names: "to_date" names the quarters up to the one reported of the year
# reported ("spend", "profile", "received"), "year" every column of the year reported ("profile", "forecast").
INCOME_FLAGS = Lines(SPEND, "B", (), one_a_row(INCOME_ACTUALS.header_row - 1, ("to_date",)))
SPEND_FLAGS = Lines(SPEND, "B", (), one_a_row(SPEND_HEADER_ROW - 2, ("to_date", "year")))


def spend_table(rows: int) -> Table:
    """Each scheme's spend by quarter, a row for each row of the Schemes table (``rows`` of them, the same order)."""
    computed = tuple(
        Field(key, header, SHARE if key == "variance_share" else NUMBER, width=16, computed=True)
        for key, header in SPEND_COMPUTED
    )
    return Table(
        SPEND,
        "SpendActuals",
        SPEND_HEADER_ROW,
        rows,
        (
            Field("scheme_id", "Scheme ID (from Schemes)", TEXT, width=12, computed=True),
            Field("name", "Scheme Name (from Schemes)", TEXT, width=34, computed=True),
            *_quarterly_fields("spend", "Spend", profile=True),
            *computed,
        ),
    )


# Each metric's figure as reported for a quarter, and the return's commentary: one row a metric and quarter.
METRIC_ACTUALS = Table(
    PROGRESS,
    "MetricActuals",
    3,
    100,
    (
        Field("metric_id", "Metric ID (as on Metrics)", CHOICE, "metric_ids", required=True, width=12),
        Field("year", "Plan year", CHOICE, "plan_years", required=True, width=10),
        Field("quarter", "Quarter (1 to 4)", WHOLE, required=True, width=9),
        Field("actual", "Latest figure, in the target's terms (blank: no data)", NUMBER, width=20),
        Field("data_date", "Date of the data (YYYY-MM-DD)", TEXT, width=12),
        Field("challenges", "Challenges and any Support Needs", TEXT, width=44),
        Field("achievements", "Achievements", TEXT, width=44),
        Field("measured", "Figure as rated", RATE, width=12, computed=True),
        Field("target", "Target as rated (from Metrics)", RATE, width=12, computed=True),
        Field("progress", "Progress (bcf_progress)", TEXT, width=16, computed=True),
    ),
)
# Whether each national condition is still met at a quarter: one row a condition and quarter.
CONDITION_ACTUALS = Table(
    PROGRESS,
    "ConditionActuals",
    METRIC_ACTUALS.data_rows[-1] + 3,
    40,
    (
        Field("code", "National condition (as on the Cover)", CHOICE, "condition_codes", required=True, width=14),
        Field("year", "Plan year", CHOICE, "plan_years", required=True, width=10),
        Field("quarter", "Quarter (1 to 4)", WHOLE, required=True, width=9),
        Field("met", "Still met? (Yes/No)", CHOICE, "yes_no", width=16),
        Field("explanation", "Explanation (required when not met)", TEXT, width=44),
    ),
)
WRAPPED_ACTUALS = frozenset(
    {("MetricActuals", "challenges"), ("MetricActuals", "achievements"), ("ConditionActuals", "explanation")}
)


# --- Checks ------------------------------------------------------------------------------------------

CHECK_HEADER_ROW = 4
CHECK_COLUMNS = ("Severity", "Code", "Sheet", "Cell", "Field", "Item", "Message")
CHECK_STATUS_CELL = "A2"
CHECK_FIRST_CELL = f"A{CHECK_HEADER_ROW + 1}"  # the first finding's first column
CHECK_WIDTHS = (("A", 10), ("B", 10), ("C", 14), ("D", 14), ("E", 14), ("F", 14), ("G", 100))


# --- Dashboard ---------------------------------------------------------------------------------------

# Where each chart's top left corner sits.
CHART_CELLS = {"sources": "A3", "themes": "J3", "pools": "A22", "metrics": "J22"}


# --- Printing ----------------------------------------------------------------------------------------

# The last column of each sheet's print area (Schemes, DFG and Metrics print to their table's last column).
PRINT_COLUMNS = {COVER: "F", FUNDING: SOURCES.last_column, POOLS: "G", RISK: "G", CHECKS: "G"}
COVER_WIDTHS = (("A", 2), ("F", 24))
# Paragraphs of text wrap from their cell to this column (printed within the page): (last column, characters a
# line holds at most, taken low so that the row height never cuts a line off).
PARAGRAPHS = {COVER: ("F", 100), DFG: ("E", 70)}
# Input columns of long text that wrap within their cells rather than run under the next column: (table, field).
WRAPPED_FIELDS = frozenset({("Conditions", "explanation")}) | WRAPPED_ACTUALS
# Wide tables print at a readable scale across as many pages as they need, their ID columns at the left of each
# page and their header row atop it: (scale in per cent, columns repeated).
PRINT_ACROSS = {SCHEMES: (75, "A:B"), DFG: (75, "A:B"), METRICS: (75, "A:C"), SPEND: (75, "A:B"), PROGRESS: (75, "A:C")}
# The top left cell of each sheet's scrolling part: ID columns and headers stay in view.
FREEZE_CELLS = {
    FUNDING: f"B{SOURCES.data_rows[0]}",
    SCHEMES: f"C{schemes_table(1).data_rows[0]}",
    METRICS: f"C{METRIC_TABLE.data_rows[0]}",
    SPEND: f"C{INCOME_ACTUALS.data_rows[0]}",
    PROGRESS: f"D{METRIC_ACTUALS.data_rows[0]}",
}


# --- Lists -------------------------------------------------------------------------------------------

LIST_NAMES = (
    "area_kinds",
    "partner_kinds",
    "source_kinds",
    "scheme_types",
    "sub_types",
    "area_of_spend",
    "commissioner",
    "provider",
    "status",
    "yes_no",
    "polarities",
    "units",
    "rag_rules",
)


# Lists that come from the workbook itself rather than the Lists sheet.
LIVE_LISTS = {
    "partner_ids": PARTNERS.span("partner_id"),
    "source_ids": SOURCES.span("source_id"),
    "pool_ids": POOL_TABLE.span("pool_id"),
    "metric_ids": METRIC_TABLE.span("metric_id"),
    "condition_codes": CONDITIONS.span("code"),
}

# --- Policy (hidden, protected): the national parameters the workbook's formulas look up by plan year --------

POLICY_ROWS = 60  # room for every framework year's uplift and every template year's national metrics
UPLIFTS = Table(
    POLICY,
    "PolicyUplifts",
    1,
    POLICY_ROWS,
    (
        Field("year", "Plan year", TEXT, width=10),
        Field("rate", "NHS minimum uplift (a fraction)", NUMBER, width=14),
        Field("source", "Source", TEXT, width=40),
    ),
)
NATIONAL_METRICS = Table(
    POLICY,
    "NationalMetrics",
    1,
    POLICY_ROWS,
    (
        Field("year", "Plan year", TEXT, width=10),
        Field("code", "National metric", TEXT, width=10),
        Field("name", "Metric", TEXT, width=50),
        Field("unit", "Unit", TEXT, width=20),
        Field("per", "Rate per", WHOLE, width=10),
        Field("polarity", "Better when", TEXT, width=16),
    ),
    first_column=5,
)


def policy_lookup(table: Table, key: str, year_cell: str) -> str:
    """A formula piece: the ``key`` column of a Policy table on the first row of the plan year in ``year_cell``,
    or blank text where the year is blank or not on the sheet."""
    return f'IF({year_cell}="","",IFERROR(INDEX({table.span(key)},MATCH({year_cell},{table.span("year")},0)),""))'


def year_cell(index: int) -> str:
    """The Cover cell of plan year ``index`` (0-based), as formulas on other sheets refer to it."""
    return f"{quote(COVER)}!{absolute(cover_cell(f'year{index + 1}'))}"


def national_codes() -> str:
    """The dropdown of national metric codes: the template's codes for the first plan year typed on the Cover
    (every code on the Policy sheet while no known year is typed)."""
    years, codes, year = NATIONAL_METRICS.span("year"), NATIONAL_METRICS.span("code"), year_cell(0)
    first = codes.split(":")[0]
    count = f"COUNTIF({years},{year})"
    return f"OFFSET({first},IFERROR(MATCH({year},{years},0)-1,0),0,IF({count}=0,ROWS({codes}),{count}),1)"


LIVE_LISTS["national_metrics"] = national_codes()
LIVE_LISTS["plan_years"] = year_cell(0) + ":" + year_cell(1).split("!")[1]


CONF_SETTINGS = (("UDF Modules", "bcf_udfs"), ("Interpreter_Win", ""), ("PYTHONPATH", ""))
# The add-in's settings: a name in A and its value in B, one a row from the top.
CONF_LINES = Lines(CONF, "A", ("B",), one_a_row(1, (key for key, _ in CONF_SETTINGS)))
CONF_COLUMNS = "A:B"


def placement(years: tuple[str, ...], schemes: Table) -> Placement:
    """Where a finding about each kind of record, field and plan year shows in the planning workbook."""
    cells: dict[tuple[str, str, int | None], tuple[str, str]] = {("plan", "years", None): (COVER, cover_cell("year1"))}
    for index in range(YEARS):
        cells |= {
            ("plan", "balance", index): (FUNDING, FUNDING_TOTALS.cell("income", index)),
            ("asc_minimum", "required", index): (FUNDING, minimum_cell("asc_shortfall", index)),
            ("ooh_minimum", "required", index): (FUNDING, minimum_cell("ooh_shortfall", index)),
            ("policy", "uplift", index): (FUNDING, minimum_cell("uplift", index)),
            ("dfg", "received", index): (DFG, DFG_LINES.cell("received", index)),
            ("dfg", "allocations", index): (DFG, DISTRICTS.cell(f"allocation{index + 1}", DISTRICTS.data_rows[0])),
        }
    tables = (PARTNERS, SOURCES, schemes, POOL_TABLE, DISTRICTS, METRIC_TABLE, AGE_BAND_TABLE)
    return Placement(years, tuple(t.place() for t in tables), cells)
