// SPDX-License-Identifier: MIT
/*
 * Channel bookkeeping (RFC 4254 5): ids, windows, EOF/CLOSE ordering. Every
 * number the peer sends about a channel is checked here, so the owners only
 * ever see data that fits the window they granted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kssh/channel.h"
#include "kssh/err.h"
#include "kssh/msg.h"

void kssh_chan_table_init(struct kssh_chan_table *tab)
{
	memset(tab, 0, sizeof(*tab));
	tab->limit = KSSH_CHAN_MAX;
	tab->window_max = KSSH_CHAN_WINDOW_MAX;
	tab->window_goal = KSSH_CHAN_WINDOW;
	tab->max_packet = KSSH_CHAN_PACKET_COMPAT;
}

void kssh_chan_table_set_peer(struct kssh_chan_table *tab, const char *peer_version)
{
	tab->max_packet = peer_version != NULL && strncmp(peer_version, "SSH-2.0-kssh_", 13) == 0
	                  ? KSSH_CHAN_PACKET : KSSH_CHAN_PACKET_COMPAT;
}

void kssh_chan_table_set_window_max(struct kssh_chan_table *tab, uint32_t bytes)
{
	tab->window_max = bytes < KSSH_CHAN_WINDOW ? KSSH_CHAN_WINDOW
	                  : bytes > KSSH_CHAN_WINDOW_LIMIT ? KSSH_CHAN_WINDOW_LIMIT : bytes;
	kssh_chan_set_window_goal(tab, tab->window_goal);
}

void kssh_chan_set_window_goal(struct kssh_chan_table *tab, uint32_t bytes)
{
	uint32_t goal = bytes < KSSH_CHAN_WINDOW ? KSSH_CHAN_WINDOW : bytes > tab->window_max ? tab->window_max : bytes;

	if (goal == tab->window_goal)
		return;
	tab->window_goal = goal;
	for (uint32_t i = 0; i < tab->end; i++)
		if (tab->slot[i] != NULL)
			tab->slot[i]->window_goal = goal;
}

void kssh_chan_table_release(struct kssh_chan_table *tab)
{
	for (uint32_t i = 0; i < tab->end; i++)
		free(tab->slot[i]);
	kssh_chan_table_init(tab);
}

void kssh_chan_table_set_limit(struct kssh_chan_table *tab, uint32_t n)
{
	tab->limit = n < 1 ? 1 : n > KSSH_CHAN_MAX ? KSSH_CHAN_MAX : n;
}

struct kssh_channel *kssh_chan_lookup(struct kssh_chan_table *tab, uint32_t local_id)
{
	if (local_id >= tab->end || tab->slot[local_id] == NULL || tab->slot[local_id]->state == KSSH_CHAN_FREE)
		return NULL;
	return tab->slot[local_id];
}

uint32_t kssh_chan_end(const struct kssh_chan_table *tab)
{
	return tab->end;
}

size_t kssh_chan_count(const struct kssh_chan_table *tab)
{
	size_t n = 0;

	for (size_t i = 0; i < tab->end; i++)
		n += tab->slot[i] != NULL && tab->slot[i]->state != KSSH_CHAN_FREE;
	return n;
}

static struct kssh_channel *chan_alloc(struct kssh_chan_table *tab, const char *type, void *owner)
{
	for (uint32_t i = 0; i < tab->limit && i < KSSH_CHAN_MAX; i++) {
		struct kssh_channel *ch = tab->slot[i];

		if (ch == NULL && (ch = tab->slot[i] = calloc(1, sizeof(*ch))) == NULL)
			return NULL;
		if (ch->state != KSSH_CHAN_FREE)
			continue;
		memset(ch, 0, sizeof(*ch));
		ch->local_id = i;
		ch->local_window = ch->local_window_max = KSSH_CHAN_WINDOW;
		ch->window_goal = tab->window_goal;
		snprintf(ch->type, sizeof(ch->type), "%s", type);
		ch->owner = owner;
		if (tab->end <= i)
			tab->end = i + 1;
		return ch;
	}
	return NULL;
}

void kssh_chan_free(struct kssh_channel *ch)
{
	uint32_t id = ch->local_id;

	memset(ch, 0, sizeof(*ch));
	ch->local_id = id;
}

static int on_open(struct kssh_transport *t, struct kssh_buf *msg, struct kssh_chan_event *ev)
{
	int r;

	ev->kind = KSSH_CHAN_EV_OPEN;
	if ((r = kssh_buf_get_name(msg, ev->name, sizeof(ev->name))) != 0 ||
	    (r = kssh_buf_get_u32(msg, &ev->peer_id)) != 0 ||
	    (r = kssh_buf_get_u32(msg, &ev->peer_window)) != 0 ||
	    (r = kssh_buf_get_u32(msg, &ev->peer_max_packet)) != 0)
		return kssh_transport_fail(t, r, "malformed CHANNEL_OPEN");
	ev->rest = *msg;
	return 0;
}

static int on_confirm(struct kssh_transport *t, struct kssh_channel *ch, struct kssh_buf *msg,
                      struct kssh_chan_event *ev)
{
	int r;

	if (ch->state != KSSH_CHAN_OPENING)
		return kssh_transport_fail(t, KSSH_ERR_PROTOCOL, "OPEN_CONFIRMATION for an open channel");
	if ((r = kssh_buf_get_u32(msg, &ch->remote_id)) != 0 ||
	    (r = kssh_buf_get_u32(msg, &ch->remote_window)) != 0 ||
	    (r = kssh_buf_get_u32(msg, &ch->remote_max_packet)) != 0)
		return kssh_transport_fail(t, r, "malformed CHANNEL_OPEN_CONFIRMATION");
	ch->state = KSSH_CHAN_OPEN;
	ev->kind = KSSH_CHAN_EV_OPEN_CONFIRM;
	ev->rest = *msg;
	return 0;
}

static int on_open_failure(struct kssh_transport *t, struct kssh_channel *ch, struct kssh_buf *msg,
                           struct kssh_chan_event *ev)
{
	const uint8_t *text;
	size_t n;
	int r;

	if (ch->state != KSSH_CHAN_OPENING)
		return kssh_transport_fail(t, KSSH_ERR_PROTOCOL, "OPEN_FAILURE for an open channel");
	if ((r = kssh_buf_get_u32(msg, &ev->reason)) != 0 ||
	    (r = kssh_buf_get_string_view(msg, &text, &n)) != 0)
		return kssh_transport_fail(t, r, "malformed CHANNEL_OPEN_FAILURE");
	/* keep printable text only: it may reach a terminal */
	n = n < sizeof(ev->name) - 1 ? n : sizeof(ev->name) - 1;
	for (size_t i = 0; i < n; i++)
		ev->name[i] = text[i] >= 0x20 && text[i] < 0x7f ? (char)text[i] : '?';
	ev->name[n] = 0;
	ev->kind = KSSH_CHAN_EV_OPEN_FAILURE;
	return 0;
}

