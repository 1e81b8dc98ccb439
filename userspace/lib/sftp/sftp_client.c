// SPDX-License-Identifier: MIT
/*
 * The SFTP v3 client: requests, replies matched by id, and transfers that keep
 * many reads or writes in flight (the server's limits@openssh.com sizes them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/kex.h"
#include "kssh/sftp.h"

#define DEFAULT_CHUNK (32u * 1024)  /* without limits@openssh.com: what every server takes */
#define CHUNK_MAX (256u * 1024)

#include "sftp_client_internal.h"

struct sftp_client *sftp_client_new(sftp_io_fn io, void *arg)
{
	struct sftp_client *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->io = io;
	c->io_arg = arg;
	c->next_id = 1;
	c->read_len = c->write_len = DEFAULT_CHUNK;
	kssh_buf_init(&c->in, KSSH_BUF_MAX_DEFAULT);
	kssh_buf_init(&c->out, KSSH_BUF_MAX_DEFAULT);
	return c;
}

void sftp_client_free(struct sftp_client *c)
{
	if (c == NULL)
		return;
	kssh_buf_release(&c->in);
	kssh_buf_release(&c->out);
	free(c);
}

int sftp_client_status(const struct sftp_client *c)
{
	return c->status;
}

const char *sftp_client_message(const struct sftp_client *c)
{
	return c->message;
}

int sftp_client_has_extension(const struct sftp_client *c, const char *name)
{
	return kssh_list_has(c->extensions, name);
}

/* Starts a request: length (patched on send), type, id */
struct kssh_buf *sftp_client_begin(struct sftp_client *c, uint8_t type, uint32_t *id, size_t *start)
{
	*start = kssh_buf_len(&c->out);
	*id = c->next_id++;
	if (kssh_buf_put_u32(&c->out, 0) != 0 || kssh_buf_put_u8(&c->out, type) != 0 ||
	    kssh_buf_put_u32(&c->out, *id) != 0)
		return NULL;
	return &c->out;
}

void sftp_client_finish(struct sftp_client *c, size_t start)
{
	kssh_poke_u32(kssh_buf_mutable_ptr(&c->out) + start, (uint32_t)(kssh_buf_len(&c->out) - start - 4));
}

/* The next reply, whatever its id; its body (after type and id) in *body */
int sftp_client_next_reply(struct sftp_client *c, uint8_t *type, uint32_t *id, struct kssh_buf *body,
                      size_t *consume)
{
	uint32_t len;
	int r;

	for (;;) {
		if (kssh_buf_peek_u32(&c->in, 0, &len) == 0) {
			if (len < 5 || len > REPLY_MAX)
				return KSSH_ERR_PACKET_LENGTH;
			if (kssh_buf_len(&c->in) >= 4 + (size_t)len) {
				kssh_buf_view(body, kssh_buf_ptr(&c->in) + 4, len);
				*consume = 4 + (size_t)len;
				if ((r = kssh_buf_get_u8(body, type)) != 0)
					return r;
				return *type == SSH_FXP_VERSION ? 0 : kssh_buf_get_u32(body, id);
			}
		}
		if ((r = c->io(c->io_arg, &c->out, &c->in)) != 0)
			return r;
	}
}

int sftp_client_read_status(struct sftp_client *c, struct kssh_buf *body)
{
	uint32_t code;
	const uint8_t *msg;
	size_t n;

	if (kssh_buf_get_u32(body, &code) != 0)
		return KSSH_ERR_INVALID_FORMAT;
	c->status = (int)code;
	c->message[0] = 0;
	if (kssh_buf_get_string_view(body, &msg, &n) == 0) {
		n = n < sizeof(c->message) - 1 ? n : sizeof(c->message) - 1;
		for (size_t i = 0; i < n; i++)
			c->message[i] = msg[i] >= 0x20 && msg[i] < 0x7f ? (char)msg[i] : '?';
		c->message[n] = 0;
	}
	if (c->message[0] == 0)
		snprintf(c->message, sizeof(c->message), "%s", sftp_status_message(c->status));
	return 0;
}

/*
 * Sends the composed request and waits for its reply. Returns 0 with the reply
 * of type `want` in *body (valid until *consume bytes are dropped), 1 for a
 * STATUS (in c->status), or an error.
 */
