"""The workbook toolkit: styles, validations, protection, printing, text and formula pieces, and their two adapters.

Most tests write the same declaration with XlsxWriter and with openpyxl, read both files back with openpyxl and
compare: the planning workbook and NHS England's template must mean the same thing by the same declaration.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.model import AreaOfSpend, Commissioner, DfgYear, PartnerKind, Retention, SourceKind
from bcf_xl.planbook import (
    builder as planbook_builder,
    layout as L,  # noqa: N812 - as the builder refers to it
)
from bcf_xl.policy import Bound, Policy, load_policy
from bcf_xl.sample import sample_plan
from bcf_xl.submission import builder as submission_builder
from bcf_xl.submission.definition import YEAR_2023_25
from bcf_xl.submission.layout import EXPENDITURE, GUIDANCE, INCOME, SUMMARY, Layout, scheme_rows_for
from bcf_xl.submission.totals import summary_rules
from bcf_xl.workbook import to_openpyxl, to_xlsxwriter
from bcf_xl.workbook.formats import (
    LINK,
    MONEY,
    NUMBER_FORMATS,
    PLANNING,
    RATE,
    SHARE,
    TEMPLATE,
    TEXT,
    WHOLE,
    Look,
    Style,
    number_format,
)
from bcf_xl.workbook.formulas import (
    criterion,
    out_of_hospital_from_nhs_minimum,
    social_care_from_nhs_minimum,
    sumifs,
)
from bcf_xl.workbook.sheets import HIDDEN_LISTS, Printing, SheetSetup, printed
from bcf_xl.workbook.text import cell_value, storable_text
from bcf_xl.workbook.validation import (
    DECIMAL,
    LIST,
    Validation,
    between,
    dropdown,
    dropdown_lists,
    list_cells,
    list_ranges,
    number_text,
    percent,
    pounds,
    select,
    signed,
)
from bcf_xl.workbook.values import cover_values, dfg_inputs, field_values, per_year, retained, scheme_values

POLICY = load_policy()


def _both(tmp_path: Path, write_xlsx: Callable[..., None], write_pyxl: Callable[..., None]) -> tuple[Worksheet, ...]:
    """Write one sheet with each adapter and read both back with openpyxl: (XlsxWriter's, openpyxl's)."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    book.add_worksheet("Other")  # the active sheet cannot be hidden
    write_xlsx(book.add_worksheet("S"), to_xlsxwriter.Formats(book))
    book.close()
    theirs = openpyxl.Workbook()
    theirs.active.title = "Other"
    write_pyxl(theirs.create_sheet("S"))
    path = tmp_path / "openpyxl.xlsx"
    theirs.save(path)
    return openpyxl.load_workbook(io.BytesIO(output.getvalue()))["S"], openpyxl.load_workbook(path)["S"]


def _rgb(color: object) -> str | None:
    rgb = getattr(color, "rgb", None)
    return rgb[-6:].upper() if isinstance(rgb, str) else None


def _look(cell: Cell, style: Style) -> dict[str, object]:
    """What a spreadsheet shows of a cell, for the properties the style sets."""
    seen: dict[str, object] = {
        "fill": _rgb(cell.fill.fgColor) if cell.fill.fill_type == "solid" else None,
        "bold": bool(cell.font.b),
        "underline": cell.font.u,
        "number_format": cell.number_format,
        "locked": cell.protection.locked,
        "wrap": bool(cell.alignment.wrap_text),
        "valign": cell.alignment.vertical,
        "border": cell.border.left.style,
        "border_color": _rgb(cell.border.left.color) if cell.border.left.style else None,
    }
    if style.color:
        seen["color"] = _rgb(cell.font.color)
    if style.size is not None:
        seen["size"] = float(cell.font.sz)
    if style.font_name:
        seen["font"] = cell.font.name
    return seen


def _styles(look: Look) -> list[Style]:
    kinds = [look.input(kind) for kind in NUMBER_FORMATS] + [look.computed(kind) for kind in NUMBER_FORMATS]
    return [*kinds, look.header, look.title, look.bold, look.base, look.wrapped, LINK]


