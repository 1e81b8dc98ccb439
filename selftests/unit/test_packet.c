// SPDX-License-Identifier: MIT
#include "kssh/err.h"
#include "kssh/packet.h"
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

TEST_MAIN()