static int on_window(struct kssh_transport *t, struct kssh_channel *ch, struct kssh_buf *msg,
                     struct kssh_chan_event *ev)
{
	uint32_t add;
	int r;

	if ((r = kssh_buf_get_u32(msg, &add)) != 0)
		return kssh_transport_fail(t, r, "malformed WINDOW_ADJUST");
	/* RFC 4254 5.2: the window may not exceed 2^32 - 1 */
	if ((uint64_t)ch->remote_window + add > UINT32_MAX)
		return kssh_transport_fail(t, KSSH_ERR_PROTOCOL,
		                           "WINDOW_ADJUST of %u overflows channel %u's window", add,
		                           ch->local_id);
	ch->remote_window += add;
	ev->kind = KSSH_CHAN_EV_WINDOW;
	return 0;
}

static int on_data(struct kssh_transport *t, struct kssh_channel *ch, uint8_t type,
                   struct kssh_buf *msg, struct kssh_chan_event *ev)
{
	const uint8_t *p;
	size_t n;
	int r;

	ev->ext = 0;
	if (type == SSH_MSG_CHANNEL_EXTENDED_DATA && (r = kssh_buf_get_u32(msg, &ev->ext)) != 0)
		return kssh_transport_fail(t, r, "malformed CHANNEL_EXTENDED_DATA");
	if ((r = kssh_buf_get_string_view(msg, &p, &n)) != 0)
		return kssh_transport_fail(t, r, "malformed CHANNEL_DATA");
	if (ch->eof_received)
		return kssh_transport_fail(t, KSSH_ERR_PROTOCOL, "data on channel %u after EOF",
		                           ch->local_id);
	if (n > ch->local_window || n > KSSH_CHAN_PACKET)
		return kssh_transport_fail(t, KSSH_ERR_PROTOCOL,
		                           "channel %u: %zu bytes sent past the window (%u left)",
		                           ch->local_id, n, ch->local_window);
	ch->local_window -= (uint32_t)n;
	ev->kind = KSSH_CHAN_EV_DATA;
	ev->data = p;
	ev->len = n;
	return 0;
}

