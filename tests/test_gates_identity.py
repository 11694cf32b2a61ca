"""Identity checks (issue 27): identifiers with control or invisible characters are rejected when
read; service lines' persons, CLD events and payments' lines must exist in the files they name; NHS
numbers must pass the modulus 11 check. Each test breaks one thing in a clean extract (the gate
fixture's two-month warehouse, or the readers' hand-written landing loaded by the real loader)."""
from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import duckdb
import pytest
from readers_helpers import LANDING, MONTH, TEST_KEY, copy_landing, csv_bytes, fixture_path, read_rows

import gates_fixtures as fx
from orchestration.gates import CheckResult, GateConfig, run_reconciliation_checks, run_source_checks
from orchestration.gates import identity_checks as ic
from orchestration.gates.config import load_gate_config
from orchestration.gates.row_accounting import file_checks
from orchestration.gates.sql_checks import column_type_check
from orchestration.partitions_key import Part
from sources import decode
from sources import pseudonymise as ps
from sources.contracts import CONTROCC_PAYMENTS, CONTROCC_SERVICE_LINES, LAS_CLD, raw_columns, raw_ddl
from sources.generator.people import nhs_number
from sources.loader import ensure_raw_schema, load_file, load_month, load_reference
from sources.report import LOADER_CHECK_NAMES

CFG = GateConfig()
COUNCIL = "E06000023"
READERS_PART = Part(COUNCIL, MONTH)
NBSP, ZWSP = "\u00a0", "\u200b"


def by_name(results: list[CheckResult], name: str) -> CheckResult:
    matches = [r for r in results if r.name == name]
    assert len(matches) == 1, [r.name for r in results]
    return matches[0]


def failed(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.passed and not r.skipped]


def identity(con: duckdb.DuckDBPyConnection, part: Part = fx.part(), config: GateConfig = CFG) -> tuple[list[CheckResult], list]:
    return ic.checks_for_parts(con, [part], config)[part]


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    c = fx.build_clean()
    yield c
    c.close()


# --- NHS Number: the modulus 11 check digit (pure function) ---------------------------------------
@pytest.mark.parametrize("value", ["9434765919", "943 476 5919", "943-476-5919", " 9876543210 ", "4010232137"])
def test_valid_nhs_numbers(value: str) -> None:
    assert ps.nhs_number_is_valid(value) is True


@pytest.mark.parametrize("value", [
    "9434765918",  # wrong check digit
    "9876543211",
    "943476591",  # 9 digits
    "94347659190",  # 11 digits
    "94347659I9",  # a letter
    "943.476.5919",
    "\uff19434765919",  # a full-width digit is not an ASCII digit
])
def test_invalid_nhs_numbers(value: str) -> None:
    assert ps.nhs_number_is_valid(value) is False


def test_check_digit_of_ten_means_no_valid_number() -> None:
    # 1*10 + 0*9 + ... + 0*3 + 1*2 = 12, 12 mod 11 = 1 -> check 10: no digit makes it valid
    assert all(ps.nhs_number_is_valid(f"100000001{d}") is False for d in range(10))
    # remainder 0 -> check 11 -> 0
    assert ps.nhs_number_is_valid("1100000000") is False and ps.nhs_number_is_valid("0000000000") is True


@pytest.mark.parametrize("value", [None, "", "   ", " - "])
def test_blank_nhs_number_is_not_judged(value: str | None) -> None:
    assert ps.nhs_number_is_valid(value) is None


def test_sql_check_digit_agrees_with_the_python_function() -> None:
    rng = random.Random(27)
    values = [str(rng.randrange(10**9, 10**10)) for _ in range(3000)] + [nhs_number(rng.randrange(10**8, 10**9))
                                                                         for _ in range(500)]
    values += ["943 476 5919", "943-476-5919", "1000000010", "0000000000", "12345", "abcdefghij", "", None]
    c = duckdb.connect()
    got = c.execute(f"SELECT v, {ps.nhs_number_valid_sql('v')} FROM (SELECT unnest($v) AS v)", {"v": values}).fetchall()
    assert [g for _, g in got] == [ps.nhs_number_is_valid(v) for v, _ in got]
    assert sum(bool(g) for _, g in got) > 500  # the valid ones really pass


def test_generated_nhs_numbers_pass_the_check() -> None:
    rng = random.Random(1)
    assert all(ps.nhs_number_is_valid(nhs_number(rng.randrange(0, 10**9))) for _ in range(5000))


