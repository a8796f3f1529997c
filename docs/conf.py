"""Sphinx configuration of the migcompat documentation site.

Build it with ``sphinx-build -W -n docs docs/_build/html`` (``.ci/run`` does,
with ``--keep-going``); ``tests/test_docs.py`` builds it too, runs its doctests
and executes or compiles every other code example.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

# ---- The specification: rendered from spec/, never copied ---------------------------------
#
# Sphinx reads sources from docs/ only, and the specification lives in spec/ at the top of
# the tree, where its own relative paths point: spec/migcompat.rst literalincludes
# ``../grammar/migcompat.lark`` and downloads ``schema/data-model.schema.json``, and
# spec/abi.rst literalincludes ``abi/sysfs-devices-vfio-dev`` and ``abi/sysfs-bus-vfio-mdev``.
#
# docs/spec is a symbolic link to ../spec, committed in git. Sphinx follows it when it looks
# for sources (os.walk(followlinks=True)), so the four spec documents are ordinary documents
# of this site (spec/index, spec/migcompat, spec/abi, spec/changelog) and their labels
# (clause-8, abi, changelog, ...) resolve like any other. Relative paths in them resolve as
# they do in spec/ itself, because Sphinx resolves a path named in a document with
# Path.resolve(), which follows the link first: "../grammar/migcompat.lark" named in
# docs/spec/migcompat.rst is ROOT/grammar/migcompat.lark.
#
# The alternative, a docs page per spec document with ``.. include:: ../../spec/X.rst``,
# does not work without editing spec/: Sphinx resolves literalinclude and download paths in
# an included file relative to the *including* document, so the grammar, the ABI file and
# the schema would not be found. An sdist leaves the link out (its builder follows links), so
# a build from one makes it here; a checkout without symbolic links (git config
# core.symlinks=false) gets a one-line text file instead, which the check below reports.
_SPEC_LINK = DOCS / "spec"
if not os.path.lexists(_SPEC_LINK) and (DOCS.parent / "spec" / "index.rst").is_file():
    os.symlink("../spec", _SPEC_LINK)
if not (_SPEC_LINK.is_symlink() and (_SPEC_LINK / "index.rst").is_file()):
    raise RuntimeError(
        "docs/spec must be a symbolic link to ../spec (git checks it out as one on Linux; "
        "recreate it with: ln -sfn ../spec docs/spec)"
    )

import migcompat  # noqa: E402  (after the path set-up above)

project = "migcompat"
author = "The migcompat developers"
copyright = "2026, The migcompat developers"
version = migcompat.__version__
release = migcompat.__version__
# JSON keys and shell words in the command help (sphinx-click) must stay straight quotes, as typed.
smartquotes = False

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "sphinx_click",
    "sphinx_copybutton",
    "migcompat_docs",
]

root_doc = "index"
exclude_patterns = ["_build", "examples", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

# Every reference must resolve: -n (nitpicky) is on whether or not it is given.
nitpicky = True
# No intersphinx (the build runs without network access), so the standard library's names
# that appear in signatures and type annotations are not documented here. Only those.
nitpick_ignore = [
    ("py:class", name)
    for name in (
        "collections.abc.Callable",
        "collections.abc.Collection",
        "collections.abc.Hashable",
        "fractions.Fraction",
        "rich.text.Text",
        "xml.etree.ElementTree.Element",
        "collections.abc.Iterable",
        "collections.abc.Mapping",
        "collections.abc.Iterator",
        "collections.abc.ItemsView",
        "collections.abc.KeysView",
        "collections.abc.Sequence",
        "collections.abc.ValuesView",
        "dataclasses.field",
        "datetime.datetime",
        "datetime.timedelta",
        "enum.Enum",
        "enum.IntEnum",
        "Exception",
        "frozenset",
        "pathlib.Path",
        "os.PathLike",
        "os.stat_result",
        "str",
        "int",
        "bool",
        "dict",
        "tuple",
        "object",
        "typing.Any",
        "typing.Final",
        "typing.Literal",
    )
] + [("py:func", "json.load"), ("py:func", "json.loads")]
# The type variables of the generic migcompat.model.FrozenMap are private and undocumented.
nitpick_ignore_regex = [(r"py:(class|obj)", r"migcompat\.model\._[A-Z]")]
# Type aliases of migcompat.semantics.values, documented there, as they appear in signatures.
nitpick_ignore += [("py:class", "Ordered"), ("py:class", "OrderKey")]

# ---- HTML -----------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"migcompat {release}"
html_short_title = "migcompat"
html_static_path = ["_static"]
html_css_files = ["migcompat.css"]
# Inert unless the URL has ?layoutcheck: tests/test_docs_browser.py uses it to find cut text.
html_js_files = ["layoutcheck.js"]
html_theme_options = {"navigation_with_keys": True}
html_show_sourcelink = False
pygments_style = "sphinx"
pygments_dark_style = "monokai"

# ---- manual page ----------------------------------------------------------------------------
# `sphinx-build -b man docs OUT` writes OUT/migcompat.1 from the CLI reference alone.
man_pages = [
    ("reference/cli", "migcompat", "decide before a live migration which VFIO device accepts which", [author], 1),
    (
        "reference/c-api",
        "libmigcompat",
        "parse and check migcompat VFIO live-migration compatibility attributes in C",
        [author],
        3,
    ),
]
man_show_urls = False

# ---- autodoc --------------------------------------------------------------------------------
autodoc_default_options = {
    "members": True,
    "member-order": "bysource",
    "show-inheritance": True,
}
autodoc_typehints = "signature"
autodoc_preserve_defaults = False
# Keep the model's type aliases as names (and links) in signatures instead of expanding them.
_unused_aliases = {
    name: f"migcompat.model.{name}" for name in ("Value", "Bound", "Alternative", "Constraint", "ValueType")
}
add_module_names = False

# ---- doctest --------------------------------------------------------------------------------
# The guides' examples read a captured sysfs tree, built from the bundled examples/ files by
# docs/examples/fake_sysfs.py; on a host the same code reads /sys.
doctest_global_setup = f"""
import sys as _sys
_sys.path.insert(0, {str(DOCS / "examples")!r})
from fake_sysfs import EXAMPLES, make_sysfs
"""
doctest_test_doctest_blocks = "default"

# ---- copy buttons: copy commands, not prompts or output -------------------------------------
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_exclude = ".linenos, .gp, .go"
autodoc_typehints_format = "fully-qualified"
