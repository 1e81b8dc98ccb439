// SPDX-License-Identifier: MIT
/*
 * Post-quantum hybrid key exchange, as OpenSSH defines it
 * (draft-ietf-sshm-mlkem-hybrid-kex; PROTOCOL's sntrup761x25519-sha512):
 * the client sends string(KEM public key || X25519 public key), the server
 * answers string(KEM ciphertext || X25519 public key), and
 * K = string(HASH(KEM shared secret || X25519 shared secret)).
 * The messages are SSH_MSG_KEX_ECDH_INIT and SSH_MSG_KEX_ECDH_REPLY.
 */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "kssh/err.h"
#include "kex_internal.h"
#include "kex_pq.h"

#define X25519_LEN 32

struct kem {
	size_t pk_len, sk_len, ct_len, ss_len;
	int (*keygen)(uint8_t *pk, uint8_t *sk);
	int (*encaps)(uint8_t *ct, uint8_t *ss, const uint8_t *pk);
	int (*decaps)(uint8_t *ss, const uint8_t *ct, const uint8_t *sk);
};

static int sntrup_keygen(uint8_t *pk, uint8_t *sk) { return sntrup761_keygen(pk, sk, NULL, NULL); }
static int sntrup_encaps(uint8_t *ct, uint8_t *ss, const uint8_t *pk)
{
	return sntrup761_encaps(ct, ss, pk, NULL, NULL);
}

static const struct kem kems[] = {
	[KEX_KEM_MLKEM768] = { MLKEM768_EK_LEN, MLKEM768_DK_LEN, MLKEM768_CT_LEN, MLKEM768_SS_LEN,
	                       mlkem768_keygen, mlkem768_encaps, mlkem768_decaps },
	[KEX_KEM_SNTRUP761] = { SNTRUP761_PK_LEN, SNTRUP761_SK_LEN, SNTRUP761_CT_LEN,
	                        SNTRUP761_SS_LEN, sntrup_keygen, sntrup_encaps, sntrup761_decaps },
};

#define KEM_MAX_PK MLKEM768_EK_LEN /* the larger public key and ciphertext */
#define KEM_MAX_CT MLKEM768_CT_LEN

