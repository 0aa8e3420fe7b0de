"""The description of every GraphQL enum value: Chinese first, then the English term.

A value's description is ``中文 (english term) — note``: the Chinese label the domain
enum carries (``label``, the words of the source documents), the English term the
value's name spells, and where the spec says more, a short note in its words
(``core.md``, ``policies/*.md``). ``describe`` writes them onto an enum registered
with ``strawberry.enum``; ``tests/graphql/test_enum_descriptions.py`` fails when a
value of the schema has none.
"""

from __future__ import annotations

import dataclasses
import enum

from server import domain
from server.policy import IndicatorSource

CHINESE: dict[type[enum.Enum], dict[str, str]] = {
    # The policy contract's enumerations carry no ``label``; their Chinese words are here.
    IndicatorSource: {
        "COMPUTED": "系统计算",
        "TASK_PLAN": "任务计划",
        "RECORDED": "登记的实绩",
        "FINDINGS": "检查发现",
        "PROFILE": "客户经理资料",
    },
}

NOTES: dict[type[enum.Enum], dict[str, str]] = {
    domain.Role: {
        "MANAGER": "本人的记录、所管客户及其贷款、本人的考核与职责 (core.md 角色)",
        "BRANCH_HEAD": "本机构及下辖机构的全部数据",
        "HR": "全行；客户经理、任务计划、考核、手工调整等级",
        "RISK": "全行；黑名单、准入审批、五级分类、违规确认",
        "AUDITOR": "全行只读，身份证件号码不掩码，审计记录",
        "INTEGRATOR": "事件查询与订阅，本方的 webhook",
        "FEDERATION_ADMIN": "本省各法人机构的政策选择与汇总数据，不含个人信息",
    },
    domain.PolicyCategory: {
        "GRADING": "等级与考核政策 (grading)",
        "CLASSIFICATION": "客户分类政策",
        "LENDING": "贷款权限 (授信上限) 政策",
        "PENALTY": "违规处理政策",
    },
    domain.OfficeKind: {
        "HEAD_OFFICE": "机构树的根",
        "BRANCH": "总行/联社之下",
        "OUTLET": "支行之下",
    },
    domain.ManagerCategory: {
        "RETAIL": "经营自然人业务",
        "CORPORATE": "经营法人业务",
    },
    domain.ManagerStatus: {
        "PROBATION": "见习期未满，不参加等级评定",
        "ACTIVE": "可发放贷款",
        "SUSPENDED": "暂停上岗，不得发放贷款",
        "DISQUALIFIED": "取消资格，不持有等级",
        "LEFT": "已离开客户经理岗位",
    },
    domain.CustomerKind: {
        "INDIVIDUAL": "自然人及非法人经营者，18 位居民身份号码 (GB 11643)",
        "CORPORATE": "企业、事业单位及其他组织，统一社会信用代码 (GB 32100)",
    },
    domain.CustomerSegment: {
        "ENTERPRISE": "法人客户",
        "INSTITUTION": "法人客户",
        "OTHER_ORGANISATION": "法人客户",
    },
    domain.AdmissionStatus: {
        "NOT_REQUIRED": "个人客户或担保人，首次授信无需准入审批",
        "REQUIRED": "法人客户首次授信前须经准入审批 (准入办法第七条)",
        "PENDING": "已提出准入申请，等待审批",
        "APPROVED": "准入已批准，可授信",
        "REJECTED": "准入申请被拒绝",
        "LAPSED": "授信全部到期超过 6 个月，视为新客户，可重新申请 (准入办法第二条)",
    },
    domain.CustomerClass: {
        "SUPPORT": "可新增授信、可增加用信，优质客户，积极拓展 (客户管理办法第十条)",
        "MAINTAIN": "在参考用信额度内授信，不增加用信",
        "RESTRICT": "不新增授信，压缩用信",
        "EXIT": "不新增授信，退出并清收",
    },
    domain.IndustryPolicy: {
        "PROHIBITED": "客户分类为退出类",
        "RESTRICTED": "客户分类为限制类",
    },
    domain.OperatingStatus: {
        "DECLINING": "客户分类为限制类",
        "SUSPENDED": "客户分类为限制类",
        "CEASED": "客户分类为退出类",
    },
    domain.RiskClass: {
        "NORMAL": "五级分类的第一级",
        "SPECIAL_MENTION": "五级分类的第二级",
        "SUBSTANDARD": "五级分类的第三级，不良贷款",
        "DOUBTFUL": "五级分类的第四级，不良贷款",
        "LOSS": "五级分类的第五级，不良贷款",
    },
    domain.AppraisalStatus: {
        "DRAFT": "已计算，可重新计算",
        "CONFIRMED": "由计算人以外的第二人确认，等级变动此时生效",
        "APPEALED": "客户经理在申诉期内提出申诉/复议，待复核",
    },
    domain.TierChangeCause: {
        "INITIAL": "首次评定等级",
        "APPRAISAL": "考核确认后的等级变动",
        "PENALTY": "违规确认后的处理",
        "PROBATION_END": "见习期满后的定级",
        "APPEAL": "申诉复核后的变动",
        "MANUAL": "一名人力资源人员提议、另一名确认的手工调整",
        "POLICY_CHANGE": "更换考核政策后，移至新政策中相对位置相同的等级",
    },
    domain.TierProposalStatus: {
        "PENDING": "已提议，等待另一名人力资源人员确认",
        "CONFIRMED": "已确认，等级变动生效",
        "REJECTED": "已驳回，等级不变",
    },
    domain.ViolationKind: {
        "TEN_KINDS_OF_PERSON": "终生取消信贷客户经理任职资格的情形",
        "AUDIT_NOTICE": "内部及监管部门稽核通报",
    },
    domain.ViolationStatus: {
        "RECORDED": "已登记，待登记人以外的人员确认",
        "CONFIRMED": "已确认，违规处理政策决定其后果",
        "DISMISSED": "已撤销，无后果",
    },
    domain.DutyKind: {
        "COLLECTION_NOTICE": "到期前至少 30 天 (山东办法第三条(四))",
        "OVERDUE_COLLECTION": "逾期后至少每季度一次",
        "INSPECTION": "按客户与贷款的类别每季、每半年或每年一次",
    },
    domain.WebhookStatus: {
        "ACTIVE": "接收事件投递",
        "PAUSED": "不投递，保留积压的事件",
    },
    domain.WebhookDeliveryStatus: {
        "PENDING": "尚未送达，按事件顺序重试直至送达",
        "DELIVERED": "已送达接收方",
    },
    IndicatorSource: {
        "COMPUTED": "由系统根据自身数据汇总",
        "TASK_PLAN": "登记的任务计划数 (recordTaskPlan)",
        "RECORDED": "登记的实际完成数 (recordIndicators)",
        "FINDINGS": "贷后检查发现 (recordInspectionFindings)，无发现即为零",
        "PROFILE": "客户经理的资格资料",
    },
}


def english_term(name: str) -> str:
    """``SPECIAL_MENTION`` → ``special mention``."""
    return name.lower().replace("_", " ")


def description(cls: type[enum.Enum], member: enum.Enum) -> str:
    chinese = getattr(member, "label", "") or CHINESE.get(cls, {}).get(member.name, "")
    if not chinese:
        raise LookupError(f"{cls.__name__}.{member.name} has no Chinese words")
    text = f"{chinese} ({english_term(member.name)})"
    note = NOTES.get(cls, {}).get(member.name)
    return f"{text} — {note}" if note else text


def describe(cls: type[enum.Enum]) -> None:
    """Give each value of an enum registered with ``strawberry.enum`` its description."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    members = {member.name: member for member in cls}
    definition.values = [
        dataclasses.replace(value, description=description(cls, members[value.name]))
        for value in definition.values
    ]


def describe_as(cls: type[enum.Enum], chinese: dict[str, str]) -> None:
    """Describe a GraphQL-only enum (a list's sort fields) with its Chinese words."""
    CHINESE[cls] = chinese
    describe(cls)
