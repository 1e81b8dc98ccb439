// SPDX-License-Identifier: MIT
/*
 * A second factor for the tests: asks "Verification code: " (echo on) and
 * accepts the code given as the module argument code=N. Loaded by absolute
 * path from a PAM stack a test writes, after pam_unix.
 */
#define PAM_SM_AUTH
#include <stdlib.h>
#include <string.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *code = NULL;
	char *answer = NULL;
	int ok;

	(void)flags;
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "code=", 5) == 0)
			code = argv[i] + 5;
	if (code == NULL)
		return PAM_AUTH_ERR;
	if (pam_prompt(pamh, PAM_PROMPT_ECHO_ON, &answer, "Verification code: ") != PAM_SUCCESS ||
	    answer == NULL)
		return PAM_AUTH_ERR;
	ok = strcmp(answer, code) == 0;
	free(answer);
	return ok ? PAM_SUCCESS : PAM_AUTH_ERR;
}

int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