# --- identifiers with control or invisible characters (decode) ------------------------------------
SA_ID = CONTROCC_SERVICE_LINES.column("Service Agreement ID")


@pytest.mark.parametrize("raw, where, code", [
    ("SA1" + NBSP, "at the end of", "U+00A0"),
    ("SA1\t", "at the end of", "U+0009"),
    ("SA1\r\n", "at the end of", "U+000D"),
    (ZWSP + "SA1", "at the start of", "U+200B"),
    ("SA\u200d1", "inside", "U+200D"),
    ("S\tA1", "inside", "U+0009"),
    ("SA\u00851", "inside", "U+0085"),  # C1 control
    ("SA\u00ad1", "inside", "U+00AD"),  # soft hyphen
    ("SA\ufeff1", "inside", "U+FEFF"),
    ("SA1\u202f", "at the end of", "U+202F"),  # narrow no-break space
])
def test_identifier_with_hidden_character_is_rejected(raw: str, where: str, code: str) -> None:
    _, reason = decode.decode_value(duckdb.connect(), SA_ID, raw)
    assert reason is not None and code in reason and f"{where} the identifier" in reason
    assert raw.strip() not in reason


@pytest.mark.parametrize("raw", ["SA1", "  SA1  ", "SA 1", "Sé-1/2"])
def test_plain_identifiers_and_surrounding_spaces_load(raw: str) -> None:
    assert decode.decode_value(duckdb.connect(), SA_ID, raw) == (raw.strip(), None)


def test_a_column_that_is_not_an_identifier_is_only_trimmed() -> None:
    name = CONTROCC_SERVICE_LINES.column("Supplier Name")
    assert not name.identifier
    assert decode.decode_value(duckdb.connect(), name, "Care Ltd" + NBSP) == ("Care Ltd", None)


def test_the_contract_flags_the_joining_identifiers() -> None:
    assert {"LA Code", "LA Person Unique Identifier", "NHS Number", "Event Reference",
            "Provider CQC Location ID"} <= set(LAS_CLD.identifier_names)
    assert {"Service Agreement ID", "Event Reference", "LA Person Unique Identifier", "Element Code", "Supplier ID",
            "CQC Location ID"} <= set(CONTROCC_SERVICE_LINES.identifier_names)
    assert {"Payment ID", "Service Agreement ID", "Supplier ID"} <= set(CONTROCC_PAYMENTS.identifier_names)
    assert "_nhs_number_valid" not in LAS_CLD.column_names  # derived: never a column of the file
    assert ("_nhs_number_valid", "BOOLEAN") in raw_columns(LAS_CLD)
    assert "identifier_characters" in LOADER_CHECK_NAMES


# --- the same through the real loader: the row is rejected and the month blocked --------------------
def _mutated(tmp_path: Path, ft, changes: dict[tuple[int, str], str]) -> Path:
    landing = copy_landing(tmp_path / "landing")
    rows = read_rows(fixture_path(ft))
    for (row, column), value in changes.items():
        rows[row][rows[0].index(column)] = value
    (landing / MONTH / ft.file_name(MONTH)).write_bytes(csv_bytes(rows))
    return landing


def _load(landing: Path) -> duckdb.DuckDBPyConnection:
    """The landing's month loaded by the real loader (the reference files play no part here)."""
    c = duckdb.connect()
    load_month(c, landing, MONTH, pseudo_key=TEST_KEY, council=COUNCIL)
    return c


def _all_text(c: duckdb.DuckDBPyConnection) -> str:
    out = []
    for schema, table, column in c.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns").fetchall():
        out += [str(r[0]) for r in c.execute(
            f'SELECT CAST("{column}" AS VARCHAR) FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL').fetchall()]
    return "\n".join(out)


def test_trailing_non_breaking_space_in_a_service_agreement_id_rejects_the_row_and_blocks(tmp_path: Path) -> None:
    c = _load(_mutated(tmp_path, CONTROCC_SERVICE_LINES, {(2, "Service Agreement ID"): "SA0002" + NBSP}))
    rejects = c.execute("""SELECT file, line, "column", value, reason, check_name FROM raw._rejects""").fetchall()
    assert len(rejects) == 1
    file, line, column, value, reason, check = rejects[0]
    assert (file, line, column, check) == ("controcc_service_lines_2025-03.csv", 3, "Service Agreement ID",
                                           "identifier_characters")
    assert "U+00A0 at the end of the identifier" in reason and value == "SA0002"
    assert c.execute("SELECT count(*) FROM raw.controcc_service_lines").fetchone()[0] == 2
    r = by_name(file_checks(c, READERS_PART, CFG), "controcc_service_lines.rows_rejected")
    assert not r.passed and r.severity == "ERROR" and r.column == "Service Agreement ID"
    assert "line 3, column 'Service Agreement ID'" in r.message


