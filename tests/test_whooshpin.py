"""indexer.whooshpin: the modules using Whoosh internals refuse another Whoosh."""

import re
from pathlib import Path

import pytest

from indexer.whooshpin import PINNED_VERSION, WhooshVersionError, check_whoosh_version, installed_version

PROJECT = Path(__file__).resolve().parents[1]


def test_the_installed_whoosh_is_the_pinned_one():
    assert installed_version() == PINNED_VERSION
    pin = re.search(r'"whoosh-reloaded==([\d.]+)"', (PROJECT / "pyproject.toml").read_text())
    assert pin and pin.group(1) == PINNED_VERSION


@pytest.mark.parametrize("found", ["2.7.4", "2.7.6", "3.54", None])
def test_another_whoosh_fails_clearly(found):
    with pytest.raises(WhooshVersionError, match=r"needs whoosh-reloaded==2\.7\.5.*pip install"):
        check_whoosh_version(found)


def test_readme_names_every_module_that_imports_whoosh():
    importing = {
        path.name
        for folder in ("indexer", "webui")
        for path in (PROJECT / folder).rglob("*.py")
        if re.search(r"^\s*(from|import) whoosh\b", path.read_text(), re.M)
    }
    line = re.search(r"Whoosh is imported by (.+?)(?:;|\.\n|\n\n)", (PROJECT / "README.md").read_text(), re.S)
    assert line, "README must say which modules import Whoosh"
    assert set(re.findall(r"`(\w+\.py)`", line.group(1))) == importing
    assert not any(name.startswith("webui") for name in importing)
