// SPDX-License-Identifier: MIT
/* The sftp subsystem over a session channel: the SFTP client's io function. */
#include <stdio.h>
#include <string.h>

#include <errno.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "conn_kernel.h"
#include "sftp_channel.h"

/* The server's own requests and global requests: nothing we act on; answered when asked */
static int other_message(struct sftp_channel *sc, uint8_t type, struct kssh_buf *payload)
{
	if (type == SSH_MSG_GLOBAL_REQUEST)
		return conn_refuse_global_request(sc->c->t, payload, NULL, 0);
	return type == SSH_MSG_REQUEST_SUCCESS || type == SSH_MSG_REQUEST_FAILURE ? 0
	       : kssh_transport_fail(sc->c->t, KSSH_ERR_PROTOCOL, "unexpected message %u", type);
}

/* Waits for one channel event of ours; other messages are handled on the way */
static int next_event(struct sftp_channel *sc, struct kssh_chan_event *ev)
{
	struct kssh_buf payload;
	uint8_t type;
	int r;

	for (;;) {
		kssh_chan_set_window_goal(&sc->tab, sc->c->rcvbuf);
		if ((r = conn_next_message(sc->c, &type, &payload)) != 0)
			return r;
		if (type < SSH_MSG_CHANNEL_OPEN || type > SSH_MSG_CHANNEL_FAILURE) {
			if ((r = other_message(sc, type, &payload)) != 0)
				return r;
			continue;
		}
		if ((r = kssh_chan_handle(&sc->tab, sc->c->t, type, &payload, ev)) != 0)
			return r;
		if (ev->kind == KSSH_CHAN_EV_OPEN) {
			if ((r = kssh_chan_refuse(sc->c->t, ev->peer_id, SSH_OPEN_ADMINISTRATIVELY_PROHIBITED,
			                          "open not allowed")) != 0)
				return r;
			continue;
		}
		if (ev->kind == KSSH_CHAN_EV_REQUEST) {
			/* exit-status and the like */
			if (ev->want_reply && (r = kssh_chan_reply(sc->c->t, ev->ch, 0)) != 0)
				return r;
			continue;
		}
		return 0;
	}
}

int sftp_channel_open(struct sftp_channel *sc, struct kssh_conn *c)
{
	struct kssh_transport_info info;
	struct kssh_chan_event ev;
	struct kssh_buf *msg;
	int r;

	memset(sc, 0, sizeof(*sc));
	sc->c = c;
	kssh_chan_table_init(&sc->tab);
	kssh_transport_get_info(c->t, &info);
	kssh_chan_table_set_peer(&sc->tab, info.peer_version);
	if ((sc->ch = kssh_chan_open(&sc->tab, c->t, "session", sc, &msg)) == NULL ||
	    (r = kssh_transport_send(c->t)) != 0)
		return KSSH_ERR_ALLOC;
	if ((r = next_event(sc, &ev)) != 0)
		return r;
	if (ev.kind != KSSH_CHAN_EV_OPEN_CONFIRM)
		return KSSH_ERR_CONN_CLOSED;
	if ((r = kssh_chan_request_begin(c->t, sc->ch, "subsystem", 1, &msg)) != 0 ||
	    (r = kssh_buf_put_cstring(msg, "sftp")) != 0 || (r = kssh_transport_send(c->t)) != 0)
		return r;
	do {
		if ((r = next_event(sc, &ev)) != 0)
			return r;
	} while (ev.kind == KSSH_CHAN_EV_WINDOW);
	return ev.kind == KSSH_CHAN_EV_REPLY && ev.ok ? 0 : KSSH_ERR_SERVICE_REFUSED;
}

void sftp_channel_close(struct sftp_channel *sc)
{
	if (sc->verbose && sc->ch != NULL)
		fprintf(stderr, "debug1: receive window: %u KiB at first, %u KiB at the end (the socket's buffer: %u KiB)\n",
		        KSSH_CHAN_WINDOW / 1024, sc->ch->local_window_max / 1024, sc->c->rcvbuf / 1024);
	kssh_chan_table_release(&sc->tab);
	sc->ch = NULL;
}

