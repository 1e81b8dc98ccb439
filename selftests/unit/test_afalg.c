// SPDX-License-Identifier: MIT
/*
 * The AF_ALG backend against the OpenSSL one. On a kernel without AF_ALG (the
 * build machines) only the "not available" behaviour can be checked; in the
 * VM (KSSH_REQUIRE_AFALG=1) AF_ALG must be there and every cipher and MAC
 * must produce exactly OpenSSL's bytes for random keys, IVs, lengths and
 * sequence numbers, both directions.
 */
#include <dirent.h>
#include <errno.h>
#include <openssl/rand.h>

#include "kssh/err.h"
#include "kssh/packet.h"
#include "test.h"

struct test_case test_cases[MAX_TESTS];
int test_count;

static const char *const aes_ciphers[] = {
	"aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
};
#define N_AES (sizeof(aes_ciphers) / sizeof(aes_ciphers[0]))

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (d == NULL)
		return -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static uint32_t random_below(uint32_t n)
{
	uint32_t v;

	RAND_bytes((uint8_t *)&v, sizeof(v));
	return v % n;
}

/* ---- a kernel without AF_ALG ---- */

static void absent_reports_unavailable(int *failed)
{
	int before = open_fds();

	for (size_t i = 0; i < N_AES; i++) {
		const struct kssh_cipher_alg *alg = kssh_cipher_by_name(aes_ciphers[i]);
		uint8_t key[32] = { 0 }, iv[16] = { 0 };
		struct kssh_cipher c;

		errno = 0;
		EXPECT_EQ(kssh_afalg_probe(alg, kssh_mac_at(0)), KSSH_ERR_UNAVAILABLE);
		EXPECT(errno == EAFNOSUPPORT || errno == ENOENT);
		EXPECT_EQ(kssh_cipher_init(&c, alg, &kssh_cipher_backend_afalg, key, iv, 1), KSSH_ERR_UNAVAILABLE);
		EXPECT(c.state == NULL && c.backend == NULL); /* cleaned up, nothing half-built */
	}
	for (size_t i = 0; kssh_mac_at(i) != NULL; i++) {
		struct kssh_mac m;
		uint8_t key[64] = { 0 };

		EXPECT_EQ(kssh_mac_init_backend(&m, kssh_mac_at(i), &kssh_mac_backend_afalg, key),
		          KSSH_ERR_UNAVAILABLE);
		EXPECT(m.ctx == NULL);
	}
	EXPECT_EQ(open_fds(), before);
}

/* chacha20-poly1305 and the CBC modes stay on OpenSSL on every kernel */
static void chacha_and_cbc_have_no_path(int *failed)
{
	const char *names[] = { "chacha20-poly1305@openssh.com", "aes128-cbc", "3des-cbc" };

	for (size_t i = 0; i < 3; i++) {
		errno = 0;
		EXPECT_EQ(kssh_afalg_probe(kssh_cipher_by_name(names[i]), kssh_mac_at(0)), KSSH_ERR_UNAVAILABLE);
		EXPECT_EQ(errno, EOPNOTSUPP);
	}
}

/* ---- a kernel with AF_ALG: byte-for-byte against OpenSSL ---- */

struct pair {
	struct kssh_cipher evp, afalg;
};

static int pair_init(struct pair *p, const struct kssh_cipher_alg *alg, const uint8_t *key,
                     const uint8_t *iv, int encrypt)
{
	if (kssh_cipher_init(&p->evp, alg, NULL, key, iv, encrypt) != 0)
		return -1;
	return kssh_cipher_init(&p->afalg, alg, &kssh_cipher_backend_afalg, key, iv, encrypt);
}

static void pair_free(struct pair *p)
{
	kssh_cipher_cleanup(&p->evp);
	kssh_cipher_cleanup(&p->afalg);
}

/* A packet's shape: 4 bytes of length (AAD for gcm and etm), a body of whole blocks, up to 256 KiB */
static uint32_t random_body(void)
{
	static const uint32_t edges[] = { 16, 32, 64 * 1024, 64 * 1024 + 16, 256 * 1024 };

	if (random_below(4) == 0)
		return edges[random_below(5)];
	return 16 * (1 + random_below(4096));
}