static int call(struct sftp_client *c, uint32_t id, uint8_t want, struct kssh_buf *body,
                size_t *consume)
{
	uint8_t type;
	uint32_t got;
	int r;

	if ((r = sftp_client_next_reply(c, &type, &got, body, consume)) != 0)
		return r;
	if (got != id)
		return KSSH_ERR_PROTOCOL;
	if (type == SSH_FXP_STATUS) {
		r = sftp_client_read_status(c, body);
		kssh_buf_consume(&c->in, *consume);
		return r ? r : 1;
	}
	if (type != want)
		return KSSH_ERR_PROTOCOL;
	c->status = SSH_FX_OK;
	return 0;
}

/* For requests answered by STATUS alone: 0 on OK, 1 on another status, or an error */
static int call_status(struct sftp_client *c, uint32_t id)
{
	struct kssh_buf body;
	size_t consume;
	int r = call(c, id, SSH_FXP_STATUS, &body, &consume);

	return r == 1 ? (c->status == SSH_FX_OK ? 0 : 1) : r < 0 ? r : KSSH_ERR_PROTOCOL;
}

/* A request whose only field is a path; the reply as call() gives it */
static int path_request(struct sftp_client *c, uint8_t type, const char *path, uint8_t want,
                        struct kssh_buf *body, size_t *consume)
{
	struct kssh_buf *b;
	size_t start;
	uint32_t id;

	if ((b = sftp_client_begin(c, type, &id, &start)) == NULL || kssh_buf_put_cstring(b, path) != 0)
		return KSSH_ERR_ALLOC;
	sftp_client_finish(c, start);
	return call(c, id, want, body, consume);
}

int sftp_client_init(struct sftp_client *c)
{
	struct kssh_buf body;
	uint32_t version, id;
	size_t start, consume;
	uint8_t type;
	int r;

	/* INIT has no request id: length 5, type, version */
	if ((r = kssh_buf_put_u32(&c->out, 5)) != 0 || (r = kssh_buf_put_u8(&c->out, SSH_FXP_INIT)) != 0 ||
	    (r = kssh_buf_put_u32(&c->out, SFTP_VERSION)) != 0)
		return r;
	if ((r = sftp_client_next_reply(c, &type, &id, &body, &consume)) != 0)
		return r;
	if (type != SSH_FXP_VERSION || kssh_buf_get_u32(&body, &version) != 0 || version < 3)
		return KSSH_ERR_PROTOCOL;
	while (kssh_buf_len(&body) > 0) {
		char *name = NULL;

		if (kssh_buf_get_cstring(&body, &name, NULL) != 0 ||
		    kssh_buf_get_string_view(&body, NULL, NULL) != 0) {
			free(name);
			return KSSH_ERR_INVALID_FORMAT;
		}
		kssh_list_append(c->extensions, sizeof(c->extensions), name);
		free(name);
	}
	kssh_buf_consume(&c->in, consume);
	if (sftp_client_has_extension(c, "limits@openssh.com")) {
		struct kssh_buf *b = sftp_client_begin(c, SSH_FXP_EXTENDED, &id, &start);
		uint64_t max_packet, max_read, max_write;

		if (b == NULL || kssh_buf_put_cstring(b, "limits@openssh.com") != 0)
			return KSSH_ERR_ALLOC;
		sftp_client_finish(c, start);
		if ((r = call(c, id, SSH_FXP_EXTENDED_REPLY, &body, &consume)) < 0)
			return r;
		if (r == 0 && kssh_buf_get_u64(&body, &max_packet) == 0 &&
		    kssh_buf_get_u64(&body, &max_read) == 0 && kssh_buf_get_u64(&body, &max_write) == 0) {
			c->read_len = max_read > CHUNK_MAX ? CHUNK_MAX : max_read ? (uint32_t)max_read : DEFAULT_CHUNK;
			c->write_len = max_write > CHUNK_MAX ? CHUNK_MAX : max_write ? (uint32_t)max_write : DEFAULT_CHUNK;
			if (max_packet && c->write_len + 1024 > max_packet)
				c->write_len = (uint32_t)(max_packet - 1024);
		}
		if (r == 0)
			kssh_buf_consume(&c->in, consume);
	}
	return 0;
}

static int get_handle(struct kssh_buf *body, struct sftp_handle_ref *h)
{
	const uint8_t *p;
	size_t n;

	if (kssh_buf_get_string_view(body, &p, &n) != 0 || n > sizeof(h->data))
		return KSSH_ERR_INVALID_FORMAT;
	memcpy(h->data, p, n);
	h->len = n;
	return 0;
}

