// SPDX-License-Identifier: MIT
/* The pre-authentication process's side of the monitor: one request, one answer. */
#include <string.h>
#include <openssl/crypto.h>

#include "kssh/err.h"
#include "monitor.h"

int sshd_monitor_fd = -1;

/* Sends body as type and waits for the answer of type want into out */
static int ask(uint8_t type, const struct kssh_buf *body, uint8_t want, struct kssh_buf *out)
{
	uint8_t got;
	int r;

	if (sshd_monitor_fd < 0)
		return KSSH_ERR_UNAVAILABLE;
	if ((r = mon_send(sshd_monitor_fd, type, body)) != 0 ||
	    (r = mon_recv(sshd_monitor_fd, &got, out, MON_MSG_MAX, 0)) != 0)
		return r;
	return got == want ? 0 : KSSH_ERR_PROTOCOL;
}

/* A one-byte answer (MON_USER, MON_RESULT): its value, or a negative error */
static int ask_u8(uint8_t type, struct kssh_buf *body, uint8_t want)
{
	struct kssh_buf out;
	uint8_t v = 0;
	int r;

	kssh_buf_init(&out, MON_MSG_MAX);
	r = ask(type, body, want, &out);
	if (r == 0)
		r = kssh_buf_get_u8(&out, &v);
	kssh_buf_release(&out);
	kssh_buf_release(body);
	return r ? r : v;
}

int mm_sign(void *arg, size_t key_index, const char *alg, const uint8_t *hash, size_t len, struct kssh_buf *sig)
{
	struct kssh_buf req, out;
	const uint8_t *p;
	size_t n;
	int r;

	(void)arg;
	kssh_buf_init(&req, MON_MSG_MAX);
	kssh_buf_init(&out, MON_MSG_MAX);
	if ((r = kssh_buf_put_u32(&req, (uint32_t)key_index)) == 0 && (r = kssh_buf_put_cstring(&req, alg)) == 0 &&
	    (r = kssh_buf_put_string(&req, hash, len)) == 0 && (r = ask(MON_SIGN, &req, MON_SIGN, &out)) == 0 &&
	    (r = kssh_buf_get_string_view(&out, &p, &n)) == 0)
		r = n == 0 ? KSSH_ERR_SIGNATURE_INVALID : kssh_buf_put(sig, p, n);
	kssh_buf_release(&req);
	kssh_buf_release(&out);
	return r;
}

int mm_user(const char *user)
{
	struct kssh_buf req;

	kssh_buf_init(&req, MON_MSG_MAX);
	if (kssh_buf_put_cstring(&req, user) != 0) {
		kssh_buf_release(&req);
		return KSSH_ERR_ALLOC;
	}
	return ask_u8(MON_USER, &req, MON_USER);
}

int mm_pubkey(const char *method, const char *alg, const uint8_t *blob, size_t blob_len,
              const struct kssh_buf *hostkey, const uint8_t *sig, size_t sig_len)
{
	struct kssh_buf req;

	kssh_buf_init(&req, MON_MSG_MAX);
	if (kssh_buf_put_cstring(&req, method) != 0 || kssh_buf_put_cstring(&req, alg) != 0 ||
	    kssh_buf_put_string(&req, blob, blob_len) != 0 ||
	    kssh_buf_put_string(&req, hostkey ? kssh_buf_ptr(hostkey) : NULL, hostkey ? kssh_buf_len(hostkey) : 0) != 0 ||
	    kssh_buf_put_string(&req, sig, sig_len) != 0) {
		kssh_buf_release(&req);
		return KSSH_ERR_STRING_TOO_LARGE;
	}
	return ask_u8(MON_PUBKEY, &req, MON_RESULT);
}

int mm_password(const char *password)
{
	struct kssh_buf req;

	kssh_buf_init(&req, MON_MSG_MAX);
	if (kssh_buf_put_cstring(&req, password) != 0) {
		kssh_buf_release(&req);
		return KSSH_ERR_STRING_TOO_LARGE;
	}
	return ask_u8(MON_PASSWORD, &req, MON_RESULT);
}

int mm_report(const char *field, const char *value)
{
	struct kssh_buf req;
	int r;

	if (sshd_monitor_fd < 0)
		return KSSH_ERR_UNAVAILABLE;
	kssh_buf_init(&req, MON_MSG_MAX);
	if ((r = kssh_buf_put_cstring(&req, field)) == 0 && (r = kssh_buf_put_cstring(&req, value)) == 0)
		r = mon_send(sshd_monitor_fd, MON_REPORT, &req);
	kssh_buf_release(&req);
	return r;
}

void mm_log(int priority, const char *line)
{
	struct kssh_buf req;

	if (sshd_monitor_fd < 0)
		return;
	kssh_buf_init(&req, MON_MSG_MAX);
	if (kssh_buf_put_u32(&req, (uint32_t)priority) == 0 && kssh_buf_put_cstring(&req, line) == 0)
		mon_send(sshd_monitor_fd, MON_LOG, &req);
	kssh_buf_release(&req);
}

int mm_authenticated(const char *method, const struct kssh_buf *state)
{
	struct kssh_buf req;
	int r;

	kssh_buf_init(&req, MON_STATE_MAX);
	if ((r = kssh_buf_put_cstring(&req, method)) == 0 && (r = kssh_buf_put_buf_string(&req, state)) == 0)
		r = mon_send(sshd_monitor_fd, MON_AUTHENTICATED, &req);
	kssh_buf_release(&req);
	return r;
}
