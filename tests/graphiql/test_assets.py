"""The files GraphiQL loads: each vendored file is the one pinned (its sha384 recomputed here
matches the table in ``server.graphiql.assets`` and the vendor README), each has its
licence beside it, the package ships them all, and the server serves them, and only them,
with their media type, cache policy and, on request, gzip."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import httpx
import pytest

from server.app import create_app
from server.graphiql.assets import (
    IMMUTABLE,
    OWN,
    REVALIDATE,
    SERVED,
    STATIC,
    VENDORED,
    Asset,
    sri_sha384,
)
from server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
VENDOR = STATIC / "vendor"
README = VENDOR / "README.md"


def test_sri_sha384_is_the_base64_of_the_sha384_digest() -> None:
    # The SRI example value of the empty string, as browsers compute it.
    assert sri_sha384(b"") == (
        "sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb"
    )


@pytest.mark.parametrize("asset", VENDORED, ids=lambda a: a.path)
def test_each_vendored_file_is_the_one_pinned(asset: Asset) -> None:
    assert sri_sha384((STATIC / asset.path).read_bytes()) == asset.integrity


@pytest.mark.parametrize("asset", OWN, ids=lambda a: a.path)
def test_the_pages_own_files_are_hashed_as_they_are(asset: Asset) -> None:
    assert sri_sha384((STATIC / asset.path).read_bytes()) == asset.integrity


def _readme_hashes() -> dict[str, str]:
    rows = re.findall(r"^\| `([^`]+)` \| `[^`]+` \| `(sha384-[^`]+)` \|$", README.read_text(), re.M)
    return dict(rows)


def test_the_readme_lists_every_vendored_file_with_its_hash() -> None:
    on_disk = {
        str(p.relative_to(VENDOR)): sri_sha384(p.read_bytes())
        for p in VENDOR.rglob("*")
        if p.is_file() and p != README
    }
    assert len(on_disk) == 7
    assert _readme_hashes() == on_disk


def test_the_readme_and_the_table_agree() -> None:
    readme = _readme_hashes()
    assert {a.path.removeprefix("vendor/"): a.integrity for a in VENDORED}.items() <= (
        readme.items()
    )


def test_each_vendored_folder_has_its_licence_and_names_its_version() -> None:
    folders = sorted(p for p in VENDOR.iterdir() if p.is_dir())
    assert [f.name for f in folders] == ["graphiql-3.9.0", "react-18.3.1", "react-dom-18.3.1"]
    for folder in folders:
        assert "MIT License" in (folder / "LICENSE").read_text()
        package, version = folder.name.rsplit("-", 1)
        assert f"| {package} | {version} | MIT |" in README.read_text()


def test_the_package_data_ships_every_file_under_static() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["server.graphiql"]
    package = STATIC.parent
    files = [str(p.relative_to(package)) for p in STATIC.rglob("*") if p.is_file()]
    assert len(files) == 10
    unshipped = [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert unshipped == []


@pytest.fixture
async def client(settings: Settings) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(settings))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.mark.parametrize("asset", list(SERVED.values()), ids=lambda a: a.path)
async def test_each_file_is_served_with_its_type_and_cache_policy(
    client: httpx.AsyncClient, asset: Asset
) -> None:
    async with client:
        response = await client.get(f"/{asset.url}")
    assert response.status_code == 200
    assert response.headers["content-type"] == asset.media_type
    assert response.headers["x-content-type-options"] == "nosniff"
    immutable = asset.path.startswith("vendor/")
    assert response.headers["cache-control"] == (IMMUTABLE if immutable else REVALIDATE)
    assert sri_sha384(response.content) == asset.integrity


async def test_graphiqls_script_is_gzipped_for_a_client_that_accepts_it(
    client: httpx.AsyncClient,
) -> None:
    asset = SERVED["vendor/graphiql-3.9.0/graphiql.min.js"]
    async with client:
        response = await client.get(f"/{asset.url}", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.num_bytes_downloaded < len(response.content) / 2
    assert sri_sha384(response.content) == asset.integrity


@pytest.mark.parametrize(
    "path",
    [
        "vendor/README.md",
        "vendor/react-18.3.1/LICENSE",
        "vendor/react-18.3.1/react.development.js",
        "../assets.py",
        "%2e%2e/assets.py",
        "",
    ],
)
async def test_nothing_but_a_listed_file_is_served(client: httpx.AsyncClient, path: str) -> None:
    async with client:
        response = await client.get(f"/graphiql/static/{path}")
    assert response.status_code == 404
    assert "import" not in response.text
