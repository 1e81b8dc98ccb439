// SPDX-License-Identifier: MIT
/*
 * Which message each side may receive in each state. Anything else is a
 * protocol error: a client that sends USERAUTH_SUCCESS, or a CHANNEL_OPEN
 * before authentication, is disconnected, never obeyed (the class of
 * libssh's CVE-2018-10933).
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "kssh/err.h"
#include "transport_internal.h"

enum verdict { UNKNOWN = -1, NOT_NOW = 0, ALLOWED = 1 };

static int in_range(uint8_t type, uint8_t lo, uint8_t hi)
{
	return type >= lo && type <= hi;
}

/* Messages of the layers above, by role and phase (RFC 4252, RFC 4254). */
static enum verdict upper_layer(int is_server, enum kssh_phase phase, uint8_t type)
{
	int known = type == SSH_MSG_SERVICE_REQUEST || type == SSH_MSG_SERVICE_ACCEPT ||
	            in_range(type, 50, 53) || in_range(type, 60, 66) || in_range(type, 80, 100);

	if (!known)
		return UNKNOWN;
	if (is_server) {
		switch (phase) {
		case KSSH_PHASE_TRANSPORT:
			return type == SSH_MSG_SERVICE_REQUEST ? ALLOWED : NOT_NOW;
		case KSSH_PHASE_USERAUTH:
			return type == SSH_MSG_USERAUTH_REQUEST || in_range(type, 61, 66) ? ALLOWED : NOT_NOW;
		case KSSH_PHASE_CONNECTION:
			/* RFC 4252 5.1: a late USERAUTH_REQUEST is ignored, not an error */
			return type == SSH_MSG_USERAUTH_REQUEST || in_range(type, 80, 100) ? ALLOWED : NOT_NOW;
		}
		return NOT_NOW;
	}
	switch (phase) {
	case KSSH_PHASE_TRANSPORT:
		return type == SSH_MSG_SERVICE_ACCEPT ? ALLOWED : NOT_NOW;
	case KSSH_PHASE_USERAUTH:
		return in_range(type, 51, 53) || type == SSH_MSG_USERAUTH_INFO_REQUEST ? ALLOWED : NOT_NOW;
	case KSSH_PHASE_CONNECTION:
		return in_range(type, 80, 100) ? ALLOWED : NOT_NOW;
	}
	return NOT_NOW;
}

static int on_disconnect(struct kssh_transport *t, struct kssh_buf *msg)
{
	const uint8_t *text;
	size_t len = 0;

	text = (const uint8_t *)"";
	if (kssh_buf_get_u32(msg, &t->peer_disconnect_reason) != 0 ||
	    kssh_buf_get_string_view(msg, &text, &len) != 0)
		len = 0;
	if (len > 200)
		len = 200;
	/* the peer's text is untrusted: keep printable ASCII only */
	char clean[201];
	for (size_t i = 0; i < len; i++)
		clean[i] = text[i] >= 0x20 && text[i] < 0x7f ? (char)text[i] : '?';
	clean[len] = 0;
	return transport_fail(t, KSSH_ERR_PEER_DISCONNECTED, "disconnected by peer (reason %u): %s",
	                      t->peer_disconnect_reason, clean);
}

/* RFC 8308: the client keeps server-sig-algs; other extensions are not needed */
static int on_ext_info(struct kssh_transport *t, struct kssh_buf *msg)
{
	uint32_t count;
	int r;

	if ((r = kssh_buf_get_u32(msg, &count)) != 0)
		return transport_fail(t, r, "malformed EXT_INFO");
	if (count > 64)
		return transport_fail(t, KSSH_ERR_INVALID_FORMAT, "EXT_INFO with %u extensions", count);
	for (uint32_t i = 0; i < count; i++) {
		char *name = NULL, *value = NULL;

		if ((r = kssh_buf_get_cstring(msg, &name, NULL)) != 0 ||
		    (r = kssh_buf_get_cstring(msg, &value, NULL)) != 0) {
			free(name);
			return transport_fail(t, r, "malformed EXT_INFO");
		}
		if (strcmp(name, "server-sig-algs") == 0) {
			free(t->server_sig_algs);
			t->server_sig_algs = value;
			value = NULL;
		}
		free(name);
		free(value);
	}
	return 0;
}

static int on_ping(struct kssh_transport *t, struct kssh_buf *msg)
{
	const uint8_t *data;
	size_t len;
	struct kssh_buf *b;
	int r;

	if ((r = kssh_buf_get_string_view(msg, &data, &len)) != 0)
		return transport_fail(t, r, "malformed PING");
	/*
	 * PROTOCOL: no PONG before the first exchange completes. Nor before
	 * authentication, nor during a key exchange, where replies would queue
	 * up unbounded (CVE-2025-26466; OpenSSH 9.9p2 does the same).
	 */
	if (!t->initial_done || t->phase != KSSH_PHASE_CONNECTION || transport_kex_in_progress(t))
		return 0;
	if ((b = kssh_transport_begin(t, SSH_MSG_PONG)) == NULL ||
	    kssh_buf_put_string(b, data, len) != 0)
		return transport_fail(t, KSSH_ERR_ALLOC, "cannot answer PING");
	return kssh_transport_send(t);
}

