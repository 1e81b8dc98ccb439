// SPDX-License-Identifier: MIT
/*
 * The monitor (userspace/sshd/monitor.c) against a pre-authentication
 * process that asks out of order or lies: each request sequence is written
 * to the monitor's socket as a compromised process would, and the monitor's
 * verdict is read back. A real key is authorized for the running user
 * through a scratch authorized_keys file.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kssh/auth.h"
#include "kssh/err.h"
#include "monitor.h"
#include "sshd.h"
#include "test.h"

static struct sshd_options o;
static struct kssh_key *user_key;
static char user[64], keys_dir[64] = "/tmp/kssh-test-monitor.XXXXXX", keys_path[256];

static void setup(void)
{
	struct passwd *pw = getpwuid(getuid());
	char *line = NULL;
	FILE *f;

	if (o.n_host_keys)
		return;
	sshd_config_defaults(&o);
	o.pam_service = "kssh-test-none";
	o.login_timeout = 10;
	if (kssh_key_generate(KSSH_KEY_ED25519, 0, &o.host_keys[0]) != 0 ||
	    kssh_key_generate(KSSH_KEY_ED25519, 0, &user_key) != 0)
		abort();
	o.n_host_keys = 1;
	snprintf(user, sizeof(user), "%s", pw->pw_name);
	/* an absolute authorized_keys pattern, root's own directory rules notwithstanding: a scratch file of ours */
	if (mkdtemp(keys_dir) == NULL)
		abort();
	snprintf(keys_path, sizeof(keys_path), "%s/authorized_keys", keys_dir);
	if (kssh_key_public_line(user_key, "test", &line) != 0 || (f = fopen(keys_path, "w")) == NULL)
		abort();
	fprintf(f, "%s\n", line);
	fclose(f);
	free(line);
	o.authorized_keys = keys_path;
}

struct msg {
	struct kssh_buf b;
};

static void put_msg(struct kssh_buf *stream, uint8_t type, const struct kssh_buf *body)
{
	kssh_buf_put_u32(stream, (uint32_t)(1 + (body ? kssh_buf_len(body) : 0)));
	kssh_buf_put_u8(stream, type);
	if (body)
		kssh_buf_put(stream, kssh_buf_ptr(body), kssh_buf_len(body));
}

/* Runs the monitor on stream; returns its result and the first answer byte of type want (-1: none) */
static int run(const struct kssh_buf *stream, uint8_t want, int *answer, struct sshd_auth_result *res)
{
	struct kssh_buf state, in;
	int sv[2], r;
	uint8_t type;

	*answer = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 ||
	    write(sv[1], kssh_buf_ptr(stream), kssh_buf_len(stream)) != (ssize_t)kssh_buf_len(stream))
		abort();
	shutdown(sv[1], SHUT_WR);
	kssh_buf_init(&state, MON_STATE_MAX);
	memset(res, 0, sizeof(*res));
	r = sshd_monitor_run(&o, &(struct sshd_peer){ .addr = "192.0.2.7", .port = 22 }, sv[0], 0, res, &state);
	close(sv[0]); /* the answers are read to their end */
	kssh_buf_init(&in, MON_MSG_MAX);
	while (mon_recv(sv[1], &type, &in, MON_MSG_MAX, 0) == 0) {
		uint8_t v;

		if (type == want && *answer < 0 && kssh_buf_get_u8(&in, &v) == 0)
			*answer = v;
	}
	kssh_buf_release(&in);
	kssh_buf_release(&state);
	close(sv[1]);
	return r;
}

static void user_msg(struct kssh_buf *s, const char *name)
{
	struct kssh_buf b;

	kssh_buf_init(&b, 0);
	kssh_buf_put_cstring(&b, name);
	put_msg(s, MON_USER, &b);
	kssh_buf_release(&b);
}

static void sign_msg(struct kssh_buf *s, uint32_t index, const char *alg, size_t hash_len, uint8_t fill)
{
	struct kssh_buf b;
	uint8_t hash[64];

	memset(hash, fill, sizeof(hash));
	kssh_buf_init(&b, 0);
	kssh_buf_put_u32(&b, index);
	kssh_buf_put_cstring(&b, alg);
	kssh_buf_put_string(&b, hash, hash_len);
	put_msg(s, MON_SIGN, &b);
	kssh_buf_release(&b);
}

/* A publickey request signed by the user's key over the data for session id sid (the fill byte of a 32-byte hash) */
static void pubkey_msg(struct kssh_buf *s, uint8_t sid_fill, int with_sig)
{
	struct kssh_buf b, blob, data, sig;
	uint8_t sid[32];

	memset(sid, sid_fill, sizeof(sid));
	kssh_buf_init(&b, 0);
	kssh_buf_init(&blob, 0);
	kssh_buf_init(&data, 0);
	kssh_buf_init(&sig, 0);
	kssh_key_to_blob(user_key, &blob);
	if (with_sig &&
	    (kssh_auth_pubkey_signed_data(sid, sizeof(sid), user, "ssh-connection", "publickey", "ssh-ed25519",
	                                  kssh_buf_ptr(&blob), kssh_buf_len(&blob), NULL, &data) != 0 ||
	     kssh_key_sign(user_key, "ssh-ed25519", kssh_buf_ptr(&data), kssh_buf_len(&data), &sig) != 0))
		abort();
	kssh_buf_put_cstring(&b, "publickey");
	kssh_buf_put_cstring(&b, "ssh-ed25519");
	kssh_buf_put_buf_string(&b, &blob);
	kssh_buf_put_string(&b, NULL, 0);
	kssh_buf_put_buf_string(&b, &sig);
	put_msg(s, MON_PUBKEY, &b);
	kssh_buf_release(&b);
	kssh_buf_release(&blob);
	kssh_buf_release(&data);
	kssh_buf_release(&sig);
}

