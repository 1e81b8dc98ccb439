// SPDX-License-Identifier: MIT
/*
 * The ULP's receive path: libkssh sends, the module receives; channel data
 * out of read(), other messages whole with their type, poisoning on bad
 * input, the peer's rekey, pending ciphertext, poll for reading.
 */
#include "kmod_ulp_test.h"

struct rx_pair {
	int a, b;                 /* a: the module's end; b: the sender's */
	struct kssh_packet tx;    /* libkssh, keyed like a */
	struct kssh_ulp_crypto_info info;
};

static int rx_keys(struct rx_pair *p, uint16_t cipher)
{
	return ulp_keys(cipher, &p->info, &p->tx, KSSH_DIR_OUT);
}

/* a keyed to receive channel local 7, b with libkssh keyed to send to it */
static int rx_pair(struct rx_pair *p, uint16_t cipher, int install_now)
{
	kssh_packet_init(&p->tx);
	if (tcp_pair(AF_INET, &p->a, &p->b) != 0 || set_ulp(p->a) != 0 || rx_keys(p, cipher) != 0)
		return -1;
	{
		struct kssh_ulp_channel ch = { .recipient = 1, .window = 1 << 20, .max_packet = 32768, .local = 7 };

		if (setsockopt(p->a, SOL_KSSH, KSSH_ULP_CHANNEL, &ch, sizeof(ch)) != 0)
			return -1;
	}
	return install_now ? setsockopt(p->a, SOL_KSSH, KSSH_ULP_RX, &p->info, sizeof(p->info)) : 0;
}

static void rx_free(struct rx_pair *p)
{
	kssh_packet_free(&p->tx);
	close(p->a);
	close(p->b);
}

/* libkssh composes one packet: type then body; it goes into its output buffer */
static int compose(struct rx_pair *p, uint8_t type, const void *body, size_t len)
{
	struct kssh_buf *b = kssh_packet_begin(&p->tx, type);
	uint8_t *dst;

	if (b == NULL || kssh_buf_reserve(b, len, &dst) != 0)
		return -1;
	if (len > 0)
		memcpy(dst, body, len);
	return kssh_packet_finish(&p->tx);
}

static int compose_data(struct rx_pair *p, uint32_t channel, const void *data, uint32_t len)
{
	uint8_t body[4 + 4 + 65536];

	kssh_poke_u32(body, channel);
	kssh_poke_u32(body + 4, len);
	memcpy(body + 8, data, len);
	return compose(p, 94, body, 8 + len);
}

/* the sender's output onto the wire, from a child: more than TCP buffers would block a lone writer */
static int flush(struct rx_pair *p)
{
	struct kssh_buf *out = &p->tx.output;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(write(p->b, kssh_buf_ptr(out), kssh_buf_len(out)) == (ssize_t)kssh_buf_len(out) ? 0 : 1);
	kssh_buf_reset(out);
	return 0;
}

static ssize_t read_all(int fd, uint8_t *buf, size_t want)
{
	size_t have = 0;

	while (have < want) {
		ssize_t n = read(fd, buf + have, want - have);

		if (n <= 0)
			return n < 0 ? -1 : (ssize_t)have;
		have += (size_t)n;
	}
	return (ssize_t)have;
}

