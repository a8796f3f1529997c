/* SPDX-License-Identifier: MIT */
/*
 * migcompat_accel: an optional accelerator for migcompat's Python parser.
 *
 * It parses an attribute with libmigcompat's parser (c/lib) and builds from
 * the parsed struct mc_attr the very model objects of migcompat.model that
 * the pure-Python parser builds: the same classes, the same attribute
 * dictionaries and slots, mappings in written order, interned keys and short
 * tokens. For any input it does not accept it returns None, and the caller
 * (migcompat.parse) runs the pure-Python parser, which raises the
 * authoritative ParseError; so this module raises no parse errors of its own
 * (only MemoryError, or TypeError for a wrong number of arguments).
 *
 * Contract of parse_version(text) and parse_compatible(text):
 *  - text is a str or bytes; any other type, and a str that is not ASCII,
 *    gives None (the pure-Python parser judges them);
 *  - a valid attribute gives the model, equal (==) to the pure-Python
 *    parser's, with its mappings in the same order; an invalid one gives None;
 *  - time is linear in the input (libmigcompat's parse, then one pass over
 *    the parsed items, each group reordered in O(n log n)); memory is one
 *    struct mc_attr (about 105 KiB, allocated on the module object's first
 *    parse and kept until it is freed) and the model.
 *
 * The GIL is held throughout (on a free-threaded build the module asks for
 * the GIL). A parse can be re-entered while it builds its objects (a garbage
 * collection may run a finaliser that parses); the re-entrant call then uses
 * a buffer of its own.
 *
 * Initialisation is multi-phase (PEP 489): importing makes a module object
 * and runs its exec slot, which imports migcompat.model and keeps its
 * classes, the interned attribute names and the parse buffer in that module
 * object's state (struct accel), released by m_clear and m_free. Nothing is
 * global or static but constants, so each module object -- one per
 * interpreter, subinterpreters with their own GIL included (Python 3.12+),
 * or one more that importlib makes -- has its own, and importlib.reload()
 * leaves a loaded module as it is.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <stdlib.h>
#include <string.h>

#if PY_VERSION_HEX >= 0x030C0000
#define MEMBER_OBJECT_EX Py_T_OBJECT_EX
#define MEMBER_READONLY Py_READONLY
#else
#define MEMBER_OBJECT_EX T_OBJECT_EX
#define MEMBER_READONLY READONLY
#endif

#ifndef MIGCOMPAT_ACCEL_VERSION
#define MIGCOMPAT_ACCEL_VERSION "0+unknown"
#endif

#include "internal.h"
#include "migcompat.h"

/* ---- the module's state: the model classes, fetched from migcompat.model by the exec slot ------ */

/* The objects of migcompat.model the builders use: the member of struct accel, and its name there. */
#define MODEL_OBJECTS(X)                                                                                      \
	X(cls_version, "Version")                                                                             \
	X(cls_ratio, "Ratio")                                                                                 \
	X(cls_frozenmap, "FrozenMap")                                                                         \
	X(cls_field, "Field")                                                                                 \
	X(cls_param, "Param")                                                                                 \
	X(cls_migration_version, "MigrationVersion")                                                          \
	X(cls_compatible_devices, "CompatibleDevices")                                                        \
	X(cls_rule, "Rule")                                                                                   \
	X(cls_equals, "Equals")                                                                               \
	X(cls_range, "Range")                                                                                 \
	X(cls_subset, "Subset")                                                                               \
	X(cls_superset, "Superset")                                                                           \
	X(obj_any, "ANY")                                                                                     \
	X(obj_self, "SELF")

/* The attribute names the builders set, interned: member s_NAME holds "NAME". */
#define ATTRIBUTE_NAMES(X)                                                                                    \
	X(value) X(critical) X(name) X(fields) X(params) X(alternatives) X(low) X(high) X(operand) X(constraints) \
	X(rules) X(defaults)

