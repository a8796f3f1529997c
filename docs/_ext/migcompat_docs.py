"""Sphinx directives of the migcompat documentation.

``.. migcompat-schemas:: DIR``
    Renders every ``*.schema.json`` file of *DIR* (a path relative to the
    document, as for ``literalinclude``) as a section: title, ``$id``, a
    download link to the file, its description, and one entry per definition
    (``$defs``) with its description, its constraints and a table of its
    members. ``$ref`` references become links, across files too. A schema
    added to the directory appears on the next build.

``.. migcompat-exports:: [PACKAGE]``
    A table of the names ``import PACKAGE`` exports (``migcompat`` by
    default; ``migcompat.sysfs``...), each linked to the page that documents
    it, with the first line of its documentation.

``.. migcompat-checks::``
    A table of the driver checks of ``migcompat conformance``
    (``migcompat.conformance.registry.CHECKS``): identifier, clause,
    severity and what each asks, in report order.

``:must:`7-M2```
    The identifier of a sentence of the specification that states a
    requirement (clause 12.4), shown as ``[7-M2]`` before the sentence and
    made a link target (``#must-7-m2``), so that a conformance case's
    citation can point at it.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.docutils import SphinxDirective

JSON = Any

# Keywords that only annotate a schema, or that the renderer shows elsewhere.
_SHOWN_ELSEWHERE = {"$schema", "$id", "$defs", "$comment", "title", "description", "properties", "required"}


class _Schemas:
    """The schemas of one directory, and how to link to their definitions."""

    def __init__(self, files: list[Path]) -> None:
        self.files = files
        self.documents = {path: json.loads(path.read_text(encoding="utf-8")) for path in files}
        self.by_id = {doc.get("$id"): path for path, doc in self.documents.items() if doc.get("$id")}

    @staticmethod
    def stem(path: Path) -> str:
        return path.name.removesuffix(".json").removesuffix(".schema")

    def anchor(self, path: Path, definition: str | None) -> str:
        name = f"schema-{self.stem(path)}"
        return name if definition is None else f"{name}-{definition}"

    def target(self, current: Path, ref: str) -> tuple[str, str] | None:
        """The anchor and the link text of *ref*, or None for a reference outside these files."""
        base, _, fragment = ref.partition("#")
        path = current if not base else self.by_id.get(base)
        if path is None:
            return None
        if not fragment:
            return self.anchor(path, None), self.stem(path)
        prefix = "/$defs/"
        if not fragment.startswith(prefix):
            return None
        name = fragment[len(prefix) :]
        shown = name if path == current else f"{self.stem(path)}: {name}"
        return self.anchor(path, name), shown


class SchemasDirective(SphinxDirective):
    """``.. migcompat-schemas:: DIR``: every JSON Schema of DIR, readably."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {"first": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        _, directory = self.env.relfn2path(self.arguments[0])
        files = sorted(Path(directory).glob("*.schema.json"))
        if not files:
            raise self.error(f"no *.schema.json file in {directory}")
        first = self.options.get("first")
        files.sort(key=lambda path: (path.name != first, path.name))
        schemas = _Schemas(files)
        for path in files:
            self.env.note_dependency(str(path))
        result: list[nodes.Node] = []
        for path in files:
            result.append(self._schema_section(schemas, path))
        return result

    # ---- one file -------------------------------------------------------------------------

    def _schema_section(self, schemas: _Schemas, path: Path) -> nodes.section:
        document = schemas.documents[path]
        section = self._section(schemas.anchor(path, None), document.get("title") or path.name)

        fields = nodes.field_list()
        download = addnodes.download_reference(
            "",
            "",
            nodes.literal(path.name, path.name),
            reftarget=self.arguments[0].rstrip("/") + "/" + path.name,
            refdoc=self.env.docname,
            refexplicit=True,
        )
        fields += _field("File", [download, nodes.Text(" (spec/schema/ in the source tree)")])
        if "$id" in document:
            fields += _field("$id", [nodes.literal(document["$id"], document["$id"])])
        if "$schema" in document:
            fields += _field("Dialect", [nodes.Text(_dialect(document["$schema"]))])
        section += fields
        if "description" in document:
            section += nodes.paragraph("", document["description"])

        definitions = document.get("$defs", {})
        root = {k: v for k, v in document.items() if k not in ("$defs", "$schema", "$id", "title", "description")}
        section += self._definition(schemas, path, None, "The document (root)", root)
        if definitions:
            index = nodes.paragraph()
            index += nodes.strong("", "Definitions: ")
            for position, name in enumerate(definitions):
                if position:
                    index += nodes.Text(", ")
                index += _link(schemas.anchor(path, name), name)
            section += index
        for name, schema in definitions.items():
            section += self._definition(schemas, path, name, name, schema)
        return section

    def _section(self, name: str, title: str) -> nodes.section:
        section = nodes.section(ids=[nodes.make_id(name)], names=[name])
        section += nodes.title(title, title)
        self.state.document.note_explicit_target(section, section)
        return section

    # ---- one definition --------------------------------------------------------------------

    def _definition(
        self, schemas: _Schemas, path: Path, name: str | None, title: str, schema: Mapping[str, JSON]
    ) -> nodes.container:
        anchor = schemas.anchor(path, name)
        box = nodes.container(classes=["schema-definition"])
        heading = nodes.rubric("", "", classes=["schema-definition-name"])
        heading += nodes.literal(title, title) if name is not None else nodes.Text(title)
        if name is not None:
            heading["ids"] = [nodes.make_id(anchor)]
            heading["names"] = [anchor]
            self.state.document.note_explicit_target(heading, heading)
        box += heading
        if name is not None and "description" in schema:
            box += nodes.paragraph("", schema["description"])
        box.extend(self._body(schemas, path, schema, "Schema: "))
        return box

    def _body(self, schemas: _Schemas, path: Path, schema: Mapping[str, JSON], label: str) -> list[nodes.Node]:
        """A schema's constraints in a sentence, its variants as a list, its members as a table."""
        result: list[nodes.Node] = []
        rest = {k: v for k, v in schema.items() if k not in _SHOWN_ELSEWHERE}
        variants = None
        for keyword, words in (("oneOf", "Exactly one of:"), ("anyOf", "Any of:")):
            options = rest.get(keyword)
            if isinstance(options, list) and any(isinstance(o, dict) and "properties" in o for o in options):
                variants = (words, rest.pop(keyword))
                break
        summary = _Describer(schemas, path).describe(rest)
        if summary:
            paragraph = nodes.paragraph()
            paragraph += nodes.emphasis("", label)
            paragraph.extend(summary)
            result.append(paragraph)
        if variants is not None:
            words, options = variants
            result.append(nodes.paragraph("", words))
            items = nodes.bullet_list()
            for option in options:
                item = nodes.list_item()
                if isinstance(option, dict):
                    if "description" in option:
                        item += nodes.paragraph("", option["description"])
                    item.extend(self._body(schemas, path, option, ""))
                else:
                    item += nodes.paragraph("", "", *_Describer(schemas, path).describe(option))
                items += item
            result.append(items)
        examples = schema.get("examples")
        if examples and any(isinstance(e, dict | list) for e in examples):
            for example in examples:
                text = json.dumps(example, indent=2)
                block = nodes.literal_block(text, text, language="json", classes=["schema-example"])
                result.append(block)
        properties = schema.get("properties")
        if properties:
            result.append(self._members_table(schemas, path, properties, set(schema.get("required", ()))))
        elif schema.get("required"):
            paragraph = nodes.paragraph()
            paragraph += nodes.emphasis("", "Required members: ")
            paragraph.extend(_literal_list(schema["required"]))
            result.append(paragraph)
        return result

    def _members_table(
        self, schemas: _Schemas, path: Path, properties: Mapping[str, JSON], required: set[str]
    ) -> nodes.table:
        describer = _Describer(schemas, path)
        table = nodes.table(classes=["schema-members"])
        group = nodes.tgroup(cols=4)
        table += group
        for width in (16, 10, 38, 36):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += _row([nodes.Text(text)] for text in ("Member", "Required", "Schema", "Description"))
        group += head
        body = nodes.tbody()
        for member, schema in properties.items():
            shown = {k: v for k, v in schema.items() if k != "description"} if isinstance(schema, dict) else schema
            body += _row(
                [
                    [nodes.literal(member, member)],
                    [nodes.Text("yes" if member in required else "no")],
                    describer.describe(shown) or [nodes.Text("any")],
                    [nodes.Text(schema.get("description", "") if isinstance(schema, dict) else "")],
                ]
            )
        group += body
        return table


