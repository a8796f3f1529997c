"""Synthetic hosts: the drivers of the sample fleet, written as their authors would write them.

Each ``*_host`` function returns a :class:`Host`: the sysfs objects of one
machine with one driver release, whose migration attributes are the strings
that driver would emit (spec clause 14 gives most of them). A :class:`Host`
becomes a sysfs-shaped directory tree (:func:`write_tree`, used to build
``conformance/samples/``) or, without touching the disk, the
:class:`~migcompat.sysfs.model.HostData` the reader would return
(:func:`to_host_data`, used by the benchmark). ``python
conformance/tools/sample_fleet.py DIR`` regenerates the samples; a test holds the
committed samples to this script. It is a maintainer script, not part of the
installed package.

Real identifiers (spec clause 14 and the mission): Intel IGD ``8086:591d``
(subsystem ``8086:2212``) with GVT-g types ``i915-GVTg_V5_{1,2,4,8}``; NVIDIA
T4 ``10de:1eb8``; ConnectX VF ``15b3:101e`` on ``mlx5_vfio_pci``; HiSilicon
Kunpeng 920 SEC VF ``19e5:a256`` on ``hisi_acc_vfio_pci``; QAT GEN4 VF
``8086:4941`` on ``qat_vfio_pci``; the kernel's ``mtty`` sample; an Intel
Battlemage GPU ``8086:e211`` (``INTEL_BMG_IDS``), whose SR-IOV VFs carry the
PF's device id, on ``xe-vfio-pci``; an AMD/Pensando Ethernet VF ``1dd8:1003``
(PF ``1dd8:100c`` on ``pds_core``) on ``pds_vfio_pci``; a virtio-net VF
``1af4:1041`` on ``virtio_vfio_pci``. Firmware versions, revisions, feature
sets and resource sizes are illustrative. Which fields each driver writes,
and why, is the worked mapping of the specification's annex
``spec/drivers.rst`` (each driver's in-stream check on RESUMING, field by
field).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Final

from migcompat.capture import dumps
from migcompat.sysfs.model import COMPATIBLE, VERSION, VFIO_DEV, Attr, Finding, HostData, Placement

__all__ = [
    "Host",
    "Mdev",
    "MdevParent",
    "MdevType",
    "PciFunction",
    "SampleDef",
    "gvt_host",
    "hisi_host",
    "mlx5_host",
    "mtty_host",
    "nvidia_host",
    "pds_host",
    "qat_host",
    "samples",
    "to_host_data",
    "virtio_net_host",
    "write_samples",
    "write_tree",
    "xe_host",
]

SAMPLE_TIME: Final = "2025-01-15T09:30:00Z"
SAMPLE_TOOL: Final = "migcompat sample generator"


# ---- the objects of a host ---------------------------------------------------------------------


@dataclass
class MdevType:
    """An mdev type a parent offers, with its attributes (None: the file is not written)."""

    ident: str
    name: str
    description: str
    device_api: str
    available: int
    version: str | None
    rules: str | None


@dataclass
class PciFunction:
    """A PCI function (a VF when *physfn* names its PF) bound to *driver*, with its attributes."""

    bdf: str
    devpath: str
    vendor: int
    device: int
    subsystem_vendor: int
    subsystem_device: int
    driver: str
    physfn: str | None = None
    version: str | None = None
    rules: str | None = None
    virtfns: list[str] = field(default_factory=list)


@dataclass
class MdevParent:
    """A device that offers mdev *types*; *devpath* is its real directory, relative to the root (``devices/...``)."""

    name: str
    devpath: str
    types: list[MdevType]


@dataclass
class Mdev:
    """An mdev created from the type *type_id* of *parent*, with its attributes."""

    uuid: str
    parent: MdevParent
    type_id: str
    version: str | None
    rules: str | None


@dataclass
class Host:
    """The sysfs objects of one machine with one driver release."""

    name: str
    kernel: str
    parents: list[MdevParent] = field(default_factory=list)
    mdevs: list[Mdev] = field(default_factory=list)
    functions: list[PciFunction] = field(default_factory=list)
    extra: dict[str, bytes] = field(default_factory=dict)
    """Files (path relative to the root: bytes) written as is, for deliberately broken trees."""
    links: dict[str, str] = field(default_factory=dict)
    """Symbolic links (path relative to the root: target) written as is, for deliberately broken trees."""
    legacy_placement: bool = False
    """The drivers write a device's attributes in its bus device directory (specification 1.0), not in
    its VFIO device directory ``vfio-dev/vfioN/`` (specification 1.1, clause 10)."""

    def vfio_devices(self) -> dict[str, str]:
        """The VFIO device directory name (``vfio0``...) of each device VFIO core registers, by BDF or UUID.

        VFIO core numbers devices in the order their drivers register them:
        here the functions bound to a VFIO driver, then the mdevs.
        """
        names = [f.bdf for f in self.functions if "vfio" in f.driver] + [m.uuid for m in self.mdevs]
        return {name: f"vfio{index}" for index, name in enumerate(names)}


def _lines(*lines: str) -> str:
    return "\n".join(lines) + "\n"


# ---- Intel GVT-g ---------------------------------------------------------------------------------

_GVT_TYPES: Final = {
    # units per GPU: (low_gm_size MB, high_gm_size MB, fence, resolution, weight)
    1: (512, 2048, 4, "1920x1200", 16),
    2: (256, 1024, 4, "1920x1200", 8),
    4: (128, 512, 4, "1920x1200", 4),
    8: (64, 384, 4, "1024x768", 2),
}
_GVT_ALL: Final = "|".join(f"i915-GVTg_V5_{n}" for n in _GVT_TYPES)


def _share(k: int, n: int) -> str:
    fraction = Fraction(k, n)
    return f"{fraction.numerator}/{fraction.denominator}"


def gvt_version(n: int, interface: int, aggregate: int | None = None) -> str:
    """The migration_version of type i915-GVTg_V5_<n> (a template), or of a device aggregated *aggregate* times."""
    pv_mode = " gvt.pv_mode={context,ppgtt}" if interface >= 2 else ""
    head = f"device_api=vfio-pci driver=i915 gvt.interface_version={interface}{pv_mode} pci_id=8086:591d"
    tail = f"stream=gvt-gen9 type=i915-GVTg_V5_{n}"
    if aggregate is not None:
        return _lines(f"mc1 aggregate={aggregate} {head} share={_share(aggregate, n)} {tail}")
    return _lines(f"mc1 {head} {tail}", *(f"param aggregate={k} share={_share(k, n)}" for k in range(1, n + 1)))


def gvt_rules(interface: int) -> str:
    """Interface 1 accepts interface 1; interfaces 2 and up add paravirtualised sources and keep the old rule."""
    common = "aggregate=1..8 device_api=vfio-pci driver=i915"
    rest = f"pci_id=8086:591d share=$ stream=gvt-gen9 type={_GVT_ALL}"
    legacy = f"accept {common} gvt.interface_version=1 {rest}"
    if interface < 2:
        return _lines("mc1", legacy)
    return _lines(
        "mc1",
        "default gvt.pv_mode={}",
        f"accept {common} gvt.interface_version=2..{interface} gvt.pv_mode<=$ {rest}",
        legacy,
    )


def gvt_host(name: str, interface: int) -> Host:
    """A gen9 desktop with GVT-g: the four V5 types and two vGPUs (V5_4 aggregated twice, V5_8)."""
    gpu = PciFunction("0000:00:02.0", "devices/pci0000:00/0000:00:02.0", 0x8086, 0x591D, 0x8086, 0x2212, "i915")
    rules = gvt_rules(interface)
    types = []
    for n, (low, high, fence, resolution, weight) in _GVT_TYPES.items():
        description = _lines(
            f"low_gm_size: {low}MB",
            f"high_gm_size: {high}MB",
            f"fence: {fence}",
            f"resolution: {resolution}",
            f"weight: {weight}",
        )
        types.append(
            MdevType(
                f"i915-GVTg_V5_{n}", f"GVTg_V5_{n}", description, "vfio-pci", n - 1, gvt_version(n, interface), rules
            )
        )
    parent = MdevParent("0000:00:02.0", gpu.devpath, types)
    mdevs = [
        Mdev("4b20d080-1b54-4048-85b3-a6a62d165c01", parent, "i915-GVTg_V5_4", gvt_version(4, interface, 2), rules),
        Mdev("8d9d1b8a-5a7e-4b45-9e0e-2c2d3d6b0c02", parent, "i915-GVTg_V5_8", gvt_version(8, interface, 1), rules),
    ]
    return Host(name, "6.8.0-45-generic", [parent], mdevs, [gpu])


# ---- NVIDIA vGPU on Tesla T4 ------------------------------------------------------------------------

_T4_PROFILES: Final = {"2Q": (Fraction(1, 8), 8), "4Q": (Fraction(1, 4), 4), "8Q": (Fraction(1, 2), 2)}


def nvidia_version(profile: str, manager: str, type_id: str) -> str:
    share = _T4_PROFILES[profile][0]
    return _lines(
        f"mc1 device_api=vfio-pci driver=nvidia ~name=GRID%20T4-{profile} nvidia.vgpu_mgr={manager}"
        f" pci_id=10de:1eb8 share={share.numerator}/{share.denominator} stream=nvidia-vgpu ~type={type_id}"
    )


def nvidia_rules(profile: str) -> str:
    share = _T4_PROFILES[profile][0]
    return _lines(
        "mc1",
        f"accept device_api=vfio-pci driver=nvidia name=GRID%20T4-{profile} nvidia.vgpu_mgr=16.0..$"
        f" pci_id=10de:1eb8 share={share.numerator}/{share.denominator} stream=nvidia-vgpu",
    )


def nvidia_host(name: str, manager: str, profiles: Iterable[str] = ("2Q", "4Q", "8Q")) -> Host:
    """A T4 with vGPU software *manager* (16.2 numbers the Q profiles from nvidia-222, 17.0 from nvidia-230)."""
    base = 222 if manager.startswith("16.") else 230
    gpu = PciFunction(
        "0000:3b:00.0", "devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0", 0x10DE, 0x1EB8, 0x10DE, 0x12A2, "nvidia"
    )
    types = []
    numbers = {}
    for index, profile in enumerate(_T4_PROFILES):
        numbers[profile] = f"nvidia-{base + index}"
        if profile not in profiles:
            continue
        share, count = _T4_PROFILES[profile]
        framebuffer = int(16384 * share)
        description = (
            f"num_heads=4, frl_config=60, framebuffer={framebuffer}M, max_resolution=7680x4320, max_instance={count}"
        )
        types.append(
            MdevType(
                numbers[profile],
                f"GRID T4-{profile}",
                description,
                "vfio-pci",
                count - 1,
                nvidia_version(profile, manager, numbers[profile]),
                nvidia_rules(profile),
            )
        )
    parent = MdevParent("0000:3b:00.0", gpu.devpath, types)
    mdevs = [
        Mdev(
            "c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10",
            parent,
            numbers["2Q"],
            nvidia_version("2Q", manager, numbers["2Q"]),
            nvidia_rules("2Q"),
        )
    ]
    return Host(name, "6.8.0-45-generic", [parent], mdevs, [gpu])


# ---- mlx5_vfio_pci ---------------------------------------------------------------------------------


def mlx5_version(stream: str, queues: int, firmware: str, *, features: bool) -> str:
    feats = " features={chunk_mode,pre_copy}" if features else ""
    return _lines(
        f"mc1 device_api=vfio-pci driver=mlx5_vfio_pci{feats} ~mlx5.fw_version={firmware} mlx5.max_macs=4"
        f" mlx5.max_queues={queues} pci_id=15b3:101e stream=mlx5-vf stream_version={stream}"
    )


def mlx5_rules(*, features: bool, oldest: str = "1.0") -> str:
    feats = " features<=$" if features else ""
    return _lines(
        "mc1",
        f"accept device_api=vfio-pci driver=mlx5_vfio_pci{feats} mlx5.max_macs=4 mlx5.max_queues=..$"
        f" pci_id=15b3:101e stream=mlx5-vf stream_version={oldest}..$",
    )


def _sriov(
    pf_bdf: str,
    bridge: str,
    ids: tuple[int, int, int, int],
    pf_driver: str,
    vf_ids: tuple[int, int],
    vf_driver: str,
    count: int,
) -> list[PciFunction]:
    domain_bus = pf_bdf.rsplit(":", 1)[0]
    pf = PciFunction(pf_bdf, f"{bridge}/{pf_bdf}", ids[0], ids[1], ids[2], ids[3], pf_driver)
    functions = [pf]
    for index in range(count):
        slot, function = divmod(index + 1, 8)
        bdf = f"{domain_bus}:{slot:02x}.{function}"
        vf = PciFunction(bdf, f"{bridge}/{bdf}", vf_ids[0], vf_ids[1], ids[2], ids[3], vf_driver, physfn=pf_bdf)
        pf.virtfns.append(bdf)
        functions.append(vf)
    return functions


def mlx5_host(name: str, stream: str, *, queues: int = 16, firmware: str = "28.39.1002") -> Host:
    """A ConnectX-6 Dx with two VFs on mlx5_vfio_pci; stream 1.1 adds the features field (spec 14.3)."""
    features = stream != "1.0"
    functions = _sriov(
        "0000:3b:00.0",
        "devices/pci0000:3a/0000:3a:00.0",
        (0x15B3, 0x101D, 0x15B3, 0x0016),
        "mlx5_core",
        (0x15B3, 0x101E),
        "mlx5_vfio_pci",
        2,
    )
    for vf in functions[1:]:
        vf.version = mlx5_version(stream, queues, firmware, features=features)
        vf.rules = mlx5_rules(features=features)
    return Host(name, "6.8.0-45-generic", functions=functions)


# ---- hisi_acc_vfio_pci -----------------------------------------------------------------------------


def hisi_version(stream: str) -> str:
    """A SEC VF: QM hardware version, queue-pair count and the PF's queue isolation setting (checked on load)."""
    return _lines(
        "mc1 device_api=vfio-pci driver=hisi_acc_vfio_pci hisi_acc.qm_version=3 hisi_acc.qp_num=64"
        f" hisi_acc.que_iso_cfg=1 pci_id=19e5:a256 stream=hisi-acc stream_version={stream}"
    )


