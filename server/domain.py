"""Core domain vocabulary shared by the database, the services and the API.

Every enumeration has English UPPER_SNAKE members and a Chinese label
(``label``), the words a bank's staff use. The words policy plugins share with
the core live in the plugin API (``server.policy.vocabulary``) and are
re-exported here.
"""

from __future__ import annotations

from server.policy.vocabulary import NON_PERFORMING as NON_PERFORMING
from server.policy.vocabulary import CreditExamResult as CreditExamResult
from server.policy.vocabulary import CustomerClass as CustomerClass
from server.policy.vocabulary import CustomerKind as CustomerKind
from server.policy.vocabulary import Education as Education
from server.policy.vocabulary import IndustryPolicy as IndustryPolicy
from server.policy.vocabulary import LabelledEnum as LabelledEnum
from server.policy.vocabulary import LoanProduct as LoanProduct
from server.policy.vocabulary import ManagerCategory as ManagerCategory
from server.policy.vocabulary import ManagerStatus as ManagerStatus
from server.policy.vocabulary import OperatingStatus as OperatingStatus
from server.policy.vocabulary import PolicyCategory as PolicyCategory
from server.policy.vocabulary import ProfessionalTitle as ProfessionalTitle
from server.policy.vocabulary import Prospects as Prospects
from server.policy.vocabulary import RiskClass as RiskClass
from server.policy.vocabulary import SystemProficiency as SystemProficiency
from server.policy.vocabulary import TierChangeCause as TierChangeCause
from server.policy.vocabulary import ViolationKind as ViolationKind


class Role(LabelledEnum):
    MANAGER = "MANAGER", "客户经理"
    BRANCH_HEAD = "BRANCH_HEAD", "支行/网点负责人"
    HR = "HR", "人力资源"
    RISK = "RISK", "风险合规"
    AUDITOR = "AUDITOR", "审计"
    INTEGRATOR = "INTEGRATOR", "系统集成方"
    FEDERATION_ADMIN = "FEDERATION_ADMIN", "省联社管理员"


class OfficeKind(LabelledEnum):
    HEAD_OFFICE = "HEAD_OFFICE", "总行/联社"
    BRANCH = "BRANCH", "支行"
    OUTLET = "OUTLET", "网点"


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


class Guarantee(LabelledEnum):
    CREDIT = "CREDIT", "信用"
    GUARANTEE = "GUARANTEE", "保证"
    MORTGAGE = "MORTGAGE", "抵押"
    PLEDGE = "PLEDGE", "质押"


class AppraisalStatus(LabelledEnum):
    DRAFT = "DRAFT", "草稿"
    CONFIRMED = "CONFIRMED", "已确认"
    APPEALED = "APPEALED", "申诉中"


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


class TierProposalStatus(LabelledEnum):
    """A manual tier change: proposed by one HR person, decided by a second."""

    PENDING = "PENDING", "待确认"
    CONFIRMED = "CONFIRMED", "已确认"
    REJECTED = "REJECTED", "已驳回"


class RunStatus(LabelledEnum):
    """An appraisal run: QUEUED until a worker takes it, RUNNING while one holds its lease."""

    QUEUED = "QUEUED", "排队中"
    RUNNING = "RUNNING", "进行中"
    DONE = "DONE", "已完成"
    FAILED = "FAILED", "失败"


class ImportStatus(LabelledEnum):
    """A loan-state import: QUEUED until a worker takes it, RUNNING while one holds its lease;
    then APPLIED (every row written) or REFUSED (a row refused: nothing written)."""

    QUEUED = "QUEUED", "排队中"
    RUNNING = "RUNNING", "进行中"
    APPLIED = "APPLIED", "已导入"
    REFUSED = "REFUSED", "已拒绝（未写入）"
    FAILED = "FAILED", "失败"


class WebhookStatus(LabelledEnum):
    """Whether an endpoint receives deliveries; a paused one keeps its backlog."""

    ACTIVE = "ACTIVE", "启用"
    PAUSED = "PAUSED", "已暂停"


class WebhookDeliveryStatus(LabelledEnum):
    PENDING = "PENDING", "待投递"
    DELIVERED = "DELIVERED", "已投递"
