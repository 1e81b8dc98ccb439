/* SPDX-License-Identifier: MIT */
/* Two in-memory transports, client and server, and the moves between them. */
#ifndef KSSH_TEST_TRANSPORT_PAIR_H
#define KSSH_TEST_TRANSPORT_PAIR_H

#include "kssh/channel.h"
#include "kssh/err.h"
#include "kssh/msg.h"
#include "kssh/transport.h"

struct pair {
	struct kssh_transport *client, *server;
	struct kssh_key *host_key;
	struct kssh_chan_table ct, st;
};

static void move(struct kssh_transport *from, struct kssh_transport *to)
{
	struct kssh_buf *out = kssh_transport_output(from);

	kssh_buf_put(kssh_transport_input(to), kssh_buf_ptr(out), kssh_buf_len(out));
	kssh_buf_reset(out);
}

/* The next upper-layer message t receives; 0 or the transport's error. */
static int next_msg(struct pair *p, struct kssh_transport *t, uint8_t *type, struct kssh_buf *payload)
{
	for (int i = 0; i < 100; i++) {
		int r = kssh_transport_poll(t, type, payload);

		if (r != KSSH_ERR_AGAIN)
			return r;
		move(p->client, p->server);
		move(p->server, p->client);
	}
	return KSSH_ERR_TIMEOUT;
}

static int send_empty(struct kssh_transport *t, uint8_t type, const char *s1, const char *s2,
                      const char *s3)
{
	struct kssh_buf *b = kssh_transport_begin(t, type);

	if (b == NULL || (s1 && kssh_buf_put_cstring(b, s1)) || (s2 && kssh_buf_put_cstring(b, s2)) ||
	    (s3 && kssh_buf_put_cstring(b, s3)))
		return -1;
	return kssh_transport_send(t);
}

/* Two transports past key exchange only, on these ciphers and MACs (NULL: the defaults): the userauth phase. */
static int pair_kex_with(struct pair *p, const char *ciphers, const char *macs)
{
	struct kssh_transport_config sc = { .is_server = 1, .ciphers = ciphers, .macs = macs },
	                             cc = { .ciphers = ciphers, .macs = macs };
	struct kssh_buf payload;
	uint8_t type;

	memset(p, 0, sizeof(*p));
	if (kssh_key_generate(KSSH_KEY_ED25519, 0, &p->host_key) != 0)
		return -1;
	sc.host_keys = &p->host_key;
	sc.n_host_keys = 1;
	if ((p->server = kssh_transport_new(&sc)) == NULL || (p->client = kssh_transport_new(&cc)) == NULL)
		return -1;
	for (int i = 0; i < 50 && !(kssh_transport_ready(p->client) && kssh_transport_ready(p->server)); i++) {
		kssh_transport_poll(p->client, &type, &payload);
		kssh_transport_poll(p->server, &type, &payload);
		move(p->client, p->server);
		move(p->server, p->client);
	}
	return kssh_transport_ready(p->client) && kssh_transport_ready(p->server) ? 0 : -1;
}

static inline int pair_kex(struct pair *p)
{
	return pair_kex_with(p, NULL, NULL);
}

/* Two transports past key exchange and "none" authentication: the connection phase. */
static int pair_up_with(struct pair *p, const char *ciphers, const char *macs)
{
	struct kssh_buf payload;
	uint8_t type;

	if (pair_kex_with(p, ciphers, macs) != 0 ||
	    send_empty(p->client, SSH_MSG_SERVICE_REQUEST, "ssh-userauth", NULL, NULL) ||
	    next_msg(p, p->server, &type, &payload) || type != SSH_MSG_SERVICE_REQUEST ||
	    send_empty(p->server, SSH_MSG_SERVICE_ACCEPT, "ssh-userauth", NULL, NULL) ||
	    next_msg(p, p->client, &type, &payload) || type != SSH_MSG_SERVICE_ACCEPT ||
	    send_empty(p->client, SSH_MSG_USERAUTH_REQUEST, "u", "ssh-connection", "none") ||
	    next_msg(p, p->server, &type, &payload) ||
	    send_empty(p->server, SSH_MSG_USERAUTH_SUCCESS, NULL, NULL, NULL) ||
	    next_msg(p, p->client, &type, &payload) || type != SSH_MSG_USERAUTH_SUCCESS)
		return -1;
	kssh_chan_table_init(&p->ct);
	kssh_chan_table_init(&p->st);
	return 0;
}

static inline int pair_up(struct pair *p)
{
	return pair_up_with(p, NULL, NULL);
}

static void pair_free(struct pair *p)
{
	kssh_chan_table_release(&p->ct);
	kssh_chan_table_release(&p->st);
	kssh_transport_free(p->client);
	kssh_transport_free(p->server);
	kssh_key_free(p->host_key);
}

#endif