struct accel {
#define DECLARE_OBJECT(member, name) PyObject *member;
#define DECLARE_NAME(name) PyObject *s_##name;
	MODEL_OBJECTS(DECLARE_OBJECT)
	ATTRIBUTE_NAMES(DECLARE_NAME)
#undef DECLARE_OBJECT
#undef DECLARE_NAME
	PyObject *self_prefix[MC_MAX_SELF_PREFIX + 1]; /* SelfPrefix(1) .. SelfPrefix(7); immutable, shared */
	PyObject *empty_tuple;
	/* Byte offsets of the slots of the __slots__ classes (Version.parts, Ratio.numerator, ...). */
	Py_ssize_t off_parts, off_numerator, off_denominator, off_data;
	/* Tokens and set members up to this many bytes are interned, as migcompat._values.interned does. */
	Py_ssize_t intern_limit;
	/* The parse buffer, allocated on the first parse (PyMem); busy while a parse reads it. */
	struct mc_attr *attr;
	int busy;
	/* Set last by the exec slot: the state is complete (a failed exec leaves 0). */
	int ready;
};

/* A new instance of a model class, as object.__new__(cls) makes it. */
static PyObject *new_instance(const struct accel *st, PyObject *cls)
{
	return PyBaseObject_Type.tp_new((PyTypeObject *)cls, st->empty_tuple, NULL);
}

/*
 * Set attribute name of a new instance to value, bypassing the class's
 * __setattr__ (which forbids it) as the model's own constructors do, and
 * stealing the reference to value. Returns -1 with an exception on failure
 * (value released).
 */
static int set_attr(PyObject *obj, PyObject *name, PyObject *value)
{
	int rc;

	if (!value)
		return -1;
	rc = PyObject_GenericSetAttr(obj, name, value);
	Py_DECREF(value);
	return rc;
}

/* Store value (stolen) in the slot at offset of a new instance. */
static void set_slot(PyObject *obj, Py_ssize_t offset, PyObject *value)
{
	PyObject **slot = (PyObject **)((char *)obj + offset);

	Py_XSETREF(*slot, value);
}

/* ---- values ------------------------------------------------------------------------------------------ */

/* An ASCII str of len bytes, interned when interning is asked for (keys, short tokens and members). */
static PyObject *ascii_str(const char *text, size_t len, int intern)
{
	PyObject *s = PyUnicode_New((Py_ssize_t)len, 127);

	if (!s)
		return NULL;
	memcpy(PyUnicode_1BYTE_DATA(s), text, len);
	if (intern)
		PyUnicode_InternInPlace(&s);
	return s;
}

static PyObject *token(const struct accel *st, const char *text, size_t len)
{
	return ascii_str(text, len, (Py_ssize_t)len <= st->intern_limit);
}

/* A new FrozenMap over dict (stolen), as migcompat.model._adopt makes it. */
static PyObject *frozen_map(const struct accel *st, PyObject *dict)
{
	PyObject *map;

	if (!dict)
		return NULL;
	map = new_instance(st, st->cls_frozenmap);
	if (!map) {
		Py_DECREF(dict);
		return NULL;
	}
	set_slot(map, st->off_data, dict);
	return map;
}

static PyObject *version_value(const struct accel *st, const char *t, size_t len)
{
	PyObject *parts, *version;
	Py_ssize_t count = 1, index = 0;
	size_t i, start = 0;

	for (i = 0; i < len; i++)
		count += t[i] == '.';
	parts = PyTuple_New(count);
	if (!parts)
		return NULL;
	for (i = 0; i <= len; i++) {
		if (i == len || t[i] == '.') {
			PyObject *part = PyLong_FromUnsignedLongLong(mc_parse_u64(t + start, i - start));

			if (!part) {
				Py_DECREF(parts);
				return NULL;
			}
			PyTuple_SET_ITEM(parts, index++, part);
			start = i + 1;
		}
	}
	version = new_instance(st, st->cls_version);
	if (!version) {
		Py_DECREF(parts);
		return NULL;
	}
	set_slot(version, st->off_parts, parts);
	return version;
}

static PyObject *ratio_value(const struct accel *st, const struct mc_attr *a, const struct mc_value *v)
{
	uint64_t numerator, denominator;
	PyObject *ratio, *top, *bottom;

	mc_ratio(a, v, &numerator, &denominator);
	top = PyLong_FromUnsignedLongLong(numerator);
	bottom = top ? PyLong_FromUnsignedLongLong(denominator) : NULL;
	ratio = bottom ? new_instance(st, st->cls_ratio) : NULL;
	if (!ratio) {
		Py_XDECREF(top);
		Py_XDECREF(bottom);
		return NULL;
	}
	set_slot(ratio, st->off_numerator, top);
	set_slot(ratio, st->off_denominator, bottom);
	return ratio;
}

