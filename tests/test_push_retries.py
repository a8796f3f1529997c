"""A push through a Placement that is overloaded, restarting, behind a gateway, or written by someone else meanwhile.

The service is a real Placement (:mod:`placement_service`, one for the session, emptied for each test: ``placement``);
between it and the client sits :mod:`placement_proxy`, which answers 502, 503
or 504 for the requests a test names, or forwards a request and then loses
its answer. A request answered 502, 503 or 504 is made again after a jittered
pause that doubles, or the one its ``Retry-After`` asks for (capped), for a
bounded number of attempts and a bounded total pause; a ``POST`` (not
idempotent) is never made again once it may have been applied; a 503 is an
answer (the write is not in doubt), a gateway's 502 or 504 to a write is not.
A generation conflict is retried after a short jittered pause. Every pause is
recorded through :class:`~migcompat.exports.placement_client.Backoff`'s
*sleep*, never slept: the file takes about as long as the service's start.
"""

from __future__ import annotations

import uuid
from email.utils import formatdate
from typing import Any

import pytest

from export_fleets import generated_fleet, source_classes
from migcompat.exports import placement_client
from migcompat.exports.errors import ExportError
from migcompat.exports.placement import TRAIT_PREFIX, ResourceProviderMap, build_export
from migcompat.exports.placement_client import MAX_CONFLICT_RETRIES, Backoff, PlacementClient, push
from migcompat.exports.table import build_table, provider_key
from placement_proxy import Fault, fault_proxy, first
from placement_service import TOKEN, PlacementService


def _export(service: PlacementService) -> tuple[Any, list[str]]:
    """An export of 4 providers mapped by UUID to resource providers made in *service*; their UUIDs."""
    providers = generated_fleet(hosts=2, per_host=2, seed=5)
    uuids = {provider_key(p): service.create_provider(provider_key(p), str(uuid.uuid4())) for p in providers}
    export = build_export(build_table(providers, source_classes()), ResourceProviderMap(uuids, template=None))
    return export, list(uuids.values())


def _recording(pauses: list[float], **options: Any) -> Backoff:
    return Backoff(sleep=pauses.append, **options)


def _pushed(service: PlacementService, export: Any, uuids: list[str]) -> None:
    """Every provider of *export* has its traits in *service*."""
    wanted = {entry.resource_provider[1]: set(entry.traits) for entry in export.by_resource_provider().values()}
    for rp in uuids:
        assert {t for t in service.traits_of(rp) if t.startswith(TRAIT_PREFIX)} == wanted[rp]


# ---- 502, 503, 504 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_push_answered_unavailable_at_first_is_made_again_and_completes(
    placement: PlacementService, status: int
) -> None:
    export, uuids = _export(placement)
    pauses: list[float] = []
    with fault_proxy(placement.endpoint, first(3, Fault(status))) as proxy:
        report = push(export, PlacementClient(proxy.endpoint, TOKEN, backoff=_recording(pauses)), parallel=1)
    assert [seen[2] for seen in proxy.seen[:4]] == [status, status, status, 200]  # the listing, made 4 times
    _pushed(placement, export, uuids)
    assert len(report.updated) == len(uuids) and report.in_doubt is None
    # jittered, doubling from Backoff.first (0.5 s): each pause between half and all of 0.5, 1, 2 s
    assert len(pauses) == 3
    for number, pause in enumerate(pauses):
        assert 0.25 * 2**number <= pause <= 0.5 * 2**number


def test_the_pauses_are_jittered() -> None:
    """Two requests answered 503 at once do not come back at once: the pause is drawn between half and all."""
    low = Backoff(jitter=lambda: 0.0)
    high = Backoff(jitter=lambda: 0.999)
    assert [low.pause(n) for n in (1, 2, 3, 4, 5, 6)] == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0]  # at most Backoff.most
    assert [round(high.pause(n), 2) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]


