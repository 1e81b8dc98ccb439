// SPDX-License-Identifier: MIT
/*
 * The SFTP server's framing, handles and dispatch. Requests are answered in
 * the order they arrive, each on its own (reads and writes carry their offset,
 * so many may be in flight on one handle, in any order).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "kssh/channel.h"
#include "kssh/err.h"
#include "sftp_internal.h"

struct sftp_server *sftp_server_new(const struct sftp_server_config *cfg)
{
	struct sftp_server *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->cfg = *cfg;
	if (sftp_path_setup(s, cfg->root, cfg->home, cfg->start) != 0) {
		int err = errno;

		free(s);
		errno = err;
		return NULL;
	}
	snprintf(s->user, sizeof(s->user), "%s", cfg->user ? cfg->user : "");
	s->cfg.home = s->home;
	s->cfg.start = s->cwd;
	s->cfg.root = s->root;
	s->cfg.user = s->user;
	s->allow = cfg->allow_requests ? strdup(cfg->allow_requests) : NULL;
	s->deny = cfg->deny_requests ? strdup(cfg->deny_requests) : NULL;
	s->cfg.allow_requests = s->allow;
	s->cfg.deny_requests = s->deny;
	/* a channel's window of requests (ksshd reports them consumed as it answers them) */
	kssh_buf_init(&s->in, KSSH_CHAN_WINDOW_LIMIT + 2 * SFTP_MAX_PACKET);
	kssh_buf_init(&s->out, KSSH_BUF_MAX_DEFAULT);
	for (int i = 0; i < SFTP_MAX_HANDLES; i++)
		s->handles[i].fd = -1;
	return s;
}

static void handle_close(struct sftp_handle *h)
{
	if (h->kind == HANDLE_FILE && h->fd >= 0)
		close(h->fd);
	if (h->kind == HANDLE_DIR && h->dir != NULL)
		closedir(h->dir);
	free(h->path);
	h->path = NULL;
	h->dir = NULL;
	h->fd = -1;
	h->kind = HANDLE_FREE;
}

void sftp_server_free(struct sftp_server *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < SFTP_MAX_HANDLES; i++)
		handle_close(&s->handles[i]);
	sftp_segments_free(s);
	sftp_batch_free(s);
	close(s->rootfd);
	kssh_buf_release(&s->in);
	kssh_buf_release(&s->out);
	free(s->allow);
	free(s->deny);
	free(s);
}

struct kssh_buf *sftp_server_input(struct sftp_server *s)
{
	return &s->in;
}

struct kssh_buf *sftp_server_output(struct sftp_server *s)
{
	return &s->out;
}

int sftp_reply_begin(struct sftp_server *s, uint8_t type, uint32_t id)
{
	int r;

	s->reply_start = kssh_buf_len(&s->out);
	if ((r = kssh_buf_put_u32(&s->out, 0)) != 0 || (r = kssh_buf_put_u8(&s->out, type)) != 0)
		return r;
	return type == SSH_FXP_VERSION ? 0 : kssh_buf_put_u32(&s->out, id);
}

int sftp_reply_end(struct sftp_server *s)
{
	uint8_t *p = kssh_buf_mutable_ptr(&s->out) + s->reply_start;

	kssh_poke_u32(p, (uint32_t)(kssh_buf_len(&s->out) - s->reply_start - 4));
	return 0;
}

int sftp_reply_status(struct sftp_server *s, uint32_t id, int status, const char *msg)
{
	int r;

	if ((r = sftp_reply_begin(s, SSH_FXP_STATUS, id)) != 0 ||
	    (r = kssh_buf_put_u32(&s->out, (uint32_t)status)) != 0 ||
	    (r = kssh_buf_put_cstring(&s->out, msg ? msg : sftp_status_message(status))) != 0 ||
	    (r = kssh_buf_put_cstring(&s->out, "")) != 0)
		return r;
	return sftp_reply_end(s);
}

int sftp_reply_read_only(struct sftp_server *s, uint32_t id)
{
	return sftp_reply_status(s, id, SSH_FX_PERMISSION_DENIED, "Read-only server");
}

/* The status that maps errno, with the system's own words (e.g. "No space left on device") */
int sftp_reply_errno(struct sftp_server *s, uint32_t id, int err)
{
	int status = sftp_status_from_errno(err);

	return sftp_reply_status(s, id, status, status == SSH_FX_FAILURE ? strerror(err)
	                                                                 : sftp_status_message(status));
}

int sftp_reply_attrs(struct sftp_server *s, uint32_t id, const struct stat *st)
{
	struct sftp_attrs a;
	int r;

	sftp_attrs_from_stat(st, &a);
	if ((r = sftp_reply_begin(s, SSH_FXP_ATTRS, id)) != 0 || (r = sftp_attrs_encode(&s->out, &a)) != 0)
		return r;
	return sftp_reply_end(s);
}