/* The hand-over to kernel/ (conn_kernel.h): tried until it is done or cannot be */
static int offload(struct sftp_channel *sc)
{
	int r;

	if ((r = conn_flush(sc->c)) != 0)
		return r;
	r = conn_kernel_start(sc->c, sc->ch);
	if (r == KSSH_ERR_AGAIN)
		return 0;
	if (r == 0 && sc->verbose)
		fprintf(stderr, "debug1: crypto backend: kernel (channel data and keys in the kssh module)\n");
	if (r == KSSH_ERR_UNAVAILABLE && (sc->offload == KSSH_OFFLOAD_KERNEL || sc->verbose))
		fprintf(stderr, "%s: crypto-offload kernel: the session stays in userspace: %s\n", sc->host,
		        conn_kernel_reason(errno));
	sc->offload = 0;
	return r == KSSH_ERR_UNAVAILABLE ? 0 : r;
}

int sftp_channel_io(void *arg, struct kssh_buf *out, struct kssh_buf *in)
{
	struct sftp_channel *sc = arg;
	size_t had = kssh_buf_len(in);
	struct kssh_chan_event ev;
	int r;

	if (sc->offload && (r = offload(sc)) != 0)
		return r;
	for (;;) {
		if (kssh_buf_len(out) > 0) {
			long sent = kssh_chan_send_data(sc->c->t, sc->ch, 0, kssh_buf_ptr(out), kssh_buf_len(out));

			if (sent < 0)
				return (int)sent;
			kssh_buf_consume(out, (size_t)sent);
			if (kssh_buf_len(out) == 0)
				kssh_buf_reset(out);
		}
		/* new replies: back to the caller, unless requests are still to go out and may */
		if (kssh_buf_len(in) > had && (kssh_buf_len(out) == 0 || kssh_chan_send_room(sc->ch) == 0))
			return conn_flush(sc->c);
		if ((r = next_event(sc, &ev)) != 0)
			return r;
		switch (ev.kind) {
		case KSSH_CHAN_EV_DATA:
			if (ev.ext != 0) /* the server's stderr: not SFTP */
				r = kssh_chan_consumed(sc->c->t, sc->ch, ev.len);
			else if ((r = kssh_buf_put(in, ev.data, ev.len)) == 0)
				r = kssh_chan_consumed(sc->c->t, sc->ch, ev.len);
			if (r != 0)
				return r;
			break;
		case KSSH_CHAN_EV_WINDOW:
		case KSSH_CHAN_EV_REPLY:
			break;
		default: /* EOF or CLOSE: the server ended the subsystem */
			return KSSH_ERR_CONN_CLOSED;
		}
	}
}

int sftp_session_start(struct client_options *o, struct kssh_conn *c, struct sftp_channel *ch,
                       struct sftp_client **client, char **cwd)
{
	int r;

	client_report("type", "sftp");
	*client = NULL;
	*cwd = NULL;
	if ((r = client_connect(o, c)) != 0)
		return r;
	if ((r = sftp_channel_open(ch, c)) == 0) {
		ch->verbose = o->verbose;
		ch->host = o->host;
		if (o->crypto_offload == KSSH_OFFLOAD_KERNEL || o->crypto_offload == KSSH_OFFLOAD_AUTO)
			ch->offload = o->crypto_offload;
	}
	if (r != 0 || (*client = sftp_client_new(sftp_channel_io, ch)) == NULL ||
	    (r = sftp_client_init(*client)) != 0 || (r = sftp_client_realpath(*client, ".", cwd)) != 0) {
		r = r ? r : KSSH_ERR_ALLOC;
		fprintf(stderr, "%s: %s\n", o->host, kssh_strerror(r));
	}
	return r;
}
