/* SPDX-License-Identifier: MIT */
/*
 * The SSH transport layer (RFC 4253) for either role, with no I/O of its own:
 * append received bytes to kssh_transport_input(), call kssh_transport_poll()
 * until it says KSSH_ERR_AGAIN, and write out kssh_transport_output().
 * Key exchange, rekey, IGNORE/DEBUG/PING and strict kex are handled inside;
 * poll hands the caller only messages of the layers above.
 */
#ifndef KSSH_TRANSPORT_H
#define KSSH_TRANSPORT_H

#include <stdint.h>

#include "kssh/buf.h"
#include "kssh/cert.h"
#include "kssh/x509.h"
#include "kssh/cipher.h"
#include "kssh/key.h"
#include "kssh/version.h"

#define KSSH_SOFTWARE "kssh_" KSSH_VERSION

/* RFC 4253 11.1 disconnect reason codes */
enum kssh_disconnect_reason {
	KSSH_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT = 1,
	KSSH_DISCONNECT_PROTOCOL_ERROR = 2,
	KSSH_DISCONNECT_KEY_EXCHANGE_FAILED = 3,
	KSSH_DISCONNECT_MAC_ERROR = 5,
	KSSH_DISCONNECT_COMPRESSION_ERROR = 6,
	KSSH_DISCONNECT_SERVICE_NOT_AVAILABLE = 7,
	KSSH_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED = 8,
	KSSH_DISCONNECT_HOST_KEY_NOT_VERIFIABLE = 9,
	KSSH_DISCONNECT_CONNECTION_LOST = 10,
	KSSH_DISCONNECT_BY_APPLICATION = 11,
	KSSH_DISCONNECT_TOO_MANY_CONNECTIONS = 12,
	KSSH_DISCONNECT_AUTH_CANCELLED_BY_USER = 13,
	KSSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE = 14,
	KSSH_DISCONNECT_ILLEGAL_USER_NAME = 15,
};

/* crypto-offload: which backend takes each direction's keys at NEWKEYS and every rekey */
enum kssh_crypto_offload {
	KSSH_OFFLOAD_NONE = 0, /* OpenSSL */
	KSSH_OFFLOAD_AFALG,    /* the kernel's AF_ALG where it has the algorithm; else OpenSSL, logged once */
	KSSH_OFFLOAD_KERNEL,   /* kernel/'s record layer takes the connection once a channel is bound (conn_kernel) */
	KSSH_OFFLOAD_AUTO,     /* kernel where the module is loaded, else AF_ALG where the kernel has it, else OpenSSL */
};

/* "none", "af-alg", "af-alg-required", "kernel", "auto": 0, or -1 for anything else */
int kssh_crypto_offload_parse(const char *name, int *mode, int *required);

/* Which protocol layer the connection has reached; decides which messages are allowed. */
enum kssh_phase { KSSH_PHASE_TRANSPORT, KSSH_PHASE_USERAUTH, KSSH_PHASE_CONNECTION };

struct kssh_transport_config {
	int is_server;
	const char *kex_algs;     /* comma-separated; NULL for the defaults */
	const char *hostkey_algs;
	const char *ciphers;
	const char *macs;
	struct kssh_key *const *host_keys; /* server */
	size_t n_host_keys;
	/* server: host_certs[i] is host_keys[i]'s OpenSSH certificate blob (empty: none), offered
	 * under the certificate algorithms the list names; NULL: no certificates */
	const struct kssh_buf *host_certs;
	/* server: host_x509[i] is host_keys[i]'s X.509 chain as RFC 6187 encodes it after the algorithm
	 * name ("uint32 count, string DER..."; empty: none), offered under the x509v3 names the list
	 * holds; NULL: none */
	const struct kssh_buf *host_x509;
	/* server: more names for server-sig-algs (RFC 8308), e.g. the x509v3 ones it accepts; NULL: none */
	const char *extra_sig_algs;
	/* server: the exchange hash signed elsewhere with host_keys[i] (ksshd's monitor holds the
	 * private keys; host_keys are public); NULL: the key signs here */
	int (*sign)(void *arg, size_t key_index, const char *alg, const uint8_t *hash, size_t len,
	            struct kssh_buf *sig);
	void *sign_arg;
	/* client: decide on the server's host key at the first exchange; 0 accepts */
	int (*check_host_key)(void *arg, const struct kssh_key *key, const char *alg);
	/* client: the same for a host certificate (its CA signature verified already); NULL refuses them */
	int (*check_host_cert)(void *arg, const struct kssh_cert *cert, const char *alg);
	/* client: the same for an X.509 chain (RFC 6187; its signature verified already); NULL refuses them */
	int (*check_host_x509)(void *arg, const struct kssh_x509 *chain, const char *alg);
	void *check_arg;
	uint64_t rekey_bytes;     /* 0: the spec's 1024 MB */
	uint32_t rekey_seconds;   /* 0: the spec's 60 minutes */
	enum kssh_crypto_offload offload;
	int offload_required;     /* refuse the key exchange rather than fall back to OpenSSL */
	void (*log)(void *arg, int priority, const char *msg); /* syslog priorities */
	void *log_arg;
};