@pytest.mark.parametrize("look", [PLANNING, TEMPLATE], ids=["planning", "template"])
def test_both_adapters_give_a_style_the_same_look(tmp_path: Path, look: Look) -> None:
    """Each declared style reads back the same (fill, font, number format, locking, alignment, border) whether
    XlsxWriter or openpyxl wrote it, and as declared."""
    styles = _styles(look)
    refs = [f"A{row}" for row in range(1, len(styles) + 1)]

    def with_xlsxwriter(sheet: xlsxwriter.worksheet.Worksheet, formats: to_xlsxwriter.Formats) -> None:
        for ref, style in zip(refs, styles, strict=True):
            to_xlsxwriter.put(sheet, ref, 12.5, formats[style])

    def with_openpyxl(sheet: Worksheet) -> None:
        for ref, style in zip(refs, styles, strict=True):
            to_openpyxl.put(sheet, ref, 12.5, style)

    ours, theirs = _both(tmp_path, with_xlsxwriter, with_openpyxl)
    for ref, style in zip(refs, styles, strict=True):
        seen = _look(ours[ref], style)
        assert seen == _look(theirs[ref], style), (ref, style)
        assert seen["fill"] == style.fill
        assert seen["number_format"] == (style.number_format or "General")
        assert seen["locked"] is style.locked
        assert seen["bold"] is style.bold
        assert seen.get("size", None) == (float(style.size) if style.size is not None else None)


def test_xlsxwriter_properties_of_a_planning_money_input() -> None:
    """A planning money input is Arial 10, top-aligned, yellow, unlocked, bordered in grey, in pounds and pence."""
    assert to_xlsxwriter.properties(PLANNING.input(MONEY)) == {
        "font_name": "Arial",
        "font_size": 10,
        "valign": "top",
        "bg_color": "#FFFF99",
        "locked": False,
        "border": 1,
        "border_color": "#BFBFBF",
        "num_format": '"£"#,##0.00',
    }


@pytest.mark.parametrize(
    ("kind", "shown"),
    [(MONEY, '"£"#,##0.00'), (SHARE, "0.0%"), (WHOLE, "#,##0"), (RATE, "#,##0.0"), (TEXT, None)],
)
def test_a_kind_of_cell_has_one_number_format_in_both_workbooks(kind: str, shown: str | None) -> None:
    """Money, shares, whole numbers, rates and text are formatted the same in the planning workbook and template."""
    assert PLANNING.input(kind).number_format == TEMPLATE.input(kind).number_format == shown


def test_an_unknown_kind_of_cell_is_named() -> None:
    """Asking for the format of a kind that does not exist names the kinds there are and what arrived."""
    with pytest.raises(KeyError, match=r"cell kind must be one of text, choice, money.* \(got 'pounds'\)"):
        number_format("pounds")


# --- text ------------------------------------------------------------------------------------------------

FORMULA_LOOKALIKES = ['=HYPERLINK("http://x","y")', "+44 1632 960514", "-1", "@SUM(A1)", "=1+1"]


def test_formula_looking_text_stays_text_with_both_adapters(tmp_path: Path) -> None:
    """Text starting with =, +, - or @ is stored as text by both adapters: it reads back as the same words."""

    def with_xlsxwriter(sheet: xlsxwriter.worksheet.Worksheet, formats: to_xlsxwriter.Formats) -> None:
        for row, text in enumerate(FORMULA_LOOKALIKES, start=1):
            to_xlsxwriter.put(sheet, f"A{row}", text, formats[PLANNING.input(TEXT)])

    def with_openpyxl(sheet: Worksheet) -> None:
        for row, text in enumerate(FORMULA_LOOKALIKES, start=1):
            to_openpyxl.put(sheet, f"A{row}", text, TEMPLATE.input(TEXT))

    for sheet in _both(tmp_path, with_xlsxwriter, with_openpyxl):
        for row, text in enumerate(FORMULA_LOOKALIKES, start=1):
            assert (sheet[f"A{row}"].value, sheet[f"A{row}"].data_type) == (text, "s")


@pytest.mark.parametrize("text", ["bad\x01name", "\x0bvertical tab", "nul\x00"])
def test_text_a_workbook_cannot_store_is_refused_at_its_cell(text: str) -> None:
    """A control character (other than tab and line breaks) is refused, naming the cell and showing the text."""
    with pytest.raises(BcfInputError, match=r"'Schemes'!B5: contains a control character a workbook cannot store"):
        storable_text(text, Location(sheet="Schemes", cell="B5"))