/* The X25519 half: our key pair, and the raw shared secret with a peer key. */
static int x25519_keygen(struct kex_state *k, uint8_t pub[X25519_LEN])
{
	size_t len = X25519_LEN;

	if ((k->ephemeral = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")) == NULL ||
	    EVP_PKEY_get_raw_public_key(k->ephemeral, pub, &len) != 1 || len != X25519_LEN)
		return KSSH_ERR_LIBCRYPTO;
	return 0;
}

static int x25519_shared(struct kex_state *k, const uint8_t peer_pub[X25519_LEN],
                         uint8_t out[X25519_LEN])
{
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer_pub, X25519_LEN);
	EVP_PKEY_CTX *ctx = NULL;
	size_t len = X25519_LEN;
	uint8_t zero = 0;
	int r = KSSH_ERR_DH_INVALID;

	if (peer == NULL || (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->ephemeral, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
	    EVP_PKEY_derive(ctx, out, &len) != 1 || len != X25519_LEN)
		goto out;
	/* RFC 8731 3: an all-zero result means a small-order peer key */
	for (size_t i = 0; i < X25519_LEN; i++)
		zero |= out[i];
	r = zero == 0 ? KSSH_ERR_DH_INVALID : 0;
	if (r != 0)
		snprintf(k->error, sizeof(k->error), "%s: small-order X25519 key", k->method->name);
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return r;
}

/* K = string(HASH(kem_ss || ecdh_ss)), both secrets wiped here */
static int put_shared(struct kex_state *k, uint8_t *kem_ss, size_t kem_len,
                      uint8_t ecdh_ss[X25519_LEN])
{
	uint8_t both[64 + X25519_LEN], digest[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	int r = KSSH_ERR_LIBCRYPTO;

	memcpy(both, kem_ss, kem_len);
	memcpy(both + kem_len, ecdh_ss, X25519_LEN);
	if (EVP_Digest(both, kem_len + X25519_LEN, digest, &dlen,
	               EVP_get_digestbyname(k->method->digest), NULL) == 1)
		r = kssh_buf_put_string(&k->shared, digest, dlen);
	OPENSSL_cleanse(both, sizeof(both));
	OPENSSL_cleanse(digest, sizeof(digest));
	OPENSSL_cleanse(kem_ss, kem_len);
	OPENSSL_cleanse(ecdh_ss, X25519_LEN);
	return r;
}

int kex_hybrid_client_init(struct kex_state *k, struct kssh_buf *out)
{
	const struct kem *kem = &kems[k->method->kem];
	uint8_t blob[KEM_MAX_PK + X25519_LEN];
	int r;

	if ((k->kem_sk = OPENSSL_secure_malloc(kem->sk_len)) == NULL)
		return KSSH_ERR_ALLOC;
	k->kem_sk_len = kem->sk_len;
	if ((r = kem->keygen(blob, k->kem_sk)) != 0 ||
	    (r = x25519_keygen(k, blob + kem->pk_len)) != 0)
		return r;
	return kssh_buf_put_string(out, blob, kem->pk_len + X25519_LEN);
}

int kex_hybrid_server_reply(struct kex_state *k, struct kssh_buf *msg, struct kssh_buf *out)
{
	const struct kem *kem = &kems[k->method->kem];
	uint8_t reply[KEM_MAX_CT + X25519_LEN], kem_ss[64], ecdh_ss[X25519_LEN];
	const uint8_t *blob;
	size_t len;
	int r;

	if ((r = kssh_buf_get_string_view(msg, &blob, &len)) != 0 ||
	    (r = kssh_buf_put_string(&k->client_pub, blob, len)) != 0)
		return r;
	if (len != kem->pk_len + X25519_LEN) {
		snprintf(k->error, sizeof(k->error), "%s: client value is %zu bytes, not %zu",
		         k->method->name, len, kem->pk_len + X25519_LEN);
		return KSSH_ERR_DH_INVALID;
	}
	if ((r = kem->encaps(reply, kem_ss, blob)) != 0) {
		if (r == KSSH_ERR_DH_INVALID)
			snprintf(k->error, sizeof(k->error),
			         "%s: the ML-KEM encapsulation key fails the modulus check", k->method->name);
		return r;
	}
	if ((r = x25519_keygen(k, reply + kem->ct_len)) != 0 ||
	    (r = x25519_shared(k, blob + kem->pk_len, ecdh_ss)) != 0) {
		OPENSSL_cleanse(kem_ss, sizeof(kem_ss));
		return r;
	}
	if ((r = put_shared(k, kem_ss, kem->ss_len, ecdh_ss)) != 0 ||
	    (r = kssh_buf_put_string(&k->server_pub, reply, kem->ct_len + X25519_LEN)) != 0)
		return r;
	return kssh_buf_put_string(out, reply, kem->ct_len + X25519_LEN);
}

int kex_hybrid_client_finish(struct kex_state *k, struct kssh_buf *msg)
{
	const struct kem *kem = &kems[k->method->kem];
	uint8_t kem_ss[64], ecdh_ss[X25519_LEN];
	const uint8_t *blob;
	size_t len;
	int r;

	if ((r = kssh_buf_get_string_view(msg, &blob, &len)) != 0 ||
	    (r = kssh_buf_put_string(&k->server_pub, blob, len)) != 0)
		return r;
	if (len != kem->ct_len + X25519_LEN || k->kem_sk == NULL) {
		snprintf(k->error, sizeof(k->error), "%s: server value is %zu bytes, not %zu",
		         k->method->name, len, kem->ct_len + X25519_LEN);
		return KSSH_ERR_DH_INVALID;
	}
	if ((r = kem->decaps(kem_ss, blob, k->kem_sk)) != 0)
		return r;
	if ((r = x25519_shared(k, blob + kem->ct_len, ecdh_ss)) != 0) {
		OPENSSL_cleanse(kem_ss, sizeof(kem_ss));
		return r;
	}
	return put_shared(k, kem_ss, kem->ss_len, ecdh_ss);
}
