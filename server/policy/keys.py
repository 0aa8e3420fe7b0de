"""How the keys plugins and the core exchange are written.

- An **indicator key** names an appraisal input (``loan_balance``,
  ``interest_recovered``): lower_snake_case, 1–60 characters, starting with a
  letter. Recorded figures, task plans and ``IndicatorSpec.key`` use it.
- An **item key** names an appraisal item as the source numbers it (``C1.4``,
  ``B5.2``): 1–20 letters, digits or dots. Inspection findings are recorded
  against it.
- A **finding code** names one kind of inspection finding of an item
  (``MISSING_INSPECTION_REPORT``): UPPER_SNAKE_CASE, 1–60 characters, starting
  with a letter.
"""

from __future__ import annotations

import re

INDICATOR_KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
ITEM_KEY = re.compile(r"^[A-Za-z0-9.]{1,20}$")
FINDING_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,59}$")


def is_indicator_key(text: str) -> bool:
    """Whether ``text`` is written as an indicator key (``interest_recovered``)."""
    return INDICATOR_KEY.match(text) is not None


def is_item_key(text: str) -> bool:
    """Whether ``text`` is written as an item key (``C1.4``)."""
    return ITEM_KEY.match(text) is not None


def is_finding_code(text: str) -> bool:
    """Whether ``text`` is written as a finding code (``MISSING_INSPECTION_REPORT``)."""
    return FINDING_CODE.match(text) is not None
