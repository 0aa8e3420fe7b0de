"""Who may call what: one table, every root query, mutation and subscription.

Default deny: a root field without a row here is refused to everyone, and a test
fails for it (``tests/test_permissions.py``), which also renders this table into
``docs/roles.md``. The GraphQL layer checks a whole operation against the table
before anything runs (``server.graphql.permissions``); the use cases ask the same
table for the scope they may write in (``server.services.scopes.authorize``), so a
job or the command line is held to the same rows.

What a role reaches *inside* a field it may call is its data scope (own records,
office subtree, tenant — ``server.services.scopes``), a condition in SQL.
The rows follow the roles table of the spec (``core.md``, "Roles"); where the spec
names no role for an operation, the row's note says what was chosen.

HTTP endpoints outside GraphQL (downloads) have a table of their own, ``ENDPOINTS``,
keyed by method and path and held to the same default deny (``endpoint_roles``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from server.domain import Role

MANAGER, BRANCH_HEAD, HR, RISK, AUDITOR, INTEGRATOR, FEDERATION_ADMIN = (
    Role.MANAGER,
    Role.BRANCH_HEAD,
    Role.HR,
    Role.RISK,
    Role.AUDITOR,
    Role.INTEGRATOR,
    Role.FEDERATION_ADMIN,
)
EVERYONE = frozenset(Role)
#: The roles that read the tenant's people and business, each within its data scope.
STAFF = frozenset({MANAGER, BRANCH_HEAD, HR, RISK, AUDITOR})
#: The roles that read the whole tenant.
TENANT_READERS = frozenset({HR, RISK, AUDITOR})
EVENT_READERS = frozenset({INTEGRATOR, HR, RISK, AUDITOR})


@dataclass(frozen=True)
class Rule:
    """Which roles may call one root field, and why where the spec is silent."""

    roles: frozenset[Role]
    note: str = ""


def _rule(*roles: Role | frozenset[Role], note: str = "") -> Rule:
    out: set[Role] = set()
    for r in roles:
        out |= r if isinstance(r, frozenset) else {r}
    return Rule(frozenset(out), note)


QUERIES: Mapping[str, Rule] = {
    "viewer": _rule(EVERYONE, note="the caller itself"),
    "tenant": _rule(EVERYONE, note="the tenant's name, province and policy selection"),
    "labels": _rule(EVERYONE, note="enumeration labels; no data"),
    "policies": _rule(EVERYONE, note="the installed plugins; no data"),
    "appraisalInputs": _rule(STAFF, note="what the tenant's appraisal reads; no data"),
    "offices": _rule(STAFF),
    "office": _rule(STAFF),
    "managers": _rule(STAFF),
    "manager": _rule(STAFF),
    "customers": _rule(STAFF),
    "customer": _rule(STAFF),
    "customerByIdentityNumber": _rule(
        STAFF,
        note="the whole number only, in the caller's scope (a manager's own customers); "
        "shown masked but to AUDITOR",
    ),
    "loans": _rule(STAFF),
    "loan": _rule(STAFF),
    "appraisals": _rule(STAFF),
    "appraisal": _rule(STAFF),
    "node": _rule(
        STAFF, note="an office, manager, customer, loan or appraisal, as its own field scopes it"
    ),
    "nodes": _rule(STAFF, note="up to 100 ids, each as node"),
    "appraisalRun": _rule(TENANT_READERS, note="a batch over the whole tenant"),
    "rotationDue": _rule(TENANT_READERS, note="rotation is HR's; a tenant-wide list"),
    "pendingAdmissions": _rule(
        STAFF, note="the admission requests awaiting RISK's decision, in the caller's scope"
    ),
    "gradeEvents": _rule(EVENT_READERS),
    "classEvents": _rule(EVENT_READERS),
    "eventsHead": _rule(EVENT_READERS, note="the newest cursor of each stream; no event data"),
    "webhooks": _rule(INTEGRATOR, note="its own webhooks"),
    "webhookDeliveries": _rule(INTEGRATOR, note="deliveries of its own webhooks"),
    "provinceTenants": _rule(
        FEDERATION_ADMIN,
        note="the province's tenants: policy, settings and counts, no personal data",
    ),
    "auditLog": _rule(AUDITOR, note="the audit trail: every mutation, allowed or refused"),
    "tierProposals": _rule(HR, AUDITOR, note="manual tier proposals are HR's; the audit reads"),
    "violations": _rule(
        BRANCH_HEAD,
        HR,
        RISK,
        AUDITOR,
        note="the branch head's subtree (it records them), the tenant for the others; the "
        "spec gives managers no read of violation records",
    ),
    "workQueue": _rule(
        MANAGER,
        BRANCH_HEAD,
        HR,
        RISK,
        note="what waits in the caller's scope, for the roles that act on at least one kind "
        "(admissions, drafts, appeals, violations, overdue duties); AUDITOR acts on none",
    ),
    "loanStateImport": _rule(
        RISK,
        AUDITOR,
        note="a loan-state import is RISK's (importLoanStates); the audit reads it",
    ),
    "loanPortfolio": _rule(
        BRANCH_HEAD,
        TENANT_READERS,
        note="figures of the branch head's subtree or the tenant; the spec gives a manager "
        "only its own records, so reports are not a manager's",
    ),
    "gradeDistribution": _rule(
        BRANCH_HEAD, TENANT_READERS, note="managers counted by tier, as loanPortfolio"
    ),
    "appraisalLeague": _rule(
        BRANCH_HEAD,
        TENANT_READERS,
        note="appraisals ranked by total; other managers' results, so not a manager's",
    ),
    "portfolioTrend": _rule(
        BRANCH_HEAD, TENANT_READERS, note="loanPortfolio's balances on each snapshot day"
    ),
    "dutyCompliance": _rule(
        BRANCH_HEAD,
        TENANT_READERS,
        note="post-loan duties met and missed, by office and manager, as loanPortfolio; "
        "other managers' records, so not a manager's",
    ),
}

MUTATIONS: Mapping[str, Rule] = {
    # Organisation and managers: HR.
    "createOffice": _rule(HR, note="the spec names no role; the organisation is HR's"),
    "createManager": _rule(HR),
    "updateManager": _rule(HR, note="profile, status, licence, qualification"),
    "proposeTierChange": _rule(HR, note="a manual tier change, decided by a second HR person"),
    "confirmTierChange": _rule(HR, note="not by the proposer"),
    "rejectTierChange": _rule(HR, note="not by the proposer"),
    # Customers and loans: the manager for themselves, the branch head in the subtree.
    "createCustomer": _rule(MANAGER, BRANCH_HEAD),
    "createLoan": _rule(MANAGER, BRANCH_HEAD),
    "recordDuty": _rule(MANAGER, BRANCH_HEAD),
    "requestAdmission": _rule(MANAGER, BRANCH_HEAD),
    "transferRelationship": _rule(BRANCH_HEAD, RISK),
    # Risk and compliance.
    "updateCustomerFacts": _rule(RISK),
    "setLoanRiskClass": _rule(RISK),
    "recordRepayment": _rule(
        MANAGER,
        BRANCH_HEAD,
        RISK,
        note="the spec names no role: a manager for own loans, the branch head in the "
        "subtree, RISK as the bank's back office (the whole tenant)",
    ),
    "importLoanStates": _rule(
        RISK,
        note="the spec names no role: the core system's loan book for the whole tenant, "
        "five-category classes included, which are RISK's",
    ),
    "approveAdmission": _rule(RISK),
    "rejectAdmission": _rule(RISK),
    "blacklistCustomer": _rule(RISK),
    "unblacklistCustomer": _rule(RISK),
    "recordViolation": _rule(BRANCH_HEAD, note="the branch head records; RISK confirms"),
    "confirmViolation": _rule(RISK, note="not by the recorder"),
    "dismissViolation": _rule(RISK, note="with the reason; not by the recorder"),
    "takeLoanSnapshot": _rule(HR, RISK, note="the month-end loan book, read by both"),
    # Task plans and figures.
    "recordTaskPlan": _rule(BRANCH_HEAD, HR),
    "recordIndicators": _rule(BRANCH_HEAD, HR),
    "recordOfficeIndicators": _rule(BRANCH_HEAD, HR, note="the office's signed task sheet"),
    "recordInspectionFindings": _rule(BRANCH_HEAD, HR, note="figures of the appraisal"),
    "uploadTaskFigures": _rule(
        BRANCH_HEAD,
        HR,
        note="a filled 任务完成考核表: recordTaskPlan and recordIndicators per row, all or nothing",
    ),
    "uploadInspectionFindings": _rule(
        BRANCH_HEAD, HR, note="a filled 检查发现 sheet: recordInspectionFindings per row"
    ),
    "uploadViolations": _rule(
        BRANCH_HEAD, note="a filled 违规记录 sheet: recordViolation per row, all or nothing"
    ),
    # Appraisals.
    "runAppraisal": _rule(HR),
    "runAppraisals": _rule(HR),
    "confirmAppraisal": _rule(HR),
    "appealAppraisal": _rule(MANAGER, note="the manager's own appraisal"),
    "resolveAppeal": _rule(HR),
    # Policy of the province's tenants (the own tenant, or one of the province's).
    "setTenantPolicy": _rule(FEDERATION_ADMIN),
    "setTenantSettings": _rule(FEDERATION_ADMIN),
    # Integrators' own webhooks.
    "registerWebhook": _rule(INTEGRATOR),
    "rotateWebhookSecret": _rule(INTEGRATOR),
    "resumeWebhook": _rule(INTEGRATOR),
}

SUBSCRIPTIONS: Mapping[str, Rule] = {
    "gradeChanged": _rule(EVENT_READERS),
    "customerClassChanged": _rule(EVENT_READERS),
    "gradeStream": _rule(EVENT_READERS, note="gradeChanged, opened by the cursor it starts after"),
    "customerClassStream": _rule(
        EVENT_READERS, note="customerClassChanged, opened by the cursor it starts after"
    ),
    "appraisalRunProgress": _rule(TENANT_READERS, note="a batch over the whole tenant"),
}

#: HTTP endpoints outside GraphQL, by method and path (the path as routed).
ENDPOINTS: Mapping[str, Rule] = {
    "GET /exports/appraisal-runs/{id}/score-sheet.xlsx": Rule(
        QUERIES["appraisalRun"].roles,
        note="an appraisal run's score sheet as a workbook; the roles of appraisalRun",
    ),
    "GET /exports/templates/task-figures.xlsx": Rule(
        MUTATIONS["uploadTaskFigures"].roles,
        note="the 任务完成考核表 template (?period=); the roles of uploadTaskFigures",
    ),
    "GET /exports/templates/violations.xlsx": Rule(
        MUTATIONS["uploadViolations"].roles,
        note="the 违规记录 template; the roles of uploadViolations",
    ),
    "GET /exports/templates/inspection-findings.xlsx": Rule(
        MUTATIONS["uploadInspectionFindings"].roles,
        note="the 检查发现 template (?period=); the roles of uploadInspectionFindings",
    ),
    "GET /exports/reports/loan-portfolio.xlsx": Rule(
        QUERIES["loanPortfolio"].roles,
        note="loanPortfolio as a workbook, with its arguments; the roles of loanPortfolio",
    ),
    "GET /exports/reports/grade-distribution.xlsx": Rule(
        QUERIES["gradeDistribution"].roles,
        note="gradeDistribution as a workbook, with its arguments; the roles of gradeDistribution",
    ),
    "GET /exports/reports/appraisal-league.xlsx": Rule(
        QUERIES["appraisalLeague"].roles,
        note="appraisalLeague as a workbook, with its arguments; the roles of appraisalLeague",
    ),
    "GET /exports/reports/portfolio-trend.xlsx": Rule(
        QUERIES["portfolioTrend"].roles,
        note="portfolioTrend as a workbook, with its arguments; the roles of portfolioTrend",
    ),
    "GET /exports/reports/duty-compliance.xlsx": Rule(
        QUERIES["dutyCompliance"].roles,
        note="dutyCompliance as a workbook, with its arguments; the roles of dutyCompliance",
    ),
}

#: Every root field by operation type (the GraphQL names).
TABLE: Mapping[str, Mapping[str, Rule]] = {
    "query": QUERIES,
    "mutation": MUTATIONS,
    "subscription": SUBSCRIPTIONS,
}


def allowed_roles(operation: str, field: str) -> frozenset[Role]:
    """The roles that may call ``field`` of ``operation``; none for a field not in the table."""
    rule = TABLE.get(operation, {}).get(field)
    return rule.roles if rule else frozenset()


def endpoint_roles(endpoint: str) -> frozenset[Role]:
    """The roles that may request ``endpoint`` ("GET /path"); none for one not in the table."""
    rule = ENDPOINTS.get(endpoint)
    return rule.roles if rule else frozenset()


def may_call(roles: frozenset[Role], operation: str, field: str) -> bool:
    return not roles.isdisjoint(allowed_roles(operation, field))


def roles_sentence(operation: str, field: str) -> str:
    """What a root field's description says of who may call it."""
    allowed = [r.value for r in ROLE_ORDER if r in allowed_roles(operation, field)]
    if not allowed:
        return "Roles: none (see docs/roles.md)."
    return f"Roles: {', '.join(allowed)}."


