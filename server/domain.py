"""Core domain vocabulary shared by the database, the services and the API.

Every enumeration has English UPPER_SNAKE members and a Chinese label
(``label``), the words a bank's staff use.
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


class Role(LabelledEnum):
    MANAGER = "MANAGER", "客户经理"
    BRANCH_HEAD = "BRANCH_HEAD", "支行/网点负责人"
    HR = "HR", "人力资源"
    RISK = "RISK", "风险合规"
    AUDITOR = "AUDITOR", "审计"
    INTEGRATOR = "INTEGRATOR", "系统集成方"
    FEDERATION_ADMIN = "FEDERATION_ADMIN", "省联社管理员"


class PolicyCategory(LabelledEnum):
    GRADING = "GRADING", "等级与考核"
    CLASSIFICATION = "CLASSIFICATION", "客户分类"
    LENDING = "LENDING", "贷款权限"
    PENALTY = "PENALTY", "违规处理"


class OfficeKind(LabelledEnum):
    HEAD_OFFICE = "HEAD_OFFICE", "总行/联社"
    BRANCH = "BRANCH", "支行"
    OUTLET = "OUTLET", "网点"


class ManagerCategory(LabelledEnum):
    RETAIL = "RETAIL", "零售(自然人)类"
    CORPORATE = "CORPORATE", "公司类"


class ManagerStatus(LabelledEnum):
    PROBATION = "PROBATION", "见习"
    ACTIVE = "ACTIVE", "在岗"
    SUSPENDED = "SUSPENDED", "暂停"
    DISQUALIFIED = "DISQUALIFIED", "取消资格"
    LEFT = "LEFT", "离岗"


class Education(LabelledEnum):
    BACHELOR_OR_HIGHER = "BACHELOR_OR_HIGHER", "本科及以上"
    JUNIOR_COLLEGE = "JUNIOR_COLLEGE", "大专"
    SECONDARY_OR_BELOW = "SECONDARY_OR_BELOW", "中专/高中及以下"


class ProfessionalTitle(LabelledEnum):
    INTERMEDIATE_OR_HIGHER = "INTERMEDIATE_OR_HIGHER", "中级及以上职称"
    JUNIOR = "JUNIOR", "初级职称"
    NONE = "NONE", "无职称"


class CreditExamResult(LabelledEnum):
    PASSED = "PASSED", "通过"
    EXEMPT = "EXEMPT", "免考"
    FAILED = "FAILED", "不及格"
    NOT_TAKEN = "NOT_TAKEN", "未参加"


class SystemProficiency(LabelledEnum):
    PROFICIENT = "PROFICIENT", "熟练"
    FAIR = "FAIR", "较为熟练"
    NONE = "NONE", "不会操作"


class CustomerKind(LabelledEnum):
    INDIVIDUAL = "INDIVIDUAL", "个人客户"
    CORPORATE = "CORPORATE", "法人客户"


class CustomerSegment(LabelledEnum):
    FARMER = "FARMER", "农户"
    MERCHANT = "MERCHANT", "商户"
    SMALL_BUSINESS_OWNER = "SMALL_BUSINESS_OWNER", "小微企业主"
    PARTNER = "PARTNER", "企业合伙人"
    URBAN_RESIDENT = "URBAN_RESIDENT", "城镇居民"
    OTHER_INDIVIDUAL = "OTHER_INDIVIDUAL", "其他个人"
    ENTERPRISE = "ENTERPRISE", "企业"
    INSTITUTION = "INSTITUTION", "事业单位"
    OTHER_ORGANISATION = "OTHER_ORGANISATION", "其他组织"


INDIVIDUAL_SEGMENTS = frozenset(
    {
        CustomerSegment.FARMER,
        CustomerSegment.MERCHANT,
        CustomerSegment.SMALL_BUSINESS_OWNER,
        CustomerSegment.PARTNER,
        CustomerSegment.URBAN_RESIDENT,
        CustomerSegment.OTHER_INDIVIDUAL,
    }
)


class AdmissionStatus(LabelledEnum):
    NOT_REQUIRED = "NOT_REQUIRED", "无需准入审批"
    REQUIRED = "REQUIRED", "待申请准入"
    PENDING = "PENDING", "待审批"
    APPROVED = "APPROVED", "已准入"
    REJECTED = "REJECTED", "已拒绝"
    LAPSED = "LAPSED", "已失效"


class CustomerClass(LabelledEnum):
    SUPPORT = "SUPPORT", "支持类"
    MAINTAIN = "MAINTAIN", "维持类"
    RESTRICT = "RESTRICT", "限制类"
    EXIT = "EXIT", "退出类"


class IndustryPolicy(LabelledEnum):
    ENCOURAGED = "ENCOURAGED", "鼓励类"
    NEUTRAL = "NEUTRAL", "中性"
    RESTRICTED = "RESTRICTED", "限制类"
    PROHIBITED = "PROHIBITED", "禁止类"


class OperatingStatus(LabelledEnum):
    NORMAL = "NORMAL", "生产经营正常"
    DECLINING = "DECLINING", "经营下滑"
    SUSPENDED = "SUSPENDED", "停产/停业"
    CEASED = "CEASED", "关停"


class Prospects(LabelledEnum):
    GOOD = "GOOD", "前景良好"
    STABLE = "STABLE", "前景一般"
    POOR = "POOR", "前景较差"


class Guarantee(LabelledEnum):
    CREDIT = "CREDIT", "信用"
    GUARANTEE = "GUARANTEE", "保证"
    MORTGAGE = "MORTGAGE", "抵押"
    PLEDGE = "PLEDGE", "质押"


class RiskClass(LabelledEnum):
    """五级分类."""

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


class AppraisalStatus(LabelledEnum):
    DRAFT = "DRAFT", "草稿"
    CONFIRMED = "CONFIRMED", "已确认"
    APPEALED = "APPEALED", "申诉中"


class TierChangeCause(LabelledEnum):
    INITIAL = "INITIAL", "初始定级"
    APPRAISAL = "APPRAISAL", "考核"
    PENALTY = "PENALTY", "违规处理"
    PROBATION_END = "PROBATION_END", "见习期满"
    APPEAL = "APPEAL", "申诉复议"
    MANUAL = "MANUAL", "人工调整"


class ViolationKind(LabelledEnum):
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


class ViolationStatus(LabelledEnum):
    RECORDED = "RECORDED", "已登记"
    CONFIRMED = "CONFIRMED", "已确认"
    DISMISSED = "DISMISSED", "已撤销"


class EventKind(LabelledEnum):
    GRADE_CHANGED = "GRADE_CHANGED", "等级变动"
    CUSTOMER_CLASS_CHANGED = "CUSTOMER_CLASS_CHANGED", "客户分类变动"


class DutyKind(LabelledEnum):
    """Post-loan duties (山东办法 第三条(四), C1.4)."""

    COLLECTION_NOTICE = "COLLECTION_NOTICE", "到期前书面催收通知"
    OVERDUE_COLLECTION = "OVERDUE_COLLECTION", "逾期催收"
    INSPECTION = "INSPECTION", "贷后检查报告"


class AdmissionDecision(LabelledEnum):
    PENDING = "PENDING", "待审批"
    APPROVED = "APPROVED", "已批准"
    REJECTED = "REJECTED", "已拒绝"


class RunStatus(LabelledEnum):
    RUNNING = "RUNNING", "进行中"
    DONE = "DONE", "已完成"
    FAILED = "FAILED", "失败"


class WebhookStatus(LabelledEnum):
    """Whether an endpoint receives deliveries; a paused one keeps its backlog."""

    ACTIVE = "ACTIVE", "启用"
    PAUSED = "PAUSED", "已暂停"


class WebhookDeliveryStatus(LabelledEnum):
    PENDING = "PENDING", "待投递"
    DELIVERED = "DELIVERED", "已投递"
