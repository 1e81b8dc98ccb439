// SPDX-License-Identifier: MIT
/* Channels (RFC 4254) between two in-memory transports: windows, ordering, violations. */
#include "kssh/channel.h"
#include "kssh/err.h"
#include "kssh/msg.h"
#include "kssh/transport.h"
#include "test.h"
#include "transport_pair.h"

/* The client opens a session; the server accepts it. Returns the two ends. */
static int open_session(struct pair *p, struct kssh_channel **c, struct kssh_channel **s)
{
	struct kssh_chan_event ev;
	struct kssh_buf payload, *msg;
	uint8_t type;

	if ((*c = kssh_chan_open(&p->ct, p->client, "session", NULL, &msg)) == NULL ||
	    kssh_transport_send(p->client) != 0 || next_msg(p, p->server, &type, &payload) != 0 ||
	    kssh_chan_handle(&p->st, p->server, type, &payload, &ev) != 0 ||
	    ev.kind != KSSH_CHAN_EV_OPEN || strcmp(ev.name, "session") != 0 ||
	    (*s = kssh_chan_accept(&p->st, p->server, &ev, NULL)) == NULL ||
	    next_msg(p, p->client, &type, &payload) != 0 ||
	    kssh_chan_handle(&p->ct, p->client, type, &payload, &ev) != 0)
		return -1;
	return ev.kind == KSSH_CHAN_EV_OPEN_CONFIRM ? 0 : -1;
}

/* A raw channel message from the client, bypassing the window bookkeeping. */
static int raw_data(struct pair *p, uint32_t id, size_t len)
{
	struct kssh_buf *b = kssh_transport_begin(p->client, SSH_MSG_CHANNEL_DATA);
	uint8_t *dst;

	if (b == NULL || kssh_buf_put_u32(b, id) || kssh_buf_put_u32(b, (uint32_t)len) ||
	    kssh_buf_reserve(b, len, &dst))
		return -1;
	memset(dst, 'x', len);
	return kssh_transport_send(p->client);
}

TEST(open_confirm_then_data_within_window)
{
	struct pair p;
	struct kssh_channel *c, *s;
	struct kssh_chan_event ev;
	struct kssh_buf payload;
	uint8_t type;

	ASSERT(pair_up(&p) == 0);
	ASSERT(open_session(&p, &c, &s) == 0);
	EXPECT_EQ(c->remote_window, KSSH_CHAN_WINDOW);
	EXPECT_EQ(kssh_chan_send_data(p.client, c, 0, (const uint8_t *)"hello", 5), 5);
	ASSERT(next_msg(&p, p.server, &type, &payload) == 0);
	ASSERT(kssh_chan_handle(&p.st, p.server, type, &payload, &ev) == 0);
	EXPECT_EQ(ev.kind, KSSH_CHAN_EV_DATA);
	EXPECT(ev.len == 5 && memcmp(ev.data, "hello", 5) == 0);
	EXPECT_EQ(s->local_window, KSSH_CHAN_WINDOW - 5);
	pair_free(&p);
}

/*
 * The server takes the whole first window from the client, consuming each
 * packet, and the client takes the WINDOW_ADJUSTs that brings: 0, or -1
 * when a message is not what it should be.
 */
static int take_window(struct pair *p, struct kssh_channel *s)
{
	struct kssh_chan_event ev;
	struct kssh_buf payload;
	uint8_t type;
	size_t got = 0;

	while (got < KSSH_CHAN_WINDOW && next_msg(p, p->server, &type, &payload) == 0) {
		if (kssh_chan_handle(&p->st, p->server, type, &payload, &ev) != 0 || ev.kind != KSSH_CHAN_EV_DATA ||
		    ev.len > KSSH_CHAN_PACKET || kssh_chan_consumed(p->server, s, ev.len) != 0)
			return -1;
		got += ev.len;
	}
	if (got != KSSH_CHAN_WINDOW)
		return -1;
	while (kssh_buf_len(kssh_transport_output(p->server)) > 0 || kssh_buf_len(kssh_transport_input(p->client)) > 0)
		if (next_msg(p, p->client, &type, &payload) != 0 ||
		    kssh_chan_handle(&p->ct, p->client, type, &payload, &ev) != 0 || ev.kind != KSSH_CHAN_EV_WINDOW)
			return -1;
	return 0;
}

