"""Small-number suppression and published rounding, as pure functions."""
from decimal import Decimal

import pytest

from orchestration.pack import suppression as sup
from orchestration.pack.kpis import KPI_RULE
from orchestration.pack.rounding import csv_text, published_value


@pytest.mark.parametrize("value,small", [(0, False), (1, True), (4, True), (4.6, True), (5, False), (None, False),
                                         ("[c]", False), (True, False), (Decimal("3"), True), (-2, False)])
def test_is_small_count(value, small):
    assert sup.is_small_count(value) is small


def test_primary_suppresses_people_counts_of_1_to_4_only():
    rows = [{"k": "a", "people": 3, "cost": 2.0}, {"k": "b", "people": 0, "cost": 3.0},
            {"k": "c", "people": 5, "cost": 4.0}]
    result = sup.suppress(rows, sup.static_rule(["k"], ["people"]))
    assert result.primary == {(0, "people")}
    assert sup.apply(rows, result.hidden)[0] == {"k": "a", "people": "[c]", "cost": 2.0}


def test_secondary_stops_recovery_by_subtraction_from_total():
    # Total 30 - 20 - 7 would reveal the suppressed 3: the next smallest (7) must go too.
    rows = [{"cat": "A", "people": 3}, {"cat": "B", "people": 20}, {"cat": "C", "people": 7},
            {"cat": "Total", "people": 30}]
    rule = sup.static_rule(["cat"], ["people"], groups=[sup.GroupSpec("cat", "Total", ("people",))])
    result = sup.suppress(rows, rule)
    assert result.primary == {(0, "people")}
    assert result.secondary == {(2, "people")}
    published = sup.apply(rows, result.hidden)
    assert [r["people"] for r in published] == ["[c]", 20, "[c]", 30]


def test_secondary_skips_zero_cells_and_falls_back_to_the_total():
    rows = [{"cat": "A", "people": 2}, {"cat": "B", "people": 0}, {"cat": "Total", "people": 2}]
    rule = sup.static_rule(["cat"], ["people"], groups=[sup.GroupSpec("cat", "Total", ("people",))])
    # the total is itself 1-4, so it is primary: two hidden cells, nothing more needed
    assert sup.suppress(rows, rule).hidden == {(0, "people"), (2, "people")}
    values = {(0, "people"): 9, (1, "people"): 0, (2, "people"): 9}
    eq = [sup.Equation(((0, "people"), (1, "people")), (2, "people"))]
    assert sup.secondary_cells(values, {(0, "people")}, eq) == {(2, "people")}


def test_secondary_iterates_across_rows_and_columns_until_stable():
    # 2-D table: rungs x age bands with an All band and a Total rung.
    cells = {("X", "18-64"): 2, ("X", "65+"): 40, ("Y", "18-64"): 50, ("Y", "65+"): 9,
             ("Z", "18-64"): 60, ("Z", "65+"): 70}
    rows = []
    for rung in ("X", "Y", "Z"):
        a, b = cells[(rung, "18-64")], cells[(rung, "65+")]
        rows += [{"rung": rung, "age": "18-64", "n": a}, {"rung": rung, "age": "65+", "n": b},
                 {"rung": rung, "age": "All", "n": a + b}]
    for age in ("18-64", "65+", "All"):
        rows.append({"rung": "Total", "age": age, "n": sum(r["n"] for r in rows if r["age"] == age)})
    rule = sup.static_rule(["rung", "age"], ["n"], groups=[
        sup.GroupSpec("age", "All", ("n",), ("18-64", "65+")), sup.GroupSpec("rung", "Total", ("n",), ("X", "Y", "Z"))])
    result = sup.suppress(rows, rule)
    hidden = {(rows[i]["rung"], rows[i]["age"]) for i, _ in result.hidden}
    # X/18-64 primary -> X/65+ (row group) -> Y/65+ (smallest in 65+ column) -> Y/18-64 (row) ; stable
    assert hidden == {("X", "18-64"), ("X", "65+"), ("Y", "65+"), ("Y", "18-64")}
    for eq in sup.build_equations(rows, rule.keys, rule.groups):
        assert sum(c in result.hidden for c in (*eq.members, eq.total)) != 1


def _bands(all_, young, old):
    return [{"rung": "R", "age": "18-64", "n": young}, {"rung": "R", "age": "65+", "n": old},
            {"rung": "R", "age": "All", "n": all_}]


BANDS = sup.static_rule(["rung", "age"], ["n"], groups=[sup.GroupSpec("age", "All", ("n",), ("18-64", "65+"))])


def test_a_small_unpublished_remainder_of_a_total_is_protected_like_a_suppressed_cell():
    # All counts 2 people in neither band (under 18 / unknown age): 32 - 10 - 20 would publish them.
    result = sup.suppress(_bands(32, 10, 20), BANDS)
    assert result.primary == set() and result.secondary == {(0, "n")}
    assert [r["n"] for r in sup.apply(_bands(32, 10, 20), result.hidden)] == ["[c]", 20, 32]
    # Members summing to more than the total by 1-4 (people counted in two members) likewise.
    assert sup.suppress(_bands(28, 10, 20), BANDS).secondary == {(0, "n")}
    # With a member already suppressed the remainder is a second unknown: nothing more to hide.
    assert sup.suppress(_bands(35, 3, 30), BANDS).hidden == {(0, "n")}


