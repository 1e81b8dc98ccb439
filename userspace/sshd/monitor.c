// SPDX-License-Identifier: MIT
/*
 * The monitor (monitor.h): root, holding the host keys, answering its
 * pre-authentication process. Every request is checked against what the
 * monitor itself knows: the user is named once; a key, password or
 * conversation is checked here, never taken on the process's word; the
 * session id is the first hash it signed; the connection is taken over only
 * after a check of its own succeeded for the method the process names.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "kssh/cert.h"
#include "kssh/err.h"
#include "auth_internal.h"
#include "log.h"
#include "monitor.h"

#define MON_SIGNS_MAX 4  /* the first exchange, and a few the peer may start before the login */
#define MON_GRACE_SLACK_MS 5000

struct monitor {
	struct auth_ctx a;
	pid_t child;
	unsigned signs, checks;
	int authenticated;           /* a check of ours succeeded */
	char method[40];             /* for that method */
};

static int reply_u8(struct monitor *m, uint8_t type, uint8_t v)
{
	struct kssh_buf b;
	int r;

	kssh_buf_init(&b, 16);
	r = kssh_buf_put_u8(&b, v);
	if (r == 0)
		r = mon_send(m->a.mon_fd, type, &b);
	kssh_buf_release(&b);
	return r;
}

static int refuse(const struct auth_ctx *a, const char *why)
{
	kssh_log(LOG_ERR, "%s port %u: monitor: %s; ending the connection", a->peer->addr, a->peer->port, why);
	return KSSH_ERR_PROTOCOL;
}

static int fail(struct monitor *m, const char *why)
{
	return refuse(&m->a, why);
}

/* The process's log lines (it has no file and no syslog), written here: bounded, one printable line each */
static int take_log(const struct auth_ctx *a, struct kssh_buf *req)
{
	uint32_t priority;
	char line[1200];

	if (kssh_buf_get_u32(req, &priority) != 0 || priority > LOG_DEBUG ||
	    kssh_buf_get_name(req, line, sizeof(line)) != 0 || kssh_buf_len(req) != 0)
		return refuse(a, "malformed log line");
	kssh_log_line((int)priority, line);
	return 0;
}

static int on_sign(struct monitor *m, struct kssh_buf *req)
{
	const struct sshd_options *o = m->a.o;
	const struct kssh_sig_alg *alg;
	struct kssh_buf sig, out;
	const uint8_t *hash;
	size_t len;
	uint32_t index;
	char *name = NULL;
	int r;

	if (kssh_buf_get_u32(req, &index) != 0 || kssh_buf_get_cstring(req, &name, NULL) != 0 ||
	    kssh_buf_get_string_view(req, &hash, &len) != 0 || kssh_buf_len(req) != 0) {
		free(name);
		return fail(m, "malformed signature request");
	}
	alg = kssh_sig_alg_by_name(name);
	free(name);
	/* an exchange hash: SHA-1, -256, -384 or -512 output, with a key of the algorithm's type */
	if (index >= o->n_host_keys || alg == NULL || alg->key_type != o->host_keys[index]->type ||
	    (len != 20 && len != 32 && len != 48 && len != 64))
		return fail(m, "signature request for no host key or of no exchange hash");
	if (++m->signs > MON_SIGNS_MAX)
		return fail(m, "too many key exchanges before authentication");
	if (m->a.sid_len == 0) {
		memcpy(m->a.sid, hash, len);
		m->a.sid_len = len;
	}
	kssh_buf_init(&sig, 0);
	kssh_buf_init(&out, MON_MSG_MAX);
	if ((r = kssh_key_sign(o->host_keys[index], alg->name, hash, len, &sig)) == 0 &&
	    (r = kssh_buf_put_buf_string(&out, &sig)) == 0)
		r = mon_send(m->a.mon_fd, MON_SIGN, &out);
	kssh_buf_release(&sig);
	kssh_buf_release(&out);
	return r;
}