def test_retry_after_is_honoured_and_capped(placement: PlacementService) -> None:
    answers = iter(
        [
            Fault(503, {"Retry-After": "2"}),
            Fault(503, {"Retry-After": "3600"}),  # an hour: waited at most retry_after_most
            Fault(503, {"Retry-After": formatdate(usegmt=True)}),  # an HTTP date, now: no wait
            Fault(503, {"Retry-After": "soon"}),  # neither: the backoff's own pause (the fourth: 4 s at most)
        ]
    )
    pauses: list[float] = []
    with fault_proxy(placement.endpoint, lambda method, path: next(answers, None)) as proxy:
        client = PlacementClient(proxy.endpoint, TOKEN, backoff=_recording(pauses, retry_after_most=5.0))
        assert client.request("GET", "/traits")[0] == 200
    assert len(proxy.seen) == 5
    assert pauses[:2] == [2.0, 5.0] and 0 <= pauses[2] <= 1.0 and 2.0 <= pauses[3] <= 4.0


def test_an_unavailable_service_fails_after_the_bounded_attempts(placement: PlacementService) -> None:
    pauses: list[float] = []
    with fault_proxy(placement.endpoint, lambda method, path: Fault(503)) as proxy:
        client = PlacementClient(proxy.endpoint, TOKEN, backoff=_recording(pauses))
        with pytest.raises(ExportError) as raised:
            client.request("PUT", "/traits/CUSTOM_MIGCOMPAT_ACCEPTS_X", ok=(201, 204))
    assert len(proxy.seen) == Backoff().attempts == 6 and len(pauses) == 5
    assert raised.value.code == "placement-failed"
    assert "answered 503 (the last of 6 attempts, over" in raised.value.message
    assert not raised.value.in_doubt  # the service answered: it refused the write, it did not apply it


def test_the_pauses_of_one_request_are_bounded_in_total(placement: PlacementService) -> None:
    """Retry-After: 4 with a budget of 10 s: two pauses (8 s); a third would pass the budget and is not made."""
    pauses: list[float] = []
    with fault_proxy(placement.endpoint, lambda method, path: Fault(503, {"Retry-After": "4"})) as proxy:
        client = PlacementClient(proxy.endpoint, TOKEN, backoff=_recording(pauses, budget=10.0))
        with pytest.raises(ExportError, match="the last of 3 attempts"):
            client.request("GET", "/traits")
    assert pauses == [4.0, 4.0] and len(proxy.seen) == 3


def test_a_write_a_gateway_passed_on_then_answered_504_is_in_doubt(placement: PlacementService) -> None:
    """The service applied the write; the client got 504 every time: Placement may have changed, and it has."""
    with fault_proxy(placement.endpoint, lambda method, path: Fault(504, forward=True)) as proxy:
        client = PlacementClient(proxy.endpoint, TOKEN, backoff=Backoff(sleep=lambda seconds: None))
        with pytest.raises(ExportError) as raised:
            client.request("PUT", "/traits/CUSTOM_MIGCOMPAT_ACCEPTS_X", ok=(201, 204))
    assert raised.value.in_doubt and len(proxy.seen) == 6
    assert placement.request("GET", "/traits/CUSTOM_MIGCOMPAT_ACCEPTS_X")[0] == 204


def test_a_provider_write_a_gateway_lost_then_made_again_counts_as_updated(placement: PlacementService) -> None:
    """The first write of each provider's traits reaches Placement, but the client gets 504: made again, it
    conflicts with its own first attempt (409), reads the provider as wanted and counts it updated."""
    export, uuids = _export(placement)
    rule = first(len(uuids), Fault(504, forward=True), method="PUT", path="/resource_providers/")
    with fault_proxy(placement.endpoint, rule) as proxy:
        report = push(export, PlacementClient(proxy.endpoint, TOKEN, backoff=Backoff(sleep=lambda s: None)))
    _pushed(placement, export, uuids)
    assert sorted(report.updated) == sorted(report.uuids) and not report.unchanged and report.in_doubt is None
    assert sum(seen[2] == 504 for seen in proxy.seen) == len(uuids)


