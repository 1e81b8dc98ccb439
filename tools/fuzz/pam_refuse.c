// SPDX-License-Identifier: MIT
/*
 * PAM for the fuzz harnesses that run ksshd's monitor: a stack that asks
 * one password prompt through the conversation (so the keyboard-interactive
 * relay is exercised) and then refuses, at once (PAM's own code is not the
 * target, and its failure delay would stall the run). Linked instead of
 * libpam.
 */
#include <security/pam_appl.h>
#include <stdlib.h>
#include <string.h>

static struct pam_conv current;

int pam_start(const char *service, const char *user, const struct pam_conv *conv, pam_handle_t **pamh)
{
	(void)service, (void)user;
	current = *conv;
	*pamh = (pam_handle_t *)&current;
	return PAM_SUCCESS;
}

int pam_end(pam_handle_t *pamh, int status)
{
	(void)pamh, (void)status;
	return PAM_SUCCESS;
}

int pam_set_item(pam_handle_t *pamh, int type, const void *item)
{
	(void)pamh;
	if (type == PAM_CONV && item != NULL)
		current = *(const struct pam_conv *)item;
	return PAM_SUCCESS;
}

int pam_authenticate(pam_handle_t *pamh, int flags)
{
	struct pam_message m = { .msg_style = PAM_PROMPT_ECHO_OFF, .msg = "Password: " };
	const struct pam_message *msg = &m;
	struct pam_response *resp = NULL;

	(void)pamh, (void)flags;
	if (current.conv(1, &msg, &resp, current.appdata_ptr) == PAM_SUCCESS && resp != NULL) {
		if (resp[0].resp != NULL) {
			memset(resp[0].resp, 0, strlen(resp[0].resp));
			free(resp[0].resp);
		}
		free(resp);
	}
	return PAM_AUTH_ERR;
}

int pam_acct_mgmt(pam_handle_t *pamh, int flags)
{
	(void)pamh, (void)flags;
	return PAM_AUTH_ERR;
}

const char *pam_strerror(pam_handle_t *pamh, int errnum)
{
	(void)pamh, (void)errnum;
	return "refused";
}

int pam_setcred(pam_handle_t *pamh, int flags)
{
	(void)pamh, (void)flags;
	return PAM_SUCCESS;
}

int pam_open_session(pam_handle_t *pamh, int flags)
{
	(void)pamh, (void)flags;
	return PAM_SUCCESS;
}

int pam_close_session(pam_handle_t *pamh, int flags)
{
	(void)pamh, (void)flags;
	return PAM_SUCCESS;
}

char **pam_getenvlist(pam_handle_t *pamh)
{
	(void)pamh;
	return NULL;
}
