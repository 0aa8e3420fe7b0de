"""A deterministic synthetic data set: four demo tenants with offices, managers, customers, loans.

It exists for demonstrations, manual testing and load tests, so it has to look
like a real rural bank's book (Chinese names, valid identity numbers, a
plausible five-category mix, customer classes consistent with the loans) and
has to be reproducible: the same seed, sizes and ``today`` give the same rows,
ids included, on SQLite and PostgreSQL alike, so that a problem seen on one
machine can be replayed on another. Nothing reads the wall clock.

Rows are drawn in memory first (:func:`generate_tenant_rows`, pure) and then
written with Core bulk inserts in chunks, not ORM objects, which keeps 80,000
loans to seconds. The caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import (
    Base,
    BlacklistEntry,
    Customer,
    CustomerClassChange,
    Event,
    EventCounter,
    Loan,
    Manager,
    ManagerTierChange,
    Office,
    Tenant,
    TenantPolicy,
    TenantPolicyChange,
)
from server.domain import (
    AdmissionStatus,
    CreditExamResult,
    CustomerClass,
    CustomerKind,
    CustomerSegment,
    Education,
    EventKind,
    Guarantee,
    IndustryPolicy,
    LoanProduct,
    ManagerCategory,
    ManagerStatus,
    OfficeKind,
    OperatingStatus,
    PolicyCategory,
    ProfessionalTitle,
    Prospects,
    RiskClass,
    SystemProficiency,
    TierChangeCause,
)
from server.identity_codes import make_resident_id, make_social_credit_code
from server.ids import uuid7
from server.policy.parameters import defaults
from server.policy.registry import PolicyRegistry
from server.policy.types import Classification, CustomerFacts, Tier
from server.services.classification import RISK_ORDER, rules_json
from server.services.events import class_payload, event_row, grade_payload
from server.services.periods import add_months
from server.services.snapshots import take_loan_snapshot

RECORDED_BY = "demo-data"
DEFAULT_TODAY = dt.date(2025, 12, 31)
DEFAULT_SEED = 20251
CHUNK_SIZE = 2000
# Rows are stamped as written on the evening of ``today``, Beijing time.
CHINA_TIME = dt.timezone(dt.timedelta(hours=8))
LOAD_TIME = dt.time(20, 0)
# Loans on the book were issued at most this long before ``today``.
BOOK_DAYS = 3 * 365
QUALIFICATION_LEVELS = ("初级", "中级", "高级", "资深")

Row = dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class DemoTenant:
    """One tenant of the demo set and how its data is flavoured."""

    tenant_id: str
    name: str
    province: str
    code: str  # prefix of employee, licence and contract numbers
    county: str  # the county its customers live in
    regions: tuple[str, ...]  # administrative division codes, home county first
    is_union: bool  # a county union names its offices 信用社/分社, not 支行/网点
    licence_years: int  # how long a manager's licence (上岗证) runs
    policies: tuple[tuple[PolicyCategory, str], ...]

    @property
    def grading_plugin(self) -> str | None:
        return dict(self.policies).get(PolicyCategory.GRADING)

    @property
    def classification_plugin(self) -> str | None:
        return dict(self.policies).get(PolicyCategory.CLASSIFICATION)


DEMO_TENANTS = (
    DemoTenant(
        tenant_id="sd-demo",
        name="山东某农村商业银行",
        province="山东",
        code="SD",
        county="沂南县",
        regions=("371321", "371322", "371323", "371302"),
        is_union=False,
        licence_years=3,
        policies=(
            (PolicyCategory.GRADING, "shandong"),
            (PolicyCategory.PENALTY, "shandong"),
        ),
    ),
    DemoTenant(
        tenant_id="ah-demo",
        name="安徽某农村商业银行",
        province="安徽",
        code="AH",
        county="临泉县",
        regions=("341221", "341222", "341225", "341202"),
        is_union=False,
        licence_years=3,
        policies=(
            (PolicyCategory.GRADING, "anhui"),
            (PolicyCategory.LENDING, "anhui"),
            (PolicyCategory.PENALTY, "anhui"),
        ),
    ),
    DemoTenant(
        tenant_id="sx-demo",
        name="山西某农村商业银行",
        province="山西",
        code="SX",
        county="定襄县",
        regions=("140921", "140922", "140902", "140923"),
        is_union=False,
        licence_years=3,
        policies=(
            (PolicyCategory.GRADING, "shandong"),
            (PolicyCategory.CLASSIFICATION, "shanxi_customer_class"),
        ),
    ),
    DemoTenant(
        tenant_id="cc-demo",
        name="某县农村信用合作联社",
        province="河北",
        code="CC",
        county="元氏县",
        regions=("130132", "130131", "130133", "130125"),
        is_union=True,
        # 一年一认定: the union confirms every licence yearly.
        licence_years=1,
        policies=(
            (PolicyCategory.GRADING, "county_coop"),
            (PolicyCategory.LENDING, "county_coop"),
            (PolicyCategory.PENALTY, "county_coop"),
        ),
    ),
)
DEMO_TENANT_IDS = tuple(tenant.tenant_id for tenant in DEMO_TENANTS)


@dataclass(frozen=True)
class TenantSummary:
    """How many rows of each kind one demo tenant got."""

    tenant_id: str
    offices: int
    managers: int
    tier_changes: int
    customers: int
    blacklisted: int
    class_changes: int
    loans: int


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`load_demo_data` wrote, tenant by tenant."""

    tenants: tuple[TenantSummary, ...]


@dataclass(frozen=True)
class TenantRows:
    """All rows of one demo tenant, as column dicts ready for a Core insert."""

    tenant: Row
    policies: list[Row]
    policy_changes: list[Row]
    offices: list[Row]
    managers: list[Row]
    tier_changes: list[Row]
    customers: list[Row]
    blacklist: list[Row]
    class_changes: list[Row]
    loans: list[Row]
    events: list[Row]
    event_counter: Row

    def in_insert_order(self) -> list[tuple[Table, list[Row]]]:
        """Each table with its rows, parents before children (offices root first)."""
        tables = Base.metadata.tables
        return [
            (tables[Tenant.__tablename__], [self.tenant]),
            (tables[TenantPolicy.__tablename__], self.policies),
            (tables[TenantPolicyChange.__tablename__], self.policy_changes),
            (tables[Office.__tablename__], self.offices),
            (tables[Manager.__tablename__], self.managers),
            (tables[ManagerTierChange.__tablename__], self.tier_changes),
            (tables[Customer.__tablename__], self.customers),
            (tables[BlacklistEntry.__tablename__], self.blacklist),
            (tables[CustomerClassChange.__tablename__], self.class_changes),
            (tables[Loan.__tablename__], self.loans),
            (tables[Event.__tablename__], self.events),
            (tables[EventCounter.__tablename__], [self.event_counter]),
        ]

    def summary(self) -> TenantSummary:
        return TenantSummary(
            tenant_id=self.tenant["tenant_id"],
            offices=len(self.offices),
            managers=len(self.managers),
            tier_changes=len(self.tier_changes),
            customers=len(self.customers),
            blacklisted=len(self.blacklist),
            class_changes=len(self.class_changes),
            loans=len(self.loans),
        )


