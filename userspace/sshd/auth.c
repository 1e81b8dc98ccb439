// SPDX-License-Identifier: MIT
/*
 * The ssh-userauth service (RFC 4252), in the pre-authentication process:
 * one request at a time, each parsed in full before the user's existence
 * matters, with the spec's limits: failures over all methods together
 * (max-auth-limit) and at most three passwords. Whether a user exists and
 * whether a key, password or conversation is good the monitor decides.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "kssh/transport.h"
#include "auth_internal.h"
#include "log.h"
#include "monitor.h"

#define AUTH_METHODS "publickey,password,keyboard-interactive"

static int send_failure(struct kssh_transport *t)
{
	struct kssh_buf *b = kssh_transport_begin(t, SSH_MSG_USERAUTH_FAILURE);

	if (b == NULL || kssh_buf_put_cstring(b, AUTH_METHODS) != 0 || kssh_buf_put_u8(b, 0) != 0)
		return KSSH_ERR_ALLOC;
	return kssh_transport_send(t);
}

static int on_service_request(struct auth_ctx *a, struct kssh_buf *msg)
{
	struct kssh_buf *b;
	char *name = NULL;
	int r;

	if ((r = kssh_buf_get_cstring(msg, &name, NULL)) != 0)
		return kssh_transport_fail(a->c->t, r, "malformed SERVICE_REQUEST");
	if (strcmp(name, "ssh-userauth") != 0) {
		kssh_log_event(LOG_ERR, "ERR_GENERAL", "%s port %u: service '%.64s' not available",
		               a->peer->addr, a->peer->port, name);
		free(name);
		kssh_transport_disconnect(a->c->t, KSSH_DISCONNECT_SERVICE_NOT_AVAILABLE,
		                          "service not available");
		return KSSH_ERR_PROTOCOL;
	}
	free(name);
	if ((b = kssh_transport_begin(a->c->t, SSH_MSG_SERVICE_ACCEPT)) == NULL ||
	    kssh_buf_put_cstring(b, "ssh-userauth") != 0)
		return KSSH_ERR_ALLOC;
	return kssh_transport_send(a->c->t);
}

/* RFC 4252 5: the user and service may not change between requests (OpenSSH refuses too). */
static int fix_user(struct auth_ctx *a, const char *user, const char *service)
{
	int r;

	if (strcmp(service, "ssh-connection") != 0) {
		kssh_transport_disconnect(a->c->t, KSSH_DISCONNECT_SERVICE_NOT_AVAILABLE,
		                          "service not available");
		return KSSH_ERR_PROTOCOL;
	}
	if (a->user[0] != 0) {
		if (strcmp(a->user, user) == 0)
			return 0;
		kssh_transport_disconnect(a->c->t, KSSH_DISCONNECT_PROTOCOL_ERROR,
		                          "changing the user during authentication is not allowed");
		return KSSH_ERR_PROTOCOL;
	}
	if (strlen(user) >= sizeof(a->user) || user[0] == 0) {
		kssh_transport_disconnect(a->c->t, KSSH_DISCONNECT_ILLEGAL_USER_NAME, "illegal user name");
		return KSSH_ERR_PROTOCOL;
	}
	snprintf(a->user, sizeof(a->user), "%s", user);
	if ((r = mm_user(user)) < 0)
		return r;
	a->user_known = r == 1;
	return 0;
}

static int limit_reached(struct auth_ctx *a, const char *what)
{
	kssh_log_event(LOG_ERR, "ERR_GENERAL", "Max authentication tries reached-exiting");
	kssh_log(LOG_INFO, "%s port %u: user '%s': %s", a->peer->addr, a->peer->port, a->user, what);
	kssh_transport_disconnect(a->c->t, KSSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
	                          "Too many authentication failures");
	return KSSH_ERR_PROTOCOL;
}

static int on_failure(struct auth_ctx *a, const char *method)
{
	int is_password = strcmp(method, "password") == 0;

	a->failures++;
	sshd_report("authfail", "1"); /* the listener's per-source penalties count it */
	a->password_failures += is_password;
	kssh_log_event(LOG_WARNING, "ERR_GENERAL", "%s port %u: %s authentication failed for user '%s' "
	               "(%u of %u)", a->peer->addr, a->peer->port, method, a->user, a->failures,
	               a->o->max_auth);
	if (a->failures >= a->o->max_auth)
		return limit_reached(a, "max-auth-limit reached");
	if (a->password_failures >= KSSHD_PASSWORD_TRIES)
		return limit_reached(a, "3 password attempts failed");
	return send_failure(a->c->t);
}