def hisi_rules() -> str:
    """The driver's load checks; it loads any minor version of its own major (``$1``, spec 1.1)."""
    return _lines(
        "mc1",
        "accept device_api=vfio-pci driver=hisi_acc_vfio_pci hisi_acc.qm_version=$ hisi_acc.qp_num=$"
        " hisi_acc.que_iso_cfg=$ pci_id=19e5:a256 stream=hisi-acc stream_version=$1",
    )


def hisi_host(name: str, stream: str, *, pci_id: str = "19e5:a256") -> Host:
    """A Kunpeng 920 SEC accelerator (PF on hisi_sec2) with two VFs on hisi_acc_vfio_pci (rules: :func:`hisi_rules`)."""
    functions = _sriov(
        "0000:76:00.0",
        "devices/pci0000:74/0000:74:01.0",
        (0x19E5, 0xA255, 0x19E5, 0x0000),
        "hisi_sec2",
        (0x19E5, 0xA256),
        "hisi_acc_vfio_pci",
        2,
    )
    for vf in functions[1:]:
        vf.version = hisi_version(stream).replace("pci_id=19e5:a256", f"pci_id={pci_id}")
        vf.rules = hisi_rules().replace("pci_id=19e5:a256", f"pci_id={pci_id}")
    return Host(name, "6.6.0-28.0.0.34.oe2403.aarch64", functions=functions)


