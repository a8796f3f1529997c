"""A real OpenStack Placement service for the tests: started in a child process, stopped by the fixture.

:func:`placement_service` (a context manager) writes a ``placement.conf``
into a temporary directory (``[api] auth_strategy = noauth2``,
``[placement_database] connection = sqlite:///DIR/placement.db``), runs
``placement-manage db sync`` on it, and serves Placement's own WSGI
application (:func:`placement.wsgi.init_application`) with the standard
library's ``wsgiref`` server in a child process on 127.0.0.1, on a port the
kernel picks (port 0) and the child reports. It yields a
:class:`PlacementService` with the endpoint and a small JSON client, and
kills the child on exit, whatever happened. The noauth2 strategy takes the
token ``admin`` as an administrator.

The ``openstack-placement`` package is the ``placement`` test extra; without
it :func:`require_placement` skips with the reason.

:class:`FakePlacement` is an in-memory stand-in for the few requests a push
makes, for the fast tests that need a service to fail at a chosen request
(the real one is started only by the tests marked slow, and by the smoke
tests): :meth:`FakePlacement.install` routes every
:class:`~migcompat.exports.placement_client.PlacementClient` request to it.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import textwrap
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid as uuids
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from migcompat.exports.errors import ExportError
from migcompat.exports.placement_client import PlacementClient

TOKEN = "admin"
"""The token noauth2 takes as an administrator's."""

_SERVER = textwrap.dedent(
    """
    import os, sys
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    class Server(WSGIServer):
        request_queue_size = int(sys.argv[1])  # the listen backlog

    from placement.wsgi import init_application

    app = init_application()
    server = make_server("127.0.0.1", 0, app, server_class=Server, handler_class=Quiet)
    print(server.server_port, flush=True)
    os.dup2(2, 1)  # from now on, whatever the service prints goes to the log, never into a pipe nobody reads
    server.serve_forever()
    """
)


def require_placement() -> None:
    """Skip the calling test unless the ``openstack-placement`` package is installed."""
    pytest.importorskip("placement.wsgi", reason="openstack-placement is not installed: pip install -e '.[placement]'")


@dataclass
class PlacementService:
    """A running Placement service: its endpoint, and requests to it as an administrator."""

    endpoint: str

    def request(self, method: str, path: str, body: object = None, *, microversion: str = "1.39") -> tuple[int, Any]:
        """``(status, decoded JSON or None)`` of one request."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"X-Auth-Token": TOKEN, "OpenStack-API-Version": f"placement {microversion}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.endpoint + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        return status, (json.loads(raw) if raw.strip() else None)

    def empty(self) -> None:
        """Delete every resource provider and every custom trait: the service as a test file's next test wants it."""
        status, answer = self.request("GET", "/resource_providers")
        assert status == 200, (status, answer)
        for rp in answer["resource_providers"]:
            assert self.request("DELETE", f"/resource_providers/{rp['uuid']}")[0] == 204
        status, answer = self.request("GET", "/traits?name=startswith:CUSTOM_")
        assert status == 200, (status, answer)
        for name in answer["traits"]:
            assert self.request("DELETE", f"/traits/{name}")[0] == 204

    def create_provider(self, name: str, uuid: str | None = None) -> str:
        """Create a resource provider called *name* (with *uuid* when given); its UUID."""
        body: dict[str, str] = {"name": name}
        if uuid is not None:
            body["uuid"] = uuid
        status, answer = self.request("POST", "/resource_providers", body, microversion="1.20")
        assert status == 200, (status, answer)
        return str(answer["uuid"])

    def traits_of(self, uuid: str) -> set[str]:
        """The traits of the resource provider *uuid*."""
        status, answer = self.request("GET", f"/resource_providers/{uuid}/traits")
        assert status == 200, (status, answer)
        return set(answer["traits"])

    def providers_matching(self, query: str, microversion: str = "1.39") -> set[str]:
        """The UUIDs ``GET /resource_providers?QUERY`` answers."""
        status, answer = self.request("GET", "/resource_providers?" + query, microversion=microversion)
        assert status == 200, (status, answer)
        return {rp["uuid"] for rp in answer["resource_providers"]}


