// SPDX-License-Identifier: MIT
/*
 * The password (RFC 4252 8) and keyboard-interactive (RFC 4256) methods.
 * A user the configuration defines is checked against its crypt(3) hash;
 * anyone else goes to PAM. Refused users (unknown, or root without
 * permission) go through the same work with an answer that cannot match,
 * so a failure looks and takes the same either way (CVE-2018-15473's class).
 * The pre-authentication process parses the requests and relays prompts and
 * answers; the monitor checks (auth_password_check, auth_kbdint_check).
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "auth_internal.h"
#include "log.h"
#include "monitor.h"

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

/* The local method: a configured user's hash, or PAM */
int auth_local_password(struct auth_ctx *a, const char *password)
{
	int allowed = user_may_use_password(a);

	if (a->local != NULL)
		return local_password_matches(a->local, password) && allowed;
	a->kbdint = 0;
	a->password = allowed ? password : INCORRECT;
	return auth_pam_check(a) && allowed;
}

/* The monitor: 1 when the password is the user's and the user may log in with one */
int auth_password_check(struct auth_ctx *a, const char *password)
{
	return sshd_aaa_list(&a->o->aaa, SSHD_AAA_LOGIN) ? auth_aaa_password(a, password) : auth_local_password(a, password);
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
	if (!change && (r = mm_password(password)) >= 0) {
		*out = r == 1 ? AUTH_OK : AUTH_FAILED;
		r = 0;
	}
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

/* The local method over keyboard-interactive: a configured user's password, or PAM's prompts */
int auth_local_kbdint(struct auth_ctx *a)
{
	char *answer = NULL;
	int ok;

	if (a->local != NULL) {
		ok = auth_kbdint_ask(a, "Password: ", 0, &answer) == 0 && local_password_matches(a->local, answer);
	} else {
		a->kbdint = 1;
		ok = auth_pam_check(a);
		a->kbdint = 0;
	}
	if (answer != NULL) {
		OPENSSL_cleanse(answer, strlen(answer));
		free(answer);
	}
	return ok && user_may_use_password(a);
}

/* The monitor: one keyboard-interactive conversation */
int auth_kbdint_check(struct auth_ctx *a)
{
	return sshd_aaa_list(&a->o->aaa, SSHD_AAA_LOGIN) ? auth_aaa_kbdint(a) : auth_local_kbdint(a);
}

/* The monitor's MON_PROMPTS (info, n, n x (prompt, echo)) to the client as USERAUTH_INFO_REQUEST */
static int send_info_request(struct auth_ctx *a, struct kssh_buf *prompts, uint32_t *n)
{
	struct kssh_buf *b = kssh_transport_begin(a->c->t, SSH_MSG_USERAUTH_INFO_REQUEST);
	const uint8_t *info, *text;
	size_t info_len, text_len;
	uint8_t echo;
	int r;

	if (b == NULL)
		return KSSH_ERR_ALLOC;
	if ((r = kssh_buf_get_string_view(prompts, &info, &info_len)) != 0 || (r = kssh_buf_get_u32(prompts, n)) != 0)
		return r;
	if (*n > 32)
		return KSSH_ERR_INVALID_FORMAT;
	if ((r = kssh_buf_put_cstring(b, "")) != 0 || (r = kssh_buf_put_string(b, info, info_len)) != 0 ||
	    (r = kssh_buf_put_cstring(b, "")) != 0 || (r = kssh_buf_put_u32(b, *n)) != 0)
		return r;
	for (uint32_t i = 0; i < *n; i++)
		if ((r = kssh_buf_get_string_view(prompts, &text, &text_len)) != 0 ||
		    (r = kssh_buf_get_u8(prompts, &echo)) != 0 || (r = kssh_buf_put_string(b, text, text_len)) != 0 ||
		    (r = kssh_buf_put_u8(b, echo != 0)) != 0)
			return r;
	return kssh_transport_send(a->c->t);
}

/*
 * The client's INFO_RESPONSE to n prompts as MON_ANSWERS into answers; 1 when
 * it sent none: a new USERAUTH_REQUEST (RFC 4256 3.4: it cancels, and is kept
 * for later); or a negative error.
 */
static int read_info_response(struct auth_ctx *a, uint32_t n, struct kssh_buf *answers)
{
	struct kssh_buf payload;
	const uint8_t *s;
	uint32_t count;
	size_t len;
	uint8_t type;
	int r;

	if ((r = conn_next_message(a->c, &type, &payload)) != 0)
		return r;
	if (type == SSH_MSG_USERAUTH_REQUEST)
		return kssh_buf_put(&a->stashed, kssh_buf_ptr(&payload), kssh_buf_len(&payload)) ? KSSH_ERR_ALLOC : 1;
	if (type != SSH_MSG_USERAUTH_INFO_RESPONSE)
		return kssh_transport_fail(a->c->t, KSSH_ERR_PROTOCOL, "message %u during keyboard-interactive", type);
	kssh_buf_consume(&payload, 1);
	if ((r = kssh_buf_get_u32(&payload, &count)) != 0 || count != n)
		return kssh_transport_fail(a->c->t, KSSH_ERR_PROTOCOL, "INFO_RESPONSE with %u answers for %u prompts",
		                           count, n);
	if ((r = kssh_buf_put_u32(answers, n)) != 0)
		return r;
	for (uint32_t i = 0; i < n; i++)
		if ((r = kssh_buf_get_string_view(&payload, &s, &len)) != 0 || len > 1024 ||
		    (r = kssh_buf_put_string(answers, s, len)) != 0)
			return kssh_transport_fail(a->c->t, r ? r : KSSH_ERR_STRING_TOO_LARGE, "malformed INFO_RESPONSE");
	return 0;
}

/* The pre-authentication process: the monitor converses, the prompts and answers pass through here */
int auth_kbdint(struct auth_ctx *a, struct kssh_buf *msg, enum auth_outcome *out)
{
	char *lang = NULL, *submethods = NULL;
	struct kssh_buf in, answers;
	uint8_t type, ok;
	uint32_t n;
	int r;

	*out = AUTH_FAILED;
	kssh_buf_init(&in, MON_MSG_MAX);
	kssh_buf_init(&answers, MON_MSG_MAX);
	if ((r = kssh_buf_get_cstring(msg, &lang, NULL)) != 0 ||
	    (r = kssh_buf_get_cstring(msg, &submethods, NULL)) != 0) {
		r = kssh_transport_fail(a->c->t, r, "malformed keyboard-interactive request");
		goto out;
	}
	if ((r = mon_send(sshd_monitor_fd, MON_KBDINT, NULL)) != 0)
		goto out;
	for (;;) {
		if ((r = mon_recv(sshd_monitor_fd, &type, &in, MON_MSG_MAX, 0)) != 0)
			goto out;
		if (type == MON_RESULT) {
			if ((r = kssh_buf_get_u8(&in, &ok)) == 0 && ok == AUTH_OK)
				*out = AUTH_OK;
			goto out;
		}
		if (type != MON_PROMPTS) {
			r = KSSH_ERR_PROTOCOL;
			goto out;
		}
		kssh_buf_reset(&answers);
		if ((r = send_info_request(a, &in, &n)) != 0)
			goto out;
		r = read_info_response(a, n, &answers);
		if (r < 0) {
			a->fatal = r; /* the monitor hears a cancel; this process ends after its result */
			mon_send(sshd_monitor_fd, MON_CANCEL, NULL);
			continue;
		}
		if ((r = mon_send(sshd_monitor_fd, r == 1 ? MON_CANCEL : MON_ANSWERS, &answers)) != 0)
			goto out;
		OPENSSL_cleanse(kssh_buf_mutable_ptr(&answers), kssh_buf_len(&answers));
	}
out:
	kssh_buf_release(&in);
	kssh_buf_release(&answers);
	free(lang);
	free(submethods);
	return r;
}
