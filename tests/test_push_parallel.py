"""A push to Placement makes up to ``--parallel`` requests at once (review r19 Nova F9: the writes were sequential).

Each step's requests are each for a provider or a trait of their own; a
failure stops the requests not yet begun, those in flight end and are
reported, and one at a time nothing is made after the request that failed.
"""

from __future__ import annotations

import json
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from export_fleets import generated_fleet, source_classes
from migcompat.cli import main
from migcompat.exports import DEFAULT_PARALLEL, MAX_PARALLEL, placement_client
from migcompat.exports.errors import ExportError
from migcompat.exports.placement import ResourceProviderMap, build_export
from migcompat.exports.placement_client import MAX_RESET_RETRIES, PlacementClient, _each, push
from migcompat.exports.table import build_table, provider_key
from placement_proxy import Fault, fault_proxy, no_fault, nth_write, writes
from placement_service import TOKEN, PlacementService, placement_service

RUNS_LONG = True  # queued first in the default run (conftest.py)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "conformance" / "samples" / "nvidia-vgpu"


def _fleet(seed: int = 3, hosts: int = 10) -> tuple[Any, dict[str, str]]:
    """An export of 4 providers a host mapped by UUID to resource providers, and that map (made in no Placement
    yet)."""
    providers = generated_fleet(hosts=hosts, per_host=4, seed=seed)
    uuids = {provider_key(p): str(uuid.uuid4()) for p in providers}
    export = build_export(build_table(providers, source_classes()), ResourceProviderMap(uuids, template=None))
    return export, uuids


def _in(service: PlacementService, uuids: dict[str, str]) -> None:
    """Make each of *uuids* a resource provider of *service*, named by its key."""
    for key, rp in uuids.items():
        service.create_provider(key, rp)


# ---- the runner ---------------------------------------------------------------------------------------


def test_the_items_run_at_once() -> None:
    """Four items that each wait for the other three end only when four run at the same time."""
    barrier = threading.Barrier(4, timeout=10)

    def work(item: int) -> int:
        barrier.wait()
        return item * 10

    done, failure = _each(4, work, [0, 1, 2, 3])
    assert failure is None and done == {0: 0, 1: 10, 2: 20, 3: 30}


def test_one_job_runs_in_order_in_this_thread_and_stops_at_the_failure() -> None:
    seen: list[tuple[int, str]] = []

    def work(item: int) -> int:
        seen.append((item, threading.current_thread().name))
        if item == 2:
            raise ExportError("placement-failed", "the third fails")
        return item

    done, failure = _each(1, work, list(range(6)))
    assert failure is not None and failure.message == "the third fails"
    assert done == {0: 0, 1: 1} and [item for item, _ in seen] == [0, 1, 2]
    assert {name for _, name in seen} == {threading.current_thread().name}


def test_a_failure_stops_what_has_not_begun_and_keeps_what_was_in_flight() -> None:
    """Item 0 fails while item 1 is in flight: item 1 ends and is kept, items 2 to 49 are never begun."""
    began: list[int] = []
    failed = threading.Event()

    def work(item: int) -> int:
        began.append(item)
        if item == 0:
            time.sleep(0.05)  # item 1 is in flight by now
            failed.set()
            raise ExportError("placement-failed", "item 0 fails")
        if item == 1:
            assert failed.wait(10)
            time.sleep(0.05)  # still in flight when the failure is seen
        return item

    done, failure = _each(2, work, list(range(50)))
    assert failure is not None and failure.message == "item 0 fails"
    assert 1 in done and done[1] == 1 and 0 not in done
    assert len(began) < 50 and set(done) == set(began) - {0}  # what began ended, and is kept: nothing else


def test_of_several_failures_the_first_item_s_is_returned() -> None:
    def work(item: int) -> int:
        time.sleep(0.01 * (4 - item))  # the last item fails first
        raise ExportError("placement-failed", f"item {item}")

    done, failure = _each(4, work, [0, 1, 2, 3])
    assert done == {} and failure is not None and failure.message == "item 0"


def test_an_error_that_is_not_placement_s_is_raised() -> None:
    def work(item: int) -> int:
        if item == 1:
            raise KeyError("a bug")
        return item

    with pytest.raises(KeyError):
        _each(3, work, [0, 1, 2])


# ---- a connection dropped before the answer -------------------------------------------------------------


