// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "kssh/err.h"
#include "kssh/key.h"
#include "test.h"

static const enum kssh_key_type all_types[] = {
	KSSH_KEY_ED25519, KSSH_KEY_ECDSA_P256, KSSH_KEY_ECDSA_P384, KSSH_KEY_ECDSA_P521,
	KSSH_KEY_RSA, KSSH_KEY_DSA,
};

TEST(private_key_file_round_trips_for_every_type)
{
	for (size_t i = 0; i < sizeof(all_types) / sizeof(all_types[0]); i++) {
		struct kssh_key *k = NULL, *back = NULL;
		char *text = NULL;

		ASSERT(kssh_key_generate(all_types[i], all_types[i] == KSSH_KEY_RSA ? 2048 : 0, &k) == 0);
		ASSERT(kssh_key_format_private(k, "test", &text) == 0);
		EXPECT(strncmp(text, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 36) == 0);
		ASSERT(kssh_key_parse_private(text, strlen(text), &back) == 0);
		EXPECT(kssh_key_equal_public(k, back));
		EXPECT(back->has_private);
		free(text);
		kssh_key_free(k);
		kssh_key_free(back);
	}
}

TEST(every_signature_algorithm_signs_and_verifies)
{
	const struct kssh_sig_alg *a;
	static const uint8_t data[] = "exchange hash";

	for (size_t i = 0; (a = kssh_sig_alg_at(i)) != NULL; i++) {
		struct kssh_key *k = NULL;
		struct kssh_buf sig;
		uint8_t tampered[sizeof(data)];

		ASSERT(kssh_key_generate(a->key_type, a->key_type == KSSH_KEY_RSA ? 2048 : 0, &k) == 0);
		kssh_buf_init(&sig, 0);
		ASSERT(kssh_key_sign(k, a->name, data, sizeof(data), &sig) == 0);
		EXPECT(kssh_key_verify(k, a->name, kssh_buf_ptr(&sig), kssh_buf_len(&sig), data,
		                       sizeof(data)) == 0);
		memcpy(tampered, data, sizeof(data));
		tampered[0] ^= 1;
		EXPECT(kssh_key_verify(k, a->name, kssh_buf_ptr(&sig), kssh_buf_len(&sig), tampered,
		                       sizeof(tampered)) == KSSH_ERR_SIGNATURE_INVALID);
		kssh_buf_release(&sig);
		kssh_key_free(k);
	}
}

TEST(rsa_signature_under_another_algorithm_name_is_refused)
{
	struct kssh_key *k = NULL;
	struct kssh_buf sig;
	static const uint8_t data[] = "x";

	ASSERT(kssh_key_generate(KSSH_KEY_RSA, 2048, &k) == 0);
	kssh_buf_init(&sig, 0);
	ASSERT(kssh_key_sign(k, "ssh-rsa", data, 1, &sig) == 0);
	/* a SHA-1 signature must not pass where rsa-sha2-256 was agreed */
	EXPECT(kssh_key_verify(k, "rsa-sha2-256", kssh_buf_ptr(&sig), kssh_buf_len(&sig), data, 1) != 0);
	kssh_buf_release(&sig);
	kssh_key_free(k);
}

TEST(public_blob_round_trips_and_rejects_trailing_bytes)
{
	for (size_t i = 0; i < sizeof(all_types) / sizeof(all_types[0]); i++) {
		struct kssh_key *k = NULL, *back = NULL;
		struct kssh_buf blob;

		ASSERT(kssh_key_generate(all_types[i], all_types[i] == KSSH_KEY_RSA ? 2048 : 0, &k) == 0);
		kssh_buf_init(&blob, 0);
		ASSERT(kssh_key_to_blob(k, &blob) == 0);
		ASSERT(kssh_key_from_blob(kssh_buf_ptr(&blob), kssh_buf_len(&blob), &back) == 0);
		EXPECT(kssh_key_equal_public(k, back));
		EXPECT(!back->has_private);
		kssh_key_free(back);
		back = NULL;
		kssh_buf_put_u8(&blob, 0);
		EXPECT(kssh_key_from_blob(kssh_buf_ptr(&blob), kssh_buf_len(&blob), &back) != 0);
		for (size_t cut = 0; cut + 1 < kssh_buf_len(&blob); cut += 5)
			EXPECT(kssh_key_from_blob(kssh_buf_ptr(&blob), cut, &back) != 0);
		kssh_buf_release(&blob);
		kssh_key_free(k);
	}
}

