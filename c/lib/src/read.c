/* SPDX-License-Identifier: MIT */
/*
 * mc_read_attribute: reading a migration attribute from sysfs, or from a copy of a sysfs tree, as
 * migcompat's Python reader (migcompat.sysfs.read_attribute) reads it, so that every C consumer does not
 * write its own: the name is looked at before it is opened, and only a regular file is opened, never
 * following a final symbolic link, never blocking, never becoming the controlling terminal.
 *
 * The only file of the library that needs POSIX (openat, fstatat): the rest is C11.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migcompat.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

MC_API long mc_read_attribute(int dirfd, const char *name, char *buf, size_t size)
{
	struct stat st;
	size_t len = 0;
	int fd;

	if (!name || !*name || !buf || size == 0)
		return -EINVAL;
	buf[0] = '\0';
	/* Looked at first: a FIFO, a socket, a device or a directory is refused unopened (opening a device can
	 * act on it), and a final symbolic link is not followed. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* The descriptor decides: a name replaced since it was looked at is refused all the same. */
	if (fstat(fd, &st) != 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	/* Non-blocking: a file that only looks regular and waits for data (/proc/kmsg) fails with EAGAIN. */
	while (len < size - 1) {
		ssize_t got = read(fd, buf + len, size - 1 - len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = errno;

			close(fd);
			buf[0] = '\0';
			return -err;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	buf[len] = '\0';
	return (long)len;
}
