// SPDX-License-Identifier: MIT
/* OpenSSH's SFTP extensions (PROTOCOL section 4) and the filexfer drafts' copy-data and home-directory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "kssh/err.h"
#include "sftp_internal.h"

#define IDS_MAX 1024  /* users-groups-by-id: ids per request */
#define COPY_CHUNK (256 * 1024)

static const struct { const char *name, *version; } extensions[] = {
	{ "posix-rename@openssh.com", "1" }, { "statvfs@openssh.com", "2" },
	{ "fstatvfs@openssh.com", "2" }, { "hardlink@openssh.com", "1" },
	{ "fsync@openssh.com", "1" }, { "lsetstat@openssh.com", "1" },
	{ "limits@openssh.com", "1" }, { "expand-path@openssh.com", "1" },
	{ "copy-data", "1" }, { "home-directory", "1" }, { "users-groups-by-id@openssh.com", "1" },
};

int sftp_put_extensions(struct kssh_buf *b)
{
	int r;

	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
		if ((r = kssh_buf_put_cstring(b, extensions[i].name)) != 0 ||
		    (r = kssh_buf_put_cstring(b, extensions[i].version)) != 0)
			return r;
	return 0;
}

static int reply_statvfs(struct sftp_server *s, uint32_t id, const struct statvfs *v)
{
	const uint64_t fields[] = {
		v->f_bsize, v->f_frsize, v->f_blocks, v->f_bfree, v->f_bavail, v->f_files, v->f_ffree,
		v->f_favail, v->f_fsid,
		(v->f_flag & ST_RDONLY ? 1 : 0) | (v->f_flag & ST_NOSUID ? 2 : 0), v->f_namemax,
	};
	int r;

	if ((r = sftp_reply_begin(s, SSH_FXP_EXTENDED_REPLY, id)) != 0)
		return r;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if ((r = kssh_buf_put_u64(&s->out, fields[i])) != 0)
			return r;
	return sftp_reply_end(s);
}

static int ext_statvfs(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	struct statvfs v;
	char *path = NULL;
	int fd, r;

	if ((r = sftp_get_path(req, &path)) != 0)
		return r;
	if ((fd = sftp_path_open(s, path, O_PATH, 0)) < 0 || fstatvfs(fd, &v) != 0)
		r = sftp_reply_errno(s, id, errno);
	else
		r = reply_statvfs(s, id, &v);
	if (fd >= 0)
		close(fd);
	free(path);
	return r;
}

static int ext_fstatvfs(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	struct sftp_handle *h = sftp_handle_get(s, req, HANDLE_FILE);
	struct statvfs v;

	if (h == NULL)
		return sftp_reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	return fstatvfs(h->fd, &v) != 0 ? sftp_reply_errno(s, id, errno) : reply_statvfs(s, id, &v);
}

static int ext_fsync(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	struct sftp_handle *h = sftp_handle_get(s, req, HANDLE_FILE);

	if (h == NULL)
		return sftp_reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	return fsync(h->fd) != 0 ? sftp_reply_errno(s, id, errno) : sftp_reply_status(s, id, SSH_FX_OK, NULL);
}

static int ext_limits(struct sftp_server *s, uint32_t id)
{
	int r;

	if ((r = sftp_reply_begin(s, SSH_FXP_EXTENDED_REPLY, id)) != 0 ||
	    (r = kssh_buf_put_u64(&s->out, SFTP_MAX_PACKET)) != 0 ||
	    (r = kssh_buf_put_u64(&s->out, SFTP_MAX_READ)) != 0 ||
	    (r = kssh_buf_put_u64(&s->out, SFTP_MAX_WRITE)) != 0 ||
	    (r = kssh_buf_put_u64(&s->out, SFTP_MAX_HANDLES)) != 0)
		return r;
	return sftp_reply_end(s);
}

/* Another user's home as the client sees it, when it is inside the root */
static int other_home(struct sftp_server *s, const char *user, char *out, size_t len)
{
	struct passwd *pw = getpwnam(user);

	return pw == NULL ? -1 : sftp_path_virtual(s, pw->pw_dir, out, len);
}

/* "~" and "~/x" are the session user's home, "~name/x" another user's */
static char *expand_tilde(struct sftp_server *s, const char *path)
{
	char name[64], home[PATH_MAX], *out;
	const char *rest;

	if (path[0] != '~')
		return strdup(path);
	rest = path + 1 + strcspn(path + 1, "/");
	snprintf(home, sizeof(home), "%s", s->home);
	if (rest > path + 1) {
		snprintf(name, sizeof(name), "%.*s", (int)(rest - path - 1), path + 1);
		if (other_home(s, name, home, sizeof(home)) != 0)
			return NULL;
	}
	return asprintf(&out, "%s%s", home, rest) < 0 ? NULL : out;
}

static int ext_expand_path(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	char *path = NULL, *expanded, real[PATH_MAX];
	int r;

	if ((r = sftp_get_path(req, &path)) != 0)
		return r;
	if ((expanded = expand_tilde(s, path)) == NULL)
		r = sftp_reply_status(s, id, SSH_FX_NO_SUCH_FILE, "No such user");
	else if (sftp_path_canonical(s, expanded, real, sizeof(real)) != 0)
		r = sftp_reply_errno(s, id, errno);
	else
		r = sftp_reply_name(s, id, real, NULL);
	free(expanded);
	free(path);
	return r;
}

