"""The Placement client keeps its token to itself (outside review r13, findings 3 and 4).

A redirect from the endpoint (a misconfigured proxy, a man in the middle of
an ``http://`` endpoint) must not carry ``X-Auth-Token`` to another origin,
and a token that http.client rejects must not be quoted in the error, which
ends up in CI logs. The servers here are plain local HTTP servers standing for
the proxy and the other origin, not for Placement.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from migcompat.exports.errors import ExportError
from migcompat.exports.placement_client import PlacementClient, cleartext_endpoint

SECRET = "gAAAAA-secret-token"


@contextmanager
def _server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_redirect_is_an_error_and_the_token_never_reaches_the_other_origin() -> None:
    seen: list[str | None] = []

    class Other(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("X-Auth-Token"))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"resource_providers": []}')

        def log_message(self, *args: object) -> None:
            pass

    with _server(Other) as other:

        class Redirect(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(302)
                self.send_header("Location", other + self.path)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        with _server(Redirect) as endpoint:
            client = PlacementClient(endpoint, SECRET, timeout=10)
            with pytest.raises(ExportError) as caught:
                client.find_named("h1")
    assert caught.value.code == "placement-failed"
    assert "302" in str(caught.value) and other in str(caught.value)
    assert SECRET not in str(caught.value)
    assert seen == []


@pytest.mark.parametrize("token", [SECRET + "\r", SECRET + "\n", "two words", "caf\u00e9"])
def test_a_token_http_cannot_send_is_refused_before_any_request_and_never_shown(token: str) -> None:
    with pytest.raises(ExportError) as caught:
        PlacementClient("http://127.0.0.1:9/", token)
    assert caught.value.code == "placement-failed"
    assert "CRLF" in str(caught.value)
    assert SECRET not in str(caught.value) and "words" not in str(caught.value)


@pytest.mark.parametrize(
    ("endpoint", "cleartext"),
    [
        ("http://placement.example.com/", True),
        ("http://192.0.2.7:8778", True),
        ("http://127.0.0.1:8778", False),
        ("http://[::1]:8778/placement", False),
        ("http://localhost:8778", False),
        ("https://placement.example.com/", False),
    ],
)
def test_a_token_sent_in_clear_text_across_a_network_is_recognised(
    endpoint: str, cleartext: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert cleartext_endpoint(endpoint) is cleartext


def test_a_token_sent_through_an_http_proxy_is_in_clear_text_even_to_this_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """urllib sends an http:// request through the proxy of http_proxy, loopback too unless no_proxy names it."""
    for name in ("HTTP_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", "http://proxy.example.com:3128")
    assert cleartext_endpoint("http://127.0.0.1:8778") is True
    assert cleartext_endpoint("https://placement.example.com/") is False
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    assert cleartext_endpoint("http://127.0.0.1:8778") is False


def test_the_export_warns_before_sending_the_token_in_clear_text(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from migcompat.cli import main

    sample = Path(__file__).resolve().parents[1] / "conformance" / "samples" / "nvidia-vgpu"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "placement",
            str(sample),
            "--endpoint",
            "http://placement.invalid:9/",
            "-o",
            str(tmp_path / "t.json"),
        ],
        env={"OS_TOKEN": SECRET},
    )
    assert "the token goes to http://placement.invalid:9/ in clear text" in result.stderr
    assert SECRET not in result.output


@pytest.mark.parametrize("slow", ["body", "headers"])
def test_a_service_that_answers_a_byte_at_a_time_cannot_hold_a_request_past_its_timeout(slow: str) -> None:
    """A security review: urllib's timeout bounds each read, not the request, and a server sending one byte a
    second held a push for as long as it liked. The whole answer now has the client's timeout."""
    import time

    from timebounds import bound

    stop = threading.Event()

    class Trickle(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
            if slow == "body":
                self.wfile.write(head)
                head = b""
            for byte in [bytes([b]) for b in head] + [b" "] * 100000:
                if stop.is_set():
                    return
                try:
                    self.wfile.write(byte)
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)

        def log_message(self, *args: object) -> None:
            pass

    with _server(Trickle) as endpoint:
        client = PlacementClient(endpoint, SECRET, timeout=1.5)
        started = time.monotonic()
        try:
            with pytest.raises(ExportError) as caught:
                client.find_named("h1")
        finally:
            stop.set()
        elapsed = time.monotonic() - started
    assert caught.value.code == "placement-failed"
    assert "no whole answer within 1.5 s" in caught.value.message
    assert elapsed < bound(10)


def test_an_error_page_that_echoes_the_token_does_not_show_it() -> None:
    class Echo(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f"<h1>500</h1><pre>X-Auth-Token: {self.headers.get('X-Auth-Token')}</pre>".encode()
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with _server(Echo) as endpoint, pytest.raises(ExportError) as caught:
        PlacementClient(endpoint, SECRET, timeout=10).find_named("h1")
    assert "answered 500" in caught.value.message and "X-Auth-Token: (the token)" in caught.value.message
    assert SECRET not in str(caught.value)
