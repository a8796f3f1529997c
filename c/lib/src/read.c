/* SPDX-License-Identifier: MIT */
/*
 * mc_read_attribute: reading a migration attribute from sysfs, or from a copy of a sysfs tree, as
 * migcompat's Python reader (migcompat.sysfs.read_attribute) reads it, so that every C consumer does not
 * write its own: the name is looked at before it is opened, and only a regular file is opened, never
 * following a final symbolic link, never blocking, never becoming the controlling terminal.
 *
 * mc_open_placement: the directory that holds a device's attributes, as the migcompat command finds it
 * (the device's own directory, or the one vfio-dev/vfioN under it).
 *
 * The only file of the library that needs POSIX (openat, fstatat, fdopendir): the rest is C11.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
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

	if (buf && size > 0)
		buf[0] = '\0';
	if (!name || !*name || !buf || size == 0)
		return -EINVAL;
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
	/* A buffer smaller than MC_READ_SIZE that the file fills may hold a valid text cut from a longer one: one
	 * more byte tells. (With MC_READ_SIZE, a full buffer is longer than any attribute: mc_parse says too-long.) */
	if (len == size - 1 && size < MC_READ_SIZE) {
		char more;
		ssize_t got;

		do
			got = read(fd, &more, 1);
		while (got < 0 && errno == EINTR);
		if (got != 0) {
			int err = got < 0 ? errno : EOVERFLOW;

			close(fd);
			buf[0] = '\0';
			return -err;
		}
	}
	close(fd);
	buf[len] = '\0';
	return (long)len;
}

static int regular_at(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* The one vfioN entry of the directory open as *vfio* into *name*: 1, 0 for none, -EEXIST for several. */
static int only_vfio(int vfio, char name[static 256])
{
	int copy = dup(vfio), found = 0, err;
	DIR *dir;
	struct dirent *entry;

	if (copy < 0)
		return -errno;
	dir = fdopendir(copy);
	if (!dir) {
		err = errno;
		close(copy);
		return -err;
	}
	errno = 0;
	while ((entry = readdir(dir)) != NULL) {
		if (strncmp(entry->d_name, "vfio", 4) != 0)
			continue;
		if (found++ || strlen(entry->d_name) >= 256)
			break;
		strcpy(name, entry->d_name);
	}
	err = errno;
	closedir(dir);
	if (err)
		return -err;
	return found > 1 ? -EEXIST : found;
}

MC_API int mc_open_placement(int dirfd, const char *path)
{
	char name[256];
	struct stat st;
	int top, vfio, found, fd, err;

	if (!path || !*path)
		return -EINVAL;
	/* The caller's own path is followed (/sys/bus/pci/devices/ADDR is a link); nothing under it is. */
	top = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return -errno;
	if (regular_at(top, "migration_version") || regular_at(top, "migration_compatible_devices") ||
	    fstatat(top, "vfio-dev", &st, AT_SYMLINK_NOFOLLOW) != 0)
		return top;
	if (S_ISLNK(st.st_mode)) {
		close(top);
		return -ELOOP;
	}
	if (!S_ISDIR(st.st_mode))
		return top;
	vfio = openat(top, "vfio-dev", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (vfio < 0) {
		err = errno;
		close(top);
		return -err;
	}
	found = only_vfio(vfio, name);
	if (found <= 0) {
		close(vfio);
		if (found == 0)
			return top; /* no vfio device: the attributes read as absent (-ENOENT) */
		close(top);
		return found;
	}
	fd = openat(vfio, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	err = errno;
	/* O_NOFOLLOW with O_DIRECTORY says ENOTDIR for a link too: a link is -ELOOP, as vfio-dev's is. */
	if (fd < 0 && err == ENOTDIR && fstatat(vfio, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		err = ELOOP;
	close(vfio);
	close(top);
	if (fd < 0)
		return -err;
	return fd;
}