def test_tabs_and_line_breaks_are_text() -> None:
    """Tab, line feed and carriage return are ordinary text."""
    assert storable_text("a\tb\nc\r", Location()) == "a\tb\nc\r"


@pytest.mark.parametrize(
    ("value", "held"),
    [(D("0.10"), 0.1), (D("1234567.89"), 1234567.89), (True, "Yes"), (False, "No"), ("", None), (None, None), (7, 7)],
)
def test_cell_values(value: object, held: object) -> None:
    """Money becomes the number a cell holds, True/False read Yes/No, an empty string is a blank."""
    assert cell_value(value, Location()) == held


def test_a_value_no_cell_holds_is_refused() -> None:
    """A value of a type no cell can hold is refused with the cell and the type named."""
    with pytest.raises(BcfInputError, match=r"'Cover'!C4: must be text, a number or a blank \(got .*list"):
        cell_value([1, 2], Location(sheet="Cover", cell="C4"))


def test_the_planning_workbook_refuses_control_characters_at_the_cell() -> None:
    """The planning workbook, like the template, refuses a scheme name a workbook cannot store, at its cell."""
    plan = sample_plan()
    plan = dataclasses.replace(plan, schemes=(dataclasses.replace(plan.schemes[0], name="bad\x01"), *plan.schemes[1:]))
    table = L.schemes_table(L.scheme_rows_for(len(plan.schemes)))
    cell = table.cell("name", table.data_rows[0])
    with pytest.raises(BcfInputError, match=rf"'Schemes'!{cell}: contains a control character"):
        planbook_builder.build(plan, POLICY)


# --- dropdown lists and validations ------------------------------------------------------------------------


def test_dropdown_lists_come_from_the_enums_and_the_policy() -> None:
    """Closed lists are the model's enum values; providers and statuses the policy's; sub-types sorted, once each."""
    lists = dropdown_lists(POLICY)
    assert lists["area_of_spend"] == tuple(a.value for a in AreaOfSpend)
    assert lists["commissioner"] == tuple(c.value for c in Commissioner)
    assert lists["partner_kinds"] == tuple(k.value for k in PartnerKind)
    assert lists["source_kinds"] == tuple(k.value for k in SourceKind)
    assert lists["provider"] == POLICY.vocabularies["provider"]
    subs = [sub for subs in POLICY.scheme_types.values() for sub in subs]
    assert list(lists["sub_types"]) == sorted(set(subs))


def test_both_workbooks_offer_the_same_words_for_the_same_list() -> None:
    """A list both workbooks offer (types, areas of spend, commissioners, providers...) holds the same words."""
    planning = select(dropdown_lists(POLICY), L.LIST_NAMES)
    template = submission_builder.lists_for(POLICY, YEAR_2023_25)
    shared = set(planning) & set(template)
    assert {"scheme_types", "area_of_spend", "commissioner", "provider", "status", "yes_no"} <= shared
    assert all(planning[name] == template[name] for name in shared)


def test_each_lists_range_holds_exactly_its_words() -> None:
    """On a Lists sheet each list's range covers exactly the cells its words are written to, under its name."""
    lists = {"yes_no": ("Yes", "No"), "empty": (), "areas": ("Social Care", "Acute", "Other")}
    cells = {ref: (text, is_name) for ref, text, is_name in list_cells(lists)}
    ranges = list_ranges("Lists", lists)
    assert ranges == {"yes_no": "Lists!$A$2:$A$3", "empty": "Lists!$B$2:$B$2", "areas": "Lists!$C$2:$C$4"}
    for column, (name, words) in zip("ABC", lists.items(), strict=True):
        assert cells[f"{column}1"] == (name, True)
        last = int(ranges[name].rsplit("$", 1)[1])
        shown = tuple(cells[f"{column}{row}"][0] for row in range(2, last + 1) if f"{column}{row}" in cells)
        assert shown == words
    assert set(submission_builder.list_ranges(dict(lists))) == set(lists)


def test_selecting_a_list_that_does_not_exist_names_it() -> None:
    """Asking for an unknown list names the lists there are and what arrived."""
    with pytest.raises(KeyError, match=r"dropdown list must be one of area_kinds.* \(got 'colours'\)"):
        select(dropdown_lists(POLICY), ["yes_no", "colours"])