static int on_user(struct monitor *m, struct kssh_buf *req)
{
	struct auth_ctx *a = &m->a;
	char *user = NULL;
	size_t len;

	if (kssh_buf_get_cstring(req, &user, &len) != 0 || kssh_buf_len(req) != 0 || len == 0 ||
	    len >= sizeof(a->user)) {
		free(user);
		return fail(m, "malformed user");
	}
	if (a->user[0] != 0) { /* named once (RFC 4252 5): the process checks the same */
		int same = strcmp(a->user, user) == 0;

		free(user);
		return same ? reply_u8(m, MON_USER, (uint8_t)a->user_known) : fail(m, "a second user name");
	}
	snprintf(a->user, sizeof(a->user), "%s", user);
	free(user);
	a->user_known = sshd_user_lookup(a->user, &a->res->user) == 0;
	for (size_t i = 0; i < a->o->n_local_users; i++)
		if (strcmp(a->o->local_users[i].name, a->user) == 0)
			a->local = &a->o->local_users[i];
	return reply_u8(m, MON_USER, (uint8_t)a->user_known);
}

/*
 * After each check: success is remembered for its method; refusals are
 * counted (a key that would do, asked about first, is not one), with some
 * room over the process's own count, which stops the client first.
 */
static int checked(struct monitor *m, const char *method, int ok, uint8_t answer)
{
	if (ok && !auth_aaa_finish(&m->a)) {
		ok = 0;
		answer = AUTH_FAILED;
	}
	if (ok) {
		m->authenticated = 1;
		snprintf(m->method, sizeof(m->method), "%s", method);
	} else if (answer == AUTH_FAILED && ++m->checks > m->a.o->max_auth + KSSHD_PASSWORD_TRIES) {
		return fail(m, "more failed checks than max-auth-limit allows");
	}
	return reply_u8(m, MON_RESULT, answer);
}

static int on_pubkey(struct monitor *m, struct kssh_buf *req)
{
	const uint8_t *blob, *hk, *sig;
	size_t blob_len, hk_len, sig_len;
	char *method = NULL, *alg = NULL;
	enum auth_outcome out = AUTH_FAILED;
	struct kssh_buf hostkey;
	int r = 0;

	kssh_buf_init(&hostkey, 0);
	if (m->a.user[0] == 0 || kssh_buf_get_cstring(req, &method, NULL) != 0 ||
	    kssh_buf_get_cstring(req, &alg, NULL) != 0 || kssh_buf_get_string_view(req, &blob, &blob_len) != 0 ||
	    kssh_buf_get_string_view(req, &hk, &hk_len) != 0 || kssh_buf_get_string_view(req, &sig, &sig_len) != 0 ||
	    kssh_buf_len(req) != 0 ||
	    (strcmp(method, "publickey") != 0 && strcmp(method, KSSH_AUTH_HOSTBOUND) != 0) ||
	    (strcmp(method, KSSH_AUTH_HOSTBOUND) == 0) != (hk_len > 0)) {
		r = fail(m, "malformed publickey check");
		goto out;
	}
	/* hostbound: the key named must be the one that signed the first exchange */
	if (hk_len > 0) {
		struct kssh_key *theirs = NULL;
		int same = 0;

		if (kssh_key_or_cert_from_blob(hk, hk_len, &theirs) == 0)
			for (size_t i = 0; i < m->a.o->n_host_keys; i++)
				same |= kssh_key_equal_public(m->a.o->host_keys[i], theirs);
		kssh_key_free(theirs);
		if (!same || kssh_buf_put(&hostkey, hk, hk_len) != 0) {
			r = fail(m, "hostbound publickey check names no host key of ours");
			goto out;
		}
	}
	if ((r = auth_pubkey_check(&m->a, method, alg, blob, blob_len, hk_len ? &hostkey : NULL,
	                           sig_len ? sig : NULL, sig_len, &out)) != 0)
		goto out;
	r = checked(m, "publickey", out == AUTH_OK, (uint8_t)out);
out:
	kssh_buf_release(&hostkey);
	free(method);
	free(alg);
	return r;
}

