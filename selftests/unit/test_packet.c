// SPDX-License-Identifier: MIT
#include <sys/wait.h>
#include <unistd.h>
#include "kssh/err.h"
#include "kssh/packet.h"
#include "kssh/msg.h"
#include "test.h"

static const uint8_t key[64] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde";
static const uint8_t iv[16] = "fedcba9876543210";
static const uint8_t mac_key[64] = "MACKEYMACKEYMACKEYMACKEYMACKEYMACKEYMACKEYMACKEYMACKEYMACKEYMAC";

static int pair(struct kssh_packet *tx, struct kssh_packet *rx,
                const struct kssh_cipher_alg *c, const struct kssh_mac_alg *m)
{
	kssh_packet_init(tx);
	kssh_packet_init(rx);
	if (c == NULL)
		return 0;
	if (kssh_packet_set_keys(tx, KSSH_DIR_OUT, c, m, key, iv, mac_key, NULL, NULL) != 0)
		return -1;
	return kssh_packet_set_keys(rx, KSSH_DIR_IN, c, m, key, iv, mac_key, NULL, NULL);
}

static void done(struct kssh_packet *tx, struct kssh_packet *rx)
{
	kssh_packet_free(tx);
	kssh_packet_free(rx);
}

static int send_msg(struct kssh_packet *p, uint8_t type, size_t len, uint8_t fill)
{
	struct kssh_buf *b = kssh_packet_begin(p, type);
	uint8_t *dst;

	if (b == NULL || kssh_buf_reserve(b, len, &dst) != 0)
		return -1;
	memset(dst, fill, len);
	return kssh_packet_finish(p);
}

static int move_bytes(struct kssh_packet *tx, struct kssh_packet *rx)
{
	int r = kssh_buf_put(&rx->input, kssh_buf_ptr(&tx->output), kssh_buf_len(&tx->output));

	kssh_buf_reset(&tx->output);
	return r;
}

/* Every cipher with every MAC: payloads of many sizes survive the round trip. */
TEST(every_cipher_and_mac_round_trips)
{
	const struct kssh_cipher_alg *c;
	const struct kssh_mac_alg *m;

	for (size_t ci = 0; (c = kssh_cipher_at(ci)) != NULL; ci++) {
		for (size_t mi = 0; (m = kssh_mac_at(mi)) != NULL; mi++) {
			struct kssh_packet tx, rx;
			struct kssh_buf payload;
			uint8_t type;

			ASSERT(pair(&tx, &rx, c, m) == 0);
			for (size_t len = 0; len < 2000; len += 97) {
				ASSERT(send_msg(&tx, 94, len, (uint8_t)len) == 0);
				ASSERT(move_bytes(&tx, &rx) == 0);
				if (kssh_packet_read(&rx, &type, &payload) != 0) {
					printf("#   %s + %s failed at %zu\n", c->name, m->name, len);
					*failed = 1;
					break;
				}
				EXPECT_EQ(type, 94);
				EXPECT_EQ(kssh_buf_len(&payload), len + 1);
				EXPECT(len == 0 || kssh_buf_ptr(&payload)[len] == (uint8_t)len);
			}
			EXPECT_EQ(rx.dir[KSSH_DIR_IN].seqnr, tx.dir[KSSH_DIR_OUT].seqnr);
			done(&tx, &rx);
		}
	}
}

/*
 * A payload whose data stays where it lies (finish_tail), between ordinary
 * packets: the reader gets the same bytes, and an AEAD cipher encrypts the
 * data from there (the outgoing buffer never grows to hold it).
 */
TEST(a_payload_with_its_data_elsewhere_round_trips_for_every_cipher)
{
	static uint8_t data[40000];
	const struct kssh_cipher_alg *c;
	const size_t sizes[] = { 0, 1, 15, 16, 17, 255, 4096, 32768, 40000 };

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	for (size_t ci = 0; (c = kssh_cipher_at(ci)) != NULL; ci++) {
		struct kssh_packet tx, rx;
		struct kssh_buf payload;
		uint8_t type;

		ASSERT(pair(&tx, &rx, c, kssh_mac_at(0)) == 0);
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			size_t n = sizes[k];
			struct kssh_buf *b = kssh_packet_begin(&tx, 94);

			ASSERT(b != NULL && kssh_buf_put_u32(b, 7) == 0 && kssh_buf_put_u32(b, (uint32_t)n) == 0);
			ASSERT(kssh_packet_finish_tail(&tx, data, n) == 0);
			if ((c->flags & KSSH_CIPHER_AEAD) && n >= 4096)
				EXPECT(tx.outgoing.alloc < n);
			ASSERT(send_msg(&tx, 2, 30, 9) == 0);
			ASSERT(move_bytes(&tx, &rx) == 0);
			if (kssh_packet_read(&rx, &type, &payload) != 0) {
				printf("#   %s failed at %zu\n", c->name, n);
				*failed = 1;
				break;
			}
			EXPECT_EQ(type, 94);
			ASSERT(kssh_buf_len(&payload) == 9 + n);
			EXPECT(memcmp(kssh_buf_ptr(&payload) + 9, data, n) == 0);
			ASSERT(kssh_packet_read(&rx, &type, &payload) == 0);
			EXPECT_EQ(type, 2);
		}
		EXPECT_EQ(rx.dir[KSSH_DIR_IN].seqnr, tx.dir[KSSH_DIR_OUT].seqnr);
		done(&tx, &rx);
	}
}

