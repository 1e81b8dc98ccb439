// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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

TEST_MAIN()