static PyObject *set_value(const struct accel *st, const struct mc_attr *a, const struct mc_value *v)
{
	PyObject *set = PyFrozenSet_New(NULL);
	uint16_t i;

	if (!set)
		return NULL;
	for (i = 0; i < v->count; i++) {
		const struct mc_span *m = &a->members[v->first + i];
		PyObject *member = token(st, a->text + m->off, m->len);
		int rc;

		if (!member) {
			Py_DECREF(set);
			return NULL;
		}
		rc = PySet_Add(set, member); /* a brand-new frozenset may be filled so */
		Py_DECREF(member);
		if (rc) {
			Py_DECREF(set);
			return NULL;
		}
	}
	return set;
}

/* The Python value of a parsed value (clause 5.3): str, int, Version, Ratio or frozenset of str. */
static PyObject *value(const struct accel *st, const struct mc_attr *a, const struct mc_value *v)
{
	const char *t = a->text + v->off;

	switch (v->type) {
	case MC_TOKEN:
		return token(st, t, v->len);
	case MC_INTEGER:
		return PyLong_FromUnsignedLongLong(mc_parse_u64(t, v->len));
	case MC_VERSION:
		return version_value(st, t, v->len);
	case MC_RATIO:
		return ratio_value(st, a, v);
	case MC_SET:
		return set_value(st, a, v);
	default:
		PyErr_SetString(PyExc_SystemError, "migcompat_accel: a value of unknown type");
		return NULL;
	}
}

static PyObject *key(const struct mc_attr *a, const struct mc_span *k)
{
	return ascii_str(a->text + k->off, k->len, 1);
}

/* ---- written order ---------------------------------------------------------------------------------- */

/*
 * libmigcompat sorts the items of a line by key; the Python model keeps them
 * in written order. order[0 .. n) receives the indices 0 .. n-1 of the items
 * whose key offsets are offsets(i), sorted by those offsets (they are
 * distinct): already in order for a canonical attribute, else O(n log n).
 */
struct order_ctx {
	const void *base;
	size_t stride; /* bytes between items; the key span is their first member */
};

static uint16_t offset_at(const struct order_ctx *c, uint16_t i)
{
	const struct mc_span *k = (const struct mc_span *)(const void *)((const char *)c->base + i * c->stride);

	return k->off;
}

static int cmp_offset(const void *x, const void *y, const void *ctx)
{
	uint16_t i = offset_at(ctx, *(const uint16_t *)x), j = offset_at(ctx, *(const uint16_t *)y);

	return (i > j) - (i < j);
}

static void written_order(uint16_t *order, const void *base, size_t stride, uint16_t n)
{
	struct order_ctx c = { base, stride };
	int sorted = 1;
	uint16_t i;

	for (i = 0; i < n; i++) {
		order[i] = i;
		if (i && offset_at(&c, i) < offset_at(&c, (uint16_t)(i - 1)))
			sorted = 0;
	}
	if (!sorted)
		mc_sort(order, n, sizeof(*order), cmp_offset, &c);
}

/* ---- migration_version --------------------------------------------------------------------------- */

static PyObject *field_object(const struct accel *st, const struct mc_attr *a, const struct mc_value *v,
			     uint8_t critical)
{
	PyObject *field = new_instance(st, st->cls_field);

	if (!field)
		return NULL;
	if (set_attr(field, st->s_value, value(st, a, v)) ||
	    set_attr(field, st->s_critical, PyBool_FromLong(critical))) {
		Py_DECREF(field);
		return NULL;
	}
	return field;
}

/* {key: Field} of fields[first .. first + n), in written order; values only (defaults) when bare. */
static PyObject *field_dict(const struct accel *st, const struct mc_attr *a, uint16_t first, uint16_t n, int bare)
{
	uint16_t order[MC_CAP_FIELDS];
	PyObject *dict = PyDict_New();
	uint16_t i;

	if (!dict)
		return NULL;
	written_order(order, &a->fields[first], sizeof(struct mc_field), n);
	for (i = 0; i < n; i++) {
		const struct mc_field *f = &a->fields[first + order[i]];
		PyObject *k = key(a, &f->key);
		PyObject *v = k ? (bare ? value(st, a, &f->value) : field_object(st, a, &f->value, f->critical)) : NULL;
		int rc = v ? PyDict_SetItem(dict, k, v) : -1;

		Py_XDECREF(k);
		Py_XDECREF(v);
		if (rc) {
			Py_DECREF(dict);
			return NULL;
		}
	}
	return dict;
}