# ---- qat_vfio_pci ----------------------------------------------------------------------------------


_QAT_CAPS: Final = {
    "1.0": "{asym,auth,cipher,sym}",
    "1.1": "{asym,auth,cipher,sm3,sm4,sym}",
}


def qat_version(stream: str, services: str = "{asym,sym}", firmware: str | None = None) -> str:
    """A GEN4 VF: the device's capability mask (``qat.caps``) and its ring-to-service map (``qat.services``)."""
    fw = f" ~qat.fw_version={firmware}" if firmware else ""
    return _lines(
        f"mc1 device_api=vfio-pci driver=qat_vfio_pci pci_id=8086:4941 qat.caps={_QAT_CAPS[stream]}{fw}"
        f" qat.services={services} stream=qat-gen4 stream_version={stream}"
    )


def qat_rules(*, pin_firmware: bool = False) -> str:
    # The PF driver's load checks: capability mask a superset of the source's, ring-to-service map equal.
    fw = " qat.fw_version=$" if pin_firmware else ""
    return _lines(
        "mc1",
        f"accept device_api=vfio-pci driver=qat_vfio_pci pci_id=8086:4941 qat.caps<=${fw} qat.services=$"
        " stream=qat-gen4 stream_version=1.0..$",
    )


def qat_host(name: str, stream: str) -> Host:
    """A Sapphire Rapids QAT 4xxx endpoint (PF on 4xxx, 8086:4940) with two VFs (8086:4941) on qat_vfio_pci."""
    functions = _sriov(
        "0000:6b:00.0",
        "devices/pci0000:6b",
        (0x8086, 0x4940, 0x8086, 0x0000),
        "4xxx",
        (0x8086, 0x4941),
        "qat_vfio_pci",
        2,
    )
    for vf in functions[1:]:
        vf.version = qat_version(stream)
        vf.rules = qat_rules()
    return Host(name, "6.8.0-45-generic", functions=functions)


# ---- mtty --------------------------------------------------------------------------------------------

_MTTY_NAMES: Final = {1: "Single port serial", 2: "Dual port serial"}


def mtty_version(ports: int, stream: str) -> str:
    name = _MTTY_NAMES[ports].replace(" ", "%20")
    return _lines(
        f"mc1 device_api=vfio-pci driver=mtty mtty.ports={ports} ~name={name} stream=mtty stream_version={stream}"
        f" type=mtty-{ports}"
    )


def mtty_rules(stream: str) -> str:
    accepted = "1.0" if stream == "1.0" else "1.0..$"
    return _lines(
        "mc1", f"accept device_api=vfio-pci driver=mtty mtty.ports=$ stream=mtty stream_version={accepted} type=$"
    )


def mtty_host(name: str, stream: str) -> Host:
    """The kernel's mtty sample: types mtty-1 and mtty-2 and one mtty-2 device."""
    # 24 ports in all; the mtty-2 device holds two of them.
    types = [
        MdevType(
            f"mtty-{ports}",
            _MTTY_NAMES[ports],
            "",
            "vfio-pci",
            22 // ports,
            mtty_version(ports, stream),
            mtty_rules(stream),
        )
        for ports in (1, 2)
    ]
    parent = MdevParent("mtty", "devices/virtual/mtty/mtty", types)
    mdevs = [
        Mdev("83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", parent, "mtty-2", mtty_version(2, stream), mtty_rules(stream))
    ]
    return Host(name, "6.8.0-45-generic", [parent], mdevs)


# ---- xe_vfio_pci (Intel Xe SR-IOV VFs) ---------------------------------------------------------------


