/* SPDX-License-Identifier: MIT */
/* Error codes shared by every part of kssh: 0 is success, negatives are errors. */
#ifndef KSSH_ERR_H
#define KSSH_ERR_H

enum kssh_err {
	KSSH_OK = 0,
	KSSH_ERR_ALLOC = -1,          /* out of memory */
	KSSH_ERR_MESSAGE_INCOMPLETE = -2, /* a field runs past the end of its message */
	KSSH_ERR_NO_BUFFER_SPACE = -3, /* a buffer would grow past its maximum */
	KSSH_ERR_INVALID_FORMAT = -4, /* bytes do not follow the wire format */
	KSSH_ERR_STRING_TOO_LARGE = -5,
	KSSH_ERR_BIGNUM_TOO_LARGE = -6,
	KSSH_ERR_BIGNUM_IS_NEGATIVE = -7,
	KSSH_ERR_INVALID_ARGUMENT = -8,
	KSSH_ERR_AGAIN = -9,          /* need more input before anything can happen */
	KSSH_ERR_LIBCRYPTO = -10,     /* OpenSSL reported an error */
	KSSH_ERR_MAC_INVALID = -11,   /* message authentication failed */
	KSSH_ERR_PACKET_LENGTH = -12, /* packet length out of range or misaligned */
	KSSH_ERR_PADDING = -13,       /* padding length out of range */
	KSSH_ERR_PROTOCOL = -14,      /* message not allowed in the current state */
	KSSH_ERR_NO_COMMON_KEX = -15,
	KSSH_ERR_NO_COMMON_HOSTKEY = -16,
	KSSH_ERR_NO_COMMON_CIPHER = -17,
	KSSH_ERR_NO_COMMON_MAC = -18,
	KSSH_ERR_NO_COMMON_COMPRESSION = -19,
	KSSH_ERR_SIGNATURE_INVALID = -20,
	KSSH_ERR_KEY_TYPE_UNKNOWN = -21,
	KSSH_ERR_KEY_INVALID = -22,
	KSSH_ERR_KEY_LENGTH = -23,    /* key too small (e.g. RSA under 1024 bits) */
	KSSH_ERR_HOST_KEY_UNKNOWN = -24,
	KSSH_ERR_HOST_KEY_CHANGED = -25,
	KSSH_ERR_HOST_KEY_REVOKED = -26,
	KSSH_ERR_VERSION_SSH1 = -27,  /* peer speaks SSH-1 only */
	KSSH_ERR_VERSION_INVALID = -28,
	KSSH_ERR_PEER_DISCONNECTED = -29, /* peer sent SSH_MSG_DISCONNECT */
	KSSH_ERR_CONN_CLOSED = -30,   /* peer closed the connection */
	KSSH_ERR_SYSTEM = -31,        /* a system call failed; see errno */
	KSSH_ERR_KEX_STRICT = -32,    /* strict kex (Terrapin fix) violated */
	KSSH_ERR_DH_INVALID = -33,    /* peer's DH/ECDH value is out of range */
	KSSH_ERR_FILE_FORMAT = -34,   /* a key or known_hosts file is malformed */
	KSSH_ERR_KEY_ENCRYPTED = -35, /* private key file needs a passphrase */
	KSSH_ERR_NOT_FOUND = -36,
	KSSH_ERR_TIMEOUT = -37,
	KSSH_ERR_ALGORITHM_DISABLED = -38,
	KSSH_ERR_KEY_PERMISSIONS = -39, /* private key file readable by others */
	KSSH_ERR_AUTH_CANCELLED = -40, /* nobody could answer a prompt */
	KSSH_ERR_SERVICE_REFUSED = -41, /* the server refused a subsystem or service */
	KSSH_ERR_UNAVAILABLE = -42,   /* the kernel lacks a facility (errno says why) */
	KSSH_ERR_LAST = -43
};

const char *kssh_strerror(int err);

#endif
