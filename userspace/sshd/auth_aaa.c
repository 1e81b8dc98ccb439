// SPDX-License-Identifier: MIT
/*
 * The monitor's AAA decisions. "aaa authentication login": each method in
 * turn, the next only when the one before is unreachable; a reject is final.
 * The password method asks RADIUS (Access-Request) or TACACS+ (PAP); a
 * challenge or a second factor cannot be answered by it, so it fails and the
 * client moves on to keyboard-interactive, where each RADIUS challenge's
 * Reply-Message and each TACACS+ GETPASS/GETDATA prompt is a round. An
 * unknown user is asked about all the same, so that a failure takes the same
 * path either way.
 *
 * After any method succeeded (auth_aaa_finish): "aaa authorization exec"
 * (TACACS+ service=shell, or local, or if-authenticated), then a user the AAA
 * server accepted and that has no account here is mapped to the local account
 * of "aaa remote-user privilege N" or "... default"; the session runs as it,
 * under the remote user's own name in show ssh, the logs and accounting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "auth_internal.h"
#include "log.h"

#define ROUNDS_MAX 10

enum verdict { ACCEPT, REJECT, CHALLENGED, UNREACHABLE };

static void accepted(struct auth_ctx *a, const char *proto, const char *server)
{
	a->remote = 1;
	snprintf(a->remote_by, sizeof(a->remote_by), "%s %s", proto, server);
	kssh_log(LOG_INFO, "user '%s': accepted by %s", a->user, a->remote_by);
}

static enum verdict radius_verdict(struct auth_ctx *a, const struct kssh_radius_reply *reply)
{
	switch (reply->result) {
	case KSSH_RADIUS_ACCEPT:
		accepted(a, "RADIUS", reply->server);
		return ACCEPT;
	case KSSH_RADIUS_REJECT:
		kssh_log(LOG_INFO, "user '%s': rejected by RADIUS %s", a->user, reply->server);
		return REJECT;
	case KSSH_RADIUS_CHALLENGE:
		kssh_log(LOG_INFO, "user '%s': RADIUS %s answers with a challenge", a->user, reply->server);
		return CHALLENGED;
	case KSSH_RADIUS_UNREACHABLE:
		break;
	}
	kssh_log(LOG_WARNING, "user '%s': RADIUS unreachable (last %s: %s); next method", a->user, reply->server,
	         reply->why);
	return UNREACHABLE;
}

static enum verdict tacacs_verdict(struct auth_ctx *a, const struct kssh_tacacs_reply *reply)
{
	switch (reply->result) {
	case KSSH_TACACS_PASS:
		accepted(a, "TACACS+", reply->server);
		return ACCEPT;
	case KSSH_TACACS_FAIL:
		kssh_log(LOG_INFO, "user '%s': rejected by TACACS+ %s%s%.100s", a->user, reply->server,
		         reply->message[0] ? ": " : "", reply->message);
		return REJECT;
	case KSSH_TACACS_GETDATA:
	case KSSH_TACACS_GETUSER:
	case KSSH_TACACS_GETPASS:
		return CHALLENGED;
	case KSSH_TACACS_UNREACHABLE:
		break;
	}
	kssh_log(LOG_WARNING, "user '%s': TACACS+ unreachable (last %s: %s); next method", a->user, reply->server,
	         reply->why);
	return UNREACHABLE;
}

static enum verdict radius_password(struct auth_ctx *a, const struct sshd_aaa_servers *s, const char *password)
{
	struct kssh_radius_request req = { .user = a->user, .password = password, .calling_station = a->peer->addr };
	struct kssh_radius_reply reply;

	kssh_radius_authenticate(s->radius, s->n, s->timeout, s->retransmit, &req, &reply);
	return radius_verdict(a, &reply);
}

static enum verdict tacacs_password(struct auth_ctx *a, const struct sshd_aaa_servers *s, const char *password)
{
	struct kssh_tacacs_authen session;
	struct kssh_tacacs_reply reply;

	kssh_tacacs_authen_start(&session, s->tacacs, s->n, s->timeout, KSSH_TACACS_PAP, a->user, password,
	                         a->peer->addr, &reply);
	kssh_tacacs_authen_end(&session);
	return tacacs_verdict(a, &reply);
}

int auth_aaa_password(struct auth_ctx *a, const char *password)
{
	const struct sshd_aaa_list *list = sshd_aaa_list(&a->o->aaa, SSHD_AAA_LOGIN);

	for (size_t i = 0; list != NULL && i < list->n; i++) {
		struct sshd_aaa_servers s;
		enum verdict v;

		if (list->methods[i] == SSHD_AAA_LOCAL)
			return auth_local_password(a, password);
		if (sshd_aaa_servers(a->o, list->methods[i], &s) != 0)
			continue;
		v = s.is_tacacs ? tacacs_password(a, &s, password) : radius_password(a, &s, password);
		sshd_aaa_servers_wipe(&s);
		if (v == CHALLENGED)
			kssh_log(LOG_INFO, "user '%s': a challenge cannot be answered by the password method", a->user);
		if (v != UNREACHABLE)
			return v == ACCEPT;
	}
	return 0;
}

/* One answer from the client to prompt; NULL when it gave none */
static char *ask(struct auth_ctx *a, const char *prompt, int echo)
{
	char *answer = NULL;

	return auth_kbdint_ask(a, prompt, echo, &answer) == 0 ? answer : NULL;
}

