"""The lock files are the program: every dependency pyproject.toml names is pinned there with
hashes, the pins satisfy pyproject's ranges, and the environment the tests run in is exactly
the locked one (a stale lock fails here, not a month later on a city's server)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)(?:\s*;\s*([^\\\n]+))?", re.MULTILINE)


def pins(name: str, *, for_this_python: bool = False) -> dict[str, str]:
    """The lock's pins; `for_this_python` leaves out those whose marker excludes this
    interpreter (async-timeout only before Python 3.11.3, say)."""
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    return {
        canonicalize_name(pkg): version
        for pkg, version, marker in PIN.findall(text)
        if not (for_this_python and marker and not Marker(marker.strip()).evaluate())
    }


def declared(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


@pytest.mark.parametrize(("lock", "extras"), [("run.txt", ()), ("test.txt", ("test", "deploy"))])
def test_every_declared_dependency_is_pinned_within_its_range(lock, extras):
    pinned = pins(lock)
    for requirement in declared(*extras):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is missing from requirements/{lock}: run `make lock`"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements/{lock} pins {name}=={pinned[name]}, outside {requirement}"
        )


def test_every_pin_carries_a_hash():
    for lock in ("run.txt", "deploy.txt", "test.txt"):
        text = (ROOT / "requirements" / lock).read_text(encoding="utf-8")
        for block in re.split(r"\n(?=[A-Za-z0-9])", text):
            if PIN.match(block):
                assert "--hash=sha256:" in block, f"{block.splitlines()[0]} has no hash"


@pytest.mark.parametrize(("base", "wider"), [("run.txt", "deploy.txt"), ("deploy.txt", "test.txt")])
def test_a_wider_lock_keeps_the_versions_of_the_narrower(base, wider):
    narrow, wide = pins(base), pins(wider)
    assert {name: wide.get(name) for name in narrow} == narrow


def test_the_tests_run_on_the_locked_versions():
    different = {}
    for name, version in pins("test.txt", for_this_python=True).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            different[name] = (version, None)
            continue
        if installed != version:
            different[name] = (version, installed)
    assert different == {}, "installed differs from requirements/test.txt: run `make install-test`"