static int on_password(struct monitor *m, struct kssh_buf *req)
{
	char *password = NULL;
	size_t len = 0;
	int ok;

	if (m->a.user[0] == 0 || kssh_buf_get_cstring(req, &password, &len) != 0 || kssh_buf_len(req) != 0 ||
	    len > 1024) {
		if (password != NULL)
			OPENSSL_cleanse(password, len);
		free(password);
		return fail(m, "malformed password check");
	}
	ok = auth_password_check(&m->a, password);
	OPENSSL_cleanse(password, len);
	free(password);
	return checked(m, "password", ok, ok ? AUTH_OK : AUTH_FAILED);
}

/* PAM's (or a configured user's) prompts to the client, through the pre-authentication process */
static int relay(struct auth_ctx *a, int n, const struct pam_message **msg, struct pam_response *resp)
{
	struct kssh_buf b;
	uint32_t prompts = 0, count;
	uint8_t type;
	int r = PAM_CONV_ERR;

	kssh_buf_init(&b, MON_MSG_MAX);
	for (int i = 0; i < n; i++)
		prompts += msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON;
	if (kssh_buf_put_cstring(&b, a->info) != 0 || kssh_buf_put_u32(&b, prompts) != 0)
		goto out;
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;

		if ((style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON) &&
		    (kssh_buf_put_cstring(&b, msg[i]->msg ? msg[i]->msg : "") != 0 ||
		     kssh_buf_put_u8(&b, style == PAM_PROMPT_ECHO_ON) != 0))
			goto out;
	}
	if (mon_send(a->mon_fd, MON_PROMPTS, &b) != 0) {
		a->fatal = KSSH_ERR_CONN_CLOSED;
		goto out;
	}
	/* the answers, after whatever the process logged meanwhile */
	do {
		if (mon_recv(a->mon_fd, &type, &b, MON_MSG_MAX, a->deadline_ms) != 0) {
			a->fatal = KSSH_ERR_CONN_CLOSED;
			goto out;
		}
		if (type == MON_LOG && (a->fatal = take_log(a, &b)) != 0)
			goto out;
	} while (type == MON_LOG);
	if (type == MON_CANCEL)
		goto out;
	if (type != MON_ANSWERS || kssh_buf_get_u32(&b, &count) != 0 || count != prompts) {
		a->fatal = refuse(a, "malformed answers");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		char *s = NULL;
		size_t len;

		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF && msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		if (kssh_buf_get_cstring(&b, &s, &len) != 0 || len > 1024) {
			free(s);
			a->fatal = KSSH_ERR_PROTOCOL;
			goto out;
		}
		resp[i].resp = s;
	}
	r = kssh_buf_len(&b) == 0 ? PAM_SUCCESS : PAM_CONV_ERR;
out:
	kssh_buf_release(&b);
	return r;
}

static int on_kbdint(struct monitor *m, struct kssh_buf *req)
{
	int ok;

	if (m->a.user[0] == 0 || kssh_buf_len(req) != 0)
		return fail(m, "malformed keyboard-interactive check");
	ok = auth_kbdint_check(&m->a);
	if (m->a.fatal)
		return m->a.fatal;
	return checked(m, "keyboard-interactive", ok, ok ? AUTH_OK : AUTH_FAILED);
}

/* Fields the listener's registry takes from the pre-authentication process; who logged in is the monitor's to say */
static int on_report(struct monitor *m, struct kssh_buf *req)
{
	static const char *const allowed[] = { "version", "kex", "hostkey", "cipher_in", "cipher_out", "mac_in",
		                               "mac_out", "backend_in", "backend_out", "authfail", "grace", "reason" };
	char field[32], value[400];

	if (kssh_buf_get_name(req, field, sizeof(field)) != 0 || kssh_buf_get_name(req, value, sizeof(value)) != 0)
		return fail(m, "malformed report");
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(field, allowed[i]) == 0)
			sshd_report(field, "%s", value);
	if (strcmp(field, "state") == 0 && strcmp(value, "SESSION_AUTHENTICATING") == 0)
		sshd_report("state", "SESSION_AUTHENTICATING");
	return 0;
}

