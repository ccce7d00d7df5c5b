"""Plans for submission tests: a Hypothesis strategy of plans that fit a template year, and a small
balanced plan that completes a template of either year."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import strategies as st

from bcf_xl.model import (
    AgeBand,
    Area,
    AreaKind,
    AreaOfSpend,
    AscMinimum,
    Commissioner,
    ConditionAnswer,
    Contacts,
    DfgYear,
    District,
    FundingSource,
    Metric,
    MetricUnit,
    Partner,
    PartnerKind,
    Plan,
    Pool,
    Retention,
    Scheme,
    SchemeStatus,
    SourceKind,
)
from bcf_xl.policy import load_policy
from bcf_xl.submission.definition import TemplateYear
from tests.strategies import amounts

POLICY = load_policy()
# Words as officers type them: any printable text (formula look-alikes included), no surrounding spaces.
WORDS = (
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)
TRICKY = st.sampled_from(['=HYPERLINK("http://example.com","x")', "+44 1632", "-5", "@SUM(A1)", "'quoted", "007"])
TEXT = st.one_of(WORDS, TRICKY)
MONEY = amounts(10_000_000)
FRACTION = st.integers(min_value=0, max_value=1000).map(lambda n: D(n).scaleb(-3))


@st.composite
def plans(draw: st.DrawFn, year: TemplateYear) -> Plan:
    """A valid plan whose years and funding lines fit ``year``'s template (it need not balance)."""
    n = len(year.plan_years)

    def per_year(strategy: st.SearchStrategy[D] = MONEY) -> tuple[D, ...]:
        return tuple(draw(strategy) for _ in range(n))

    icbs = draw(st.integers(min_value=1, max_value=2))
    partners = (
        Partner("NCC", draw(TEXT), PartnerKind.COUNCIL),
        *(Partner(f"ICB{i + 1}", draw(TEXT), PartnerKind.ICB) for i in range(icbs)),
    )
    partner_ids = [p.partner_id for p in partners]
    kinds = [kind for kind, _ in year.income_lines]
    source_kinds = draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=8))
    sources = tuple(
        FundingSource(
            f"R{i + 1}",
            kind,
            draw(st.sampled_from(partner_ids)),
            per_year(),
            draw(TEXT) if kind is SourceKind.ADDITIONAL else draw(st.one_of(st.just(""), TEXT)),
        )
        for i, kind in enumerate(source_kinds)
    )
    two_tier = draw(st.booleans())
    districts = (
        tuple(District(f"D{i + 1}", draw(TEXT), per_year()) for i in range(draw(st.integers(1, 5)))) if two_tier else ()
    )
    area = Area(draw(TEXT), AreaKind.TWO_TIER if two_tier else AreaKind.UNITARY, districts)
    schemes = []
    types = list(POLICY.scheme_types)
    for i in range(draw(st.integers(min_value=0, max_value=12))):
        scheme_type = draw(st.sampled_from(types))
        subs = POLICY.scheme_types[scheme_type]
        commissioner = draw(st.sampled_from(list(Commissioner)))
        prior = draw(st.one_of(st.none(), MONEY))
        schemes.append(
            Scheme(
                scheme_id=f"X{i + 1:03d}",
                name=draw(TEXT),
                description=draw(st.one_of(st.just(""), TEXT)),
                scheme_type=scheme_type,
                sub_type=draw(st.sampled_from(subs)) if subs else "",
                area_of_spend=draw(st.sampled_from(list(AreaOfSpend))),
                commissioner=commissioner,
                provider=draw(st.sampled_from(POLICY.vocabularies["provider"])),
                source=draw(st.sampled_from([s.source_id for s in sources])),
                amounts=per_year(),
                status=draw(st.sampled_from(list(SchemeStatus))),
                theme=draw(TEXT),
                pool="P1",
                nhs_share=draw(FRACTION) if commissioner is Commissioner.JOINT else None,
                prior_year_budget=prior,
                additional_investment=draw(amounts(1_000_000).map(lambda a: -a) | MONEY) if prior is not None else None,
                outturn=(draw(MONEY), *([None] * (n - 1))),
            )
        )
    metrics = []
    for national in year.metrics:
        if not draw(st.booleans()):
            continue
        value = FRACTION if national.unit is MetricUnit.PERCENT else st.integers(0, 100_000).map(D)
        population = (
            draw(st.integers(1, 2_000_000))
            if national.unit is MetricUnit.RATE
            else draw(st.one_of(st.none(), st.integers(1, 2_000_000)))
        )
        bands: tuple[AgeBand, ...] = ()
        if national.unit is MetricUnit.STANDARDISED and draw(st.booleans()):  # the rates worked out from age bands
            counts, with_actual = st.integers(0, 5_000).map(D), draw(st.booleans())
            bands = tuple(
                AgeBand(
                    band,
                    draw(st.integers(1, 200_000)),
                    baseline=draw(counts),
                    target=draw(counts),
                    actual=draw(counts) if with_actual else None,
                )
                for band in ("65-69", "70-74", "75-79", "80-84", "85-89", "90+")
            )
        metrics.append(
            Metric(
                national.code,
                draw(TEXT),
                national.polarity,
                national.unit,
                None if bands else draw(value),
                None if bands else draw(value),
                actual=None if bands else draw(st.one_of(st.none(), value)),
                population=population,
                population_source=draw(st.one_of(st.just(""), TEXT)),
                bands=bands,
            )
        )
    dfg: tuple[DfgYear, ...] = ()
    if draw(st.booleans()):
        dfg = tuple(
            DfgYear(
                draw(MONEY),
                tuple(draw(st.lists(amounts(100_000), max_size=2))),
                tuple(
                    Retention(d.district_id, draw(amounts(50_000)), draw(TEXT))
                    for d in districts
                    if draw(st.booleans())
                ),
            )
            for _ in range(n)
        )
    asc = None
    if draw(st.booleans()):
        asc = AscMinimum(draw(MONEY), draw(st.one_of(st.just(()), st.tuples(*[st.one_of(st.none(), MONEY)] * n))))
    conditions = []
    for condition in year.conditions:
        met = draw(st.sampled_from([True, False, None]))
        explanation = draw(TEXT) if met is None else draw(st.one_of(st.just(""), TEXT))
        if draw(st.booleans()):
            conditions.append(ConditionAnswer(condition.code, met, explanation))
    return Plan(
        area=area,
        years=year.plan_years,
        partners=partners,
        sources=sources,
        pools=(Pool("P1", "Pool 1", "NCC"),),
        schemes=tuple(schemes),
        metrics=tuple(metrics),
        asc_minimum=asc,
        ooh_minimum=draw(st.one_of(st.just(()), st.tuples(*[MONEY] * n))),
        dfg=dfg,
        contacts=Contacts(*(draw(st.one_of(st.just(""), TEXT)) for _ in range(6))),
        conditions=tuple(conditions),
    )