static int on_request(struct kssh_transport *t, struct kssh_buf *msg, struct kssh_chan_event *ev)
{
	int r;

	if ((r = kssh_buf_get_name(msg, ev->name, sizeof(ev->name))) != 0 ||
	    (r = kssh_buf_get_bool(msg, &ev->want_reply)) != 0)
		return kssh_transport_fail(t, r, "malformed CHANNEL_REQUEST");
	ev->kind = KSSH_CHAN_EV_REQUEST;
	ev->rest = *msg;
	return 0;
}

int kssh_chan_handle(struct kssh_chan_table *tab, struct kssh_transport *t, uint8_t type,
                     struct kssh_buf *payload, struct kssh_chan_event *ev)
{
	struct kssh_buf msg = *payload;
	struct kssh_channel *ch;
	uint32_t id;
	int r;

	memset(ev, 0, sizeof(*ev));
	kssh_buf_consume(&msg, 1);
	if (type == SSH_MSG_CHANNEL_OPEN)
		return on_open(t, &msg, ev);
	if ((r = kssh_buf_get_u32(&msg, &id)) != 0)
		return kssh_transport_fail(t, r, "malformed channel message %u", type);
	if ((ch = kssh_chan_lookup(tab, id)) == NULL)
		return kssh_transport_fail(t, KSSH_ERR_PROTOCOL, "message %u for unknown channel %u",
		                           type, id);
	ev->ch = ch;
	if (type == SSH_MSG_CHANNEL_OPEN_CONFIRMATION)
		return on_confirm(t, ch, &msg, ev);
	if (type == SSH_MSG_CHANNEL_OPEN_FAILURE)
		return on_open_failure(t, ch, &msg, ev);
	if (ch->state == KSSH_CHAN_OPENING)
		return kssh_transport_fail(t, KSSH_ERR_PROTOCOL, "message %u before channel %u is open",
		                           type, id);
	if (ch->close_received)
		return kssh_transport_fail(t, KSSH_ERR_PROTOCOL, "message %u on channel %u after CLOSE",
		                           type, id);
	switch (type) {
	case SSH_MSG_CHANNEL_WINDOW_ADJUST:
		return on_window(t, ch, &msg, ev);
	case SSH_MSG_CHANNEL_DATA:
	case SSH_MSG_CHANNEL_EXTENDED_DATA:
		return on_data(t, ch, type, &msg, ev);
	case SSH_MSG_CHANNEL_EOF:
		ch->eof_received = 1;
		ev->kind = KSSH_CHAN_EV_EOF;
		return 0;
	case SSH_MSG_CHANNEL_CLOSE:
		ch->close_received = 1;
		ev->kind = KSSH_CHAN_EV_CLOSE;
		/* RFC 4254 5.3: answer a CLOSE with our own, unless already sent */
		return ch->close_sent ? 0 : kssh_chan_send_close(t, ch);
	case SSH_MSG_CHANNEL_REQUEST:
		return on_request(t, &msg, ev);
	case SSH_MSG_CHANNEL_SUCCESS:
	case SSH_MSG_CHANNEL_FAILURE:
		ev->kind = KSSH_CHAN_EV_REPLY;
		ev->ok = type == SSH_MSG_CHANNEL_SUCCESS;
		return 0;
	}
	return kssh_transport_fail(t, KSSH_ERR_PROTOCOL, "unexpected channel message %u", type);
}

