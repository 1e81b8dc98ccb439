// SPDX-License-Identifier: MIT
/* authorized_keys lines and their options; from= matching; publickey signed data. */
#include "kssh/auth.h"
#include "kssh/err.h"
#include "test.h"

static char *key_line(struct kssh_key **k)
{
	char *line = NULL;

	if (kssh_key_generate(KSSH_KEY_ED25519, 0, k) != 0 || kssh_key_public_line(*k, "c", &line) != 0)
		return NULL;
	return line;
}

static int parse_with(const char *opts, const char *line, struct kssh_authkey_opts *o)
{
	char text[2048];
	struct kssh_key *k = NULL;
	int r;

	snprintf(text, sizeof(text), "%s%s%s", opts, *opts ? " " : "", line);
	r = kssh_authorized_keys_parse_line(text, &k, o);
	kssh_key_free(k);
	return r;
}

TEST(plain_line_and_comments)
{
	struct kssh_authkey_opts o;
	struct kssh_key *k = NULL, *parsed = NULL;
	char *line = key_line(&k);

	ASSERT(line != NULL);
	ASSERT(kssh_authorized_keys_parse_line(line, &parsed, &o) == 0);
	EXPECT(kssh_key_equal_public(k, parsed));
	EXPECT(o.from == NULL && o.command == NULL && !o.no_pty);
	kssh_key_free(parsed);
	EXPECT_EQ(kssh_authorized_keys_parse_line("# a comment", &parsed, &o), KSSH_ERR_NOT_FOUND);
	EXPECT_EQ(kssh_authorized_keys_parse_line("   ", &parsed, &o), KSSH_ERR_NOT_FOUND);
	free(line);
	kssh_key_free(k);
}

TEST(options_are_parsed)
{
	struct kssh_authkey_opts o;
	struct kssh_key *k = NULL;
	char *line = key_line(&k);

	ASSERT(line != NULL);
	ASSERT(parse_with("from=\"10.0.0.0/8,!10.1.2.3\",command=\"echo \\\"hi\\\"\",no-pty", line, &o) == 0);
	EXPECT(o.from && strcmp(o.from, "10.0.0.0/8,!10.1.2.3") == 0);
	EXPECT(o.command && strcmp(o.command, "echo \"hi\"") == 0);
	EXPECT(o.no_pty && !o.no_port_forwarding);
	kssh_authkey_opts_free(&o);
	ASSERT(parse_with("restrict,pty", line, &o) == 0);
	EXPECT(!o.no_pty && o.no_port_forwarding && o.no_agent_forwarding && o.no_x11_forwarding);
	kssh_authkey_opts_free(&o);
	ASSERT(parse_with("permitopen=\"host:22\"", line, &o) == 0);
	EXPECT(o.no_port_forwarding); /* narrowed forwarding we cannot honour: none at all */
	kssh_authkey_opts_free(&o);
	free(line);
	kssh_key_free(k);
}

TEST(unknown_or_broken_options_make_the_line_unusable)
{
	struct kssh_authkey_opts o;
	struct kssh_key *k = NULL;
	char *line = key_line(&k);

	ASSERT(line != NULL);
	EXPECT(parse_with("expiry-time=\"20990101\"", line, &o) != 0);
	EXPECT(parse_with("no-such-option", line, &o) != 0);
	EXPECT(parse_with("from=\"unterminated", line, &o) != 0);
	EXPECT(parse_with("from=noquotes", line, &o) != 0);
	EXPECT(parse_with("command=\"a\",command=\"b\"", line, &o) != 0);
	free(line);
	kssh_key_free(k);
}

TEST(from_patterns_cidr_and_negation)
{
	EXPECT(kssh_addr_matches_list("127.0.0.1", "127.0.0.1"));
	EXPECT(kssh_addr_matches_list("10.*", "10.2.3.4"));
	EXPECT(!kssh_addr_matches_list("10.*", "11.2.3.4"));
	EXPECT(kssh_addr_matches_list("192.168.0.0/16", "192.168.77.1"));
	EXPECT(!kssh_addr_matches_list("192.168.0.0/16", "192.169.0.1"));
	EXPECT(kssh_addr_matches_list("10.0.0.0/8,!10.1.2.3", "10.9.9.9"));
	EXPECT(!kssh_addr_matches_list("10.0.0.0/8,!10.1.2.3", "10.1.2.3"));
	EXPECT(!kssh_addr_matches_list("!10.1.2.3,10.0.0.0/8", "10.1.2.3"));
	EXPECT(kssh_addr_matches_list("fd00::/8", "fd12::1"));
	EXPECT(!kssh_addr_matches_list("fd00::/8", "fe80::1"));
	EXPECT(!kssh_addr_matches_list("10.0.0.0/33", "10.0.0.1"));
	EXPECT(!kssh_addr_matches_list("", "10.0.0.1"));
}

TEST(signed_data_binds_session_user_and_host_key)
{
	struct kssh_buf a, b, hk;
	const uint8_t sid[32] = { 1 }, blob[8] = { 2 };

	kssh_buf_init(&a, 0);
	kssh_buf_init(&b, 0);
	kssh_buf_init(&hk, 0);
	kssh_buf_put(&hk, "hostkey", 7);
	ASSERT(kssh_auth_pubkey_signed_data(sid, 32, "u", "ssh-connection", "publickey",
	                                    "ssh-ed25519", blob, 8, NULL, &a) == 0);
	ASSERT(kssh_auth_pubkey_signed_data(sid, 32, "u", "ssh-connection", KSSH_AUTH_HOSTBOUND,
	                                    "ssh-ed25519", blob, 8, &hk, &b) == 0);
	/* string sid, byte 50, string user, string service, string method, bool, string alg, string key */
	EXPECT_EQ(kssh_buf_len(&a), 4 + 32 + 1 + 5 + 18 + 13 + 1 + 15 + 12);
	EXPECT_EQ(kssh_buf_len(&b), kssh_buf_len(&a) - 9 + strlen(KSSH_AUTH_HOSTBOUND) + 11);
	EXPECT_EQ(kssh_buf_ptr(&a)[36], 50);
	kssh_buf_release(&a);
	kssh_buf_release(&b);
	kssh_buf_release(&hk);
}

TEST_MAIN()
