// SPDX-License-Identifier: MIT
/*
 * One connection, in its own process (the monitor, root): a sandboxed
 * pre-authentication child runs the transport and the ssh-userauth service
 * (monitor.h), hands the connection over after the login, and the monitor
 * serves the user's session in a child that runs as the user.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kssh/cipher.h"
#include "kssh/err.h"
#include "kssh/transport.h"
#include "kssh/x509.h"
#include "conn_io.h"
#include "kex/kex_internal.h"
#include "log.h"
#include "monitor.h"
#include "sshd.h"

static volatile sig_atomic_t stop_requested;

static void on_term(int sig)
{
	(void)sig;
	stop_requested = 1; /* only a flag: no logging or allocation in a handler */
}

/* LPTS: an authenticated session is SSH-Known for the ingress policer (a no-op when the data plane is not loaded) */
static void known_flow(int fd, int add)
{
	struct sockaddr_storage peer, local;
	socklen_t pl = sizeof(peer), ll = sizeof(local);

	if (getpeername(fd, (struct sockaddr *)&peer, &pl) != 0 ||
	    getsockname(fd, (struct sockaddr *)&local, &ll) != 0)
		return;
	if ((add ? lpts_known_add : lpts_known_del)((struct sockaddr *)&peer, (struct sockaddr *)&local) != 0)
		kssh_log(LOG_WARNING, "lpts: cannot %s the session's flow: %s", add ? "register" : "unregister",
		         strerror(errno));
}

/* With user trust points, the x509v3 algorithms users may sign with (SHA-1's only when enabled) */
static void x509_user_algs(const struct sshd_options *o, char *out, size_t len)
{
	unsigned enabled = sshd_enabled(o);

	out[0] = 0;
	if (o->n_user_trustpoints > 0)
		kssh_x509_alg_list(out, len, !!(enabled & KSSH_ENABLE_SSH_RSA), !!(enabled & KSSH_ENABLE_SSH_DSS));
}

/* Authenticated: open the PAM session as root, then serve the user in a child
 * that has dropped to the user; this process stays to close the PAM session. */
static int run_user_session(struct kssh_conn *c, const struct sshd_options *o,
                            const struct sshd_peer *peer, struct sshd_auth_result *res)
{
	pid_t pid, monitor = getpid();
	struct sshd_accounting acct = { 0 };
	int status, r, cause;

	if (!res->user.name[0] || sshd_pam_open_session(res) != 0) {
		kssh_transport_disconnect(c->t, KSSH_DISCONNECT_BY_APPLICATION, "cannot start a session");
		conn_flush(c);
		return KSSH_ERR_SYSTEM;
	}
	if ((pid = fork()) < 0) {
		sshd_pam_close(res);
		return KSSH_ERR_SYSTEM;
	}
	if (pid == 0) {
		sshd_aaa_table_detach();
		kssh_tacacs_close_all(1);
		if (sshd_user_drop_privileges(&res->user) != 0)
			_exit(1);
		/* the monitor killed: the session ends in order (the setting does not survive the uid change: set here) */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != monitor)
			_exit(1);
		r = sshd_serve_connection(c, o, peer, res);
		_exit(r == KSSH_ERR_CONN_CLOSED || r == KSSH_ERR_PEER_DISCONNECTED ? 0 : 1);
	}
	known_flow(c->fd, 1);
	sshd_accounting(o, res->user.name, peer, c->fd, &acct, 0, 0);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		if (stop_requested)
			kill(pid, SIGTERM);
	/* RFC 2866 5.10: 1 User Request (the session ended in order), 10 NAS Request (ksshd stopped it), 2 Lost Carrier */
	cause = stop_requested ? 10 : WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : 2;
	sshd_accounting(o, res->user.name, peer, c->fd, &acct, 1, cause);
	known_flow(c->fd, 0);
	sshd_pam_close(res);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? KSSH_ERR_CONN_CLOSED : KSSH_ERR_SYSTEM;
}