TEST(sender_stops_at_the_window_and_adjust_reopens_it)
{
	static uint8_t big[KSSH_CHAN_WINDOW + 1000];
	struct pair p;
	struct kssh_channel *c, *s;

	ASSERT(pair_up(&p) == 0);
	ASSERT(open_session(&p, &c, &s) == 0);
	/* only the window's worth goes out, in packets no larger than the peer's maximum */
	EXPECT_EQ(kssh_chan_send_data(p.client, c, 0, big, sizeof(big)), KSSH_CHAN_WINDOW);
	EXPECT_EQ(kssh_chan_send_room(c), 0);
	/* the consumer's WINDOW_ADJUSTs (one per half window consumed) give the sender its room back:
	 * all of it but what was consumed since the last one, which is less than half */
	ASSERT(take_window(&p, s) == 0);
	EXPECT_EQ(kssh_chan_send_room(c), KSSH_CHAN_WINDOW - s->local_consumed);
	EXPECT(s->local_consumed < KSSH_CHAN_WINDOW / 2);
	pair_free(&p);
}

/* With a goal set (the socket's receive buffer), the next WINDOW_ADJUST grows the window to it, never past the maximum */
TEST(the_window_grows_to_its_goal_within_the_maximum)
{
	static uint8_t big[KSSH_CHAN_WINDOW];
	struct pair p;
	struct kssh_channel *c, *s;

	ASSERT(pair_up(&p) == 0);
	kssh_chan_table_set_window_max(&p.st, 8u << 20);
	ASSERT(open_session(&p, &c, &s) == 0);
	kssh_chan_set_window_goal(&p.st, 100u << 20); /* past the maximum: held to it */
	EXPECT_EQ(s->window_goal, 8u << 20);
	EXPECT_EQ(kssh_chan_send_data(p.client, c, 0, big, sizeof(big)), KSSH_CHAN_WINDOW);
	ASSERT(take_window(&p, s) == 0);
	EXPECT_EQ(s->local_window_max, 8u << 20);
	EXPECT_EQ(kssh_chan_send_room(c), s->local_window);
	EXPECT_EQ(kssh_chan_send_room(c), (8u << 20) - s->local_consumed);
	/* a smaller goal later does not shrink it */
	kssh_chan_set_window_goal(&p.st, 1u << 20);
	EXPECT_EQ(s->window_goal, KSSH_CHAN_WINDOW);
	EXPECT_EQ(s->local_window_max, 8u << 20);
	pair_free(&p);
}