def xe_version(stream: str, *, vram_mb: int = 4096) -> str:
    """A Battlemage VF: the descriptor's device id and revision, the GuC ABI, the VF's VRAM quota.

    ``stream_version``: the major is the migration packet version, which the
    target requires equal; the minor counts descriptor KLVs added since, which
    older targets skip.
    """
    return _lines(
        f"mc1 device_api=vfio-pci driver=xe_vfio_pci pci_id=8086:e211 stream=xe-sriov stream_version={stream}"
        f" xe.guc_abi=1.27.0 xe.revid=0 xe.vram_mb={vram_mb}"
    )


def xe_rules() -> str:
    """The PF driver's load checks: packet version equal (``$1``: a minor adds skipped KLVs), revision equal."""
    return _lines(
        "mc1",
        "accept device_api=vfio-pci driver=xe_vfio_pci pci_id=8086:e211 stream=xe-sriov stream_version=$1"
        " xe.guc_abi=1.27.0..$ xe.revid=$ xe.vram_mb=$",
    )


def xe_host(name: str, stream: str) -> Host:
    """A Battlemage GPU (PF on xe) with two VFs on xe-vfio-pci; a VF carries its PF's device id."""
    functions = _sriov(
        "0000:03:00.0",
        "devices/pci0000:00/0000:00:01.0",
        (0x8086, 0xE211, 0x8086, 0x0000),
        "xe",
        (0x8086, 0xE211),
        "xe-vfio-pci",
        2,
    )
    for vf in functions[1:]:
        vf.version = xe_version(stream)
        vf.rules = xe_rules()
    return Host(name, "6.19.0-1-generic", functions=functions)


# ---- pds_vfio_pci (AMD/Pensando) -----------------------------------------------------------------------


def pds_version(firmware: str) -> str:
    """A pds Ethernet VF: the firmware, which alone reads the migration image, decides; the driver checks nothing."""
    return _lines(
        f"mc1 device_api=vfio-pci driver=pds_vfio_pci pci_id=1dd8:1003 pds.fw_version={firmware} stream=pds-lm"
    )


def pds_rules(oldest: str | None = None) -> str:
    """Same firmware (the conservative policy), or firmware from *oldest* up to the target's own (a vendor's window)."""
    firmware = "$" if oldest is None else f"{oldest}..$"
    return _lines(
        "mc1",
        f"accept device_api=vfio-pci driver=pds_vfio_pci pci_id=1dd8:1003 pds.fw_version={firmware} stream=pds-lm",
    )


def pds_host(name: str, firmware: str, *, oldest: str | None = None) -> Host:
    """A Pensando DSC (PF 1dd8:100c on pds_core) with two Ethernet VFs (1dd8:1003) on pds_vfio_pci."""
    functions = _sriov(
        "0000:b5:00.0",
        "devices/pci0000:b0/0000:b0:02.0",
        (0x1DD8, 0x100C, 0x1DD8, 0x0000),
        "pds_core",
        (0x1DD8, 0x1003),
        "pds_vfio_pci",
        2,
    )
    for vf in functions[1:]:
        vf.version = pds_version(firmware)
        vf.rules = pds_rules(oldest)
    return Host(name, "6.12.0-55-generic", functions=functions)


# ---- virtio_vfio_pci (virtio-net) ------------------------------------------------------------------------

_VIRTIO_NET_FEATURES: Final = {
    # driver release: the features its device offers (the VFs here negotiate all of them)
    "old": ("csum", "ctrl_vq", "guest_csum", "mac", "mq", "mrg_rxbuf", "status", "version_1"),
    "new": ("csum", "ctrl_vq", "guest_csum", "mac", "mq", "mrg_rxbuf", "rss", "status", "version_1"),
}
_VIRTIO_PARTS: Final = "{dev_features,device_status,drv_features,pci_common_cfg,vq_cfg,vq_notify_cfg}"


def _members(names: Iterable[str]) -> str:
    return "{" + ",".join(sorted(names)) + "}"


def virtio_net_version(release: str, *, queue_pairs: int = 4) -> str:
    """A virtio-net VF: the features its driver negotiated, its queue pairs, the device parts its state holds."""
    return _lines(
        f"mc1 device_api=vfio-pci driver=virtio_vfio_pci features={_members(_VIRTIO_NET_FEATURES[release])}"
        f" pci_id=1af4:1041 stream=virtio-net stream_version=1.0 virtio.max_vq_pairs={queue_pairs}"
        f" virtio.parts={_VIRTIO_PARTS}"
    )


def virtio_net_rules(release: str) -> str:
    """What the device offers, written out: a source's negotiated features must be among them."""
    return _lines(
        "mc1",
        "accept device_api=vfio-pci driver=virtio_vfio_pci"
        f" features<={_members(_VIRTIO_NET_FEATURES[release])} pci_id=1af4:1041 stream=virtio-net"
        f" stream_version=1.0..$ virtio.max_vq_pairs=..$ virtio.parts<={_VIRTIO_PARTS}",
    )


def virtio_net_host(name: str, release: str) -> Host:
    """A virtio-net device (PF 1af4:1041 on virtio-pci) with two VFs on virtio_vfio_pci."""
    functions = _sriov(
        "0000:c1:00.0",
        "devices/pci0000:c0/0000:c0:01.1",
        (0x1AF4, 0x1041, 0x1AF4, 0x1041),
        "virtio-pci",
        (0x1AF4, 0x1041),
        "virtio_vfio_pci",
        2,
    )
    for vf in functions[1:]:
        vf.version = virtio_net_version(release)
        vf.rules = virtio_net_rules(release)
    return Host(name, "6.13.0-26-generic", functions=functions)


# ---- writing a tree ----------------------------------------------------------------------------------