/* The padding pool is not shared across fork: parent and child draw different bytes */
TEST(padding_after_fork_differs_between_parent_and_child)
{
	uint8_t first[16], mine[16], childs[16];
	int fds[2];
	pid_t pid;

	ASSERT(kssh_packet_random_padding(first, sizeof(first)) == 0); /* the pool is filled now */
	ASSERT(pipe(fds) == 0);
	ASSERT((pid = fork()) >= 0);
	if (pid == 0) {
		int ok = kssh_packet_random_padding(childs, sizeof(childs)) == 0 &&
		         write(fds[1], childs, sizeof(childs)) == (ssize_t)sizeof(childs);
		_exit(ok ? 0 : 1);
	}
	close(fds[1]);
	ASSERT(kssh_packet_random_padding(mine, sizeof(mine)) == 0);
	ASSERT(read(fds[0], childs, sizeof(childs)) == (ssize_t)sizeof(childs));
	close(fds[0]);
	waitpid(pid, NULL, 0);
	EXPECT(memcmp(mine, childs, sizeof(mine)) != 0);
	EXPECT(memcmp(mine, first, sizeof(mine)) != 0);
}

TEST(corrupted_byte_fails_authentication_for_every_cipher)
{
	const struct kssh_cipher_alg *c;

	for (size_t ci = 0; (c = kssh_cipher_at(ci)) != NULL; ci++) {
		struct kssh_packet tx, rx;
		struct kssh_buf payload;
		uint8_t type;
		int r;

		ASSERT(pair(&tx, &rx, c, kssh_mac_at(0)) == 0);
		ASSERT(send_msg(&tx, 94, 100, 1) == 0);
		kssh_buf_mutable_ptr(&tx.output)[kssh_buf_len(&tx.output) - 20] ^= 1;
		ASSERT(move_bytes(&tx, &rx) == 0);
		r = kssh_packet_read(&rx, &type, &payload);
		EXPECT(r == KSSH_ERR_MAC_INVALID);
		done(&tx, &rx);
	}
}

TEST(partial_packet_asks_for_more)
{
	struct kssh_packet tx, rx;
	struct kssh_buf payload;
	uint8_t type;
	size_t total;

	ASSERT(pair(&tx, &rx, kssh_cipher_by_name("aes128-ctr"),
	            kssh_mac_by_name("hmac-sha2-256")) == 0);
	ASSERT(send_msg(&tx, 94, 500, 3) == 0);
	total = kssh_buf_len(&tx.output);
	for (size_t i = 0; i + 1 < total; i++) {
		ASSERT(kssh_buf_put(&rx.input, kssh_buf_ptr(&tx.output) + i, 1) == 0);
		ASSERT(kssh_packet_read(&rx, &type, &payload) == KSSH_ERR_AGAIN);
	}
	ASSERT(kssh_buf_put(&rx.input, kssh_buf_ptr(&tx.output) + total - 1, 1) == 0);
	EXPECT_EQ(kssh_packet_read(&rx, &type, &payload), 0);
	EXPECT_EQ(kssh_buf_len(&payload), 501u);
	done(&tx, &rx);
}

TEST(oversized_length_is_refused_before_waiting_for_it)
{
	static const uint8_t hdr[8] = { 0x00, 0x04, 0x00, 0x04, 4, 0, 0, 0 };
	struct kssh_packet tx, rx;
	struct kssh_buf payload;
	uint8_t type;

	pair(&tx, &rx, NULL, NULL);
	ASSERT(kssh_buf_put(&rx.input, hdr, sizeof(hdr)) == 0);
	EXPECT_EQ(kssh_packet_read(&rx, &type, &payload), KSSH_ERR_PACKET_LENGTH);
	done(&tx, &rx);
}

TEST(padding_shorter_than_four_is_refused)
{
	static const uint8_t pkt[16] = { 0, 0, 0, 12, 3, 94, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0 };
	struct kssh_packet tx, rx;
	struct kssh_buf payload;
	uint8_t type;

	pair(&tx, &rx, NULL, NULL);
	ASSERT(kssh_buf_put(&rx.input, pkt, sizeof(pkt)) == 0);
	EXPECT_EQ(kssh_packet_read(&rx, &type, &payload), KSSH_ERR_PADDING);
	done(&tx, &rx);
}