static PyObject *param_object(const struct accel *st, const struct mc_attr *a, const struct mc_param *p)
{
	PyObject *param = new_instance(st, st->cls_param);

	if (!param)
		return NULL;
	if (set_attr(param, st->s_name, key(a, &p->name)) || set_attr(param, st->s_value, value(st, a, &p->value)) ||
	    set_attr(param, st->s_critical, PyBool_FromLong(p->critical)) ||
	    set_attr(param, st->s_fields, frozen_map(st, field_dict(st, a, p->first, p->count, 0)))) {
		Py_DECREF(param);
		return NULL;
	}
	return param;
}

static PyObject *version_model(const struct accel *st, const struct mc_attr *a)
{
	PyObject *model, *params;
	uint16_t i;

	params = PyTuple_New(a->nparams);
	if (!params)
		return NULL;
	for (i = 0; i < a->nparams; i++) {
		PyObject *param = param_object(st, a, &a->params[i]);

		if (!param) {
			Py_DECREF(params);
			return NULL;
		}
		PyTuple_SET_ITEM(params, i, param);
	}
	model = new_instance(st, st->cls_migration_version);
	if (!model) {
		Py_DECREF(params);
		return NULL;
	}
	/* set_attr() takes the reference to params even when it fails; a || that stopped before it did not. */
	if (set_attr(model, st->s_fields, frozen_map(st, field_dict(st, a, 0, a->nfixed, 0)))) {
		Py_DECREF(params);
		Py_DECREF(model);
		return NULL;
	}
	if (set_attr(model, st->s_params, params)) {
		Py_DECREF(model);
		return NULL;
	}
	return model;
}

/* ---- migration_compatible_devices ---------------------------------------------------------------- */

static PyObject *new_ref(PyObject *obj)
{
	Py_INCREF(obj);
	return obj;
}

/* A range end: None (open), a value, SELF or SelfPrefix(N). */
static PyObject *bound(const struct accel *st, const struct mc_attr *a, const struct mc_bound *b)
{
	switch (b->kind) {
	case MC_BOUND_VALUE:
		return value(st, a, &b->value);
	case MC_BOUND_SELF:
		return new_ref(st->obj_self);
	case MC_BOUND_PREFIX:
		return new_ref(st->self_prefix[b->prefix]);
	default:
		return new_ref(Py_None);
	}
}

static PyObject *alternative(const struct accel *st, const struct mc_attr *a, const struct mc_alternative *alt)
{
	PyObject *range;

	switch (alt->kind) {
	case MC_ALT_VALUE:
		return value(st, a, &alt->low.value);
	case MC_ALT_SELF:
		return new_ref(st->obj_self);
	case MC_ALT_PREFIX:
		return new_ref(st->self_prefix[alt->prefix]);
	default:
		break;
	}
	range = new_instance(st, st->cls_range);
	if (!range)
		return NULL;
	if (set_attr(range, st->s_low, bound(st, a, &alt->low)) ||
	    set_attr(range, st->s_high, bound(st, a, &alt->high))) {
		Py_DECREF(range);
		return NULL;
	}
	return range;
}

static PyObject *constraint(const struct accel *st, const struct mc_attr *a, const struct mc_constraint *c)
{
	PyObject *obj, *operand;
	uint16_t i;

	if (c->op == MC_ANY)
		return new_ref(st->obj_any);
	if (c->op == MC_SUBSET || c->op == MC_SUPERSET) {
		obj = new_instance(st, c->op == MC_SUBSET ? st->cls_subset : st->cls_superset);
		if (!obj)
			return NULL;
		operand = alternative(st, a, &a->alternatives[c->first]);
		if (set_attr(obj, st->s_operand, operand)) {
			Py_DECREF(obj);
			return NULL;
		}
		return obj;
	}
	operand = PyTuple_New(c->count);
	if (!operand)
		return NULL;
	for (i = 0; i < c->count; i++) {
		PyObject *alt = alternative(st, a, &a->alternatives[c->first + i]);

		if (!alt) {
			Py_DECREF(operand);
			return NULL;
		}
		PyTuple_SET_ITEM(operand, i, alt);
	}
	obj = new_instance(st, st->cls_equals);
	if (!obj) {
		Py_DECREF(operand);
		return NULL;
	}
	if (set_attr(obj, st->s_alternatives, operand)) {
		Py_DECREF(obj);
		return NULL;
	}
	return obj;
}