/* The pre-authentication process: key exchange and ssh-userauth, then the connection to the monitor */
static int preauth_serve(struct kssh_conn *c, const struct sshd_options *o, const struct sshd_peer *peer,
                         struct sshd_auth_result *res)
{
	struct kssh_transport_info info;
	struct kssh_buf state;
	int r;

	if ((r = conn_wait_ready(c)) != 0)
		return r;
#ifdef KSSHD_SANDBOX_PROBE
	/* the sandbox test's build only (selftests/interop/test_privsep.sh): the filter must kill this */
	if (open("/etc/shadow", O_RDONLY) >= 0)
		kssh_log(LOG_ERR, "sandbox probe: /etc/shadow opened");
#endif
	kssh_transport_get_info(c->t, &info);
	sshd_report("version", "%s", info.peer_version);
	sshd_report("kex", "%s", info.kex);
	sshd_report("hostkey", "%s", info.hostkey);
	sshd_report("cipher_in", "%s", info.cipher_in);
	sshd_report("cipher_out", "%s", info.cipher_out);
	sshd_report("mac_in", "%s", info.mac_in);
	sshd_report("mac_out", "%s", info.mac_out);
	sshd_report("backend_in", "%s", info.backend_in);
	sshd_report("backend_out", "%s", info.backend_out);
	sshd_report("state", "SESSION_AUTHENTICATING");
	kssh_log(LOG_INFO, "%s port %u: kex %s, host key %s, cipher %s/%s, mac %s/%s, client '%.80s'",
	         peer->addr, peer->port, info.kex, info.hostkey, info.cipher_in, info.cipher_out,
	         info.mac_in, info.mac_out, info.peer_version);
	if ((r = sshd_authenticate(c, o, peer, res)) != 0)
		return r;
	kssh_buf_init(&state, MON_STATE_MAX);
	if (c->has_pending || (r = kssh_transport_export(c->t, &state)) != 0)
		r = r ? r : KSSH_ERR_AGAIN;
	else
		r = mm_authenticated(res->method, &state);
	kssh_buf_release(&state);
	if (r != 0)
		kssh_log(LOG_ERR, "%s port %u: cannot hand the connection to the monitor: %s", peer->addr, peer->port,
		         kssh_strerror(r));
	return r;
}

/* How a connection that ended before or at the login is logged (and reported), by the process that ran it */
static int log_end(struct kssh_conn *c, const struct sshd_options *o, const struct sshd_peer *p, int r)
{
	if (r == KSSH_ERR_TIMEOUT) {
		sshd_report("grace", "1");
		kssh_log_event(LOG_ERR, "ERR_GENERAL", "%s port %u: login grace time (%u s) exceeded",
		               p->addr, p->port, o->login_timeout);
		kssh_transport_disconnect(c->t, KSSH_DISCONNECT_BY_APPLICATION, "Login timeout exceeded");
		conn_flush(c);
	} else if (r == KSSH_ERR_CONN_CLOSED || r == KSSH_ERR_PEER_DISCONNECTED) {
		kssh_log_event(LOG_INFO, "INFO_GENERAL", "connection from %s port %u closed: %s", p->addr, p->port,
		               *kssh_transport_error(c->t) ? kssh_transport_error(c->t) : kssh_strerror(r));
	} else {
		kssh_log_event(LOG_ERR, "ERR_GENERAL", "connection from %s port %u: %s", p->addr, p->port,
		               *kssh_transport_error(c->t) ? kssh_transport_error(c->t) : kssh_strerror(r));
		conn_flush(c);
	}
	return r == KSSH_ERR_CONN_CLOSED || r == KSSH_ERR_PEER_DISCONNECTED ? 0 : 1;
}