/* NAME with one entry; st NULL for a bare name (REALPATH, READLINK) */
int sftp_reply_name(struct sftp_server *s, uint32_t id, const char *name, const struct stat *st)
{
	struct sftp_attrs a = { 0 };
	char longname[PATH_MAX + 128];
	int r;

	if (st != NULL) {
		sftp_attrs_from_stat(st, &a);
		sftp_longname(name, st, longname, sizeof(longname));
	}
	if ((r = sftp_reply_begin(s, SSH_FXP_NAME, id)) != 0 || (r = kssh_buf_put_u32(&s->out, 1)) != 0 ||
	    (r = kssh_buf_put_cstring(&s->out, name)) != 0 ||
	    (r = kssh_buf_put_cstring(&s->out, st ? longname : name)) != 0 ||
	    (r = sftp_attrs_encode(&s->out, &a)) != 0)
		return r;
	return sftp_reply_end(s);
}

int sftp_handle_new(struct sftp_server *s, enum handle_kind kind, int fd, DIR *dir, const char *path)
{
	for (int i = 0; i < SFTP_MAX_HANDLES; i++) {
		struct sftp_handle *h = &s->handles[i];

		if (h->kind != HANDLE_FREE)
			continue;
		if ((h->path = strdup(path)) == NULL)
			return -1;
		h->kind = kind;
		h->fd = fd;
		h->dir = dir;
		h->gen = ++s->next_gen;
		h->bytes_read = h->bytes_written = 0;
		return i;
	}
	return -1;
}

int sftp_put_handle(struct sftp_server *s, int index)
{
	uint8_t h[HANDLE_LEN];

	kssh_poke_u32(h, (uint32_t)index);
	kssh_poke_u32(h + 4, s->handles[index].gen);
	return kssh_buf_put_string(&s->out, h, sizeof(h));
}

/* NULL when the handle is unknown, stale or of another kind; the caller answers with a status */
struct sftp_handle *sftp_handle_get(struct sftp_server *s, struct kssh_buf *req, enum handle_kind kind)
{
	const uint8_t *p;
	size_t n;
	uint32_t index;

	if (kssh_buf_get_string_view(req, &p, &n) != 0 || n != HANDLE_LEN)
		return NULL;
	index = kssh_peek_u32(p);
	if (index >= SFTP_MAX_HANDLES || s->handles[index].kind != kind ||
	    s->handles[index].gen != kssh_peek_u32(p + 4))
		return NULL;
	return &s->handles[index];
}

int sftp_op_close(struct sftp_server *s, uint32_t id, struct kssh_buf *req)
{
	struct kssh_buf copy = *req;
	struct sftp_handle *h = sftp_handle_get(s, req, HANDLE_FILE);
	int err = 0;

	if (h == NULL)
		h = sftp_handle_get(s, &copy, HANDLE_DIR);
	if (h == NULL)
		return sftp_reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	/* a close that fails (NFS, a full disk) is reported: data may be lost */
	if (h->kind == HANDLE_FILE && close(h->fd) != 0)
		err = errno;
	if (h->kind == HANDLE_FILE)
		sftp_log(s, LOG_INFO, "close \"%s\" bytes read %llu written %llu", h->path ? h->path : "",
		         (unsigned long long)h->bytes_read, (unsigned long long)h->bytes_written);
	else
		sftp_log(s, LOG_INFO, "closedir \"%s\"", h->path ? h->path : "");
	h->fd = -1;
	handle_close(h);
	return err ? sftp_reply_errno(s, id, err) : sftp_reply_status(s, id, SSH_FX_OK, NULL);
}

int sftp_get_path(struct kssh_buf *req, char **path)
{
	size_t len;
	int r;

	if ((r = kssh_buf_get_cstring(req, path, &len)) != 0)
		return r;
	if (len >= PATH_MAX) {
		free(*path);
		*path = NULL;
		return KSSH_ERR_STRING_TOO_LARGE;
	}
	return 0;
}

static int on_init(struct sftp_server *s, struct kssh_buf *req)
{
	uint32_t version;
	int r;

	/* a client asking for a later version (lftp asks for 6) gets 3 */
	if ((r = kssh_buf_get_u32(req, &version)) != 0)
		return r;
	if ((r = sftp_reply_begin(s, SSH_FXP_VERSION, 0)) != 0 ||
	    (r = kssh_buf_put_u32(&s->out, SFTP_VERSION)) != 0 || (r = sftp_put_extensions(&s->out)) != 0)
		return r;
	s->version_sent = 1;
	return sftp_reply_end(s);
}

