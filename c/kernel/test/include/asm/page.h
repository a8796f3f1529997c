/* SPDX-License-Identifier: MIT */
/* User-space stand-in for <asm/page.h>: PAGE_SIZE, which a test may set (-DPAGE_SIZE=256). */
#ifndef MIGC_STUB_ASM_PAGE_H
#define MIGC_STUB_ASM_PAGE_H

#ifndef PAGE_SIZE
#define PAGE_SIZE 4096UL
#endif

#endif
