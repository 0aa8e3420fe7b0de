"""The committed SDL is what the code prints."""

from __future__ import annotations

from pathlib import Path

from server.cli import SCHEMA_PATH, schema_sdl

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_matches_code() -> None:
    committed = (ROOT / SCHEMA_PATH).read_text(encoding="utf-8")
    assert committed == schema_sdl(), (
        "schema/schema.graphql is out of date; regenerate it with `ruralcredit export-schema`"
    )


def test_schema_speaks_the_core_vocabulary() -> None:
    sdl = schema_sdl()
    for fragment in (
        "scalar Money",
        "type ManagerConnection",
        "totalCount: Int!",
        "union CreateLoanResult = Loan | InvalidInput | NotFound | Conflict | PermissionDenied",
        "interface UserError",
        "tierHistory: [TierChange!]!",
        "classHistory: [ClassChange!]!",
    ):
        assert fragment in sdl, fragment