static int on_authenticated(struct monitor *m, struct kssh_buf *req, struct kssh_buf *state)
{
	const uint8_t *p;
	size_t n;
	char *method = NULL;
	int ok;

	if (kssh_buf_get_cstring(req, &method, NULL) != 0 || kssh_buf_get_string_view(req, &p, &n) != 0 ||
	    kssh_buf_len(req) != 0) {
		free(method);
		return fail(m, "malformed hand-over");
	}
	ok = m->authenticated && strcmp(method, m->method) == 0;
	free(method);
	if (!ok)
		return fail(m, "hand-over without a successful check of ours");
	snprintf(m->a.res->method, sizeof(m->a.res->method), "%s", m->a.x509_method[0] ? m->a.x509_method : m->method);
	return kssh_buf_put(state, p, n);
}

/* The pre-authentication process ended: reaped, and a death by a signal reported (a sandbox kill is SIGSYS) */
static void reap(struct monitor *m, int kill_it)
{
	int status;

	if (m->child <= 0)
		return;
	if (kill_it)
		kill(m->child, SIGKILL);
	while (waitpid(m->child, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status) && !kill_it) {
		kssh_log_event(LOG_ERR, "ERR_GENERAL", "%s port %u: pre-authentication process killed by signal %d%s",
		               m->a.peer->addr, m->a.peer->port, WTERMSIG(status),
		               WTERMSIG(status) == SIGSYS ? " (a system call outside the sandbox)" : "");
		sshd_report("crash", "%d", WTERMSIG(status));
	}
	m->child = 0;
}

int sshd_monitor_run(const struct sshd_options *o, const struct sshd_peer *peer, int fd, pid_t child,
                     struct sshd_auth_result *res, struct kssh_buf *state)
{
	struct monitor m = { .a = { .o = o, .peer = peer, .res = res, .mon_fd = fd, .relay = relay }, .child = child };
	struct kssh_buf req;
	uint8_t type;
	int r;

	m.a.deadline_ms = conn_now_ms() + (int64_t)o->login_timeout * 1000 + MON_GRACE_SLACK_MS;
	sshd_aaa_table_config(o);
	kssh_buf_init(&req, MON_STATE_MAX);
	kssh_buf_init(&m.a.stashed, 0);
	for (;;) {
		r = mon_recv(fd, &type, &req, MON_STATE_MAX, m.a.deadline_ms);
		if (r != 0)
			break;
		if (type != MON_AUTHENTICATED && kssh_buf_len(&req) > MON_MSG_MAX) {
			r = fail(&m, "oversized request");
			break;
		}
		switch (type) {
		case MON_SIGN:
			r = on_sign(&m, &req);
			break;
		case MON_USER:
			r = on_user(&m, &req);
			break;
		case MON_PUBKEY:
			r = on_pubkey(&m, &req);
			break;
		case MON_PASSWORD:
			r = on_password(&m, &req);
			break;
		case MON_KBDINT:
			r = on_kbdint(&m, &req);
			break;
		case MON_REPORT:
			r = on_report(&m, &req);
			break;
		case MON_LOG:
			r = take_log(&m.a, &req);
			break;
		case MON_AUTHENTICATED:
			r = on_authenticated(&m, &req, state);
			break;
		default:
			r = fail(&m, "unknown request");
		}
		if (r != 0 || type == MON_AUTHENTICATED)
			break;
	}
	kssh_buf_release(&req);
	if (r == KSSH_ERR_TIMEOUT)
		kssh_log(LOG_ERR, "%s port %u: monitor: the pre-authentication process overran the login grace time",
		         peer->addr, peer->port);
	/* success: the process has sent its last message and exits; else it is stopped */
	reap(&m, r != 0 && r != KSSH_ERR_CONN_CLOSED);
	if (r == 0)
		res->pam = auth_pam_detach(&m.a);
	auth_pam_end(&m.a);
	kssh_buf_release(&m.a.stashed);
	return r;
}