static int dispatch(struct sftp_server *s, uint8_t type, uint32_t id, struct kssh_buf *req)
{
	switch (type) {
	case SSH_FXP_OPEN: return sftp_op_open(s, id, req);
	case SSH_FXP_CLOSE: return sftp_op_close(s, id, req);
	case SSH_FXP_READ: return sftp_op_read(s, id, req);
	case SSH_FXP_WRITE: return sftp_op_write(s, id, req);
	case SSH_FXP_LSTAT: return sftp_op_stat(s, id, req, 0);
	case SSH_FXP_STAT: return sftp_op_stat(s, id, req, 1);
	case SSH_FXP_FSTAT: return sftp_op_fstat(s, id, req);
	case SSH_FXP_SETSTAT: return sftp_op_setstat(s, id, req, 1);
	case SSH_FXP_FSETSTAT: return sftp_op_fsetstat(s, id, req);
	case SSH_FXP_OPENDIR: return sftp_op_opendir(s, id, req);
	case SSH_FXP_READDIR: return sftp_op_readdir(s, id, req);
	case SSH_FXP_REMOVE: return sftp_op_remove(s, id, req);
	case SSH_FXP_MKDIR: return sftp_op_mkdir(s, id, req);
	case SSH_FXP_RMDIR: return sftp_op_rmdir(s, id, req);
	case SSH_FXP_REALPATH: return sftp_op_realpath(s, id, req);
	case SSH_FXP_RENAME: return sftp_op_rename(s, id, req, 0);
	case SSH_FXP_READLINK: return sftp_op_readlink(s, id, req);
	case SSH_FXP_SYMLINK: return sftp_op_symlink(s, id, req);
	case SSH_FXP_EXTENDED: return sftp_op_extended(s, id, req);
	default: return sftp_reply_status(s, id, SSH_FX_OP_UNSUPPORTED, NULL);
	}
}

/* One request: answered, or a malformed one answered with BAD_MESSAGE (the stream goes on). */
static int handle_request(struct sftp_server *s, struct kssh_buf *req)
{
	size_t out_before = kssh_buf_len(&s->out);
	struct kssh_buf seen;
	const char *name;
	uint8_t type;
	uint32_t id;
	int r;

	if ((r = kssh_buf_get_u8(req, &type)) != 0)
		return r;
	if (type == SSH_FXP_INIT)
		return s->version_sent ? KSSH_ERR_PROTOCOL : on_init(s, req);
	if (!s->version_sent)
		return KSSH_ERR_PROTOCOL; /* INIT must come first */
	if ((r = kssh_buf_get_u32(req, &id)) != 0)
		return r;
	name = sftp_request_name(type, req);
	sftp_log(s, LOG_DEBUG, "request %u: %s", id, name ? name : "unknown");
	if (!sftp_request_permitted(s, name)) {
		sftp_log(s, LOG_INFO, "refused %s request: not permitted by the request lists", name);
		return sftp_reply_status(s, id, SSH_FX_PERMISSION_DENIED, "Request not permitted");
	}
	seen = *req;
	r = dispatch(s, type, id, req);
	if (r == 0)
		sftp_log_request(s, name, &seen);
	if (r == KSSH_ERR_ALLOC || r == KSSH_ERR_NO_BUFFER_SPACE)
		return r;
	if (r != 0) {
		/* a request that does not parse: drop any half reply, say so, carry on */
		kssh_buf_consume_end(&s->out, kssh_buf_len(&s->out) - out_before);
		return sftp_reply_status(s, id, SSH_FX_BAD_MESSAGE, "Malformed request");
	}
	return 0;
}

int sftp_server_process(struct sftp_server *s, size_t out_limit)
{
	while (kssh_buf_len(&s->out) + s->seg_bytes < out_limit) {
		struct kssh_buf req;
		size_t served;
		uint32_t len;
		int r;

		if ((r = sftp_batch_serve(s, out_limit, &served)) != 0)
			return r;
		if (served > 0) {
			kssh_buf_consume(&s->in, served);
			continue;
		}
		if (kssh_buf_peek_u32(&s->in, 0, &len) != 0)
			return 0;
		if (len == 0 || len > SFTP_MAX_PACKET)
			return KSSH_ERR_PACKET_LENGTH;
		if (kssh_buf_len(&s->in) < 4 + (size_t)len)
			return 0;
		kssh_buf_view(&req, kssh_buf_ptr(&s->in) + 4, len);
		r = handle_request(s, &req);
		kssh_buf_consume(&s->in, 4 + (size_t)len);
		if (r != 0)
			return r;
	}
	return 0;
}