struct kssh_transport_info {
	const char *peer_version;
	const char *kex, *hostkey;
	const char *cipher_in, *cipher_out, *mac_in, *mac_out;
	const char *backend_in, *backend_out; /* "openssl", "af-alg" */
	int strict_kex;
	uint32_t kex_count;       /* completed exchanges, the first included */
	uint64_t bytes_in, bytes_out, packets_in, packets_out;
};

struct kssh_transport;

struct kssh_transport *kssh_transport_new(const struct kssh_transport_config *cfg);
void kssh_transport_free(struct kssh_transport *t);

struct kssh_buf *kssh_transport_input(struct kssh_transport *t);
struct kssh_buf *kssh_transport_output(struct kssh_transport *t);

/*
 * Processes input. Returns 0 with a message for the layers above (type and a
 * view of the payload, type byte included, valid until the next call),
 * KSSH_ERR_AGAIN when it needs more input, or an error: then a DISCONNECT with
 * the matching reason is already in the output; flush it and close.
 */
int kssh_transport_poll(struct kssh_transport *t, uint8_t *type, struct kssh_buf *payload);

/* Compose and send a message; held back during a key exchange and sent after it. */
struct kssh_buf *kssh_transport_begin(struct kssh_transport *t, uint8_t type);
int kssh_transport_send(struct kssh_transport *t);
/* As kssh_transport_send, the payload ending with tail_len bytes at tail (encrypted from there) */
int kssh_transport_send_tail(struct kssh_transport *t, const uint8_t *tail, size_t tail_len);

int kssh_transport_rekey(struct kssh_transport *t);
int kssh_transport_tick(struct kssh_transport *t); /* time-based rekey */
int kssh_transport_ready(const struct kssh_transport *t); /* first exchange done */
int kssh_transport_in_kex(const struct kssh_transport *t);
void kssh_transport_disconnect(struct kssh_transport *t, uint32_t reason, const char *msg);
/* The layers above found a protocol violation: records it, queues the DISCONNECT. */
int kssh_transport_fail(struct kssh_transport *t, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum kssh_phase kssh_transport_phase(const struct kssh_transport *t);
const char *kssh_transport_error(const struct kssh_transport *t);
uint32_t kssh_transport_peer_disconnect_reason(const struct kssh_transport *t);
void kssh_transport_get_info(const struct kssh_transport *t, struct kssh_transport_info *info);
const uint8_t *kssh_transport_session_id(const struct kssh_transport *t, uint32_t *len);
/* The host key of the first exchange: ours as a server, the peer's as a client. */
const struct kssh_key *kssh_transport_host_key(const struct kssh_transport *t);
const char *kssh_transport_server_sig_algs(const struct kssh_transport *t);
uint32_t kssh_disconnect_reason_for(int err);

/*
 * Kernel mode (kernel/, conn_kernel.c): the packet layer whose records conn_io
 * moves; sending len bytes of a file as the bound channel's data (sendfile):
 * KSSH_ERR_AGAIN while a key exchange holds channel data back.
 */
struct kssh_packet *kssh_transport_packet(struct kssh_transport *t);
int kssh_transport_send_file(struct kssh_transport *t, int fd, uint64_t offset, uint32_t len);
int kssh_transport_kernel(const struct kssh_transport *t);
/*
 * Moving an established connection to another process (ksshd's monitor takes
 * it from the sandboxed pre-authentication process): the state, once no key
 * exchange runs, the output is out and no packet is half read (else
 * KSSH_ERR_AGAIN); it holds the session keys: wipe it after use. Import
 * builds a transport from it under cfg (the same role; a server's host keys
 * must include the one that signed), checking every field.
 */
int kssh_transport_export(const struct kssh_transport *t, struct kssh_buf *out);
struct kssh_transport *kssh_transport_import(const struct kssh_transport_config *cfg, const uint8_t *state,
                                             size_t len, int *err);

/* strict kex (CVE-2023-48795) was agreed: sequence numbers restart at each NEWKEYS */
int kssh_transport_strict(const struct kssh_transport *t);


#endif