struct kssh_channel *kssh_chan_accept(struct kssh_chan_table *tab, struct kssh_transport *t,
                                      const struct kssh_chan_event *open, void *owner)
{
	struct kssh_channel *ch = chan_alloc(tab, open->name, owner);
	struct kssh_buf *b;

	if (ch == NULL)
		return NULL;
	ch->remote_id = open->peer_id;
	ch->remote_window = open->peer_window;
	ch->remote_max_packet = open->peer_max_packet;
	ch->state = KSSH_CHAN_OPEN;
	if ((b = kssh_transport_begin(t, SSH_MSG_CHANNEL_OPEN_CONFIRMATION)) == NULL ||
	    kssh_buf_put_u32(b, ch->remote_id) != 0 || kssh_buf_put_u32(b, ch->local_id) != 0 ||
	    kssh_buf_put_u32(b, ch->local_window) != 0 || kssh_buf_put_u32(b, tab->max_packet) != 0 ||
	    kssh_transport_send(t) != 0) {
		kssh_chan_free(ch);
		return NULL;
	}
	return ch;
}

int kssh_chan_refuse(struct kssh_transport *t, uint32_t peer_id, uint32_t reason, const char *text)
{
	struct kssh_buf *b = kssh_transport_begin(t, SSH_MSG_CHANNEL_OPEN_FAILURE);

	if (b == NULL || kssh_buf_put_u32(b, peer_id) != 0 || kssh_buf_put_u32(b, reason) != 0 ||
	    kssh_buf_put_cstring(b, text) != 0 || kssh_buf_put_cstring(b, "") != 0)
		return KSSH_ERR_ALLOC;
	return kssh_transport_send(t);
}

struct kssh_channel *kssh_chan_open(struct kssh_chan_table *tab, struct kssh_transport *t,
                                    const char *type, void *owner, struct kssh_buf **msg)
{
	struct kssh_channel *ch = chan_alloc(tab, type, owner);
	struct kssh_buf *b;

	if (ch == NULL)
		return NULL;
	ch->state = KSSH_CHAN_OPENING;
	if ((b = kssh_transport_begin(t, SSH_MSG_CHANNEL_OPEN)) == NULL ||
	    kssh_buf_put_cstring(b, type) != 0 || kssh_buf_put_u32(b, ch->local_id) != 0 ||
	    kssh_buf_put_u32(b, ch->local_window) != 0 || kssh_buf_put_u32(b, tab->max_packet) != 0) {
		kssh_chan_free(ch);
		return NULL;
	}
	*msg = b;
	return ch;
}

size_t kssh_chan_send_room(const struct kssh_channel *ch)
{
	if (ch->state != KSSH_CHAN_OPEN || ch->eof_sent || ch->close_sent)
		return 0;
	return ch->remote_window;
}

long kssh_chan_send_data(struct kssh_transport *t, struct kssh_channel *ch, uint32_t ext,
                         const uint8_t *data, size_t len)
{
	size_t sent = 0;

	while (sent < len) {
		size_t n = len - sent;
		struct kssh_buf *b;
		int r;

		if (n > kssh_chan_send_room(ch))
			n = kssh_chan_send_room(ch);
		if (n > ch->remote_max_packet)
			n = ch->remote_max_packet;
		if (n == 0)
			break;
		b = kssh_transport_begin(t, ext ? SSH_MSG_CHANNEL_EXTENDED_DATA : SSH_MSG_CHANNEL_DATA);
		if (b == NULL)
			return KSSH_ERR_ALLOC;
		if ((r = kssh_buf_put_u32(b, ch->remote_id)) != 0 ||
		    (ext && (r = kssh_buf_put_u32(b, ext)) != 0) ||
		    (r = kssh_buf_put_u32(b, (uint32_t)n)) != 0 ||
		    (r = kssh_transport_send_tail(t, data + sent, n)) != 0)
			return r;
		ch->remote_window -= (uint32_t)n;
		sent += n;
	}
	return (long)sent;
}