def refusal(operation: str, field: str) -> str:
    """Why a caller without the roles is refused ``field``: the roles it needs."""
    allowed = allowed_roles(operation, field)
    if not allowed:
        return f"{field} is open to no role"
    return f"{field} needs the role {' or '.join(sorted(r.value for r in allowed))}"


ROLE_ORDER = (MANAGER, BRANCH_HEAD, HR, RISK, AUDITOR, INTEGRATOR, FEDERATION_ADMIN)
SCOPES = {
    MANAGER: "own record, the customers they manage, those customers' loans, own appraisals",
    BRANCH_HEAD: "the subtree of the office it heads",
    HR: "the whole tenant",
    RISK: "the whole tenant",
    AUDITOR: "the whole tenant (identity numbers unmasked)",
    INTEGRATOR: "events, and the webhooks it registered",
    FEDERATION_ADMIN: "its tenant's province: policy selections and aggregates, no personal data",
}


def render_markdown() -> str:
    """``docs/roles.md``: this table, as the documentation shows it."""
    head = "| field | " + " | ".join(f"`{r.value}`" for r in ROLE_ORDER) + " | note |"
    rule = "|---|" + "---|" * len(ROLE_ORDER) + "---|"
    out = [
        "# Roles and permissions",
        "",
        "Generated from `server/permissions.py` by `ruralcredit export-roles`; a test fails",
        "when this file and the table differ. A root field not listed is refused to everyone.",
        "",
        "A role reaches only its data scope inside a field it may call; a row outside it is",
        "not found, like another tenant's:",
        "",
        "| role | token claim | scope |",
        "|---|---|---|",
    ]
    claims = {MANAGER: "`manager`", BRANCH_HEAD: "`office`", FEDERATION_ADMIN: "`province`"}
    for r in ROLE_ORDER:
        out.append(f"| `{r.value}` {r.label} | {claims.get(r, '—')} | {SCOPES[r]} |")
    for kind, rows in TABLE.items():
        out += ["", f"## {kind.capitalize()}", "", head, rule]
        for field, row in rows.items():
            marks = " | ".join("✓" if r in row.roles else "" for r in ROLE_ORDER)
            out.append(f"| `{field}` | {marks} | {row.note} |")
    out += [
        "",
        "## Endpoints",
        "",
        "HTTP endpoints outside GraphQL: the bearer token is read as for GraphQL, and an",
        "endpoint not listed is refused to everyone.",
        "",
        head.replace("| field |", "| endpoint |", 1),
        rule,
    ]
    for endpoint, row in ENDPOINTS.items():
        marks = " | ".join("✓" if r in row.roles else "" for r in ROLE_ORDER)
        out.append(f"| `{endpoint}` | {marks} | {row.note} |")
    return "\n".join(out) + "\n"