def test_control_character_in_a_person_id_rejects_the_row_with_the_value_hashed(tmp_path: Path) -> None:
    c = _load(_mutated(tmp_path, LAS_CLD, {(5, "LA Person Unique Identifier"): "LAS10\t0003"}))
    (line, column, value, reason, check), = c.execute(
        """SELECT line, "column", value, reason, check_name FROM raw._rejects""").fetchall()
    assert (line, column, check) == (6, "LA Person Unique Identifier", "identifier_characters")
    assert "U+0009 inside the identifier" in reason
    assert value == ps.hmac_hex("LAS10\t0003", TEST_KEY.encode())  # never in clear
    assert "LAS10" not in _all_text(c).replace(value, "")
    r = by_name(file_checks(c, READERS_PART, CFG), "las_cld.rows_rejected")
    assert not r.passed and r.severity == "ERROR" and r.column == "LA Person Unique Identifier"


def test_identifier_rejects_are_replaced_by_a_reload(tmp_path: Path) -> None:
    landing = _mutated(tmp_path, CONTROCC_PAYMENTS, {(1, "Payment ID"): "PAY" + ZWSP + "0001"})
    c = _load(landing)
    assert c.execute("SELECT count(*) FROM raw._rejects").fetchone()[0] == 1
    (landing / MONTH / CONTROCC_PAYMENTS.file_name(MONTH)).write_bytes(fixture_path(CONTROCC_PAYMENTS).read_bytes())
    load_month(c, landing, MONTH, pseudo_key=TEST_KEY, council=COUNCIL)
    assert c.execute("SELECT count(*) FROM raw._rejects").fetchone()[0] == 0


# --- NHS numbers through the loader and the gate ----------------------------------------------------
def test_nhs_number_validity_is_stored_never_the_number(tmp_path: Path) -> None:
    c = _load(_mutated(tmp_path, LAS_CLD, {(5, "NHS Number"): "9876543211"}))
    assert c.execute("SELECT _line, _nhs_number_valid FROM raw.las_cld ORDER BY _line").fetchall() == [
        (2, True), (3, True), (4, True), (5, None), (6, False)]
    text = _all_text(c)
    assert "9876543211" not in text and "9434765919" not in text


def test_invalid_nhs_number_warns_with_count_and_line(tmp_path: Path) -> None:
    c = _load(_mutated(tmp_path, LAS_CLD, {(5, "NHS Number"): "9876543211"}))
    results, rejects = identity(c, READERS_PART)
    r = by_name(results, ic.NHS_CHECK_DIGIT)
    assert not r.passed and r.severity == "WARN" and r.column == "NHS Number"
    assert r.message.startswith("las_cld_2025-03.csv, column 'NHS Number': 1 row where NHS Number fails its modulus 11")
    assert "(first at line 6)" in r.message and r.observed["failing_rows"] == 1
    assert r.examples[0]["line"] == 6 and r.examples[0]["Event Reference"] == "REV-0001"
    assert "9876543211" not in repr(r) and "9876543211" not in repr(rejects)
    assert [(x.line, x.column, x.check_name) for x in rejects] == [(6, "NHS Number", ic.NHS_CHECK_DIGIT)]


def test_invalid_nhs_number_blocks_when_configured(tmp_path: Path) -> None:
    c = _load(_mutated(tmp_path, LAS_CLD, {(2, "NHS Number"): "943 476 5910"}))
    for config in (GateConfig(nhs_number_check_blocks=True),
                   load_gate_config(env={"ASCW_GATE_NHS_NUMBER_CHECK_BLOCKS": "true"}),
                   GateConfig(severities={"las_cld.nhs_number_check_digit:*": "ERROR"})):
        r = by_name(identity(c, READERS_PART, config)[0], ic.NHS_CHECK_DIGIT)
        assert not r.passed and r.severity == "ERROR" and r.blocking and "(first at line 3)" in r.message


def test_valid_nhs_numbers_pass() -> None:
    c = _load(LANDING)
    r = by_name(identity(c, READERS_PART)[0], ic.NHS_CHECK_DIGIT)
    assert r.passed and not r.skipped and "(4 rows checked)" in r.message


