"""Shared fixtures for Quiver's Python client tests.

The Go test integration_test/python_test.go (TestPythonClients) builds and
starts the real `quiver serve` and runs this suite in the repo's .venv with:

  QUIVER_URI         grpc://127.0.0.1:PORT of the running server
  QUIVER_COMPAT_OUT  file to write the compatibility results to (JSON lines)

Every feature a test exercises runs inside ``compat.feature(client, name)``:
an exception (including a failed assert) inside the block records
``ok: false`` with a deterministic description of the error, and the test
goes on with the next feature; a clean exit records ``ok: true`` with the
detail the block set. The Go test compares the results with the committed
integration_test/compat/<client>.jsonl, so a regression fails CI and an
improvement asks for a re-run with -update. Errors outside feature blocks
(the server is unreachable, a fixture breaks) fail the test itself.
"""

import contextlib
import json
import os
import re
from urllib.parse import urlparse

import pytest


class _Outcome:
    """What a feature block reports on success: set ``detail``."""

    def __init__(self, detail: str):
        self.detail = detail


# Text in error messages that changes between runs (ports, addresses,
# timestamps, object addresses, ids) and is replaced before recording.
_VOLATILE = [
    (re.compile(r"gRPC client debug context:.*", re.S), ""),
    (re.compile(r"Client context:.*", re.S), ""),
    (re.compile(r"(127\.0\.0\.1|localhost|\[::1\]):\d+"), r"\1:PORT"),
    (re.compile(r"ipv[46]:[^ ,}\"]+"), "ipv4:ADDR"),
    (re.compile(r"0x[0-9a-fA-F]+"), "0x…"),
    (re.compile(r"\b[0-9a-f]{16,}\b"), "…"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?"), "TIME"),
    (re.compile(r"\s+"), " "),
]

_MAX_DETAIL = 300


class Failure(Exception):
    """A failure whose message is the whole detail (no exception type
    prefix): tests raise it to explain a client error in plain words."""


def describe(exc: BaseException) -> str:
    """A deterministic one-line description of exc for the matrix."""
    msg = str(exc)
    if isinstance(exc, AssertionError) and "\nassert " in msg and not msg.startswith("assert "):
        msg = msg.split("\nassert ", 1)[0]  # drop pytest's rewritten-assert explanation
    for pattern, repl in _VOLATILE:
        msg = pattern.sub(repl, msg)
    msg = msg.strip().rstrip(".").strip()
    if isinstance(exc, Failure):
        text = msg
    else:
        text = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    if len(text) > _MAX_DETAIL:
        text = text[: _MAX_DETAIL - 1] + "…"
    return text


class Compat:
    """Collects compatibility results in the order features run."""

    def __init__(self):
        self.results = []
        self._seen = set()

    @contextlib.contextmanager
    def feature(self, client: str, name: str, detail: str = ""):
        key = (client, name)
        if key in self._seen:
            raise ValueError(f"feature {name!r} of {client} recorded twice")
        self._seen.add(key)
        outcome = _Outcome(detail)
        try:
            yield outcome
        except Exception as exc:  # noqa: BLE001 - every failure is a result
            self.results.append({"client": client, "feature": name, "ok": False, "detail": describe(exc)})
        else:
            self.results.append({"client": client, "feature": name, "ok": True, "detail": outcome.detail})

    def write(self, path: str):
        with open(path, "w", encoding="utf-8") as f:
            for r in self.results:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")


COMPAT = Compat()


def pytest_sessionfinish(session, exitstatus):
    out = os.environ.get("QUIVER_COMPAT_OUT")
    if out:
        COMPAT.write(out)


@pytest.fixture(scope="session")
def compat() -> Compat:
    return COMPAT


@pytest.fixture(scope="session")
def uri() -> str:
    value = os.environ.get("QUIVER_URI")
    if not value:
        pytest.fail("QUIVER_URI is not set: run these tests through `go test ./integration_test -run TestPythonClients` (it starts the server)")
    return value


@pytest.fixture(scope="session")
def host_port(uri):
    u = urlparse(uri)
    return u.hostname, u.port