def test_a_validation_must_be_complete() -> None:
    """A validation of an unknown kind, a list without its range or a bound without both ends is refused."""
    with pytest.raises(ValueError, match=r"must be list, decimal or whole \(got 'date'\)"):
        Validation("date")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs the range of its choices"):
        Validation(LIST)
    with pytest.raises(ValueError, match=r"needs both bounds \(got 0 and None\)"):
        Validation(DECIMAL, low=D(0))


@pytest.mark.parametrize(
    ("value", "text"),
    [(D("1E+9"), "1000000000"), (D("0.50"), "0.5"), (D("-0"), "0"), (D("-1000000000"), "-1000000000")],
)
def test_bounds_are_written_as_plain_digits(value: D, text: str) -> None:
    """A bound in a validation formula has no exponent and no trailing zeros."""
    assert number_text(value) == text


@pytest.mark.parametrize(("share", "shown"), [(D(0), "0%"), (D(1), "100%"), (D("0.125"), "12.5%"), (D("0.50"), "50%")])
def test_shares_are_shown_as_percentages(share: D, shown: str) -> None:
    """A share bound shows in messages as a percentage without trailing zeros."""
    assert percent(share) == shown


def test_signed_amounts_reach_as_far_below_zero_as_above() -> None:
    """A signed amount's bound mirrors the policy's bound about zero; messages show it in pounds with commas."""
    bound = signed(POLICY.bound("planning"))
    assert (bound.low, bound.high) == (D("-1000000000"), D("1000000000"))
    assert (pounds(bound.low), pounds(bound.high)) == ("£-1,000,000,000", "£1,000,000,000")


def test_both_adapters_write_the_same_validations(tmp_path: Path) -> None:
    """A dropdown, a decimal range and a whole-number range read back the same from either adapter."""
    checks = {
        "A1:A9": dropdown("$Z$1:$Z$3", "Pick one"),
        "B1:B9": between(Bound("b", D(0), D("1000000000"), ""), "Too big"),
        "C1:C9": between(Bound("c", D(1), D(12), ""), "A month", title=None, whole=True),
    }

    def with_xlsxwriter(sheet: xlsxwriter.worksheet.Worksheet, formats: to_xlsxwriter.Formats) -> None:
        for cells, check in checks.items():
            to_xlsxwriter.validate(sheet, cells, check)

    def with_openpyxl(sheet: Worksheet) -> None:
        for cells, check in checks.items():
            to_openpyxl.validate(sheet, cells, check)

    seen = []
    for sheet in _both(tmp_path, with_xlsxwriter, with_openpyxl):
        seen.append(
            sorted(
                # openpyxl stores a list's range as given ("=Lists!..."), XlsxWriter without the "=".
                # XlsxWriter leaves out "between", the default operator.
                (
                    str(v.sqref),
                    v.type,
                    v.operator or (None if v.type == "list" else "between"),
                    v.formula1.removeprefix("="),
                    v.formula2,
                    v.errorTitle,
                    v.error,
                )
                for v in sheet.data_validations.dataValidation
            )
        )
    assert (
        seen[0]
        == seen[1]
        == [
            ("A1:A9", "list", None, "$Z$1:$Z$3", None, "Choose from the list", "Pick one"),
            ("B1:B9", "decimal", "between", "0", "1000000000", "Out of range", "Too big"),
            ("C1:C9", "whole", "between", "1", "12", None, "A month"),
        ]
    )