static int on_success(struct auth_ctx *a, const char *method)
{
	struct kssh_buf *b;

	snprintf(a->res->method, sizeof(a->res->method), "%s", method);
	kssh_log_event(LOG_INFO, "INFO_GENERAL", "User '%s' authenticated from %s port %u by %s",
	               a->user, a->peer->addr, a->peer->port, method);
	if ((b = kssh_transport_begin(a->c->t, SSH_MSG_USERAUTH_SUCCESS)) == NULL)
		return KSSH_ERR_ALLOC;
	return kssh_transport_send(a->c->t);
}

/* Returns 0 (authenticated or not: the transport's phase tells) or an error. */
static int on_userauth_request(struct auth_ctx *a, struct kssh_buf *msg)
{
	char *user = NULL, *service = NULL, *method = NULL;
	enum auth_outcome outcome = AUTH_FAILED;
	int r;

	if ((r = kssh_buf_get_cstring(msg, &user, NULL)) != 0 ||
	    (r = kssh_buf_get_cstring(msg, &service, NULL)) != 0 ||
	    (r = kssh_buf_get_cstring(msg, &method, NULL)) != 0) {
		r = kssh_transport_fail(a->c->t, r, "malformed USERAUTH_REQUEST");
		goto out;
	}
	if ((r = fix_user(a, user, service)) != 0)
		goto out;
	if (strcmp(method, "none") == 0)
		r = 0;
	else if (strcmp(method, "publickey") == 0 || strcmp(method, KSSH_AUTH_HOSTBOUND) == 0)
		r = auth_publickey(a, method, msg, &outcome);
	else if (strcmp(method, "password") == 0)
		r = auth_password(a, msg, &outcome);
	else if (strcmp(method, "keyboard-interactive") == 0)
		r = auth_kbdint(a, msg, &outcome);
	else
		r = 0; /* an unknown method fails like any other */
	if (r != 0)
		goto out;
	if (outcome == AUTH_OK)
		r = on_success(a, strcmp(method, KSSH_AUTH_HOSTBOUND) == 0 ? "publickey" : method);
	else if (outcome == AUTH_PK_OK || kssh_buf_len(&a->stashed) > 0)
		r = 0; /* answered already, or cancelled by a newer request that gets the answer */
	else if (strcmp(method, "none") == 0)
		r = send_failure(a->c->t); /* RFC 4252 5.2: asks for the list; not a failure */
	else
		r = on_failure(a, method);
out:
	free(user);
	free(service);
	free(method);
	return r;
}

int sshd_authenticate(struct kssh_conn *c, const struct sshd_options *o,
                      const struct sshd_peer *peer, struct sshd_auth_result *res)
{
	struct auth_ctx a = { .c = c, .o = o, .peer = peer, .res = res };
	struct kssh_buf payload;
	uint8_t type;
	int r;

	kssh_buf_init(&a.stashed, 0);
	for (;;) {
		if (kssh_buf_len(&a.stashed) > 0) {
			/* a request that arrived in the middle of a PAM conversation */
			struct kssh_buf msg = a.stashed;

			kssh_buf_init(&a.stashed, 0);
			kssh_buf_consume(&msg, 1);
			r = on_userauth_request(&a, &msg);
			kssh_buf_release(&msg);
		} else {
			if ((r = conn_next_message(c, &type, &payload)) != 0)
				break;
			kssh_buf_consume(&payload, 1);
			if (type == SSH_MSG_SERVICE_REQUEST)
				r = on_service_request(&a, &payload);
			else if (type == SSH_MSG_USERAUTH_REQUEST)
				r = on_userauth_request(&a, &payload);
			else
				r = kssh_transport_fail(c->t, KSSH_ERR_PROTOCOL,
				                        "unexpected message %u during authentication", type);
		}
		if (r == 0 && a.fatal)
			r = a.fatal;
		/* USERAUTH_SUCCESS sent: the transport is in the connection phase */
		if (r != 0 || kssh_transport_phase(c->t) == KSSH_PHASE_CONNECTION)
			break;
	}
	kssh_buf_release(&a.stashed);
	if (r == 0)
		r = conn_flush(c);
	return r;
}

void sshd_auth_result_free(struct sshd_auth_result *res)
{
	kssh_authkey_opts_free(&res->key_opts);
}
