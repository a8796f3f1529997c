"""A realistic, reproducible mix of attribute strings for the benchmarks.

The mix follows what a fleet of hosts shows: mostly device instances, some
device-type templates, and the acceptance rules of both, for the drivers of
MISSION.md (GVT-g, NVIDIA vGPU, mlx5, hisi_acc, qat, mtty), at several driver
versions, with instance-specific fields so that strings are not all equal.
"""

from __future__ import annotations

import random
from math import gcd

GVT_TYPES = {"i915-GVTg_V5_1": 1, "i915-GVTg_V5_2": 2, "i915-GVTg_V5_4": 4, "i915-GVTg_V5_8": 8}
NVIDIA_TYPES = {"nvidia-222": "GRID%20T4-1Q", "nvidia-223": "GRID%20T4-2Q", "nvidia-224": "GRID%20T4-4Q"}


def _share(k: int, n: int) -> str:
    d = gcd(k, n)
    return f"{k // d}/{n // d}"


def gvt_instance(rng: random.Random) -> str:
    type_id, parts = rng.choice(list(GVT_TYPES.items()))
    aggregate = rng.randint(1, parts)
    interface = rng.randint(1, 3)
    pv = "" if interface == 1 else " gvt.pv_mode={context,ppgtt}"
    return (
        f"mc1 aggregate={aggregate} device_api=vfio-pci driver=i915 gvt.interface_version={interface}{pv}"
        f" pci_id=8086:591d share={_share(aggregate, parts)} stream=gvt-gen9 type={type_id}\n"
    )


def gvt_rules(rng: random.Random) -> str:
    share = _share(rng.choice([1, 2, 4]), 8)
    types = "|".join(GVT_TYPES)
    return (
        "mc1\ndefault gvt.pv_mode={}\n"
        f"accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=2..3 gvt.pv_mode<={{context,ppgtt}}"
        f" pci_id=8086:591d share={share} stream=gvt-gen9 type={types}\n"
        f"accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=1 gvt.pv_mode={{}}"
        f" pci_id=8086:591d share={share} stream=gvt-gen9 type={types}\n"
    )


def gvt_template(rng: random.Random) -> str:
    lines = [
        "mc1 device_api=vfio-pci driver=i915 gvt.interface_version=3 pci_id=8086:591d stream=gvt-gen9 type=i915-GVTg_V5_8"
    ]
    lines += [f"param aggregate={k} share={_share(k, 8)}" for k in range(1, 9)]
    return "\n".join(lines) + "\n"


def nvidia_instance(rng: random.Random) -> str:
    type_id, name = rng.choice(list(NVIDIA_TYPES.items()))
    major = rng.choice([16, 17])
    return (
        f"mc1 device_api=vfio-pci driver=nvidia ~name={name} nvidia.vgpu_mgr={major}.{rng.randint(0, 9)}"
        f" pci_id=10de:1eb8 pci_subsystem=10de:12a2 stream=nvidia-vgpu stream_version={major}.{rng.randint(0, 4)}"
        f" type={type_id}\n"
    )


def nvidia_rules(rng: random.Random) -> str:
    name = rng.choice(list(NVIDIA_TYPES.values()))
    return (
        "mc1\n"
        f"accept device_api=vfio-pci driver=nvidia name={name} nvidia.vgpu_mgr=16.0..17.9 pci_id=10de:1eb8"
        " stream=nvidia-vgpu stream_version=16.0..$\n"
    )


def mlx5_instance(rng: random.Random) -> str:
    features = ",".join(sorted(rng.sample(["ipsec", "roce", "rss", "tso", "vlan", "vxlan"], rng.randint(1, 5))))
    return (
        f"mc1 device_api=vfio-pci driver=mlx5_vfio_pci features={{{features}}} mlx5.fw=22.{rng.randint(30, 39)}.1010"
        f" mlx5.max_queues={rng.choice([8, 16, 32, 64])} pci_id=15b3:101e stream=mlx5 stream_version=1.{rng.randint(0, 2)}\n"
    )


def mlx5_rules(rng: random.Random) -> str:
    return (
        "mc1\ndefault features={}\n"
        "accept device_api=vfio-pci driver=mlx5_vfio_pci features<={ipsec,roce,rss,tso,vlan,vxlan}"
        f" mlx5.fw=22.30.0..22.39.9999 mlx5.max_queues=..{rng.choice([32, 64])} pci_id=15b3:101e stream=mlx5"
        " stream_version=1.0..1.2\n"
    )


def qat_instance(rng: random.Random) -> str:
    device = rng.choice(["4941", "4943", "4945"])
    services = rng.choice(["{sym}", "{asym}", "{dc}", "{asym,sym}"])
    return (
        f"mc1 device_api=vfio-pci driver=qat_vfio_pci pci_id=8086:{device} qat.services={services}"
        f" stream=qat-gen4 stream_version=1.{rng.randint(0, 1)}\n"
    )


def hisi_instance(rng: random.Random) -> str:
    device = rng.choice(["a251", "a256", "a259"])
    return (
        f"mc1 device_api=vfio-pci driver=hisi_acc_vfio_pci hisi.qm_version={rng.choice(['2', '3'])}"
        f" pci_id=19e5:{device} stream=hisi-acc stream_version=1.0\n"
    )


def mtty_instance(rng: random.Random) -> str:
    ports = rng.choice([1, 2])
    return f"mc1 device_api=vfio-pci driver=mtty mtty.ports={ports} stream=mtty stream_version=1.0 type=mtty-{ports}\n"


def mtty_rules(rng: random.Random) -> str:
    return "mc1\naccept device_api=vfio-pci driver=mtty mtty.ports=$ stream=mtty stream_version=1.0..$ type=$\n"


GENERATORS = [
    (gvt_instance, 20),
    (gvt_rules, 8),
    (gvt_template, 2),
    (nvidia_instance, 20),
    (nvidia_rules, 8),
    (mlx5_instance, 15),
    (mlx5_rules, 6),
    (qat_instance, 8),
    (hisi_instance, 6),
    (mtty_instance, 5),
    (mtty_rules, 2),
]


def corpus(count: int = 10_000, seed: int = 2020) -> list[str]:
    """*count* attribute strings drawn with a fixed seed."""
    rng = random.Random(seed)
    makers = [maker for maker, weight in GENERATORS for _ in range(weight)]
    return [rng.choice(makers)(rng) for _ in range(count)]
