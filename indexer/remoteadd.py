"""`wire add --server URL`: pages sent to a running `wire serve --accept-pages`
(POST /api/pages) instead of written here; the standard library only (and the
engine-neutral AddReport)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable

from .builds import AddReport
from .story import BadStoryError

# Seconds to wait for one page's answer: the server may wait for the writer lock (60 s).
SEND_TIMEOUT = 120.0
# Answers meaning the server has no page intake (not started with --accept-pages, or too old).
NOT_ACCEPTING = (403, 404, 405)


class RemoteAddError(Exception):
    """A server that cannot be reached or does not take pages."""


def pages_url(server: str, name: str, url: str | None) -> str:
    """The POST address of one page: the server's /api/pages with its name and URL."""
    parts = urllib.parse.urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RemoteAddError(f"--server wants an http:// address, not {server!r}")
    query = urllib.parse.urlencode({"name": name, **({"url": url} if url else {})})
    return f"{server.rstrip('/')}/api/pages?{query}"


def send_page(server: str, name: str, raw: bytes, url: str | None = None) -> dict[str, list]:
    """POST one page; the server's report (added ids, duplicates, [name, reason] skipped)."""
    request = urllib.request.Request(
        pages_url(server, name, url),
        data=raw,
        method="POST",
        headers={"Content-Type": "application/octet-stream"},
    )
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as e:
        error = _error_of(e)
        if e.code in NOT_ACCEPTING:
            raise RemoteAddError(f"{server} does not accept pages ({e.code}: {error})") from None
        if 400 <= e.code < 500:  # the page is refused (bad, too large): skipped, the run goes on
            return {"added": [], "duplicates": [], "skipped": [[name, error]]}
        raise RemoteAddError(f"{server} answered {e.code}: {error}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise RemoteAddError(f"cannot reach {server}: {reason}") from None


def _error_of(e: urllib.error.HTTPError) -> str:
    """The server's JSON error message, or the HTTP reason when there is none."""
    try:
        data = json.loads(e.read())
    except ValueError:
        return str(e.reason)
    if data.get("skipped"):
        return "; ".join(reason for _, reason in data["skipped"])
    return str(data.get("error") or e.reason)


def send_pages(
    server: str, pages: Iterable[tuple[str, bytes | BadStoryError]], url: str | None = None
) -> AddReport:
    """Each page in turn; one report for all (pages unreadable here are skipped here)."""
    report = AddReport()
    for name, raw in pages:
        if isinstance(raw, BadStoryError):
            report.skipped.append((name, str(raw)))
            continue
        answer = send_page(server, name, raw, url)
        report.added.extend(answer.get("added", []))
        report.duplicates.extend(answer.get("duplicates", []))
        report.skipped.extend((where, reason) for where, reason in answer.get("skipped", []))
    return report
