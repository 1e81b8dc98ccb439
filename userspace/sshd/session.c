// SPDX-License-Identifier: MIT
/*
 * One connection, in its own process: transport, then the ssh-userauth
 * service. Authentication methods arrive with the next milestone; until then
 * every attempt fails, with the spec's limit on attempts.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/transport.h"
#include "conn_io.h"
#include "kex/kex_internal.h"
#include "log.h"
#include "sshd.h"

#define AUTH_METHODS "publickey,password,keyboard-interactive"

static volatile sig_atomic_t stop_requested;

static void on_term(int sig)
{
	(void)sig;
	stop_requested = 1; /* only a flag: no logging or allocation in a handler */
}

struct session {
	const struct sshd_options *o;
	struct kssh_conn conn;
	const char *peer;
	unsigned peer_port;
	unsigned auth_failures;
};

static int send_simple(struct kssh_transport *t, uint8_t type, const char *text)
{
	struct kssh_buf *b = kssh_transport_begin(t, type);
	int r;

	if (b == NULL)
		return KSSH_ERR_ALLOC;
	if (text != NULL && (r = kssh_buf_put_cstring(b, text)) != 0)
		return r;
	return kssh_transport_send(t);
}

static int on_service_request(struct session *s, struct kssh_buf *msg)
{
	char *name = NULL;
	int r;

	if ((r = kssh_buf_get_cstring(msg, &name, NULL)) != 0)
		return r;
	if (strcmp(name, "ssh-userauth") != 0) {
		kssh_log_event(LOG_ERR, "ERR_GENERAL", "%s port %u: service '%.64s' not available",
		               s->peer, s->peer_port, name);
		free(name);
		kssh_transport_disconnect(s->conn.t, KSSH_DISCONNECT_SERVICE_NOT_AVAILABLE,
		                          "service not available");
		return KSSH_ERR_PROTOCOL;
	}
	free(name);
	return send_simple(s->conn.t, SSH_MSG_SERVICE_ACCEPT, "ssh-userauth");
}

static int on_userauth_request(struct session *s, struct kssh_buf *msg)
{
	char *user = NULL, *service = NULL, *method = NULL;
	struct kssh_buf *b;
	int r;

	/* parse in full before deciding, known user or not (CVE-2018-15473's class) */
	if ((r = kssh_buf_get_cstring(msg, &user, NULL)) != 0 ||
	    (r = kssh_buf_get_cstring(msg, &service, NULL)) != 0 ||
	    (r = kssh_buf_get_cstring(msg, &method, NULL)) != 0)
		goto out;
	s->auth_failures += strcmp(method, "none") != 0;
	kssh_log(LOG_INFO, "%s port %u: authentication %s for user '%.64s' failed "
	         "(no authentication backend yet)", s->peer, s->peer_port, method, user);
	if (s->auth_failures >= s->o->max_auth) {
		kssh_log_event(LOG_ERR, "ERR_GENERAL", "Max authentication tries reached-exiting");
		kssh_transport_disconnect(s->conn.t, KSSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
		                          "Too many authentication failures");
		r = KSSH_ERR_PROTOCOL;
		goto out;
	}
	if ((b = kssh_transport_begin(s->conn.t, SSH_MSG_USERAUTH_FAILURE)) == NULL) {
		r = KSSH_ERR_ALLOC;
		goto out;
	}
	if ((r = kssh_buf_put_cstring(b, AUTH_METHODS)) != 0 || (r = kssh_buf_put_u8(b, 0)) != 0)
		goto out;
	r = kssh_transport_send(s->conn.t);
out:
	free(user);
	free(service);
	free(method);
	return r;
}

static int serve(struct session *s)
{
	struct kssh_transport_info info;
	struct kssh_buf payload;
	uint8_t type;
	int r;

	if ((r = conn_wait_ready(&s->conn)) != 0)
		return r;
	kssh_transport_get_info(s->conn.t, &info);
	kssh_log(LOG_INFO, "%s port %u: kex %s, host key %s, cipher %s/%s, mac %s/%s, client '%.80s'",
	         s->peer, s->peer_port, info.kex, info.hostkey, info.cipher_in, info.cipher_out,
	         info.mac_in, info.mac_out, info.peer_version);
	for (;;) {
		if ((r = conn_next_message(&s->conn, &type, &payload)) != 0)
			return r;
		kssh_buf_consume(&payload, 1);
		switch (type) {
		case SSH_MSG_SERVICE_REQUEST:
			r = on_service_request(s, &payload);
			break;
		case SSH_MSG_USERAUTH_REQUEST:
			r = on_userauth_request(s, &payload);
			break;
		default:
			r = kssh_transport_fail(s->conn.t, KSSH_ERR_PROTOCOL,
			                        "unexpected message during authentication");
		}
		if (r != 0)
			return r;
	}
}

int sshd_session(const struct sshd_options *o, int fd, const char *peer, unsigned peer_port)
{
	struct kssh_transport_config cfg = {
		.is_server = 1,
		.kex_algs = o->kex_list,
		.hostkey_algs = o->hostkey_list,
		.ciphers = o->cipher_list,
		.macs = o->mac_list,
		.host_keys = o->host_keys,
		.n_host_keys = o->n_host_keys,
		.rekey_bytes = o->rekey_bytes,
		.rekey_seconds = o->rekey_minutes * 60,
		.log = kssh_log_callback,
	};
	struct session s = { .o = o, .peer = peer, .peer_port = peer_port };
	char prefix[128];
	int r;

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	snprintf(prefix, sizeof(prefix), "%s port %u: ", peer, peer_port);
	cfg.log_arg = prefix;
	if ((s.conn.t = kssh_transport_new(&cfg)) == NULL) {
		kssh_log(LOG_ERR, "%s: cannot set up transport", prefix);
		return 1;
	}
	s.conn.fd = fd;
	s.conn.stop = (volatile int *)&stop_requested;
	s.conn.deadline_ms = conn_now_ms() + (int64_t)o->login_timeout * 1000;
	r = serve(&s);
	if (r == KSSH_ERR_TIMEOUT) {
		kssh_log_event(LOG_ERR, "ERR_GENERAL", "%s port %u: login grace time (%u s) exceeded",
		               peer, peer_port, o->login_timeout);
		kssh_transport_disconnect(s.conn.t, KSSH_DISCONNECT_BY_APPLICATION,
		                          "Login timeout exceeded");
		conn_flush(&s.conn);
	} else if (r == KSSH_ERR_CONN_CLOSED || r == KSSH_ERR_PEER_DISCONNECTED) {
		kssh_log_event(LOG_INFO, "INFO_GENERAL", "connection from %s port %u closed: %s",
		               peer, peer_port,
		               *kssh_transport_error(s.conn.t) ? kssh_transport_error(s.conn.t)
		                                               : kssh_strerror(r));
	} else {
		kssh_log_event(LOG_ERR, "ERR_GENERAL", "connection from %s port %u: %s", peer,
		               peer_port, *kssh_transport_error(s.conn.t) ? kssh_transport_error(s.conn.t)
		                                                          : kssh_strerror(r));
		conn_flush(&s.conn);
	}
	kssh_transport_free(s.conn.t);
	close(fd);
	return r == KSSH_ERR_CONN_CLOSED || r == KSSH_ERR_PEER_DISCONNECTED ? 0 : 1;
}