@contextmanager
def _dropping(drops: int, *, read_first: bool = False) -> Iterator[tuple[str, list[int]]]:
    """An HTTP server on loopback that resets its first *drops* connections (with *read_first*, once it has read
    the request), then answers each request with an empty trait list; its URL, and a list that counts the
    connections it took."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    taken: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(10)
            with connection:
                taken.append(1)
                if len(taken) <= drops:
                    if read_first:
                        received = b""
                        while b"\r\n\r\n" not in received:
                            received += connection.recv(65536)
                        time.sleep(0.05)
                    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    continue  # closed with linger 0: a reset, before any answer
                request = b""
                while b"\r\n\r\n" not in request:
                    request += connection.recv(65536)
                body = json.dumps({"traits": []}).encode()
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", taken
    finally:
        stop.set()
        thread.join(10)
        listener.close()


def test_a_connection_reset_before_the_answer_is_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server with no room for a push's requests drops connections (the tests' Placement, 16 at once: ECONNRESET)."""
    monkeypatch.setattr(placement_client, "RESET_PAUSE", 0.01)
    assert MAX_RESET_RETRIES >= 2
    with _dropping(2) as (endpoint, taken):
        status, body = PlacementClient(endpoint, "t").request("GET", "/traits")
    assert (status, body) == (200, {"traits": []}) and len(taken) == 3


def test_a_connection_reset_every_time_fails_after_the_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(placement_client, "RESET_PAUSE", 0.01)
    with _dropping(MAX_RESET_RETRIES + 1) as (endpoint, taken), pytest.raises(ExportError) as raised:
        PlacementClient(endpoint, "t").request("GET", "/traits")
    assert raised.value.code == "placement-failed" and "cannot reach Placement" in raised.value.message
    assert len(taken) == MAX_RESET_RETRIES + 1


def test_a_write_lost_after_it_was_sent_and_made_again_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Review r21 finding 1: the service read the request, then reset: the write may have been applied."""
    monkeypatch.setattr(placement_client, "RESET_PAUSE", 0.01)
    with _dropping(1, read_first=True) as (endpoint, taken):
        resent: list[bool] = []
        status, _ = PlacementClient(endpoint, "t").request("PUT", "/traits/CUSTOM_X", resent=resent)
    assert status == 200 and resent == [True] and len(taken) == 2


class _Scripted:
    """A client whose first write of a provider's traits was applied and lost, then conflicts (409)."""

    def __init__(self) -> None:
        self.traits = ["HW_GPU"]
        self.generation = 0
        self.backoff = placement_client.Backoff(sleep=lambda seconds: None)

    def request(self, method: str, path: str, body: object = None, **options: object) -> tuple[int, object]:
        if method == "GET":
            return 200, {"traits": self.traits, "resource_provider_generation": self.generation}
        assert isinstance(body, dict) and isinstance(options["resent"], list)
        self.traits, self.generation = body["traits"], self.generation + 1  # applied; the answer is lost
        options["resent"].append(True)
        return 409, None  # the attempt made again conflicts with the first one's own write


def test_a_provider_write_applied_but_lost_counts_as_updated() -> None:
    client = _Scripted()
    changed = placement_client._set_traits(client, "rp", {"CUSTOM_MIGCOMPAT_ACCEPTS_A"})  # type: ignore[arg-type]
    assert changed is True and set(client.traits) == {"HW_GPU", "CUSTOM_MIGCOMPAT_ACCEPTS_A"}


def test_an_interrupt_does_not_wait_for_the_requests_in_flight(tmp_path: Path) -> None:
    """Review r21 finding 2: Ctrl-C waited for every request in flight (up to the 30 s timeout)."""
    script = tmp_path / "hang.py"
    script.write_text(
        "import threading\n"
        "from migcompat.exports.placement_client import _each\n"
        "print('ready', flush=True)\n"
        "_each(4, lambda item: threading.Event().wait(), list(range(8)))\n"
    )
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline() == "ready\n"
    time.sleep(0.3)
    child.send_signal(signal.SIGINT)
    try:
        _, err = child.communicate(timeout=10)
    finally:
        child.kill()
    assert child.returncode != 0 and "KeyboardInterrupt" in err


def test_a_refused_connection_is_not_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listens: that is no busy service, and the error comes at once."""
    pauses: list[float] = []
    monkeypatch.setattr(placement_client.time, "sleep", pauses.append)
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    with pytest.raises(ExportError, match="cannot reach Placement"):
        PlacementClient(f"http://127.0.0.1:{port}", "t").request("GET", "/traits")
    assert pauses == []


# ---- push ---------------------------------------------------------------------------------------------


def _state(service: PlacementService, uuids: dict[str, str]) -> tuple[dict[str, set[str]], set[str]]:
    """Each resource provider's traits, and the custom traits defined."""
    return {rp: service.traits_of(rp) for rp in uuids.values()}, service.defined_traits()