static int send_unimplemented(struct kssh_transport *t, uint32_t seqnr)
{
	uint8_t body[4];

	kssh_poke_u32(body, seqnr);
	return transport_send_raw(t, SSH_MSG_UNIMPLEMENTED, body, sizeof(body));
}

/* While the peer is exchanging keys, only kex and generic transport messages may come. */
static int during_kex(struct kssh_transport *t, uint8_t type, struct kssh_buf *payload)
{
	int strict_initial = t->strict && !t->initial_done;

	if (type == SSH_MSG_NEWKEYS)
		return transport_kex_on_newkeys(t);
	if (in_range(type, 30, 49))
		return transport_kex_on_message(t, type, payload);
	if (!strict_initial && in_range(type, SSH_MSG_IGNORE, SSH_MSG_DEBUG))
		return 0;
	if (strict_initial)
		return transport_fail(t, KSSH_ERR_KEX_STRICT,
		                      "strict KEX violation: unexpected message %u during initial key exchange",
		                      type);
	return transport_fail(t, KSSH_ERR_PROTOCOL, "unexpected message %u during key exchange", type);
}

static int note_phase_received(struct kssh_transport *t, uint8_t type)
{
	if (t->cfg.is_server)
		return 0;
	if (type == SSH_MSG_SERVICE_ACCEPT && t->phase == KSSH_PHASE_TRANSPORT)
		t->phase = KSSH_PHASE_USERAUTH;
	else if (type == SSH_MSG_USERAUTH_SUCCESS)
		t->phase = KSSH_PHASE_CONNECTION;
	return 0;
}

/* Returns 1 to hand the message to the caller, 0 when handled here, or an error. */
int transport_dispatch(struct kssh_transport *t, uint8_t type, struct kssh_buf *payload,
                       uint32_t seqnr)
{
	struct kssh_buf msg = *payload;
	enum verdict v;

	kssh_buf_consume(&msg, 1);
	if (type == SSH_MSG_DISCONNECT)
		return on_disconnect(t, &msg);
	if (type == SSH_MSG_KEXINIT) {
		if (t->kexinit_received)
			return transport_fail(t, KSSH_ERR_PROTOCOL, "KEXINIT during key exchange");
		t->peer_kexinit_seqnr = seqnr;
		return transport_kex_on_kexinit(t, payload);
	}
	if (t->kexinit_received)
		return during_kex(t, type, payload);
	if (!t->initial_done) {
		/* before the first KEXINIT: a non-strict peer may send IGNORE or DEBUG */
		if (in_range(type, SSH_MSG_IGNORE, SSH_MSG_DEBUG))
			return 0;
		return transport_fail(t, KSSH_ERR_PROTOCOL,
		                      "message %u before key exchange", type);
	}
	switch (type) {
	case SSH_MSG_IGNORE:
	case SSH_MSG_UNIMPLEMENTED:
	case SSH_MSG_DEBUG:
	case SSH_MSG_PONG:
		return 0;
	case SSH_MSG_PING:
		return on_ping(t, &msg);
	case SSH_MSG_EXT_INFO:
		if (t->cfg.is_server)
			return transport_fail(t, KSSH_ERR_PROTOCOL, "EXT_INFO from a client we did not ask");
		/* RFC 8308 2.4: after the first NEWKEYS or just before USERAUTH_SUCCESS, never after the login */
		if (t->phase == KSSH_PHASE_CONNECTION)
			return transport_fail(t, KSSH_ERR_PROTOCOL, "EXT_INFO after authentication");
		return on_ext_info(t, &msg);
	case SSH_MSG_NEWKEYS:
		return transport_fail(t, KSSH_ERR_PROTOCOL, "NEWKEYS outside key exchange");
	}
	if (in_range(type, 30, 49))
		return transport_fail(t, KSSH_ERR_PROTOCOL,
		                      "key exchange message %u outside key exchange", type);
	v = upper_layer(t->cfg.is_server, t->phase, type);
	if (v == ALLOWED) {
		note_phase_received(t, type);
		return 1;
	}
	if (v == NOT_NOW)
		return transport_fail(t, KSSH_ERR_PROTOCOL, "message %u not allowed %s", type,
		                      t->phase == KSSH_PHASE_TRANSPORT ? "before the service request"
		                      : t->phase == KSSH_PHASE_USERAUTH ? "during authentication"
		                      : "after authentication");
	/* RFC 4253 11.4: an unrecognised message gets UNIMPLEMENTED */
	transport_log(t, LOG_DEBUG, "unimplemented message %u (packet %u)", type, seqnr);
	return send_unimplemented(t, seqnr);
}