/* recvmsg with room for the module's control message: the message type, or -errno */
static int recv_message(int fd, uint8_t *buf, size_t len, size_t *got)
{
	union {
		char buf[CMSG_SPACE(8)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
	                      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cm;
	ssize_t n = recvmsg(fd, &msg, 0);

	if (n < 0)
		return -errno;
	*got = (size_t)n;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm == NULL || cm->cmsg_level != SOL_KSSH || cm->cmsg_type != KSSH_ULP_CMSG_MESSAGE ||
	    cm->cmsg_len != CMSG_LEN(1))
		return -EPROTO;
	return *(uint8_t *)CMSG_DATA(cm);
}

TEST(channel_data_comes_out_of_read)
{
	static uint8_t sent[200000], got[200000];
	uint16_t ciphers[] = ULP_ALL_CIPHERS;

	for (size_t c = 0; c < sizeof(ciphers) / sizeof(ciphers[0]); c++) {
		struct kssh_ulp_stats st;
		socklen_t len = sizeof(st);
		struct rx_pair p;
		size_t off = 0;
		int packets = 0;

		ASSERT(rx_pair(&p, ciphers[c], 1) == 0);
		RAND_bytes(sent, sizeof(sent));
		while (off < sizeof(sent)) {
			uint32_t n = 1 + (uint32_t)(off * 7919 % 32768);

			if (n > sizeof(sent) - off)
				n = (uint32_t)(sizeof(sent) - off);
			ASSERT(compose_data(&p, 7, sent + off, n) == 0);
			off += n;
			packets++;
		}
		ASSERT(flush(&p) == 0);
		EXPECT_EQ(read_all(p.a, got, sizeof(got)), (ssize_t)sizeof(got));
		EXPECT(memcmp(sent, got, sizeof(sent)) == 0);
		ASSERT(getsockopt(p.a, SOL_KSSH, KSSH_ULP_STATS, &st, &len) == 0);
		EXPECT_EQ(st.rx_packets, (uint64_t)packets);
		EXPECT_EQ(st.rx_seqnr, 7u + (uint32_t)packets);
		rx_free(&p);
	}
}

TEST(other_messages_come_up_whole_with_their_type)
{
	const uint8_t adjust[] = { 0, 0, 0, 7, 0, 1, 0, 0 }; /* WINDOW_ADJUST body */
	uint8_t buf[64];
	size_t got;
	struct rx_pair p;

	ASSERT(rx_pair(&p, KSSH_ULP_AES128_GCM, 1) == 0);
	ASSERT(compose_data(&p, 7, "before", 6) == 0 && compose(&p, 93, adjust, sizeof(adjust)) == 0 &&
	       compose_data(&p, 7, "after", 5) == 0 && compose_data(&p, 8, "other", 5) == 0);
	ASSERT(flush(&p) == 0);
	/* the data first, never in the same read as the message */
	EXPECT_EQ(read(p.a, buf, sizeof(buf)), 6);
	EXPECT(memcmp(buf, "before", 6) == 0);
	/* a plain read meets the message: EIO, and the message stays */
	EXPECT_EQ(RESULT(read(p.a, buf, sizeof(buf)) < 0 ? -1 : 0), -EIO);
	EXPECT_EQ(recv_message(p.a, buf, 4, &got), -EMSGSIZE); /* too small a buffer: it stays too */
	EXPECT_EQ(recv_message(p.a, buf, sizeof(buf), &got), 93);
	EXPECT(got == 1 + sizeof(adjust) && buf[0] == 93 && memcmp(buf + 1, adjust, sizeof(adjust)) == 0);
	EXPECT_EQ(read(p.a, buf, sizeof(buf)), 5);
	EXPECT(memcmp(buf, "after", 5) == 0);
	/* data for another channel is a message like any other */
	EXPECT_EQ(recv_message(p.a, buf, sizeof(buf), &got), 94);
	EXPECT(got == 1 + 4 + 4 + 5 && memcmp(buf + 9, "other", 5) == 0);
	rx_free(&p);
}

TEST(a_bad_tag_or_mac_poisons_the_socket)
{
	uint16_t ciphers[] = { KSSH_ULP_AES256_GCM, KSSH_ULP_AES128_CTR, KSSH_ULP_AES256_CTR };

	for (size_t c = 0; c < sizeof(ciphers) / sizeof(ciphers[0]); c++) {
		uint8_t buf[64];
		struct rx_pair p;
		uint8_t *wire;

		ASSERT(rx_pair(&p, ciphers[c], 1) == 0);
		ASSERT(compose_data(&p, 7, "good", 4) == 0 && compose_data(&p, 7, "evil", 4) == 0 &&
		       compose_data(&p, 7, "more", 4) == 0);
		wire = kssh_buf_mutable_ptr(&p.tx.output);
		wire[kssh_buf_len(&p.tx.output) / 2] ^= 0x20; /* inside the second packet */
		ASSERT(flush(&p) == 0);
		EXPECT_EQ(read(p.a, buf, sizeof(buf)), 4);
		EXPECT_EQ(RESULT(read(p.a, buf, sizeof(buf)) < 0 ? -1 : 0), -EBADMSG);
		EXPECT_EQ(RESULT(read(p.a, buf, sizeof(buf)) < 0 ? -1 : 0), -EBADMSG); /* and stays so */
		rx_free(&p);
	}
}

TEST(malformed_lengths_poison_the_socket)
{
	const uint32_t lengths[] = { 0, 4, 17, 256 * 1024 + 16, 0xfffffff0 };

	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		uint8_t wire[64] = { 0 }, buf[16];
		struct rx_pair p;

		ASSERT(rx_pair(&p, KSSH_ULP_AES128_GCM, 1) == 0);
		kssh_poke_u32(wire, lengths[i]);
		ASSERT(write(p.b, wire, sizeof(wire)) == sizeof(wire));
		EXPECT_EQ(RESULT(read(p.a, buf, sizeof(buf)) < 0 ? -1 : 0), -EBADMSG);
		rx_free(&p);
	}
}

