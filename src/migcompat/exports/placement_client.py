"""Pushing a Placement export to a Placement service over its REST API (urllib, no other dependency).

What :func:`push` does, in this order:

1. reads only, before any write: lists Placement's resource providers
   (one ``GET /resource_providers``) to find the UUID of every mapped
   resource provider given by name and check every UUID given, so that a
   name no provider has, or a UUID Placement does not know, fails the push
   with nothing written (every such provider is named). Two providers that land on one UUID (one given
   in the UUID map, another found by its name) are refused then too
   (``export-ambiguous-provider``). It then finds every resource provider
   that carries a ``CUSTOM_MIGCOMPAT_`` trait but is not one of the export's
   (``GET /traits?name=startswith:CUSTOM_MIGCOMPAT_``, then ``GET
   /resource_providers?required=in:A,B,...`` at microversion 1.39, or one
   ``required=T`` per trait at 1.18 where Placement is older): a host gone
   from the inventory, a GPU whose type is no longer enabled. Its traits
   would stay in force, so with *refuse_stale* such a provider fails the
   push with ``export-stale-traits`` before any write; else it is reported
   (:attr:`PushReport.outside`), and cleared at step 4 when pruning. Last,
   it reads the traits and generation (``GET
   /resource_providers/{uuid}/traits``) of every mapped resource provider,
   but one that has no migcompat trait and is to have none, which is
   already as the export wants it: an unchanged push makes about one
   request per provider that carries a trait;
2. ``PUT /traits/{name}`` for every trait the export sets that Placement
   did not have at step 1 (201 created, 204 there by now), microversion 1.6;
3. for each mapped resource provider whose migcompat traits differ from the
   export's: ``PUT /resource_providers/{uuid}/traits`` with the generation:
   the provider's traits that do not start with ``CUSTOM_MIGCOMPAT_``
   (Nova's own, an operator's) are kept, the migcompat ones replaced by the
   export's. A generation conflict (409: someone else wrote meanwhile) is
   read again and retried, at most :data:`MAX_CONFLICT_RETRIES` times;
4. only when asked to prune: gives every resource provider found outside
   the export at step 1 no migcompat trait (its other traits are kept), then
   (:func:`prune_traits`) lists Placement's migcompat traits (``GET
   /traits?name=startswith:CUSTOM_MIGCOMPAT_``) and deletes (``DELETE
   /traits/{name}``) each one the export does not set. A trait still on
   some resource provider (409: one that gained it meanwhile) is kept and
   reported, never an error.

The requests of each step that are one per provider or per trait (the
reads of step 1, steps 2 to 4) are made up to *parallel* at a time
(:data:`~migcompat.exports.DEFAULT_PARALLEL`), each on a provider or a trait no other request of
the step touches; a step begins when the one before has ended. A request
that fails during steps 2 to 4 (the service errors, or goes away) stops
the step's requests not yet begun, lets those in flight end, and raises a
``placement-failed`` :class:`~migcompat.exports.errors.ExportError`
whose *report* (a :class:`PushReport`) says exactly what was applied:
the traits created, the resource providers updated, those not
reached, the traits pruned. With *parallel* 1 the requests are made in order
and none is made after the one that failed. A request whose connection the
service resets before it answers (a busy service may) is made again, a
few times, after a pause (:data:`MAX_RESET_RETRIES`); a write made again
that finds its own work done counts as done. A request answered 502, 503 or
504 (a service overloaded or restarting, or a proxy in front of it) is made
again after a jittered pause that doubles, or the one its ``Retry-After``
asks for (at most 10 s): at most 6 attempts and 30 s of pauses per request
(:class:`Backoff`, which a :class:`PlacementClient` may be given). A generation
conflict is read and written again after a short jittered pause too. Placement has no transaction across requests:
the push is not rolled back, and running it again once the service answers
completes it (every step is idempotent).

Trait definitions are global to a Placement service, and so are the classes
a trait names: pruning is right only for the one export that owns the
``CUSTOM_MIGCOMPAT_`` prefix there, the export of the whole fleet.

The token is sent as ``X-Auth-Token``, to the endpoint only: a redirect is
a ``placement-failed`` error, never followed (urllib would send the token on
to wherever it points), and no message quotes the token; a token with a
space, a control character or a character outside ASCII is refused before any
request. The endpoint must be an ``http`` or ``https`` URL with a host
(:func:`endpoint_problem`); a client is refused one that is not, with
``placement-failed``, before any request. Every request has
a timeout; an unreachable service, an error status or a resource provider not
found is a ``placement-failed`` error naming the request. Responses are
decoded by :func:`migcompat.jsonmodel.decode_json` (bounded values and nesting).
"""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import http.client
import ipaddress
import json
import random
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from .._arguments import require
from ..display import first_few, plural
from ..jsonmodel import decode_json
from . import DEFAULT_PARALLEL, MAX_PARALLEL
from .errors import ExportError
from .placement import TRAIT_PREFIX, PlacementExport, ProviderTraits
from .table import provider_key

__all__ = [
    "DEFAULT_BACKOFF",
    "IDEMPOTENT",
    "MAX_CONFLICT_RETRIES",
    "MAX_RESET_RETRIES",
    "PUSH_MICROVERSION",
    "UNAVAILABLE",
    "Backoff",
    "PlacementClient",
    "PushReport",
    "cleartext_endpoint",
    "endpoint_problem",
    "holders",
    "prune_traits",
    "push",
]