/* One cipher: a stream of packets through both backends, each way, must agree exactly. */
static int cipher_agrees(const struct kssh_cipher_alg *alg, uint8_t *iv_override)
{
	int aead = (alg->flags & KSSH_CIPHER_AEAD) != 0;
	size_t max = 4 + 256 * 1024 + 16;
	uint8_t key[32], iv[16], *plain = malloc(max), *a = malloc(max), *b = malloc(max);
	struct pair enc = { 0 }, dec = { 0 };
	int bad = 0;

	RAND_bytes(key, sizeof(key));
	RAND_bytes(iv, sizeof(iv));
	if (iv_override)
		memcpy(iv, iv_override, 16);
	if (!plain || !a || !b || pair_init(&enc, alg, key, iv, 1) != 0 || pair_init(&dec, alg, key, iv, 0) != 0) {
		printf("#   %s: cannot set up both backends\n", alg->name);
		bad = 1;
		goto out;
	}
	for (int n = 0; n < 40 && !bad; n++) {
		uint32_t len = random_body(), aad = aead || random_below(2) ? 4 : 0;
		uint32_t tag = aead ? 16 : 0, seq = random_below(UINT32_MAX);

		RAND_bytes(plain, (int)(aad + len));
		if (enc.evp.backend->crypt(&enc.evp, seq, a, plain, len, aad, tag) != 0 ||
		    enc.afalg.backend->crypt(&enc.afalg, seq, b, plain, len, aad, tag) != 0 ||
		    memcmp(a, b, aad + len + tag) != 0) {
			printf("#   %s: encryption of packet %d (%u bytes) differs\n", alg->name, n, len);
			bad = 1;
			break;
		}
		if (dec.afalg.backend->crypt(&dec.afalg, seq, b, a, len, aad, tag) != 0 ||
		    memcmp(b, plain, aad + len) != 0) {
			printf("#   %s: af-alg decryption of packet %d differs\n", alg->name, n);
			bad = 1;
		}
		if (dec.evp.backend->crypt(&dec.evp, seq, b, a, len, aad, tag) != 0)
			bad = 1;
	}
out:
	pair_free(&enc);
	pair_free(&dec);
	free(plain);
	free(a);
	free(b);
	return bad;
}

static void ciphers_match_openssl(int *failed)
{
	for (size_t i = 0; i < N_AES; i++)
		for (int round = 0; round < 5; round++)
			EXPECT(cipher_agrees(kssh_cipher_by_name(aes_ciphers[i]), NULL) == 0);
}

/* The 128-bit counter carries through every byte and wraps as OpenSSL's does */
static void ctr_counter_carries_like_openssl(int *failed)
{
	uint8_t iv[16];

	memset(iv, 0xff, sizeof(iv));
	iv[15] = 0xf0;
	for (int bits = 128; bits <= 256; bits += 64) {
		char name[32];

		snprintf(name, sizeof(name), "aes%d-ctr", bits);
		EXPECT(cipher_agrees(kssh_cipher_by_name(name), iv) == 0);
	}
}

static void gcm_rejects_a_flipped_byte(int *failed)
{
	const struct kssh_cipher_alg *alg = kssh_cipher_by_name("aes256-gcm@openssh.com");
	uint8_t key[32], iv[12], plain[4 + 64], wire[4 + 64 + 16], out[4 + 64];
	struct kssh_cipher enc, dec;

	RAND_bytes(key, sizeof(key));
	RAND_bytes(iv, sizeof(iv));
	RAND_bytes(plain, sizeof(plain));
	for (size_t at = 0; at < sizeof(wire); at += 7) {
		ASSERT(kssh_cipher_init(&enc, alg, NULL, key, iv, 1) == 0);
		ASSERT(kssh_cipher_init(&dec, alg, &kssh_cipher_backend_afalg, key, iv, 0) == 0);
		ASSERT(enc.backend->crypt(&enc, 0, wire, plain, 64, 4, 16) == 0);
		wire[at] ^= 0x01;
		EXPECT_EQ(dec.backend->crypt(&dec, 0, out, wire, 64, 4, 16), KSSH_ERR_MAC_INVALID);
		kssh_cipher_cleanup(&enc);
		kssh_cipher_cleanup(&dec);
	}
}