def test_an_older_warehouse_gains_the_validity_column() -> None:
    c = duckdb.connect()
    c.execute("CREATE SCHEMA raw")
    c.execute(raw_ddl(dataclasses.replace(LAS_CLD, columns=tuple(x for x in LAS_CLD.columns if not x.derived))))
    assert "_nhs_number_valid" not in {r[0] for r in c.execute("DESCRIBE raw.las_cld").fetchall()}
    r = by_name(identity(c, READERS_PART)[0], ic.NHS_CHECK_DIGIT)
    assert r.skipped and r.passed
    ensure_raw_schema(c)
    assert column_type_check(c, LAS_CLD, READERS_PART, CFG).passed
    load_file(c, LAS_CLD, fixture_path(LAS_CLD), month=MONTH, council=COUNCIL, pseudo_key=TEST_KEY)
    assert c.execute("SELECT count(*) FROM raw.las_cld WHERE _nhs_number_valid").fetchone()[0] == 4


# --- service lines -> CLD persons and events --------------------------------------------------------
def test_clean_months_pass_every_identity_check(con) -> None:
    for month in (fx.PREV, fx.MONTH):
        results, rejects = identity(con, fx.part(month))
        assert {r.name for r in results} == set(ic.CHECK_NAMES)
        assert failed(results) == [] and rejects == []
        assert not any(r.skipped for r in results if r.name != ic.NHS_CHECK_DIGIT)


def test_clean_fixture_landing_passes_every_identity_check() -> None:
    results, rejects = identity(_load(LANDING), READERS_PART)
    assert failed(results) == [] and rejects == [] and not any(r.skipped for r in results)


def test_mistyped_person_on_a_service_line_fails_naming_the_line(con) -> None:
    con.execute(f"""UPDATE raw.controcc_service_lines SET "LA Person Unique Identifier" = '{fx.person(9)}'
                    WHERE _month = '2024-03-01' AND "Service Agreement ID" = 'SA2'""")
    results, rejects = identity(con)
    r = by_name(results, ic.PERSON_IN_CLD)
    assert not r.passed and r.severity == "ERROR" and r.blocking
    assert r.message.startswith("controcc_service_lines_2024-03.csv, column 'LA Person Unique Identifier': 1 row where")
    assert "(first at line 3)" in r.message
    assert r.examples == [{"file": "controcc_service_lines_2024-03.csv", "line": 3, "Service Agreement ID": "SA2",
                           "Line No": 1, "Event Reference": "EV-2", "LA Person Unique Identifier": fx.person(9)}]
    assert (rejects[0].file, rejects[0].line, rejects[0].check_name) == ("controcc_service_lines_2024-03.csv", 3,
                                                                         ic.PERSON_IN_CLD)
    assert by_name(identity(con, fx.part(fx.PREV))[0], ic.PERSON_IN_CLD).passed  # February's file is fine


def test_person_id_mistyped_into_another_person_fails_against_the_event(con) -> None:
    con.execute(f"""UPDATE raw.controcc_service_lines SET "LA Person Unique Identifier" = '{fx.person(1)}'
                    WHERE _month = '2024-03-01' AND "Service Agreement ID" = 'SA3'""")
    results, _ = identity(con)
    assert by_name(results, ic.PERSON_IN_CLD).passed  # person 1 exists...
    r = by_name(results, ic.PERSON_MATCHES_EVENT)  # ...but EV-7 is person 5's
    assert not r.passed and r.severity == "ERROR" and "(first at line 4)" in r.message
    ex = r.examples[0]
    assert (ex["Event Reference"], ex["LA Person Unique Identifier"], ex["CLD event's person"], ex["CLD line"]) == (
        "EV-7", fx.person(1), fx.person(5), 5)


def test_the_event_s_latest_version_up_to_the_month_decides(con) -> None:
    # February's version of EV-2 names person 7; March's (the latest) person 2, as the line does
    con.execute(f"""UPDATE raw.las_cld SET "LA Person Unique Identifier" = '{fx.person(7)}'
                    WHERE _month = '2024-02-01' AND "Event Reference" = 'EV-2'""")
    assert by_name(identity(con)[0], ic.PERSON_MATCHES_EVENT).passed
    assert not by_name(identity(con, fx.part(fx.PREV))[0], ic.PERSON_MATCHES_EVENT).passed