@contextlib.contextmanager
def placement_service(directory: Path, backlog: int = 5) -> Iterator[PlacementService]:
    """A Placement service with its database in *directory*, stopped on exit.

    It answers one request at a time; *backlog* connections wait to be
    accepted (the standard library's default, 5; a production server's is
    a hundred or more), and the kernel drops those beyond.
    """
    require_placement()
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "placement.conf"
    conf.write_text(
        "[DEFAULT]\nuse_stderr = false\n"
        "[api]\nauth_strategy = noauth2\n"
        f"[placement_database]\nconnection = sqlite:///{directory / 'placement.db'}\n"
    )
    manage = Path(sys.executable).with_name("placement-manage")
    command = [str(manage)] if manage.exists() else [sys.executable, "-m", "placement.cmd.manage"]
    subprocess.run([*command, "--config-file", str(conf), "db", "sync"], check=True, capture_output=True, timeout=120)
    env = {**os.environ, "OS_PLACEMENT_CONFIG_DIR": str(directory)}
    log = (directory / "server.log").open("w")
    child = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(backlog)],
        stdout=subprocess.PIPE,
        stderr=log,
        env=env,
        text=True,
        cwd=directory,
    )
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], 120)
        line = child.stdout.readline() if ready else ""  # the port, once the application is loaded
        if not line.strip().isdigit():
            child.kill()
            child.wait(timeout=30)
            log.close()
            raise RuntimeError("Placement did not start:\n" + (directory / "server.log").read_text()[-3000:])
        yield PlacementService(f"http://127.0.0.1:{int(line)}")
    finally:
        child.kill()
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
        log.close()


@dataclass
class FakePlacement:
    """Resource providers and traits in memory, answering the requests of a push as Placement does.

    *fail_at* makes the write request (PUT or DELETE) of that number, counted
    from 1, answer 500; *lost_at* makes that write applied but its answer lost
    (the client's error for a timeout once sent); *writes* records every write
    request answered, in order. Requests made at once (a parallel push's) are
    answered one at a time.
    """

    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """UUID -> {"name", "generation", "traits"}."""
    traits: set[str] = field(default_factory=set)
    fail_at: int | None = None
    lost_at: int | None = None
    writes: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, name: str, uuid: str | None = None) -> str:
        """A new resource provider called *name*; its UUID."""
        uuid = uuid or str(uuids.uuid4())
        self.providers[uuid] = {"name": name, "generation": 0, "traits": set()}
        return uuid

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Route every PlacementClient request to this fake."""

        def request(
            client: PlacementClient,
            method: str,
            path: str,
            body: object = None,
            *,
            microversion: str = "1.6",
            ok: tuple[int, ...] = (200,),
            resent: list[bool] | None = None,
        ) -> tuple[int, Any]:
            status, answer = self._answer(method, path, body)
            if self.lost_at is not None and method in ("PUT", "DELETE") and len(self.writes) == self.lost_at:
                lost = ExportError("placement-failed", "cannot reach Placement: timed out", where=f"{method} {path}")
                lost.in_doubt = True  # as PlacementClient.request says of a write whose answer never came
                raise lost
            if status not in ok:
                raise ExportError("placement-failed", f"{method} {path} answered {status}", where=f"{method} {path}")
            return status, answer

        monkeypatch.setattr(PlacementClient, "request", request)

    def _answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        with self._lock:  # a push makes several requests at once
            return self._answer_one(method, path, body)

    def _answer_one(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        parts = urllib.parse.urlsplit(path)
        query = urllib.parse.parse_qs(parts.query)
        segments = [urllib.parse.unquote(part) for part in parts.path.strip("/").split("/")]
        if method in ("PUT", "DELETE"):
            if self.fail_at is not None and len(self.writes) + 1 == self.fail_at:
                return 500, {"errors": [{"detail": "the fake fails here"}]}
            self.writes.append(f"{method} {path}")
        if method == "GET" and segments == ["resource_providers"]:
            names = query.get("name", [])
            required = query.get("required", [""])[0]
            wanted = set(required.removeprefix("in:").split(",")) if required else set()
            found = [
                {"uuid": uuid, "name": rp["name"], "generation": rp["generation"]}
                for uuid, rp in self.providers.items()
                if (not names or rp["name"] == names[0])
                and (not wanted or (wanted & rp["traits"] if required.startswith("in:") else wanted <= rp["traits"]))
            ]
            return 200, {"resource_providers": found}
        if segments[0] == "resource_providers" and len(segments) == 3 and segments[2] == "traits":
            rp = self.providers.get(segments[1])
            if rp is None:
                return 404, None
            if method == "GET":
                return 200, {"traits": sorted(rp["traits"]), "resource_provider_generation": rp["generation"]}
            if body["resource_provider_generation"] != rp["generation"]:
                return 409, None
            if not set(body["traits"]) <= self.traits:
                return 400, None
            rp["traits"] = set(body["traits"])
            rp["generation"] += 1
            return 200, {"traits": sorted(rp["traits"]), "resource_provider_generation": rp["generation"]}
        if segments == ["traits"] and method == "GET":
            prefix = query.get("name", ["startswith:"])[0].removeprefix("startswith:")
            return 200, {"traits": sorted(name for name in self.traits if name.startswith(prefix))}
        if segments[0] == "traits" and len(segments) == 2:
            name = segments[1]
            if method == "PUT":
                created = name not in self.traits
                self.traits.add(name)
                return (201 if created else 204), None
            if name not in self.traits:
                return 404, None
            if any(name in rp["traits"] for rp in self.providers.values()):
                return 409, None
            self.traits.discard(name)
            return 204, None
        return 404, None
