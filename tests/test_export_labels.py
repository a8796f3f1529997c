"""The Kubernetes label validator, against the rules' own examples.

The key cases are the Kubernetes API machinery's own tests of
``IsQualifiedName`` (k8s.io/apimachinery/pkg/util/validation); the value
cases those of ``IsValidLabelValue``; and the examples of the documentation
page "Labels and Selectors" (``environment: production``,
``app.kubernetes.io/name``, ``kubernetes.io/os``).
"""

from __future__ import annotations

import pytest

from migcompat.exports.errors import ExportError
from migcompat.exports.kubernetes import LabelScheme
from migcompat.exports.labels import check_label, key_problem, value_problem

GOOD_KEYS = [
    "simple",
    "now-with-dashes",
    "1-starts-with-num",
    "1234",
    "simple/simple",
    "now-with-dashes/simple",
    "now-with-dashes/now-with-dashes",
    "now.with.dots/simple",
    "now-with.dashes-and.dots/simple",
    "1-num.2-num/3-num",
    "1234/5678",
    "1.2.3.4/5678",
    "Uppercase_Is_OK_123",
    "example.com/Uppercase_Is_OK_123",
    "requests.storage-foo",
    "a" * 63,
    "a" * 253 + "/" + "b" * 63,
    # the documentation's examples
    "environment",
    "app.kubernetes.io/name",
    "kubernetes.io/os",
    "cpu-model-migration.node.kubevirt.io/Skylake",
]
BAD_KEYS = [
    "nospecialchars%^=@",
    "cantendwithadash-",
    "-cantstartwithadash-",
    "only/one/slash",
    "Example.com/abc",
    "example_com/abc",
    "example.com/",
    "/simple",
    "a" * 64,
    "a" * 254 + "/abc",
]
GOOD_VALUES = ["", "simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "a" * 63, "production"]
BAD_VALUES = [
    "nospecialchars%^=@",
    "Tama-nui-te-r\u0101.is.M\u0101ori.sun",
    "\\backslashes\\are\\bad",
    "-starts-with-dash",
    "ends-with-dash-",
    ".starts.with.dot",
    "ends.with.dot.",
    "a" * 64,
]


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_good_keys(key: str) -> None:
    assert key_problem(key) is None


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys(key: str) -> None:
    assert key_problem(key) is not None
    with pytest.raises(ExportError) as raised:
        check_label(key, "true")
    assert raised.value.code == "export-invalid-name"


@pytest.mark.parametrize("value", GOOD_VALUES)
def test_good_values(value: str) -> None:
    assert value_problem(value) is None


@pytest.mark.parametrize("value", BAD_VALUES)
def test_bad_values(value: str) -> None:
    assert value_problem(value) is not None


def test_the_export_labels_keep_the_rules() -> None:
    scheme = LabelScheme()
    ident = "0123456789ABCDEF0123456789ABCDEF"
    assert scheme.has(ident) == f"device-class.node.migcompat.io/{ident}"
    assert scheme.accepts(ident) == f"device-migration.node.migcompat.io/{ident}"
    assert key_problem(scheme.accepts(ident)) is None


@pytest.mark.parametrize("prefix", ["Example.com", "under_score.io", "-x.io", "a" * 240 + ".io"])
def test_a_prefix_outside_dns_is_refused(prefix: str) -> None:
    with pytest.raises(ExportError) as raised:
        LabelScheme(prefix)
    assert raised.value.code == "export-invalid-name"


def test_a_class_id_too_long_for_a_label_name_is_refused() -> None:
    with pytest.raises(ExportError) as raised:
        LabelScheme().accepts("A" * 64)
    assert raised.value.code == "export-invalid-name"