async def database_is_empty(session: AsyncSession) -> bool:
    """True when no tenant exists yet (the first start of an installation)."""
    return (await session.execute(select(Tenant.tenant_id).limit(1))).first() is None


async def load_demo_data(
    session: AsyncSession,
    *,
    managers: int = 200,
    customers: int = 5000,
    loans: int = 20000,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    tenants: Sequence[str] | None = None,
    registry: PolicyRegistry | None = None,
) -> DemoSummary:
    """Write the demo tenants (all four, or those named) with the given sizes per tenant,
    and a loan snapshot as at ``today``.

    Raises ``ValueError`` for an unknown tenant or one that already exists;
    nothing is written then. Does not commit: the caller owns the transaction.
    """
    chosen = _choose_tenants(tenants)
    existing = (
        await session.scalars(
            select(Tenant.tenant_id).where(Tenant.tenant_id.in_([t.tenant_id for t in chosen]))
        )
    ).all()
    if existing:
        raise ValueError(f"demo tenant(s) already exist: {', '.join(sorted(existing))}")
    registry = PolicyRegistry() if registry is None else registry
    summaries = []
    for tenant in chosen:
        rows = generate_tenant_rows(
            tenant.tenant_id,
            managers=managers,
            customers=customers,
            loans=loans,
            seed=seed,
            today=today,
            registry=registry,
        )
        for table, table_rows in rows.in_insert_order():
            for start in range(0, len(table_rows), CHUNK_SIZE):
                await session.execute(insert(table), table_rows[start : start + CHUNK_SIZE])
        # The book as at the demo date, so appraisals of the following year have their start.
        await take_loan_snapshot(
            session, tenant.tenant_id, None, as_of=today or DEFAULT_TODAY, today=today
        )
        summaries.append(rows.summary())
    return DemoSummary(tenants=tuple(summaries))


def generate_tenant_rows(
    tenant_id: str,
    *,
    managers: int = 200,
    customers: int = 5000,
    loans: int = 20000,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    registry: PolicyRegistry | None = None,
) -> TenantRows:
    """Draw every row of one demo tenant, without touching a database.

    Each tenant has its own random streams derived from ``seed`` and its id, so
    a tenant's rows do not depend on which other tenants are loaded with it.
    """
    (tenant,) = _choose_tenants([tenant_id])
    if managers < 1 or customers < 0 or loans < 0:
        raise ValueError("a demo tenant needs at least one manager and no negative sizes")
    if loans and not customers:
        raise ValueError("loans need customers to belong to")
    generator = _TenantGenerator(
        tenant,
        seed=seed,
        today=DEFAULT_TODAY if today is None else today,
        registry=PolicyRegistry() if registry is None else registry,
    )
    return generator.generate(managers=managers, customers=customers, loans=loans)


def _choose_tenants(tenant_ids: Sequence[str] | None) -> list[DemoTenant]:
    if tenant_ids is None:
        return list(DEMO_TENANTS)
    unknown = sorted(set(tenant_ids) - set(DEMO_TENANT_IDS))
    if unknown:
        raise ValueError(
            f"unknown demo tenant(s) {', '.join(unknown)}; known: {', '.join(DEMO_TENANT_IDS)}"
        )
    return [tenant for tenant in DEMO_TENANTS if tenant.tenant_id in tenant_ids]


class _Weighted(Generic[T]):
    """A fixed weighted choice, drawn with precomputed cumulative weights."""

    def __init__(self, *options: tuple[T, float]) -> None:
        self._values = [value for value, _ in options]
        self._cumulative: list[float] = []
        total = 0.0
        for _, weight in options:
            total += weight
            self._cumulative.append(total)

    def pick(self, rng: random.Random) -> T:
        return rng.choices(self._values, cum_weights=self._cumulative)[0]


class _Clock:
    """Hands out time-ordered ids one millisecond apart, and the instant of each.

    A row's ``created_at`` is the instant in its id, so both orders agree.
    """

    _EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def __init__(self, start: dt.datetime, rng: random.Random) -> None:
        self._ms = (start - self._EPOCH) // dt.timedelta(milliseconds=1)
        self._rng = rng

    def tick(self) -> dt.datetime:
        self._ms += 1
        return self._EPOCH + dt.timedelta(milliseconds=self._ms)

    def next_id(self) -> tuple[uuid.UUID, dt.datetime]:
        at = self.tick()
        return uuid7(timestamp_ms=self._ms, rand=self._rng.randbytes(10)), at


# --- vocabulary ---------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    """A word list written as one space-separated string, to keep long lists compact."""
    return tuple(text.split())


# The commonest surnames, weighted roughly by frequency.
_SURNAMES = _Weighted(
    *(
        (surname, weight)
        for weight, surnames in (
            (7.0, "王李张"),
            (5.0, "刘陈"),
            (3.0, "杨黄赵吴周"),
            (1.5, "徐孙马朱胡郭何林高罗"),
            (0.8, "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"),
            (0.4, "余杜叶程苏魏吕丁任沈姚卢姜崔孟侯邵孔闫贾付白"),
            (0.2, "岳牛尹薛段常武乔史秦庞葛"),
        )
        for surname in surnames
    )
)
_MALE_GIVEN = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利"
    "清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功"
    "松善厚庆磊民友裕河哲江超浩亮政谦奇朗伯宏鸣朋斌栋维启克伦翔旭鹏泽晨辰士建家致树德行泰盛雄"
)
_FEMALE_GIVEN = (
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱霞香月媛艳"
    "瑞佳嘉琼勤珍贞莉桂叶璐琦晶妍茜秋珊莎锦青倩婷婉娴瑾颖露瑶怡雁蓓仪荷丹蓉君琴蕊薇菁梦岚馨韵"
)
_URBAN_AREAS = _words("城东 城西 城南 城北 开发区")
_TOWNSHIPS = _words(
    "马庄 王集 张店 高桥 石门 柳林 河口 新集 杨楼 孙庄 白塔 青龙 双河 龙山 东湖 南河 北岭 太平"
    " 永安 长乐 兴隆 三合 黄庄 刘集 周营 十里铺 古城 清泉"
)
_VILLAGES = _words(
    "李家庄 王家屯 张家湾 赵家洼 刘家沟 陈家岭 杨柳村 前进村 后营村 东王庄 西李庄 南刘庄 北张庄"
    " 孙家店 马家河 高家坡 郭家营 何家寨 吴家堡 周家桥 徐家湖 朱家圩 胡家岗 林家铺 黄家集 梁家洼"
    " 宋家庄 唐家坊 许家屯 韩家店 冯家楼 邓家湾 曹家庄 彭家寨 田家坝 董家窑 袁家桥 于家岭 蒋家沟"
)
_BRANDS = _words(
    "宏达 鑫源 丰收 金穗 绿源 华泰 恒通 兴旺 富民 瑞丰 德胜 福源 天成 永盛 万家 顺发 广利 嘉禾"
    " 沃土 益农 汇丰 隆昌 新禾 金田 润泽 康宁 盛世 聚福 众诚 鼎力"
)
_TRADES = _words(
    "农业开发 食品 粮油贸易 农机销售 建材 饲料 畜禽养殖 果蔬 物流 纺织 机械制造 商贸 生物科技"
    " 种业 酿造 面粉 化肥销售 农资 木业 包装"
)
_COMPANY_FORMS = _Weighted(("有限公司", 70), ("有限责任公司", 20), ("股份有限公司", 10))
_COUNTY_INSTITUTIONS = _words(
    "人民医院 中医医院 妇幼保健院 第一中学 第二中学 职业教育中心 农业技术推广中心"
)
_TOWN_INSTITUTIONS = _words("中心卫生院 中心小学 初级中学 农业综合服务站")
_COOPERATIVES = _words("果蔬种植 粮食种植 畜禽养殖 农机服务 中药材种植 食用菌种植")
_BLACKLIST_REASONS = (
    "贷款逾期且拒不履行还款义务",
    "恶意逃废银行债务",
    "提供虚假材料骗取贷款",
    "被人民法院列为失信被执行人",
)

