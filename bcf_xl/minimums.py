"""The two minimum spends from the NHS contribution (docs/domain.md section 3).

* The NHS contribution to adult social care (ASC) is maintained in line with the uplift: last
  year's figure compounded year on year by each plan year's uplift. Planned spend against it is
  expenditure funded from the NHS minimum contribution with area of spend Social Care.
* The minimum on NHS-commissioned out-of-hospital services is set by NHS England per area.
  Planned spend against it is expenditure funded from the NHS minimum contribution that the NHS
  commissions (ICB schemes and the NHS share of joint ones), excluding Acute and Social Care.
"""

from __future__ import annotations

from decimal import Decimal

from bcf_xl.model import AreaOfSpend, Plan, Scheme, SourceKind
from bcf_xl.money import ZERO, total
from bcf_xl.policy import Policy
from bcf_xl.pooling import NHS, commissioner_parts
from bcf_xl.uplift import MinimumSpend, uplift_series


def _nhs_minimum_schemes(plan: Plan) -> list[Scheme]:
    nhs_sources = {s.source_id for s in plan.sources if s.kind is SourceKind.NHS_MINIMUM}
    return [scheme for scheme in plan.schemes if scheme.source in nhs_sources]


def asc_minimum(plan: Plan, policy: Policy) -> tuple[MinimumSpend, ...]:
    """Required, agreed and planned NHS contribution to adult social care, per plan year.

    Returns nothing when the plan records no prior-year ASC figure.
    """
    if plan.asc_minimum is None:
        return ()
    rates = [policy.uplift(year).rate for year in plan.years]
    calculated = uplift_series(plan.asc_minimum.prior_year, rates)
    agreed = plan.asc_minimum.agreed or (None,) * len(plan.years)
    schemes = [s for s in _nhs_minimum_schemes(plan) if s.area_of_spend is AreaOfSpend.SOCIAL_CARE]
    return tuple(
        MinimumSpend(year, calculated[i], agreed[i], total([s.amounts[i] for s in schemes]))
        for i, year in enumerate(plan.years)
    )


def ooh_minimum(plan: Plan) -> tuple[MinimumSpend, ...]:
    """Required and planned NHS-commissioned out-of-hospital spend, per plan year.

    Returns nothing when the plan records no out-of-hospital minimum.
    """
    if not plan.ooh_minimum:
        return ()
    excluded = {AreaOfSpend.ACUTE, AreaOfSpend.SOCIAL_CARE}
    schemes = [s for s in _nhs_minimum_schemes(plan) if s.area_of_spend not in excluded]
    result = []
    for i, year in enumerate(plan.years):
        planned = ZERO
        for scheme in schemes:
            planned += sum((part for who, part in commissioner_parts(scheme, scheme.amounts[i]) if who == NHS), ZERO)
        result.append(MinimumSpend(year, plan.ooh_minimum[i], None, planned))
    return tuple(result)


def nhs_minimum_income(plan: Plan, year: str) -> Decimal:
    """The NHS minimum contribution received in a year, from every contributing ICB."""
    index = plan.year_index(year)
    return total([s.amounts[index] for s in plan.sources if s.kind is SourceKind.NHS_MINIMUM])