static int ext_home_directory(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	char *user = NULL, home[PATH_MAX];
	int r;

	if ((r = kssh_buf_get_cstring(req, &user, NULL)) != 0)
		return r;
	if (*user == 0)
		r = sftp_reply_name(s, id, s->home, NULL);
	else if (other_home(s, user, home, sizeof(home)) != 0)
		r = sftp_reply_status(s, id, SSH_FX_FAILURE, "No such user");
	else
		r = sftp_reply_name(s, id, home, NULL);
	free(user);
	return r;
}

/* copy-data: length 0 copies to the end of the source; the file never passes through the client */
static int ext_copy_data(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	struct sftp_handle *from = sftp_handle_get(s, req, HANDLE_FILE), *to;
	uint64_t roff, len, woff;
	int r;

	if ((r = kssh_buf_get_u64(req, &roff)) != 0 || (r = kssh_buf_get_u64(req, &len)) != 0)
		return r;
	to = sftp_handle_get(s, req, HANDLE_FILE);
	if ((r = kssh_buf_get_u64(req, &woff)) != 0)
		return r;
	if (from == NULL || to == NULL)
		return sftp_reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	if (roff > INT64_MAX || woff > INT64_MAX)
		return sftp_reply_status(s, id, SSH_FX_BAD_MESSAGE, "Offset out of range");
	for (uint64_t done = 0; len == 0 || done < len;) {
		size_t want = len == 0 || len - done > COPY_CHUNK ? COPY_CHUNK : (size_t)(len - done);
		loff_t in = (loff_t)(roff + done), out = (loff_t)(woff + done);
		ssize_t n = copy_file_range(from->fd, &in, to->fd, &out, want, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sftp_reply_errno(s, id, errno);
		if (n == 0)
			break; /* the end of the source */
		done += (uint64_t)n;
	}
	return sftp_reply_status(s, id, SSH_FX_OK, NULL);
}

/* Names for ids; an unknown id gets an empty name (PROTOCOL 4.11) */
static int put_names(struct kssh_buf *out, const uint8_t *ids, size_t n, int groups)
{
	struct kssh_buf list;
	int r = 0;

	kssh_buf_init(&list, 0);
	for (size_t i = 0; i + 4 <= n && r == 0; i += 4) {
		const char *name = sftp_id_name(groups, kssh_peek_u32(ids + i));

		r = kssh_buf_put_cstring(&list, name ? name : "");
	}
	if (r == 0)
		r = kssh_buf_put_buf_string(out, &list);
	kssh_buf_release(&list);
	return r;
}

static int ext_users_groups(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	const uint8_t *uids, *gids;
	size_t nu, ng;
	int r;

	if ((r = kssh_buf_get_string_view(req, &uids, &nu)) != 0 ||
	    (r = kssh_buf_get_string_view(req, &gids, &ng)) != 0)
		return r;
	if (nu % 4 || ng % 4 || nu / 4 > IDS_MAX || ng / 4 > IDS_MAX)
		return sftp_reply_status(s, id, SSH_FX_BAD_MESSAGE, "Bad id list");
	if ((r = sftp_reply_begin(s, SSH_FXP_EXTENDED_REPLY, id)) != 0 ||
	    (r = put_names(&s->out, uids, nu, 0)) != 0 || (r = put_names(&s->out, gids, ng, 1)) != 0)
		return r;
	return sftp_reply_end(s);
}

int sftp_op_extended(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	char name[64];
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = kssh_buf_get_string_view(req, &p, &n)) != 0)
		return r;
	if (n >= sizeof(name))
		return sftp_reply_status(s, id, SSH_FX_OP_UNSUPPORTED, NULL);
	memcpy(name, p, n);
	name[n] = 0;
	if (strcmp(name, "posix-rename@openssh.com") == 0)
		return sftp_op_rename(s, id, req, 1);
	if (strcmp(name, "statvfs@openssh.com") == 0)
		return ext_statvfs(s, id, req);
	if (strcmp(name, "fstatvfs@openssh.com") == 0)
		return ext_fstatvfs(s, id, req);
	if (strcmp(name, "hardlink@openssh.com") == 0)
		return sftp_op_hardlink(s, id, req);
	if (strcmp(name, "fsync@openssh.com") == 0)
		return ext_fsync(s, id, req);
	if (strcmp(name, "lsetstat@openssh.com") == 0)
		return sftp_op_setstat(s, id, req, 0);
	if (strcmp(name, "limits@openssh.com") == 0)
		return ext_limits(s, id);
	if (strcmp(name, "expand-path@openssh.com") == 0)
		return ext_expand_path(s, id, req);
	if (strcmp(name, "copy-data") == 0)
		return ext_copy_data(s, id, req);
	if (strcmp(name, "home-directory") == 0)
		return ext_home_directory(s, id, req);
	if (strcmp(name, "users-groups-by-id@openssh.com") == 0)
		return ext_users_groups(s, id, req);
	return sftp_reply_status(s, id, SSH_FX_OP_UNSUPPORTED, NULL);
}
