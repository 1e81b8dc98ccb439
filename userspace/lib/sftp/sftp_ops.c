// SPDX-License-Identifier: MIT
/* The SFTP v3 requests on files, directories and paths (filexfer-02 section 6). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "kssh/err.h"
#include "sftp_internal.h"

#define READDIR_BATCH 100

static int open_flags(uint32_t pflags)
{
	int flags = 0;

	if ((pflags & SSH_FXF_READ) && (pflags & SSH_FXF_WRITE))
		flags = O_RDWR;
	else if (pflags & SSH_FXF_WRITE)
		flags = O_WRONLY;
	else
		flags = O_RDONLY;
	if (pflags & SSH_FXF_APPEND)
		flags |= O_APPEND;
	if (pflags & SSH_FXF_CREAT)
		flags |= O_CREAT;
	if (pflags & SSH_FXF_TRUNC)
		flags |= O_TRUNC;
	if (pflags & SSH_FXF_EXCL)
		flags |= O_EXCL;
	return flags | O_CLOEXEC | O_NOCTTY;
}

int sftp_op_open(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	struct sftp_attrs a;
	uint32_t pflags;
	char *path = NULL;
	mode_t mode;
	int fd, h, r;

	if ((r = sftp_get_path(req, &path)) != 0 || (r = kssh_buf_get_u32(req, &pflags)) != 0 ||
	    (r = sftp_attrs_decode(req, &a)) != 0)
		goto out;
	mode = a.flags & SSH_FILEXFER_ATTR_PERMISSIONS ? a.perm & 07777 : 0666;
	if (s->cfg.read_only && (pflags & (SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_TRUNC | SSH_FXF_APPEND))) {
		r = sftp_reply_read_only(s, id);
		goto out;
	}
	if ((fd = sftp_path_open(s, path, open_flags(pflags), mode)) < 0) {
		r = sftp_reply_errno(s, id, errno);
		goto out;
	}
	if ((h = sftp_handle_new(s, HANDLE_FILE, fd, NULL, path)) < 0) {
		close(fd);
		r = sftp_reply_status(s, id, SSH_FX_FAILURE, "Too many open handles");
		goto out;
	}
	s->handles[h].append = (pflags & SSH_FXF_APPEND) != 0;
	s->handles[h].storage = 0;
	if ((r = sftp_reply_begin(s, SSH_FXP_HANDLE, id)) == 0 && (r = sftp_put_handle(s, h)) == 0)
		r = sftp_reply_end(s);
out:
	free(path);
	return r;
}

/* DATA is read straight into the reply: no copy between the file and the output */
int sftp_op_read(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	struct sftp_handle *h = sftp_handle_get(s, req, HANDLE_FILE);
	uint64_t offset;
	uint32_t len;
	uint8_t *dst;
	ssize_t got;
	int r;

	if ((r = kssh_buf_get_u64(req, &offset)) != 0 || (r = kssh_buf_get_u32(req, &len)) != 0)
		return r;
	if (h == NULL)
		return sftp_reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	if (len > SFTP_MAX_READ)
		len = SFTP_MAX_READ;
	if (offset > INT64_MAX)
		return sftp_reply_status(s, id, SSH_FX_EOF, NULL);
	if (s->zero_copy) {
		uint64_t before = s->seg_bytes;

		if ((r = sftp_read_by_reference(s, h->fd, id, offset, len)) != KSSH_ERR_AGAIN) {
			h->bytes_read += s->seg_bytes - before;
			return r;
		}
	}
	if ((r = sftp_reply_begin(s, SSH_FXP_DATA, id)) != 0 ||
	    (r = kssh_buf_reserve(&s->out, 4 + (size_t)len, &dst)) != 0)
		return r;
	do {
		got = pread(h->fd, dst + 4, len, (off_t)offset);
	} while (got < 0 && errno == EINTR);
	if (got <= 0) {
		int err = got < 0 ? errno : 0;

		kssh_buf_consume_end(&s->out, kssh_buf_len(&s->out) - s->reply_start);
		return got == 0 ? sftp_reply_status(s, id, SSH_FX_EOF, NULL) : sftp_reply_errno(s, id, err);
	}
	kssh_poke_u32(dst, (uint32_t)got);
	kssh_buf_consume_end(&s->out, len - (size_t)got);
	h->bytes_read += (uint64_t)got;
	return sftp_reply_end(s);
}