def balanced_plan(year: TemplateYear) -> Plan:
    """A small two-tier plan that completes ``year``'s template: it balances and meets both minimums."""
    n = len(year.plan_years)

    def each(amount: str) -> tuple[D, ...]:
        return (D(amount),) * n

    partners = (
        Partner("LA", "Westby Council", PartnerKind.COUNCIL, "Chris Dale"),
        Partner("ICB", "NHS Westby ICB", PartnerKind.ICB, "Dr Pat Moore"),
    )
    sources = (
        FundingSource("NHS", SourceKind.NHS_MINIMUM, "ICB", each("3000000.00")),
        FundingSource("DFG", SourceKind.DFG, "LA", each("900000.00")),
        FundingSource("GRANT", SourceKind.IBCF, "LA", each("1500000.00")),
        FundingSource("EXTRA", SourceKind.ADDITIONAL, "LA", each("100000.00"), "Council top-up for carers"),
    )

    def scheme(
        ident: str,
        source: str,
        area: AreaOfSpend,
        who: Commissioner,
        amount: str,
        share: str | None = None,
        scheme_type: str = "Carers Services",
        sub_type: str = "Respite services",
    ) -> Scheme:
        return Scheme(
            ident,
            f"Scheme {ident}",
            "",
            scheme_type,
            sub_type,
            area,
            who,
            "Local Authority",
            source,
            each(amount),
            SchemeStatus.EXISTING,
            "",
            "",
            D(share) if share else None,
        )

    schemes = (
        scheme("A1", "NHS", AreaOfSpend.SOCIAL_CARE, Commissioner.LOCAL_AUTHORITY, "1200000.00"),
        scheme("A2", "NHS", AreaOfSpend.COMMUNITY_HEALTH, Commissioner.ICB, "1500000.00"),
        scheme("A3", "NHS", AreaOfSpend.MENTAL_HEALTH, Commissioner.JOINT, "300000.00", "0.5"),
        scheme(
            "A4",
            "DFG",
            AreaOfSpend.SOCIAL_CARE,
            Commissioner.LOCAL_AUTHORITY,
            "900000.00",
            scheme_type="DFG Related Schemes",
            sub_type="Adaptations, including statutory DFG grants",
        ),
        scheme("A5", "GRANT", AreaOfSpend.SOCIAL_CARE, Commissioner.LOCAL_AUTHORITY, "1500000.00"),
        scheme("A6", "EXTRA", AreaOfSpend.SOCIAL_CARE, Commissioner.LOCAL_AUTHORITY, "100000.00"),
    )
    metrics = tuple(
        Metric(
            m.code,
            m.name,
            m.polarity,
            m.unit,
            D("0.8") if m.unit is MetricUnit.PERCENT else D(900),
            D("0.82") if m.unit is MetricUnit.PERCENT else D(850),
            population=200_000 if m.unit is MetricUnit.RATE else None,
            per=m.per,
        )
        for m in year.metrics
    )
    return Plan(
        area=Area(
            "Westby",
            AreaKind.TWO_TIER,
            (District("W1", "West District", each("600000.00")), District("W2", "East District", each("300000.00"))),
        ),
        years=year.plan_years,
        partners=partners,
        sources=sources,
        pools=(),
        schemes=schemes,
        metrics=metrics,
        asc_minimum=AscMinimum(D("1000000.00")),
        ooh_minimum=each("1500000.00"),
        dfg=tuple(DfgYear(D("900000.00")) for _ in range(n)),
        contacts=Contacts(
            "Sam Lee",
            "Finance Manager",
            "sam.lee@westby.example.gov.uk",
            "01632 960 000",
            "Cllr A. Chair",
            "2025-05-01",
            hwb_chair="Cllr A. Chair",
            director_asc="Jo Banks",
            section151="Lee Grant",
            hwb_signed_off="Yes",
        ),
        conditions=tuple(ConditionAnswer(c.code, True, "Confirmed") for c in year.conditions),
    )