int sftp_client_open(struct sftp_client *c, const char *path, uint32_t pflags,
                     const struct sftp_attrs *a, struct sftp_handle_ref *h)
{
	struct sftp_attrs none = { 0 };
	struct kssh_buf *b, body;
	size_t start, consume;
	uint32_t id;
	int r;

	if ((b = sftp_client_begin(c, SSH_FXP_OPEN, &id, &start)) == NULL || kssh_buf_put_cstring(b, path) != 0 ||
	    kssh_buf_put_u32(b, pflags) != 0 || sftp_attrs_encode(b, a ? a : &none) != 0)
		return KSSH_ERR_ALLOC;
	sftp_client_finish(c, start);
	if ((r = call(c, id, SSH_FXP_HANDLE, &body, &consume)) != 0)
		return r;
	r = get_handle(&body, h);
	kssh_buf_consume(&c->in, consume);
	return r;
}

int sftp_client_opendir(struct sftp_client *c, const char *path, struct sftp_handle_ref *h)
{
	struct kssh_buf body;
	size_t consume;
	int r;

	if ((r = path_request(c, SSH_FXP_OPENDIR, path, SSH_FXP_HANDLE, &body, &consume)) != 0)
		return r;
	r = get_handle(&body, h);
	kssh_buf_consume(&c->in, consume);
	return r;
}

static int handle_op(struct sftp_client *c, uint8_t type, const struct sftp_handle_ref *h)
{
	struct kssh_buf *b;
	size_t start;
	uint32_t id;

	if ((b = sftp_client_begin(c, type, &id, &start)) == NULL || kssh_buf_put_string(b, h->data, h->len) != 0)
		return KSSH_ERR_ALLOC;
	sftp_client_finish(c, start);
	return call_status(c, id);
}

int sftp_client_close(struct sftp_client *c, const struct sftp_handle_ref *h)
{
	return handle_op(c, SSH_FXP_CLOSE, h);
}

void sftp_names_free(struct sftp_name *names, size_t n)
{
	for (size_t i = 0; names != NULL && i < n; i++) {
		free(names[i].name);
		free(names[i].longname);
	}
	free(names);
}

static int read_names(struct kssh_buf *body, struct sftp_name **names, size_t *n)
{
	uint32_t count;
	struct sftp_name *v;

	*names = NULL;
	*n = 0;
	if (kssh_buf_get_u32(body, &count) != 0 || count > 100000 || count > kssh_buf_len(body) / 12)
		return KSSH_ERR_INVALID_FORMAT;
	if ((v = calloc(count ? count : 1, sizeof(*v))) == NULL)
		return KSSH_ERR_ALLOC;
	for (uint32_t i = 0; i < count; i++) {
		if (kssh_buf_get_cstring(body, &v[i].name, NULL) != 0 ||
		    kssh_buf_get_cstring(body, &v[i].longname, NULL) != 0 ||
		    sftp_attrs_decode(body, &v[i].attrs) != 0) {
			sftp_names_free(v, i + 1);
			return KSSH_ERR_INVALID_FORMAT;
		}
	}
	*names = v;
	*n = count;
	return 0;
}

int sftp_client_readdir(struct sftp_client *c, const struct sftp_handle_ref *h,
                        struct sftp_name **names, size_t *n)
{
	struct kssh_buf *b, body;
	size_t start, consume;
	uint32_t id;
	int r;

	*names = NULL;
	*n = 0;
	if ((b = sftp_client_begin(c, SSH_FXP_READDIR, &id, &start)) == NULL ||
	    kssh_buf_put_string(b, h->data, h->len) != 0)
		return KSSH_ERR_ALLOC;
	sftp_client_finish(c, start);
	if ((r = call(c, id, SSH_FXP_NAME, &body, &consume)) != 0)
		return r == 1 && c->status == SSH_FX_EOF ? 0 : r;
	r = read_names(&body, names, n);
	kssh_buf_consume(&c->in, consume);
	return r;
}

int sftp_client_realpath(struct sftp_client *c, const char *path, char **out)
{
	struct kssh_buf body;
	struct sftp_name *names;
	size_t consume, n;
	int r;

	*out = NULL;
	if ((r = path_request(c, SSH_FXP_REALPATH, path, SSH_FXP_NAME, &body, &consume)) != 0)
		return r;
	r = read_names(&body, &names, &n);
	kssh_buf_consume(&c->in, consume);
	if (r != 0)
		return r;
	if (n == 1) {
		*out = names[0].name;
		names[0].name = NULL;
	}
	sftp_names_free(names, n);
	return *out ? 0 : KSSH_ERR_INVALID_FORMAT;
}