def _write(path: str, data: str | bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as stream:
        stream.write(data.encode("ascii") if isinstance(data, str) else data)


def _link(path: str, target: str, *, relative_to_root: str | None = None) -> None:
    """A symbolic link at *path* to *target* (a path under the root, made relative)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if relative_to_root is not None:
        target = os.path.relpath(os.path.join(relative_to_root, target), os.path.dirname(path))
    os.symlink(target, path)


def _attributes(directory: str, version: str | None, rules: str | None) -> None:
    if version is not None:
        _write(os.path.join(directory, VERSION), version)
    if rules is not None:
        _write(os.path.join(directory, COMPATIBLE), rules)


def _vfio_device(root: str, directory: str, name: str) -> str:
    """The VFIO device directory *name* under the device *directory*, as VFIO core creates it; its path."""
    vfio_dir = os.path.join(directory, VFIO_DEV, name)
    _write(os.path.join(vfio_dir, "uevent"), f"MAJOR=511\nMINOR={name[4:]}\nDEVNAME=vfio/devices/{name}\n")
    _link(os.path.join(root, "class", VFIO_DEV, name), os.path.relpath(vfio_dir, root), relative_to_root=root)
    return vfio_dir


def write_tree(host: Host, root: str) -> None:
    """Write *host* as a sysfs-shaped tree under *root* (which must not exist or be empty).

    A device's attributes go in its VFIO device directory ``vfio-dev/vfioN/``
    (clause 10), or in the device directory itself for a host with
    :attr:`Host.legacy_placement`.
    """
    vfio = host.vfio_devices()
    for function in host.functions:
        directory = os.path.join(root, function.devpath)
        for name, value in (
            ("vendor", function.vendor),
            ("device", function.device),
            ("subsystem_vendor", function.subsystem_vendor),
            ("subsystem_device", function.subsystem_device),
        ):
            _write(os.path.join(directory, name), f"0x{value:04x}\n")
        driver_dir = os.path.join("bus", "pci", "drivers", function.driver)
        _write(os.path.join(root, driver_dir, "uevent"), "")
        _link(os.path.join(directory, "driver"), driver_dir, relative_to_root=root)
        _link(os.path.join(root, "bus", "pci", "devices", function.bdf), function.devpath, relative_to_root=root)
        if function.physfn is not None:
            _link(os.path.join(directory, "physfn"), f"../{function.physfn}")
        for index, vf in enumerate(function.virtfns):
            _link(os.path.join(directory, f"virtfn{index}"), f"../{vf}")
        placement = directory
        if function.bdf in vfio:
            vfio_dir = _vfio_device(root, directory, vfio[function.bdf])
            placement = directory if host.legacy_placement else vfio_dir
        _attributes(placement, function.version, function.rules)
    for parent in host.parents:
        directory = os.path.join(root, parent.devpath)
        os.makedirs(directory, exist_ok=True)
        _link(os.path.join(root, "class", "mdev_bus", parent.name), parent.devpath, relative_to_root=root)
        for entry in parent.types:
            type_dir = os.path.join(directory, "mdev_supported_types", entry.ident)
            _write(os.path.join(type_dir, "name"), entry.name + "\n")
            if entry.description:
                _write(os.path.join(type_dir, "description"), entry.description.rstrip("\n") + "\n")
            _write(os.path.join(type_dir, "device_api"), entry.device_api + "\n")
            _write(os.path.join(type_dir, "available_instances"), f"{entry.available}\n")
            _attributes(type_dir, entry.version, entry.rules)
    for mdev in host.mdevs:
        directory = os.path.join(root, mdev.parent.devpath, mdev.uuid)
        vfio_dir = _vfio_device(root, directory, vfio[mdev.uuid])
        _attributes(directory if host.legacy_placement else vfio_dir, mdev.version, mdev.rules)
        _write(os.path.join(directory, "uevent"), f"MDEV_TYPE={mdev.type_id}\n")
        _link(os.path.join(directory, "mdev_type"), f"../mdev_supported_types/{mdev.type_id}")
        _link(
            os.path.join(root, "bus", "mdev", "devices", mdev.uuid),
            os.path.join(mdev.parent.devpath, mdev.uuid),
            relative_to_root=root,
        )
        if any(entry.ident == mdev.type_id for entry in mdev.parent.types):
            type_devices = os.path.join(root, mdev.parent.devpath, "mdev_supported_types", mdev.type_id, "devices")
            _link(os.path.join(type_devices, mdev.uuid), f"../../../{mdev.uuid}")
    for path, data in host.extra.items():
        _write(os.path.join(root, path), data)
    for path, target in host.links.items():
        _link(os.path.join(root, path), target)


# ---- the same, in memory ----------------------------------------------------------------------------


def _attr(text: str | None) -> Attr | None:
    if text is None:
        return None
    data = text.encode("ascii")
    return Attr(data, data, 0o444)


def _attrs(version: str | None, rules: str | None) -> dict[str, Attr]:
    found = {VERSION: _attr(version), COMPATIBLE: _attr(rules)}
    return {name: attr for name, attr in found.items() if attr is not None}


def _instance(host: Host, vfio: dict[str, str], device: str, name: str, attributes: dict[str, Attr]) -> str:
    """The path of a device instance's placement: its VFIO device directory, or *device* for a legacy host."""
    if name not in vfio:
        return device
    if host.legacy_placement and attributes:
        return device
    return f"{device}/{VFIO_DEV}/{vfio[name]}"


def _legacy_findings(placements: list[Placement]) -> tuple[Finding, ...]:
    """The ``legacy-placement`` findings the reader reports for the placements of a legacy host."""
    return tuple(
        Finding(
            "legacy-placement",
            p.path,
            f"{' and '.join(p.attributes)} in the bus device directory: the attributes are in the 1.0 placement;"
            f" spec 1.1 clause 10 puts them in {VFIO_DEV}/vfioN/ (read here, so that their content is checked)",
            attribute=True,
        )
        for p in placements
        if p.legacy
    )


def to_host_data(host: Host, *, modes_authoritative: bool = True) -> HostData:
    """The :class:`HostData` that reading ``write_tree(host)`` on a live sysfs would give (without its extras)."""
    vfio = host.vfio_devices()
    placements: list[Placement] = []
    for parent in sorted(host.parents, key=lambda p: p.name):
        for entry in sorted(parent.types, key=lambda t: t.ident):
            props = {"name": entry.name, "device_api": entry.device_api, "available_instances": str(entry.available)}
            if entry.description:
                props["description"] = entry.description.rstrip("\n")
            placements.append(
                Placement(
                    "mdev_type",
                    entry.ident,
                    f"class/mdev_bus/{parent.name}/mdev_supported_types/{entry.ident}",
                    _attrs(entry.version, entry.rules),
                    props,
                    {"parent": parent.name},
                )
            )
    for mdev in sorted(host.mdevs, key=lambda m: m.uuid):
        parent_name = os.path.basename(mdev.parent.devpath)
        links = {"parent": parent_name, "mdev_type": mdev.type_id, "type_parent": parent_name}
        attributes = _attrs(mdev.version, mdev.rules)
        path = _instance(host, vfio, f"bus/mdev/devices/{mdev.uuid}", mdev.uuid, attributes)
        placements.append(Placement("mdev", mdev.uuid, path, attributes, {}, links))
    for function in sorted(host.functions, key=lambda f: f.bdf):
        if "vfio" not in function.driver and function.version is None and function.rules is None:
            continue
        props = {
            "vendor": f"0x{function.vendor:04x}",
            "device": f"0x{function.device:04x}",
            "subsystem_vendor": f"0x{function.subsystem_vendor:04x}",
            "subsystem_device": f"0x{function.subsystem_device:04x}",
        }
        links = {"driver": function.driver}
        if function.physfn is not None:
            links["physfn"] = function.physfn
        for index, vf in enumerate(function.virtfns):
            links[f"virtfn{index}"] = vf
        attributes = _attrs(function.version, function.rules)
        path = _instance(host, vfio, f"bus/pci/devices/{function.bdf}", function.bdf, attributes)
        placements.append(Placement("pci", function.bdf, path, attributes, props, links))
    return HostData(
        host.name,
        host.kernel,
        SAMPLE_TIME,
        SAMPLE_TOOL,
        "/sys",
        "sysfs" if modes_authoritative else "tree",
        modes_authoritative,
        tuple(placements),
        _legacy_findings(placements),
    )


# ---- the samples -------------------------------------------------------------------------------------


@dataclass
class SampleDef:
    """A bundled sample: its hosts (name, role, how it is stored) and the checks it must trip."""

    name: str
    description: str
    hosts: list[tuple[Host, str, str]]
    """(host, role "old" or "host", storage "tree" or "capture")."""
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    capture_edit: Callable[[HostData], HostData] | None = None


def _pair(name: str, description: str, old: Host, new: Host, **kwargs: object) -> SampleDef:
    return SampleDef(name, description, [(old, "old", "tree"), (new, "host", "tree")], **kwargs)  # type: ignore[arg-type]


def _single(name: str, description: str, host: Host, **kwargs: object) -> SampleDef:
    return SampleDef(name, description, [(host, "host", "tree")], **kwargs)  # type: ignore[arg-type]


def _replace_attr(host: HostData, ident: str, name: str, change: Callable[[Attr], Attr]) -> HostData:
    placements = tuple(
        dataclasses.replace(p, attributes={**p.attributes, name: change(p.attributes[name])}) if p.ident == ident else p
        for p in host.placements
    )
    return dataclasses.replace(host, placements=placements)


def _broken_samples() -> list[SampleDef]:
    """The samples that trip checks on purpose: each ``broken-*`` fails a required check, each ``warn-*`` only warns."""
    samples = []

    host = nvidia_host("t4-node-broken-parse", "16.2", profiles=("2Q",))
    bad = host.parents[0].types[0]
    # The driver prints its own version as the kernel module reports it.
    bad.version = (bad.version or "").replace(
        "nvidia.vgpu_mgr=16.2", "nvidia.driver_version=535.129.03 nvidia.vgpu_mgr=16.2"
    )
    host.mdevs[0].version = bad.version
    samples.append(
        _single("broken-parse", "NVIDIA driver writes 535.129.03 (leading zero): E1", host, failures=["MC-E1-PARSE"])
    )

    host = mtty_host("mtty-broken-canonical", "1.0")
    for entry in host.parents[0].types:
        # Fields in the driver's struct order, not sorted; and no final newline on the rules.
        entry.version = (entry.version or "").replace(
            "mc1 device_api=vfio-pci driver=mtty", "mc1 driver=mtty device_api=vfio-pci"
        )
        entry.rules = (entry.rules or "").rstrip("\n")
    samples.append(
        _single(
            "broken-canonical",
            "mtty fields out of order, rules without final LF: E2",
            host,
            failures=["MC-E2-CANONICAL"],
        )
    )

    host = mlx5_host("cx6-broken-registry", "1.1")
    for vf in host.functions[1:]:
        vf.version = _sorted_line((vf.version or "").replace("~mlx5.fw_version=", "~fw_version="))
    samples.append(
        _single(
            "broken-registry", "mlx5 VF with an undotted vendor key ~fw_version: E3", host, failures=["MC-E3-REGISTRY"]
        )
    )

    host = qat_host("qat-broken-required", "1.1")
    for vf in host.functions[1:]:
        vf.version = (vf.version or "").replace(" driver=qat_vfio_pci", "")
        vf.rules = (vf.rules or "").replace(" driver=qat_vfio_pci", "")
    samples.append(_single("broken-required", "QAT VF without the driver field: E3", host, failures=["MC-E3-REQUIRED"]))

    host = hisi_host("kunpeng-broken-sysfs", "1.1", pci_id="19e5:a255")
    samples.append(
        _single(
            "broken-sysfs", "HiSilicon VF reporting its PF's device id 19e5:a255: E3", host, failures=["MC-E3-SYSFS"]
        )
    )

    host = gvt_host("gvt-broken-instance-params", 3)
    host.mdevs[0].version = gvt_version(4, 3)
    samples.append(
        _single(
            "broken-instance-params", "GVT-g vGPU printing its type's template: E4", host, failures=["MC-E4-NO-PARAMS"]
        )
    )

    host = mlx5_host("cx6-broken-pair", "1.1")
    host.functions[2].rules = None
    samples.append(
        _single("broken-pair", "mlx5 VF without migration_compatible_devices: E5", host, failures=["MC-E5-PAIR"])
    )

    host = mlx5_host("cx6-broken-placement", "1.1")
    host.legacy_placement = True
    samples.append(
        _single(
            "broken-placement",
            "mlx5 VFs with the attributes in bus/pci/devices/<BDF>/, the placement of spec 1.0, not vfio-dev/vfioN/",
            host,
            failures=["MC-SYSFS-PLACEMENT"],
        )
    )

    host = mtty_host("mtty-broken-mode", "1.1")
    samples.append(
        SampleDef(
            "broken-mode",
            "mtty with a writable (0644) migration_compatible_devices, as a capture: E5",
            [(host, "host", "capture")],
            failures=["MC-E5-MODE"],
            capture_edit=lambda data: _replace_attr(
                data, "mtty-2", COMPATIBLE, lambda a: dataclasses.replace(a, mode=0o644)
            ),
        )
    )

    host = mlx5_host("cx6-broken-unstable", "1.1")
    first = mlx5_version("1.1", 16, "28.39.1002", features=True).replace(
        " ~mlx5.fw_version", " ~mlx5.dirty_pages=1184 ~mlx5.fw_version"
    )
    second = first.replace("dirty_pages=1184", "dirty_pages=1203")
    for vf in host.functions[1:]:
        vf.version = first
    samples.append(
        SampleDef(
            "broken-unstable",
            "mlx5 VF reporting a live counter: two reads differ (capture): E5",
            [(host, "host", "capture")],
            failures=["MC-E5-STABLE"],
            capture_edit=lambda data: _replace_attr(
                data, "0000:3b:00.1", VERSION, lambda a: dataclasses.replace(a, reread=second.encode("ascii"))
            ),
        )
    )

    host = mlx5_host("cx6-broken-self", "1.1")
    for vf in host.functions[1:]:
        vf.version = (vf.version or "").replace("~mlx5.fw_version", "mlx5.fw_version")
    samples.append(
        _single("broken-self", "mlx5 VF with a critical fw_version its rules ignore: E6", host, failures=["MC-E6-SELF"])
    )

    host = mtty_host("mtty-broken-selfref", "1.1")
    for entry in host.parents[0].types:
        entry.version = (entry.version or "").replace("mtty.ports=", "mtty.nr_ports=")
    host.mdevs[0].version = (host.mdevs[0].version or "").replace("mtty.ports=", "mtty.nr_ports=")
    samples.append(
        _single(
            "broken-selfref",
            "mtty renamed mtty.ports in the version, not in the rules' $: E7",
            host,
            failures=["MC-E7-SELFREF"],
        )
    )

    host = gvt_host("gvt-broken-template", 3)
    host.mdevs[1] = Mdev(
        host.mdevs[1].uuid,
        host.mdevs[1].parent,
        "i915-GVTg_V5_8",
        gvt_version(8, 3, 2).replace("share=1/4", "share=1/8"),
        host.mdevs[1].rules,
    )
    samples.append(
        _single(
            "broken-template",
            "GVT-g V5_8 vGPU aggregated twice reporting share=1/8: E8",
            host,
            failures=["MC-E8-TEMPLATE"],
        )
    )

    host = mlx5_host("cx6-warn-default", "1.0")
    for vf in host.functions[1:]:
        vf.version = (vf.version or "").replace(" driver=mlx5_vfio_pci ", " driver=mlx5_vfio_pci features={} ")
    samples.append(
        _single(
            "warn-default-written",
            "mlx5 VFs write features={}, the registry default, which their absence says: S2 (a warning)",
            host,
            warnings=["MC-S2-DEFAULT-WRITTEN"],
        )
    )

    host = qat_host("qat-warn-accept-all", "1.1")
    for vf in host.functions[1:]:
        vf.rules = (vf.rules or "") + "accept\n"
    samples.append(
        _single(
            "warn-accept-all",
            "QAT VF rules end with an accept line without constraints: S1 (a warning)",
            host,
            warnings=["MC-S1-ACCEPT-ALL"],
        )
    )

    host = mtty_host("mtty-warn-type-rules", "1.1")
    # The device pins its own stream version; its type, which a scheduler plans with, accepts 1.0 too.
    host.mdevs[0].rules = mtty_rules("1.1").replace("stream_version=1.0..$", "stream_version=$")
    samples.append(
        _single(
            "warn-type-rules",
            "mtty-2 device that accepts only its own stream 1.1 while its type's rules accept 1.0 too: S3 (a warning)",
            host,
            warnings=["MC-S3-TYPE-RULES"],
        )
    )

    old = mlx5_host("cx6-old", "1.0")
    new = mlx5_host("cx6-new-breaking", "1.1", queues=32, firmware="28.40.1000")
    for vf in new.functions[1:]:
        vf.rules = mlx5_rules(features=True, oldest="1.1")
    samples.append(
        _pair(
            "warn-upgrade",
            "mlx5 driver update that stops accepting stream 1.0: U1 (a breaking change, a warning)",
            old,
            new,
            warnings=["MC-U1-BREAKING"],
        )
    )

    old = nvidia_host("t4-node-16", "16.2")
    new = nvidia_host("t4-node-17-warn", "17.0", profiles=("2Q", "4Q"))
    samples.append(
        _pair(
            "warn-removed",
            "vGPU 17.0 no longer offers GRID T4-8Q: U2 (a warning)",
            old,
            new,
            warnings=["MC-U2-REMOVED"],
        )
    )

    host = mtty_host("mtty-broken-accepts-nothing", "1.1")
    host.parents[0].types[1].rules = "mc1\n"
    samples.append(
        _single(
            "broken-accepts-nothing",
            "mtty-2 type whose rules accept nothing, unlike its device's: E6 and two warnings",
            host,
            failures=["MC-E6-SELF"],
            warnings=["MC-S3-TYPE-RULES", "MC-M1-ACCEPTS-NOTHING"],
        )
    )

    host = qat_host("qat-warn-asymmetry", "1.1")
    second_card = _sriov(
        "0000:70:00.0",
        "devices/pci0000:70",
        (0x8086, 0x4940, 0x8086, 0x0000),
        "4xxx",
        (0x8086, 0x4941),
        "qat_vfio_pci",
        1,
    )
    host.functions.extend(second_card)
    host.functions[1].version = qat_version("1.1", firmware="1.2.0")
    host.functions[2].version = qat_version("1.1", firmware="1.2.0")
    host.functions[1].rules = host.functions[2].rules = qat_rules(pin_firmware=True)
    second_card[1].version = qat_version("1.1", firmware="1.3.1")
    second_card[1].rules = qat_rules()
    samples.append(
        _single(
            "warn-asymmetry",
            "two QAT cards: one pins its firmware, so it refuses the other's VFs: M2 (a warning)",
            host,
            warnings=["MC-M2-ASYMMETRY"],
        )
    )

    host = mtty_host("mtty-broken-links", "1.1")
    # A device of a type the driver no longer lists: its mdev_type link dangles.
    extra = Mdev(
        "83b8f4f2-509f-382f-3c1e-e6bfe0fa1002", host.parents[0], "mtty-4", mtty_version(1, "1.1"), mtty_rules("1.1")
    )
    host.mdevs.append(extra)
    host.links["bus/mdev/devices/0c4f7e3a-1d2b-4c5d-8e9f-a0b1c2d3e4f5"] = "0c4f7e3a-1d2b-4c5d-8e9f-a0b1c2d3e4f5"
    host.extra["devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/description"] = b"\xff\xfe serial\x00\n"
    samples.append(
        _single(
            "broken-links",
            "mtty with a dangling mdev_type link, a link loop, a binary description: SYSFS-READ and a warning",
            host,
            failures=["MC-SYSFS-READ"],
            warnings=["MC-SYSFS-TREE"],
        )
    )
    return samples


def _sorted_line(text: str) -> str:
    lines = text.split("\n")
    head, *fields = lines[0].split(" ")
    lines[0] = " ".join([head, *sorted(fields, key=lambda item: item.lstrip("~").split("=")[0])])
    return "\n".join(lines)


def _good_samples() -> list[SampleDef]:
    return [
        _pair(
            "gvt-g",
            "Intel GVT-g on a gen9 GPU (8086:591d): interface 1, then 3 with paravirtualisation modes",
            gvt_host("gvt-old", 1),
            gvt_host("gvt-new", 3),
        ),
        _pair(
            "nvidia-vgpu",
            "NVIDIA vGPU on a Tesla T4: software 16.2 then 17.0, which renumbers the types",
            nvidia_host("t4-node-16", "16.2"),
            nvidia_host("t4-node-17", "17.0"),
        ),
        _pair(
            "mlx5",
            "ConnectX VFs on mlx5_vfio_pci: stream 1.0, then 1.1 with features and more queues",
            mlx5_host("cx6-old", "1.0"),
            mlx5_host("cx6-new", "1.1", queues=32, firmware="28.40.1000"),
        ),
        _pair(
            "hisi-acc",
            "HiSilicon SEC VFs on hisi_acc_vfio_pci: stream 1.0 then 1.1",
            hisi_host("kunpeng-old", "1.0"),
            hisi_host("kunpeng-new", "1.1"),
        ),
        _pair(
            "qat",
            "QAT GEN4 VFs on qat_vfio_pci: stream 1.0 then 1.1",
            qat_host("qat-old", "1.0"),
            qat_host("qat-new", "1.1"),
        ),
        _pair(
            "mtty",
            "The kernel's mtty sample: stream 1.0 then 1.1",
            mtty_host("mtty-old", "1.0"),
            mtty_host("mtty-new", "1.1"),
        ),
        _pair(
            "xe",
            "Intel Xe SR-IOV VFs (Battlemage, 8086:e211) on xe_vfio_pci: stream 1.0, then 1.1 with a skippable KLV",
            xe_host("bmg-old", "1.0"),
            xe_host("bmg-new", "1.1"),
        ),
        _pair(
            "pds",
            "AMD/Pensando Ethernet VFs (1dd8:1003) on pds_vfio_pci: firmware 1.58.0 pinned, then 1.62.0 with a window",
            pds_host("dsc-old", "1.58.0"),
            pds_host("dsc-new", "1.62.0", oldest="1.58.0"),
        ),
        _pair(
            "virtio-net",
            "virtio-net VFs (1af4:1041) on virtio_vfio_pci: a device that then offers RSS",
            virtio_net_host("vnet-old", "old"),
            virtio_net_host("vnet-new", "new"),
        ),
    ]


def samples() -> list[SampleDef]:
    """Every bundled sample, good ones first."""
    return [*_good_samples(), *_broken_samples()]


def write_samples(directory: str, trees: str | None = None) -> list[str]:
    """(Re)write every sample: manifests and captures under *directory*, trees under *trees*.

    *trees* defaults to ``sample-trees`` beside *directory*. The captures are
    what reading each tree gives (with fixed metadata), so an installed
    migcompat, whose wheel cannot hold symbolic links, runs the samples from
    them; a source checkout reads the trees themselves.
    """
    from migcompat.capture import capture

    trees = trees or os.path.join(os.path.dirname(os.path.abspath(directory)), "sample-trees")
    names = []
    for sample in samples():
        target = os.path.join(directory, sample.name)
        tree_target = os.path.join(trees, sample.name)
        for old in (target, tree_target):
            if os.path.lexists(old):
                shutil.rmtree(old)
        os.makedirs(target)
        hosts = []
        for host, role, storage in sample.hosts:
            base = _base(role, len(sample.hosts))
            origin = f"sample:{sample.name}/{base}"
            if storage == "capture":
                data = to_host_data(host)
                if sample.capture_edit is not None:
                    data = sample.capture_edit(data)
            else:
                write_tree(host, os.path.join(tree_target, base))
                data = capture(os.path.join(tree_target, base), host=host.name)
            data = dataclasses.replace(data, kernel=host.kernel, time=SAMPLE_TIME, tool=SAMPLE_TOOL, root=origin)
            _write(os.path.join(target, base + ".json"), dumps(data))
            entry = {"name": host.name, "capture": base + ".json", "role": role, "kernel": host.kernel}
            if storage != "capture":
                entry["tree"] = base
            hosts.append(entry)
        manifest = {
            "name": sample.name,
            "description": sample.description,
            "hosts": hosts,
            "expect": {"failures": sample.failures, "warnings": sample.warnings},
        }
        _write(os.path.join(target, "sample.json"), json.dumps(manifest, indent=2) + "\n")
        names.append(sample.name)
    return names


def _base(role: str, hosts: int) -> str:
    """The name of a sample host's capture and tree: old, new, or host for a sample of one host."""
    return "old" if role == "old" else ("new" if hosts > 1 else "host")


def write_trees(trees: str) -> None:
    """Write only the samples' sysfs-shaped trees under *trees*, as :func:`write_samples` does.

    A source distribution cannot hold the trees' symbolic links (its builder
    follows them), so it leaves them out, and the tests write them from here.
    """
    for sample in samples():
        for host, role, storage in sample.hosts:
            if storage != "capture":
                write_tree(host, os.path.join(trees, sample.name, _base(role, len(sample.hosts))))


def main(argv: list[str] | None = None) -> None:
    """Regenerate the samples (the command line of this script)."""
    import argparse

    parser = argparse.ArgumentParser(
        description="Regenerate the sample fleet: manifests and captures, and the sysfs-shaped trees."
    )
    parser.add_argument(
        "directory", nargs="?", default="conformance/samples", help="where the samples go (default: %(default)s)"
    )
    parser.add_argument("trees", nargs="?", help="where the trees go (default: sample-trees beside DIRECTORY)")
    args = parser.parse_args(argv)
    for written in write_samples(args.directory, args.trees):
        print(f"{args.directory}/{written}")


if __name__ == "__main__":  # pragma: no cover
    main()
