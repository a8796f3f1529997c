"""A proxy on loopback between a Placement client and a real Placement service, which injects faults.

It is test infrastructure, not a stand-in for Placement: every request it does
not fault is forwarded to the real service (:mod:`placement_service`) and the
service's answer relayed as it is. For each request, the test's *rule*
(``rule(method, path)``, called one request at a time) returns None to
forward it, or a :class:`Fault`: an answer of the proxy's own (a 503 with a
``Retry-After``, as an overloaded service or a gateway gives), or a connection
closed with no answer; with ``forward=True`` the request first reaches the
service (which applies it), and then the client gets the fault instead of the
service's answer, as behind a gateway that timed out (504) or a connection cut
once the service had the request. :attr:`FaultProxy.seen` records every
request and what the client got.
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_PASSED: tuple[str, ...] = ("X-Auth-Token", "OpenStack-API-Version", "Accept", "Content-Type")
"""The request headers passed on to the service."""


@dataclass(frozen=True)
class Fault:
    """What the client gets instead of the service's answer: *status* (with *headers*), or, *close*, no answer."""

    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    close: bool = False
    forward: bool = False
    """Whether the service gets the request first (and applies it)."""


Rule = Callable[[str, str], "Fault | None"]

WRITES = ("PUT", "DELETE", "POST")
"""The methods that write."""


@dataclass
class FaultProxy:
    """The proxy's endpoint, and every request it took: ``(method, path, status or "closed")``, in order."""

    endpoint: str
    seen: list[tuple[str, str, int | str]] = field(default_factory=list)


def no_fault(method: str, path: str) -> Fault | None:
    """A rule: every request forwarded, none faulted (the proxy only records them)."""
    return None


def first(count: int, fault: Fault, *, method: str | None = None, path: str = "") -> Rule:
    """A rule: *fault* for the first *count* requests of *method* (any, when None) whose path contains *path*."""
    left = [count]

    def rule(request_method: str, request_path: str) -> Fault | None:
        if (method is None or request_method == method) and path in request_path and left[0] > 0:
            left[0] -= 1
            return fault
        return None

    return rule


def nth_write(number: int, fault: Fault) -> Rule:
    """A rule: *fault* for the write (``PUT``, ``DELETE`` or ``POST``) of that *number*, counted from 1, and for no
    other request."""
    count = [0]

    def rule(request_method: str, request_path: str) -> Fault | None:
        if request_method not in WRITES:
            return None
        count[0] += 1
        return fault if count[0] == number else None

    return rule


def writes(proxy: FaultProxy) -> list[str]:
    """The write requests *proxy* took, ``"METHOD PATH"``, in order."""
    return [f"{method} {path}" for method, path, _ in proxy.seen if method in WRITES]


@contextmanager
def fault_proxy(upstream: str, rule: Rule) -> Iterator[FaultProxy]:
    """A :class:`FaultProxy` to the service at *upstream* (``http://HOST:PORT``), faulting as *rule* says."""
    target = urllib.parse.urlsplit(upstream)
    lock = threading.Lock()
    proxy = FaultProxy("")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _forward(self, body: bytes | None) -> tuple[int, list[tuple[str, str]], bytes]:
            connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=30)
            try:
                headers = {name: self.headers[name] for name in _PASSED if self.headers.get(name) is not None}
                connection.request(self.command, self.path, body=body, headers=headers)
                answer = connection.getresponse()
                return answer.status, answer.getheaders(), answer.read()
            finally:
                connection.close()

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            with lock:  # one request at a time: the rule's counts, and the order of seen, are exact
                fault = rule(self.command, self.path)
                if fault is None or fault.forward:
                    status, headers, payload = self._forward(body)
                if fault is None:
                    proxy.seen.append((self.command, self.path, status))
                    self.send_response(status)
                    for name, value in headers:
                        if name.lower() in ("content-type", "openstack-api-version", "retry-after"):
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                if fault.close:
                    proxy.seen.append((self.command, self.path, "closed"))
                    self.close_connection = True
                    return  # the server closes the connection: the client gets no answer
                proxy.seen.append((self.command, self.path, fault.status))
                text = f'{{"errors": [{{"status": {fault.status}, "title": "injected by the test proxy"}}]}}'
                payload = text.encode()
                self.send_response(fault.status)
                for name, value in fault.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)

        do_GET = do_PUT = do_POST = do_DELETE = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    proxy.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