static PyObject *rule_object(const struct accel *st, const struct mc_attr *a, const struct mc_rule *r)
{
	uint16_t order[MC_CAP_CONSTRAINTS];
	PyObject *dict = PyDict_New(), *rule;
	uint16_t i;

	if (!dict)
		return NULL;
	written_order(order, &a->constraints[r->first], sizeof(struct mc_constraint), r->count);
	for (i = 0; i < r->count; i++) {
		const struct mc_constraint *c = &a->constraints[r->first + order[i]];
		PyObject *k = key(a, &c->key);
		PyObject *v = k ? constraint(st, a, c) : NULL;
		int rc = v ? PyDict_SetItem(dict, k, v) : -1;

		Py_XDECREF(k);
		Py_XDECREF(v);
		if (rc) {
			Py_DECREF(dict);
			return NULL;
		}
	}
	rule = new_instance(st, st->cls_rule);
	if (!rule) {
		Py_DECREF(dict);
		return NULL;
	}
	if (set_attr(rule, st->s_constraints, frozen_map(st, dict))) {
		Py_DECREF(rule);
		return NULL;
	}
	return rule;
}

static PyObject *compatible_model(const struct accel *st, const struct mc_attr *a)
{
	PyObject *model, *rules;
	uint16_t i;

	rules = PyTuple_New(a->nrules);
	if (!rules)
		return NULL;
	for (i = 0; i < a->nrules; i++) {
		PyObject *rule = rule_object(st, a, &a->rules[i]);

		if (!rule) {
			Py_DECREF(rules);
			return NULL;
		}
		PyTuple_SET_ITEM(rules, i, rule);
	}
	model = new_instance(st, st->cls_compatible_devices);
	if (!model) {
		Py_DECREF(rules);
		return NULL;
	}
	if (set_attr(model, st->s_rules, rules) ||
	    set_attr(model, st->s_defaults, frozen_map(st, field_dict(st, a, 0, a->ndefaults, 1)))) {
		Py_DECREF(model);
		return NULL;
	}
	return model;
}

/* ---- the entry points --------------------------------------------------------------------------------- */

static PyObject *parse(PyObject *module, PyObject *text, enum mc_kind kind)
{
	struct accel *st = PyModule_GetState(module);
	struct mc_attr *attr;
	const char *bytes;
	Py_ssize_t len;
	PyObject *result;
	int own;

	if (PyBytes_Check(text)) {
		bytes = PyBytes_AS_STRING(text);
		len = PyBytes_GET_SIZE(text);
	} else if (PyUnicode_Check(text)) {
#if PY_VERSION_HEX < 0x030C0000
		if (PyUnicode_READY(text))
			return NULL; /* a legacy string of the Py_UNICODE API, made compact first */
#endif
		if (!PyUnicode_IS_ASCII(text))
			Py_RETURN_NONE; /* judged as UTF-8 bytes by the pure-Python parser: non-ascii */
		bytes = PyUnicode_AsUTF8AndSize(text, &len);
		if (!bytes)
			return NULL;
	} else {
		Py_RETURN_NONE;
	}
	if (len > MC_MAX_ATTRIBUTE)
		Py_RETURN_NONE; /* too long: the pure-Python parser says where */
	if (!st || !st->ready) {
		PyErr_SetString(PyExc_SystemError, "migcompat_accel: the module was not initialised");
		return NULL;
	}
	if (!st->attr) {
		st->attr = PyMem_Malloc(sizeof(*st->attr)); /* kept for every later call, freed by m_free */
		if (!st->attr)
			return PyErr_NoMemory();
	}
	own = st->busy;
	if (own) {
		attr = PyMem_Malloc(sizeof(*attr)); /* a parse re-entered while building its objects */
		if (!attr)
			return PyErr_NoMemory();
	} else {
		attr = st->attr;
		st->busy = 1;
	}
	if (mc_parse(attr, kind, bytes, (size_t)len, NULL)) {
		result = Py_None;
		Py_INCREF(result);
	} else {
		result = kind == MC_MIGRATION_VERSION ? version_model(st, attr) : compatible_model(st, attr);
	}
	if (own)
		PyMem_Free(attr);
	else
		st->busy = 0;
	return result;
}

