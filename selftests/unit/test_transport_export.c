// SPDX-License-Identifier: MIT
/*
 * Moving a server transport to another process's memory: after export and
 * import the connection goes on with the same peer, both ways, through a
 * rekey, for every kind of cipher (AEAD, CTR with and without ETM, CBC,
 * chacha20-poly1305); bytes already received move with it; a cut-short or
 * altered state is refused, never half taken.
 */
#include <stdlib.h>
#include <string.h>

#include "kssh/buf.h"
#include "test.h"
#include "transport_pair.h"

static const struct {
	const char *cipher, *mac;
} suites[] = {
	{ "aes128-gcm@openssh.com", NULL },
	{ "aes256-gcm@openssh.com", NULL },
	{ "chacha20-poly1305@openssh.com", NULL },
	{ "aes128-ctr", "hmac-sha2-256" },
	{ "aes256-ctr", "hmac-sha2-512-etm@openssh.com" },
	{ "aes192-ctr", "hmac-sha1" },
	{ "aes128-cbc", "hmac-sha2-256-etm@openssh.com" },
	{ "aes256-cbc", "hmac-sha2-512" },
	{ "3des-cbc", "hmac-sha2-256" },
};

/* t sends a request named name; the other side must receive it */
static int say(struct pair *p, struct kssh_transport *from, struct kssh_transport *to, const char *name)
{
	struct kssh_buf payload;
	char *got = NULL;
	uint8_t type;
	int ok;

	if (send_empty(from, SSH_MSG_GLOBAL_REQUEST, name, NULL, NULL) != 0 || next_msg(p, to, &type, &payload) != 0 ||
	    type != SSH_MSG_GLOBAL_REQUEST)
		return -1;
	kssh_buf_consume(&payload, 1);
	if (kssh_buf_get_cstring(&payload, &got, NULL) != 0)
		return -1;
	ok = strcmp(got, name) == 0;
	free(got);
	return ok ? 0 : -1;
}

static struct kssh_transport *moved(struct pair *p, const char *ciphers, const char *macs, struct kssh_buf *state,
                                    int *err)
{
	struct kssh_transport_config sc = { .is_server = 1, .host_keys = &p->host_key, .n_host_keys = 1,
	                                    .ciphers = ciphers, .macs = macs };

	return kssh_transport_import(&sc, kssh_buf_ptr(state), kssh_buf_len(state), err);
}

TEST(every_cipher_kind_goes_on_after_the_move_through_a_rekey)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct kssh_transport_info ci, si;
		struct kssh_buf state;
		struct pair p;
		int err = 0;

		printf("# %s %s\n", suites[i].cipher, suites[i].mac ? suites[i].mac : "");
		const char *mac = suites[i].mac ? suites[i].mac : "hmac-sha2-256";

		ASSERT(pair_up_with(&p, suites[i].cipher, mac) == 0);
		for (int n = 0; n < 5; n++) {
			EXPECT(say(&p, p.client, p.server, "before, to the server") == 0);
			EXPECT(say(&p, p.server, p.client, "before, to the client") == 0);
		}
		/* a packet that arrived and is not yet read moves with the state */
		ASSERT(send_empty(p.client, SSH_MSG_GLOBAL_REQUEST, "in flight", NULL, NULL) == 0);
		move(p.client, p.server);
		kssh_buf_init(&state, 0);
		ASSERT(kssh_transport_export(p.server, &state) == 0);
		kssh_transport_free(p.server);
		p.server = moved(&p, suites[i].cipher, mac, &state, &err);
		kssh_buf_release(&state);
		ASSERT(p.server != NULL);
		{
			struct kssh_buf payload;
			uint8_t type;

			EXPECT(next_msg(&p, p.server, &type, &payload) == 0 && type == SSH_MSG_GLOBAL_REQUEST);
		}
		for (int n = 0; n < 5; n++) {
			EXPECT(say(&p, p.client, p.server, "after, to the server") == 0);
			EXPECT(say(&p, p.server, p.client, "after, to the client") == 0);
		}
		ASSERT(kssh_transport_rekey(p.server) == 0);
		for (int n = 0; n < 50 && (kssh_transport_in_kex(p.server) || kssh_transport_in_kex(p.client)); n++) {
			struct kssh_buf payload;
			uint8_t type;

			int rc = kssh_transport_poll(p.client, &type, &payload), rs = kssh_transport_poll(p.server, &type, &payload);

			if (rc != KSSH_ERR_AGAIN || rs != KSSH_ERR_AGAIN)
				printf("#   client: %s; server: %s\n", kssh_transport_error(p.client), kssh_transport_error(p.server));
			EXPECT(rc == KSSH_ERR_AGAIN && rs == KSSH_ERR_AGAIN);
			move(p.client, p.server);
			move(p.server, p.client);
		}
		EXPECT(say(&p, p.client, p.server, "after the rekey, to the server") == 0);
		EXPECT(say(&p, p.server, p.client, "after the rekey") == 0);
		kssh_transport_get_info(p.client, &ci);
		kssh_transport_get_info(p.server, &si);
		EXPECT_EQ(ci.kex_count, 2u);
		EXPECT_EQ(si.kex_count, 2u);
		EXPECT(strcmp(si.cipher_in, suites[i].cipher) == 0 && strcmp(si.cipher_out, suites[i].cipher) == 0);
		EXPECT(si.packets_in == ci.packets_out && si.packets_out == ci.packets_in);
		pair_free(&p);
	}
}

TEST(a_state_cut_short_or_altered_is_refused)
{
	struct kssh_transport *t;
	struct kssh_buf state;
	struct pair p;
	uint8_t *copy;
	size_t len;
	int err, refused = 0;

	ASSERT(pair_up_with(&p, "aes128-ctr", "hmac-sha2-256-etm@openssh.com") == 0);
	kssh_buf_init(&state, 0);
	ASSERT(kssh_transport_export(p.server, &state) == 0);
	len = kssh_buf_len(&state);
	copy = malloc(len);
	ASSERT(copy != NULL);
	for (size_t cut = 0; cut < len; cut++) {
		struct kssh_buf b;

		kssh_buf_view(&b, kssh_buf_ptr(&state), cut);
		t = moved(&p, NULL, NULL, &b, &err);
		refused += t == NULL && err != 0;
		kssh_transport_free(t);
	}
	EXPECT_EQ((size_t)refused, len);
	/* one byte changed anywhere: refused or, where the byte is a key, imported (no crash either way) */
	for (size_t at = 0; at < len; at++) {
		struct kssh_buf b;

		memcpy(copy, kssh_buf_ptr(&state), len);
		copy[at] ^= 0x80;
		kssh_buf_view(&b, copy, len);
		kssh_transport_free(moved(&p, NULL, NULL, &b, &err));
	}
	/* a state while a key exchange runs is not given */
	ASSERT(kssh_transport_rekey(p.server) == 0);
	kssh_buf_reset(&state);
	EXPECT(kssh_transport_export(p.server, &state) == KSSH_ERR_AGAIN);
	free(copy);
	kssh_buf_release(&state);
	pair_free(&p);
}

TEST_MAIN()
