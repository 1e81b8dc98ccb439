// SPDX-License-Identifier: MIT
/*
 * Pipelined transfers: IN_FLIGHT reads or writes outstanding at once, each
 * carrying its own offset, so replies may come in any order. A failure stops
 * new requests; the outstanding ones are still collected before returning,
 * so the connection stays in step.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kssh/err.h"
#include "sftp_client_internal.h"

struct in_flight {
	uint32_t id;
	uint64_t offset;
	uint32_t len;
	int used;
};

static struct in_flight *find(struct in_flight *v, uint32_t id)
{
	for (int i = 0; i < IN_FLIGHT; i++)
		if (v[i].used && v[i].id == id)
			return &v[i];
	return NULL;
}

static struct in_flight *free_slot(struct in_flight *v)
{
	for (int i = 0; i < IN_FLIGHT; i++)
		if (!v[i].used)
			return &v[i];
	return NULL;
}

static int send_read(struct sftp_client *c, const struct sftp_handle_ref *h, struct in_flight *slot,
                     uint64_t offset, uint32_t len)
{
	struct kssh_buf *b;
	size_t start;

	if ((b = sftp_client_begin(c, SSH_FXP_READ, &slot->id, &start)) == NULL ||
	    kssh_buf_put_string(b, h->data, h->len) != 0 || kssh_buf_put_u64(b, offset) != 0 ||
	    kssh_buf_put_u32(b, len) != 0)
		return KSSH_ERR_ALLOC;
	sftp_client_finish(c, start);
	*slot = (struct in_flight){ .id = slot->id, .offset = offset, .len = len, .used = 1 };
	return 0;
}

static void fail_local(struct sftp_client *c, const char *what, int err)
{
	c->status = SSH_FX_FAILURE;
	snprintf(c->message, sizeof(c->message), "%s: %s", what, strerror(err));
}

int sftp_client_download(struct sftp_client *c, const struct sftp_handle_ref *h, int fd,
                         uint64_t offset, sftp_progress_fn progress, void *arg)
{
	struct in_flight slots[IN_FLIGHT] = { 0 };
	uint64_t next = offset, done = offset;
	int outstanding = 0, stop = 0, failed = 0, r;

	for (;;) {
		struct kssh_buf body;
		struct in_flight *s;
		const uint8_t *data;
		size_t consume, n;
		uint8_t type;
		uint32_t id;

		while (!stop && outstanding < IN_FLIGHT) {
			if ((r = send_read(c, h, free_slot(slots), next, c->read_len)) != 0)
				return r;
			next += c->read_len;
			outstanding++;
		}
		if (outstanding == 0)
			break;
		if ((r = sftp_client_next_reply(c, &type, &id, &body, &consume)) != 0)
			return r;
		if ((s = find(slots, id)) == NULL)
			return KSSH_ERR_PROTOCOL;
		s->used = 0;
		outstanding--;
		if (type == SSH_FXP_DATA && kssh_buf_get_string_view(&body, &data, &n) == 0 && n <= s->len) {
			if (!failed && pwrite(fd, data, n, (off_t)s->offset) != (ssize_t)n) {
				fail_local(c, "local write", errno);
				failed = stop = 1;
			}
			done += n;
			/* a short read that is not the end: ask for the rest */
			if (n < s->len && !stop && n > 0 &&
			    (r = send_read(c, h, free_slot(slots), s->offset + n, s->len - (uint32_t)n)) == 0)
				outstanding++;
		} else if (type == SSH_FXP_STATUS) {
			if ((r = sftp_client_read_status(c, &body)) != 0)
				return r;
			stop = 1; /* EOF: the end; anything else: a failure */
			failed |= c->status != SSH_FX_EOF;
		} else {
			return KSSH_ERR_PROTOCOL;
		}
		kssh_buf_consume(&c->in, consume);
		if (progress != NULL)
			progress(arg, done);
	}
	if (!failed)
		c->status = SSH_FX_OK;
	return failed ? 1 : 0;
}

static int send_write(struct sftp_client *c, const struct sftp_handle_ref *h, int fd,
                      struct in_flight *slot, uint64_t offset, uint32_t len)
{
	struct kssh_buf *b;
	size_t start;
	uint8_t *dst;
	ssize_t got;

	if ((b = sftp_client_begin(c, SSH_FXP_WRITE, &slot->id, &start)) == NULL ||
	    kssh_buf_put_string(b, h->data, h->len) != 0 || kssh_buf_put_u64(b, offset) != 0 ||
	    kssh_buf_put_u32(b, len) != 0 || kssh_buf_reserve(b, len, &dst) != 0)
		return KSSH_ERR_ALLOC;
	/* the file is read straight into the request */
	got = pread(fd, dst, len, (off_t)offset);
	if (got != (ssize_t)len) {
		kssh_buf_consume_end(b, kssh_buf_len(b) - start);
		fail_local(c, "local read", got < 0 ? errno : EIO);
		return 1;
	}
	sftp_client_finish(c, start);
	*slot = (struct in_flight){ .id = slot->id, .offset = offset, .len = len, .used = 1 };
	return 0;
}

int sftp_client_upload(struct sftp_client *c, const struct sftp_handle_ref *h, int fd,
                       uint64_t offset, uint64_t size, sftp_progress_fn progress, void *arg)
{
	struct in_flight slots[IN_FLIGHT] = { 0 };
	uint64_t next = offset, done = offset;
	int outstanding = 0, failed = 0, r;

	for (;;) {
		struct kssh_buf body;
		struct in_flight *s;
		size_t consume;
		uint8_t type;
		uint32_t id;

		while (!failed && next < size && outstanding < IN_FLIGHT) {
			uint32_t len = size - next < c->write_len ? (uint32_t)(size - next) : c->write_len;

			if ((r = send_write(c, h, fd, free_slot(slots), next, len)) < 0)
				return r;
			if (r == 1) {
				failed = 1;
				break;
			}
			next += len;
			outstanding++;
		}
		if (outstanding == 0)
			break;
		if ((r = sftp_client_next_reply(c, &type, &id, &body, &consume)) != 0)
			return r;
		if ((s = find(slots, id)) == NULL || type != SSH_FXP_STATUS)
			return KSSH_ERR_PROTOCOL;
		s->used = 0;
		outstanding--;
		if (!failed) {
			if ((r = sftp_client_read_status(c, &body)) != 0)
				return r;
			failed = c->status != SSH_FX_OK;
			done += failed ? 0 : s->len;
		}
		kssh_buf_consume(&c->in, consume);
		if (progress != NULL)
			progress(arg, done);
	}
	return failed ? 1 : 0;
}
