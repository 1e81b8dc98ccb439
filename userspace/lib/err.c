// SPDX-License-Identifier: MIT
#include "kssh/err.h"

static const char *const messages[] = {
	[0] = "success",
	[-KSSH_ERR_ALLOC] = "out of memory",
	[-KSSH_ERR_MESSAGE_INCOMPLETE] = "message incomplete",
	[-KSSH_ERR_NO_BUFFER_SPACE] = "no buffer space",
	[-KSSH_ERR_INVALID_FORMAT] = "invalid format",
	[-KSSH_ERR_STRING_TOO_LARGE] = "string too large",
	[-KSSH_ERR_BIGNUM_TOO_LARGE] = "bignum too large",
	[-KSSH_ERR_BIGNUM_IS_NEGATIVE] = "bignum is negative",
	[-KSSH_ERR_INVALID_ARGUMENT] = "invalid argument",
	[-KSSH_ERR_AGAIN] = "need more data",
	[-KSSH_ERR_LIBCRYPTO] = "error in libcrypto",
	[-KSSH_ERR_MAC_INVALID] = "message authentication code incorrect",
	[-KSSH_ERR_PACKET_LENGTH] = "packet length invalid",
	[-KSSH_ERR_PADDING] = "padding length invalid",
	[-KSSH_ERR_PROTOCOL] = "protocol error: unexpected message",
	[-KSSH_ERR_NO_COMMON_KEX] = "no matching key exchange method found",
	[-KSSH_ERR_NO_COMMON_HOSTKEY] = "no matching host key type found",
	[-KSSH_ERR_NO_COMMON_CIPHER] = "no matching cipher found",
	[-KSSH_ERR_NO_COMMON_MAC] = "no matching MAC found",
	[-KSSH_ERR_NO_COMMON_COMPRESSION] = "no matching compression method found",
	[-KSSH_ERR_SIGNATURE_INVALID] = "incorrect signature",
	[-KSSH_ERR_KEY_TYPE_UNKNOWN] = "unknown or unsupported key type",
	[-KSSH_ERR_KEY_INVALID] = "invalid key",
	[-KSSH_ERR_KEY_LENGTH] = "key length too small",
	[-KSSH_ERR_HOST_KEY_UNKNOWN] = "host key not known",
	[-KSSH_ERR_HOST_KEY_CHANGED] = "host key has changed",
	[-KSSH_ERR_HOST_KEY_REVOKED] = "host key is revoked",
	[-KSSH_ERR_VERSION_SSH1] = "peer speaks only SSH-1, which is not supported",
	[-KSSH_ERR_VERSION_INVALID] = "invalid protocol version line",
	[-KSSH_ERR_PEER_DISCONNECTED] = "disconnected by peer",
	[-KSSH_ERR_CONN_CLOSED] = "connection closed",
	[-KSSH_ERR_SYSTEM] = "system error",
	[-KSSH_ERR_KEX_STRICT] = "strict key exchange violated",
	[-KSSH_ERR_DH_INVALID] = "invalid key exchange value from peer",
	[-KSSH_ERR_FILE_FORMAT] = "invalid file format",
	[-KSSH_ERR_KEY_ENCRYPTED] = "key is encrypted",
	[-KSSH_ERR_NOT_FOUND] = "not found",
	[-KSSH_ERR_TIMEOUT] = "timed out",
	[-KSSH_ERR_ALGORITHM_DISABLED] = "algorithm disabled",
	[-KSSH_ERR_KEY_PERMISSIONS] = "private key file is accessible by others (chmod 600 it)",
	[-KSSH_ERR_SERVICE_REFUSED] = "the server refused the subsystem",
	[-KSSH_ERR_AUTH_CANCELLED] = "authentication cancelled: nobody could answer a prompt",
	[-KSSH_ERR_UNAVAILABLE] = "not available in this kernel",
};

const char *kssh_strerror(int err)
{
	if (err > 0 || err <= KSSH_ERR_LAST || messages[-err] == 0)
		return "unknown error";
	return messages[-err];
}
