"""No N+1: a three-level query costs the same statements at any page size."""

from __future__ import annotations

import pytest

from tests.conftest import Api, StatementLog

THREE_LEVELS = """
query($first: Int!) {
  managers(first: $first) {
    edges { node { name
      loans(first: 5) { edges { node { contractNo
        customer { name } } } } } }
  }
}
"""

WITH_COUNTS = """
query($first: Int!) {
  managers(first: $first) {
    totalCount
    edges { node { name
      loans(first: 5) { totalCount edges { node { contractNo
        customer { name } } } } } }
  }
}
"""


async def _statements_for(api: Api, statements: StatementLog, query: str, first: int) -> int:
    with statements.capture() as captured:
        data = await api(query, {"first": first})
    managers = data["managers"]["edges"]
    assert len(managers) == min(first, 12)
    assert any(m["node"]["loans"]["edges"] for m in managers)
    return len(captured)


@pytest.mark.parametrize(
    ("query", "levels", "count_queries"), [(THREE_LEVELS, 3, 0), (WITH_COUNTS, 3, 2)]
)
async def test_three_level_query_is_batched(
    api: Api, statements: StatementLog, query: str, levels: int, count_queries: int
) -> None:
    at_10 = await _statements_for(api, statements, query, 10)
    at_100 = await _statements_for(api, statements, query, 100)
    print(f"statements at page size 10: {at_10}, at 100: {at_100}")
    assert at_10 == at_100
    assert at_10 <= 1 + levels + count_queries