TEST(misaligned_length_is_refused)
{
	static const uint8_t pkt[16] = { 0, 0, 0, 13, 4, 94, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct kssh_packet tx, rx;
	struct kssh_buf payload;
	uint8_t type;

	pair(&tx, &rx, NULL, NULL);
	ASSERT(kssh_buf_put(&rx.input, pkt, sizeof(pkt)) == 0);
	EXPECT_EQ(kssh_packet_read(&rx, &type, &payload), KSSH_ERR_PACKET_LENGTH);
	done(&tx, &rx);
}

TEST(largest_allowed_packet_is_accepted)
{
	struct kssh_packet tx, rx;
	struct kssh_buf payload;
	uint8_t type;

	ASSERT(pair(&tx, &rx, kssh_cipher_by_name("aes256-gcm@openssh.com"), NULL) == 0);
	ASSERT(send_msg(&tx, 94, KSSH_PACKET_MAX_SIZE - 64, 9) == 0);
	ASSERT(move_bytes(&tx, &rx) == 0);
	EXPECT_EQ(kssh_packet_read(&rx, &type, &payload), 0);
	done(&tx, &rx);
}

TEST(rekey_accounting_counts_bytes_and_resets_with_new_keys)
{
	struct kssh_packet tx, rx;

	ASSERT(pair(&tx, &rx, kssh_cipher_by_name("aes128-ctr"), kssh_mac_at(0)) == 0);
	for (int i = 0; i < 10; i++)
		ASSERT(send_msg(&tx, 94, 1000, 0) == 0);
	EXPECT(tx.dir[KSSH_DIR_OUT].bytes >= 10000);
	EXPECT_EQ(tx.dir[KSSH_DIR_OUT].packets, 10u);
	ASSERT(kssh_packet_set_keys(&tx, KSSH_DIR_OUT, kssh_cipher_by_name("aes128-ctr"),
	                            kssh_mac_at(0), key, iv, mac_key, NULL, NULL) == 0);
	EXPECT_EQ(tx.dir[KSSH_DIR_OUT].bytes, 0u);
	EXPECT_EQ(tx.dir[KSSH_DIR_OUT].seqnr, 10u); /* only strict kex resets it */
	done(&tx, &rx);
}

/* Kernel mode's input record as conn_kernel's recvmsg writes it: kind, length, 4 bytes of room, body */
static void put_record(struct kssh_packet *p, uint8_t kind, const uint8_t *body, uint32_t len)
{
	uint8_t *dst;

	if (kssh_buf_reserve(&p->input, KSSH_REC_IN_HEADER + len, &dst) != 0)
		abort();
	dst[0] = kind;
	kssh_poke_u32(dst + 1, len);
	memcpy(dst + KSSH_REC_IN_HEADER, body, len);
}

/* Kernel mode: the bound channel's data comes back as CHANNEL_DATA pieces of 32 KiB, framed in
 * place, in order with the messages around it; WINDOW_ADJUST for it is noted; bad records refused. */
TEST(kernel_mode_input_records_become_channel_data_and_messages)
{
	static uint8_t data[70000];
	uint8_t adjust[9] = { SSH_MSG_CHANNEL_WINDOW_ADJUST }, type, *seen = malloc(sizeof(data));
	struct kssh_packet p;
	struct kssh_buf payload;
	size_t got = 0;
	int pieces = 0;

	ASSERT(seen != NULL);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	kssh_packet_init(&p);
	kssh_packet_kernel_start(&p, 3, 7);
	kssh_poke_u32(adjust + 1, 7);
	kssh_poke_u32(adjust + 5, 65536);
	put_record(&p, KSSH_REC_DATA, data, sizeof(data));
	put_record(&p, KSSH_REC_MESSAGE, adjust, sizeof(adjust));
	while (got < sizeof(data)) {
		ASSERT(kssh_packet_read(&p, &type, &payload) == 0);
		ASSERT(type == SSH_MSG_CHANNEL_DATA && kssh_buf_len(&payload) > 9);
		const uint8_t *m = kssh_buf_ptr(&payload);
		uint32_t n = kssh_peek_u32(m + 5);

		EXPECT(m[0] == SSH_MSG_CHANNEL_DATA && kssh_peek_u32(m + 1) == 7);
		ASSERT(n == kssh_buf_len(&payload) - 9 && n <= KSSH_REC_DATA_PIECE && got + n <= sizeof(data));
		memcpy(seen + got, m + 9, n);
		got += n;
		pieces++;
	}
	EXPECT(memcmp(seen, data, sizeof(data)) == 0);
	EXPECT_EQ(pieces, 3);
	ASSERT(kssh_packet_read(&p, &type, &payload) == 0);
	EXPECT(type == SSH_MSG_CHANNEL_WINDOW_ADJUST && kssh_buf_len(&payload) == 9);
	EXPECT_EQ(p.kernel.window_add, 65536u);
	EXPECT(kssh_packet_read(&p, &type, &payload) == KSSH_ERR_AGAIN);
	put_record(&p, 'X', adjust, sizeof(adjust));
	EXPECT(kssh_packet_read(&p, &type, &payload) == KSSH_ERR_PACKET_LENGTH);
	kssh_buf_reset(&p.input);
	put_record(&p, KSSH_REC_MESSAGE, adjust, 0);
	EXPECT(kssh_packet_read(&p, &type, &payload) == KSSH_ERR_PACKET_LENGTH);
	free(seen);
	kssh_packet_free(&p);
}

TEST_MAIN()