@pytest.mark.slow  # seconds: CI's slow run keeps it
def test_a_parallel_push_leaves_placement_as_one_at_a_time_does(
    placement: PlacementService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(placement_client, "RESET_PAUSE", 0.01)
    export, uuids = _fleet(hosts=5)
    pushes = []
    for parallel in (1, 8):
        placement.empty()
        _in(placement, uuids)
        with fault_proxy(placement.endpoint, no_fault) as proxy:
            report = push(export, PlacementClient(proxy.endpoint, TOKEN), parallel=parallel)
        pushes.append((report, _state(placement, uuids), sorted(writes(proxy))))
    report, (traits, _), _ = pushes[0]
    assert report.updated and not report.not_set and any(traits.values())
    assert pushes[0] == pushes[1]  # the same report, the same traits in Placement, the same writes


# the fleet's push writes 32 traits, then 39 providers: a failure among the traits, two among the providers (the
# default run keeps the first provider write's; the CLI tests fail the traits' one at a time)
@pytest.mark.parametrize(
    "fail_at", [pytest.param(12, marks=pytest.mark.slow), 33, pytest.param(50, marks=pytest.mark.slow)]
)
def test_a_failed_parallel_push_reports_exactly_what_placement_has(
    placement: PlacementService, monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    monkeypatch.setattr(placement_client, "RESET_PAUSE", 0.01)
    export, uuids = _fleet()
    _in(placement, uuids)
    with fault_proxy(placement.endpoint, nth_write(fail_at, Fault(500))) as proxy, pytest.raises(ExportError) as raised:
        push(export, PlacementClient(proxy.endpoint, TOKEN), parallel=8)
    report = raised.value.report
    assert report is not None and raised.value.code == "placement-failed" and "answered 500" in raised.value.message
    assert ("/resource_providers/" in writes(proxy)[fail_at - 1]) is (fail_at > 32)  # the phase said above
    keys = [f"{how}:{value}" for how, value in export.by_resource_provider()]
    # every provider is reported once: updated, unchanged or not set, in the export's order
    assert sorted(report.updated + report.unchanged + report.not_set) == sorted(keys)
    assert [key for key in keys if key in report.updated] == report.updated
    traits, defined = _state(placement, uuids)
    carried = {key for key in keys if traits[report.uuids[key]]}
    assert set(report.updated) == carried  # what is reported updated is what Placement has, and no more
    assert set(report.traits_created) == defined
    assert report.not_set  # the failure stopped the writes that had not begun


def test_parallel_out_of_range_or_of_another_type_are_refused_before_any_request() -> None:
    export, _ = _fleet()
    client = PlacementClient("http://127.0.0.1:9", "t")  # nothing listens: a request would fail otherwise
    for parallel, error in ((0, ValueError), (MAX_PARALLEL + 1, ValueError), ("4", TypeError), (True, TypeError)):
        with pytest.raises(error, match="parallel"):
            push(export, client, parallel=parallel)  # type: ignore[arg-type]


def test_the_command_takes_parallel_and_refuses_a_bad_count(
    placement: PlacementService, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    enabled = ["--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230"]
    help_text = runner.invoke(main, ["export", "placement", "--help"]).output
    assert "--parallel" in help_text and f"default: {DEFAULT_PARALLEL}" in help_text
    for bad in ("0", str(MAX_PARALLEL + 1), "many"):
        result = runner.invoke(
            main,
            ["export", "placement", str(SAMPLES), *enabled, "--parallel", bad, "--endpoint", "http://127.0.0.1:9"],
            env={"OS_TOKEN": "t"},
        )
        assert result.exit_code == 2 and "--parallel" in result.output and "Traceback" not in result.output
    gpus = [placement.create_provider(f"{host}_pci_0000_3b_00_0") for host in ("t4-node-16", "t4-node-17")]
    monkeypatch.setattr(placement_client, "RESET_PAUSE", 0.01)  # 16 at once: the service drops some connections
    result = runner.invoke(
        main,
        ["export", "placement", str(SAMPLES), *enabled, "-j", "16", "--endpoint", placement.endpoint],
        env={"OS_TOKEN": TOKEN},
    )
    assert result.exit_code == 0, result.output
    assert all(placement.traits_of(rp) for rp in gpus)


@pytest.mark.slow
def test_against_real_placement_a_parallel_push_leaves_what_one_at_a_time_leaves(tmp_path: Path) -> None:
    """The same fleet pushed to two real Placement services, one request at a time and sixteen at a time."""
    providers = generated_fleet(hosts=20, per_host=4, seed=7)
    uuids = {provider_key(p): str(uuid.uuid4()) for p in providers}
    export = build_export(build_table(providers, source_classes()), ResourceProviderMap(uuids, template=None))
    states = []
    for parallel in (1, 16):
        with placement_service(tmp_path / f"placement-{parallel}") as service:
            for key, rp in uuids.items():
                service.create_provider(key, rp)
            report = push(export, PlacementClient(service.endpoint, TOKEN), parallel=parallel)
            assert report.updated and not report.not_set
            again = push(export, PlacementClient(service.endpoint, TOKEN), parallel=parallel)
            assert not again.changed()  # idempotent
            states.append((report, {rp: service.traits_of(rp) for rp in uuids.values()}))
    assert states[0] == states[1]