/* 255 KiB packets are announced to kssh peers only; others get OpenSSH's 32 KiB (its rekey limit counts them) */
TEST(the_packet_size_announced_depends_on_the_peer)
{
	struct pair p;
	struct kssh_channel *c, *s;

	ASSERT(pair_up(&p) == 0);
	kssh_chan_table_set_peer(&p.st, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
	ASSERT(open_session(&p, &c, &s) == 0);
	EXPECT_EQ(c->remote_max_packet, KSSH_CHAN_PACKET_COMPAT);
	kssh_chan_table_set_peer(&p.st, "SSH-2.0-kssh_0.1");
	kssh_chan_table_set_peer(&p.ct, "SSH-2.0-kssh_0.1");
	ASSERT(open_session(&p, &c, &s) == 0);
	EXPECT_EQ(c->remote_max_packet, KSSH_CHAN_PACKET);
	EXPECT_EQ(s->remote_max_packet, KSSH_CHAN_PACKET);
	pair_free(&p);
}

TEST(data_past_the_window_is_a_protocol_error)
{
	struct pair p;
	struct kssh_channel *c, *s;
	struct kssh_chan_event ev;
	struct kssh_buf payload;
	uint8_t type;
	size_t sent = 0;
	int r = 0;

	ASSERT(pair_up(&p) == 0);
	ASSERT(open_session(&p, &c, &s) == 0);
	while (sent <= KSSH_CHAN_WINDOW && r == 0) {
		ASSERT(raw_data(&p, c->remote_id, KSSH_CHAN_PACKET) == 0);
		sent += KSSH_CHAN_PACKET;
		ASSERT(next_msg(&p, p.server, &type, &payload) == 0);
		r = kssh_chan_handle(&p.st, p.server, type, &payload, &ev);
	}
	EXPECT_EQ(r, KSSH_ERR_PROTOCOL);
	EXPECT(strstr(kssh_transport_error(p.server), "past the window") != NULL);
	EXPECT(sent > KSSH_CHAN_WINDOW);
	pair_free(&p);
}

TEST(window_adjust_overflow_is_a_protocol_error)
{
	struct pair p;
	struct kssh_channel *c, *s;
	struct kssh_chan_event ev;
	struct kssh_buf payload, *b;
	uint8_t type;

	ASSERT(pair_up(&p) == 0);
	ASSERT(open_session(&p, &c, &s) == 0);
	b = kssh_transport_begin(p.client, SSH_MSG_CHANNEL_WINDOW_ADJUST);
	ASSERT(b && kssh_buf_put_u32(b, c->remote_id) == 0 && kssh_buf_put_u32(b, UINT32_MAX) == 0);
	ASSERT(kssh_transport_send(p.client) == 0);
	ASSERT(next_msg(&p, p.server, &type, &payload) == 0);
	EXPECT_EQ(kssh_chan_handle(&p.st, p.server, type, &payload, &ev), KSSH_ERR_PROTOCOL);
	EXPECT(strstr(kssh_transport_error(p.server), "overflows") != NULL);
	pair_free(&p);
}

TEST(message_for_an_unknown_channel_is_a_protocol_error)
{
	struct pair p;
	struct kssh_channel *c, *s;
	struct kssh_chan_event ev;
	struct kssh_buf payload;
	uint8_t type;

	ASSERT(pair_up(&p) == 0);
	ASSERT(open_session(&p, &c, &s) == 0);
	ASSERT(raw_data(&p, 7, 10) == 0);
	ASSERT(next_msg(&p, p.server, &type, &payload) == 0);
	EXPECT_EQ(kssh_chan_handle(&p.st, p.server, type, &payload, &ev), KSSH_ERR_PROTOCOL);
	pair_free(&p);
}

TEST(data_after_eof_is_refused_and_close_is_answered)
{
	struct pair p;
	struct kssh_channel *c, *s;
	struct kssh_chan_event ev;
	struct kssh_buf payload;
	uint8_t type;

	ASSERT(pair_up(&p) == 0);
	ASSERT(open_session(&p, &c, &s) == 0);
	ASSERT(kssh_chan_send_eof(p.client, c) == 0);
	EXPECT_EQ(kssh_chan_send_room(c), 0); /* nothing may follow our EOF */
	ASSERT(next_msg(&p, p.server, &type, &payload) == 0);
	ASSERT(kssh_chan_handle(&p.st, p.server, type, &payload, &ev) == 0);
	EXPECT_EQ(ev.kind, KSSH_CHAN_EV_EOF);
	/* CLOSE from the client: the server's table answers with its own */
	ASSERT(kssh_chan_send_close(p.client, c) == 0);
	ASSERT(next_msg(&p, p.server, &type, &payload) == 0);
	ASSERT(kssh_chan_handle(&p.st, p.server, type, &payload, &ev) == 0);
	EXPECT_EQ(ev.kind, KSSH_CHAN_EV_CLOSE);
	EXPECT(s->close_sent && s->close_received);
	ASSERT(next_msg(&p, p.client, &type, &payload) == 0);
	ASSERT(kssh_chan_handle(&p.ct, p.client, type, &payload, &ev) == 0);
	EXPECT_EQ(ev.kind, KSSH_CHAN_EV_CLOSE);
	kssh_chan_free(s);
	kssh_chan_free(c);
	EXPECT_EQ(kssh_chan_count(&p.st), 0);
	/* the id is free: a message for it is now a violation */
	ASSERT(raw_data(&p, 0, 1) == 0);
	ASSERT(next_msg(&p, p.server, &type, &payload) == 0);
	EXPECT_EQ(kssh_chan_handle(&p.st, p.server, type, &payload, &ev), KSSH_ERR_PROTOCOL);
	pair_free(&p);
}

TEST(channel_table_is_bounded)
{
	struct pair p;
	struct kssh_buf *msg;
	int opened = 0;

	ASSERT(pair_up(&p) == 0);
	for (int i = 0; i < KSSH_CHAN_MAX + 5; i++)
		opened += kssh_chan_open(&p.ct, p.client, "session", NULL, &msg) != NULL;
	EXPECT_EQ(opened, KSSH_CHAN_MAX);
	EXPECT_EQ(kssh_chan_end(&p.ct), KSSH_CHAN_MAX);
	pair_free(&p);
}

/* The loops over channels stop at the highest id used: a freed id below it is reused first */
TEST(channel_end_follows_the_highest_id_used)
{
	struct pair p;
	struct kssh_buf *msg;
	struct kssh_channel *ch[3];

	ASSERT(pair_up(&p) == 0);
	EXPECT_EQ(kssh_chan_end(&p.ct), 0);
	for (int i = 0; i < 3; i++)
		ASSERT((ch[i] = kssh_chan_open(&p.ct, p.client, "session", NULL, &msg)) != NULL);
	EXPECT_EQ(kssh_chan_end(&p.ct), 3);
	kssh_chan_free(ch[1]);
	EXPECT_EQ(kssh_chan_count(&p.ct), 2);
	ASSERT(kssh_chan_open(&p.ct, p.client, "session", NULL, &msg) == ch[1]);
	EXPECT_EQ(kssh_chan_end(&p.ct), 3);
	EXPECT(kssh_chan_lookup(&p.ct, 2) == ch[2]);
	EXPECT(kssh_chan_lookup(&p.ct, 3) == NULL);
	pair_free(&p);
}

TEST_MAIN()
