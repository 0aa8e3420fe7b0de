"""The words plugins and the core share: enumerations a policy reads or writes.

Every enumeration has English UPPER_SNAKE members; the domain's own carry a
Chinese label (``label``), the words a bank's staff use. ``server.domain``
re-exports the domain enumerations for the rest of the server.
"""

from __future__ import annotations

import enum


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a Chinese label."""

    label: str

    def __new__(cls, value: str, label: str = "") -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class PolicyCategory(LabelledEnum):
    """What a policy plugin serves; a tenant selects one plugin per category."""

    GRADING = "GRADING", "等级与考核"
    CLASSIFICATION = "CLASSIFICATION", "客户分类"
    LENDING = "LENDING", "贷款权限"
    PENALTY = "PENALTY", "违规处理"


class ManagerCategory(LabelledEnum):
    """Whether a manager serves natural persons (retail) or companies."""

    RETAIL = "RETAIL", "零售(自然人)类"
    CORPORATE = "CORPORATE", "公司类"


class ManagerStatus(LabelledEnum):
    """Where a manager stands: in probation, in post, suspended, disqualified or gone."""

    PROBATION = "PROBATION", "见习"
    ACTIVE = "ACTIVE", "在岗"
    SUSPENDED = "SUSPENDED", "暂停"
    DISQUALIFIED = "DISQUALIFIED", "取消资格"
    LEFT = "LEFT", "离岗"


class Education(LabelledEnum):
    """A manager's highest education (学历)."""

    BACHELOR_OR_HIGHER = "BACHELOR_OR_HIGHER", "本科及以上"
    JUNIOR_COLLEGE = "JUNIOR_COLLEGE", "大专"
    SECONDARY_OR_BELOW = "SECONDARY_OR_BELOW", "中专/高中及以下"


class ProfessionalTitle(LabelledEnum):
    """A manager's professional title (职称)."""

    INTERMEDIATE_OR_HIGHER = "INTERMEDIATE_OR_HIGHER", "中级及以上职称"
    JUNIOR = "JUNIOR", "初级职称"
    NONE = "NONE", "无职称"


class CreditExamResult(LabelledEnum):
    """The result of the credit qualification exam (信贷从业资格考试)."""

    PASSED = "PASSED", "通过"
    EXEMPT = "EXEMPT", "免考"
    FAILED = "FAILED", "不及格"
    NOT_TAKEN = "NOT_TAKEN", "未参加"


class SystemProficiency(LabelledEnum):
    """How well a manager operates the credit and risk system."""

    PROFICIENT = "PROFICIENT", "熟练"
    FAIR = "FAIR", "较为熟练"
    NONE = "NONE", "不会操作"


class CustomerKind(LabelledEnum):
    """Whether a loan customer is a natural person or a legal person."""

    INDIVIDUAL = "INDIVIDUAL", "个人客户"
    CORPORATE = "CORPORATE", "法人客户"


class CustomerClass(LabelledEnum):
    """The class a classification policy gives a loan customer."""

    SUPPORT = "SUPPORT", "支持类"
    MAINTAIN = "MAINTAIN", "维持类"
    RESTRICT = "RESTRICT", "限制类"
    EXIT = "EXIT", "退出类"


class IndustryPolicy(LabelledEnum):
    """The credit policy for a customer's industry."""

    ENCOURAGED = "ENCOURAGED", "鼓励类"
    NEUTRAL = "NEUTRAL", "中性"
    RESTRICTED = "RESTRICTED", "限制类"
    PROHIBITED = "PROHIBITED", "禁止类"


class OperatingStatus(LabelledEnum):
    """How a customer's business is running."""

    NORMAL = "NORMAL", "生产经营正常"
    DECLINING = "DECLINING", "经营下滑"
    SUSPENDED = "SUSPENDED", "停产/停业"
    CEASED = "CEASED", "关停"


class Prospects(LabelledEnum):
    """How a customer's prospects are judged."""

    GOOD = "GOOD", "前景良好"
    STABLE = "STABLE", "前景一般"
    POOR = "POOR", "前景较差"


class RiskClass(LabelledEnum):
    """The five-category loan risk class (五级分类)."""

    NORMAL = "NORMAL", "正常"
    SPECIAL_MENTION = "SPECIAL_MENTION", "关注"
    SUBSTANDARD = "SUBSTANDARD", "次级"
    DOUBTFUL = "DOUBTFUL", "可疑"
    LOSS = "LOSS", "损失"

    @property
    def non_performing(self) -> bool:
        return self in NON_PERFORMING


NON_PERFORMING = frozenset({RiskClass.SUBSTANDARD, RiskClass.DOUBTFUL, RiskClass.LOSS})


class LoanProduct(LabelledEnum):
    """The loan products a manager may originate."""

    FARMER_MICRO_CREDIT = "FARMER_MICRO_CREDIT", "农户小额信用贷款"
    FARMER_GUARANTEED = "FARMER_GUARANTEED", "农户联保/保证贷款"
    MERCHANT_LOAN = "MERCHANT_LOAN", "个体工商户贷款"
    CONSUMER_LOAN = "CONSUMER_LOAN", "个人消费贷款"
    MORTGAGE_LOAN = "MORTGAGE_LOAN", "个人住房/抵押贷款"
    WORKING_CAPITAL = "WORKING_CAPITAL", "流动资金贷款"
    FIXED_ASSET = "FIXED_ASSET", "固定资产贷款"
    TRADE_FINANCE = "TRADE_FINANCE", "贸易融资"
    ACCEPTANCE_DISCOUNT = "ACCEPTANCE_DISCOUNT", "承兑与贴现"
    OVERDRAFT = "OVERDRAFT", "透支"
    FACTORING = "FACTORING", "保理"
    LETTER_OF_GUARANTEE = "LETTER_OF_GUARANTEE", "保函"
    LOAN_COMMITMENT = "LOAN_COMMITMENT", "贷款承诺"
    LETTER_OF_CREDIT = "LETTER_OF_CREDIT", "信用证"


