"""Every GraphQL example of README.md runs, in the README's order, against the demo data
through the real app, with the token the README names, and succeeds: no ``errors``, data
not empty, and where the README shows a result's type, that type.

An example block may be preceded by a comment the README renders invisibly, saying what
its prose says::

    <!-- example name=round roles=HR user=li.hr office=10000
         variables=id:round.runAppraisal.id,issuedOn:today expect=runAppraisal:Appraisal -->

``name`` keeps its data for later examples; ``variables`` binds each variable to a path
into such data (``NAME.field.0.field``) or to ``today`` / ``today+N`` (days, the
tenant's business date); ``expect`` checks a field's ``__typename``. Without a comment
an example runs as the token ``ruralcredit serve --demo`` prints. The ``curl`` example's
document runs too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.clock import business_today
from server.domain import Role
from tests.conftest import Api

README = Path(__file__).resolve().parent.parent / "README.md"
SERVE_DEMO_ROLES = (Role.HR, Role.RISK, Role.AUDITOR)
SERVE_DEMO_USER = "demo-user"
"""The token ``ruralcredit serve --demo`` prints (``server.cli.cmd_serve``)."""
BLOCK = re.compile(
    r"(?:<!--\s*example\s+(?P<meta>.*?)-->\s*\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S
)


@dataclass
class Example:
    document: str
    line: int
    name: str | None = None
    roles: tuple[Role, ...] = SERVE_DEMO_ROLES
    user: str = SERVE_DEMO_USER
    office: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    shown: dict[str, Any] = field(default_factory=dict)
    expect: dict[str, str] = field(default_factory=dict)


def _pairs(text: str) -> dict[str, str]:
    return dict(item.split(":", 1) for item in text.split(",") if item)


def _example(document: str, line: int, meta: str | None) -> Example:
    example = Example(document, line)
    for word in shlex.split(meta or ""):
        key, _, value = word.partition("=")
        if key == "name":
            example.name = value
        elif key == "roles":
            example.roles = tuple(Role(r) for r in value.split(","))
        elif key == "user":
            example.user = value
        elif key == "office":
            example.office = value
        elif key == "variables":
            example.variables = _pairs(value)
        elif key == "expect":
            example.expect = _pairs(value)
        else:
            raise AssertionError(f"README line {line}: unknown example key {key!r}")
    return example


def _curl_document(body: str) -> str | None:
    """The document a ``curl … /graphql -d '{"query": …}'`` example sends."""
    if "curl" not in body or "/graphql" not in body:
        return None
    words = shlex.split(body.replace("\\\n", " "), comments=False)
    payload = words[words.index("-d") + 1]
    query: str = json.loads(payload)["query"]
    return query


def examples(text: str) -> list[Example]:
    found: list[Example] = []
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start("body"))
        lang, body = match.group("lang"), match.group("body")
        if lang == "graphql":
            found.append(_example(body, line, match.group("meta")))
        elif lang == "json" and found and text.count("\n", 0, match.start()) - found[-1].line < 30:
            found[-1].shown = json.loads(body)
        elif lang == "sh" and (document := _curl_document(body)) is not None:
            found.append(Example(document, line))
    return found


def _value(binding: str, named: dict[str, Any], today: dt.date) -> Any:
    if binding == "today" or binding.startswith("today+"):
        days = int(binding.removeprefix("today").removeprefix("+") or 0)
        return (today + dt.timedelta(days=days)).isoformat()
    name, *path = binding.split(".")
    value: Any = named[name]
    for step in path:
        value = value[int(step)] if isinstance(value, list) else value[step]
    return value


def test_the_readme_lists_its_examples() -> None:
    found = examples(README.read_text(encoding="utf-8"))
    assert len(found) >= 10
    assert any("runAppraisal" in e.document for e in found)
    assert any("confirmAppraisal" in e.document for e in found)
    assert "managers(first: 3)" in found[0].document  # the curl example
    for example in found:
        declared = set(re.findall(r"\$(\w+)\s*:", example.document))
        assert declared == set(example.variables), (
            f"README line {example.line}: variables {sorted(declared)} "
            f"bound {sorted(example.variables)}"
        )
        assert set(example.shown) <= declared, f"README line {example.line}"


async def test_every_readme_example_runs_against_the_demo_data(api: Api) -> None:
    today = business_today()
    named: dict[str, Any] = {}
    for example in examples(README.read_text(encoding="utf-8")):
        variables = {k: _value(v, named, today) for k, v in example.variables.items()}
        token = api.token("sd-demo", example.roles, example.user, office=example.office)
        response = await api.post(example.document, variables, token=token)
        where = f"README line {example.line}"
        assert response.status_code == 200, f"{where}: {response.text}"
        body = response.json()
        assert "errors" not in body, f"{where}: {body['errors']}"
        data = body["data"]
        assert data and all(v is not None for v in data.values()), f"{where}: {data}"
        for field_name, typename in example.expect.items():
            assert data[field_name]["__typename"] == typename, f"{where}: {data[field_name]}"
        if example.name:
            named[example.name] = data