static void macs_match_openssl(int *failed)
{
	static uint8_t data[256 * 1024 + 64];
	const struct kssh_mac_alg *alg;

	for (size_t i = 0; (alg = kssh_mac_at(i)) != NULL; i++) {
		struct kssh_mac evp, afalg;
		uint8_t key[64], a[64], b[64];

		RAND_bytes(key, sizeof(key));
		ASSERT(kssh_mac_init(&evp, alg, key) == 0);
		ASSERT(kssh_mac_init_backend(&afalg, alg, &kssh_mac_backend_afalg, key) == 0);
		for (int n = 0; n < 30; n++) {
			uint32_t seq = random_below(UINT32_MAX), len = 1 + random_below(sizeof(data) - 1);

			RAND_bytes(data, (int)len);
			EXPECT(kssh_mac_compute(&evp, seq, data, len, a) == 0);
			EXPECT(kssh_mac_compute(&afalg, seq, data, len, b) == 0);
			EXPECT(memcmp(a, b, alg->mac_len) == 0);
			EXPECT(kssh_mac_verify(&afalg, seq, data, len, a) == 0);
			a[random_below(alg->mac_len)] ^= 0x80;
			EXPECT_EQ(kssh_mac_verify(&afalg, seq, data, len, a), KSSH_ERR_MAC_INVALID);
		}
		kssh_mac_cleanup(&evp);
		kssh_mac_cleanup(&afalg);
	}
}

/* Whole packets: af-alg sends, OpenSSL receives, and the other way round, from a random sequence number */
static int packets_cross(const struct kssh_cipher_alg *c, const struct kssh_mac_alg *m, int afalg_sends)
{
	const struct kssh_cipher_backend *cb = &kssh_cipher_backend_afalg;
	const struct kssh_mac_backend *mb = &kssh_mac_backend_afalg;
	uint8_t key[64], iv[16], mac_key[64], *body = malloc(200000);
	struct kssh_packet tx, rx;
	struct kssh_buf payload, *b;
	uint32_t seq = random_below(UINT32_MAX);
	uint8_t type, *dst;
	int bad = 0;

	RAND_bytes(key, sizeof(key));
	RAND_bytes(iv, sizeof(iv));
	RAND_bytes(mac_key, sizeof(mac_key));
	kssh_packet_init(&tx);
	kssh_packet_init(&rx);
	if (body == NULL ||
	    kssh_packet_set_keys(&tx, KSSH_DIR_OUT, c, m, key, iv, mac_key, afalg_sends ? cb : NULL,
	                         afalg_sends ? mb : NULL) != 0 ||
	    kssh_packet_set_keys(&rx, KSSH_DIR_IN, c, m, key, iv, mac_key, afalg_sends ? NULL : cb,
	                         afalg_sends ? NULL : mb) != 0) {
		bad = 1;
		goto out;
	}
	tx.dir[KSSH_DIR_OUT].seqnr = rx.dir[KSSH_DIR_IN].seqnr = seq; /* crosses 2^32 now and then */
	for (int n = 0; n < 12 && !bad; n++) {
		uint32_t len = random_below(200000);

		RAND_bytes(body, (int)len);
		if ((b = kssh_packet_begin(&tx, 94)) == NULL || kssh_buf_reserve(b, len, &dst) != 0) {
			bad = 1;
			break;
		}
		memcpy(dst, body, len);
		if (kssh_packet_finish(&tx) != 0 ||
		    kssh_buf_put(&rx.input, kssh_buf_ptr(&tx.output), kssh_buf_len(&tx.output)) != 0) {
			bad = 1;
			break;
		}
		kssh_buf_reset(&tx.output);
		if (kssh_packet_read(&rx, &type, &payload) != 0 || type != 94 ||
		    kssh_buf_len(&payload) != len + 1 || memcmp(kssh_buf_ptr(&payload) + 1, body, len) != 0) {
			printf("#   %s %s: packet %d (%u bytes) did not cross %s\n", c->name, m ? m->name : "",
			       n, len, afalg_sends ? "af-alg -> openssl" : "openssl -> af-alg");
			bad = 1;
		}
	}
out:
	kssh_packet_free(&tx);
	kssh_packet_free(&rx);
	free(body);
	return bad;
}

static void packets_cross_both_ways(int *failed)
{
	for (size_t i = 0; i < N_AES; i++) {
		const struct kssh_cipher_alg *c = kssh_cipher_by_name(aes_ciphers[i]);

		for (size_t mi = 0; kssh_mac_at(mi) != NULL; mi++) {
			const struct kssh_mac_alg *m = (c->flags & KSSH_CIPHER_AEAD) ? NULL : kssh_mac_at(mi);

			EXPECT(packets_cross(c, m, 1) == 0);
			EXPECT(packets_cross(c, m, 0) == 0);
			if (m == NULL)
				break;
		}
	}
}

