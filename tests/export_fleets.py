"""Generated fleets for the export tests: many providers, a known number of source classes, varied rules.

A fleet of :func:`generated_fleet` has devices of a made-up driver whose
``mgr`` (a manager version 16.0 to 16.4) and ``share`` (1/1, 1/2, 1/4, 1/8)
make 20 source classes, and device types (templates with ``share``
parameters). Rules vary per provider: an open-ended version range up to the
provider's own version (``$``), a random set of shares (or ``share=$``), and
sometimes a second rule or a feature subset, so that acceptance is neither
all nor nothing. The oracle the tests compare with is :func:`accepted_by_check`:
:func:`migcompat.compare.check`, provider by provider.
"""

from __future__ import annotations

import random

from migcompat import parse_compatible, parse_version
from migcompat.compare import check
from migcompat.fleet.classes import class_id
from migcompat.fleet.inventory import Provider
from migcompat.model import MigrationVersion
from migcompat.verdict import Answer

MGRS = ("16.0", "16.1", "16.2", "16.3", "16.4")
SHARES = ("1/1", "1/2", "1/4", "1/8")
FEATURES = ("{}", "{a}", "{a,b}")


def device_version(mgr: str, share: str) -> MigrationVersion:
    """A device of the generated driver."""
    return parse_version(f"mc1 device_api=vfio-pci driver=fake mgr={mgr} share={share} stream=fake-s\n")


def source_classes() -> list[MigrationVersion]:
    """The 20 device descriptions of the generated driver (one per class)."""
    return [device_version(mgr, share) for mgr in MGRS for share in SHARES]


def _rules(rng: random.Random, with_self: bool) -> str:
    low = rng.choice(MGRS[:3])
    shares = "$" if with_self and rng.random() < 0.3 else "|".join(sorted(rng.sample(SHARES, rng.randint(1, 3))))
    lines = [f"accept device_api=vfio-pci driver=fake mgr={low}..$ share={shares} stream=fake-s"]
    if rng.random() < 0.2:
        lines.append(
            f"accept device_api=vfio-pci driver=fake mgr={rng.choice(MGRS)} share={rng.choice(SHARES)} stream=fake-s"
        )
    return "mc1\n" + "\n".join(lines) + "\n"


def generated_fleet(hosts: int, per_host: int, seed: int = 11) -> list[Provider]:
    """*hosts* hosts with *per_host* providers each: devices mostly, one device type in four."""
    rng = random.Random(seed)
    providers: list[Provider] = []
    for h in range(hosts):
        host = f"node-{h:03d}"
        host_mgr = rng.choice(MGRS)
        for n in range(per_host):
            address = f"0000:{h % 256:02x}:{n:02x}.0"
            if n % 4 == 3:
                shares = sorted(rng.sample(SHARES, 2))
                template = f"mc1 device_api=vfio-pci driver=fake mgr={host_mgr} stream=fake-s\n" + "".join(
                    f"param share={share}\n" for share in shares
                )
                version = parse_version(template)
                path = f"class/mdev_bus/{address}/mdev_supported_types/fake-{n}"
                providers.append(
                    Provider(host, f"fake-{n}", "type", path, version, parse_compatible(_rules(rng, True)), "fake")
                )
            else:
                version = device_version(host_mgr, rng.choice(SHARES))
                rules = parse_compatible(_rules(rng, True))
                providers.append(
                    Provider(host, address, "device", f"bus/pci/devices/{address}", version, rules, "fake")
                )
    return providers


def accepted_by_check(providers: list[Provider], source: MigrationVersion) -> list[Provider]:
    """The providers that :func:`check` says accept *source*: the oracle."""
    return [p for p in providers if check(source, p.rules, p.version).answer is Answer.COMPATIBLE]


def class_ids(versions: list[MigrationVersion]) -> list[str]:
    """The class identifiers of *versions*."""
    return [class_id(v) for v in versions]
