"""Fleet decisions: many hosts' devices and types, and the sources they accept.

* :mod:`.inventory` -- the providers (device instances and device types) of
  a set of captures, read with the conformance suite's own pairing;
* :mod:`.classes` -- source classes: sources whose canonical text is equal,
  named by a stable digest;
* :mod:`.index` -- :class:`~migcompat.fleet.index.FleetIndex`, which answers
  "which providers accept this source?" from rule sets deduplicated by their
  canonical text and an index on the exact-match keys;
* :mod:`.matrix` -- which class can migrate to which, for the terminal, JSON
  and a standalone HTML page;
* :mod:`.diff` -- what a driver update changed: sources it stopped or
  started accepting, descriptions it emits differently.

Nothing here is imported by ``import migcompat``; import the module you need.
"""