_MANAGER_STATUS = _Weighted(
    (ManagerStatus.ACTIVE, 90),
    (ManagerStatus.PROBATION, 5),
    (ManagerStatus.SUSPENDED, 2.5),
    (ManagerStatus.LEFT, 2.5),
)
_EDUCATION = _Weighted(
    (Education.BACHELOR_OR_HIGHER, 55),
    (Education.JUNIOR_COLLEGE, 35),
    (Education.SECONDARY_OR_BELOW, 10),
)
_TITLE = _Weighted(
    (ProfessionalTitle.INTERMEDIATE_OR_HIGHER, 25),
    (ProfessionalTitle.JUNIOR, 45),
    (ProfessionalTitle.NONE, 30),
)
_EXAM = _Weighted(
    (CreditExamResult.PASSED, 88),
    (CreditExamResult.EXEMPT, 5),
    (CreditExamResult.FAILED, 4),
    (CreditExamResult.NOT_TAKEN, 3),
)
_PROBATION_EXAM = _Weighted((CreditExamResult.PASSED, 60), (CreditExamResult.NOT_TAKEN, 40))
_PROFICIENCY = _Weighted(
    (SystemProficiency.PROFICIENT, 70),
    (SystemProficiency.FAIR, 25),
    (SystemProficiency.NONE, 5),
)

_INDIVIDUAL_SEGMENT = _Weighted(
    (CustomerSegment.FARMER, 60),
    (CustomerSegment.MERCHANT, 15),
    (CustomerSegment.URBAN_RESIDENT, 10),
    (CustomerSegment.SMALL_BUSINESS_OWNER, 8),
    (CustomerSegment.OTHER_INDIVIDUAL, 5),
    (CustomerSegment.PARTNER, 2),
)
_CORPORATE_SEGMENT = _Weighted(
    (CustomerSegment.ENTERPRISE, 85),
    (CustomerSegment.OTHER_ORGANISATION, 10),
    (CustomerSegment.INSTITUTION, 5),
)
# GB 32100 registration authority + category: enterprise, public institution, cooperative.
_CREDIT_CODE_PREFIX = {
    CustomerSegment.ENTERPRISE: "91",
    CustomerSegment.INSTITUTION: "12",
    CustomerSegment.OTHER_ORGANISATION: "93",
}
_INDUSTRY = _Weighted(
    (IndustryPolicy.NEUTRAL, 64.5),
    (IndustryPolicy.ENCOURAGED, 32),
    (IndustryPolicy.RESTRICTED, 3),
    (IndustryPolicy.PROHIBITED, 0.5),
)
_OPERATING = _Weighted(
    (OperatingStatus.NORMAL, 95.5),
    (OperatingStatus.DECLINING, 3),
    (OperatingStatus.SUSPENDED, 1),
    (OperatingStatus.CEASED, 0.5),
)
_PROSPECTS = _Weighted((Prospects.GOOD, 45), (Prospects.STABLE, 45), (Prospects.POOR, 10))

