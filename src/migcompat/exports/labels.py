"""Kubernetes label keys and values: the published syntax, checked before anything is emitted.

The rules are those of the Kubernetes documentation, "Labels and Selectors",
"Syntax and character set", and of the API machinery's validators
(``IsQualifiedName``, ``IsDNS1123Subdomain``, ``IsValidLabelValue``):

* a key is an optional *prefix* and a *name* separated by ``/``;
* the name is at most 63 characters, begins and ends with an alphanumeric
  character (``[a-z0-9A-Z]``) and has dashes, underscores, dots and
  alphanumerics between;
* the prefix, when given, is a DNS subdomain: dot-separated DNS labels of
  lower-case alphanumerics and dashes, each beginning and ending with an
  alphanumeric, at most 253 characters in all;
* a value is empty or at most 63 characters of the name's alphabet, with the
  same rule for its first and last characters.

:func:`label_problem` says what is wrong with a key or value, :func:`check_label`
raises an :class:`~migcompat.exports.errors.ExportError` with code
``export-invalid-name``.
"""

from __future__ import annotations

import re
from typing import Final

from .errors import ExportError

__all__ = [
    "MAX_NAME",
    "MAX_PREFIX",
    "MAX_VALUE",
    "check_label",
    "dns_subdomain_problem",
    "key_problem",
    "label_problem",
    "value_problem",
]

MAX_NAME: Final = 63
"""The longest name part of a label key."""
MAX_PREFIX: Final = 253
"""The longest prefix of a label key (a DNS subdomain)."""
MAX_VALUE: Final = 63
"""The longest label value."""

_NAME: Final = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\Z")
_DNS_LABEL: Final = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")


def dns_subdomain_problem(text: str) -> str | None:
    """Why *text* is not a DNS subdomain (RFC 1123, as Kubernetes checks it), or None when it is one."""
    if not text:
        return "is empty"
    if len(text) > MAX_PREFIX:
        return f"is {len(text)} characters long, more than {MAX_PREFIX}"
    for part in text.split("."):
        if not _DNS_LABEL.match(part):
            return (
                "must be lower-case alphanumeric characters, '-' or '.', and start and end with an alphanumeric"
                " character between dots"
            )
    return None


def _name_problem(text: str, limit: int, what: str) -> str | None:
    if len(text) > limit:
        return f"{what} is {len(text)} characters long, more than {limit}"
    if not _NAME.match(text):
        return (
            f"{what} must be alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character"
        )
    return None


def key_problem(key: str) -> str | None:
    """Why *key* is not a valid label key, or None when it is valid."""
    prefix, slash, name = key.rpartition("/")
    if slash:
        if "/" in prefix:
            return "a key has at most one '/'"
        problem = dns_subdomain_problem(prefix)
        if problem is not None:
            return f"the prefix {problem}"
    if not name:
        return "the name part is empty"
    return _name_problem(name, MAX_NAME, "the name part")


def value_problem(value: str) -> str | None:
    """Why *value* is not a valid label value, or None when it is valid (the empty value is)."""
    if value == "":
        return None
    return _name_problem(value, MAX_VALUE, "the value")


def label_problem(key: str, value: str) -> str | None:
    """Why the label *key* = *value* breaks Kubernetes' rules, or None when it keeps them."""
    problem = key_problem(key)
    if problem is not None:
        return f"label key {key!r}: {problem}"
    problem = value_problem(value)
    if problem is not None:
        return f"label value {value!r} of {key!r}: {problem}"
    return None


def check_label(key: str, value: str) -> None:
    """Raise ``export-invalid-name`` unless *key* = *value* is a valid Kubernetes label."""
    problem = label_problem(key, value)
    if problem is not None:
        raise ExportError("export-invalid-name", problem, where=key)