PUSH_MICROVERSION: Final = "1.6"
"""The microversion of every request :func:`push` makes: the traits API (``/traits``, with ``name=startswith:``,
and traits on resource providers) came in 1.6."""
MAX_CONFLICT_RETRIES: Final = 5
"""How often a provider's traits are read and written again after a generation conflict (each time after a short
pause: :meth:`Backoff.conflict_pause`)."""
MAX_RESPONSE: Final = 64 << 20
"""The largest response body read."""
HOLDERS_MICROVERSION: Final = "1.39"
"""The microversion of ``GET /resource_providers?required=in:A,B``: the providers with any of the traits."""
MAX_RESET_RETRIES: Final = 4
"""How often a request whose connection the service dropped before answering is made again."""
RESET_PAUSE: Final = 0.2
"""The pause, in seconds, before a dropped request is made again; it doubles each time (0.2 s to 1.6 s)."""
IDEMPOTENT: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""The methods whose request may be made again (RFC 9110, 9.2.2): made twice, it does what it does once. Every
request a push makes is of one of them (a provider's traits are written with its generation); a ``POST`` or a
``PATCH`` is never made again once it may have reached the service."""
UNAVAILABLE: Final = (502, 503, 504)
"""The statuses of a service overloaded or restarting, or of a proxy in front of it that could not get its answer:
a request of an :data:`IDEMPOTENT` method so answered is made again (:class:`Backoff`)."""
_GATEWAY: Final = (502, 504)
"""The statuses of a proxy that may have passed a request on to the service before it lost the answer."""
_READS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
"""The methods that change nothing: their effect is never in doubt."""
_TRAITS_PER_QUERY: Final = 32
"""How many traits one ``required=in:`` query names (about 1.9 KB of URL)."""
_SCHEMES: Final = ("http", "https")
_SHOWN_MISSING: Final = 5
"""How many missing resource providers a failed push names (it counts the others)."""
_T = TypeVar("_T")
_R = TypeVar("_R")


class _NotJSON(Exception):
    pass


def _not_json(message: str, line: int | None, column: int | None) -> Exception:
    return _NotJSON(message)


def endpoint_problem(endpoint: str) -> str | None:
    """Why *endpoint* is not a Placement endpoint URL, or None when it is one.

    An endpoint is an ``http`` or ``https`` URL with a host, an optional port
    and path, and nothing else: no user name or password (the token goes in a
    header), no query or fragment (request paths are appended to it), no
    space or control character.
    """
    if not endpoint:
        return "is empty"
    if not all(" " < char < "\x7f" for char in endpoint):
        return "has a space, a control character or a character outside ASCII"
    try:
        parts = urllib.parse.urlsplit(endpoint)
        _ = parts.port  # raises ValueError unless the port is a number from 0 to 65535
    except ValueError as exc:
        return f"is not a URL: {exc}"
    if parts.scheme not in _SCHEMES:
        return "is not an http:// or https:// URL" if parts.scheme else "is not a URL (give http://HOST[:PORT][/PATH])"
    if not parts.hostname:
        return "has no host"
    if parts.username is not None or parts.password is not None:
        return "has a user name or password: give the token in the environment instead"
    if "?" in endpoint or "#" in endpoint:
        return "has a query or a fragment: give only the scheme, the host, a port and a path"
    return None


class _Redirected(Exception):
    """A redirect answer, which the client never follows: urllib would send the token on to the new URL."""

    def __init__(self, code: int, url: str) -> None:
        super().__init__(code, url)
        self.code = code
        parts = urllib.parse.urlsplit(url)
        self.origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "another URL"


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        raise _Redirected(code, newurl)


class _Attempt:
    """One attempt of a request and its whole deadline: when it passes, the connection's socket is shut down.

    urllib's timeout bounds each read of the socket, not the request: a
    service that sends a byte every few seconds would hold a push for ever.
    A blocked read ends once the socket is shut down, and :attr:`expired`
    then says why.
    """

    def __init__(self, timeout: float) -> None:
        self.at = time.monotonic() + timeout
        self.expired = False
        self.timers: list[threading.Timer] = []

    def arm(self, connection: socket.socket) -> None:
        timer = threading.Timer(max(0.0, self.at - time.monotonic()), self._expire, (connection,))
        timer.daemon = True
        timer.start()
        self.timers.append(timer)

    def _expire(self, connection: socket.socket) -> None:
        self.expired = True
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)

    def end(self) -> None:
        for timer in self.timers:
            timer.cancel()


_CURRENT: Final = threading.local()
"""This thread's :class:`_Attempt` (``attempt``), which the connections it opens arm."""


def _armed(connection: http.client.HTTPConnection) -> None:
    attempt = getattr(_CURRENT, "attempt", None)
    if attempt is not None and connection.sock is not None:
        attempt.arm(connection.sock)


class _Armed(http.client.HTTPConnection):
    """A connection that the thread's :class:`_Attempt` shuts down at its deadline: its socket is armed once
    the connection's own ``connect`` is done (over TLS, the wrapped socket)."""

    def connect(self) -> None:
        super().connect()
        _armed(self)


class _DeadlineConnection(_Armed):
    """:class:`_Armed` over plain HTTP."""


class _DeadlineHTTPSConnection(_Armed, http.client.HTTPSConnection):
    """:class:`_Armed` over TLS."""


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_DeadlineConnection, req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_DeadlineHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


_OPENER: Final = urllib.request.build_opener(_RefuseRedirects, _DeadlineHTTPHandler, _DeadlineHTTPSHandler)
"""Every request's opener: urllib's own, but a redirect is an error, never followed with the token, and every
request ends by its whole deadline (:class:`_DeadlineConnection`)."""


def cleartext_endpoint(endpoint: str) -> bool:
    """Whether a token sent to *endpoint* crosses a network in clear text: ``http://`` to a host not of loopback,
    or to any host through an HTTP proxy (``http_proxy`` in the environment, the host not in ``no_proxy``)."""
    parts = urllib.parse.urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if parts.scheme != "http":
        return False
    if "http" in urllib.request.getproxies() and not urllib.request.proxy_bypass(host):
        return True  # the request, token included, goes to the proxy
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a host name: it may resolve anywhere


def _exchange(request: urllib.request.Request, timeout: float) -> tuple[int, bytes, bool, str | None]:
    """The status and body of *request*'s answer, an error status included (:class:`urllib.error.HTTPError`),
    whether an earlier attempt was lost after it had been sent (it may have been applied), and the answer's
    ``Retry-After`` header (None without one).

    A connection the service resets or closes before it answers is made
    again, at most :data:`MAX_RESET_RETRIES` times, after a pause that
    doubles from :data:`RESET_PAUSE` seconds: a service busy with other
    connections (a push's parallel requests) may drop some it has no room to accept.
    Every request a push makes may be made again: each is idempotent, and
    a provider's traits are written with its generation. A request of a
    method that is not idempotent (``POST``, ``PATCH``: :data:`IDEMPOTENT`)
    lost once sent is never made again: it is raised, its effect in doubt.
    A write that was
    applied but whose answer was lost then finds its own work done (204,
    404, or a conflict and the provider as wanted): the caller counts it
    as done when the third value says so. Other errors, a refused
    connection and a timeout among them, are raised at once. Each attempt,
    its answer read whole, takes at most *timeout* seconds: past it the
    connection is shut down and :class:`TimeoutError` raised, however slowly
    the service was still sending.
    """
    pause = RESET_PAUSE
    lost = False
    for attempt in range(MAX_RESET_RETRIES + 1):
        current = _CURRENT.attempt = _Attempt(timeout)
        try:
            try:
                with _OPENER.open(request, timeout=timeout) as response:
                    answer = int(response.status), response.read(MAX_RESPONSE + 1)
                    retry_after = response.headers.get("Retry-After")
            except urllib.error.HTTPError as exc:
                answer = exc.code, (exc.read(MAX_RESPONSE + 1) if exc.fp is not None else b"")
                retry_after = exc.headers.get("Retry-After") if exc.headers is not None else None
            except http.client.HTTPException as exc:  # an answer cut short (IncompleteRead...): a dropped connection
                raise ConnectionResetError(str(exc)) from None
            finally:
                current.end()
                _CURRENT.attempt = None
            if current.expired:  # the read ended when the socket was shut down: what it has is cut short
                raise _late(timeout)
            return answer[0], answer[1], lost, retry_after
        except TimeoutError:
            raise
        except (urllib.error.URLError, OSError) as exc:
            if current.expired:
                raise _late(timeout) from None
            # urllib wraps what fails while connecting or sending; a reset raised bare came once it was sent
            sending = isinstance(exc, urllib.error.URLError)
            reason = exc.reason if sending else exc  # type: ignore[attr-defined]
            if attempt == MAX_RESET_RETRIES or not isinstance(reason, _DROPPED):
                raise
            if not sending and request.get_method() not in IDEMPOTENT:
                raise  # it may have been applied: made again, it could be applied twice
            lost = lost or not sending
        time.sleep(pause)
        pause *= 2
    raise AssertionError("not reached")  # pragma: no cover - the last attempt returns or raises


def _late(timeout: float) -> TimeoutError:
    return TimeoutError(f"no whole answer within {timeout:g} s")


_DROPPED: Final = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)
"""How a connection the service dropped before answering fails (http.client's RemoteDisconnected is a reset)."""

