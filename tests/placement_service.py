"""A real OpenStack Placement service for the tests: started in a child process, stopped by the fixture.

:func:`placement_service` (a context manager) writes a ``placement.conf``
into a temporary directory (``[api] auth_strategy = noauth2``,
``[placement_database] connection = sqlite:///DIR/placement.db``,
``sync_on_startup = true``: the service makes its schema as it starts), and
serves Placement's own WSGI application (:func:`placement.wsgi.init_application`) with the standard
library's ``wsgiref`` server in a child process on 127.0.0.1, on a port the
kernel picks (port 0) and the child reports. It yields a
:class:`PlacementService` with the endpoint and a small JSON client, and
kills the child on exit, whatever happened. The noauth2 strategy takes the
token ``admin`` as an administrator.

The ``openstack-placement`` package is the ``placement`` test extra; without
it :func:`require_placement` skips with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import textwrap
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

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

    port = os.fdopen(os.dup(1), "w")  # the pipe the port goes to
    os.dup2(2, 1)  # whatever the service prints (its schema's migrations) goes to the log, never into that pipe
    app = init_application()
    server = make_server("127.0.0.1", 0, app, server_class=Server, handler_class=Quiet)
    port.write(f"{server.server_port}\\n")
    port.close()
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
        while True:  # the leaves first: Placement refuses to delete a provider that has children
            status, answer = self.request("GET", "/resource_providers")
            assert status == 200, (status, answer)
            providers = answer["resource_providers"]
            if not providers:
                break
            parents = {rp["parent_provider_uuid"] for rp in providers}
            for rp in providers:
                if rp["uuid"] not in parents:
                    assert self.request("DELETE", f"/resource_providers/{rp['uuid']}")[0] == 204
        for name in self.defined_traits():
            assert self.request("DELETE", f"/traits/{name}")[0] == 204

    def create_provider(self, name: str, uuid: str | None = None, traits: tuple[str, ...] = ()) -> str:
        """Create a resource provider called *name* (with *uuid* when given) carrying *traits*; its UUID."""
        body: dict[str, str] = {"name": name}
        if uuid is not None:
            body["uuid"] = uuid
        status, answer = self.request("POST", "/resource_providers", body, microversion="1.20")
        assert status == 200, (status, answer)
        if traits:
            self.give(str(answer["uuid"]), list(traits))
        return str(answer["uuid"])

    def traits_of(self, uuid: str) -> set[str]:
        """The traits of the resource provider *uuid*."""
        status, answer = self.request("GET", f"/resource_providers/{uuid}/traits")
        assert status == 200, (status, answer)
        return set(answer["traits"])

    def give(self, uuid: str, traits: list[str]) -> None:
        """Set *traits* on the resource provider *uuid*, creating the custom traits' definitions."""
        for name in traits:
            if name.startswith("CUSTOM_"):
                assert self.request("PUT", f"/traits/{name}")[0] in (201, 204)
        status, answer = self.request("GET", f"/resource_providers/{uuid}/traits")
        assert status == 200, (status, answer)
        body = {"traits": traits, "resource_provider_generation": answer["resource_provider_generation"]}
        status, answer = self.request("PUT", f"/resource_providers/{uuid}/traits", body)
        assert status == 200, (status, answer)

    def defined_traits(self, prefix: str = "CUSTOM_") -> set[str]:
        """The traits defined whose names start with *prefix* (compared here: Placement's LIKE takes ``_`` for any)."""
        status, answer = self.request("GET", "/traits?name=startswith:CUSTOM_")
        assert status == 200, (status, answer)
        return {name for name in answer["traits"] if name.startswith(prefix)}

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
        "sync_on_startup = true\n"  # the schema made by the service as it starts: one process, not two
    )
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