TEST(a_packet_cut_by_the_peer_is_an_error)
{
	uint8_t buf[16];
	struct rx_pair p;

	ASSERT(rx_pair(&p, KSSH_ULP_AES128_GCM, 1) == 0);
	ASSERT(compose_data(&p, 7, "truncated", 9) == 0);
	ASSERT(write(p.b, kssh_buf_ptr(&p.tx.output), 20) == 20);
	shutdown(p.b, SHUT_WR);
	EXPECT_EQ(RESULT(read(p.a, buf, sizeof(buf)) < 0 ? -1 : 0), -EBADMSG);
	rx_free(&p);
}

/* NEWKEYS goes up, reads wait for the new keys (EKEYEXPIRED), then go on under them */
TEST(newkeys_pauses_until_the_new_keys)
{
	uint8_t buf[64];
	size_t got;
	struct rx_pair p;
	int again;

	ASSERT(rx_pair(&p, KSSH_ULP_AES128_GCM, 1) == 0);
	ASSERT(compose_data(&p, 7, "old", 3) == 0 && compose(&p, 21, NULL, 0) == 0 && flush(&p) == 0);
	ASSERT(rx_keys(&p, KSSH_ULP_AES256_GCM) == 0); /* the sender switches after its NEWKEYS */
	ASSERT(compose_data(&p, 7, "new", 3) == 0 && flush(&p) == 0);
	EXPECT_EQ(read(p.a, buf, sizeof(buf)), 3);
	EXPECT_EQ(recv_message(p.a, buf, sizeof(buf), &got), 21);
	EXPECT_EQ(RESULT(read(p.a, buf, sizeof(buf)) < 0 ? -1 : 0), -EKEYEXPIRED);
	again = RESULT(setsockopt(p.a, SOL_KSSH, KSSH_ULP_RX, &p.info, sizeof(p.info)));
	EXPECT_EQ(again, 0);
	EXPECT_EQ(read(p.a, buf, sizeof(buf)), 3);
	EXPECT(memcmp(buf, "new", 3) == 0);
	/* and a third install without a NEWKEYS first is refused */
	EXPECT_EQ(RESULT(setsockopt(p.a, SOL_KSSH, KSSH_ULP_RX, &p.info, sizeof(p.info))), -EBUSY);
	rx_free(&p);
}

/* Data the module holds is readable even when TCP's queue is empty */
TEST(poll_is_readable_while_the_module_holds_data)
{
	uint8_t buf[16];
	struct rx_pair p;

	ASSERT(rx_pair(&p, KSSH_ULP_AES128_GCM, 1) == 0);
	ASSERT(compose_data(&p, 7, "0123456789", 10) == 0 && flush(&p) == 0);
	EXPECT_EQ(read(p.a, buf, 1), 1); /* the whole packet is read from TCP, 9 bytes stay */
	EXPECT(poll_now(p.a, POLLIN) & POLLIN);
	EXPECT_EQ(read(p.a, buf, sizeof(buf)), 9);
	EXPECT(!(poll_now(p.a, POLLIN) & POLLIN));
	rx_free(&p);
}

/* Ciphertext userspace already read goes back in with the keys, and the stream goes on seamlessly */
TEST(pending_ciphertext_is_taken_at_install)
{
	static uint8_t opt[sizeof(struct kssh_ulp_crypto_info) + 4096];
	uint8_t buf[64], head[100];
	struct rx_pair p;
	ssize_t n;

	ASSERT(rx_pair(&p, KSSH_ULP_AES128_GCM, 0) == 0);
	ASSERT(compose_data(&p, 7, "first packet", 12) == 0 && compose_data(&p, 7, "second", 6) == 0 &&
	       flush(&p) == 0);
	/* userspace read 1.5 packets before handing over: 52 + 10 bytes */
	n = read_all(p.a, head, 52 + 10);
	ASSERT(n == 62);
	memcpy(opt, &p.info, sizeof(p.info));
	memcpy(opt + sizeof(p.info), head, (size_t)n);
	ASSERT(setsockopt(p.a, SOL_KSSH, KSSH_ULP_RX, opt, sizeof(p.info) + (size_t)n) == 0);
	/* a stream: both packets' data, in order */
	EXPECT_EQ(read_all(p.a, buf, 18), 18);
	EXPECT(memcmp(buf, "first packetsecond", 18) == 0);
	rx_free(&p);
}
