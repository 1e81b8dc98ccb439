// SPDX-License-Identifier: MIT
#include <openssl/evp.h>

#include "kex/kex_internal.h"
#include "kssh/err.h"
#include "test.h"

static void proposal(struct kex_proposal *p, const char *kex, const char *hk, const char *enc,
                     const char *mac)
{
	memset(p, 0, sizeof(*p));
	p->lists[KEX_ALGS] = strdup(kex);
	p->lists[KEX_HOSTKEY_ALGS] = strdup(hk);
	p->lists[KEX_ENC_C2S] = strdup(enc);
	p->lists[KEX_ENC_S2C] = strdup(enc);
	p->lists[KEX_MAC_C2S] = strdup(mac);
	p->lists[KEX_MAC_S2C] = strdup(mac);
	p->lists[KEX_COMP_C2S] = strdup("none");
	p->lists[KEX_COMP_S2C] = strdup("none");
	p->lists[KEX_LANG_C2S] = strdup("");
	p->lists[KEX_LANG_S2C] = strdup("");
}

TEST(client_preference_wins)
{
	struct kex_proposal c, s;
	struct kex_choice ch;
	char err[512];

	proposal(&c, "ecdh-sha2-nistp256,curve25519-sha256", "ssh-ed25519,rsa-sha2-256",
	         "aes256-ctr,aes128-ctr", "hmac-sha2-256,hmac-sha1");
	proposal(&s, "curve25519-sha256,ecdh-sha2-nistp256", "rsa-sha2-256,ssh-ed25519",
	         "aes128-ctr,aes256-ctr", "hmac-sha1,hmac-sha2-256");
	ASSERT(kex_choose(&c, &s, &ch, err, sizeof(err)) == 0);
	EXPECT(strcmp(ch.method->name, "ecdh-sha2-nistp256") == 0);
	EXPECT(strcmp(ch.hostkey->name, "ssh-ed25519") == 0);
	EXPECT(strcmp(ch.cipher[0]->name, "aes256-ctr") == 0);
	EXPECT(strcmp(ch.mac[1]->name, "hmac-sha2-256") == 0);
	kex_proposal_free(&c);
	kex_proposal_free(&s);
}

TEST(no_common_cipher_is_an_error_naming_the_offer)
{
	struct kex_proposal c, s;
	struct kex_choice ch;
	char err[512];

	proposal(&c, "curve25519-sha256", "ssh-ed25519", "3des-cbc", "hmac-sha1");
	proposal(&s, "curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha1");
	EXPECT_EQ(kex_choose(&c, &s, &ch, err, sizeof(err)), KSSH_ERR_NO_COMMON_CIPHER);
	EXPECT(strstr(err, "3des-cbc") != NULL);
	kex_proposal_free(&c);
	kex_proposal_free(&s);
}

TEST(aead_cipher_needs_no_common_mac)
{
	struct kex_proposal c, s;
	struct kex_choice ch;
	char err[512];

	proposal(&c, "curve25519-sha256", "ssh-ed25519", "aes128-gcm@openssh.com", "hmac-sha1");
	proposal(&s, "curve25519-sha256", "ssh-ed25519", "aes128-gcm@openssh.com", "hmac-sha2-256");
	ASSERT(kex_choose(&c, &s, &ch, err, sizeof(err)) == 0);
	EXPECT(ch.mac[0] == NULL);
	kex_proposal_free(&c);
	kex_proposal_free(&s);
}

TEST(strict_kex_markers_are_never_chosen)
{
	struct kex_proposal c, s;
	struct kex_choice ch;
	char err[512];

	/* a hostile client lists the server's own marker first */
	proposal(&c, "kex-strict-s-v00@openssh.com,curve25519-sha256", "ssh-ed25519", "aes128-ctr",
	         "hmac-sha1");
	proposal(&s, "curve25519-sha256,kex-strict-s-v00@openssh.com", "ssh-ed25519", "aes128-ctr",
	         "hmac-sha1");
	ASSERT(kex_choose(&c, &s, &ch, err, sizeof(err)) == 0);
	EXPECT(strcmp(ch.method->name, "curve25519-sha256") == 0);
	kex_proposal_free(&c);
	kex_proposal_free(&s);
}

TEST(guess_is_right_only_when_first_kex_and_hostkey_agree)
{
	struct kex_proposal c, s;

	proposal(&c, "curve25519-sha256,ecdh-sha2-nistp256", "ssh-ed25519", "aes128-ctr", "hmac-sha1");
	proposal(&s, "curve25519-sha256", "ssh-ed25519,rsa-sha2-256", "aes128-ctr", "hmac-sha1");
	EXPECT(kex_guess_was_right(&c, &s));
	free(s.lists[KEX_HOSTKEY_ALGS]);
	s.lists[KEX_HOSTKEY_ALGS] = strdup("rsa-sha2-256,ssh-ed25519");
	EXPECT(!kex_guess_was_right(&c, &s));
	kex_proposal_free(&c);
	kex_proposal_free(&s);
}