TEST(ecdsa_point_off_the_curve_is_refused)
{
	struct kssh_key *k = NULL, *back = NULL;
	struct kssh_buf blob;

	ASSERT(kssh_key_generate(KSSH_KEY_ECDSA_P256, 0, &k) == 0);
	kssh_buf_init(&blob, 0);
	ASSERT(kssh_key_to_blob(k, &blob) == 0);
	kssh_buf_mutable_ptr(&blob)[kssh_buf_len(&blob) - 1] ^= 1; /* last byte of y */
	EXPECT(kssh_key_from_blob(kssh_buf_ptr(&blob), kssh_buf_len(&blob), &back) != 0);
	kssh_buf_release(&blob);
	kssh_key_free(k);
}

TEST(private_key_readable_by_others_is_refused)
{
	char path[] = "/tmp/kssh-key-XXXXXX";
	struct kssh_key *k = NULL, *back = NULL;
	int fd = mkstemp(path);

	ASSERT(fd >= 0);
	close(fd);
	unlink(path);
	ASSERT(kssh_key_generate(KSSH_KEY_ED25519, 0, &k) == 0);
	ASSERT(kssh_key_save_private(k, path, "c") == 0);
	EXPECT(kssh_key_load_private(path, &back) == 0);
	kssh_key_free(back);
	back = NULL;
	chmod(path, 0644);
	EXPECT_EQ(kssh_key_load_private(path, &back), KSSH_ERR_KEY_PERMISSIONS);
	unlink(path);
	kssh_key_free(k);
}

