// SPDX-License-Identifier: MIT
/*
 * PAM (service "kssh" by default): authentication with a conversation that
 * either answers with the password the client sent (password method) or
 * relays every prompt to the client as SSH_MSG_USERAUTH_INFO_REQUEST
 * (keyboard-interactive, RFC 4256), so any PAM stack works, second factors too.
 * The conversation runs the connection itself while it waits for answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <security/pam_appl.h>
#include <openssl/crypto.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "auth_internal.h"
#include "log.h"

#define RESPONSE_MAX 1024
#define PROMPTS_MAX 32

static void free_responses(struct pam_response *resp, int n)
{
	if (resp == NULL)
		return;
	for (int i = 0; i < n; i++) {
		if (resp[i].resp != NULL) {
			OPENSSL_cleanse(resp[i].resp, strlen(resp[i].resp));
			free(resp[i].resp);
		}
	}
	free(resp);
}

static void add_info(struct auth_ctx *a, const char *text)
{
	size_t len = strlen(a->info);

	snprintf(a->info + len, sizeof(a->info) - len, "%s%s", text,
	         text[0] && text[strlen(text) - 1] != '\n' ? "\n" : "");
}

static int conv_password(struct auth_ctx *a, int n, const struct pam_message **msg,
                         struct pam_response *resp)
{
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			/* one answer only: a second prompt (a second factor) needs keyboard-interactive */
			if (a->password_given || a->password == NULL)
				return PAM_CONV_ERR;
			if ((resp[i].resp = strdup(a->password)) == NULL)
				return PAM_BUF_ERR;
			a->password_given = 1;
			break;
		case PAM_PROMPT_ECHO_ON:
			return PAM_CONV_ERR;
		default:
			break;
		}
	}
	return PAM_SUCCESS;
}

static int send_info_request(struct auth_ctx *a, int n, const struct pam_message **msg)
{
	struct kssh_buf *b = kssh_transport_begin(a->c->t, SSH_MSG_USERAUTH_INFO_REQUEST);
	uint32_t prompts = 0;
	int r;

	for (int i = 0; i < n; i++)
		prompts += msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		           msg[i]->msg_style == PAM_PROMPT_ECHO_ON;
	if (b == NULL)
		return KSSH_ERR_ALLOC;
	if ((r = kssh_buf_put_cstring(b, "")) != 0 ||
	    (r = kssh_buf_put_cstring(b, a->info)) != 0 ||
	    (r = kssh_buf_put_cstring(b, "")) != 0 ||
	    (r = kssh_buf_put_u32(b, prompts)) != 0)
		return r;
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;

		if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
			continue;
		if ((r = kssh_buf_put_cstring(b, msg[i]->msg ? msg[i]->msg : "")) != 0 ||
		    (r = kssh_buf_put_u8(b, style == PAM_PROMPT_ECHO_ON)) != 0)
			return r;
	}
	a->info[0] = 0;
	return kssh_transport_send(a->c->t);
}

/* Waits for INFO_RESPONSE. A new USERAUTH_REQUEST cancels (RFC 4256 3.4): it is kept for later. */
static int read_info_response(struct auth_ctx *a, int n, const struct pam_message **msg,
                              struct pam_response *resp)
{
	struct kssh_buf payload;
	uint32_t count, want = 0;
	uint8_t type;
	int r;

	if ((r = conn_next_message(a->c, &type, &payload)) != 0) {
		a->fatal = r;
		return PAM_CONV_ERR;
	}
	if (type == SSH_MSG_USERAUTH_REQUEST) {
		if (kssh_buf_put(&a->stashed, kssh_buf_ptr(&payload), kssh_buf_len(&payload)) != 0)
			a->fatal = KSSH_ERR_ALLOC;
		return PAM_CONV_ERR;
	}
	if (type != SSH_MSG_USERAUTH_INFO_RESPONSE) {
		a->fatal = kssh_transport_fail(a->c->t, KSSH_ERR_PROTOCOL,
		                               "message %u during keyboard-interactive", type);
		return PAM_CONV_ERR;
	}
	kssh_buf_consume(&payload, 1);
	for (int i = 0; i < n; i++)
		want += msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON;
	if ((r = kssh_buf_get_u32(&payload, &count)) != 0 || count != want) {
		a->fatal = kssh_transport_fail(a->c->t, KSSH_ERR_PROTOCOL,
		                               "INFO_RESPONSE with %u answers for %u prompts", count, want);
		return PAM_CONV_ERR;
	}
	for (int i = 0; i < n; i++) {
		char *s = NULL;
		size_t len;

		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF && msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		if ((r = kssh_buf_get_cstring(&payload, &s, &len)) != 0 || len > RESPONSE_MAX) {
			free(s);
			a->fatal = kssh_transport_fail(a->c->t, r ? r : KSSH_ERR_STRING_TOO_LARGE,
			                               "malformed INFO_RESPONSE");
			return PAM_CONV_ERR;
		}
		resp[i].resp = s;
	}
	return PAM_SUCCESS;
}

