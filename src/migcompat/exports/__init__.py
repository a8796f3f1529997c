"""Exports to the schedulers that run fleets: OpenStack Placement traits and Kubernetes node labels.

migcompat does not schedule; Nova (through Placement) and Kubernetes (through
node labels, for KubeVirt) already match at scale. These modules turn a
fleet's inventory into what they match on:

* :mod:`.table` -- the source classes known at export time and, per provider,
  which of them it accepts (the one fact both exports write down);
* :mod:`.placement` -- ``CUSTOM_MIGCOMPAT_*`` traits, the trait-to-class
  mapping and a source's ``required=`` query;
* :mod:`.placement_client` -- pushing the traits to a Placement service;
* :mod:`.kubernetes` -- ``device-class``/``device-migration`` node labels as
  Node Feature Discovery ``NodeFeature`` objects, and a source's node affinity;
* :mod:`.labels` -- Kubernetes' label syntax, checked;
* :mod:`.mapping` -- reading an export's mapping back for a query;
* :mod:`.errors` -- :class:`~migcompat.exports.errors.ExportError` and its codes.

Both exports are necessary and sufficient for the classes known at export
time: a provider is marked as accepting a class exactly when
:func:`migcompat.compare.check` says it does. A source of a class not seen
then needs a new export or an online ``migcompat match``. Nothing here is
imported by ``import migcompat``.
"""

from typing import Final

__all__ = ["DEFAULT_PARALLEL", "MAX_PARALLEL"]

DEFAULT_PARALLEL: Final = 4
"""How many requests a push to Placement has in flight at once unless told otherwise
(:func:`~migcompat.exports.placement_client.push`). Kept here, where the command line reads it without importing
the client."""
MAX_PARALLEL: Final = 64
"""The most requests a push to Placement has in flight at once."""