_PRODUCTS: dict[CustomerSegment, _Weighted[LoanProduct]] = {
    CustomerSegment.FARMER: _Weighted(
        (LoanProduct.FARMER_MICRO_CREDIT, 60),
        (LoanProduct.FARMER_GUARANTEED, 30),
        (LoanProduct.CONSUMER_LOAN, 5),
        (LoanProduct.MORTGAGE_LOAN, 5),
    ),
    CustomerSegment.MERCHANT: _Weighted(
        (LoanProduct.MERCHANT_LOAN, 70),
        (LoanProduct.CONSUMER_LOAN, 15),
        (LoanProduct.MORTGAGE_LOAN, 15),
    ),
    CustomerSegment.SMALL_BUSINESS_OWNER: _Weighted(
        (LoanProduct.MERCHANT_LOAN, 50),
        (LoanProduct.MORTGAGE_LOAN, 30),
        (LoanProduct.CONSUMER_LOAN, 20),
    ),
    CustomerSegment.PARTNER: _Weighted(
        (LoanProduct.MERCHANT_LOAN, 60),
        (LoanProduct.MORTGAGE_LOAN, 40),
    ),
    CustomerSegment.URBAN_RESIDENT: _Weighted(
        (LoanProduct.CONSUMER_LOAN, 50),
        (LoanProduct.MORTGAGE_LOAN, 50),
    ),
    CustomerSegment.OTHER_INDIVIDUAL: _Weighted(
        (LoanProduct.CONSUMER_LOAN, 60),
        (LoanProduct.FARMER_MICRO_CREDIT, 40),
    ),
}
_CORPORATE_PRODUCTS = _Weighted(
    (LoanProduct.WORKING_CAPITAL, 50),
    (LoanProduct.FIXED_ASSET, 15),
    (LoanProduct.ACCEPTANCE_DISCOUNT, 12),
    (LoanProduct.TRADE_FINANCE, 8),
    (LoanProduct.LETTER_OF_GUARANTEE, 5),
    (LoanProduct.OVERDRAFT, 3),
    (LoanProduct.FACTORING, 3),
    (LoanProduct.LOAN_COMMITMENT, 2),
    (LoanProduct.LETTER_OF_CREDIT, 2),
)
_CORPORATE_GUARANTEE = _Weighted(
    (Guarantee.MORTGAGE, 45),
    (Guarantee.GUARANTEE, 40),
    (Guarantee.PLEDGE, 10),
    (Guarantee.CREDIT, 5),
)
_GUARANTEE: dict[LoanProduct, _Weighted[Guarantee]] = {
    LoanProduct.FARMER_MICRO_CREDIT: _Weighted((Guarantee.CREDIT, 1)),
    LoanProduct.FARMER_GUARANTEED: _Weighted((Guarantee.GUARANTEE, 1)),
    LoanProduct.MORTGAGE_LOAN: _Weighted((Guarantee.MORTGAGE, 1)),
    LoanProduct.MERCHANT_LOAN: _Weighted(
        (Guarantee.GUARANTEE, 50), (Guarantee.MORTGAGE, 35), (Guarantee.CREDIT, 15)
    ),
    LoanProduct.CONSUMER_LOAN: _Weighted((Guarantee.CREDIT, 60), (Guarantee.GUARANTEE, 40)),
    LoanProduct.ACCEPTANCE_DISCOUNT: _Weighted(
        (Guarantee.PLEDGE, 50), (Guarantee.MORTGAGE, 25), (Guarantee.GUARANTEE, 25)
    ),
}
# Principal bands in thousands of yuan, skewed towards the small end.
_INDIVIDUAL_AMOUNTS: dict[LoanProduct, _Weighted[tuple[int, int]]] = {
    LoanProduct.FARMER_MICRO_CREDIT: _Weighted(((10, 30), 5), ((30, 50), 3), ((50, 100), 2)),
    LoanProduct.FARMER_GUARANTEED: _Weighted(((30, 100), 5), ((100, 200), 3), ((200, 300), 2)),
    LoanProduct.MERCHANT_LOAN: _Weighted(((50, 100), 4), ((100, 200), 4), ((200, 300), 2)),
    LoanProduct.CONSUMER_LOAN: _Weighted(((10, 50), 5), ((50, 100), 3), ((100, 200), 2)),
    LoanProduct.MORTGAGE_LOAN: _Weighted(((100, 200), 4), ((200, 300), 4), ((300, 600), 2)),
}
# Individual principals are mostly whole thousands of yuan, sometimes hundreds.
_INDIVIDUAL_UNIT = _Weighted((1000, 75), (100, 20), (1, 5))
_CORPORATE_AMOUNTS = _Weighted(
    ((500, 2_000), 5), ((2_000, 5_000), 3), ((5_000, 10_000), 1.5), ((10_000, 20_000), 0.5)
)
# Annual rates in basis points by product (0.0435 to 0.0900 overall).
_RATE_BANDS: dict[LoanProduct, tuple[int, int]] = {
    LoanProduct.FARMER_MICRO_CREDIT: (500, 750),
    LoanProduct.FARMER_GUARANTEED: (520, 780),
    LoanProduct.MERCHANT_LOAN: (550, 850),
    LoanProduct.CONSUMER_LOAN: (600, 900),
    LoanProduct.MORTGAGE_LOAN: (435, 600),
}
_CORPORATE_RATES = (435, 700)
_AMORTISING = frozenset(
    {LoanProduct.MORTGAGE_LOAN, LoanProduct.CONSUMER_LOAN, LoanProduct.FIXED_ASSET}
)
_SHORT_TERM = frozenset(
    {LoanProduct.ACCEPTANCE_DISCOUNT, LoanProduct.TRADE_FINANCE, LoanProduct.LETTER_OF_CREDIT}
)
_TERM_MONTHS = _Weighted((12, 45), (24, 30), (36, 25))
# A borrower's loans share its fortunes: each loan of a borrower in trouble takes the
# borrower's class with this probability (else it is NORMAL), so that per loan the mix
# comes out at about 93% NORMAL, 4% SPECIAL_MENTION, 1.5% SUBSTANDARD, 1% DOUBTFUL, 0.5% LOSS.
_TROUBLE_SHARE = 0.6
_BORROWER_RISK = _Weighted(
    (RiskClass.NORMAL, 100 - 7 / _TROUBLE_SHARE),
    (RiskClass.SPECIAL_MENTION, 4 / _TROUBLE_SHARE),
    (RiskClass.SUBSTANDARD, 1.5 / _TROUBLE_SHARE),
    (RiskClass.DOUBTFUL, 1 / _TROUBLE_SHARE),
    (RiskClass.LOSS, 0.5 / _TROUBLE_SHARE),
)
# Days overdue per class, after the 2023 rules on risk classification of financial
# assets: more than 90 days at least 次级, more than 270 at least 可疑, more than 360 损失.
_OVERDUE_DAYS = {
    RiskClass.SUBSTANDARD: (90, 270),
    RiskClass.DOUBTFUL: (271, 360),
    RiskClass.LOSS: (361, 1000),
}


# --- dates and money ------------------------------------------------------------


def _date_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """A uniformly drawn day from ``first`` to ``last`` inclusive."""
    return dt.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def _money(rng: random.Random, band: tuple[int, int], *, unit: int) -> Decimal:
    """A principal in ``band`` (thousands of yuan), a multiple of ``unit`` yuan."""
    low, high = band[0] * 1000 // unit, band[1] * 1000 // unit
    return Decimal(rng.randint(low, high) * unit).quantize(Decimal("0.01"))


def _share(amount: Decimal, permille: int) -> Decimal:
    """``permille``/1000 of ``amount``, rounded down to the fen (so never above it)."""
    return (amount * permille / 1000).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


# --- the generator ----------------------------------------------------------------