/* Public copies of the host keys: the private ones stay with the monitor */
static int public_keys(const struct sshd_options *o, struct kssh_key **pub)
{
	for (size_t i = 0; i < o->n_host_keys; i++) {
		int r = kssh_key_public_copy(o->host_keys[i], &pub[i]);

		if (r != 0)
			return r;
	}
	return 0;
}

/* Every descriptor above stderr closed but the two kept (whatever the listener's parent left open too) */
static void close_others(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	close_range(3, (unsigned)lo - 1, 0);
	close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	close_range((unsigned)hi + 1, ~0u, 0);
}

/* The pre-authentication child: forget every secret, enter the sandbox, serve until the login */
static int preauth_process(struct sshd_options *o, int fd, const struct sshd_peer *p, int mon_fd,
                           struct kssh_transport_config *cfg)
{
	struct kssh_key *pub[KSSHD_MAX_HOST_KEYS] = { 0 };
	struct sshd_auth_result res = { 0 };
	struct kssh_conn conn = { 0 };
	int r;

	sshd_monitor_fd = mon_fd;
	/* the registry's socket among them: reports go through the monitor, which passes on only some */
	close_others(fd, mon_fd);
	sshd_report_fd = -1;
	if (public_keys(o, pub) != 0) {
		kssh_log(LOG_ERR, "%s port %u: cannot copy the public host keys", p->addr, p->port);
		return 1;
	}
	sshd_free_host_keys(o); /* EVP_PKEY_free clears the private parts */
	for (size_t i = 0; i < o->n_local_users; i++)
		OPENSSL_cleanse(o->local_users[i].hash, sizeof(o->local_users[i].hash));
	cfg->host_keys = pub;
	cfg->sign = mm_sign;
	kssh_log_set_sink(mm_log); /* the monitor writes this process's lines: it keeps no file or syslog open */
	if (sshd_sandbox_enter(o) != 0)
		return 1;
	if ((conn.t = kssh_transport_new(cfg)) == NULL) {
		kssh_log(LOG_ERR, "%s port %u: cannot set up transport", p->addr, p->port);
		return 1;
	}
	conn.fd = fd;
	conn.stop = (volatile int *)&stop_requested;
	conn.quickack = 1;
	conn.deadline_ms = conn_now_ms() + (int64_t)o->login_timeout * 1000;
	r = preauth_serve(&conn, o, p, &res);
	if (r == 0)
		return 0; /* the monitor has the connection */
	sshd_report("reason", "%s", *kssh_transport_error(conn.t) ? kssh_transport_error(conn.t) : kssh_strerror(r));
	return log_end(&conn, o, p, r);
}

static void local_name(int fd, struct sshd_peer *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, len, peer->local_addr, sizeof(peer->local_addr),
	                NULL, 0, NI_NUMERICHOST) != 0) {
		snprintf(peer->local_addr, sizeof(peer->local_addr), "unknown");
		return;
	}
	peer->local_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                                  : ((struct sockaddr_in *)&ss)->sin_port);
}

