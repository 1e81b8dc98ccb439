// SPDX-License-Identifier: MIT
/*
 * The password (RFC 4252 8) and keyboard-interactive (RFC 4256) methods.
 * A user the configuration defines is checked against its crypt(3) hash;
 * anyone else goes to PAM. Refused users (unknown, or root without
 * permission) go through the same work with an answer that cannot match,
 * so a failure looks and takes the same either way (CVE-2018-15473's class).
 */
#include <crypt.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "kssh/err.h"
#include "auth_internal.h"
#include "log.h"

#define INCORRECT "\b\n\r\177INCORRECT" /* cannot be a real password: it holds a newline */

static int user_may_use_password(const struct auth_ctx *a)
{
	return a->user_known && (a->res->user.uid != 0 || a->o->permit_root_password);
}

/* Both strings hashed the same way, compared in constant time. */
static int local_password_matches(const struct sshd_local_user *u, const char *password)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *h;
	int ok = 0;

	if (cd == NULL)
		return 0;
	h = crypt_r(password, u->hash, cd);
	if (h != NULL && h[0] != '*' && strlen(h) == strlen(u->hash))
		ok = CRYPTO_memcmp(h, u->hash, strlen(h)) == 0;
	OPENSSL_cleanse(cd, sizeof(*cd));
	free(cd);
	return ok;
}

static int check_password(struct auth_ctx *a, const char *password)
{
	int allowed = user_may_use_password(a);

	if (a->local != NULL)
		return local_password_matches(a->local, password) && allowed;
	a->kbdint = 0;
	a->password = allowed ? password : INCORRECT;
	return auth_pam_check(a) && allowed;
}

int auth_password(struct auth_ctx *a, struct kssh_buf *msg, enum auth_outcome *out)
{
	char *password = NULL, *newpass = NULL;
	size_t len = 0, newlen = 0;
	int change, r;

	*out = AUTH_FAILED;
	if ((r = kssh_buf_get_bool(msg, &change)) != 0 ||
	    (r = kssh_buf_get_cstring(msg, &password, &len)) != 0 ||
	    (change && (r = kssh_buf_get_cstring(msg, &newpass, &newlen)) != 0)) {
		r = kssh_transport_fail(a->c->t, r, "malformed password request");
		goto out;
	}
	/* password changes are not offered: the request fails like a wrong password */
	if (!change && check_password(a, password))
		*out = AUTH_OK;
out:
	if (password != NULL)
		OPENSSL_cleanse(password, len);
	if (newpass != NULL)
		OPENSSL_cleanse(newpass, newlen);
	free(password);
	free(newpass);
	a->password = NULL;
	return r;
}

int auth_kbdint(struct auth_ctx *a, struct kssh_buf *msg, enum auth_outcome *out)
{
	char *lang = NULL, *submethods = NULL, *answer = NULL;
	int r, ok;

	*out = AUTH_FAILED;
	if ((r = kssh_buf_get_cstring(msg, &lang, NULL)) != 0 ||
	    (r = kssh_buf_get_cstring(msg, &submethods, NULL)) != 0) {
		r = kssh_transport_fail(a->c->t, r, "malformed keyboard-interactive request");
		goto out;
	}
	if (a->local != NULL) {
		ok = auth_kbdint_ask(a, "Password: ", &answer) == 0 &&
		     local_password_matches(a->local, answer);
	} else {
		a->kbdint = 1;
		ok = auth_pam_check(a);
		a->kbdint = 0;
	}
	if (ok && user_may_use_password(a))
		*out = AUTH_OK;
out:
	if (answer != NULL) {
		OPENSSL_cleanse(answer, strlen(answer));
		free(answer);
	}
	free(lang);
	free(submethods);
	return r;
}