int sftp_client_stat(struct sftp_client *c, const char *path, int follow, struct sftp_attrs *a)
{
	struct kssh_buf body;
	size_t consume;
	int r;

	if ((r = path_request(c, follow ? SSH_FXP_STAT : SSH_FXP_LSTAT, path, SSH_FXP_ATTRS, &body,
	                      &consume)) != 0)
		return r;
	r = sftp_attrs_decode(&body, a);
	kssh_buf_consume(&c->in, consume);
	return r;
}

int sftp_client_fsetstat(struct sftp_client *c, const struct sftp_handle_ref *h,
                         const struct sftp_attrs *a)
{
	struct kssh_buf *b;
	size_t start;
	uint32_t id;

	if ((b = sftp_client_begin(c, SSH_FXP_FSETSTAT, &id, &start)) == NULL ||
	    kssh_buf_put_string(b, h->data, h->len) != 0 || sftp_attrs_encode(b, a) != 0)
		return KSSH_ERR_ALLOC;
	sftp_client_finish(c, start);
	return call_status(c, id);
}

int sftp_client_path_op(struct sftp_client *c, uint8_t type, const char *a, const char *bpath,
                        const struct sftp_attrs *attrs)
{
	struct kssh_buf *b;
	size_t start;
	uint32_t id;

	if ((b = sftp_client_begin(c, type, &id, &start)) == NULL || kssh_buf_put_cstring(b, a) != 0 ||
	    (bpath && kssh_buf_put_cstring(b, bpath) != 0) || (attrs && sftp_attrs_encode(b, attrs) != 0))
		return KSSH_ERR_ALLOC;
	sftp_client_finish(c, start);
	return call_status(c, id);
}

static int extended_two(struct sftp_client *c, const char *ext, const char *a, const char *bpath)
{
	struct kssh_buf *b;
	size_t start;
	uint32_t id;

	if ((b = sftp_client_begin(c, SSH_FXP_EXTENDED, &id, &start)) == NULL || kssh_buf_put_cstring(b, ext) != 0 ||
	    kssh_buf_put_cstring(b, a) != 0 || kssh_buf_put_cstring(b, bpath) != 0)
		return KSSH_ERR_ALLOC;
	sftp_client_finish(c, start);
	return call_status(c, id);
}

int sftp_client_posix_rename(struct sftp_client *c, const char *from, const char *to)
{
	if (!sftp_client_has_extension(c, "posix-rename@openssh.com"))
		return sftp_client_path_op(c, SSH_FXP_RENAME, from, to, NULL);
	return extended_two(c, "posix-rename@openssh.com", from, to);
}

int sftp_client_hardlink(struct sftp_client *c, const char *from, const char *to)
{
	if (!sftp_client_has_extension(c, "hardlink@openssh.com")) {
		c->status = SSH_FX_OP_UNSUPPORTED;
		snprintf(c->message, sizeof(c->message), "the server cannot make hard links");
		return 1;
	}
	return extended_two(c, "hardlink@openssh.com", from, to);
}

int sftp_client_statvfs(struct sftp_client *c, const char *path, uint64_t fields[11])
{
	struct kssh_buf *b, body;
	size_t start, consume;
	uint32_t id;
	int r;

	if (!sftp_client_has_extension(c, "statvfs@openssh.com")) {
		c->status = SSH_FX_OP_UNSUPPORTED;
		snprintf(c->message, sizeof(c->message), "the server does not report file systems");
		return 1;
	}
	if ((b = sftp_client_begin(c, SSH_FXP_EXTENDED, &id, &start)) == NULL ||
	    kssh_buf_put_cstring(b, "statvfs@openssh.com") != 0 || kssh_buf_put_cstring(b, path) != 0)
		return KSSH_ERR_ALLOC;
	sftp_client_finish(c, start);
	if ((r = call(c, id, SSH_FXP_EXTENDED_REPLY, &body, &consume)) != 0)
		return r;
	for (int i = 0; i < 11 && r == 0; i++)
		r = kssh_buf_get_u64(&body, &fields[i]);
	kssh_buf_consume(&c->in, consume);
	return r ? KSSH_ERR_INVALID_FORMAT : 0;
}