_RETRY_AFTER_DIGITS: Final = 9
"""The longest ``Retry-After`` in seconds read as a number (about 31 years); a longer one is taken as that long."""


def _retry_after(value: str | None) -> float | None:
    """The seconds a ``Retry-After`` header *value* asks to wait (RFC 9110, 10.2.3): a number of seconds, or an
    HTTP date (none before now); None when there is no header or it is neither."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(int(value) if len(value) <= _RETRY_AFTER_DIGITS else 10**_RETRY_AFTER_DIGITS)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, the only zone an HTTP date has
        when = when.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, when.timestamp() - time.time())


@dataclass(frozen=True)
class Backoff:
    """When a :class:`PlacementClient` makes a request again that was answered but not done, and how long it waits.

    **A service unavailable.** A request of an :data:`IDEMPOTENT` method
    answered 502, 503 or 504 (:data:`UNAVAILABLE`: the service overloaded or
    restarting, or a proxy in front of it that could not get its answer) is
    made again, *attempts* times in all at most, each time after a pause
    (:meth:`pause`): the ``Retry-After`` the answer gives (seconds, or an
    HTTP date), but at most *retry_after_most* seconds; without one, *first*
    seconds doubling at each retry up to *most*, with jitter (a pause is
    between half and all of that, so that the requests of a parallel push do
    not all come back at once). The pauses of one request add up to at most
    *budget* seconds: a retry whose pause would pass it is not made. The last
    answer, when it is still one of these, fails the request
    (``placement-failed``, naming the attempts). With the defaults: at most 6
    attempts and 30 s of pauses per request (0.25 to 15.5 s in all without
    ``Retry-After``), each attempt bounded by the client's *timeout* besides.

    A 503 is the service's own refusal: the request was answered, and not
    applied. A 502 or 504 is a proxy's: it may have passed a write on before
    it lost the answer, so a write made again after one reports that it may
    have been applied (*resent* of :meth:`PlacementClient.request`), and a
    write whose last answer is one is in doubt (``ExportError.in_doubt``), as
    a write that got no answer is. A request of another method (``POST``) is
    never made again.

    **A generation conflict.** Before a provider's traits are read and
    written again after a 409 (someone else wrote meanwhile: at most
    :data:`MAX_CONFLICT_RETRIES` times), the push waits
    :meth:`conflict_pause`: *conflict_first* seconds doubling up to
    *conflict_most*, jittered the same way (at most 1.55 s in all with the
    defaults), so that two writers of one provider do not keep colliding.

    *sleep* waits (``time.sleep``; a test gives one that records), and
    *jitter* gives a float from 0 to 1 (``random.random``). A count
    below 1 or a negative time raises :class:`ValueError`.
    """

    attempts: int = 6
    first: float = 0.5
    most: float = 8.0
    retry_after_most: float = 10.0
    budget: float = 30.0
    conflict_first: float = 0.05
    conflict_most: float = 0.8
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    def __post_init__(self) -> None:
        if not isinstance(self.attempts, int) or self.attempts < 1:
            raise ValueError(f"attempts must be an int of 1 or more, not {self.attempts!r}")
        for name in ("first", "most", "retry_after_most", "budget", "conflict_first", "conflict_most"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
                raise ValueError(f"{name} must be a number of seconds from 0, not {value!r}")

    def pause(self, retry: int, retry_after: str | None = None) -> float:
        """The pause, in seconds, before retry *retry* (from 1) of a request answered :data:`UNAVAILABLE` with the
        ``Retry-After`` header *retry_after* (None: none): that, at most *retry_after_most*, else jittered."""
        given = _retry_after(retry_after)
        if given is not None:
            return min(given, self.retry_after_most)
        return self._jittered(self.first, self.most, retry)

    def conflict_pause(self, retry: int) -> float:
        """The pause, in seconds, before a provider's traits are read again after its *retry*-th conflict (from 1)."""
        return self._jittered(self.conflict_first, self.conflict_most, retry)

    def _jittered(self, first: float, most: float, retry: int) -> float:
        whole = min(most, first * 2.0 ** min(retry - 1, 64))
        return whole / 2 + whole / 2 * min(max(self.jitter(), 0.0), 1.0)


