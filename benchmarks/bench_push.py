"""A push to Placement, one request at a time and several at once (``export placement --parallel``).

Run: ``python benchmarks/bench_push.py [--providers N] [--delay MS ...] [--parallel J ...] [--rounds R]``
(needs the ``placement`` extra: ``pip install -e '.[placement,test]'``).

A real Placement service (openstack-placement on SQLite, served one request
at a time, as the tests serve it, with a listen backlog of 128 as a
production server has) on loopback, reached through a proxy that holds
each request and each answer for half of ``--delay`` milliseconds (0: not
at all): a network with that round-trip time between the pushing host and
Placement, as between a deployment host and a region's API.

The fleet is ``N`` devices mapped by UUID; two exports of it, whose
versions and rules differ (generated with two seeds), are pushed in turn,
so that every push reads and rewrites most providers' traits. Figures: the
best of ``R`` pushes, in seconds, for each delay and count of requests at once,
and each one's speed-up over one at a time in the same run (above 1: faster).
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from export_fleets import generated_fleet, source_classes
from migcompat.exports.placement import PlacementExport, ResourceProviderMap, build_export
from migcompat.exports.placement_client import PlacementClient, push
from migcompat.exports.table import build_table, provider_key
from placement_service import TOKEN, placement_service


@contextmanager
def delayed(port: int, delay: float) -> Iterator[int]:
    """A proxy on loopback to *port* that holds each request and each answer *delay* / 2 seconds; its port."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=1024)
    stopping = threading.Event()

    def pump(source: socket.socket, sink: socket.socket) -> None:
        first = True
        try:
            while data := source.recv(65536):
                if first:
                    time.sleep(delay / 2)
                    first = False
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def serve(client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", port)) as upstream:
            back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
            back.start()
            pump(client, upstream)
            back.join()

    def accept() -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(client,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stopping.set()
        listener.close()


def exports(providers: int) -> tuple[dict[str, str], list[PlacementExport]]:
    """The fleet's resource provider UUIDs, and its two exports (other versions and rules, one fleet)."""
    hosts = max(providers // 4, 1)
    fleets = [generated_fleet(hosts=hosts, per_host=4, seed=seed) for seed in (11, 12)]
    uuids = {provider_key(p): str(uuid.uuid4()) for p in fleets[0]}
    classes = source_classes()
    return uuids, [build_export(build_table(f, classes), ResourceProviderMap(uuids, template=None)) for f in fleets]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--providers", type=int, default=200, help="devices in the fleet (default 200)")
    parser.add_argument(
        "--delay", type=float, nargs="+", default=[0.0, 20.0], help="round-trip times in ms (default 0 20)"
    )
    parser.add_argument("--parallel", type=int, nargs="+", default=[1, 4, 16], help="requests at once (default 1 4 16)")
    parser.add_argument("--rounds", type=int, default=3, help="pushes of each measure; the best counts (default 3)")
    args = parser.parse_args()
    uuids, both = exports(args.providers)
    counts = sorted(set(args.parallel) | {1})
    print(f"{len(uuids)} providers; each push rewrites the traits of most of them")
    print(f"{'delay':>8} {'at once':>8} {'seconds':>9} {'requests/s':>11} {'speed-up':>9}")
    with tempfile.TemporaryDirectory() as scratch, placement_service(Path(scratch) / "p", backlog=128) as service:
        for key, rp in uuids.items():
            service.create_provider(key, rp)
        port = int(service.endpoint.rsplit(":", 1)[1])
        turn = 0
        for delay in args.delay:
            with delayed(port, delay / 1000) as proxied:
                endpoint = f"http://127.0.0.1:{proxied}"
                best: dict[int, tuple[float, int]] = {}
                for _ in range(args.rounds):
                    for parallel in counts:
                        export = both[turn % 2]
                        turn += 1
                        start = time.perf_counter()
                        report = push(export, PlacementClient(endpoint, TOKEN), parallel=parallel)
                        elapsed = time.perf_counter() - start
                        if report.not_set or not report.updated:
                            raise SystemExit(f"push with {parallel} at once: {len(report.updated)} providers updated")
                        requests = 2 * len(report.updated) + len(report.unchanged) + len(report.traits_created)
                        if elapsed < best.get(parallel, (float("inf"), 0))[0]:
                            best[parallel] = (elapsed, requests)
                for parallel in counts:
                    elapsed, requests = best[parallel]
                    print(
                        f"{delay:>6.0f}ms {parallel:>8} {elapsed:>9.2f} {requests / elapsed:>11.0f}"
                        f" {best[1][0] / elapsed:>8.2f}x"
                    )
    print("requests/s: a provider's traits read and written (2 requests; 1 when unchanged), and traits made.")


if __name__ == "__main__":
    main()