/* A host key read again in a connection's process: the digest of what was proved skips the proof, and only it */
TEST(private_key_known_digest_is_of_the_file_text)
{
	char path[] = "/tmp/kssh-key-XXXXXX";
	struct kssh_key *k = NULL, *back = NULL;
	uint8_t digest[32], again[32], want[32], other[32] = { 0 };
	char text[8192];
	size_t n;
	FILE *f;
	int fd = mkstemp(path);

	ASSERT(fd >= 0);
	close(fd);
	unlink(path);
	ASSERT(kssh_key_generate(KSSH_KEY_ECDSA_P384, 0, &k) == 0);
	ASSERT(kssh_key_save_private(k, path, "c") == 0);
	ASSERT((f = fopen(path, "r")) != NULL);
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	ASSERT(EVP_Digest(text, n, want, NULL, EVP_sha256(), NULL) == 1);
	EXPECT(kssh_key_load_private_known(path, NULL, digest, &back) == 0);
	EXPECT(memcmp(digest, want, 32) == 0);
	EXPECT(back != NULL && kssh_key_equal_public(back, k));
	kssh_key_free(back);
	back = NULL;
	EXPECT(kssh_key_load_private_known(path, digest, again, &back) == 0);
	EXPECT(memcmp(again, digest, 32) == 0 && back != NULL && kssh_key_equal_public(back, k));
	kssh_key_free(back);
	back = NULL;
	/* another digest: proved as any load is, and still the same key */
	EXPECT(kssh_key_load_private_known(path, other, again, &back) == 0);
	EXPECT(back != NULL && kssh_key_equal_public(back, k));
	kssh_key_free(back);
	unlink(path);
	kssh_key_free(k);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

TEST(known_hosts_hashed_entry_matches_host_and_port)
{
	char path[] = "/tmp/kssh-kh-XXXXXX";
	struct kssh_key *k = NULL, *other = NULL;
	struct kssh_hostkey_match m;
	int fd = mkstemp(path);

	ASSERT(fd >= 0);
	close(fd);
	ASSERT(kssh_key_generate(KSSH_KEY_ED25519, 0, &k) == 0);
	ASSERT(kssh_key_generate(KSSH_KEY_ED25519, 0, &other) == 0);
	ASSERT(kssh_known_hosts_add(path, "example.test", 2222, k, 1) == 0);
	ASSERT(kssh_known_hosts_check(path, "example.test", 2222, k, &m) == 0);
	EXPECT_EQ(m.status, KSSH_HOSTKEY_OK);
	ASSERT(kssh_known_hosts_check(path, "example.test", 22, k, &m) == 0);
	EXPECT_EQ(m.status, KSSH_HOSTKEY_UNKNOWN);
	ASSERT(kssh_known_hosts_check(path, "example.test", 2222, other, &m) == 0);
	EXPECT_EQ(m.status, KSSH_HOSTKEY_CHANGED);
	EXPECT_EQ(m.line, 1u);
	unlink(path);
	kssh_key_free(k);
	kssh_key_free(other);
}

TEST(known_hosts_patterns_negation_and_revoked)
{
	char path[] = "/tmp/kssh-kh-XXXXXX", *line = NULL, text[4096];
	struct kssh_key *k = NULL;
	struct kssh_hostkey_match m;
	int fd = mkstemp(path);

	ASSERT(fd >= 0);
	close(fd);
	ASSERT(kssh_key_generate(KSSH_KEY_ECDSA_P256, 0, &k) == 0);
	ASSERT(kssh_key_public_line(k, NULL, &line) == 0);
	snprintf(text, sizeof(text), "# comment\n*.lab.test,!bad.lab.test %s\n", line);
	write_text(path, text);
	ASSERT(kssh_known_hosts_check(path, "r1.lab.test", 22, k, &m) == 0);
	EXPECT_EQ(m.status, KSSH_HOSTKEY_OK);
	EXPECT(kssh_known_hosts_host_matches("[10.0.0.1]:2222", "[10.0.0.1]:2222"));
	EXPECT(!kssh_known_hosts_host_matches("[10.0.0.1]:2222", "1"));
	EXPECT(kssh_known_hosts_host_matches("R?.LAB.*", "r1.lab.test"));
	ASSERT(kssh_known_hosts_check(path, "bad.lab.test", 22, k, &m) == 0);
	EXPECT_EQ(m.status, KSSH_HOSTKEY_UNKNOWN);
	snprintf(text, sizeof(text), "r1.lab.test %s\n@revoked * %s\n", line, line);
	write_text(path, text);
	ASSERT(kssh_known_hosts_check(path, "r1.lab.test", 22, k, &m) == 0);
	EXPECT_EQ(m.status, KSSH_HOSTKEY_REVOKED);
	unlink(path);
	free(line);
	kssh_key_free(k);
}

TEST(base64_decoder_is_strict)
{
	struct kssh_buf b;

	kssh_buf_init(&b, 0);
	EXPECT(kssh_base64_decode("aGVsbG8=", 8, &b) == 0);
	EXPECT(kssh_buf_len(&b) == 5 && memcmp(kssh_buf_ptr(&b), "hello", 5) == 0);
	kssh_buf_reset(&b);
	EXPECT(kssh_base64_decode("aGV$bG8=", 8, &b) != 0);
	EXPECT(kssh_base64_decode("aGVsbG8", 7, &b) != 0);
	EXPECT(kssh_base64_decode("aG=sbG8=", 8, &b) != 0);
	kssh_buf_release(&b);
}

/*
 * CVE-2024-31497's class (PuTTY's P-521 nonces had their top 9 bits zero,
 * so 60 signatures gave the key away): with the private key known, each
 * signature's nonce k = s^-1 (e + r d) mod n is recovered and checked. Over
 * 256 signatures per curve the nonces are all different and use the whole
 * width of n: a uniform k is shorter than n by 8 bits or more with
 * probability 2^-8, so more than 16 such nonces (expected: 1) means a bias.
 */
static int nonce_bits(const struct kssh_key *k, const char *digest, const uint8_t *data, size_t len,
                      const struct kssh_buf *sig, BIGNUM *d, BIGNUM *n, BN_CTX *ctx, BIGNUM *kout)
{
	struct kssh_buf b, inner;
	const uint8_t *p, *rp, *sp;
	size_t plen, rlen, slen;
	uint8_t md[64];
	unsigned mdlen = 0;
	BIGNUM *r = NULL, *s = NULL, *e = NULL, *t = BN_new();
	int bits = -1, nbits = BN_num_bits(n);

	(void)k;
	kssh_buf_view(&b, kssh_buf_ptr(sig), kssh_buf_len(sig));
	if (kssh_buf_get_string_view(&b, &p, &plen) != 0 || kssh_buf_get_string_view(&b, &p, &plen) != 0)
		goto out;
	kssh_buf_view(&inner, p, plen);
	if (kssh_buf_get_mpint_view(&inner, &rp, &rlen) != 0 || kssh_buf_get_mpint_view(&inner, &sp, &slen) != 0 ||
	    !EVP_Digest(data, len, md, &mdlen, EVP_get_digestbyname(digest), NULL))
		goto out;
	r = BN_bin2bn(rp, (int)rlen, NULL);
	s = BN_bin2bn(sp, (int)slen, NULL);
	e = BN_bin2bn(md, (int)mdlen, NULL);
	/* FIPS 186-4: e is the leftmost bits of the hash, as many as n has */
	if (r == NULL || s == NULL || e == NULL || t == NULL ||
	    ((int)mdlen * 8 > nbits && !BN_rshift(e, e, (int)mdlen * 8 - nbits)) ||
	    !BN_mod_mul(t, r, d, n, ctx) || !BN_mod_add(t, t, e, n, ctx) || !BN_mod_inverse(s, s, n, ctx) ||
	    !BN_mod_mul(kout, s, t, n, ctx))
		goto out;
	bits = BN_num_bits(kout);
out:
	BN_free(r);
	BN_free(s);
	BN_free(e);
	BN_free(t);
	return bits;
}

TEST(ecdsa_nonces_are_unbiased_and_never_repeat)
{
	static const struct {
		enum kssh_key_type type;
		const char *alg, *digest;
		int nid;
	} curves[] = {
		{ KSSH_KEY_ECDSA_P256, "ecdsa-sha2-nistp256", "SHA256", NID_X9_62_prime256v1 },
		{ KSSH_KEY_ECDSA_P384, "ecdsa-sha2-nistp384", "SHA384", NID_secp384r1 },
		{ KSSH_KEY_ECDSA_P521, "ecdsa-sha2-nistp521", "SHA512", NID_secp521r1 },
	};
	for (size_t c = 0; c < sizeof(curves) / sizeof(curves[0]); c++) {
		enum { N = 256 };
		static BIGNUM *seen[N];
		struct kssh_key *k = NULL;
		BN_CTX *ctx = BN_CTX_new();
		BIGNUM *d = NULL, *n = NULL;
		int short_ones = 0, repeats = 0, recovered = 0;

		ASSERT(ctx != NULL && kssh_key_generate(curves[c].type, 0, &k) == 0);
		EC_GROUP *group = EC_GROUP_new_by_curve_name(curves[c].nid);

		ASSERT(group != NULL && (n = BN_dup(EC_GROUP_get0_order(group))) != NULL);
		EC_GROUP_free(group);
		ASSERT(EVP_PKEY_get_bn_param(k->pkey, "priv", &d) == 1);
		for (int i = 0; i < N; i++) {
			uint8_t data[32];
			struct kssh_buf sig;
			int bits;

			memset(data, 0, sizeof(data));
			memcpy(data, &i, sizeof(i)); /* a different message each time */
			kssh_buf_init(&sig, 0);
			seen[i] = BN_new();
			ASSERT(seen[i] != NULL && kssh_key_sign(k, curves[c].alg, data, sizeof(data), &sig) == 0);
			/* the recovered nonce is right only if the signature verifies: checked via the key too */
			EXPECT(kssh_key_verify(k, curves[c].alg, kssh_buf_ptr(&sig), kssh_buf_len(&sig), data, sizeof(data)) == 0);
			bits = nonce_bits(k, curves[c].digest, data, sizeof(data), &sig, d, n, ctx, seen[i]);
			kssh_buf_release(&sig);
			recovered += bits > 0;
			short_ones += bits > 0 && bits <= BN_num_bits(n) - 8;
			for (int j = 0; j < i; j++)
				repeats += BN_cmp(seen[i], seen[j]) == 0;
		}
		printf("# %s: %d nonces recovered, %d of them 8+ bits short of n, %d repeated\n", curves[c].alg, recovered,
		       short_ones, repeats);
		EXPECT_EQ(recovered, N);
		EXPECT(short_ones <= 16);
		EXPECT_EQ(repeats, 0);
		for (int i = 0; i < N; i++)
			BN_free(seen[i]);
		BN_free(d);
		BN_free(n);
		BN_CTX_free(ctx);
		kssh_key_free(k);
	}
}

TEST_MAIN()
