"""The fast path (placeholder until it is written: accepts nothing)."""

from __future__ import annotations

from .model import CompatibleDevices, MigrationVersion


def parse_version(text: str | bytes) -> MigrationVersion | None:
    return None


def parse_compatible(text: str | bytes) -> CompatibleDevices | None:
    return None
