/* SPDX-License-Identifier: MIT */
/* Key exchange internals shared by userspace/lib/kex and the transport. */
#ifndef KSSH_KEX_INTERNAL_H
#define KSSH_KEX_INTERNAL_H

#include <stdint.h>
#include <openssl/bn.h>
#include <openssl/evp.h>

#include "kssh/buf.h"
#include "kssh/cipher.h"
#include "kssh/kex.h"
#include "kssh/key.h"
#include "kssh/msg.h"

#define KEX_STRICT_CLIENT "kex-strict-c-v00@openssh.com"
#define KEX_STRICT_SERVER "kex-strict-s-v00@openssh.com"
#define KEX_EXT_INFO_CLIENT "ext-info-c"

enum kex_family {
	KEX_FAMILY_X25519,
	KEX_FAMILY_ECDH,
	KEX_FAMILY_DH,
	KEX_FAMILY_DHGEX,
	KEX_FAMILY_HYBRID, /* a post-quantum KEM with X25519 */
};

enum kex_kem { KEX_KEM_NONE, KEX_KEM_MLKEM768, KEX_KEM_SNTRUP761 };

struct kex_method {
	const char *name;
	enum kex_family family;
	const char *digest;
	const char *group;  /* ECDH: OpenSSL group; DH: RFC 2409/3526 group */
	unsigned enable;    /* KSSH_ENABLE_* flag when insecure, else 0 */
	enum kex_kem kem;   /* HYBRID: the KEM beside X25519 */
};

const struct kex_method *kex_method_by_name(const char *name);

struct kex_proposal {
	char *lists[KEX_PROPOSAL_MAX];
	int first_kex_follows;
};

int kex_proposal_parse(struct kssh_buf *payload, struct kex_proposal *p);
int kex_proposal_put(struct kssh_buf *b, const struct kex_proposal *p);
void kex_proposal_free(struct kex_proposal *p);

struct kex_choice {
	const struct kex_method *method;
	const struct kssh_sig_alg *hostkey;      /* the signature algorithm the host key signs with */
	const char *hostkey_cert;               /* an OpenSSH certificate algorithm was agreed: its name */
	const char *hostkey_x509;               /* an X.509v3 one (RFC 6187): its name */
	const struct kssh_cipher_alg *cipher[2]; /* [0] client to server, [1] server to client */
	const struct kssh_mac_alg *mac[2];
};

int kex_choose(const struct kex_proposal *client, const struct kex_proposal *server,
               struct kex_choice *c, char *err, size_t errlen);
/* RFC 4253 7.1: the peer guessed right if the first kex and host key algorithms agree */
int kex_guess_was_right(const struct kex_proposal *client, const struct kex_proposal *server);

struct kex_state {
	const struct kex_method *method;
	int is_server;
	/* DH and DH-GEX */
	BIGNUM *p, *g, *x;
	uint32_t gex_min, gex_n, gex_max;
	/* X25519 and ECDH, and the X25519 half of a hybrid */
	EVP_PKEY *ephemeral;
	/* HYBRID: the client's KEM secret key until the reply comes */
	uint8_t *kem_sk;
	size_t kem_sk_len;
	/* what exactly was wrong with the peer's value, for the log ("" if nothing said) */
	char error[160];
	/* wire encodings, exactly as they enter the exchange hash */
	struct kssh_buf client_pub, server_pub, shared;
};

void kex_state_init(struct kex_state *k, const struct kex_method *m, int is_server);
void kex_state_clear(struct kex_state *k);

/* Makes our ephemeral key and appends its wire encoding to out. */
int kex_keygen(struct kex_state *k, struct kssh_buf *out);
/* Reads the peer's value from msg, checks it, derives K (k->shared). */
int kex_derive(struct kex_state *k, struct kssh_buf *msg);
/*
 * The server's half of a one-round exchange: reads the client's value from
 * msg and appends its own to out (a KEM's ciphertext depends on the
 * client's key, so the order differs by family), deriving K.
 */
int kex_server_respond(struct kex_state *k, struct kssh_buf *msg, struct kssh_buf *out);

/* DH groups: fixed ones and the group-exchange selection. */
int kex_dh_fixed_group(struct kex_state *k);
int kex_dhgex_choose_group(struct kex_state *k);
int kex_dhgex_check_group(struct kex_state *k);
int kex_dh_keygen(struct kex_state *k, struct kssh_buf *out);
int kex_dh_derive(struct kex_state *k, struct kssh_buf *msg);
int kex_ecdh_keygen(struct kex_state *k, struct kssh_buf *out);
int kex_ecdh_derive(struct kex_state *k, struct kssh_buf *msg);
int kex_x25519_keygen(struct kex_state *k, struct kssh_buf *out);
int kex_x25519_derive(struct kex_state *k, struct kssh_buf *msg);
int kex_hybrid_client_init(struct kex_state *k, struct kssh_buf *out);
int kex_hybrid_server_reply(struct kex_state *k, struct kssh_buf *msg, struct kssh_buf *out);
int kex_hybrid_client_finish(struct kex_state *k, struct kssh_buf *msg);

/* RFC 4253 8: H = HASH(V_C || V_S || I_C || I_S || K_S || method fields || K) */
int kex_exchange_hash(const struct kex_state *k, const char *v_c, const char *v_s,
                      const struct kssh_buf *i_c, const struct kssh_buf *i_s,
                      const uint8_t *k_s, size_t k_s_len, uint8_t *hash, uint32_t *hash_len);
/* RFC 4253 7.2: key = HASH(K || H || letter || session_id), extended as needed */
int kex_derive_key(const struct kex_method *m, const struct kssh_buf *shared,
                   const uint8_t *hash, uint32_t hash_len, char letter,
                   const uint8_t *session_id, uint32_t session_id_len,
                   uint8_t *out, size_t need);

#endif
