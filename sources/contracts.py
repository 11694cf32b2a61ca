"""The landing-directory contract as data: one entry per source file type.

This module is the single place that knows, for every file in ``../shared/specs/SOURCES.md``:
its file name, the header as published, which columns are required, how each value is decoded,
which columns hold personal data, and the ``raw`` table it lands in.  Readers, the demo
generator, the dbt sources and the Great Expectations suites all read it; nothing else spells a
source column name.

Raw tables keep the published column names (quoted identifiers with spaces and punctuation) so
that a raw row can be traced back to the file by eye; staging models do the renaming.  Every raw
table also carries lineage columns:

``_council``  the ONS code of the council whose landing folder the row came from (one warehouse
             holds any number of councils; every load replaces one council's scope only)
``_month``    DATE, the partition (first day of the month folder), NULL for reference files
``_file``     the file name as found in the landing directory
``_line``     the physical record number in the file (header = line 1, first data row = 2)
``_load_id``  the load that wrote the row (joins ``raw._load_log``)
``_extra``    JSON object of any columns not in the contract (kept, ignored downstream)

A few raw columns are *derived*: computed by the reader from a row's clear values before they
are hashed, never read from the file (``Column(derived=True)``, not in ``column_names``).  The
CLD's ``_nhs_number_valid`` says whether the NHS Number passed the modulus 11 check (NULL when
blank); the number itself is stored only as its keyed hash.

Identifier columns (``Column(identifier=True)``: person ids, NHS Number, event, line, payment,
supplier, location and provider ids, element and council codes) join files to each other: a
value holding a control character, a zero-width or non-breaking space or any other invisible
character rejects the row when read (``sources/decode.py``), since trimming would hide it or
the value would silently name someone or something else.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal[
    "text",  # kept as text, trimmed
    "code",  # text from a code list (validated by the gates, canonicalised in staging)
    "date_iso",  # YYYY-MM-DD
    "date_dmy",  # DD/MM/YYYY (ContrOCC)
    "date_cqc",  # DD/MM/YYYY or MM/DD/YYYY, optional time; order inferred per file
    "money",  # pounds, up to 2 decimals -> DECIMAL(18,2)
    "number",  # decimal number -> DOUBLE
    "integer",  # whole number -> BIGINT
    "flag",  # 'Y' or blank
    "boolean",  # derived columns only (computed on load, never read from a file)
]
Scope = Literal["monthly", "reference", "annual"]

RAW_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "code": "VARCHAR",
    "date_iso": "DATE",
    "date_dmy": "DATE",
    "date_cqc": "DATE",
    "money": "DECIMAL(18,2)",
    "number": "DOUBLE",
    "integer": "BIGINT",
    "flag": "VARCHAR",
    "boolean": "BOOLEAN",
}

LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_council", "VARCHAR"),
    ("_month", "DATE"),
    ("_file", "VARCHAR"),
    ("_line", "BIGINT"),
    ("_load_id", "VARCHAR"),
    ("_extra", "JSON"),
)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = "text"
    required: bool = True  # must appear in the header
    not_null: bool = False  # a blank value rejects the row
    personal: bool = False  # replaced by a keyed hash on load (never stored in clear)
    # joins files (ids and codes): invisible or control characters reject the row (decode.py)
    identifier: bool = False
    # computed by the reader from the row's clear values, not a column of the file (raw only)
    derived: bool = False


@dataclass(frozen=True)
class FileType:
    key: str
    file_pattern: str  # {month} = YYYY-MM, {year} = YYYY; reference files have no placeholder
    scope: Scope
    raw_table: str
    columns: tuple[Column, ...]
    header_suffixes: tuple[str, ...] = ()  # accepted decorations of a header name
    wide_year_columns: bool = False  # SNPP: one column per projection year, unpivoted on load
    # Rows carry dates checked against the month folder (CLD reporting period, payment date):
    # the same bytes in two months can only be a copy, rejected as a duplicate on load. Other
    # monthly files (service lines, CQC) can legitimately repeat: a gate WARNs instead.
    content_names_month: bool = False
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        """The columns of the file (derived raw columns left out)."""
        return [c.name for c in self.columns if not c.derived]

    @property
    def required_names(self) -> list[str]:
        return [c.name for c in self.columns if c.required and not c.derived]

    @property
    def derived_columns(self) -> list[Column]:
        return [c for c in self.columns if c.derived]

    @property
    def identifier_names(self) -> list[str]:
        return [c.name for c in self.columns if c.identifier]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.key}: no column {name!r}")

    def file_name(self, month: str | None = None, year: int | None = None) -> str:
        return self.file_pattern.format(month=month or "", year=year or "")


def _cols(kind: Kind, *names: str, **kw: bool) -> tuple[Column, ...]:
    return tuple(Column(n, kind, **kw) for n in names)


# --- 2. LAS events in CLD layout ------------------------------------------------------------
LAS_CLD = FileType(
    key="las_cld",
    file_pattern="las_cld_{month}.csv",
    scope="monthly",
    raw_table="las_cld",
    content_names_month=True,
    description="Liquidlogic LAS events in Client Level Data layout (rolling 12 months).",
    columns=(
        Column("LA Code", "code", not_null=True, identifier=True),
        Column("Reporting Period Start Date", "date_iso", not_null=True),
        Column("Reporting Period End Date", "date_iso", not_null=True),
        Column("LA Person Unique Identifier", "text", not_null=True, personal=True, identifier=True),
        Column("NHS Number", "text", personal=True, identifier=True),
        Column("Gender", "code"),
        Column("Ethnicity", "code"),
        Column("Date of Birth", "date_iso"),
        Column("Date of Death", "date_iso"),
        Column("Client Type", "code"),
        Column("Primary Support Reason", "code"),
        Column("Postcode", "text", personal=True),
        Column("Accommodation Status", "code"),
        Column("Employment Status", "code"),
        Column("Has Unpaid Carer", "code"),
        Column("Client Funding Status", "code"),
        Column("Event Type", "code", not_null=True),
        Column("Event Reference", "text", not_null=True, identifier=True),
        Column("Event Start Date", "date_iso", not_null=True),
        Column("Event End Date", "date_iso"),
        Column("Event Outcome", "code"),
        Column("Request: Route of Access", "code"),
        Column("Assessment Type", "code"),
        Column("Eligible Needs Identified", "code"),
        Column("Service Type", "code"),
        Column("Service Component", "code"),
        Column("Delivery Mechanism", "code"),
        Column("Provider CQC Location ID", "text", identifier=True),
        Column("Provider CQC Location Name", "text"),
        Column("Review Reason", "code"),
        Column("Review Outcomes Achieved", "code"),
        Column("Unit Cost", "money"),
        Column("Cost Frequency (Unit Type)", "code"),
        Column("Planned units per week", "number"),
        # NHS Number passed the modulus 11 check (NULL when blank): judged on the clear value
        # while reading, before it is hashed (the gate las_cld.nhs_number_check_digit reads it)
        Column("_nhs_number_valid", "boolean", required=False, derived=True),
    ),
)

# --- 3. ContrOCC service agreement lines ----------------------------------------------------
CONTROCC_SERVICE_LINES = FileType(
    key="controcc_service_lines",
    file_pattern="controcc_service_lines_{month}.csv",
    scope="monthly",
    raw_table="controcc_service_lines",
    description="ContrOCC service agreement lines active at any time in the month.",
    columns=(
        Column("Service Agreement ID", "text", not_null=True, identifier=True),
        Column("Line No", "integer", not_null=True),  # an integer: only digits decode
        Column("Event Reference", "text", identifier=True),
        Column("LA Person Unique Identifier", "text", not_null=True, personal=True, identifier=True),
        Column("Element Code", "code", not_null=True, identifier=True),
        Column("Element Description", "text"),
        Column("Supplier ID", "text", not_null=True, identifier=True),
        Column("Supplier Name", "text"),
        Column("Supplier Postcode", "text"),
        Column("Supplier Local Authority", "code", identifier=True),
        Column("CQC Location ID", "text", identifier=True),
        Column("Placement Local Authority", "code", identifier=True),
        Column("Start Date", "date_dmy", not_null=True),
        Column("End Date", "date_dmy"),
        Column("Unit Rate", "money", not_null=True),
        Column("Rate Unit", "code", not_null=True),
        Column("Planned Units per Week", "number", not_null=True),
        Column("Weekly Cost", "money", not_null=True),
        Column("Funding Source", "code"),
        Column("Client Contribution Weekly", "money"),
    ),
)

# --- 4. ContrOCC provider payments ----------------------------------------------------------
CONTROCC_PAYMENTS = FileType(
    key="controcc_payments",
    file_pattern="controcc_payments_{month}.csv",
    scope="monthly",
    raw_table="controcc_payments",
    content_names_month=True,
    description="ContrOCC provider payment lines made in the month.",
    columns=(
        Column("Payment ID", "text", not_null=True, identifier=True),
        Column("Service Agreement ID", "text", not_null=True, identifier=True),
        Column("Line No", "integer", not_null=True),
        Column("Supplier ID", "text", not_null=True, identifier=True),
        Column("Period Start", "date_dmy", not_null=True),
        Column("Period End", "date_dmy", not_null=True),
        Column("Units Paid", "number"),
        Column("Amount", "money", not_null=True),
        Column("Payment Date", "date_dmy", not_null=True),
        Column("Payment Status", "code", not_null=True),
        Column("Invoice Reference", "text"),
    ),
)

# --- 5. CQC monthly files -------------------------------------------------------------------
# Required HSCA columns; the other ~100 published columns (all other "Service type - ...",
# "Service user band - ...", "Regulated activity - ..." flags, addresses, ...) are kept in
# ``_extra``.  Staging reads every "Service type - *" flag from both places.
CQC_HSCA_SERVICE_TYPE_COLUMNS: tuple[str, ...] = (
    "Service type - Care home service with nursing",
    "Service type - Care home service without nursing",
    "Service type - Domiciliary care service",
    "Service type - Extra Care housing services",
    "Service type - Supported living service",
    "Service type - Shared Lives",
)
CQC_HSCA_ACTIVE_LOCATIONS = FileType(
    key="cqc_hsca_active_locations",
    file_pattern="cqc_hsca_active_locations_{month}.csv",
    scope="monthly",
    raw_table="cqc_hsca_active_locations",
    description="CQC HSCA Active Locations sheet (the care directory), saved as CSV.",
    columns=(
        Column("Location ID", "text", not_null=True, identifier=True),
        Column("Location HSCA start date", "date_cqc"),
        Column("Dormant (Y/N)", "code"),
        Column("Care home?", "code"),
        Column("Location Name", "text"),
        Column("Care homes beds", "integer"),
        Column("Location Type/Sector", "text"),
        Column("Location Inspection Directorate", "text"),
        Column("Location Primary Inspection Category", "text"),
        Column("Location Latest Overall Rating", "code"),
        Column("Publication Date", "date_cqc"),
        Column("Location Region", "text"),
        Column("Location Local Authority", "text", not_null=True),
        Column("Location Postal Code", "text"),
        Column("Provider ID", "text", identifier=True),
        Column("Provider Name", "text"),
        *_cols("flag", *CQC_HSCA_SERVICE_TYPE_COLUMNS),
        Column("Service user band - Dementia", "flag"),
    ),
)

CQC_LATEST_RATINGS = FileType(
    key="cqc_latest_ratings",
    file_pattern="cqc_latest_ratings_{month}.csv",
    scope="monthly",
    raw_table="cqc_latest_ratings",
    description="CQC Latest ratings, Locations sheet (long format: one row per domain).",
    columns=(
        Column("Location ID", "text", not_null=True, identifier=True),
        Column("Location ODS Code", "text", required=False),
        Column("Location Name", "text"),
        Column("Care Home?", "code"),
        Column("Location Type", "text"),
        Column("Location Primary Inspection Category", "text"),
        Column("Location Street Address", "text", required=False),
        Column("Location Address Line 2", "text", required=False),
        Column("Location City", "text", required=False),
        Column("Location Post Code", "text"),
        Column("Location Local Authority", "text"),
        Column("Location Region", "text"),
        Column("Location NHS Region", "text", required=False),
        Column("Location ONSPD CCG Code", "text", required=False),
        Column("Location ONSPD CCG", "text", required=False),
        Column("Location Commissioning CCG Code", "text", required=False),
        Column("Location Commissioning CCG Name", "text", required=False),
        Column("Service / Population Group", "text", not_null=True),
        Column("Domain", "code", not_null=True),
        Column("Latest Rating", "code", not_null=True),
        Column("Publication Date", "date_cqc"),
        Column("Report Type", "text", required=False),
        Column("Inherited Rating (Y/N)", "code", required=False),
        Column("URL", "text", required=False),
        Column("Provider ID", "text", identifier=True),
        Column("Provider Name", "text"),
        Column("Brand ID", "text", required=False),
        Column("Brand Name", "text", required=False),
    ),
)

# --- 6. Adult Social Care Survey ------------------------------------------------------------
ASCS_RESPONSES = FileType(
    key="ascs_responses",
    file_pattern="ascs_responses_{year}.csv",
    scope="annual",
    raw_table="ascs_responses",
    description="Adult Social Care Survey responses (one row per anonymous respondent).",
    columns=(
        Column("Respondent ID", "text", not_null=True),
        Column("Survey Year", "integer", not_null=True),
        Column("Age Band", "code", not_null=True),
        Column("Support Setting", "code"),
        Column("Q3a", "integer"),
        Column("Q7a", "integer"),
        Column("Q7b", "integer"),
        Column("Weight", "number", required=False),  # "survey weight, default 1": may be left out
    ),
)

# --- 1. ONS reference files -----------------------------------------------------------------
CENSUS_AGE_BANDS: tuple[str, ...] = (
    "Age: Total",
    "Age: Aged 4 years and under",
    "Age: Aged 5 to 9 years",
    "Age: Aged 10 to 14 years",
    "Age: Aged 15 to 19 years",
    "Age: Aged 20 to 24 years",
    "Age: Aged 25 to 29 years",
    "Age: Aged 30 to 34 years",
    "Age: Aged 35 to 39 years",
    "Age: Aged 40 to 44 years",
    "Age: Aged 45 to 49 years",
    "Age: Aged 50 to 54 years",
    "Age: Aged 55 to 59 years",
    "Age: Aged 60 to 64 years",
    "Age: Aged 65 to 69 years",
    "Age: Aged 70 to 74 years",
    "Age: Aged 75 to 79 years",
    "Age: Aged 80 to 84 years",
    "Age: Aged 85 years and over",
)
CENSUS_TS007A = FileType(
    key="census_ts007a",
    file_pattern="census2021-ts007a-ltla.csv",
    scope="reference",
    raw_table="ons_census_ts007a",
    description="ONS Census 2021 TS007A, age in 5-year bands, lower-tier local authorities.",
    header_suffixes=("; measures: Value",),
    columns=(
        Column("date", "integer"),
        Column("geography", "text", not_null=True),
        Column("geography code", "code", not_null=True),
        *_cols("integer", *CENSUS_AGE_BANDS, not_null=True),
    ),
)

CENSUS_TS038 = FileType(
    key="census_ts038",
    file_pattern="census2021-ts038-ltla.csv",
    scope="reference",
    raw_table="ons_census_ts038",
    description="ONS Census 2021 TS038, disability (Equality Act), lower-tier local authorities.",
    header_suffixes=("; measures: Value",),
    columns=(
        Column("date", "integer"),
        Column("geography", "text", not_null=True),
        Column("geography code", "code", not_null=True),
        Column("Disability: Total: All usual residents", "integer", not_null=True),
        Column("Disability: Disabled under the Equality Act", "integer", not_null=True),
        Column(
            "Disability: Disabled under the Equality Act: Day-to-day activities limited a lot",
            "integer",
        ),
        Column(
            "Disability: Disabled under the Equality Act: Day-to-day activities limited a little",
            "integer",
        ),
    ),
)

MYE_POPULATION = FileType(
    key="mye_population",
    file_pattern="mye-population.csv",
    scope="reference",
    raw_table="ons_mye_population",
    description="ONS mid-year population estimates (Nomis extract), single year of age.",
    columns=(
        Column("GEOGRAPHY_NAME", "text"),
        Column("GEOGRAPHY_CODE", "code", not_null=True),
        Column("DATE_NAME", "integer", not_null=True),
        Column("GENDER_NAME", "code", not_null=True),
        Column("C_AGE_NAME", "code", not_null=True),
        Column("OBS_VALUE", "integer", not_null=True),
    ),
)

SNPP_POPULATION = FileType(
    key="snpp_population",
    file_pattern="snpp-population-persons.csv",
    scope="reference",
    raw_table="ons_snpp_population",
    description=(
        "ONS subnational population projections, persons. The year columns (2022, 2023, ...) are "
        "unpivoted on load into `year` and `population`."
    ),
    wide_year_columns=True,
    columns=(
        Column("AREA_CODE", "code", not_null=True),
        Column("AREA_NAME", "text"),
        Column("COMPONENT", "code"),
        Column("SEX", "code"),
        Column("AGE_GROUP", "code", not_null=True),
    ),
    extra={"year_column": "year", "value_column": "population"},
)

# --- council reference files (ours) ---------------------------------------------------------
CARE_LADDER_RUNGS: dict[str, int] = {
    "Nursing": 3,
    "Residential": 3,
    "Supported Accommodation": 3,
    "Extra Care Housing": 3,
    "Supported Living": 3,
    "Home Care": 3,
    "Day Care": 3,
    "Adult Placement": 3,
    "Direct Payments": 3,
    "Reablement": 2,
    "Short Term Care": 2,
    "Information & Advice": 1,
}

ELEMENT_RUNG_MAP = FileType(
    key="element_rung_map",
    file_pattern="element_rung_map.csv",
    scope="reference",
    raw_table="element_rung_map",
    description="The council's mapping of ContrOCC element codes to care-ladder rungs.",
    columns=(
        Column("Element Code", "code", not_null=True, identifier=True),
        Column("Element Description", "text"),
        Column("Care Ladder Rung", "code", not_null=True),
    ),
)

KPI_TARGETS = FileType(
    key="kpi_targets",
    file_pattern="kpi_targets.csv",
    scope="reference",
    raw_table="kpi_targets",
    description="The council's KPI targets.",
    columns=(
        Column("kpi_code", "code", not_null=True),
        Column("kpi", "text"),
        Column("target_18_64", "number"),
        Column("target_65_plus", "number"),
        Column("unit", "text"),
        Column("direction", "code", not_null=True),
    ),
)

# Age bands of the demand projection, need prevalence and scenarios (issue 28): finer than the
# marts' 18-64 / 65+ so that the older population's growth by age is projected where it happens.
PROJECTION_AGE_BANDS: tuple[str, ...] = ("18-64", "65-74", "75-84", "85+")

PREVALENCE_RATES = FileType(
    key="prevalence_rates",
    file_pattern="prevalence_rates.csv",
    scope="reference",
    raw_table="prevalence_rates",
    description=(
        "The council's need prevalence rates (POPPI/PANSI-style): % of the age band's population with "
        "the need, and the published source of each rate (or 'Illustrative ...')."
    ),
    columns=(
        Column("measure", "text", not_null=True),
        Column("age_band", "code", not_null=True),
        Column("rate_pct", "number", not_null=True),
        Column("source", "text", not_null=True),
    ),
)

# England comparators (issue 30): the ASCOF measures the warehouse computes for the council too,
# with the age band each one is for (care_home_admissions_annual: 2B is 18-64, 2C is 65+).
NATIONAL_COMPARATOR_MEASURES: dict[str, str] = {"ASCOF 2B": "18-64", "ASCOF 2C": "65+"}

NATIONAL_COMPARATORS = FileType(
    key="national_comparators",
    file_pattern="national_comparators.csv",
    scope="reference",
    raw_table="national_comparators",
    description=(
        "England's published value of a measure the warehouse also computes for the council (ASCOF 2B "
        "18-64 and 2C 65+ admissions per 100,000), per financial year, with its published source (or "
        "'Illustrative ...'). Optional: without it the pack says England's figure is not held."
    ),
    columns=(
        Column("measure", "code", not_null=True),
        Column("financial_year", "text", not_null=True),
        Column("age_band", "code", not_null=True),
        Column("value", "number", not_null=True),
        Column("source", "text", not_null=True),
    ),
)

MONTHLY_FILE_TYPES: tuple[FileType, ...] = (
    LAS_CLD,
    CONTROCC_SERVICE_LINES,
    CONTROCC_PAYMENTS,
    CQC_HSCA_ACTIVE_LOCATIONS,
    CQC_LATEST_RATINGS,
)
ANNUAL_FILE_TYPES: tuple[FileType, ...] = (ASCS_RESPONSES,)
REFERENCE_FILE_TYPES: tuple[FileType, ...] = (
    CENSUS_TS007A,
    CENSUS_TS038,
    MYE_POPULATION,
    SNPP_POPULATION,
    ELEMENT_RUNG_MAP,
    KPI_TARGETS,
    PREVALENCE_RATES,
    NATIONAL_COMPARATORS,
)
FILE_TYPES: dict[str, FileType] = {
    ft.key: ft for ft in (*MONTHLY_FILE_TYPES, *ANNUAL_FILE_TYPES, *REFERENCE_FILE_TYPES)
}

RAW_SCHEMA = "raw"

# The council of each raw row (extracts, reference files, and the CQC and ONS files it loaded):
# a lineage column every raw table carries, on which dbt's staging models key.
COUNCIL_COLUMN = "_council"


def raw_columns(ft: FileType) -> list[tuple[str, str]]:
    """(name, DuckDB type) of every column of the file type's raw table: the file's columns,
    lineage, then derived columns (last, where ``raw_ddl`` adds them to an older table)."""
    cols = [(c.name, RAW_TYPES[c.kind]) for c in ft.columns if not c.derived]
    if ft.wide_year_columns:
        cols += [(ft.extra["year_column"], "INTEGER"), (ft.extra["value_column"], "DOUBLE")]
    return cols + list(LINEAGE_COLUMNS) + [(c.name, RAW_TYPES[c.kind]) for c in ft.derived_columns]


def raw_ddl(ft: FileType, schema: str = RAW_SCHEMA) -> str:
    """CREATE TABLE IF NOT EXISTS statement for the file type's raw table; for a file type with
    derived columns, followed by ``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` for each, so a
    warehouse created before a derived column existed gains it (NULL on the rows already loaded)."""
    body = ",\n  ".join(f'"{name}" {typ}' for name, typ in raw_columns(ft))
    ddl = f'CREATE TABLE IF NOT EXISTS {schema}."{ft.raw_table}" (\n  {body}\n)'
    for c in ft.derived_columns:
        ddl += f';\nALTER TABLE {schema}."{ft.raw_table}" ADD COLUMN IF NOT EXISTS "{c.name}" {RAW_TYPES[c.kind]}'
    return ddl


LOAD_LOG_DDL = f"""CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}._load_log (
  load_id VARCHAR, file_type VARCHAR, month DATE, file VARCHAR, path VARCHAR, sha256 VARCHAR,
  rows_read BIGINT, rows_loaded BIGINT, rows_rejected BIGINT, status VARCHAR, message VARCHAR,
  loaded_at TIMESTAMP, council_code VARCHAR
)"""

REJECTS_DDL = f"""CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}._rejects (
  load_id VARCHAR, file_type VARCHAR, month DATE, file VARCHAR, line BIGINT, "column" VARCHAR,
  value VARCHAR, reason VARCHAR, check_name VARCHAR, rejected_at TIMESTAMP, council_code VARCHAR
)"""
