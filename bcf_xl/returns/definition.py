"""Per-year definitions of the quarterly and end-of-year returns, as data.

A return reports on one plan year of a framework: its national metrics and conditions are the
framework's (:class:`bcf_xl.submission.definition.TemplateYear`), so a new framework year gives its
returns without new code. What could not be confirmed from public documents is listed in
``unconfirmed`` and shown on the Guidance tab.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bcf_xl.errors import BcfInputError, Location
from bcf_xl.submission.definition import YEARS, TemplateYear


class ReturnKind(StrEnum):
    """The two kinds of return, as the Cover names them."""

    QUARTERLY = "Quarterly return"
    YEAR_END = "End-of-year return"


@dataclass(frozen=True, slots=True)
class ReturnYear:
    """The returns of one plan year: the framework whose metrics and conditions they report on."""

    name: str
    framework: TemplateYear
    unconfirmed: tuple[str, ...]

    def title(self, kind: ReturnKind) -> str:
        """The title atop every sheet of a return of this year."""
        words = "Quarterly Reporting Template" if kind is ReturnKind.QUARTERLY else "End of Year Reporting Template"
        return f"Better Care Fund {self.name} {words}"


_UNCONFIRMED = (
    "The order and wording of the columns are bcf-xl's, following the published planning template; NHS England's "
    "reporting templates sit behind a login and have not been copied.",
    "Spend is reported per scheme and totalled by funding source, scheme type and area of spend (and commissioner "
    "at year end); the published returns may ask for the totals only.",
    "The Section 75 year-end statement is the host's own statement, kept beside the return; NHS England does not "
    "collect it.",
)

RETURN_YEARS: dict[str, ReturnYear] = {
    plan_year: ReturnYear(plan_year, framework, _UNCONFIRMED)
    for framework in YEARS.values()
    for plan_year in framework.plan_years
}


def return_year(name: str) -> ReturnYear:
    """The returns of a plan year, or an error listing the years known."""
    try:
        return RETURN_YEARS[name]
    except KeyError:
        raise BcfInputError(Location(field="--year"), f"must be one of {', '.join(RETURN_YEARS)}", name) from None
