"""The semantic core: what every constraint, rule and rule set means (clause 8).

Every other module that needs to know what a constraint means asks this
package; none decides it on its own.

* :mod:`.values` -- value equality (order-equivalence) and order;
* :mod:`.constraints` -- ``$`` resolution and the truth of one constraint on one
  value (clause 8.1), with the reason when it is false;
* :mod:`.rules` -- the source value of a key (defaults, clause 8.3), the target's
  own values (clause 8.4), criticality (clause 8.2) and the one rule
  evaluator, in its three modes: yes/no, counted, explained;
* :mod:`.compiled` -- a rule set compiled once into an evaluator that decides a
  source in time proportional to the number of keys, not of rules;
* :mod:`.templates` -- the verdict against a device type, decided per parameter
  (clause 8.5), never per combination;
* :mod:`.compiled_type` -- a rule set compiled once against a device type, for
  the answer alone.

Truth values are ``True``, ``False`` and ``None`` (undecided). The package
imports nothing itself: import the module you need, so that the parser, which
uses :mod:`.values`, does not load the comparator.
"""
