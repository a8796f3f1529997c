/* SPDX-License-Identifier: MIT */
/*
 * Two drivers built into one kernel, each with its own copy of the emitter
 * helper (c/kernel/test/Makefile copies migcompat_emit.h and migcompat_emit.c
 * into a directory per driver): a vfio-pci variant driver, acme_nic.c, and an
 * mdev vGPU driver, acme_gpu.c. The show() methods that main.c calls, as the
 * driver core would.
 */
#ifndef TWO_DRIVERS_H
#define TWO_DRIVERS_H

#include <linux/types.h>

ssize_t acme_nic_version_show(char *buf);
ssize_t acme_nic_compatible_show(char *buf);
ssize_t acme_gpu_type_version_show(char *buf);
ssize_t acme_gpu_type_compatible_show(char *buf);

#endif