static void authenticated_msg(struct kssh_buf *s, const char *method)
{
	struct kssh_buf b;

	kssh_buf_init(&b, 0);
	kssh_buf_put_cstring(&b, method);
	kssh_buf_put_string(&b, "state", 5);
	put_msg(s, MON_AUTHENTICATED, &b);
	kssh_buf_release(&b);
}

TEST(a_correct_publickey_login_is_taken_over)
{
	struct sshd_auth_result res;
	struct kssh_buf s;
	int answer, r;

	setup();
	kssh_buf_init(&s, 0);
	sign_msg(&s, 0, "ssh-ed25519", 32, 0x5a);
	user_msg(&s, user);
	pubkey_msg(&s, 0x5a, 1);
	authenticated_msg(&s, "publickey");
	r = run(&s, MON_RESULT, &answer, &res);
	EXPECT_EQ(r, 0);
	EXPECT_EQ(answer, 1); /* AUTH_OK */
	EXPECT(strcmp(res.method, "publickey") == 0 && strcmp(res.user.name, user) == 0);
	kssh_authkey_opts_free(&res.key_opts);
	kssh_buf_release(&s);
}

TEST(a_signature_over_another_session_id_is_refused)
{
	struct sshd_auth_result res;
	struct kssh_buf s;
	int answer;

	kssh_buf_init(&s, 0);
	sign_msg(&s, 0, "ssh-ed25519", 32, 0x5a);
	user_msg(&s, user);
	pubkey_msg(&s, 0x77, 1); /* signed for a session the monitor never signed */
	authenticated_msg(&s, "publickey");
	EXPECT(run(&s, MON_RESULT, &answer, &res) != 0);
	EXPECT_EQ(answer, 0);
	kssh_authkey_opts_free(&res.key_opts);
	kssh_buf_release(&s);
}

TEST(no_check_before_the_user_and_no_hand_over_without_a_check)
{
	struct sshd_auth_result res;
	struct kssh_buf s, b;
	int answer;

	kssh_buf_init(&s, 0);
	kssh_buf_init(&b, 0);
	kssh_buf_put_cstring(&b, "secret");
	put_msg(&s, MON_PASSWORD, &b);
	EXPECT(run(&s, MON_RESULT, &answer, &res) == KSSH_ERR_PROTOCOL && answer < 0);
	kssh_buf_reset(&s);
	user_msg(&s, user);
	authenticated_msg(&s, "password");
	EXPECT(run(&s, MON_RESULT, &answer, &res) == KSSH_ERR_PROTOCOL);
	/* a key query (no signature) says the key would do; it is not a login */
	kssh_buf_reset(&s);
	sign_msg(&s, 0, "ssh-ed25519", 32, 0x5a);
	user_msg(&s, user);
	pubkey_msg(&s, 0x5a, 0);
	authenticated_msg(&s, "publickey");
	EXPECT(run(&s, MON_RESULT, &answer, &res) == KSSH_ERR_PROTOCOL);
	EXPECT_EQ(answer, 2); /* AUTH_PK_OK */
	kssh_buf_release(&b);
	kssh_buf_release(&s);
}

TEST(signatures_only_of_exchange_hashes_with_our_keys_and_few_of_them)
{
	struct sshd_auth_result res;
	struct kssh_buf s;
	int answer;

	kssh_buf_init(&s, 0);
	sign_msg(&s, 0, "ssh-ed25519", 16, 1); /* no hash is 16 bytes */
	EXPECT(run(&s, MON_SIGN, &answer, &res) == KSSH_ERR_PROTOCOL);
	kssh_buf_reset(&s);
	sign_msg(&s, 1, "ssh-ed25519", 32, 1); /* no key 1 */
	EXPECT(run(&s, MON_SIGN, &answer, &res) == KSSH_ERR_PROTOCOL);
	kssh_buf_reset(&s);
	sign_msg(&s, 0, "rsa-sha2-256", 32, 1); /* not this key's algorithm */
	EXPECT(run(&s, MON_SIGN, &answer, &res) == KSSH_ERR_PROTOCOL);
	kssh_buf_reset(&s);
	for (int i = 0; i < 5; i++)
		sign_msg(&s, 0, "ssh-ed25519", 32, (uint8_t)i);
	EXPECT(run(&s, MON_SIGN, &answer, &res) == KSSH_ERR_PROTOCOL);
	kssh_buf_release(&s);
}

TEST(the_user_is_named_once)
{
	struct sshd_auth_result res;
	struct kssh_buf s;
	int answer;

	kssh_buf_init(&s, 0);
	user_msg(&s, user);
	user_msg(&s, "root2");
	EXPECT(run(&s, MON_USER, &answer, &res) == KSSH_ERR_PROTOCOL);
	EXPECT_EQ(answer, 1);
	kssh_buf_reset(&s);
	user_msg(&s, "no-such-user-here");
	EXPECT(run(&s, MON_USER, &answer, &res) == KSSH_ERR_CONN_CLOSED);
	EXPECT_EQ(answer, 0);
	kssh_buf_release(&s);
	unlink(keys_path);
	rmdir(keys_dir);
}

TEST_MAIN()
