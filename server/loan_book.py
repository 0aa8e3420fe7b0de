"""The loan book's vocabulary: what a loan's life is made of after it is written.

A loan is ``ACTIVE`` while it has a balance on the books, ``CLOSED`` once repaid in
full, ``WRITTEN_OFF`` once its balance was written off (核销, taken off the balance
sheet; later recoveries are kept on it). Each change of a loan is a dated movement
(``server.db.models.lending.LoanMovement``), entered by hand or by an import of the
core system's loan states.
"""

from __future__ import annotations

from server.domain import LabelledEnum


class LoanStatus(LabelledEnum):
    ACTIVE = "ACTIVE", "未结清"
    CLOSED = "CLOSED", "已结清"
    WRITTEN_OFF = "WRITTEN_OFF", "已核销"


class LoanMovementKind(LabelledEnum):
    """One change of a loan. The amount is the money moved; for a change of class or of a
    flag, the balance it concerns."""

    REPAYMENT_PRINCIPAL = "REPAYMENT_PRINCIPAL", "收回本金"
    REPAYMENT_INTEREST = "REPAYMENT_INTEREST", "收回利息"
    WRITE_OFF = "WRITE_OFF", "核销"
    WRITE_OFF_RECOVERY = "WRITE_OFF_RECOVERY", "已核销贷款收回"
    CLOSURE = "CLOSURE", "结清"
    RECLASSIFICATION = "RECLASSIFICATION", "五级分类调整"
    EXTENSION = "EXTENSION", "展期"
    REFINANCING = "REFINANCING", "借新还旧"


class MovementSource(LabelledEnum):
    MANUAL = "MANUAL", "手工录入"
    IMPORT = "IMPORT", "核心系统导入"
