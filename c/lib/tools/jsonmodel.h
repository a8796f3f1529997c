/* SPDX-License-Identifier: MIT */
/* The JSON data model (specification clause 5.8) read into a struct mc_attr, for the adapter's emit requests. */
#ifndef MC_TOOLS_JSONMODEL_H
#define MC_TOOLS_JSONMODEL_H

#include <stddef.h>

#include "json.h"
#include "migcompat.h"

/*
 * Read the JSON data model document text[0 .. len) into *attr, held to the
 * rules migcompat.jsonmodel.loads holds it to: one JSON document (no name
 * twice in an object), then the schema's rules -- every member of the
 * right JSON type, the type tags and operators of the schema, exactly the
 * members each object has, format 1, keys and value texts that match the
 * grammar's terminals as a whole, $N from $1 to $7, at least one field and
 * at least one alternative, a range with an end -- then the conditions of
 * clause 7.3 and the 4095-byte limit on the canonical text.
 *
 * The last are the library's own checks: the model is written as an
 * attribute text, items in the document's order, and parsed with mc_parse,
 * so a model and a text are held to one implementation of clause 7.3. That
 * text has the canonical text's items, only in another order, so its
 * length is the canonical text's.
 *
 * text is modified (strings are decoded in place). Returns 0 with *attr
 * filled as mc_parse fills it; or -1 with a JSON Pointer (RFC 6901) to the
 * offending member written to path ("" for the document as a whole, as for
 * a text beyond the page limit) and a message for people, which ends with
 * the error code in brackets when a condition of the text format failed
 * ("... [leading-zero]"), as migcompat's messages do.
 */
int model_read(char *text, size_t len, struct mc_attr *attr, struct out *path, struct out *message);

#endif