TEST(kexinit_round_trips_and_rejects_truncation)
{
	struct kex_proposal p, q;
	struct kssh_buf b, view;

	proposal(&p, "curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha1");
	kssh_buf_init(&b, 0);
	ASSERT(kex_proposal_put(&b, &p) == 0);
	kssh_buf_view(&view, kssh_buf_ptr(&b), kssh_buf_len(&b));
	ASSERT(kex_proposal_parse(&view, &q) == 0);
	EXPECT(strcmp(q.lists[KEX_ENC_S2C], "aes128-ctr") == 0);
	kex_proposal_free(&q);
	for (size_t cut = 0; cut < kssh_buf_len(&b); cut += 7) {
		kssh_buf_view(&view, kssh_buf_ptr(&b), cut);
		EXPECT(kex_proposal_parse(&view, &q) != 0);
	}
	kex_proposal_free(&p);
	kssh_buf_release(&b);
}

TEST(insecure_algorithms_need_enabling)
{
	char err[1024];

	EXPECT_EQ(kssh_alg_check_list(KSSH_ALG_CIPHER, "aes128-cbc", 0, err, sizeof(err)),
	          KSSH_ERR_ALGORITHM_DISABLED);
	EXPECT_EQ(kssh_alg_check_list(KSSH_ALG_CIPHER, "aes128-cbc", KSSH_ENABLE_AES_CBC, err,
	                              sizeof(err)), 0);
	EXPECT_EQ(kssh_alg_check_list(KSSH_ALG_CIPHER, "3des-cbc", KSSH_ENABLE_AES_CBC, err,
	                              sizeof(err)), KSSH_ERR_ALGORITHM_DISABLED);
	EXPECT_EQ(kssh_alg_check_list(KSSH_ALG_KEX, "diffie-hellman-group1-sha1", 0, err,
	                              sizeof(err)), KSSH_ERR_ALGORITHM_DISABLED);
	EXPECT_EQ(kssh_alg_check_list(KSSH_ALG_MAC, "hmac-md5", 0, err, sizeof(err)),
	          KSSH_ERR_INVALID_ARGUMENT);
	EXPECT(strstr(err, "hmac-md5") != NULL);
	EXPECT(!kssh_list_has(KSSH_DEFAULT_CIPHER, "aes128-cbc"));
	EXPECT(!kssh_list_has(KSSH_DEFAULT_KEX, "diffie-hellman-group14-sha1"));
	EXPECT(!kssh_list_has(KSSH_DEFAULT_HOSTKEY, "ssh-rsa"));
}

static EVP_PKEY *x25519_from_hex(const char *hex)
{
	uint8_t raw[32];

	for (int i = 0; i < 32; i++)
		sscanf(hex + 2 * i, "%2hhx", &raw[i]);
	return EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, raw, 32);
}

/* RFC 7748 6.1 test vector through the SSH encoding of RFC 8731 */
TEST(x25519_shared_secret_matches_rfc7748)
{
	static const uint8_t bob_pub[32] = {
		0xde, 0x9e, 0xdb, 0x7d, 0x7b, 0x7d, 0xc1, 0xb4, 0xd3, 0x5b, 0x61, 0xc2, 0xec, 0xe4, 0x35, 0x37,
		0x3f, 0x83, 0x43, 0xc8, 0x5b, 0x78, 0x67, 0x4d, 0xad, 0xfc, 0x7e, 0x14, 0x6f, 0x88, 0x2b, 0x4f };
	static const uint8_t shared[32] = {
		0x4a, 0x5d, 0x9d, 0x5b, 0xa4, 0xce, 0x2d, 0xe1, 0x72, 0x8e, 0x3b, 0xf4, 0x80, 0x35, 0x0f, 0x25,
		0xe0, 0x7e, 0x21, 0xc9, 0x47, 0xd1, 0x9e, 0x33, 0x76, 0xf0, 0x9b, 0x3c, 0x1e, 0x16, 0x17, 0x42 };
	struct kex_state k;
	struct kssh_buf msg, want;

	kex_state_init(&k, kex_method_by_name("curve25519-sha256"), 0);
	k.ephemeral = x25519_from_hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	ASSERT(k.ephemeral != NULL);
	kssh_buf_init(&msg, 0);
	kssh_buf_init(&want, 0);
	ASSERT(kssh_buf_put_string(&msg, bob_pub, 32) == 0);
	ASSERT(kex_derive(&k, &msg) == 0);
	ASSERT(kssh_buf_put_mpint_bytes(&want, shared, 32) == 0);
	EXPECT_EQ(kssh_buf_len(&k.shared), kssh_buf_len(&want));
	EXPECT(memcmp(kssh_buf_ptr(&k.shared), kssh_buf_ptr(&want), kssh_buf_len(&want)) == 0);
	kssh_buf_release(&msg);
	kssh_buf_release(&want);
	kex_state_clear(&k);
}