@pytest.mark.parametrize("all_,young,old", [(30, 10, 20), (37, 10, 20), (30.000000001, 10.0, 20.0)])
def test_an_exact_sum_or_a_remainder_of_five_or_more_hides_nothing(all_, young, old):
    assert sup.suppress(_bands(all_, young, old), BANDS).hidden == set()


def test_secondary_protects_a_suppressed_total():
    values = {(0, "n"): 10, (1, "n"): 12, (2, "n"): 22}
    eq = [sup.Equation(((0, "n"), (1, "n")), (2, "n"))]
    assert sup.secondary_cells(values, {(2, "n")}, eq) == {(0, "n")}


def test_no_equation_without_a_total_row():
    rows = [{"cat": "A", "people": 3}, {"cat": "B", "people": 20}]
    rule = sup.static_rule(["cat"], ["people"], groups=[sup.GroupSpec("cat", "Total", ("people",))])
    assert sup.suppress(rows, rule).hidden == {(0, "people")}


def test_derived_rates_follow_their_counts_including_secondary():
    rows = [{"cat": "A", "people": 3, "avg": 100.0}, {"cat": "B", "people": 8, "avg": 50.0},
            {"cat": "Total", "people": 11, "avg": 63.6}]
    rule = sup.static_rule(["cat"], ["people"], derived={"avg": ("people",)},
                           groups=[sup.GroupSpec("cat", "Total", ("people",))])
    result = sup.suppress(rows, rule)
    assert result.derived == {(0, "avg"), (1, "avg")}
    assert (2, "avg") not in result.hidden


def test_kpi_rule_complement_primary_and_non_people_kpis():
    rows = [
        {"month": 1, "kpi_code": "LTC_AT_HOME", "age_band": "18-64", "value": 97.0, "rag": "Green", "numerator": 97,
         "denominator": 100},  # 3 people not at home
        {"month": 1, "kpi_code": "CONTACT_TO_TIER3", "age_band": "65+", "value": 0.15, "rag": "Green",
         "numerator": 3, "denominator": 2000},
        {"month": 1, "kpi_code": "LTC_USERS", "age_band": "65+", "value": 4, "rag": "Green", "numerator": 4,
         "denominator": None},
        {"month": 1, "kpi_code": "AVG_WEEKLY_COST", "age_band": "65+", "value": 700.0, "rag": "Green",
         "numerator": 2800.0, "denominator": 4},
        {"month": 1, "kpi_code": "CQC_GOOD_OR_BETTER", "age_band": "65+", "value": 75.0, "rag": "Red",
         "numerator": 3, "denominator": 4},
    ]
    hidden = sup.suppress(rows, KPI_RULE).hidden
    assert {(0, "numerator"), (0, "value"), (0, "rag")} <= hidden and (0, "denominator") not in hidden
    assert {(1, "numerator"), (1, "value"), (1, "rag")} <= hidden
    assert {(2, "value"), (2, "numerator"), (2, "rag")} <= hidden
    assert {(3, "denominator"), (3, "value"), (3, "numerator")} <= hidden
    assert not {c for c in hidden if c[0] == 4}


def test_counts_by_column_for_the_manifest():
    rows = [{"cat": "A", "people": 3}, {"cat": "B", "people": 20}, {"cat": "Total", "people": 23}]
    rule = sup.static_rule(["cat"], ["people"], groups=[sup.GroupSpec("cat", "Total", ("people",))])
    log = sup.SuppressionLog()
    log.add("t.csv", sup.suppress(rows, rule))
    assert log.entries == [{"table": "t.csv", "column": "people", "cells_suppressed": 2, "primary": 1,
                            "secondary": 1, "derived": 0}]


@pytest.mark.parametrize("value,kind,text", [
    (2.25, "pct", "2.3"), (2.35, "pct", "2.4"), (0.05, "pct", "0.1"),
    (Decimal("1234.50"), "money", "1234.50"), (Decimal("1234.505"), "money", "1234.51"), (731.4149, "money", "731.41"),
    (Decimal("1234.49"), "money", "1234.49"), (12.0, "count", "12"), (None, "pct", "[z]"), ("[c]", "money", "[c]"),
    (True, "flag", "Yes"), (2500.4, "index", "2500"), (871.04, "rate", "871.0"), ("Home Care", "text", "Home Care"),
])
def test_published_rounding_is_half_up_on_the_decimal_value(value, kind, text):
    assert csv_text(value, kind) == text


def test_published_value_keeps_numbers_numeric():
    assert published_value(Decimal("10.555"), "pct") == Decimal("10.6")
    assert published_value(3.0, "count") == 3


def test_derived_null_stays_null():
    rows = [{"k": "a", "people": 2, "pct": None}, {"k": "b", "people": 2, "pct": 40.0}]
    hidden = sup.suppress(rows, sup.static_rule(["k"], ["people"], derived={"pct": ("people",)})).hidden
    assert (0, "pct") not in hidden and (1, "pct") in hidden


def test_manifest_extra_loses_person_level_keys_at_any_depth():
    from orchestration.pack.manifest import without_person_level
    extra = {"checks": [{"name": "c", "passed": False, "examples": [{"person_id": "ab12"}], "column": "Postcode"}],
             "source_files": [{"file": "x.csv", "sha256": "00", "rows_read": 3}], "person_id": "zz"}
    assert without_person_level(extra) == {"checks": [{"name": "c", "passed": False, "column": "Postcode"}],
                                           "source_files": [{"file": "x.csv", "sha256": "00", "rows_read": 3}]}