class _Describer:
    """Turns a schema (without its description) into one readable phrase of inline nodes."""

    def __init__(self, schemas: _Schemas, path: Path) -> None:
        self.schemas = schemas
        self.path = path

    def describe(self, schema: JSON) -> list[nodes.Node]:
        if schema is True:
            return [nodes.Text("anything")]
        if schema is False:
            return [nodes.Text("nothing")]
        if not isinstance(schema, dict):
            return [_json_literal(schema)]
        parts: list[list[nodes.Node]] = []
        rest = dict(schema)
        rest.pop("description", None)
        rest.pop("$comment", None)
        if "$ref" in rest:
            parts.append(self.ref(rest.pop("$ref")))
        if "const" in rest:
            parts.append([nodes.Text("the constant "), _json_literal(rest.pop("const"))])
        if "enum" in rest:
            parts.append([nodes.Text("one of "), *_literal_list(rest.pop("enum"), as_json=True)])
        if "type" in rest:
            kinds = rest.pop("type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            parts.append([nodes.Text(" or ".join(kinds))])
        if "items" in rest:
            parts.append([nodes.Text("each item "), *self.describe(rest.pop("items"))])
        counts = _counts(rest)
        if counts:
            parts.append([nodes.Text(counts)])
        if "pattern" in rest:
            parts.append([nodes.Text("matching "), nodes.literal("", rest.pop("pattern"))])
        if "propertyNames" in rest:
            parts.append([nodes.Text("member names: "), *self.describe(rest.pop("propertyNames"))])
        extra = rest.pop("additionalProperties", None)
        if isinstance(extra, dict):
            parts.append([nodes.Text("member values: "), *self.describe(extra)])
        closed = extra is False or rest.pop("unevaluatedProperties", None) is False
        for keyword, word in (("anyOf", "any of"), ("oneOf", "exactly one of")):
            if keyword in rest:
                options = [self.describe(option) for option in rest.pop(keyword)]
                parts.append([nodes.Text(f"{word}: "), *_joined(options, "; ")])
        if "allOf" in rest:
            parts.append(self.all_of(rest.pop("allOf")))
        examples = rest.pop("examples", None)
        if examples and all(not isinstance(e, dict | list) for e in examples):
            parts.append([nodes.Text("for example "), *_literal_list(examples, as_json=True)])
        elif examples:
            count = len(examples)
            parts.append([nodes.Text(f"{count} example{'' if count == 1 else 's'} below")])
        if "minimum" in rest:
            parts.append([nodes.Text(f"at least {rest.pop('minimum')}")])
        if "maximum" in rest:
            parts.append([nodes.Text(f"at most {rest.pop('maximum')}")])
        if "dependentRequired" in rest:
            pairs = rest.pop("dependentRequired")
            items = [[nodes.literal("", k), nodes.Text(" requires "), *_literal_list(v)] for k, v in pairs.items()]
            parts.append(_joined(items, "; "))
        if "required" in rest:
            parts.append([nodes.Text("requires "), *_literal_list(rest.pop("required"))])
        if "properties" in rest:
            members: list[list[nodes.Node]] = []
            for member, sub in rest.pop("properties").items():
                described = self.describe({k: v for k, v in sub.items() if k != "description"}) if sub else []
                members.append(
                    [
                        nodes.literal(member, member),
                        *([nodes.Text(" ("), *described, nodes.Text(")")] if described else []),
                    ]
                )
            parts.append([nodes.Text("with "), *_joined(members, ", ")])
        if "if" in rest:
            parts.append(self.conditional(rest.pop("if"), rest.pop("then", None), rest.pop("else", None)))
        for keyword in list(rest):
            # Whatever has no phrase (if/then/else, not, contains, ...) is shown as JSON.
            parts.append([nodes.literal("", json.dumps({keyword: rest.pop(keyword)}, separators=(", ", ": ")))])
        if closed:
            parts.append([nodes.Text("no other members")])
        return _joined(parts, "; ")

    def conditional(self, condition: JSON, then: JSON, otherwise: JSON) -> list[nodes.Node]:
        """``if``/``then``/``else``: "if ``x`` is ...: ...; otherwise: ...", or "unless it is null: ..."."""
        if then is None and otherwise is not None:
            return [nodes.Text("unless "), *self.condition(condition), nodes.Text(": "), *self.describe(otherwise)]
        phrase: list[nodes.Node] = [nodes.Text("if "), *self.condition(condition)]
        if then is not None:
            phrase += [nodes.Text(": "), *self.describe(then)]
        if otherwise is not None:
            phrase += [nodes.Text("; otherwise: "), *self.describe(otherwise)]
        return phrase

    def condition(self, condition: JSON) -> list[nodes.Node]:
        if isinstance(condition, dict) and set(condition) == {"type"}:
            return [nodes.Text(f"it is {condition['type']}")]
        if isinstance(condition, dict) and set(condition) <= {"properties", "required"}:
            tests: list[list[nodes.Node]] = []
            for member, test in condition.get("properties", {}).items():
                if isinstance(test, dict) and set(test) == {"const"}:
                    tests.append([nodes.literal(member, member), nodes.Text(" is "), _json_literal(test["const"])])
                elif isinstance(test, dict) and set(test) == {"type"}:
                    tests.append([nodes.literal(member, member), nodes.Text(f" is {test['type']}")])
                else:
                    tests.append([nodes.literal(member, member), nodes.Text(" is "), *self.describe(test)])
            if tests:
                return _joined(tests, " and ")
        return [_json_literal(condition)]

    def ref(self, ref: str) -> list[nodes.Node]:
        found = self.schemas.target(self.path, ref)
        if found is None:
            return [nodes.literal(ref, ref)]
        anchor, shown = found
        return [_link(anchor, shown)]

    def all_of(self, schemas: Iterable[JSON]) -> list[nodes.Node]:
        """Discriminated choices (``if`` a member is a constant ``then`` a schema) read as a table of cases."""
        cases: list[list[nodes.Node]] = []
        others: list[list[nodes.Node]] = []
        for schema in schemas:
            case = _discriminator(schema)
            if case is None:
                others.append(self.describe(schema))
            else:
                member, value, then = case
                cases.append([nodes.literal("", member), nodes.Text(" = "), _json_literal(value), nodes.Text(": ")])
                cases[-1].extend(self.describe(then))
        phrases: list[list[nodes.Node]] = []
        if cases:
            phrases.append([nodes.Text("depending on a member: "), *_joined(cases, "; ")])
        if others:
            phrases.append([nodes.Text("all of: "), *_joined(others, " and ")])
        return _joined(phrases, "; ")


def _discriminator(schema: JSON) -> tuple[str, JSON, JSON] | None:
    if not isinstance(schema, dict) or set(schema) != {"if", "then"}:
        return None
    condition = schema["if"]
    properties = condition.get("properties", {}) if isinstance(condition, dict) else {}
    if len(properties) != 1:
        return None
    ((member, test),) = properties.items()
    if not isinstance(test, dict) or set(test) != {"const"}:
        return None
    return member, test["const"], schema["then"]


def _counts(schema: dict[str, JSON]) -> str:
    words = []
    units = (("Length", "character"), ("Items", "item"), ("Properties", "member"))
    for bound, word in (("min", "at least"), ("max", "at most")):
        for suffix, unit in units:
            if bound + suffix in schema:
                count = schema.pop(bound + suffix)
                words.append(f"{word} {count} {unit}{'' if count == 1 else 's'}")
    if schema.pop("uniqueItems", False):
        words.append("no item twice")
    return ", ".join(words)


def _dialect(uri: str) -> str:
    return "JSON Schema draft 2020-12" if "2020-12" in uri else uri


def _json_literal(value: JSON) -> nodes.literal:
    text = json.dumps(value)
    return nodes.literal(text, text)


def _literal_list(values: Iterable[JSON], *, as_json: bool = False) -> list[nodes.Node]:
    items: list[list[nodes.Node]] = []
    for value in values:
        items.append([_json_literal(value) if as_json else nodes.literal(str(value), str(value))])
    return _joined(items, ", ")


def _joined(parts: Iterable[list[nodes.Node]], separator: str) -> list[nodes.Node]:
    result: list[nodes.Node] = []
    for index, part in enumerate(parts):
        if index:
            result.append(nodes.Text(separator))
        result.extend(part)
    return result


def _link(anchor: str, text: str) -> nodes.reference:
    reference = nodes.reference("", "", internal=True, refid=nodes.make_id(anchor))
    reference += nodes.literal(text, text)
    return reference


def _field(name: str, body: list[nodes.Node]) -> nodes.field:
    field = nodes.field()
    field += nodes.field_name(name, name)
    paragraph = nodes.paragraph()
    paragraph.extend(body)
    field += nodes.field_body("", paragraph)
    return field


def _row(cells: Iterable[Iterable[nodes.Node]]) -> nodes.row:
    row = nodes.row()
    for content in cells:
        entry = nodes.entry()
        paragraph = nodes.paragraph()
        paragraph.extend(content)
        entry += paragraph
        row += entry
    return row


# ---- the names `import migcompat` exports ------------------------------------------------------


class ExportsDirective(SphinxDirective):
    """``.. migcompat-exports:: [PACKAGE]``: a table of ``PACKAGE.__all__`` linked to the reference."""

    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        package = importlib.import_module(self.arguments[0] if self.arguments else "migcompat")
        table = nodes.table(classes=["migcompat-exports"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (22, 26, 52):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += _row([nodes.Text(text)] for text in ("Name", "Documented as", "What it is"))
        group += head
        body = nodes.tbody()
        for name in package.__all__:
            if name.startswith("__"):
                continue
            module = _defining_module(package, name)
            target = f"{module}.{name}"
            xref = addnodes.pending_xref(
                "", refdomain="py", reftype="obj", reftarget=target, refexplicit=True, refwarn=True
            )
            xref += nodes.literal(target, target)
            body += _row([[nodes.literal(name, name)], [xref], [nodes.Text(_summary(module, name))]])
        group += body
        return [table]


def _defining_module(package: Any, name: str) -> str:
    obj = getattr(package, name)
    if inspect.isclass(obj) or inspect.isfunction(obj):
        return str(obj.__module__)
    for module_name in _data_modules(package):
        module = importlib.import_module(module_name)
        documented = ModuleAnalyzer.for_module(module.__name__).find_attr_docs()
        if getattr(module, name, None) is obj and ("", name) in documented:
            return module.__name__
    raise LookupError(f"cannot tell where {package.__name__}.{name} is defined (has it a docstring?)")


def _data_modules(package: Any) -> list[str]:
    """The modules that may define a constant or a type alias *package* exports."""
    top = [f"migcompat.{submodule}" for submodule in ("model", "errors", "limits", "parse", "emit", "jsonmodel")]
    if package.__name__ == "migcompat":
        return top
    # A subpackage's own modules (those its __init__ imported from), then the package's (a version in limits).
    prefix = package.__name__ + "."
    own = sorted(
        value.__name__
        for value in vars(package).values()
        if inspect.ismodule(value) and value.__name__.startswith(prefix)
    )
    return own + top


def _summary(module: str, name: str) -> str:
    obj = getattr(importlib.import_module(module), name)
    doc = inspect.getdoc(obj) if (inspect.isclass(obj) or inspect.isfunction(obj)) else None
    if not doc:
        lines = ModuleAnalyzer.for_module(module).find_attr_docs().get(("", name), [])
        doc = "\n".join(lines)
    first = doc.strip().split("\n\n")[0].replace("\n", " ") if doc else ""
    return _plain(first)


def _plain(text: str) -> str:
    """reST inline markup reduced to its text (``:class:`~x.Y``` -> ``Y``)."""
    text = re.sub(r":[a-z:]+:`~?(?:[^`<]*<)?([^`>]+)>?`", lambda m: m.group(1).rsplit(".", 1)[-1], text)
    text = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"\1", text)
    return text.replace("``", "")


# ---- the driver checks ---------------------------------------------------------------------------


class ChecksDirective(SphinxDirective):
    """``.. migcompat-checks::``: every driver check of the registry, as a table."""

    def run(self) -> list[nodes.Node]:
        registry = importlib.import_module("migcompat.conformance.registry")
        self.env.note_dependency(str(Path(registry.__file__ or "").resolve()))
        table = nodes.table(classes=["migcompat-checks"])
        group = nodes.tgroup(cols=4)
        table += group
        for width in (22, 16, 12, 50):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += _row([nodes.Text(text)] for text in ("Check", "Clause", "Severity", "What it asks"))
        group += head
        body = nodes.tbody()
        for check in registry.CHECKS.values():
            body += _row(
                [
                    [nodes.literal(check.ident, check.ident)],
                    [nodes.Text(check.clause)],
                    [nodes.Text(check.severity)],
                    [nodes.strong(check.title, check.title), nodes.Text(". " + check.requirement)],
                ]
            )
        group += body
        return [table]


# ---- references to re-exported names ---------------------------------------------------------


def resolve_reexport(
    app: Sphinx, env: Any, node: addnodes.pending_xref, contnode: nodes.TextElement
) -> nodes.reference | None:
    """Resolve a Python reference the way Python resolves the name.

    ``migcompat.from_json`` is documented where it is defined,
    ``migcompat.jsonmodel.from_json``; a docstring that says ``:class:`Problem```
    in a module that imports ``Problem`` means the imported class. Both are
    looked up by importing and retried under the object's canonical name.
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    module_name = node.get("py:module") or ""
    if not (target.startswith("migcompat") or module_name.startswith("migcompat")):
        return None
    obj = _lookup(target, module_name)
    canonical = _canonical_name(obj)
    if canonical is None or canonical == target:
        return None
    domain = env.get_domain("py")
    return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], canonical, node, contnode)


def _lookup(target: str, module_name: str) -> Any:
    """The object *target* names, from the top level or from inside *module_name*."""
    starts = [""] if target.startswith("migcompat") else [module_name]
    for start in starts:
        parts = target.split(".")
        try:
            if start:
                obj: Any = importlib.import_module(start)
            else:
                obj = importlib.import_module(parts[0])
                parts = parts[1:]
            for part in parts:
                obj = getattr(obj, part)
        except (ImportError, AttributeError):
            continue
        return obj
    return None


def _canonical_name(obj: Any) -> str | None:
    if obj is None:
        return None
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismethod(obj)) or not module:
        return None
    return f"{module}.{qualname}"


# ---- dataclass signatures -----------------------------------------------------------------------


def dataclass_signature(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, signature: str | None, return_annotation: str | None
) -> tuple[str | None, str | None] | None:
    """Show a dataclass field's ``default_factory`` as a call (``=dict()``) instead of ``=<factory>``.

    A lambda has no name to call, so its field shows ``=...``.

    ``<factory>`` is not Python, so Sphinx cannot parse the signature and
    leaves every annotation in it unlinked.
    """
    if what != "class" or not signature or "<factory>" not in signature or not dataclasses.is_dataclass(obj):
        return None
    for field in dataclasses.fields(obj):
        if field.default_factory is not dataclasses.MISSING:
            factory = getattr(field.default_factory, "__name__", "factory")
            shown = "..." if not factory.isidentifier() else f"{factory}()"
            signature = signature.replace("<factory>", shown, 1)
    return signature, return_annotation


# ---- the specification's own table of contents ----------------------------------------------------

# furo marks a ``.. contents::`` topic as an error unless it carries this class.
_FURO_CONTENTS_CLASS = "this-will-duplicate-information-and-it-is-still-useful-here"


def keep_local_contents(app: Sphinx, doctree: nodes.document) -> None:
    """Keep the specification's list of clauses (``.. contents:: Clauses``) under furo.

    The specification is written to be read on its own too, so it has its own
    table of contents; furo would print an error box over it.
    """
    for topic in doctree.findall(nodes.topic):
        if "contents" in topic["classes"] and _FURO_CONTENTS_CLASS not in topic["classes"]:
            topic["classes"].append(_FURO_CONTENTS_CLASS)


def drop_type_docstrings(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """An undocumented constant shows its name and value, not the docstring of ``int`` or ``str``."""
    if what in ("data", "attribute") and lines and not inspect.isclass(obj) and not callable(obj):
        own = inspect.getdoc(type(obj)) or ""
        if "\n".join(lines).strip() == own.strip():
            lines.clear()


# ---- CLI help is plain text ------------------------------------------------------------------------

_INLINE_MARKUP = re.compile(r"([*`|\\])")
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=\W|$)")
_OPTION = re.compile(r"(?<![\w`-])(--?[A-Za-z][\w-]*)")


def _plain_text(line: str) -> str:
    """*line* with reST inline markup escaped, and command-line options as literals."""
    line = _INLINE_MARKUP.sub(r"\\\1", line)
    line = _TRAILING_UNDERSCORE.sub(r"\\_", line)
    # Typographic dashes would turn "--format" into an en dash and "format".
    return _OPTION.sub(r"``\1``", line)


def click_help_as_text(app: Sphinx, ctx: Any, lines: list[str]) -> None:
    """Show the commands' help as the terminal shows it.

    sphinx-click parses help text as reST, but migcompat's help is written for
    a terminal: ``broken-*`` or ``[FILE ...|-]`` would be read as the start of
    emphasis or of a substitution. So prose is escaped, options become
    literals, and a block that Click keeps as it is (after a ``\\b`` line:
    examples, the exit-status table), which sphinx-click makes a line block,
    becomes a literal block. Directive and field lines that sphinx-click
    generates (``.. option::``, ``:default:``) are kept.
    """
    result: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith("| "):
            result += [f"{indent}.. code-block:: text", f"{indent}   :class: cli-help", ""]
            while index < len(lines) and lines[index].startswith(indent + "| "):
                result.append(f"{indent}   {lines[index][len(indent) + 2 :]}")
                index += 1
            result.append("")
            continue
        if stripped and not stripped.startswith((".. ", ":")):
            line = indent + _plain_text(stripped)
        result.append(line)
        index += 1
    lines[:] = result


def exit_table_once(app: Sphinx, ctx: Any, lines: list[str]) -> None:
    """Show the shared exit-status table once, in ``migcompat``'s own entry.

    Every command's epilog repeats the table (``migcompat COMMAND --help`` is
    read alone); on the reference page each command's entry links to the
    :ref:`exit status page <cli-exit-codes>` instead and keeps only what is
    its own (the ``For COMMAND:`` lines).
    """
    from sphinx_click.ext import _format_help

    from migcompat.cli.exitcodes import EXIT_STATUS_HELP

    if ctx.parent is None and ctx.command.name == "migcompat":
        return
    shared = list(_format_help(EXIT_STATUS_HELP))
    while shared and not shared[-1]:
        shared.pop()
    for start in range(len(lines) - len(shared) + 1):
        if lines[start : start + len(shared)] == shared:
            lines[start : start + len(shared)] = [
                ":ref:`Exit status <cli-exit-codes>`: the same for every command (0 yes, 1 no, 2 usage, 3 no answer)."
            ]
            return


def drop_sourceless_modules(app: Sphinx) -> list[tuple[str, dict[str, Any], str]]:
    """Keep modules without a source page out of viewcode's module index.

    viewcode records a module it found no source for (``builtins``, for a name
    documented through a re-export) as ``False`` and writes no page for it, but
    its ``_modules/index.html`` still links to one: a broken link. Runs before
    viewcode's own ``html-collect-pages`` handler and adds no page.
    """
    modules = getattr(app.env, "_viewcode_modules", {})
    for name in [name for name, entry in modules.items() if not entry]:
        del modules[name]
    return []


def must_role(
    name: str, rawtext: str, text: str, lineno: int, inliner: Any, options: Any = None, content: Any = None
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``:must:`7-M2```: the requirement's identifier as ``[7-M2]``, a link target ``must-7-m2``."""
    ident = text.strip()
    if not re.fullmatch(r"\d+(?:\.\d+)*-M[1-9][0-9]*", ident):
        message = inliner.reporter.error(f"not a requirement identifier such as 7-M2: {ident!r}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    target = "must-" + ident.lower().replace(".", "-")
    node = nodes.inline(rawtext, f"[{ident}]", classes=["mc-must"], ids=[target])
    return [node], []


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx_click")
    app.setup_extension("sphinx.ext.viewcode")
    app.connect("html-collect-pages", drop_sourceless_modules, priority=400)
    app.connect("sphinx-click-process-epilog", exit_table_once, priority=400)
    for event in ("description", "options", "arguments", "epilog"):
        app.connect(f"sphinx-click-process-{event}", click_help_as_text)
    app.connect("autodoc-process-docstring", drop_type_docstrings)
    app.connect("doctree-read", keep_local_contents)
    app.add_directive("migcompat-schemas", SchemasDirective)
    app.add_directive("migcompat-exports", ExportsDirective)
    app.add_directive("migcompat-checks", ChecksDirective)
    app.add_role("must", must_role)
    app.connect("missing-reference", resolve_reexport)
    app.connect("autodoc-process-signature", dataclass_signature)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