static PyObject *accel_parse_version(PyObject *module, PyObject *text)
{
	return parse(module, text, MC_MIGRATION_VERSION);
}

static PyObject *accel_parse_compatible(PyObject *module, PyObject *text)
{
	return parse(module, text, MC_COMPATIBLE_DEVICES);
}

PyDoc_STRVAR(parse_version_doc, "parse_version(text, /)\n--\n\n"
				"The model of a valid migration_version (str or bytes), or None for anything else:\n"
				"the caller then runs the pure-Python parser, which raises the ParseError.");
PyDoc_STRVAR(parse_compatible_doc, "parse_compatible(text, /)\n--\n\n"
				   "The model of a valid migration_compatible_devices (str or bytes), or None\n"
				   "for anything else: the caller then runs the pure-Python parser.");

static PyMethodDef methods[] = {
	{ "parse_version", accel_parse_version, METH_O, parse_version_doc },
	{ "parse_compatible", accel_parse_compatible, METH_O, parse_compatible_doc },
	{ NULL, NULL, 0, NULL },
};

/* ---- module initialisation (PEP 489) and the state's lifetime --------------------------------- */

/* The byte offset of the __slots__ member name of class cls. */
static int slot_offset(PyObject *cls, const char *name, Py_ssize_t *offset)
{
	PyObject *descr = PyObject_GetAttrString(cls, name);
	int rc = -1;

	if (!descr)
		return -1;
	if (Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
		PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;

		if (member->type == MEMBER_OBJECT_EX && !(member->flags & MEMBER_READONLY)) {
			*offset = member->offset;
			rc = 0;
		}
	}
	if (rc)
		PyErr_Format(PyExc_ImportError, "migcompat_accel: %R.%s is not a writable slot", cls, name);
	Py_DECREF(descr);
	return rc;
}

/* Fill *st from migcompat.model; an ImportError when it is not as expected. On failure st holds what was
 * fetched so far, which m_clear and m_free release. */