def test_non_cld_lines_are_judged_only_when_configured(con) -> None:
    # SA4 has no Event Reference and its person (6) has no CLD row
    r = by_name(identity(con)[0], ic.PERSON_IN_CLD)
    assert r.passed and r.observed["non_cld_lines_person_not_in_cld"] == 1
    r = by_name(identity(con, config=GateConfig(non_cld_line_person_in_cld=True))[0], ic.PERSON_IN_CLD)
    assert not r.passed and r.examples[0]["Service Agreement ID"] == "SA4"


def test_person_check_is_skipped_without_the_month_s_cld_rows(con) -> None:
    con.execute("DELETE FROM raw.las_cld WHERE _month = '2024-03-01'")
    r = by_name(identity(con)[0], ic.PERSON_IN_CLD)
    assert r.skipped and not r.blocking


def test_another_council_s_people_do_not_count(con) -> None:
    # the same person hash in another council's CLD does not make council E06000023's line known
    con.execute("""UPDATE raw.las_cld SET _council = 'E06000022' WHERE "LA Person Unique Identifier" = ?""",
                [fx.person(2)])
    r = by_name(identity(con)[0], ic.PERSON_IN_CLD)
    assert not r.passed and r.examples[0]["Service Agreement ID"] == "SA2"


# --- CLD Service events -> the month's CQC HSCA file -----------------------------------------------
def test_cld_location_missing_from_hsca_warns(con) -> None:
    con.execute("""DELETE FROM raw.cqc_hsca_active_locations WHERE _month = '2024-03-01' AND "Location ID" = '1-101'""")
    results, rejects = identity(con)
    r = by_name(results, ic.CLD_LOCATION_IN_HSCA)
    assert not r.passed and r.severity == "WARN" and not r.blocking
    assert "las_cld_2024-03.csv, column 'Provider CQC Location ID': 1 row where a Service event active" in r.message
    assert "cqc_hsca_active_locations_2024-03.csv" in r.message and "(first at line 2)" in r.message
    assert r.examples[0]["Provider CQC Location ID"] == "1-101" and rejects[0].value == "1-101"
    blocked = GateConfig(severities={"las_cld.provider_cqc_location_in_hsca:*": "ERROR"})
    assert by_name(identity(con, config=blocked)[0], ic.CLD_LOCATION_IN_HSCA).blocking


def test_cld_location_of_an_ended_event_is_not_judged(con) -> None:
    con.execute("""UPDATE raw.las_cld SET "Event End Date" = DATE '2024-02-10' WHERE "Event Reference" = 'EV-1'""")
    con.execute("""DELETE FROM raw.cqc_hsca_active_locations WHERE _month = '2024-03-01' AND "Location ID" = '1-101'""")
    assert by_name(identity(con)[0], ic.CLD_LOCATION_IN_HSCA).passed


# --- payments on unknown service lines ---------------------------------------------------------------
def _recon(con, config: GateConfig = CFG) -> CheckResult:
    return by_name(run_reconciliation_checks(con, fx.part(), config), "controcc_payments.pays_known_service_line")


def test_large_payment_on_an_unknown_line_blocks(con) -> None:
    # line 2: SA1's payment for February, 900 x 29 / 7 = 3,728.57
    con.execute("""UPDATE raw.controcc_payments SET "Service Agreement ID" = 'SA404' WHERE _month = '2024-03-01' AND _line = 2""")
    r = _recon(con)
    assert not r.passed and r.severity == "ERROR" and r.blocking
    assert "1 row where Service Agreement ID + Line No matches no" in r.message and "£3,728.57" in r.message
    assert r.examples[0]["Service Agreement ID"] == "SA404" and r.examples[0]["line"] == 2
    assert r.examples[0]["Payment ID"] == "PAY-2024-03-1" and r.examples[0]["amount_paid"] == 3728.57


def test_small_payment_on_an_unknown_line_warns(con) -> None:
    # line 5: SA4's payment, 90 x 29 / 7 = 372.86
    con.execute("""UPDATE raw.controcc_payments SET "Service Agreement ID" = 'SA404' WHERE _month = '2024-03-01' AND _line = 5""")
    r = _recon(con)
    assert not r.passed and r.severity == "WARN" and "£372.86" in r.message
    assert _recon(con, GateConfig(unknown_line_payment_block_pounds=300)).severity == "ERROR"
    env = load_gate_config(env={"ASCW_GATE_UNKNOWN_LINE_PAYMENT_BLOCK_POUNDS": "100"})
    assert _recon(con, env).severity == "ERROR"