class TierChangeCause(LabelledEnum):
    """Why a manager's tier changed, as the tier history records it."""

    INITIAL = "INITIAL", "初始定级"
    APPRAISAL = "APPRAISAL", "考核"
    PENALTY = "PENALTY", "违规处理"
    PROBATION_END = "PROBATION_END", "见习期满"
    APPEAL = "APPEAL", "申诉复议"
    MANUAL = "MANUAL", "人工调整"
    POLICY_CHANGE = "POLICY_CHANGE", "考核政策变更"
    """The tenant chose another grading plugin: the manager moved to the new policy's tier of
    the same relative standing (``server.services.policy_adoption``)."""


class ViolationKind(LabelledEnum):
    """The kinds of violation a policy may penalise."""

    EXAM_FAILED = "EXAM_FAILED", "上岗资格考试不合格"
    LOAN_TO_PAY_INTEREST = "LOAN_TO_PAY_INTEREST", "以贷收息"
    NOMINEE_LOAN = "NOMINEE_LOAN", "背冒名贷款"
    CROSS_COMMUNITY_LOAN = "CROSS_COMMUNITY_LOAN", "跨社区贷款"
    CREDIT_TO_BANNED_CUSTOMER = "CREDIT_TO_BANNED_CUSTOMER", "向禁入客户新增授信"
    AUDIT_NOTICE = "AUDIT_NOTICE", "稽核通报"
    CUSTOMER_COMPLAINT = "CUSTOMER_COMPLAINT", "客户投诉"
    TRAINING_EXAM_FAILED = "TRAINING_EXAM_FAILED", "培训考试不合格"
    TEN_KINDS_OF_PERSON = "TEN_KINDS_OF_PERSON", "十种人"
    LOSS_BY_MISCONDUCT = "LOSS_BY_MISCONDUCT", "违规失职造成损失"
    FALSIFICATION = "FALSIFICATION", "弄虚作假"
    OTHER = "OTHER", "其他"


# --- the policy contract's own enumerations --------------------------------------------


class ParamType(enum.StrEnum):
    """The type of a tenant parameter (see :class:`server.policy.ParameterSpec`)."""

    DECIMAL = "DECIMAL"
    INTEGER = "INTEGER"
    BOOLEAN = "BOOLEAN"
    CHOICE = "CHOICE"


class PeriodKind(enum.StrEnum):
    """Whether an appraised period is a calendar year or a calendar quarter."""

    YEAR = "YEAR"
    QUARTER = "QUARTER"


class IndicatorSource(enum.StrEnum):
    """Where the core takes an indicator's value from."""

    COMPUTED = "COMPUTED"
    """Aggregated by the core from its own data (see ``COMPUTED_INDICATORS``)."""
    TASK_PLAN = "TASK_PLAN"
    """A recorded task plan figure (``recordTaskPlan``)."""
    RECORDED = "RECORDED"
    """A recorded actual figure (``recordIndicators``)."""
    FINDINGS = "FINDINGS"
    """Inspection findings (``recordInspectionFindings``); never missing (none = no findings)."""
    PROFILE = "PROFILE"
    """The manager's profile (``ManagerProfile``)."""


class TierDirection(enum.StrEnum):
    """Which way a confirmed appraisal moves the manager's tier."""

    PROMOTION = "PROMOTION"
    DEMOTION = "DEMOTION"
    NONE = "NONE"
    SET = "SET"
    """The tier is set without comparison (first grading, probation end)."""


class TierMoveFlag(LabelledEnum):
    """What a tier move says beyond its direction (``TierMove.flags``).

    ``PROBATION_END`` is recorded as the tier change's cause; every other flag is
    kept on the manager as a note for people (the manager's ``flags``).
    """

    PROBATION_END = "PROBATION_END", "见习期满定级"
    """The move places a manager whose probation ended: the tier history records
    cause ``PROBATION_END`` instead of ``APPRAISAL``."""
    PROMOTION_BLOCKED_BY_QUALIFICATION = "PROMOTION_BLOCKED_BY_QUALIFICATION", "资格所限未能晋升"
    ABOVE_QUALIFICATION_CEILING = "ABOVE_QUALIFICATION_CEILING", "等级高于资格上限"
    QUALIFICATION_UNRECOGNISED = "QUALIFICATION_UNRECOGNISED", "资格等级无法识别"
    DISMISSAL_REVIEW = "DISMISSAL_REVIEW", "待解聘审查"


class PenaltyKind(enum.StrEnum):
    """The effect a confirmed violation has on the manager."""

    DOWN_ONE_TIER = "DOWN_ONE_TIER"
    DISQUALIFY = "DISQUALIFY"
    DISQUALIFY_FOR_LIFE = "DISQUALIFY_FOR_LIFE"
    SUSPEND = "SUSPEND"
    NONE = "NONE"
