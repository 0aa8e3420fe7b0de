"""The domain exception tree.

::

    RuralCreditError
    ├── AuthenticationError      no valid bearer token (HTTP 401, no data)
    ├── BadQueryArgument         a query argument out of range (a GraphQL error)
    ├── PluginError              the installed policy plugins cannot be used as they are
    │   ├── UnknownPlugin        no installed plugin has this name
    │   ├── DuplicatePlugin      two installed plugins give the same name
    │   └── IncompletePlugin     a plugin declares a category without all its hooks
    └── DomainError              an expected failure, returned as a typed result
        ├── InvalidInput         one or more fields break a rule
        ├── NotFound             no such id in the caller's tenant
        ├── Conflict             the write would break a uniqueness or state rule
        │   └── SelectionChanged a draft made under another policy selection: recompute first
        ├── PermissionDenied     the caller's roles do not allow this
        │   └── SeparationOfDuties  both sides of a decision, or one's own record
        ├── Refused              a check failed (e.g. a new loan); every failed rule listed
        ├── PolicyUnavailable    the tenant's selected plugin cannot be used now
        └── MissingInputs        required appraisal inputs are missing; each one listed

The records an error carries: :class:`FieldProblem` (one broken rule of one input
field), :class:`Refusal` (one failed rule of a check, with its article — the same
type a policy plugin returns) and :class:`MissingInput`.

Services raise these with domain field names (``contract_no``); the GraphQL layer
translates them at one boundary: ``server/graphql/mutation.py`` runs every mutation in
a savepoint and, on a ``DomainError``, rolls back everything it wrote and returns the
member of the mutation's result union that ``server/graphql/errors.py``'s one table
names, its field spelled as the client's input path (``server/graphql/paths.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

Kept = Callable[[Any], Awaitable[object]]
"""A change that stands although the use case failed: called with the session after the
failed use case's writes are rolled back (e.g. the admission lapse a refused loan found)."""


class RuralCreditError(Exception):
    """Base of every error the application raises on purpose."""


class AuthenticationError(RuralCreditError):
    """The request carries no token, or one that is expired, forged or malformed."""


@dataclass(frozen=True)
class FieldProblem:
    """One broken rule: the input field (dotted path), a rule code, a message."""

    field: str
    code: str
    message: str


class DomainError(RuralCreditError):
    """An expected failure that the client can act on."""

    code = "DOMAIN_ERROR"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.kept: tuple[Kept, ...] = ()

    def keeping(self, *changes: Kept) -> DomainError:
        """This error, with changes made again after the rollback, in the same transaction."""
        self.kept = (*self.kept, *changes)
        return self


class InvalidInput(DomainError):
    """One or more input fields break a rule."""

    code = "INVALID_INPUT"

    def __init__(self, problems: list[FieldProblem]) -> None:
        if not problems:
            raise ValueError("InvalidInput needs at least one problem")
        first = problems[0]
        summary = first.message if len(problems) == 1 else f"{len(problems)} fields are invalid"
        super().__init__(summary, first.field)
        self.problems = problems


class NotFound(DomainError):
    """No entity with this id exists in the caller's tenant."""

    code = "NOT_FOUND"

    def __init__(self, entity: str, id_: object, field: str | None = None) -> None:
        super().__init__(f"{entity} {id_} not found", field)
        self.entity = entity


class Conflict(DomainError):
    """The write would break a uniqueness or state rule."""

    code = "CONFLICT"


class SelectionChanged(Conflict):
    """A draft was computed with a plugin, version or parameters that are no longer the
    tenant's selection: it cannot be confirmed until it is computed again."""

    code = "RECOMPUTE_FIRST"

    def __init__(self, differences: list[str], field: str | None = None) -> None:
        super().__init__(
            "the tenant's grading selection changed since this draft was computed ("
            + "; ".join(differences)
            + "): compute it again first",
            field,
        )
        self.differences = differences


class RunInProgress(Conflict):
    """A run of the same tenant and period is queued or running: one at a time."""

    code = "RUN_IN_PROGRESS"

    def __init__(self, run_id: object, period: str) -> None:
        super().__init__(
            f"the appraisal run {run_id} of {period} is not finished yet; watch it "
            "(appraisalRun, appraisalRunProgress) and start another when it is done",
            "period",
        )
        self.run_id = run_id


class PermissionDenied(DomainError):
    """The caller's roles do not allow this operation."""

    code = "PERMISSION_DENIED"


class SeparationOfDuties(PermissionDenied):
    """The caller would take both sides of a decision (maker–checker) or act on their own
    manager record; ``rule`` names which rule of the spec's list refuses it."""

    code = "SEPARATION_OF_DUTIES"

    def __init__(self, rule: str, message: str, field: str | None = None) -> None:
        super().__init__(f"separation of duties ({rule}): {message}", field)
        self.rule = rule


class BadQueryArgument(RuralCreditError):
    """A query argument outside its allowed range (reported as a GraphQL error)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Problems:
    """Collects field problems so a service reports every broken rule at once."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, field: str, code: str, message: str) -> None:
        self.items.append(FieldProblem(field, code, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidInput(self.items)


@dataclass(frozen=True)
class Refusal:
    """One failed rule of a check, with the article it applies."""

    rule: str
    article: str
    message: str


class Refused(DomainError):
    """A check (e.g. of a new loan) failed; every failed rule is listed."""

    code = "REFUSED"

    def __init__(self, subject: str, refusals: list[Refusal]) -> None:
        if not refusals:
            raise ValueError("Refused needs at least one refusal")
        rules = ", ".join(r.rule for r in refusals)
        super().__init__(f"{subject} refused: {rules}")
        self.refusals = refusals


class PolicyUnavailable(DomainError):
    """The tenant's selected plugin is not installed or its stored parameters no longer fit."""

    code = "POLICY_UNAVAILABLE"


@dataclass(frozen=True)
class MissingInput:
    """One appraisal input the core could not find: its key, where it comes from, why."""

    key: str
    source: str
    reason: str


class MissingInputs(DomainError):
    """Required appraisal inputs are missing; every missing key is listed."""

    code = "MISSING_INPUTS"

    def __init__(self, manager: str, missing: list[MissingInput]) -> None:
        keys = ", ".join(m.key for m in missing)
        super().__init__(f"appraisal of {manager} lacks inputs: {keys}")
        self.missing = missing


class PluginError(RuralCreditError):
    """The installed policy plugins cannot be used as they are (found at start-up)."""


class UnknownPlugin(PluginError, LookupError):
    """No installed policy plugin has this name."""


class DuplicatePlugin(PluginError, ValueError):
    """Two installed plugins give the same name; a tenant's choice would be ambiguous."""


class IncompletePlugin(PluginError, TypeError):
    """A plugin declares a category without implementing all of its hooks."""
