// SPDX-License-Identifier: MIT
/* The publickey method's signed data (RFC 4252 7), the same bytes for signer and verifier. */
#include "kssh/auth.h"
#include "kssh/err.h"
#include "kssh/msg.h"

int kssh_auth_pubkey_signed_data(const uint8_t *session_id, size_t session_id_len,
                                 const char *user, const char *service, const char *method,
                                 const char *alg, const uint8_t *blob, size_t blob_len,
                                 const struct kssh_buf *hostkey, struct kssh_buf *out)
{
	int r;

	if ((r = kssh_buf_put_string(out, session_id, session_id_len)) != 0 ||
	    (r = kssh_buf_put_u8(out, SSH_MSG_USERAUTH_REQUEST)) != 0 ||
	    (r = kssh_buf_put_cstring(out, user)) != 0 ||
	    (r = kssh_buf_put_cstring(out, service)) != 0 ||
	    (r = kssh_buf_put_cstring(out, method)) != 0 ||
	    (r = kssh_buf_put_u8(out, 1)) != 0 ||
	    (r = kssh_buf_put_cstring(out, alg)) != 0 ||
	    (r = kssh_buf_put_string(out, blob, blob_len)) != 0 ||
	    (hostkey != NULL && (r = kssh_buf_put_buf_string(out, hostkey)) != 0))
		return r;
	return 0;
}