static int conv_kbdint(struct auth_ctx *a, int n, const struct pam_message **msg,
                       struct pam_response *resp)
{
	int prompts = 0, r;

	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			prompts++;
		else if (msg[i]->msg != NULL)
			add_info(a, msg[i]->msg);
	}
	if (prompts == 0)
		return PAM_SUCCESS; /* text only: shown with the next prompts */
	if ((r = send_info_request(a, n, msg)) != 0) {
		a->fatal = r;
		return PAM_CONV_ERR;
	}
	return read_info_response(a, n, msg, resp);
}

/* One prompt to the client over keyboard-interactive, without PAM (configured local users). */
int auth_kbdint_ask(struct auth_ctx *a, const char *prompt, char **answer)
{
	struct pam_message m = { .msg_style = PAM_PROMPT_ECHO_OFF, .msg = prompt };
	const struct pam_message *msg = &m;
	struct pam_response resp = { 0 };
	int r;

	*answer = NULL;
	a->info[0] = 0;
	if ((r = conv_kbdint(a, 1, &msg, &resp)) != PAM_SUCCESS)
		return -1;
	*answer = resp.resp;
	return 0;
}

static int conversation(int n, const struct pam_message **msg, struct pam_response **resp,
                        void *arg)
{
	struct auth_ctx *a = arg;
	struct pam_response *out;
	int r;

	*resp = NULL;
	if (n <= 0 || n > PROMPTS_MAX || a->fatal)
		return PAM_CONV_ERR;
	if ((out = calloc((size_t)n, sizeof(*out))) == NULL)
		return PAM_BUF_ERR;
	r = a->kbdint ? conv_kbdint(a, n, msg, out) : conv_password(a, n, msg, out);
	if (r != PAM_SUCCESS) {
		free_responses(out, n);
		return r;
	}
	*resp = out;
	return PAM_SUCCESS;
}

static int pam_begin(struct auth_ctx *a)
{
	struct pam_conv conv = { conversation, a };
	int r;

	if (a->pam != NULL)
		return 0;
	if ((r = pam_start(a->o->pam_service, a->user, &conv, &a->pam)) != PAM_SUCCESS) {
		kssh_log(LOG_ERR, "pam_start(%s): %s", a->o->pam_service, pam_strerror(NULL, r));
		a->pam = NULL;
		return -1;
	}
	pam_set_item(a->pam, PAM_RHOST, a->peer->addr);
	pam_set_item(a->pam, PAM_RUSER, a->user);
	pam_set_item(a->pam, PAM_TTY, "ssh");
	return 0;
}

/* 1 when PAM accepts the user (authentication and account), 0 when it does not. */
int auth_pam_check(struct auth_ctx *a)
{
	int r;

	if (pam_begin(a) != 0)
		return 0;
	a->info[0] = 0;
	a->password_given = 0;
	r = pam_authenticate(a->pam, 0);
	if (r == PAM_SUCCESS)
		r = pam_acct_mgmt(a->pam, 0);
	if (r != PAM_SUCCESS && !a->fatal)
		kssh_log(LOG_INFO, "user '%s': PAM: %s", a->user, pam_strerror(a->pam, r));
	return r == PAM_SUCCESS;
}

/* After authentication nobody is at the other end of a conversation: text is dropped, prompts fail. */
static int silent_conversation(int n, const struct pam_message **msg, struct pam_response **resp,
                               void *arg)
{
	(void)arg;
	*resp = NULL;
	if (n <= 0 || n > PROMPTS_MAX)
		return PAM_CONV_ERR;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF || msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			return PAM_CONV_ERR;
	*resp = calloc((size_t)n, sizeof(**resp));
	return *resp ? PAM_SUCCESS : PAM_BUF_ERR;
}

void *auth_pam_detach(struct auth_ctx *a)
{
	static const struct pam_conv silent = { silent_conversation, NULL };
	pam_handle_t *pam = a->pam;

	if (pam != NULL)
		pam_set_item(pam, PAM_CONV, &silent);
	a->pam = NULL;
	return pam;
}

void auth_pam_end(struct auth_ctx *a)
{
	if (a->pam != NULL)
		pam_end(a->pam, PAM_SUCCESS);
	a->pam = NULL;
}

/* After authentication, as root: credentials and the session (pam_limits, pam_env, ...). */
int sshd_pam_open_session(struct sshd_auth_result *res)
{
	pam_handle_t *pam = res->pam;
	int r;

	if (pam == NULL)
		return 0;
	if ((r = pam_setcred(pam, PAM_ESTABLISH_CRED)) != PAM_SUCCESS ||
	    (r = pam_open_session(pam, 0)) != PAM_SUCCESS) {
		kssh_log(LOG_ERR, "user '%s': PAM session: %s", res->user.name, pam_strerror(pam, r));
		return -1;
	}
	res->pam_env = pam_getenvlist(pam);
	return 0;
}

void sshd_pam_close(struct sshd_auth_result *res)
{
	pam_handle_t *pam = res->pam;

	if (res->pam_env != NULL) {
		for (char **e = res->pam_env; *e != NULL; e++)
			free(*e);
		free(res->pam_env);
		res->pam_env = NULL;
	}
	if (pam == NULL)
		return;
	pam_close_session(pam, 0);
	pam_setcred(pam, PAM_DELETE_CRED);
	pam_end(pam, PAM_SUCCESS);
	res->pam = NULL;
}