/* A tampered packet never passes the af-alg receiver, whatever the MAC mode */
static void tampered_packets_fail(int *failed)
{
	const char *macs[] = { "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512" };
	uint8_t key[64] = { 1 }, iv[16] = { 2 }, mac_key[64] = { 3 }, *dst;
	struct kssh_packet tx, rx;
	struct kssh_buf payload, *b;
	uint8_t type;

	for (size_t i = 0; i < N_AES; i++) {
		const struct kssh_cipher_alg *c = kssh_cipher_by_name(aes_ciphers[i]);
		const struct kssh_mac_alg *m = kssh_mac_by_name(macs[i % 2]);
		size_t len;
		uint8_t *wire;

		kssh_packet_init(&tx);
		kssh_packet_init(&rx);
		ASSERT(kssh_packet_set_keys(&tx, KSSH_DIR_OUT, c, m, key, iv, mac_key, NULL, NULL) == 0);
		ASSERT(kssh_packet_set_keys(&rx, KSSH_DIR_IN, c, m, key, iv, mac_key, &kssh_cipher_backend_afalg,
		                            &kssh_mac_backend_afalg) == 0);
		ASSERT((b = kssh_packet_begin(&tx, 94)) != NULL && kssh_buf_reserve(b, 100, &dst) == 0);
		memset(dst, 'x', 100);
		ASSERT(kssh_packet_finish(&tx) == 0);
		len = kssh_buf_len(&tx.output);
		ASSERT(kssh_buf_put(&rx.input, kssh_buf_ptr(&tx.output), len) == 0);
		wire = kssh_buf_mutable_ptr(&rx.input);
		wire[len - 1] ^= 0x40; /* the last byte of the MAC or tag */
		EXPECT_EQ(kssh_packet_read(&rx, &type, &payload), KSSH_ERR_MAC_INVALID);
		kssh_packet_free(&tx);
		kssh_packet_free(&rx);
	}
}

/* Rekeys install new transforms and close the old ones: no descriptor is left behind */
static void rekeys_close_old_transforms(int *failed)
{
	const struct kssh_cipher_alg *c = kssh_cipher_by_name("aes128-ctr");
	uint8_t key[64] = { 0 }, iv[16] = { 0 }, mac_key[64] = { 0 };
	struct kssh_packet p;
	int before;

	kssh_packet_init(&p);
	ASSERT(kssh_packet_set_keys(&p, KSSH_DIR_OUT, c, kssh_mac_at(0), key, iv, mac_key,
	                            &kssh_cipher_backend_afalg, &kssh_mac_backend_afalg) == 0);
	before = open_fds();
	for (int i = 0; i < 100; i++) {
		key[0] = (uint8_t)i;
		EXPECT(kssh_packet_set_keys(&p, KSSH_DIR_OUT, c, kssh_mac_at(0), key, iv, mac_key,
		                            &kssh_cipher_backend_afalg, &kssh_mac_backend_afalg) == 0);
	}
	EXPECT_EQ(open_fds(), before);
	EXPECT(strcmp(kssh_packet_backend(&p, KSSH_DIR_OUT), "af-alg") == 0);
	kssh_packet_free(&p);
}

static void add(const char *name, void (*fn)(int *))
{
	test_cases[test_count++] = (struct test_case){ name, fn };
}

int main(void)
{
	const char *required = getenv("KSSH_REQUIRE_AFALG");
	int present = kssh_afalg_probe(kssh_cipher_by_name("aes128-ctr"), kssh_mac_at(0)) == 0;

	add("chacha_and_cbc_have_no_path", chacha_and_cbc_have_no_path);
	if (!present) {
		if (required && *required) {
			printf("1..1\nnot ok 1 - AF_ALG is required here but the kernel has none (%s)\n",
			       strerror(errno));
			return 1;
		}
		printf("# this kernel has no AF_ALG: only its absence is tested here; selftests/vm/ tests the rest\n");
		add("absent_reports_unavailable", absent_reports_unavailable);
	} else {
		add("ciphers_match_openssl", ciphers_match_openssl);
		add("ctr_counter_carries_like_openssl", ctr_counter_carries_like_openssl);
		add("gcm_rejects_a_flipped_byte", gcm_rejects_a_flipped_byte);
		add("macs_match_openssl", macs_match_openssl);
		add("packets_cross_both_ways", packets_cross_both_ways);
		add("tampered_packets_fail", tampered_packets_fail);
		add("rekeys_close_old_transforms", rekeys_close_old_transforms);
	}
	return test_run_all();
}