int sftp_op_write(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	struct sftp_handle *h = sftp_handle_get(s, req, HANDLE_FILE);
	const uint8_t *data;
	uint64_t offset;
	size_t len, done = 0;
	int r;

	if ((r = kssh_buf_get_u64(req, &offset)) != 0 ||
	    (r = kssh_buf_get_string_view(req, &data, &len)) != 0)
		return r;
	if (h == NULL)
		return sftp_reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	if (offset > INT64_MAX - len)
		return sftp_reply_status(s, id, SSH_FX_BAD_MESSAGE, "Offset out of range");
	/* every byte is written, or the error is reported: a short write is not success */
	while (done < len) {
		ssize_t n = pwrite(h->fd, data + done, len - done, (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sftp_reply_errno(s, id, n < 0 ? errno : ENOSPC);
		done += (size_t)n;
	}
	h->bytes_written += len;
	return sftp_reply_status(s, id, SSH_FX_OK, NULL);
}

int sftp_op_stat(struct sftp_server *s, uint32_t id, struct kssh_buf *req, int follow)
{
	struct stat st;
	char *path = NULL;
	int fd, r;

	if ((r = sftp_get_path(req, &path)) != 0)
		return r;
	/* v3 STAT may carry flags from later drafts; they are ignored */
	if ((fd = sftp_path_open(s, path, O_PATH | (follow ? 0 : O_NOFOLLOW), 0)) < 0 || fstat(fd, &st) != 0)
		r = sftp_reply_errno(s, id, errno);
	else
		r = sftp_reply_attrs(s, id, &st);
	if (fd >= 0)
		close(fd);
	free(path);
	return r;
}

int sftp_op_fstat(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	struct sftp_handle *h = sftp_handle_get(s, req, HANDLE_FILE);
	struct stat st;

	if (h == NULL)
		return sftp_reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	if (fstat(h->fd, &st) != 0)
		return sftp_reply_errno(s, id, errno);
	return sftp_reply_attrs(s, id, &st);
}

/*
 * Size, permissions, times, owner, in that order, on an open handle's fd or on
 * an O_PATH fd from a resolved path (which may be a symbolic link itself:
 * lsetstat; Linux cannot set a link's own permissions, so those are left).
 */
int sftp_apply_attrs(int fd, const struct sftp_attrs *a)
{
	int opath = (fcntl(fd, F_GETFL) & O_PATH) != 0;
	char proc[64];
	struct stat st;

	if (fstat(fd, &st) != 0)
		return errno;
	sftp_path_of_fd(fd, proc, sizeof(proc));
	if (a->flags & SSH_FILEXFER_ATTR_SIZE &&
	    (opath ? truncate(proc, (off_t)a->size) : ftruncate(fd, (off_t)a->size)) != 0)
		return errno;
	if (a->flags & SSH_FILEXFER_ATTR_PERMISSIONS && !S_ISLNK(st.st_mode) &&
	    (opath ? chmod(proc, a->perm & 07777) : fchmod(fd, a->perm & 07777)) != 0)
		return errno;
	if (a->flags & SSH_FILEXFER_ATTR_ACMODTIME) {
		struct timespec ts[2] = { { .tv_sec = a->atime }, { .tv_sec = a->mtime } };

		if ((opath ? utimensat(fd, "", ts, AT_EMPTY_PATH) : futimens(fd, ts)) != 0)
			return errno;
	}
	if (a->flags & SSH_FILEXFER_ATTR_UIDGID &&
	    (opath ? fchownat(fd, "", a->uid, a->gid, AT_EMPTY_PATH) : fchown(fd, a->uid, a->gid)) != 0)
		return errno;
	return 0;
}

int sftp_op_setstat(struct sftp_server *s, uint32_t id, struct kssh_buf *req, int follow)
{
	struct sftp_attrs a;
	char *path = NULL;
	int fd = -1, r, err;

	if ((r = sftp_get_path(req, &path)) != 0 || (r = sftp_attrs_decode(req, &a)) != 0) {
		free(path);
		return r;
	}
	if (s->cfg.read_only)
		r = sftp_reply_read_only(s, id);
	else if ((fd = sftp_path_open(s, path, O_PATH | (follow ? 0 : O_NOFOLLOW), 0)) < 0)
		r = sftp_reply_errno(s, id, errno);
	else if ((err = sftp_apply_attrs(fd, &a)) != 0)
		r = sftp_reply_errno(s, id, err);
	else
		r = sftp_reply_status(s, id, SSH_FX_OK, NULL);
	if (fd >= 0)
		close(fd);
	free(path);
	return r;
}

int sftp_op_fsetstat(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	struct sftp_handle *h = sftp_handle_get(s, req, HANDLE_FILE);
	struct sftp_attrs a;
	int r, err;

	if ((r = sftp_attrs_decode(req, &a)) != 0)
		return r;
	if (h == NULL)
		return sftp_reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	/* a file opened for reading can still be chmod'ed through its fd */
	if (s->cfg.read_only)
		return sftp_reply_read_only(s, id);
	if ((err = sftp_apply_attrs(h->fd, &a)) != 0)
		return sftp_reply_errno(s, id, err);
	return sftp_reply_status(s, id, SSH_FX_OK, NULL);
}

int sftp_op_opendir(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	char *path = NULL;
	DIR *dir = NULL;
	int fd, h, r;

	if ((r = sftp_get_path(req, &path)) != 0)
		return r;
	if ((fd = sftp_path_open(s, path, O_RDONLY | O_DIRECTORY, 0)) < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		r = sftp_reply_errno(s, id, errno);
	} else if ((h = sftp_handle_new(s, HANDLE_DIR, -1, dir, path)) < 0) {
		closedir(dir);
		r = sftp_reply_status(s, id, SSH_FX_FAILURE, "Too many open handles");
	} else if ((r = sftp_reply_begin(s, SSH_FXP_HANDLE, id)) == 0 && (r = sftp_put_handle(s, h)) == 0) {
		r = sftp_reply_end(s);
	}
	free(path);
	return r;
}

int sftp_op_readdir(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	struct sftp_handle *h = sftp_handle_get(s, req, HANDLE_DIR);
	char longname[PATH_MAX + 128];
	size_t count_at;
	uint32_t count = 0;
	struct dirent *de;
	int r;

	if (h == NULL)
		return sftp_reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	if ((r = sftp_reply_begin(s, SSH_FXP_NAME, id)) != 0)
		return r;
	count_at = kssh_buf_len(&s->out);
	if ((r = kssh_buf_put_u32(&s->out, 0)) != 0)
		return r;
	while (count < READDIR_BATCH && (errno = 0, de = readdir(h->dir)) != NULL) {
		struct sftp_attrs a;
		struct stat st;

		if (fstatat(dirfd(h->dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue; /* gone since it was listed */
		sftp_attrs_from_stat(&st, &a);
		sftp_longname(de->d_name, &st, longname, sizeof(longname));
		if ((r = kssh_buf_put_cstring(&s->out, de->d_name)) != 0 ||
		    (r = kssh_buf_put_cstring(&s->out, longname)) != 0 ||
		    (r = sftp_attrs_encode(&s->out, &a)) != 0)
			return r;
		count++;
	}
	if (count == 0) {
		int err = errno;

		kssh_buf_consume_end(&s->out, kssh_buf_len(&s->out) - s->reply_start);
		return err ? sftp_reply_errno(s, id, err) : sftp_reply_status(s, id, SSH_FX_EOF, NULL);
	}
	kssh_poke_u32(kssh_buf_mutable_ptr(&s->out) + count_at, count);
	return sftp_reply_end(s);
}

/* The requests that act on a name (or two) and answer with a status: each name is a resolved parent and a last component. */
typedef int (*name_op_fn)(int dfd, const char *base, int dfd2, const char *base2, const char *arg);

static int name_status(struct sftp_server *s, uint32_t id, struct kssh_buf *req, int two,
                       name_op_fn fn)
{
	char *a = NULL, *b = NULL, base[NAME_MAX + 1], base2[NAME_MAX + 1] = "";
	int dfd = -1, dfd2 = -1, r;

	if ((r = sftp_get_path(req, &a)) != 0 || (two && (r = sftp_get_path(req, &b)) != 0)) {
		free(a);
		return r;
	}
	if (s->cfg.read_only)
		r = sftp_reply_read_only(s, id);
	else if ((dfd = sftp_path_parent(s, two == 2 ? b : a, base, sizeof(base))) < 0 ||
	         (two == 1 && (dfd2 = sftp_path_parent(s, b, base2, sizeof(base2))) < 0))
		r = sftp_reply_errno(s, id, errno);
	else if (fn(dfd, base, dfd2, base2, two == 2 ? a : NULL) != 0)
		r = sftp_reply_errno(s, id, errno);
	else
		r = sftp_reply_status(s, id, SSH_FX_OK, NULL);
	if (dfd >= 0)
		close(dfd);
	if (dfd2 >= 0)
		close(dfd2);
	free(a);
	free(b);
	return r;
}

static int do_remove(int dfd, const char *base, int dfd2, const char *base2, const char *arg)
{
	(void)dfd2, (void)base2, (void)arg;
	return unlinkat(dfd, base, 0);
}

static int do_rmdir(int dfd, const char *base, int dfd2, const char *base2, const char *arg)
{
	(void)dfd2, (void)base2, (void)arg;
	if (*base == 0) {
		errno = EBUSY; /* "." or ".." or the root */
		return -1;
	}
	return unlinkat(dfd, base, AT_REMOVEDIR);
}

/* v3 RENAME must not replace an existing file (filexfer-02 6.5) */
static int do_rename_noreplace(int dfd, const char *base, int dfd2, const char *base2, const char *arg)
{
	(void)arg;
	if (renameat2(dfd, base, dfd2, base2, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a file system without RENAME_NOREPLACE: link and unlink, as OpenSSH does */
	if (linkat(dfd, base, dfd2, base2, 0) == 0)
		return unlinkat(dfd, base, 0);
	return -1;
}

static int do_rename_posix(int dfd, const char *base, int dfd2, const char *base2, const char *arg)
{
	(void)arg;
	return renameat(dfd, base, dfd2, base2);
}

static int do_hardlink(int dfd, const char *base, int dfd2, const char *base2, const char *arg)
{
	(void)arg;
	return linkat(dfd, base, dfd2, base2, 0);
}

/* OpenSSH's order: the link's target first, then the link's own path. The target is stored as given. */
static int do_symlink(int dfd, const char *base, int dfd2, const char *base2, const char *target)
{
	(void)dfd2, (void)base2;
	return symlinkat(target, dfd, base);
}

int sftp_op_remove(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	return name_status(s, id, req, 0, do_remove);
}

int sftp_op_rmdir(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	return name_status(s, id, req, 0, do_rmdir);
}

int sftp_op_rename(struct sftp_server *s, uint32_t id, struct kssh_buf *req, int posix)
{
	return name_status(s, id, req, 1, posix ? do_rename_posix : do_rename_noreplace);
}

int sftp_op_hardlink(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	return name_status(s, id, req, 1, do_hardlink);
}

int sftp_op_symlink(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	return name_status(s, id, req, 2, do_symlink);
}

int sftp_op_mkdir(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	struct sftp_attrs a;
	char *path = NULL, base[NAME_MAX + 1];
	int dfd = -1, r;

	if ((r = sftp_get_path(req, &path)) != 0 || (r = sftp_attrs_decode(req, &a)) != 0) {
		free(path);
		return r;
	}
	if (s->cfg.read_only)
		r = sftp_reply_read_only(s, id);
	else if ((dfd = sftp_path_parent(s, path, base, sizeof(base))) < 0 ||
	         mkdirat(dfd, *base ? base : ".", a.flags & SSH_FILEXFER_ATTR_PERMISSIONS ? a.perm & 07777 : 0777) != 0)
		r = sftp_reply_errno(s, id, errno);
	else
		r = sftp_reply_status(s, id, SSH_FX_OK, NULL);
	if (dfd >= 0)
		close(dfd);
	free(path);
	return r;
}

int sftp_op_realpath(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	char *path = NULL, real[PATH_MAX];
	int r;

	if ((r = sftp_get_path(req, &path)) != 0)
		return r;
	if (sftp_path_canonical(s, path, real, sizeof(real)) != 0)
		r = sftp_reply_errno(s, id, errno);
	else
		r = sftp_reply_name(s, id, real, NULL);
	free(path);
	return r;
}

int sftp_op_readlink(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	char *path = NULL, target[PATH_MAX], base[NAME_MAX + 1];
	ssize_t n = -1;
	int dfd, r;

	if ((r = sftp_get_path(req, &path)) != 0)
		return r;
	if ((dfd = sftp_path_parent(s, path, base, sizeof(base))) >= 0) {
		n = readlinkat(dfd, base, target, sizeof(target) - 1);
		if (n < 0 && *base == 0)
			errno = EINVAL; /* "." or "..": a directory, not a link */
		close(dfd);
	}
	if (n < 0) {
		r = sftp_reply_errno(s, id, errno);
	} else {
		target[n] = 0;
		r = sftp_reply_name(s, id, target, NULL);
	}
	free(path);
	return r;
}
