// SPDX-License-Identifier: MIT
/*
 * Where a client's path leads. Every path is resolved by the kernel under the
 * server's root directory with openat2(RESOLVE_IN_ROOT): "..", absolute paths
 * and symbolic links (absolute or relative) all stay inside it, judged on
 * whole components after resolution, never on a string prefix (a root of
 * /home/u1 does not admit /home/u10). Without a configured root the root is
 * "/", which resolves exactly as open(2) does.
 *
 * Operations on a name itself (unlink, mkdir, rename, lstat, readlink, ...)
 * resolve the parent directory that way and then act on the last component
 * with the *at() calls, so a symbolic link in the last place is never
 * followed out of the root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sftp_internal.h"

static int openat2_in_root(int rootfd, const char *path, uint64_t flags, uint64_t mode)
{
	struct open_how how = { .flags = flags, .mode = mode, .resolve = RESOLVE_IN_ROOT };
	long fd;

	if (!(flags & (O_CREAT | O_TMPFILE)))
		how.mode = 0; /* openat2 refuses a mode it would not use */
	do {
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	} while (fd < 0 && errno == EAGAIN);
	return (int)fd;
}

/* "a", "./a", "" are the start directory's; "/a" the root's */
static int absolute_in_root(const struct sftp_server *s, const char *path, char *out, size_t len)
{
	int n;

	if (path[0] == '/')
		n = snprintf(out, len, "%s", path);
	else
		n = snprintf(out, len, "%s/%s", s->cwd, path);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int sftp_path_open(struct sftp_server *s, const char *path, int flags, mode_t mode)
{
	char full[2 * PATH_MAX];

	if (absolute_in_root(s, path, full, sizeof(full)) != 0)
		return -1;
	return openat2_in_root(s->rootfd, full, (uint64_t)flags | O_CLOEXEC, mode);
}

/*
 * The parent directory (O_PATH) and the last component. A last component of
 * "." or ".." (or a path that is only "/") names a directory by way of
 * itself: the directory is resolved whole and *base is "" (use AT_EMPTY_PATH
 * or let the *at() call fail with ENOENT).
 */
int sftp_path_parent(struct sftp_server *s, const char *path, char *base, size_t base_len)
{
	char full[2 * PATH_MAX], *slash, *last;
	size_t n;

	if (absolute_in_root(s, path, full, sizeof(full)) != 0)
		return -1;
	for (n = strlen(full); n > 1 && full[n - 1] == '/'; n--)
		full[n - 1] = 0;
	slash = strrchr(full, '/');
	last = slash + 1;
	if (*last == 0 || strcmp(last, ".") == 0 || strcmp(last, "..") == 0) {
		base[0] = 0;
		return openat2_in_root(s->rootfd, full, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	}
	if (strlen(last) >= base_len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(base, last);
	slash[1] = 0;
	return openat2_in_root(s->rootfd, full, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
}

/* The root-relative name of a real path: whole components, "/" for the root itself */
static int strip_root(const struct sftp_server *s, const char *real, char *out, size_t len)
{
	size_t rl = strlen(s->root);
	const char *rest = real;

	if (strcmp(s->root, "/") != 0) {
		if (strncmp(real, s->root, rl) != 0 || (real[rl] != 0 && real[rl] != '/')) {
			errno = EACCES; /* resolution stayed inside: this cannot be, so refuse */
			return -1;
		}
		rest = real[rl] ? real + rl : "/";
	}
	if ((size_t)snprintf(out, len, "%s", rest) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int fd_real_path(const struct sftp_server *s, int fd, char *out, size_t len)
{
	char link[64], real[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, real, sizeof(real) - 1)) < 0)
		return -1;
	real[n] = 0;
	return strip_root(s, real, out, len);
}

/* Canonical form as the client sees it; a last component that does not exist yet is allowed (a file about to be put). */
int sftp_path_canonical(struct sftp_server *s, const char *path, char *out, size_t len)
{
	char base[NAME_MAX + 1];
	size_t used;
	int fd, r;

	if ((fd = sftp_path_open(s, path, O_PATH, 0)) >= 0) {
		r = fd_real_path(s, fd, out, len);
		close(fd);
		return r;
	}
	if (errno != ENOENT || (fd = sftp_path_parent(s, path, base, sizeof(base))) < 0)
		return -1;
	r = base[0] ? fd_real_path(s, fd, out, len) : (errno = ENOENT, -1);
	close(fd);
	if (r != 0)
		return r;
	used = strlen(out);
	if ((size_t)snprintf(out + used, len - used, "%s%s", strcmp(out, "/") ? "/" : "", base) >= len - used) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* A path as the kernel's own interfaces (chmod, truncate, utimensat) can take it, following the fd */
void sftp_path_of_fd(int fd, char *out, size_t len)
{
	snprintf(out, len, "/proc/self/fd/%d", fd);
}

/* A real path (e.g. a user's home from passwd) as the client sees it, if it is inside the root */
int sftp_path_virtual(const struct sftp_server *s, const char *real_path, char *out, size_t len)
{
	char real[PATH_MAX];

	if (realpath(real_path, real) == NULL)
		return -1;
	return strip_root(s, real, out, len);
}

int sftp_path_setup(struct sftp_server *s, const char *root, const char *home, const char *start)
{
	char real[PATH_MAX];

	if (realpath(root ? root : "/", real) == NULL)
		return -1;
	if ((s->rootfd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	snprintf(s->root, sizeof(s->root), "%s", real);
	/* home and start are the root itself when they are not inside it */
	if (home == NULL || sftp_path_virtual(s, home, s->home, sizeof(s->home)) != 0)
		snprintf(s->home, sizeof(s->home), "/");
	if (start == NULL)
		snprintf(s->cwd, sizeof(s->cwd), "%s", s->home);
	else if (sftp_path_virtual(s, start, s->cwd, sizeof(s->cwd)) != 0)
		snprintf(s->cwd, sizeof(s->cwd), "/");
	return 0;
}