long kssh_chan_send_file(struct kssh_transport *t, struct kssh_channel *ch, int fd, uint64_t offset,
                         uint32_t len)
{
	size_t n = len;
	int r;

	if (n > kssh_chan_send_room(ch))
		n = kssh_chan_send_room(ch);
	if (n == 0)
		return 0;
	r = kssh_transport_send_file(t, fd, offset, (uint32_t)n);
	if (r == KSSH_ERR_AGAIN)
		return 0;
	if (r != 0)
		return r;
	ch->remote_window -= (uint32_t)n;
	return (long)n;
}

int kssh_chan_consumed(struct kssh_transport *t, struct kssh_channel *ch, size_t n)
{
	struct kssh_buf *b;
	uint32_t add;

	ch->local_consumed += (uint32_t)n;
	if (ch->close_sent || ch->eof_received || ch->local_consumed < ch->local_window_max / 2)
		return 0;
	add = ch->local_consumed;
	ch->local_consumed = 0;
	if (ch->window_goal > ch->local_window_max) {
		add += ch->window_goal - ch->local_window_max;
		ch->local_window_max = ch->window_goal;
	}
	ch->local_window += add;
	if ((b = kssh_transport_begin(t, SSH_MSG_CHANNEL_WINDOW_ADJUST)) == NULL ||
	    kssh_buf_put_u32(b, ch->remote_id) != 0 || kssh_buf_put_u32(b, add) != 0)
		return KSSH_ERR_ALLOC;
	return kssh_transport_send(t);
}

static int send_id_only(struct kssh_transport *t, uint8_t type, uint32_t remote_id)
{
	struct kssh_buf *b = kssh_transport_begin(t, type);

	if (b == NULL || kssh_buf_put_u32(b, remote_id) != 0)
		return KSSH_ERR_ALLOC;
	return kssh_transport_send(t);
}

int kssh_chan_send_eof(struct kssh_transport *t, struct kssh_channel *ch)
{
	if (ch->eof_sent || ch->close_sent || ch->state != KSSH_CHAN_OPEN)
		return 0;
	ch->eof_sent = 1;
	return send_id_only(t, SSH_MSG_CHANNEL_EOF, ch->remote_id);
}

int kssh_chan_send_close(struct kssh_transport *t, struct kssh_channel *ch)
{
	if (ch->close_sent || ch->state == KSSH_CHAN_OPENING)
		return 0;
	ch->close_sent = 1;
	ch->state = KSSH_CHAN_CLOSING;
	return send_id_only(t, SSH_MSG_CHANNEL_CLOSE, ch->remote_id);
}

int kssh_chan_request_begin(struct kssh_transport *t, struct kssh_channel *ch, const char *name,
                            int want_reply, struct kssh_buf **msg)
{
	struct kssh_buf *b = kssh_transport_begin(t, SSH_MSG_CHANNEL_REQUEST);

	if (b == NULL || kssh_buf_put_u32(b, ch->remote_id) != 0 ||
	    kssh_buf_put_cstring(b, name) != 0 || kssh_buf_put_u8(b, want_reply ? 1 : 0) != 0)
		return KSSH_ERR_ALLOC;
	*msg = b;
	return 0;
}

int kssh_chan_reply(struct kssh_transport *t, struct kssh_channel *ch, int ok)
{
	return send_id_only(t, ok ? SSH_MSG_CHANNEL_SUCCESS : SSH_MSG_CHANNEL_FAILURE, ch->remote_id);
}
