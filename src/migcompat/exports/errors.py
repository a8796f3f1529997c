"""The errors of the scheduler exports, each with a stable code (:data:`migcompat.errors.LIBRARY_ERROR_CODES`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ..errors import MigcompatError

if TYPE_CHECKING:
    from .placement_client import PushReport

SPLIT_THE_FLEET: Final = (
    "split the fleet into parts between which no VM migrates (by driver, or by zone) and export each on its own"
    " (the schedulers guide, 'Bounded work', says how for each scheduler), or use 'migcompat match' for one source"
)
"""What an error about an export too large for its bounds advises."""

__all__ = ["SPLIT_THE_FLEET", "ExportError"]


class ExportError(MigcompatError):
    """An export that cannot be made, read or pushed.

    Its *code* is one of:

    * ``export-invalid-name`` -- a trait, label or object name outside the
      scheduler's rules (Placement's ``^CUSTOM_[A-Z0-9_]+$`` and 255
      characters, Kubernetes' label and DNS rules); *where* is the name. Also
      a capture (or a provider) with an empty host name, which names no node:
      *where* is then the capture file (or ``HOST:PATH``);
    * ``export-collision`` -- two different classes (or providers) would get
      the same trait or label name; *where* is the name. Also two captures
      naming one host, whose devices would be merged into one node: *where*
      is then the host;
    * ``export-unknown-class`` -- a source whose class was not known when the
      export was made: a new export, or an online ``migcompat match``, is needed;
      *where* is the source;
    * ``export-mapping-invalid`` -- a mapping file (or a UUID map) that cannot
      be read or is not one migcompat wrote (a member missing, of the wrong
      type, given twice or referring to a class or a set the mapping does not
      list: the message names it, as ``accept_sets[3][1]``), or a mapping too
      large for the queries to read; *where* is the file (and a JSON Pointer);
    * ``export-ambiguous-provider`` -- several migcompat providers map to one
      scheduler resource provider, whose acceptance would then be a guess;
      *where* is the resource provider;
    * ``export-stale-traits`` -- resource providers that are not the
      export's carry migcompat traits an earlier export gave them (a host
      gone from the inventory, a type no longer enabled), which would stay in
      force; raised by a push asked to refuse them, before any write; *where*
      is the first one's UUID;
    * ``too-complex`` -- a Kubernetes node that would carry more labels than
      NFD can record on it; *where* is the node;
    * ``placement-failed`` -- the Placement service could not be reached or
      refused a request; *where* is the request. Raised part-way through
      :func:`~migcompat.exports.placement_client.push`, once writing has
      begun, it carries *report*: what the push applied before it. An
      ``export-stale-traits`` error of a push carries one too, with nothing
      applied, listing every resource provider it refused
      (:attr:`~migcompat.exports.placement_client.PushReport.outside`).
    """

    report: PushReport | None = None
    """What a push applied before the request that failed (a ``placement-failed`` error of
    :func:`~migcompat.exports.placement_client.push` once it has begun writing), or what it found before it refused
    to write (its ``export-stale-traits`` error); None otherwise."""
    in_doubt: bool = False
    """A write request (``PUT``, ``POST``, ``DELETE``) that was sent, or may have been, and got no answer (a timeout,
    a connection dropped): the service may have applied it; *where* names it."""