static void wipe(char *answer)
{
	if (answer != NULL)
		OPENSSL_cleanse(answer, strlen(answer));
	free(answer);
}

/* keyboard-interactive through RADIUS: the password, then each challenge's Reply-Message as a prompt */
static enum verdict radius_kbdint(struct auth_ctx *a, const struct sshd_aaa_servers *s)
{
	struct kssh_radius_reply reply = { 0 };
	struct kssh_radius_request req = { .user = a->user, .calling_station = a->peer->addr };
	char prompt[520] = "Password: ", *answer;
	uint8_t state[253];
	enum verdict v;

	for (int round = 0; round < ROUNDS_MAX; round++) {
		if ((answer = ask(a, prompt, 0)) == NULL)
			return REJECT;
		req.password = answer;
		kssh_radius_authenticate(s->radius, s->n, s->timeout, s->retransmit, &req, &reply);
		wipe(answer);
		if ((v = radius_verdict(a, &reply)) != CHALLENGED)
			return v;
		memcpy(state, reply.state, reply.state_len);
		req.state = state;
		req.state_len = reply.state_len;
		snprintf(prompt, sizeof(prompt), "%s", reply.message[0] ? reply.message : "Response: ");
	}
	kssh_log(LOG_INFO, "user '%s': more than %d RADIUS challenges", a->user, ROUNDS_MAX);
	return REJECT;
}

/* keyboard-interactive through TACACS+: an ASCII login, each GETPASS/GETDATA a prompt, GETUSER answered here */
static enum verdict tacacs_kbdint(struct auth_ctx *a, const struct sshd_aaa_servers *s)
{
	struct kssh_tacacs_authen session;
	struct kssh_tacacs_reply reply;
	enum verdict v = REJECT;
	char *answer;
	int round;

	kssh_tacacs_authen_start(&session, s->tacacs, s->n, s->timeout, KSSH_TACACS_ASCII, a->user, NULL, a->peer->addr,
	                         &reply);
	for (round = 0; round < ROUNDS_MAX && (v = tacacs_verdict(a, &reply)) == CHALLENGED; round++) {
		if (reply.result == KSSH_TACACS_GETUSER) {
			kssh_tacacs_authen_continue(&session, a->user, &reply);
			continue;
		}
		if ((answer = ask(a, reply.message[0] ? reply.message
		                                      : reply.result == KSSH_TACACS_GETPASS ? "Password: " : "Response: ",
		                  reply.echo && reply.result == KSSH_TACACS_GETDATA)) == NULL) {
			v = REJECT;
			break;
		}
		kssh_tacacs_authen_continue(&session, answer, &reply);
		wipe(answer);
	}
	if (round == ROUNDS_MAX) {
		kssh_log(LOG_INFO, "user '%s': more than %d TACACS+ rounds", a->user, ROUNDS_MAX);
		v = REJECT;
	}
	kssh_tacacs_authen_end(&session);
	return v;
}

int auth_aaa_kbdint(struct auth_ctx *a)
{
	const struct sshd_aaa_list *list = sshd_aaa_list(&a->o->aaa, SSHD_AAA_LOGIN);

	for (size_t i = 0; list != NULL && i < list->n; i++) {
		struct sshd_aaa_servers s;
		enum verdict v;

		if (list->methods[i] == SSHD_AAA_LOCAL)
			return auth_local_kbdint(a);
		if (sshd_aaa_servers(a->o, list->methods[i], &s) != 0)
			continue;
		v = s.is_tacacs ? tacacs_kbdint(a, &s) : radius_kbdint(a, &s);
		sshd_aaa_servers_wipe(&s);
		if (a->fatal)
			return 0;
		if (v != UNREACHABLE)
			return v == ACCEPT;
	}
	return 0;
}