static int load_model(struct accel *st)
{
	PyObject *model = PyImport_ImportModule("migcompat.model");
	PyObject *values = model ? PyImport_ImportModule("migcompat._values") : NULL;
	PyObject *limit = values ? PyObject_GetAttrString(values, "INTERN_LIMIT") : NULL;
	PyObject *prefix_cls = NULL;
	int rc = -1, i;

	if (!limit)
		goto out;
	st->intern_limit = PyLong_AsSsize_t(limit);
	if (st->intern_limit == -1 && PyErr_Occurred())
		goto out;
#define FETCH(member, name)                                                                                   \
	if (!(st->member = PyObject_GetAttrString(model, name)))                                              \
		goto out;
	MODEL_OBJECTS(FETCH)
#undef FETCH
	prefix_cls = PyObject_GetAttrString(model, "SelfPrefix");
	if (!prefix_cls)
		goto out;
	if (slot_offset(st->cls_version, "parts", &st->off_parts) ||
	    slot_offset(st->cls_ratio, "numerator", &st->off_numerator) ||
	    slot_offset(st->cls_ratio, "denominator", &st->off_denominator) ||
	    slot_offset(st->cls_frozenmap, "_data", &st->off_data))
		goto out;
	for (i = 1; i <= MC_MAX_SELF_PREFIX; i++) {
		st->self_prefix[i] = PyObject_CallFunction(prefix_cls, "i", i);
		if (!st->self_prefix[i])
			goto out;
	}
#define INTERN(name)                                                                                          \
	if (!(st->s_##name = PyUnicode_InternFromString(#name)))                                              \
		goto out;
	ATTRIBUTE_NAMES(INTERN)
#undef INTERN
	st->empty_tuple = PyTuple_New(0);
	rc = st->empty_tuple ? 0 : -1;
out:
	if (rc && PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_ImportError)) {
		PyObject *type, *val, *tb;

		PyErr_Fetch(&type, &val, &tb);
		PyErr_Format(PyExc_ImportError, "migcompat_accel: migcompat.model is not the model it was written for");
		Py_XDECREF(type);
		Py_XDECREF(val);
		Py_XDECREF(tb);
	}
	Py_XDECREF(prefix_cls);
	Py_XDECREF(limit);
	Py_XDECREF(values);
	Py_XDECREF(model);
	return rc;
}

/* Py_mod_exec: the state, then the module's constants. importlib.reload() does not run it again (a module
 * whose state exists is left as it is), so it runs once per module object. */
static int accel_exec(PyObject *module)
{
	struct accel *st = PyModule_GetState(module);

	if (!st)
		return -1;
	if (load_model(st))
		return -1;
	if (PyModule_AddStringConstant(module, "SPEC_VERSION", MC_SPEC_VERSION) ||
	    PyModule_AddStringConstant(module, "__version__", MIGCOMPAT_ACCEL_VERSION))
		return -1;
	st->ready = 1;
	return 0;
}

static int accel_traverse(PyObject *module, visitproc visit, void *arg)
{
	struct accel *st = PyModule_GetState(module);
	int i;

	if (!st)
		return 0;
#define VISIT_OBJECT(member, name) Py_VISIT(st->member);
#define VISIT_NAME(name) Py_VISIT(st->s_##name);
	MODEL_OBJECTS(VISIT_OBJECT)
	ATTRIBUTE_NAMES(VISIT_NAME)
#undef VISIT_OBJECT
#undef VISIT_NAME
	for (i = 1; i <= MC_MAX_SELF_PREFIX; i++)
		Py_VISIT(st->self_prefix[i]);
	Py_VISIT(st->empty_tuple);
	return 0;
}

/* Drop the references; the module is unusable afterwards (parse says so rather than crash). */
static int accel_clear(PyObject *module)
{
	struct accel *st = PyModule_GetState(module);
	int i;

	if (!st)
		return 0;
	st->ready = 0;
#define CLEAR_OBJECT(member, name) Py_CLEAR(st->member);
#define CLEAR_NAME(name) Py_CLEAR(st->s_##name);
	MODEL_OBJECTS(CLEAR_OBJECT)
	ATTRIBUTE_NAMES(CLEAR_NAME)
#undef CLEAR_OBJECT
#undef CLEAR_NAME
	for (i = 1; i <= MC_MAX_SELF_PREFIX; i++)
		Py_CLEAR(st->self_prefix[i]);
	Py_CLEAR(st->empty_tuple);
	return 0;
}

static void accel_free(void *module)
{
	struct accel *st = PyModule_GetState((PyObject *)module);

	accel_clear((PyObject *)module);
	if (st && st->attr && !st->busy) {
		PyMem_Free(st->attr);
		st->attr = NULL;
	}
}

PyDoc_STRVAR(module_doc, "An optional accelerator for migcompat's parser: libmigcompat's C parser building\n"
			 "migcompat.model objects. migcompat.parse uses it when it is importable and\n"
			 "MIGCOMPAT_NO_ACCEL is not set; the pure-Python parser stays the reference.");

static PyModuleDef_Slot slots[] = {
	{ Py_mod_exec, (void *)accel_exec },
#ifdef Py_mod_multiple_interpreters /* 3.12: no global state, no static types: one module per interpreter */
	{ Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED },
#endif
#ifdef Py_mod_gil /* 3.13: the parse buffer and its busy flag rely on the GIL */
	{ Py_mod_gil, Py_MOD_GIL_USED },
#endif
	{ 0, NULL },
};

static struct PyModuleDef module_def = {
	PyModuleDef_HEAD_INIT,
	.m_name = "migcompat_accel",
	.m_doc = module_doc,
	.m_size = sizeof(struct accel),
	.m_methods = methods,
	.m_slots = slots,
	.m_traverse = accel_traverse,
	.m_clear = accel_clear,
	.m_free = accel_free,
};

PyMODINIT_FUNC PyInit_migcompat_accel(void);

PyMODINIT_FUNC PyInit_migcompat_accel(void)
{
	return PyModuleDef_Init(&module_def);
}
