// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * migcompat_emit.c - nothing: the helper is migcompat_emit.h
 *
 * The emitter helper is header-only, its functions static, so that two
 * drivers that each copy it link into one kernel (see migcompat_emit.h). This
 * file stays for a driver whose Makefile lists migcompat_emit.o, or whose
 * source includes migcompat_emit.c: it compiles to an object with no symbol.
 * A driver that copies the helper needs migcompat_emit.h only.
 */
#include "migcompat_emit.h"
