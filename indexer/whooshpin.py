"""Which Whoosh: the one version whose internals patches.py and segments.py use.

whoosh-reloaded is unmaintained, so its fixes are ours, and they touch private
attributes only this version is known to have. Importing this module checks the
installed version and refuses another; the modules using Whoosh internals import
it before Whoosh.
"""

from __future__ import annotations

from importlib import metadata

PINNED_DISTRIBUTION = "whoosh-reloaded"
PINNED_VERSION = "2.7.5"


class WhooshVersionError(ImportError):
    """The installed Whoosh is not the version whose internals wire-search uses."""


def check_whoosh_version(found: str | None) -> None:
    """Raise WhooshVersionError unless `found` is the pinned whoosh-reloaded version."""
    if found != PINNED_VERSION:
        have = f"{PINNED_DISTRIBUTION} {found}" if found else f"no {PINNED_DISTRIBUTION}"
        raise WhooshVersionError(
            f"wire-search patches Whoosh internals and needs {PINNED_DISTRIBUTION}=={PINNED_VERSION}, "
            f"found {have}: pip install '{PINNED_DISTRIBUTION}=={PINNED_VERSION}'"
        )


def installed_version() -> str | None:
    """The installed whoosh-reloaded's version; None when there is none."""
    try:
        return metadata.version(PINNED_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


check_whoosh_version(installed_version())