DEFAULT_BACKOFF: Final = Backoff()
"""A client's :class:`Backoff` unless it is given one."""


@dataclass
class PlacementClient:
    """A minimal Placement client: JSON requests with a token, a microversion and a timeout.

    *endpoint* must pass :func:`endpoint_problem`: a client with any other one
    is refused with ``placement-failed`` when it is made. *timeout* bounds
    each attempt of a request, its answer read whole; *backoff* says which
    answered requests are made again, and the pauses (:class:`Backoff`: a
    request answered 502, 503 or 504 is made up to 6 times, over at most 30 s
    of pauses, by default).
    """

    endpoint: str
    token: str
    timeout: float = 30.0
    backoff: Backoff = DEFAULT_BACKOFF

    def __post_init__(self) -> None:
        problem = endpoint_problem(self.endpoint)
        if problem is not None:
            raise ExportError(
                "placement-failed", f"the Placement endpoint {self.endpoint!r} {problem}", where=self.endpoint
            )
        if not all(" " < char < "\x7f" for char in self.token):
            # Never quote the token: it is a credential, and error messages end up in CI logs.
            raise ExportError(
                "placement-failed",
                "the token has a space, a control character or a character outside ASCII (a CR from a file with"
                " CRLF line ends?): it is not sent, and not shown",
                where=self.endpoint,
            )

    def request(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        microversion: str = PUSH_MICROVERSION,
        ok: tuple[int, ...] = (200,),
        resent: list[bool] | None = None,
    ) -> tuple[int, Any]:
        """``(status, decoded JSON or None)``; a status outside *ok* raises ``placement-failed``.

        A request of an :data:`IDEMPOTENT` method answered 502, 503 or 504
        (a status outside *ok*) is made again as *backoff* says (:class:`Backoff`); the
        answer is then the last attempt's. When *resent* is given, True is
        appended to it if the request had to be made again after an attempt
        that may have been applied: lost once sent, or answered 502 or 504 by
        a proxy. A write (not a read) whose effect is unknown -- it got no
        answer, or its last answer is a proxy's 502 or 504, or an earlier
        attempt may have been applied and the last answer is an error -- fails
        with ``in_doubt`` set; a 503 is the service's refusal, not in doubt.
        """
        url = self.endpoint.rstrip("/") + path
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {
            "X-Auth-Token": self.token,
            "OpenStack-API-Version": f"placement {microversion}",
            "Accept": "application/json",
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        where = f"{method} {path}"
        attempts = 0
        waited = 0.0
        applied = False  # whether an attempt before the last may have been applied
        try:
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            while True:
                status, raw, lost, retry_after = _exchange(request, self.timeout)
                attempts += 1
                applied = applied or lost
                if status in ok or status not in UNAVAILABLE or method not in IDEMPOTENT:
                    break
                pause = self.backoff.pause(attempts, retry_after)
                if attempts >= self.backoff.attempts or waited + pause > self.backoff.budget:
                    break
                applied = applied or (status in _GATEWAY and method not in _READS)  # a proxy may have passed it on
                self.backoff.sleep(pause)
                waited += pause
            if applied and resent is not None:
                resent.append(True)
        except _Redirected as exc:
            raise ExportError(
                "placement-failed",
                f"{where}: the endpoint answered {exc.code}, a redirect to {exc.origin}: Placement does not"
                " redirect, so the token was not sent there; give the URL Placement answers at as the endpoint",
                where=where,
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            message = f"cannot reach Placement at {self.endpoint}: {reason}"
            failure = ExportError("placement-failed", message, where=where)
            failure.in_doubt = method not in _READS  # it may have reached the service, which may have applied it
            raise failure from None
        except ValueError:
            # http.client quotes a rejected header value in its message, and a header holds the token.
            raise ExportError(
                "placement-failed", f"cannot make the request to Placement at {self.endpoint}", where=where
            ) from None
        if len(raw) > MAX_RESPONSE:
            raise ExportError("placement-failed", f"{where}: the response is larger than {MAX_RESPONSE} bytes")
        if status not in ok:
            # A service may echo the request's headers in an error page: the token never reaches a CI log.
            detail = raw[:300].decode("utf-8", "replace").replace(self.token, "(the token)").strip()
            tried = f" (the last of {attempts} attempts, over {waited:.1f} s)" if attempts > 1 else ""
            failure = ExportError("placement-failed", f"{where} answered {status}{tried}: {detail}", where=where)
            # a proxy's 502 or 504 may hide a write the service applied, as may an earlier attempt
            failure.in_doubt = method not in _READS and (applied or status in _GATEWAY)
            raise failure
        if not raw.strip():
            return status, None
        try:
            return status, decode_json(raw, _not_json)
        except _NotJSON:
            if status >= 400:
                return status, None  # an expected error status (in *ok*) whose body is not JSON
            raise ExportError(
                "placement-failed", f"{where} answered with a body that is not JSON", where=where
            ) from None

    def find_named(self, name: str) -> str | None:
        """The UUID of the resource provider called *name*, or None when there is none.

        Raises ``placement-failed`` when the request fails or the answer is not
        a list of resource providers with UUIDs.
        """
        path = "/resource_providers?" + urllib.parse.urlencode({"name": name})
        _, body = self.request("GET", path)
        found = body.get("resource_providers") if isinstance(body, dict) else None
        if not isinstance(found, list) or not all(
            isinstance(rp, dict) and isinstance(rp.get("uuid"), str) for rp in found
        ):
            raise ExportError("placement-failed", f"GET {path} answered without a list of resource providers")
        if len(found) > 1:  # Placement keeps names unique: a service that does not is not one to write to
            raise ExportError(
                "placement-failed", f"{len(found)} resource providers are named {name!r} in Placement", where=path
            )
        return str(found[0]["uuid"]) if found else None

    def uuid_named(self, name: str) -> str:
        """The UUID of the resource provider called *name*; ``placement-failed`` unless there is exactly one."""
        uuid = self.find_named(name)
        if uuid is None:
            path = "/resource_providers?" + urllib.parse.urlencode({"name": name})
            raise ExportError(
                "placement-failed", f"no resource provider is named {name!r} in Placement", where=f"GET {path}"
            )
        return uuid


@dataclass
class PushReport:
    """What :func:`push` did: traits created, providers updated and already up to date, traits pruned."""

    traits_created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    uuids: dict[str, str] = field(default_factory=dict)
    """resource provider (``uuid:U`` or ``name:N``) -> its UUID."""
    pruned: bool = False
    """Whether the push pruned (the two lists below are empty otherwise)."""
    traits_removed: list[str] = field(default_factory=list)
    """The migcompat traits the prune deleted from Placement, sorted."""
    traits_in_use: list[str] = field(default_factory=list)
    """The migcompat traits the export does not set that the prune kept: still on some resource provider."""
    not_set: list[str] = field(default_factory=list)
    """The resource providers a failed push did not reach (empty once a push succeeds)."""
    in_doubt: str | None = None
    """The write request of a failed push that got no answer (``PUT /resource_providers/U/traits``): Placement may
    have applied it, so Placement may have changed even where nothing else was applied."""
    outside: dict[str, str] = field(default_factory=dict)
    """UUID -> name of the resource providers with migcompat traits that are not the export's, found before writing."""
    cleared: list[str] = field(default_factory=list)
    """The UUIDs of :attr:`outside` whose migcompat traits the push removed (when pruning), in the order of their
    names."""
    nova_pci: dict[str, str] = field(default_factory=dict)
    """UUID -> name of the resource providers with migcompat traits that Nova's PCI-in-Placement made on a host of
    the export (``<host>_<PF ADDRESS>``): their traits are Nova's, from ``[pci] device_spec``, so they are not
    :attr:`outside`'s stale traits, and a push leaves them alone (with ``--prune`` and ``--strict`` too)."""

    def changed(self) -> bool:
        """Whether the push changed Placement: a trait created or removed, a resource provider's traits set."""
        return bool(self.traits_created or self.updated or self.traits_removed or self.cleared)

    def to_json(self) -> dict[str, object]:
        """The report as a JSON-ready object (``$defs/push`` of push-report.schema.json, but ``changed``)."""
        return {
            "resource_providers": dict(self.uuids),
            "traits_created": self.traits_created,
            "providers_updated": self.updated,
            "providers_unchanged": self.unchanged,
            "providers_not_set": self.not_set,
            "pruned": self.pruned,
            "traits_removed": self.traits_removed,
            "traits_kept_in_use": self.traits_in_use,
            "providers_outside": [{"uuid": uuid, "name": name} for uuid, name in sorted(self.outside.items())],
            "providers_cleared": self.cleared,
            "providers_nova_pci": [{"uuid": uuid, "name": name} for uuid, name in sorted(self.nova_pci.items())],
            "request_in_doubt": self.in_doubt,
        }


def _traits_of(client: PlacementClient, uuid: str, *, missing_ok: bool = False) -> dict[str, Any] | None:
    """The answer of ``GET /resource_providers/UUID/traits``: its traits and generation (None: no such provider)."""
    path = f"/resource_providers/{urllib.parse.quote(uuid, safe='')}/traits"
    status, body = client.request("GET", path, ok=(200, 404) if missing_ok else (200,))
    if status == 404:
        return None
    if not (
        isinstance(body, dict)
        and isinstance(body.get("traits"), list)
        and all(isinstance(name, str) for name in body["traits"])
    ):
        raise ExportError("placement-failed", f"GET {path} answered without a trait list", where=f"GET {path}")
    return body


def _set_traits(client: PlacementClient, uuid: str, ours: set[str], first: dict[str, Any] | None = None) -> bool:
    """Give the provider *uuid* exactly the migcompat traits *ours*, keeping its others; True if it changed.

    *first* is its traits as already read (the answer of ``GET .../traits``), else they are read here. After a
    generation conflict the traits are read and written again, after a pause (:meth:`Backoff.conflict_pause`),
    at most :data:`MAX_CONFLICT_RETRIES` times.
    """
    path = f"/resource_providers/{urllib.parse.quote(uuid, safe='')}/traits"
    body = first
    resent: list[bool] = []  # a write of ours lost once sent: it may be what made the provider as wanted
    for conflicts in range(MAX_CONFLICT_RETRIES + 1):
        if conflicts:  # someone else wrote meanwhile: a short pause, jittered, so that two writers do not collide again
            client.backoff.sleep(client.backoff.conflict_pause(conflicts))
        if body is None:
            body = _traits_of(client, uuid)
        if body is None:  # not reached: a missing provider is a 404, an error unless missing_ok
            raise ExportError("placement-failed", f"GET {path}: no such resource provider", where=f"GET {path}")
        current = {str(t) for t in body["traits"]}
        wanted = {t for t in current if not t.startswith(TRAIT_PREFIX)} | ours
        if wanted == current:
            return bool(resent)
        generation = body.get("resource_provider_generation")
        status, _ = client.request(
            "PUT",
            path,
            {"traits": sorted(wanted), "resource_provider_generation": generation},
            ok=(200, 409),
            resent=resent,
        )
        if status != 409:
            return True
        body = None
    raise ExportError(
        "placement-failed",
        f"PUT {path}: the provider kept changing under us ({MAX_CONFLICT_RETRIES + 1} generation conflicts)",
        where=f"PUT {path}",
    )


def _parallel(parallel: object) -> int:
    """*parallel*, checked: an int from 1 to :data:`~migcompat.exports.MAX_PARALLEL` (else TypeError, ValueError)."""
    require("parallel", parallel, int)
    if not 1 <= parallel <= MAX_PARALLEL:  # type: ignore[operator]
        raise ValueError(f"parallel must be from 1 to {MAX_PARALLEL}, not {parallel}")
    return parallel  # type: ignore[return-value]


def _each(parallel: int, work: Callable[[_T], _R], items: Sequence[_T]) -> tuple[dict[int, _R], ExportError | None]:
    """``work(item)`` for each of *items*, up to *parallel* at a time: the result of each that ended, by index, and
    the failure.

    The first ``ExportError`` stops every item not yet begun; those in
    flight end, and their results are kept. Of several failures, the one of
    the lowest index is returned. With *parallel* 1 the items are done in order
    in this thread, and none after the one that failed. Any other exception
    stops the items not yet begun too, and is raised once those in flight
    have ended. An interrupt (Ctrl-C) while waiting begins nothing more and
    does not wait for the items in flight: they run on daemon threads.
    """
    done: dict[int, _R] = {}
    if parallel == 1 or len(items) <= 1:
        for index, item in enumerate(items):
            try:
                done[index] = work(item)
            except ExportError as exc:
                return done, exc
        return done, None
    stop = threading.Event()
    lock = threading.Lock()
    following = iter(range(len(items)))
    errors: dict[int, BaseException] = {}

    def worker() -> None:
        while True:
            with lock:  # the check and the taking are one step: nothing begins once a failure is recorded
                index = None if stop.is_set() else next(following, None)
            if index is None:
                return
            try:
                done[index] = work(items[index])
            except BaseException as exc:
                with lock:
                    errors[index] = exc
                    stop.set()

    # Daemon threads: an interrupt ends the command at once, without waiting for the requests in flight.
    threads = [
        threading.Thread(target=worker, name=f"migcompat-placement-{number}", daemon=True)
        for number in range(min(parallel, len(items)))
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        stop.set()
    unexpected = [index for index in sorted(errors) if not isinstance(errors[index], ExportError)]
    if unexpected:
        raise errors[unexpected[0]]
    return done, errors[min(errors)] if errors else None  # type: ignore[return-value]


def prune_traits(
    client: PlacementClient, keep: Iterable[str], *, parallel: int = DEFAULT_PARALLEL
) -> tuple[list[str], list[str]]:
    """Delete every ``CUSTOM_MIGCOMPAT_`` trait of Placement outside *keep*: ``(removed, kept in use)``, sorted.

    A trait Placement refuses to delete because a resource provider still
    has it (409) is kept and returned in the second list; one that is gone
    by the time it is deleted (404: someone else pruned meanwhile) is in
    neither. Up to *parallel* traits are deleted at a time. Any other failure
    is ``placement-failed``.
    """
    removed: list[str] = []
    in_use: list[str] = []
    _prune(client, keep, removed, in_use, _parallel(parallel))
    return removed, in_use


def _migcompat_traits(client: PlacementClient) -> list[str]:
    """Every ``CUSTOM_MIGCOMPAT_`` trait Placement defines, sorted."""
    path = "/traits?" + urllib.parse.urlencode({"name": "startswith:" + TRAIT_PREFIX})
    _, body = client.request("GET", path)
    if not isinstance(body, dict) or not isinstance(body.get("traits"), list):
        raise ExportError("placement-failed", f"GET {path} answered without a trait list", where=f"GET {path}")
    # Placement's startswith: is an SQL LIKE, where _ matches any character: CUSTOM_MIGCOMPATIBLE_X matches too.
    return sorted({str(name) for name in body["traits"] if str(name).startswith(TRAIT_PREFIX)})


def _providers_in(body: object, path: str) -> dict[str, str]:
    """UUID -> name of the resource providers a ``GET /resource_providers`` answer *body* lists."""
    found = body.get("resource_providers") if isinstance(body, dict) else None
    if not isinstance(found, list) or not all(
        isinstance(rp, dict) and isinstance(rp.get("uuid"), str) and isinstance(rp.get("name"), str) for rp in found
    ):
        raise ExportError(
            "placement-failed", f"GET {path} answered without a list of resource providers", where=f"GET {path}"
        )
    return {str(rp["uuid"]): str(rp["name"]) for rp in found}


def holders(client: PlacementClient, traits: Sequence[str], *, grouped: bool = True) -> dict[str, str]:
    """UUID -> name of every resource provider that has at least one of *traits*; reads only.

    With *grouped*, 32 traits are asked at a time
    (``required=in:A,B,...``, microversion 1.39); a Placement too old for it
    (406) is asked one trait at a time (``required=T``, 1.18), as it is
    without *grouped*. Any other failure is ``placement-failed``.
    """
    found: dict[str, str] = {}
    step = _TRAITS_PER_QUERY if grouped else 1
    for start in range(0, len(traits), step):
        chunk = traits[start : start + step]
        if len(chunk) > 1:
            path = "/resource_providers?" + urllib.parse.urlencode({"required": "in:" + ",".join(chunk)})
            status, body = client.request("GET", path, microversion=HOLDERS_MICROVERSION, ok=(200, 406))
            if status == 200:
                found.update(_providers_in(body, path))
                continue
        for name in chunk:
            path = "/resource_providers?" + urllib.parse.urlencode({"required": name})
            _, body = client.request("GET", path, microversion="1.18")
            found.update(_providers_in(body, path))
    return found


def _prune(client: PlacementClient, keep: Iterable[str], removed: list[str], in_use: list[str], parallel: int) -> None:
    """:func:`prune_traits`, appending to *removed* and *in_use* what was done, then raising a failure."""
    ours = _migcompat_traits(client)
    names = sorted(set(ours) - set(keep))

    def delete(name: str) -> int:
        resent: list[bool] = []
        status, _ = client.request(
            "DELETE", f"/traits/{urllib.parse.quote(name, safe='')}", ok=(204, 404, 409), resent=resent
        )
        return 204 if status == 404 and resent else status  # gone: by our first attempt, it may be

    statuses, failure = _each(parallel, delete, names)
    for index in sorted(statuses):
        if statuses[index] == 204:
            removed.append(names[index])
        elif statuses[index] == 409:
            in_use.append(names[index])
    if failure is not None:
        raise failure


def _describe(rp: tuple[str, str], entry: ProviderTraits, *, show_uuid: bool = True) -> str:
    """*entry*'s provider, and how it reaches its resource provider *rp*."""
    how, value = rp
    if how == "uuid":
        given = f"by the UUID {value} of the UUID map" if show_uuid else "by the UUID map"
    else:
        given = f"named {value!r}"
    return f"{provider_key(entry.provider)!r} ({given})"


def _resolve(
    client: PlacementClient, targets: dict[tuple[str, str], ProviderTraits], report: PushReport
) -> dict[str, str]:
    """Every target's UUID (into *report*), from one listing of Placement's resource providers; reads only.

    Returns the listing (UUID -> name). Every resource provider Placement
    does not have -- a name no provider has, a UUID it does not know -- is
    found before the error, which names them (at most
    :data:`_SHOWN_MISSING`, counting the rest). Placement keeps names
    unique: a listing with a name twice is a ``placement-failed`` error.
    """
    path = "/resource_providers"
    _, body = client.request("GET", path)
    listed = _providers_in(body, path)
    by_name: dict[str, str] = {}
    for uuid, name in listed.items():
        if by_name.setdefault(name, uuid) != uuid:
            raise ExportError(
                "placement-failed", f"2 resource providers are named {name!r} in Placement", where=f"GET {path}"
            )
    missing: list[str] = []
    for (how, value), entry in targets.items():
        found = (value.lower() if value.lower() in listed else None) if how == "uuid" else by_name.get(value)
        if found is None:
            missing.append(_describe((how, value), entry))
            continue
        report.uuids[f"{how}:{value}"] = found
    if missing:
        shown = first_few(missing, _SHOWN_MISSING, separator="; ")
        raise ExportError(
            "placement-failed",
            f"{plural(len(missing), 'resource provider')} of the export {'is' if len(missing) == 1 else 'are'} not in"
            f" Placement, so nothing was written: {shown}; create {'it' if len(missing) == 1 else 'them'}"
            " (Nova's compute service does, for the GPUs it manages; a name it gives is the compute node's"
            " hypervisor_hostname, often the fully qualified one: capture with that --host, or give --rp-name), or"
            " leave their hosts out of the export (--exclude-host HOST)",
            where=missing[0],
        )
    return listed


def _refuse_shared_uuids(targets: dict[tuple[str, str], ProviderTraits], uuids: dict[str, str]) -> None:
    """``export-ambiguous-provider`` when two targets resolved to one UUID (one by name, one by UUID)."""
    by_uuid: dict[str, list[tuple[tuple[str, str], ProviderTraits]]] = {}
    for rp, entry in targets.items():
        by_uuid.setdefault(uuids[f"{rp[0]}:{rp[1]}"], []).append((rp, entry))
    shared = [(uuid, entries) for uuid, entries in by_uuid.items() if len(entries) > 1]
    if shared:
        uuid, entries = shared[0]
        others = f" ({plural(len(shared) - 1, 'other resource provider')} too)" if len(shared) > 1 else ""
        raise ExportError(
            "export-ambiguous-provider",
            f"resource provider {uuid} would get the traits of {len(entries)} providers{others}:"
            f" {', '.join(_describe(rp, entry, show_uuid=False) for rp, entry in entries)}; a resource provider's"
            " traits must say what one provider accepts, so nothing was written: give each provider a resource"
            " provider of its own (correct the UUID map)",
            where=uuid,
        )


def push(
    export: PlacementExport,
    client: PlacementClient,
    *,
    prune: bool = False,
    refuse_stale: bool = False,
    parallel: int = DEFAULT_PARALLEL,
) -> PushReport:
    """Create the export's traits in Placement and set them on every mapped resource provider.

    The traits created (and, with *prune*, kept) are
    :meth:`~migcompat.exports.placement.PlacementExport.placement_traits`:
    every ``accepts`` trait, and an ``is`` trait only where a mapped
    provider carries it.

    Raises ``export-ambiguous-provider`` before any request when two
    providers map to one resource provider, and, after reading but before
    any write, ``placement-failed`` naming every mapped resource provider
    Placement does not have and ``export-ambiguous-provider`` when two
    providers land on one UUID. The resource providers with migcompat traits
    that are not the export's are found before any write too
    (:attr:`PushReport.outside`): with *refuse_stale* (and not *prune*) any
    one of them raises ``export-stale-traits``, naming them, with its
    *report* set (nothing applied; :attr:`PushReport.outside` lists them all). A request that
    fails once writing has begun raises ``placement-failed`` with its
    *report* set: what was applied (nothing is pruned then). With *prune*,
    once every provider is set, gives each provider outside the export no
    migcompat trait, then deletes the other migcompat traits
    (:func:`prune_traits`). Up to *parallel* requests (1 to :data:`~migcompat.exports.MAX_PARALLEL`)
    are in flight at once, each for its own provider or trait; a *parallel*
    of another type raises :class:`TypeError`, one out of range
    :class:`ValueError`, before any request.
    """
    parallel = _parallel(parallel)
    targets = export.by_resource_provider()
    report = PushReport()
    _resolve(client, targets, report)
    _refuse_shared_uuids(targets, report.uuids)
    ours = set(report.uuids.values())
    defined = set(_migcompat_traits(client))
    found = holders(client, sorted(defined))
    hosts = {entry.provider.host.upper() for entry in export.providers}
    for uuid, name in found.items():
        if uuid not in ours:
            nova = _NOVA_PCI.fullmatch(name.upper())
            if nova is not None and nova.group(1) in hosts:
                report.nova_pci[uuid] = name
            else:
                report.outside[uuid] = name
    if report.outside and refuse_stale and not prune:
        refused = _stale(report.outside)
        refused.report = report  # nothing written: what was found, for a report that lists them all
        raise refused
    keys = [f"{how}:{value}" for how, value in targets]
    # A provider that has no migcompat trait and is to have none is already as the export wants it: not read.
    settled = {key for key, entry in zip(keys, targets.values(), strict=True) if not entry.traits}
    settled = {key for key in settled if report.uuids[key] not in found}
    reached = [key for key in keys if key not in settled]  # each its own UUID (_refuse_shared_uuids)
    bodies, failure = _each(parallel, lambda key: _traits_of(client, report.uuids[key], missing_ok=True), reached)
    if failure is not None:
        raise failure
    gone = [key for index, key in enumerate(reached) if bodies[index] is None]
    if gone:  # deleted since the listing
        raise ExportError(
            "placement-failed",
            f"resource provider {report.uuids[gone[0]]} ({gone[0]}) is no longer in Placement, so nothing was written",
            where=gone[0],
        )
    current = {key: bodies[index] for index, key in enumerate(reached)}
    wanted = {key: set(entry.traits) for key, entry in zip(keys, targets.values(), strict=True)}
    try:
        _write(client, export, report, parallel, defined, keys, current, wanted)
        if prune:
            report.pruned = True
            outside = sorted(report.outside, key=report.outside.__getitem__)
            cleared, failure = _each(parallel, lambda uuid: _set_traits(client, uuid, set()), outside)
            report.cleared.extend(outside[index] for index in sorted(cleared))
            if failure is not None:
                raise failure
            _prune(client, export.placement_traits(), report.traits_removed, report.traits_in_use, parallel)
    except ExportError as exc:
        reported = set(report.updated) | set(report.unchanged)
        report.not_set = [key for key in keys if key not in reported]
        report.in_doubt = exc.where if exc.in_doubt else None
        failure = ExportError(exc.code, exc.message, where=exc.where)
        failure.report = report
        raise failure from None
    return report


_NOVA_PCI: Final = re.compile(r"(.+)_[0-9A-F]{4}:[0-9A-F]{2}:[0-9A-F]{2}\.[0-7]")
"""The name Nova's PCI-in-Placement gives a PF's resource provider, upper-cased: ``<hypervisor_hostname>_<PF
ADDRESS>``."""


def _write(
    client: PlacementClient,
    export: PlacementExport,
    report: PushReport,
    parallel: int,
    defined: set[str],
    keys: list[str],
    current: dict[str, dict[str, Any] | None],
    wanted: dict[str, set[str]],
) -> None:
    """Steps 2 and 3 of a push: make the traits Placement lacks, then set the traits of each provider of *current*
    (by key, with its traits as read; the others are settled and need no request). What was done goes into
    *report*, in the order of *keys*, before a failure is raised."""
    names = [name for name in export.placement_traits() if name not in defined]

    def create(name: str) -> bool:
        resent: list[bool] = []
        status, _ = client.request("PUT", f"/traits/{name}", ok=(201, 204), resent=resent)
        return status == 201 or bool(resent)  # there already: made by our first attempt, it may be

    made, failure = _each(parallel, create, names)
    report.traits_created.extend(names[index] for index in sorted(made) if made[index])
    if failure is not None:
        raise failure
    reached = list(current)
    changed, failure = _each(
        parallel, lambda key: _set_traits(client, report.uuids[key], wanted[key], current[key]), reached
    )
    outcome = {key: changed[index] for index, key in enumerate(reached) if index in changed}
    for key in keys:
        if key not in current or key in outcome:
            (report.updated if outcome.get(key, False) else report.unchanged).append(key)
    if failure is not None:
        raise failure


def outside_list(outside: dict[str, str], shown: int = _SHOWN_MISSING) -> str:
    """The resource providers *outside* (UUID -> name) for a message: names sorted, the first *shown*, then a count."""
    return first_few(sorted(f"{name!r} ({uuid})" for uuid, name in outside.items()), shown, separator="; ")


def _stale(outside: dict[str, str]) -> ExportError:
    """``export-stale-traits``: the resource providers *outside* the export keep traits it cannot vouch for."""
    count = len(outside)
    return ExportError(
        "export-stale-traits",
        f"{plural(count, 'resource provider')} outside the export {'carries' if count == 1 else 'carry'} migcompat"
        f" traits, which would stay in force: {outside_list(outside)}; nothing was written: include"
        f" {'its host' if count == 1 else 'their hosts'} in the inventory (and its enabled type), or push with"
        " --prune, which clears them (when this export is the whole fleet's)",
        where=min(outside),
    )