TEST(x25519_low_order_point_is_refused)
{
	static const uint8_t zero[32] = { 0 };
	struct kex_state k;
	struct kssh_buf msg;

	kex_state_init(&k, kex_method_by_name("curve25519-sha256"), 1);
	kssh_buf_init(&msg, 0);
	ASSERT(kex_keygen(&k, &msg) == 0);
	kssh_buf_reset(&msg);
	ASSERT(kssh_buf_put_string(&msg, zero, 32) == 0);
	EXPECT_EQ(kex_derive(&k, &msg), KSSH_ERR_DH_INVALID);
	kssh_buf_release(&msg);
	kex_state_clear(&k);
}

TEST(dh_value_out_of_range_is_refused)
{
	struct kex_state k;
	struct kssh_buf msg;
	static const uint8_t one = 1;

	kex_state_init(&k, kex_method_by_name("diffie-hellman-group14-sha256"), 1);
	ASSERT(kex_dh_fixed_group(&k) == 0);
	kssh_buf_init(&msg, 0);
	ASSERT(kex_keygen(&k, &msg) == 0);
	kssh_buf_reset(&msg);
	ASSERT(kssh_buf_put_mpint_bytes(&msg, &one, 1) == 0);
	EXPECT_EQ(kex_derive(&k, &msg), KSSH_ERR_DH_INVALID);
	kssh_buf_release(&msg);
	kex_state_clear(&k);
}

TEST(both_sides_derive_the_same_secret_for_every_method)
{
	static const char *const names[] = {
		"curve25519-sha256", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
		"diffie-hellman-group14-sha256", "diffie-hellman-group16-sha512",
		"diffie-hellman-group1-sha1",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct kex_method *m = kex_method_by_name(names[i]);
		struct kex_state c, s;
		struct kssh_buf cm, sm;

		kex_state_init(&c, m, 0);
		kex_state_init(&s, m, 1);
		kssh_buf_init(&cm, 0);
		kssh_buf_init(&sm, 0);
		if (m->family == KEX_FAMILY_DH) {
			ASSERT(kex_dh_fixed_group(&c) == 0);
			ASSERT(kex_dh_fixed_group(&s) == 0);
		}
		ASSERT(kex_keygen(&c, &cm) == 0);
		ASSERT(kex_keygen(&s, &sm) == 0);
		ASSERT(kex_derive(&s, &cm) == 0);
		ASSERT(kex_derive(&c, &sm) == 0);
		EXPECT_EQ(kssh_buf_len(&c.shared), kssh_buf_len(&s.shared));
		EXPECT(memcmp(kssh_buf_ptr(&c.shared), kssh_buf_ptr(&s.shared), kssh_buf_len(&s.shared)) == 0);
		kssh_buf_release(&cm);
		kssh_buf_release(&sm);
		kex_state_clear(&c);
		kex_state_clear(&s);
	}
}

TEST(key_derivation_extends_with_previous_blocks)
{
	const struct kex_method *m = kex_method_by_name("curve25519-sha256");
	static const uint8_t h[32] = { 1, 2, 3 };
	uint8_t k64[64], k16[16], expect[32];
	struct kssh_buf shared;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	kssh_buf_init(&shared, 0);
	ASSERT(kssh_buf_put_mpint_bytes(&shared, h, 32) == 0);
	ASSERT(kex_derive_key(m, &shared, h, 32, 'C', h, 32, k64, 64) == 0);
	ASSERT(kex_derive_key(m, &shared, h, 32, 'C', h, 32, k16, 16) == 0);
	EXPECT(memcmp(k64, k16, 16) == 0); /* a prefix does not depend on the length asked */
	/* RFC 4253 7.2: K2 = HASH(K || H || K1) */
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, kssh_buf_ptr(&shared), kssh_buf_len(&shared));
	EVP_DigestUpdate(ctx, h, 32);
	EVP_DigestUpdate(ctx, k64, 32);
	EVP_DigestFinal_ex(ctx, expect, NULL);
	EXPECT(memcmp(k64 + 32, expect, 32) == 0);
	EVP_MD_CTX_free(ctx);
	kssh_buf_release(&shared);
}

TEST(name_list_walker_skips_empty_and_oversize_names)
{
	char big[300], list[400], name[16], out[22] = ""; /* exactly the two names below */
	const char *p = list;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	snprintf(list, sizeof(list), ",a,,%s,b-c,", big);
	ASSERT(kssh_list_next(&p, name, sizeof(name)) == 1);
	EXPECT(strcmp(name, "a") == 0);
	ASSERT(kssh_list_next(&p, name, sizeof(name)) == 1);
	EXPECT(strcmp(name, "b-c") == 0);
	EXPECT(kssh_list_next(&p, name, sizeof(name)) == 0);
	EXPECT(kssh_list_has(list, "b-c") && !kssh_list_has(list, "b"));
	EXPECT(kssh_list_append(out, sizeof(out), "aes128-ctr") == 0);
	EXPECT(kssh_list_append(out, sizeof(out), "aes256-ctr") == 0);
	EXPECT(strcmp(out, "aes128-ctr,aes256-ctr") == 0);
	EXPECT(kssh_list_append(out, sizeof(out), "x") == KSSH_ERR_NO_BUFFER_SPACE);
	EXPECT(strcmp(out, "aes128-ctr,aes256-ctr") == 0);
}

TEST_MAIN()