@pytest.fixture(scope="module")
def smaller_bounds(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    path = tmp_path_factory.mktemp("policy") / "bounds.toml"
    path.write_text('[bounds]\nplanning = { min = "0", max = "500000000", source = "test" }\n', encoding="utf-8")
    return load_policy(path)


def _validations(sheet: Worksheet) -> dict[str, tuple[str | None, str | None, str | None]]:
    return {str(v.sqref): (v.formula1, v.formula2, v.error) for v in sheet.data_validations.dataValidation}


def test_the_policy_sets_the_planning_workbooks_bounds(smaller_bounds: Policy) -> None:
    """A policy file's planning bound is what the planning workbook's money cells accept, and what they say."""
    book = openpyxl.load_workbook(io.BytesIO(planbook_builder.build(sample_plan(), smaller_bounds)))
    schemes = L.schemes_table(L.scheme_rows_for(len(sample_plan().schemes)))
    span = schemes.span("amount1", sheet=False).replace("$", "")
    rules = _validations(book[L.SCHEMES])
    header = schemes.field("amount1").header
    assert rules[span] == ("0", "500000000", f"{header}: £0 to £500,000,000")
    adjustment = schemes.span("additional_investment", sheet=False).replace("$", "")
    assert rules[adjustment][:2] == ("-500000000", "500000000")
    for sheet in (L.FUNDING, L.SCHEMES, L.DFG):
        highs = {high for _, high, _ in _validations(book[sheet]).values()} - {None, "1"}
        assert highs == {"500000000"}, sheet


def test_the_policy_sets_the_templates_bounds(smaller_bounds: Policy) -> None:
    """A policy file's planning bound is what the template's amount cells accept, and what its guidance says."""
    book = submission_builder.build(sample_plan(), YEAR_2023_25, smaller_bounds)
    layout = Layout(YEAR_2023_25, scheme_rows_for(len(sample_plan().schemes)))
    amounts = {
        cells: rule
        for sheet in (book[INCOME], book[EXPENDITURE])
        for cells, rule in _validations(sheet).items()
        if rule[1] not in (None, "1")
    }
    assert len(amounts) == 1 + len(layout.years)  # the income amounts, then each year's scheme amounts
    assert set(amounts.values()) == {("0", "500000000", "Between £0 and £500,000,000")}
    guidance = [c.value for row in book[GUIDANCE].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("between £0 and £500,000,000" in text for text in guidance)
    assert not any("1,000,000,000" in text for text in guidance)


# --- protection and printing -----------------------------------------------------------------------------


def _setup_seen(sheet: Worksheet) -> dict[str, object]:
    return {
        "protected": sheet.protection.sheet,
        "resizable": (sheet.protection.formatColumns, sheet.protection.formatRows),
        "state": sheet.sheet_state,
        "area": sheet.print_area or None,
        "landscape": sheet.page_setup.orientation,
        "paper": sheet.page_setup.paperSize,
        "fit": tuple(1 if fit is None else fit for fit in (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight)),
        "fit_to_page": sheet.sheet_properties.pageSetUpPr.fitToPage if sheet.sheet_properties.pageSetUpPr else None,
        "freeze": sheet.freeze_panes,
        "titles": sheet.print_title_rows,
        "widths": (sheet.column_dimensions["B"].width, sheet.column_dimensions["D"].width),
    }


@pytest.mark.parametrize(
    ("setup", "area"),
    [
        (printed("G", 40, freeze="C5", widths=(("B", 30), ("D", 12)), resizable=True), "'S'!$A$1:$G$40"),
        (printed("F", 300, freeze="A4", header_row=3), "'S'!$A$1:$F$300"),
        (printed("D", 12, one_page=True, widths=(("B", 48), ("D", 22))), "'S'!$A$1:$D$12"),
        (SheetSetup(Printing(one_page=True, a4=False)), None),
        (HIDDEN_LISTS, None),
    ],
    ids=["table", "long table", "one page", "printer paper", "hidden lists"],
)
def test_both_adapters_protect_and_print_a_sheet_alike(tmp_path: Path, setup: SheetSetup, area: str | None) -> None:
    """Protection (and whether rows and columns can be resized), visibility, print area, orientation, paper,
    fit to width, frozen panes, header rows repeated on each page and widths read back the same from either adapter."""

    def with_xlsxwriter(sheet: xlsxwriter.worksheet.Worksheet, formats: to_xlsxwriter.Formats) -> None:
        sheet.write_string("A1", "x")
        to_xlsxwriter.finish(sheet, setup)

    def with_openpyxl(sheet: Worksheet) -> None:
        sheet["A1"] = "x"
        to_openpyxl.finish(sheet, setup)

    ours, theirs = (_setup_seen(sheet) for sheet in _both(tmp_path, with_xlsxwriter, with_openpyxl))
    # XlsxWriter stores a width with the padding Excel adds; both show the width asked for.
    ours_widths, theirs_widths = ours.pop("widths"), theirs.pop("widths")
    if setup.widths:
        assert ours_widths == pytest.approx(theirs_widths, abs=1)
        assert theirs_widths == pytest.approx(tuple(width for _, width in setup.widths))
    assert ours == theirs
    assert theirs["protected"] is True
    assert theirs["area"] == area
    assert theirs["state"] == ("hidden" if setup.hidden else "visible")
    repeat = setup.printing.repeat_rows if setup.printing else None
    assert theirs["titles"] == (f"${repeat[0]}:${repeat[1]}" if repeat else None)


# --- formula pieces --------------------------------------------------------------------------------------


def test_criteria_are_quoted_with_inner_quotes_doubled() -> None:
    """A text criterion is quoted for a formula; a quote inside it is doubled."""
    assert criterion("Social Care") == '"Social Care"'
    assert criterion('the "big" one') == '"the ""big"" one"'


def test_sumifs_pairs_each_range_with_its_criterion() -> None:
    """SUMIFS lists the total, then each range followed by its criterion, and needs at least one condition."""
    assert sumifs("$A$1:$A$9", ("$B$1:$B$9", '"x"'), ("$C$1:$C$9", '"<>Yes"')) == (
        'SUMIFS($A$1:$A$9,$B$1:$B$9,"x",$C$1:$C$9,"<>Yes")'
    )
    with pytest.raises(ValueError, match="at least one"):
        sumifs("$A$1:$A$9")


def test_the_minimum_lines_are_the_formulas_the_templates_summary_uses() -> None:
    """The NHS minimum lines built here are, letter for letter, the template Summary's planned-minimum formulas."""
    layout = Layout(YEAR_2023_25, scheme_rows_for(len(sample_plan().schemes)))
    label = YEAR_2023_25.label(SourceKind.NHS_MINIMUM)
    kinds, areas = layout.scheme_range("kind"), layout.scheme_range("area_of_spend")
    for index, year in enumerate(layout.years):
        spend, nhs = layout.scheme_range(f"amount:{year}"), layout.scheme_range(f"nhs:{year}")
        rules = summary_rules(layout)
        asc, ooh = ("=" + rules[key][index].formula(SUMMARY) for key in ("asc_planned", "ooh_planned"))
        assert social_care_from_nhs_minimum(spend, kinds, areas, label) == asc
        assert out_of_hospital_from_nhs_minimum(nhs, kinds, areas, label) == ooh


# --- a plan's records as cells ---------------------------------------------------------------------------


def test_field_values_show_enums_as_text_and_skip_computed_columns() -> None:
    """A record's fields read out by key, enums as their text; keys the record lacks (computed columns) are left out."""
    scheme = sample_plan().schemes[0]
    values = field_values(scheme, ("scheme_id", "commissioner", "nhs1", "amounts_total"))
    assert values == {"scheme_id": scheme.scheme_id, "commissioner": scheme.commissioner.value}
    assert isinstance(values["commissioner"], str) and not isinstance(values["commissioner"], Commissioner)
    assert scheme_values(scheme)["area_of_spend"] == scheme.area_of_spend.value
    assert per_year("amount", (D(1), D(2))) == {"amount1": D(1), "amount2": D(2)}


def test_cover_values_hold_every_plan_year_and_contact() -> None:
    """The Cover shows the area, its type, each plan year and every contact field."""
    plan = sample_plan()
    values = cover_values(plan)
    assert values["area_kind"] == plan.area.kind.value
    assert [values[f"year{i + 1}"] for i in range(len(plan.years))] == list(plan.years)
    assert values["email"] == plan.contacts.email


def test_a_districts_retentions_are_summed_with_their_references() -> None:
    """Two retentions by one district in a year are shown as their total and both references; none is blank."""
    plan = sample_plan()
    district = plan.area.districts[0].district_id
    other = plan.area.districts[1].district_id
    year = DfgYear(
        D("1000"),
        (D("10.50"), D("4.50")),
        (Retention(district, D("100.10"), "AG-1"), Retention(district, D("0.90"), "AG-2"), Retention(other, D(5))),
    )
    plan = dataclasses.replace(plan, dfg=(year, *plan.dfg[1:]))
    assert retained(plan, district, 0) == (D("101.00"), "AG-1; AG-2")
    assert retained(plan, "NOBODY", 0) == (None, None)
    assert dfg_inputs(plan, 0) == (D("1000"), D("15.00"))
    assert dfg_inputs(plan, len(plan.dfg)) == (None, None)
    assert dfg_inputs(None, 0) == retained(None, district, 0) == (None, None)
