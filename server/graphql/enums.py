"""The domain enumerations, registered with GraphQL under the same names.

Every domain's GraphQL modules import their enums from here, so that each is
registered once. Each value carries a description in Chinese with its English
term (``server.graphql.enum_descriptions``). Each value's Chinese label is also
available as a ``…Label`` field beside the enum field, and those of
``LABELLED_ENUMS`` all at once through the ``labels`` query.
"""

from __future__ import annotations

import enum

import strawberry

from server import domain, loan_book
from server.domain import (
    AdmissionStatus,
    AppraisalStatus,
    CreditExamResult,
    CustomerClass,
    CustomerKind,
    CustomerSegment,
    DutyKind,
    Education,
    Guarantee,
    ImportStatus,
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
    Role,
    SystemProficiency,
    TierChangeCause,
    TierProposalStatus,
    ViolationKind,
    ViolationStatus,
    WebhookDeliveryStatus,
    WebhookStatus,
)
from server.graphql.enum_descriptions import describe
from server.policy import IndicatorSource

strawberry.enum(loan_book.LoanStatus, description="贷款状态.")
strawberry.enum(loan_book.LoanMovementKind, description="贷款变动类型.")
strawberry.enum(loan_book.MovementSource, description="变动来源.")
strawberry.enum(domain.Role, description="A user's role (角色).")
strawberry.enum(domain.PolicyCategory, description="A policy category.")
strawberry.enum(domain.OfficeKind, description="Level of an office in the tree.")
strawberry.enum(domain.ManagerCategory, description="客户经理类别.")
strawberry.enum(domain.ManagerStatus, description="客户经理状态.")
strawberry.enum(domain.Education, description="学历.")
strawberry.enum(domain.ProfessionalTitle, description="专业技术职称.")
strawberry.enum(domain.CreditExamResult, description="信贷从业资格考试.")
strawberry.enum(domain.SystemProficiency, description="信贷及资产风险管理系统操作熟练程度.")
strawberry.enum(domain.CustomerKind, description="个人客户 or 法人客户.")
strawberry.enum(domain.CustomerSegment, description="客户细分.")
strawberry.enum(domain.AdmissionStatus, description="首次授信准入状态.")
strawberry.enum(domain.CustomerClass, description="客户分类 (支持/维持/限制/退出).")
strawberry.enum(domain.IndustryPolicy, description="国家产业政策.")
strawberry.enum(domain.OperatingStatus, description="生产经营状况.")
strawberry.enum(domain.Prospects, description="发展前景.")
strawberry.enum(domain.Guarantee, description="担保方式.")
strawberry.enum(domain.RiskClass, description="五级分类.")
strawberry.enum(domain.LoanProduct, description="授信业务品种.")
strawberry.enum(domain.AppraisalStatus, description="考核状态.")
strawberry.enum(domain.TierChangeCause, description="等级变动原因.")
strawberry.enum(domain.TierProposalStatus, description="手工调整等级的提议状态.")
strawberry.enum(domain.ViolationKind, description="违规类型.")
strawberry.enum(domain.ViolationStatus, description="违规记录状态.")
strawberry.enum(domain.DutyKind, description="贷后职责.")
strawberry.enum(domain.ImportStatus, description="贷款状态导入的状态.")
strawberry.enum(domain.WebhookStatus, description="Whether a webhook receives deliveries.")
strawberry.enum(domain.WebhookDeliveryStatus, description="Whether an event reached a webhook.")
strawberry.enum(IndicatorSource, description="Where an appraisal input's value comes from.")

__all__ = [
    "AdmissionStatus",
    "AppraisalStatus",
    "CreditExamResult",
    "CustomerClass",
    "CustomerKind",
    "CustomerSegment",
    "DutyKind",
    "Education",
    "Guarantee",
    "ImportStatus",
    "IndicatorSource",
    "IndustryPolicy",
    "LoanProduct",
    "ManagerCategory",
    "ManagerStatus",
    "OfficeKind",
    "OperatingStatus",
    "PolicyCategory",
    "ProfessionalTitle",
    "Prospects",
    "RiskClass",
    "Role",
    "SystemProficiency",
    "TierChangeCause",
    "TierProposalStatus",
    "ViolationKind",
    "ViolationStatus",
    "WebhookDeliveryStatus",
    "WebhookStatus",
]

LABELLED_ENUMS: tuple[type[domain.LabelledEnum], ...] = (
    domain.Role,
    domain.PolicyCategory,
    domain.OfficeKind,
    domain.ManagerCategory,
    domain.ManagerStatus,
    domain.Education,
    domain.ProfessionalTitle,
    domain.CreditExamResult,
    domain.SystemProficiency,
    domain.CustomerKind,
    domain.CustomerSegment,
    domain.AdmissionStatus,
    domain.CustomerClass,
    domain.IndustryPolicy,
    domain.OperatingStatus,
    domain.Prospects,
    domain.Guarantee,
    domain.RiskClass,
    domain.LoanProduct,
    domain.AppraisalStatus,
    domain.TierChangeCause,
    domain.TierProposalStatus,
    domain.ViolationKind,
    domain.ViolationStatus,
    domain.DutyKind,
    domain.ImportStatus,
)

GRAPHQL_ENUMS: tuple[type[enum.Enum], ...] = (
    *LABELLED_ENUMS,
    domain.WebhookStatus,
    domain.WebhookDeliveryStatus,
    IndicatorSource,
    loan_book.LoanStatus,
    loan_book.LoanMovementKind,
    loan_book.MovementSource,
)
"""Every enum registered above; each value gets its Chinese description."""
for _registered in GRAPHQL_ENUMS:
    describe(_registered)


@strawberry.type(description="One enumeration value with its Chinese label.")
class EnumLabel:
    enum: str
    value: str
    label: str


def all_labels() -> list[EnumLabel]:
    return [
        EnumLabel(enum=cls.__name__, value=member.value, label=member.label)
        for cls in LABELLED_ENUMS
        for member in cls
    ]