def test_a_failed_push_reports_a_503_write_as_not_in_doubt(placement: PlacementService) -> None:
    export, uuids = _export(placement)
    rule = first(100, Fault(503), method="PUT", path="/resource_providers/")
    with fault_proxy(placement.endpoint, rule) as proxy:
        client = PlacementClient(proxy.endpoint, TOKEN, backoff=Backoff(attempts=2, sleep=lambda s: None))
        with pytest.raises(ExportError) as raised:
            push(export, client, parallel=1)
    report = raised.value.report
    assert (
        report is not None
        and report.in_doubt is None
        and report.not_set == sorted(report.uuids, key=list(report.uuids).index)
    )
    assert [seen[2] for seen in proxy.seen if seen[0] == "PUT" and "/resource_providers/" in seen[1]] == [503, 503]
    assert all(not {t for t in placement.traits_of(rp) if t.startswith(TRAIT_PREFIX)} for rp in uuids)


# ---- a request that is not idempotent -------------------------------------------------------------------------


def test_a_post_lost_once_sent_is_not_made_again(placement: PlacementService, monkeypatch: pytest.MonkeyPatch) -> None:
    """The service made the resource provider, the connection closed before the answer: made again, a POST would
    make another (or fail on the name): it is in doubt instead."""
    monkeypatch.setattr(placement_client, "RESET_PAUSE", 0.01)
    with fault_proxy(placement.endpoint, first(1, Fault(close=True, forward=True))) as proxy:
        client = PlacementClient(proxy.endpoint, TOKEN)
        with pytest.raises(ExportError) as raised:
            client.request("POST", "/resource_providers", {"name": "rp-once"}, microversion="1.20")
    assert raised.value.in_doubt and proxy.seen == [("POST", "/resource_providers", "closed")]
    assert placement.request("GET", "/resource_providers?name=rp-once")[1]["resource_providers"] != []


def test_a_post_answered_503_is_not_made_again(placement: PlacementService) -> None:
    pauses: list[float] = []
    with fault_proxy(placement.endpoint, first(1, Fault(503))) as proxy:
        client = PlacementClient(proxy.endpoint, TOKEN, backoff=_recording(pauses))
        with pytest.raises(ExportError, match="answered 503: "):
            client.request("POST", "/resource_providers", {"name": "rp-none"}, microversion="1.20")
    assert len(proxy.seen) == 1 and pauses == []


# ---- a generation conflict ------------------------------------------------------------------------------------


def test_generation_conflicts_are_retried_after_a_short_jittered_pause(placement: PlacementService) -> None:
    """Before each of the first 3 writes of a provider's traits reaches Placement, an operator sets a trait of
    their own on it (through Placement): a real 409. The push reads again after a pause, and keeps their trait."""
    export, uuids = _export(placement)
    target = uuids[0]
    operator = iter(["CUSTOM_OPERATOR_A", "CUSTOM_OPERATOR_B", "CUSTOM_OPERATOR_C"])

    def interfere(method: str, path: str) -> Fault | None:
        name = next(operator, None) if method == "PUT" and path == f"/resource_providers/{target}/traits" else None
        if name is not None:
            _, body = placement.request("GET", f"/resource_providers/{target}/traits")
            assert placement.request("PUT", f"/traits/{name}")[0] in (201, 204)
            generation = body["resource_provider_generation"]
            written = placement.request(
                "PUT",
                f"/resource_providers/{target}/traits",
                {"traits": [*body["traits"], name], "resource_provider_generation": generation},
            )
            assert written[0] == 200
        return None

    pauses: list[float] = []
    with fault_proxy(placement.endpoint, interfere) as proxy:
        report = push(export, PlacementClient(proxy.endpoint, TOKEN, backoff=_recording(pauses)), parallel=1)
    writes = [seen[2] for seen in proxy.seen if seen[0] == "PUT" and seen[1] == f"/resource_providers/{target}/traits"]
    assert writes == [409, 409, 409, 200]
    assert {"CUSTOM_OPERATOR_A", "CUSTOM_OPERATOR_B", "CUSTOM_OPERATOR_C"} <= placement.traits_of(target)
    _pushed(placement, export, uuids)
    assert len(report.updated) == len(uuids)
    # one pause per conflict, doubling from 0.05 s, jittered: between half and all of 0.05, 0.1, 0.2 s
    assert len(pauses) == 3
    for number, pause in enumerate(pauses):
        assert 0.025 * 2**number <= pause <= 0.05 * 2**number
    assert sum(Backoff(jitter=lambda: 1.0).conflict_pause(n) for n in range(1, MAX_CONFLICT_RETRIES + 1)) <= 1.6
