// SPDX-License-Identifier: MIT
/*
 * ping@openssh.com: answered only once authenticated and outside a key
 * exchange, so that an unauthenticated peer, or one flooding pings during a
 * rekey, can make us queue nothing (CVE-2025-26466).
 */
#include "test.h"
#include "transport_pair.h"

static int ping(struct kssh_transport *t, const char *data)
{
	struct kssh_buf *b = kssh_transport_begin(t, SSH_MSG_PING);

	if (b == NULL || kssh_buf_put_cstring(b, data) != 0)
		return -1;
	return kssh_transport_send(t);
}

/* Everything the server makes of its input; the bytes it has to send afterwards */
static size_t server_answer(struct pair *p)
{
	struct kssh_buf payload;
	uint8_t type;

	move(p->client, p->server);
	while (kssh_transport_poll(p->server, &type, &payload) == 0)
		;
	return kssh_buf_len(kssh_transport_output(p->server));
}

TEST(no_pong_before_authentication)
{
	struct pair p;

	ASSERT(pair_kex(&p) == 0);
	for (int i = 0; i < 100; i++)
		ASSERT(ping(p.client, "are you there") == 0);
	EXPECT_EQ(server_answer(&p), 0u);
	EXPECT(kssh_transport_phase(p.server) != KSSH_PHASE_CONNECTION);
	pair_free(&p);
}

TEST(pong_once_authenticated)
{
	struct pair p;

	ASSERT(pair_up(&p) == 0);
	ASSERT(ping(p.client, "are you there") == 0);
	EXPECT(server_answer(&p) > 0);
	pair_free(&p);
}

/* 1000 pings while the server rekeys: nothing is held back for after the exchange either */
TEST(ping_flood_during_rekey_queues_nothing)
{
	struct kssh_buf payload;
	struct pair p;
	size_t kexinit, sent = 0;
	uint8_t type;

	ASSERT(pair_up(&p) == 0);
	ASSERT(kssh_transport_rekey(p.server) == 0);
	kexinit = kssh_buf_len(kssh_transport_output(p.server));
	EXPECT(kexinit > 0);
	for (int i = 0; i < 1000; i++)
		ASSERT(ping(p.client, "flood") == 0);
	EXPECT_EQ(server_answer(&p), kexinit);
	EXPECT(kssh_transport_in_kex(p.server));
	/* finish the exchange, counting what the server sends: the kex messages, no PONGs */
	for (int i = 0; i < 50 && (kssh_transport_in_kex(p.server) || kssh_transport_in_kex(p.client)); i++) {
		kssh_transport_poll(p.client, &type, &payload);
		move(p.client, p.server);
		kssh_transport_poll(p.server, &type, &payload);
		sent += kssh_buf_len(kssh_transport_output(p.server));
		move(p.server, p.client);
	}
	EXPECT(!kssh_transport_in_kex(p.server));
	EXPECT(sent < 4096); /* 1000 PONGs would be 40 KB */
	pair_free(&p);
}

TEST_MAIN()