/* "aaa authorization exec": 1 allowed (a->priv_lvl set when the server gave one), 0 refused */
static int authorize(struct auth_ctx *a, const struct sshd_aaa_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		struct kssh_tacacs_reply reply;
		struct sshd_aaa_servers s;

		if (list->methods[i] == SSHD_AAA_IF_AUTHENTICATED)
			return 1;
		if (list->methods[i] == SSHD_AAA_LOCAL) {
			if (!a->user_known)
				kssh_log(LOG_INFO, "user '%s': exec authorization (local): no local account", a->user);
			return a->user_known;
		}
		if (sshd_aaa_servers(a->o, list->methods[i], &s) != 0 || !s.is_tacacs)
			continue;
		kssh_tacacs_authorize(s.tacacs, s.n, s.timeout, a->user, a->peer->addr, "", &reply);
		sshd_aaa_servers_wipe(&s);
		if (reply.result == KSSH_TACACS_UNREACHABLE) {
			kssh_log(LOG_WARNING, "user '%s': exec authorization: TACACS+ unreachable (last %s: %s); next method",
			         a->user, reply.server, reply.why);
			continue;
		}
		if (reply.result != KSSH_TACACS_PASS) {
			kssh_log(LOG_NOTICE, "user '%s': exec authorization refused by TACACS+ %s%s%.100s", a->user,
			         reply.server, reply.message[0] ? ": " : "", reply.message);
			return 0;
		}
		a->priv_lvl = reply.priv_lvl;
		kssh_log(LOG_INFO, "user '%s': exec authorized by TACACS+ %s, priv-lvl %d", a->user, reply.server,
		         reply.priv_lvl);
		return 1;
	}
	kssh_log(LOG_NOTICE, "user '%s': exec authorization: no method answered", a->user);
	return 0;
}

/* A user the AAA server accepted: its own account (root only when allowed), or the configured mapping */
static int map_remote_user(struct auth_ctx *a)
{
	const struct sshd_aaa *aaa = &a->o->aaa;
	struct sshd_user u;
	const char *account;

	if (a->user_known) {
		if (a->res->user.uid == 0 && !aaa->remote_root) {
			kssh_log(LOG_NOTICE, "user '%s': accepted by %s, but uid 0 may not log in through AAA "
			         "(aaa remote-user allow-root)", a->user, a->remote_by);
			return 0;
		}
		return 1;
	}
	account = a->priv_lvl >= 0 && aaa->priv_user[a->priv_lvl][0] ? aaa->priv_user[a->priv_lvl]
	                                                               : aaa->default_user;
	if (account[0] == 0) {
		kssh_log(LOG_NOTICE, "user '%s': accepted by %s, but there is no local account for it and no "
		         "aaa remote-user mapping", a->user, a->remote_by);
		return 0;
	}
	if (sshd_user_lookup(account, &u) != 0) {
		kssh_log(LOG_ERR, "user '%s': aaa remote-user maps it to '%s', which is no local account", a->user, account);
		return 0;
	}
	if (u.uid == 0 && !aaa->remote_root) {
		kssh_log(LOG_NOTICE, "user '%s': mapped to '%s', uid 0, which needs aaa remote-user allow-root", a->user,
		         account);
		return 0;
	}
	snprintf(u.name, sizeof(u.name), "%s", a->user);
	a->res->user = u;
	kssh_log(LOG_INFO, "user '%s': remote user, runs as local account '%s'%s", a->user, account,
	         a->priv_lvl >= 0 ? " (by its priv-lvl)" : "");
	return 1;
}

int auth_aaa_finish(struct auth_ctx *a)
{
	const struct sshd_aaa_list *author = sshd_aaa_list(&a->o->aaa, SSHD_AAA_AUTHOR);
	int remote = a->remote;

	a->remote = 0; /* a refused user's next attempt starts afresh */
	a->priv_lvl = a->res->priv_lvl = -1;
	if (author != NULL && !authorize(a, author))
		return 0;
	a->res->priv_lvl = a->priv_lvl;
	return remote ? map_remote_user(a) : 1;
}
