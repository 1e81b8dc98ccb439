// SPDX-License-Identifier: MIT
/*
 * PAM (service "kssh" by default), in the monitor: authentication with a
 * conversation that either answers with the password the client sent
 * (password method) or relays every prompt to the client as
 * SSH_MSG_USERAUTH_INFO_REQUEST (keyboard-interactive, RFC 4256) through the
 * pre-authentication process (a->relay), so any PAM stack works, second
 * factors too.
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
	if (a->relay == NULL)
		return PAM_CONV_ERR;
	r = a->relay(a, n, msg, resp);
	a->info[0] = 0;
	return r;
}

/* One prompt to the client over keyboard-interactive, without PAM (configured local users). */
int auth_kbdint_ask(struct auth_ctx *a, const char *prompt, int echo, char **answer)
{
	struct pam_message m = { .msg_style = echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF, .msg = prompt };
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
