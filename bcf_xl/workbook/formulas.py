"""Pieces of Excel formula that both workbooks write: conditional sums and their criteria.

The planning workbook and NHS England's template work out the NHS minimum lines with the same SUMIFS; they
are built here, once, from the ranges each layout gives.
"""

from __future__ import annotations


def criterion(text: str) -> str:
    """A text criterion as a formula holds it: quoted, with any quote inside doubled (``"Social Care"``)."""
    return '"' + text.replace('"', '""') + '"'


def sumifs(total: str, *conditions: tuple[str, str]) -> str:
    """``SUMIFS(total, range1, criterion1, ...)`` for ``(range, criterion)`` pairs already written as formula text.

    Raises:
        ValueError: no condition (SUMIFS needs at least one; use SUM).
    """
    if not conditions:
        raise ValueError("SUMIFS needs at least one (range, criterion) pair (got none)")
    return f"SUMIFS({total}," + ",".join(f"{where},{what}" for where, what in conditions) + ")"


def social_care_from_nhs_minimum(amounts: str, kinds: str, areas: str, nhs_minimum: str) -> str:
    """The planned NHS minimum contribution to adult social care: ``amounts`` of schemes funded by the NHS
    minimum (``kinds`` equal to the label ``nhs_minimum``) whose area of spend (``areas``) is Social Care."""
    return "=" + sumifs(amounts, (kinds, criterion(nhs_minimum)), (areas, criterion("Social Care")))


def out_of_hospital_from_nhs_minimum(nhs: str, kinds: str, areas: str, nhs_minimum: str) -> str:
    """The planned NHS-commissioned out-of-hospital spend: the NHS-commissioned parts (``nhs``) of schemes funded
    by the NHS minimum, less those in Acute and in Social Care."""
    funded = (kinds, criterion(nhs_minimum))
    return (
        f"={sumifs(nhs, funded)}-{sumifs(nhs, funded, (areas, criterion('Acute')))}"
        f"-{sumifs(nhs, funded, (areas, criterion('Social Care')))}"
    )


def amount_of(ref: str) -> str:
    """A cell's amount as the engine reads it (:func:`bcf_xl.money.parse_amount`), in native Excel: a number as it
    is, text such as ``£10,000,000.00`` or ``(1,234)`` as its number, a blank as 0 (as ``N`` gives it).

    Where ``N()`` would count an amount pasted as text as £0 while the engine reads its figure, this keeps the
    workbook's own sums and the engine's in agreement; text that is no amount gives 0 here and a finding there.
    """
    cleaned = f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({ref},"£",""),",","")," ","")'
    return f"IF(ISTEXT({ref}),IFERROR(VALUE({cleaned}),0),N({ref}))"