def test_payments_and_reversals_on_unknown_lines_do_not_cancel_out(con) -> None:
    con.execute("""UPDATE raw.controcc_payments SET "Service Agreement ID" = 'SA404' WHERE _month = '2024-03-01' AND _line = 5""")
    con.execute("""UPDATE raw.controcc_payments SET "Service Agreement ID" = 'SA405', "Amount" = -372.86,
                   "Payment Status" = 'Reversed' WHERE _month = '2024-03-01' AND _line = 4""")
    r = _recon(con, GateConfig(unknown_line_payment_block_pounds=500))
    assert r.severity == "ERROR" and r.observed["unknown_paid_abs"] == 745.72


def test_unknown_line_period_before_the_first_lines_file_does_not_block(con) -> None:
    con.execute("""UPDATE raw.controcc_payments SET "Service Agreement ID" = 'SA404', "Period Start" = DATE '2024-01-01',
                   "Period End" = DATE '2024-01-31' WHERE _month = '2024-03-01' AND _line = 2""")
    r = _recon(con)
    assert not r.passed and r.severity == "WARN" and r.observed["before_first_lines_file"] == 1
    assert "before the first service lines file loaded (2024-02)" in r.message


# --- with the other source checks ---------------------------------------------------------------------
def test_source_checks_run_the_identity_checks_and_record_their_rows(con) -> None:
    con.execute(f"""UPDATE raw.controcc_service_lines SET "LA Person Unique Identifier" = '{fx.person(9)}'
                    WHERE _month = '2024-03-01' AND "Service Agreement ID" = 'SA2'""")
    results = run_source_checks(con, fx.part(), GateConfig(check_reference_files=False))
    assert {*ic.CHECK_NAMES} <= {r.name for r in results}
    assert [r.name for r in failed(results) if r.name in ic.CHECK_NAMES] == [ic.PERSON_IN_CLD, ic.PERSON_MATCHES_EVENT]
    assert (fx.load_id(CONTROCC_SERVICE_LINES, fx.MONTH), "controcc_service_lines", 3, "LA Person Unique Identifier",
            fx.person(9), ic.PERSON_IN_CLD) in [(r[0], r[1], r[4], r[5], r[6], r[8]) for r in fx.gate_rejects(con)]


def test_several_councils_in_one_call() -> None:
    c = fx.build_clean(with_mart=False)
    # council E06000022: a copy of the clean month whose line SA2 names a person it does not have
    for table in ("las_cld", "controcc_service_lines", "cqc_hsca_active_locations"):
        c.execute(f"""INSERT INTO raw.{table} SELECT * REPLACE ('E06000022' AS _council) FROM raw.{table}
                      WHERE _month = '2024-03-01'""")
    c.execute(f"""UPDATE raw.controcc_service_lines SET "LA Person Unique Identifier" = '{fx.person(9)}'
                  WHERE _council = 'E06000022' AND "Service Agreement ID" = 'SA2'""")
    other = fx.part(council="E06000022")
    out = ic.checks_for_parts(c, [fx.part(), other], CFG)
    assert failed(out[fx.part()][0]) == []
    assert [(r.name, r.council) for r in failed(out[other][0])] == [(ic.PERSON_IN_CLD, "E06000022"),
                                                                     (ic.PERSON_MATCHES_EVENT, "E06000022")]


# --- the demo generator's extracts pass ----------------------------------------------------------------
def test_generated_extracts_pass_the_identity_checks(tmp_path: Path) -> None:
    from sources.generator import GeneratorConfig, generate

    generate(GeneratorConfig(out=tmp_path, months=2, end_month="2024-03"))
    c = duckdb.connect()
    load_reference(c, tmp_path, pseudo_key=TEST_KEY, council=COUNCIL)
    parts = []
    for month in ("2024-02", "2024-03"):
        assert load_month(c, tmp_path, month, pseudo_key=TEST_KEY, council=COUNCIL).ok
        parts.append(Part(COUNCIL, month))
    assert c.execute("SELECT count(*) FROM raw._rejects").fetchone()[0] == 0
    assert c.execute("SELECT count(*) FROM raw.las_cld WHERE _nhs_number_valid").fetchone()[0] > 1000
    for p, (results, _) in ic.checks_for_parts(c, parts, GateConfig(non_cld_line_person_in_cld=True)).items():
        assert {r.name for r in results} == set(ic.CHECK_NAMES)
        assert failed(results) == [] and not any(r.skipped for r in results), p
    later = run_reconciliation_checks(c, parts[1], CFG)
    assert by_name(later, "controcc_payments.pays_known_service_line").passed