class _TenantGenerator:
    """Draws one tenant's rows; every random choice comes from the tenant's own streams."""

    def __init__(
        self, tenant: DemoTenant, *, seed: int, today: dt.date, registry: PolicyRegistry
    ) -> None:
        self.tenant = tenant
        self.today = today
        self.registry = registry
        self.rng = random.Random(f"{seed}/{tenant.tenant_id}")
        index = DEMO_TENANT_IDS.index(tenant.tenant_id)
        start = dt.datetime.combine(today, LOAD_TIME, CHINA_TIME) + dt.timedelta(hours=index)
        self.clock = _Clock(
            start.astimezone(dt.UTC), random.Random(f"{seed}/{tenant.tenant_id}/ids")
        )
        grading = tenant.grading_plugin
        self.tiers = (
            tuple(sorted(registry.grading(grading).tiers(), key=lambda t: t.rank))
            if grading
            else ()
        )
        self.grading_version = registry.info(grading).version if grading else None
        self.earliest_issue = today - dt.timedelta(days=BOOK_DAYS)

    def generate(self, *, managers: int, customers: int, loans: int) -> TenantRows:
        tenant_row = {
            "tenant_id": self.tenant.tenant_id,
            "name": self.tenant.name,
            "province": self.tenant.province,
            "created_at": self.clock.tick(),
        }
        policies, policy_changes = self._policies()
        offices = self._offices()
        manager_rows, tier_changes = self._managers(managers, offices)
        customer_rows = self._customers(customers, manager_rows)
        loan_rows = self._loans(loans, customer_rows)
        self._settle_admission(customer_rows, loan_rows)
        blacklist = self._blacklist(customer_rows, loan_rows)
        class_changes = self._classify(customer_rows, loan_rows)
        events = self._events(manager_rows, tier_changes, customer_rows, class_changes)
        return TenantRows(
            tenant=tenant_row,
            policies=policies,
            policy_changes=policy_changes,
            offices=offices,
            managers=manager_rows,
            tier_changes=tier_changes,
            customers=customer_rows,
            blacklist=blacklist,
            class_changes=class_changes,
            loans=loan_rows,
            events=events,
            event_counter={"tenant_id": self.tenant.tenant_id, "last_cursor": len(events)},
        )

    def _events(
        self,
        managers: list[Row],
        tier_changes: list[Row],
        customers: list[Row],
        class_changes: list[Row],
    ) -> list[Row]:
        """The outbox rows of every change above, as the services write them, in time order."""
        by_manager = {m["id"]: m for m in managers}
        by_customer = {c["id"]: c for c in customers}
        pending: list[tuple[dt.datetime, EventKind, uuid.UUID, uuid.UUID, dict[str, Any]]] = []
        for change in tier_changes:
            manager = by_manager[change["manager_id"]]
            payload = grade_payload(
                manager_id=manager["id"],
                employee_no=manager["employee_no"],
                name=manager["name"],
                office_id=manager["office_id"],
                from_tier=(None, None, None),
                to_tier=Tier(change["to_code"], change["to_name"], change["to_rank"], ""),
                cause=change["cause"],
                effective_on=change["effective_on"],
                reason=change["reason"],
                plugin=change["plugin"],
                plugin_version=change["plugin_version"],
            )
            pending.append(
                (
                    change["recorded_at"],
                    EventKind.GRADE_CHANGED,
                    manager["id"],
                    manager["office_id"],
                    payload,
                )
            )
        for change in class_changes:
            customer = by_customer[change["customer_id"]]
            payload = class_payload(
                customer_id=customer["id"],
                name=customer["name"],
                office_id=customer["office_id"],
                from_class=None,
                to_class=change["to_class"],
                rules=change["rules"],
                plugin=change["plugin"],
                plugin_version=change["plugin_version"],
            )
            pending.append(
                (
                    change["changed_at"],
                    EventKind.CUSTOMER_CLASS_CHANGED,
                    customer["id"],
                    customer["office_id"],
                    payload,
                )
            )
        pending.sort(key=lambda event: event[0])
        return [
            event_row(self.tenant.tenant_id, cursor, kind, subject, office, payload, at)
            for cursor, (at, kind, subject, office, payload) in enumerate(pending, start=1)
        ]

    # --- tenant and offices ---

    def _policies(self) -> tuple[list[Row], list[Row]]:
        policies, changes = [], []
        for category, plugin in self.tenant.policies:
            version = self.registry.info(plugin).version
            change_id, at = self.clock.next_id()
            common = {
                "tenant_id": self.tenant.tenant_id,
                "category": category,
                "plugin": plugin,
                "plugin_version": version,
                "parameters": {},
            }
            policies.append({**common, "selected_by": RECORDED_BY, "selected_at": at})
            changes.append({**common, "id": change_id, "changed_by": RECORDED_BY, "changed_at": at})
        return policies, changes

    def _offices(self) -> list[Row]:
        rng = self.rng
        union = self.tenant.is_union
        branch_count = rng.randint(5, 7)
        outlet_counts = [rng.randint(2, 4) for _ in range(branch_count)]
        # The first branch is in the county seat (城关), the others in town or in townships.
        towns = ["城关", *rng.sample(_URBAN_AREAS + _TOWNSHIPS, branch_count - 1)]
        villages = iter(rng.sample(_VILLAGES, sum(outlet_counts)))
        root = self._office(
            None, "10000", "联社本部" if union else "总行", OfficeKind.HEAD_OFFICE, clerk=False
        )
        offices = [root]
        for number, (town, outlets) in enumerate(zip(towns, outlet_counts, strict=True), 1):
            branch = self._office(
                root,
                f"1{number:02d}00",
                f"{town}信用社" if union else f"{town}支行",
                OfficeKind.BRANCH,
                clerk=True,
            )
            offices.append(branch)
            for outlet in range(1, outlets + 1):
                village = next(villages)
                offices.append(
                    self._office(
                        branch,
                        f"1{number:02d}{outlet:02d}",
                        f"{village}分社" if union else f"{village}网点",
                        OfficeKind.OUTLET,
                        clerk=rng.random() < 0.7,
                    )
                )
        return offices

    def _office(
        self, parent: Row | None, code: str, name: str, kind: OfficeKind, *, clerk: bool
    ) -> Row:
        office_id, at = self.clock.next_id()
        return {
            "tenant_id": self.tenant.tenant_id,
            "id": office_id,
            "parent_id": None if parent is None else parent["id"],
            "code": code,
            "name": name,
            "kind": kind,
            "path": f"{'/' if parent is None else parent['path']}{office_id}/",
            "depth": 0 if parent is None else parent["depth"] + 1,
            "has_credit_clerk": clerk,
            "created_at": at,
        }

    # --- managers ---

    def _person_name(self, *, male: bool) -> str:
        given = _MALE_GIVEN if male else _FEMALE_GIVEN
        length = 2 if self.rng.random() < 0.7 else 1
        return _SURNAMES.pick(self.rng) + "".join(self.rng.choice(given) for _ in range(length))

    def _managers(self, count: int, offices: list[Row]) -> tuple[list[Row], list[Row]]:
        rng, today = self.rng, self.today
        head = [o for o in offices if o["kind"] is OfficeKind.HEAD_OFFICE]
        branches = [o for o in offices if o["kind"] is OfficeKind.BRANCH]
        outlets = [o for o in offices if o["kind"] is OfficeKind.OUTLET]
        managers, changes = [], []
        employee_no = 0
        for index in range(count):
            status = _MANAGER_STATUS.pick(rng)
            category = ManagerCategory.CORPORATE if rng.random() < 0.15 else ManagerCategory.RETAIL
            if index == 0:
                # Someone must be able to look after the customers, however small the set.
                status, category = ManagerStatus.ACTIVE, ManagerCategory.RETAIL
            if category is ManagerCategory.CORPORATE:
                office = rng.choice(head if rng.random() < 0.15 else branches)
            else:
                office = rng.choice(outlets if rng.random() < 0.75 else branches)
            male = rng.random() < 0.6
            birth = _date_between(
                rng,
                add_months(today, -59 * 12) + dt.timedelta(days=1),
                add_months(today, -23 * 12),
            )
            probation = status is ManagerStatus.PROBATION
            if probation:
                hire = today - dt.timedelta(days=rng.randint(30, 330))
                post_started = hire
            else:
                latest_hire = today - dt.timedelta(days=400)
                earliest_hire = min(
                    latest_hire, max(add_months(birth, 22 * 12), add_months(today, -35 * 12))
                )
                hire = _date_between(rng, earliest_hire, latest_hire)
                post_started = _date_between(
                    rng, hire, min(add_months(hire, 60), today - dt.timedelta(days=60))
                )
            years = (Decimal((today - post_started).days) / Decimal("365.25")).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
            tier = self._initial_tier(probation=probation, years=years)
            licence_issued, licence_until = self._licence_dates(hire, probation=probation)
            employee_no += rng.randint(1, 7)
            households = (
                rng.randint(300, 2500)
                if category is ManagerCategory.RETAIL
                else rng.randint(20, 150)
            )
            if probation:
                households //= 3
            manager_id, at = self.clock.next_id()
            managers.append(
                {
                    "tenant_id": self.tenant.tenant_id,
                    "id": manager_id,
                    "employee_no": f"{self.tenant.code}{employee_no:06d}",
                    "name": self._person_name(male=male),
                    "office_id": office["id"],
                    "category": category,
                    "status": status,
                    "hire_date": hire,
                    "birth_date": birth,
                    # Probation is the first year; for the others it ended in the past.
                    "probation_ends_on": add_months(hire, 12),
                    "post_started_on": post_started,
                    "tier_code": None if tier is None else tier.code,
                    "tier_rank": None if tier is None else tier.rank,
                    "tier_name": None if tier is None else tier.name,
                    "education": _EDUCATION.pick(rng),
                    "professional_title": _TITLE.pick(rng),
                    "credit_exam": (_PROBATION_EXAM if probation else _EXAM).pick(rng),
                    "credit_work_years": years,
                    "system_proficiency": _PROFICIENCY.pick(rng),
                    "qualification_level": self._qualification(tier),
                    "licence_no": f"{self.tenant.code}XD{licence_issued.year}{index + 1:05d}",
                    "licence_issued_on": licence_issued,
                    "licence_valid_until": licence_until,
                    "jurisdiction_households": households,
                    "rated_households": households * rng.randint(35, 100) // 100,
                    "created_at": at,
                    "updated_at": at,
                }
            )
            if tier is not None:
                changes.append(self._initial_tier_change(manager_id, tier, post_started))
        return managers, changes

    def _initial_tier(self, *, probation: bool, years: Decimal) -> Tier | None:
        """A tier skewed towards the middle; below the middle for the inexperienced.

        A manager on probation holds the plugin's rank-0 (trainee) tier if it
        has one, and no tier otherwise (such plugins do not grade probationers).
        """
        tiers = self.tiers
        if not tiers:
            return None
        if probation:
            return tiers[0] if tiers[0].rank == 0 else None
        top = len(tiers) if years >= 2 else (len(tiers) + 1) // 2
        weights = [min(k + 1, len(tiers) - k) for k in range(top)]
        return self.rng.choices(tiers[:top], weights=weights)[0]

    def _qualification(self, tier: Tier | None) -> str | None:
        """The qualification level behind a tier (初级 … 资深), sometimes one above it.

        Graded tiers are spread evenly over the four levels, which matches the
        bands of every in-tree plugin; a rank-0 tier needs no qualification.
        """
        if tier is None or tier.rank == 0:
            return None
        graded = [t for t in self.tiers if t.rank > 0]
        level = graded.index(tier) * len(QUALIFICATION_LEVELS) // len(graded)
        if self.rng.random() < 0.1:
            level = min(level + 1, len(QUALIFICATION_LEVELS) - 1)
        return QUALIFICATION_LEVELS[level]

    def _licence_dates(self, hire: dt.date, *, probation: bool) -> tuple[dt.date, dt.date]:
        """Issue and expiry of the licence to practise; about one in 25 has lapsed."""
        years = self.tenant.licence_years
        if probation:
            # A new hire works on a one-year temporary licence.
            return hire, add_months(hire, 12) - dt.timedelta(days=1)
        last_lapsed_issue = add_months(self.today, -12 * years)
        if self.rng.random() < 0.04 and hire <= last_lapsed_issue:
            issued = _date_between(
                self.rng, max(hire, add_months(last_lapsed_issue, -6)), last_lapsed_issue
            )
        else:
            earliest = max(hire, last_lapsed_issue + dt.timedelta(days=1))
            issued = _date_between(self.rng, earliest, self.today)
        return issued, add_months(issued, 12 * years) - dt.timedelta(days=1)

    def _initial_tier_change(self, manager_id: uuid.UUID, tier: Tier, effective: dt.date) -> Row:
        change_id, at = self.clock.next_id()
        return {
            "tenant_id": self.tenant.tenant_id,
            "id": change_id,
            "manager_id": manager_id,
            "from_code": None,
            "from_rank": None,
            "from_name": None,
            "to_code": tier.code,
            "to_rank": tier.rank,
            "to_name": tier.name,
            "cause": TierChangeCause.INITIAL,
            "appraisal_id": None,
            "violation_id": None,
            "reason": "初始定级",
            "plugin": self.tenant.grading_plugin,
            "plugin_version": self.grading_version,
            "effective_on": effective,
            "recorded_by": RECORDED_BY,
            "recorded_at": at,
        }

    # --- customers ---

    def _customers(self, count: int, managers: list[Row]) -> list[Row]:
        rng = self.rng
        serving = [
            m for m in managers if m["status"] in (ManagerStatus.ACTIVE, ManagerStatus.SUSPENDED)
        ]
        retail = [m for m in serving if m["category"] is ManagerCategory.RETAIL] or serving
        corporate = [m for m in serving if m["category"] is ManagerCategory.CORPORATE] or serving
        pools = {
            CustomerKind.INDIVIDUAL: _Weighted(*((m, rng.uniform(0.4, 1.6)) for m in retail)),
            CustomerKind.CORPORATE: _Weighted(*((m, rng.uniform(0.4, 1.6)) for m in corporate)),
        }
        taken: set[str] = set()
        customers = []
        for index in range(count):
            kind = (
                CustomerKind.CORPORATE
                if index > 0 and rng.random() < 0.1
                else CustomerKind.INDIVIDUAL
            )
            region = (
                self.tenant.regions[0] if rng.random() < 0.85 else rng.choice(self.tenant.regions)
            )
            if kind is CustomerKind.CORPORATE:
                segment = _CORPORATE_SEGMENT.pick(rng)
                name = self._organisation_name(segment)
                prefix = _CREDIT_CODE_PREFIX[segment]
                id_number = make_social_credit_code(rng, region=region, prefix=prefix)
                while id_number in taken:
                    id_number = make_social_credit_code(rng, region=region, prefix=prefix)
                admission = (
                    AdmissionStatus.PENDING if rng.random() < 0.05 else AdmissionStatus.APPROVED
                )
            else:
                segment = _INDIVIDUAL_SEGMENT.pick(rng)
                male = rng.random() < 0.55
                name = self._person_name(male=male)
                born = _date_between(
                    rng, add_months(self.today, -70 * 12), add_months(self.today, -20 * 12)
                )
                id_number = make_resident_id(rng, region=region, birth_date=born, male=male)
                while id_number in taken:
                    id_number = make_resident_id(rng, region=region, birth_date=born, male=male)
                admission = AdmissionStatus.NOT_REQUIRED
            taken.add(id_number)
            manager = pools[kind].pick(rng)
            customer_id, at = self.clock.next_id()
            customers.append(
                {
                    "tenant_id": self.tenant.tenant_id,
                    "id": customer_id,
                    "kind": kind,
                    "segment": segment,
                    "name": name,
                    "id_number": id_number,
                    "manager_id": manager["id"],
                    "office_id": manager["office_id"],
                    "admission_status": admission,
                    "admitted_on": None,
                    "last_credit_lapsed_on": None,
                    "blacklisted": False,
                    "class_code": None,
                    "class_set_at": None,
                    "exposure_at_class_set": None,
                    "industry_policy": _INDUSTRY.pick(rng),
                    "licences_complete": rng.random() < 0.98,
                    "operating_status": _OPERATING.pick(rng),
                    "prospects": _PROSPECTS.pick(rng),
                    "last_bad_credit_on": (
                        self.today - dt.timedelta(days=rng.randint(30, 1800))
                        if rng.random() < 0.02
                        else None
                    ),
                    "malicious_evasion": rng.random() < 0.002,
                    "major_litigation": rng.random() < 0.01,
                    "contribution_score": round(rng.betavariate(2, 2.2) * 100),
                    "created_at": at,
                    "updated_at": at,
                }
            )
        return customers

    def _organisation_name(self, segment: CustomerSegment) -> str:
        rng, county = self.rng, self.tenant.county
        if segment is CustomerSegment.INSTITUTION:
            if rng.random() < 0.4:
                return county + rng.choice(_COUNTY_INSTITUTIONS)
            return f"{county}{rng.choice(_TOWNSHIPS)}镇{rng.choice(_TOWN_INSTITUTIONS)}"
        if segment is CustomerSegment.OTHER_ORGANISATION:
            return f"{county}{rng.choice(_VILLAGES)}{rng.choice(_COOPERATIVES)}专业合作社"
        return county + rng.choice(_BRANDS) + rng.choice(_TRADES) + _COMPANY_FORMS.pick(rng)

    # --- loans ---

    def _loans(self, count: int, customers: list[Row]) -> list[Row]:
        """Loans spread so that most customers have one to a few, some none.

        Drawn first, then numbered and given ids in order of issue, so that ids,
        contract numbers and issue dates all sort alike.
        """
        rng = self.rng
        if count == 0:
            return []
        eligible = [c for c in customers if c["admission_status"] is not AdmissionStatus.PENDING]
        borrowers = [c for c in eligible if rng.random() < 0.92] or eligible[:1]
        if count < len(borrowers):
            borrowers = rng.sample(borrowers, count)
        per_borrower = [1] * len(borrowers)
        # Corporate borrowers run more lines of credit than households do.
        appetite = [
            rng.uniform(0.2, 1.8) * (2.5 if c["kind"] is CustomerKind.CORPORATE else 1)
            for c in borrowers
        ]
        for chosen in rng.choices(
            range(len(borrowers)), weights=appetite, k=count - len(borrowers)
        ):
            per_borrower[chosen] += 1
        fortunes = [_BORROWER_RISK.pick(rng) for _ in borrowers]
        drafts = [
            self._loan(customer, fortune)
            for customer, number, fortune in zip(borrowers, per_borrower, fortunes, strict=True)
            for _ in range(number)
        ]
        drafts.sort(key=lambda loan: loan["issued_on"])
        sequence: dict[int, int] = {}
        for loan in drafts:
            year = loan["issued_on"].year
            sequence[year] = sequence.get(year, 0) + 1
            loan_id, at = self.clock.next_id()
            loan.update(
                id=loan_id,
                contract_no=f"{self.tenant.code}JK{year}{sequence[year]:06d}",
                created_at=at,
                updated_at=at,
            )
        return drafts

    def _loan(self, customer: Row, fortune: RiskClass) -> Row:
        rng = self.rng
        corporate = customer["kind"] is CustomerKind.CORPORATE
        if corporate:
            product = _CORPORATE_PRODUCTS.pick(rng)
            guarantee = _GUARANTEE.get(product, _CORPORATE_GUARANTEE).pick(rng)
            principal = _money(
                rng, _CORPORATE_AMOUNTS.pick(rng), unit=10_000 if rng.random() < 0.8 else 1000
            )
            low_rate, high_rate = _CORPORATE_RATES
        else:
            product = _PRODUCTS[customer["segment"]].pick(rng)
            guarantee = _GUARANTEE[product].pick(rng)
            unit = _INDIVIDUAL_UNIT.pick(rng)
            principal = _money(rng, _INDIVIDUAL_AMOUNTS[product].pick(rng), unit=unit)
            low_rate, high_rate = _RATE_BANDS[product]
        if rng.random() < 0.85:
            rate = Decimal(rng.randint(low_rate, high_rate)).scaleb(-4)
        else:
            # A floating rate: the loan prime rate plus a spread, to the millionth.
            rate = Decimal(rng.randint(low_rate * 100, high_rate * 100)).scaleb(-6)
        risk = fortune if rng.random() < _TROUBLE_SHARE else RiskClass.NORMAL
        if risk is RiskClass.SPECIAL_MENTION:
            days_overdue = rng.randint(1, 90) if rng.random() < 0.6 else 0
        elif risk in _OVERDUE_DAYS:
            days_overdue = rng.randint(*_OVERDUE_DAYS[risk])
        else:
            days_overdue = 0
        repaid = risk is RiskClass.NORMAL and rng.random() < 0.015
        # A repaid loan on the book matured within the window, so it ran a short term.
        term = 12 if repaid or product in _SHORT_TERM else _TERM_MONTHS.pick(rng)
        issued, matures = self._loan_dates(term, days_overdue, repaid=repaid)
        balance = self._balance(product, principal, risk, issued, matures, repaid=repaid)
        troubled = risk is not RiskClass.NORMAL
        return {
            "tenant_id": self.tenant.tenant_id,
            "customer_id": customer["id"],
            "manager_id": customer["manager_id"],
            "office_id": customer["office_id"],
            "product": product,
            "principal": principal,
            "balance": balance,
            "annual_rate": rate,
            "issued_on": issued,
            "matures_on": matures,
            "guarantee": guarantee,
            "risk_class": risk,
            "days_overdue": days_overdue,
            "is_extension": rng.random() < (0.06 if troubled else 0.02),
            "is_refinancing": rng.random() < (0.05 if troubled else 0.015),
            "created_by": RECORDED_BY,
        }

    def _loan_dates(self, term: int, days_overdue: int, *, repaid: bool) -> tuple[dt.date, dt.date]:
        """Issue and maturity consistent with the arrears.

        A loan not in arrears has not matured yet (or, when repaid, matured in
        the past). A loan in arrears either matured on the day the arrears
        began, or missed an instalment at least 30 days after it was issued.
        """
        rng, today, earliest = self.rng, self.today, self.earliest_issue
        if repaid:
            issued = _date_between(rng, earliest, add_months(today, -term) - dt.timedelta(days=1))
            return issued, add_months(issued, term)
        if days_overdue == 0:
            first = max(earliest, add_months(today, -term))
            while add_months(first, term) < today:
                first += dt.timedelta(days=1)
            issued = _date_between(rng, first, today - dt.timedelta(days=1))
            return issued, add_months(issued, term)
        arrears_began = today - dt.timedelta(days=days_overdue)
        matured_issue = add_months(arrears_began, -term)
        if matured_issue >= earliest and rng.random() < 0.5:
            return matured_issue, arrears_began
        first = max(earliest, matured_issue + dt.timedelta(days=1))
        issued = _date_between(rng, first, arrears_began - dt.timedelta(days=30))
        return issued, add_months(issued, term)

    def _balance(
        self,
        product: LoanProduct,
        principal: Decimal,
        risk: RiskClass,
        issued: dt.date,
        matures: dt.date,
        *,
        repaid: bool,
    ) -> Decimal:
        """Outstanding principal: bullet loans mostly whole, amortising ones paid down."""
        rng = self.rng
        if repaid:
            return Decimal("0.00")
        if risk is not RiskClass.NORMAL and risk is not RiskClass.SPECIAL_MENTION:
            return _share(principal, rng.randint(300, 1000))
        if product in _AMORTISING:
            elapsed = 1000 * (self.today - issued).days // max(1, (matures - issued).days)
            return _share(principal, max(50, min(1000, 1000 - elapsed + rng.randint(-30, 30))))
        return principal if rng.random() < 0.85 else _share(principal, rng.randint(500, 999))

    # --- admission, blacklist, classes ---

    def _settle_admission(self, customers: list[Row], loans: list[Row]) -> None:
        """Admission before the first loan; a lapse date for some past borrowers without loans."""
        rng = self.rng
        first_issue: dict[uuid.UUID, dt.date] = {}
        for loan in loans:
            first_issue.setdefault(loan["customer_id"], loan["issued_on"])
        for customer in customers:
            first = first_issue.get(customer["id"])
            if customer["admission_status"] is AdmissionStatus.APPROVED:
                if first is None:
                    customer["admitted_on"] = self.today - dt.timedelta(days=rng.randint(10, 900))
                else:
                    customer["admitted_on"] = first - dt.timedelta(days=rng.randint(3, 60))
            elif (
                first is None and customer["kind"] is CustomerKind.INDIVIDUAL and rng.random() < 0.4
            ):
                customer["last_credit_lapsed_on"] = self.today - dt.timedelta(
                    days=rng.randint(30, 1500)
                )

    def _blacklist(self, customers: list[Row], loans: list[Row]) -> list[Row]:
        """About one customer in 200, borrowers with non-performing loans first."""
        rng = self.rng
        defaulted = {loan["customer_id"] for loan in loans if loan["risk_class"].non_performing}
        order = [rng.random() for _ in customers]
        ranked = sorted(
            range(len(customers)),
            key=lambda i: (customers[i]["id"] not in defaulted, order[i]),
        )
        entries = []
        for customer in (customers[i] for i in ranked[: round(len(customers) * 0.005)]):
            customer["blacklisted"] = True
            customer["malicious_evasion"] = customer["malicious_evasion"] or rng.random() < 0.3
            if customer["id"] in defaulted:
                customer["last_bad_credit_on"] = self.today - dt.timedelta(
                    days=rng.randint(30, 600)
                )
            entry_id, at = self.clock.next_id()
            entries.append(
                {
                    "tenant_id": self.tenant.tenant_id,
                    "id": entry_id,
                    "customer_id": customer["id"],
                    "listed": True,
                    "reason": rng.choice(_BLACKLIST_REASONS),
                    "recorded_by": RECORDED_BY,
                    "recorded_at": at,
                }
            )
        return entries

    def _classify(self, customers: list[Row], loans: list[Row]) -> list[Row]:
        """Class every customer when the tenant classifies, with one history entry each."""
        plugin = self.tenant.classification_plugin
        if plugin is None:
            return []
        version = self.registry.info(plugin).version
        # As the classification service reads them: loans still outstanding only.
        facts: dict[uuid.UUID, tuple[RiskClass | None, int, Decimal]] = {}
        for loan in loans:
            if loan["balance"] <= 0:
                continue
            worst, overdue, exposure = facts.get(loan["customer_id"], (None, 0, Decimal("0.00")))
            if worst is None or RISK_ORDER[loan["risk_class"]] > RISK_ORDER[worst]:
                worst = loan["risk_class"]
            facts[loan["customer_id"]] = (
                worst,
                max(overdue, loan["days_overdue"]),
                exposure + loan["balance"],
            )
        changes = []
        for customer in customers:
            worst, overdue, exposure = facts.get(customer["id"], (None, 0, Decimal("0.00")))
            to_class, rules = self._class_of(plugin, customer, worst, overdue)
            change_id, at = self.clock.next_id()
            customer.update(
                class_code=to_class, class_set_at=at, exposure_at_class_set=exposure, updated_at=at
            )
            changes.append(
                {
                    "tenant_id": self.tenant.tenant_id,
                    "id": change_id,
                    "customer_id": customer["id"],
                    "from_class": None,
                    "to_class": to_class,
                    "rules": rules,
                    "plugin": plugin,
                    "plugin_version": version,
                    "changed_by": RECORDED_BY,
                    "changed_at": at,
                }
            )
        return changes

    def _class_of(
        self, plugin: str, customer: Row, worst: RiskClass | None, overdue: int
    ) -> tuple[CustomerClass, list[dict[str, str]]]:
        """The class the tenant's own classification plugin gives, with its rules."""
        facts = CustomerFacts(
            customer_id=str(customer["id"]),
            kind=customer["kind"],
            industry_policy=customer["industry_policy"],
            licences_complete=customer["licences_complete"],
            operating_status=customer["operating_status"],
            prospects=customer["prospects"],
            last_bad_credit_on=customer["last_bad_credit_on"],
            blacklisted=customer["blacklisted"],
            malicious_evasion=customer["malicious_evasion"],
            major_litigation=customer["major_litigation"],
            contribution_score=customer["contribution_score"],
            worst_risk_class=worst,
            max_days_overdue=overdue,
            as_of=self.today,
        )
        result: Classification = self.registry.classification(plugin).classify(
            facts, defaults(self.registry.info(plugin))
        )
        return result.customer_class, rules_json(result.rules)