int sshd_session(const struct sshd_options *o, int fd, const char *peer, unsigned peer_port)
{
	static char offer[sizeof(o->hostkey_list) + 512];
	/* with user trust points, the x509v3 algorithms (ssh-rsa's and ssh-dss's SHA-1 only when enabled) */
	static char x509_sig_algs[256];
	static struct kssh_buf certs[KSSHD_MAX_HOST_KEYS], x509[KSSHD_MAX_HOST_KEYS];
	struct kssh_transport_config cfg = {
		.is_server = 1,
		.kex_algs = o->kex_list,
		.hostkey_algs = offer,
		.host_certs = certs,
		.host_x509 = x509,
		.extra_sig_algs = x509_sig_algs,
		.ciphers = o->cipher_list,
		.macs = o->mac_list,
		.host_keys = o->host_keys,
		.n_host_keys = o->n_host_keys,
		.rekey_bytes = o->rekey_bytes,
		.rekey_seconds = o->rekey_minutes * 60,
		.offload = o->crypto_offload,
		.offload_required = o->crypto_offload_required,
		.log = kssh_log_callback,
	};
	struct sshd_peer p = { .port = peer_port };
	struct sshd_auth_result res = { 0 };
	struct kssh_conn conn = { 0 };
	struct kssh_buf state;
	char prefix[128];
	int mon[2], r;
	pid_t pid;

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	/* host certificates: offered first, K_S is the certificate under their algorithms */
	sshd_hostkey_offer(o, offer, sizeof(offer));
	x509_user_algs(o, x509_sig_algs, sizeof(x509_sig_algs));
	for (size_t i = 0; i < KSSHD_MAX_HOST_KEYS; i++)
	{
		kssh_buf_view(&certs[i], o->host_cert[i], i < o->n_host_keys ? o->host_cert_len[i] : 0);
		kssh_buf_view(&x509[i], o->host_x509, o->host_x509_len > 0 && i == o->host_x509_key ? o->host_x509_len : 0);
	}
	snprintf(prefix, sizeof(prefix), "%s port %u: ", peer, peer_port);
	cfg.log_arg = prefix;
	snprintf(p.addr, sizeof(p.addr), "%s", peer);
	local_name(fd, &p);
	kssh_crypto_warm_up(cfg.ciphers);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mon) != 0 || (pid = fork()) < 0) {
		kssh_log(LOG_ERR, "%s: cannot start the pre-authentication process: %s", prefix, strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(mon[0]);
		sshd_aaa_table_detach();
		_exit(preauth_process((struct sshd_options *)o, fd, &p, mon[1], &cfg));
	}
	close(mon[1]);
	kssh_buf_init(&state, MON_STATE_MAX);
	r = sshd_monitor_run(o, &p, mon[0], pid, &res, &state);
	close(mon[0]);
	if (r == 0 && (conn.t = kssh_transport_import(&cfg, kssh_buf_ptr(&state), kssh_buf_len(&state), &r)) == NULL)
		kssh_log(LOG_ERR, "%s port %u: the connection's state from the pre-authentication process: %s", peer,
		         peer_port, kssh_strerror(r));
	kssh_buf_release(&state);
	if (conn.t == NULL) {
		/* the pre-authentication process logged how it ended; the monitor, what it refused */
		sshd_auth_result_free(&res);
		sshd_pam_close(&res);
		close(fd);
		return r == KSSH_ERR_CONN_CLOSED ? 0 : 1;
	}
	conn.fd = fd;
	conn.stop = (volatile int *)&stop_requested;
	sshd_report("user", "%s", res.user.name);
	sshd_report("auth", "%s", res.method);
	if (strcmp(res.user.account, res.user.name) != 0)
		sshd_report("account", "%s", res.user.account);
	if (res.priv_lvl >= 0)
		sshd_report("priv", "%d", res.priv_lvl);
	sshd_report("state", "SESSION_OPEN");
	r = run_user_session(&conn, o, &p, &res);
	sshd_auth_result_free(&res);
	if (r == KSSH_ERR_CONN_CLOSED || r == KSSH_ERR_PEER_DISCONNECTED)
		kssh_log_event(LOG_INFO, "INFO_GENERAL", "connection from %s port %u closed: %s", peer, peer_port,
		               *kssh_transport_error(conn.t) ? kssh_transport_error(conn.t) : kssh_strerror(r));
	else
		kssh_log_event(LOG_ERR, "ERR_GENERAL", "connection from %s port %u: %s", peer, peer_port,
		               *kssh_transport_error(conn.t) ? kssh_transport_error(conn.t) : kssh_strerror(r));
	sshd_report("reason", "%s", *kssh_transport_error(conn.t) ? kssh_transport_error(conn.t) : kssh_strerror(r));
	kssh_transport_free(conn.t);
	close(fd);
	return r == KSSH_ERR_CONN_CLOSED || r == KSSH_ERR_PEER_DISCONNECTED ? 0 : 1;
}
