// SPDX-License-Identifier: MIT
/* ECDH on the NIST curves (RFC 5656 section 4) and X25519 (RFC 8731). */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "kssh/err.h"
#include "kex_internal.h"

#define X25519_LEN 32
#define POINT_MAX 133 /* uncompressed P-521 point */

int kex_ecdh_keygen(struct kex_state *k, struct kssh_buf *out)
{
	uint8_t point[POINT_MAX];
	size_t len;

	if ((k->ephemeral = EVP_PKEY_Q_keygen(NULL, NULL, "EC", k->method->group)) == NULL)
		return KSSH_ERR_LIBCRYPTO;
	if (EVP_PKEY_get_octet_string_param(k->ephemeral, OSSL_PKEY_PARAM_PUB_KEY, point,
	                                    sizeof(point), &len) != 1)
		return KSSH_ERR_LIBCRYPTO;
	return kssh_buf_put_string(out, point, len);
}

int kex_x25519_keygen(struct kex_state *k, struct kssh_buf *out)
{
	uint8_t pub[X25519_LEN];
	size_t len = sizeof(pub);

	if ((k->ephemeral = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")) == NULL ||
	    EVP_PKEY_get_raw_public_key(k->ephemeral, pub, &len) != 1 || len != X25519_LEN)
		return KSSH_ERR_LIBCRYPTO;
	return kssh_buf_put_string(out, pub, len);
}

/* A NIST point from the wire: OpenSSL checks it lies on the curve. */
static EVP_PKEY *ec_peer_key(const char *group, const uint8_t *point, size_t len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL), *check = NULL;
	EVP_PKEY *peer = NULL;

	if (bld == NULL || ctx == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, len) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &peer, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	if ((check = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL)) == NULL ||
	    EVP_PKEY_public_check(check) != 1) {
		EVP_PKEY_free(peer);
		peer = NULL;
	}
out:
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return peer;
}

static int derive_secret(struct kex_state *k, EVP_PKEY *peer, int reject_zero)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->ephemeral, NULL);
	uint8_t secret[66], zero = 0;
	size_t len = sizeof(secret);
	int r = KSSH_ERR_DH_INVALID;

	if (ctx == NULL)
		return KSSH_ERR_ALLOC;
	if (EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
	    EVP_PKEY_derive(ctx, secret, &len) != 1)
		goto out;
	/* RFC 8731 3: an all-zero X25519 result means a small-order peer key */
	for (size_t i = 0; i < len; i++)
		zero |= secret[i];
	if (reject_zero && zero == 0)
		goto out;
	/* RFC 8731 3.1 / RFC 5656 4: the secret bytes are K, big-endian, as an mpint */
	r = kssh_buf_put_mpint_bytes(&k->shared, secret, len);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	EVP_PKEY_CTX_free(ctx);
	return r;
}

static int read_peer_point(struct kex_state *k, struct kssh_buf *msg, const uint8_t **p,
                           size_t *len)
{
	struct kssh_buf *peer_enc = k->is_server ? &k->client_pub : &k->server_pub;
	int r;

	if ((r = kssh_buf_get_string_view(msg, p, len)) != 0)
		return r;
	return kssh_buf_put_string(peer_enc, *p, *len);
}

int kex_ecdh_derive(struct kex_state *k, struct kssh_buf *msg)
{
	const uint8_t *point;
	EVP_PKEY *peer;
	size_t len;
	int r;

	if ((r = read_peer_point(k, msg, &point, &len)) != 0)
		return r;
	if (len == 0 || len > POINT_MAX || point[0] != 0x04 ||
	    (peer = ec_peer_key(k->method->group, point, len)) == NULL)
		return KSSH_ERR_DH_INVALID;
	r = derive_secret(k, peer, 0);
	EVP_PKEY_free(peer);
	return r;
}

int kex_x25519_derive(struct kex_state *k, struct kssh_buf *msg)
{
	const uint8_t *point;
	EVP_PKEY *peer;
	size_t len;
	int r;

	if ((r = read_peer_point(k, msg, &point, &len)) != 0)
		return r;
	if (len != X25519_LEN ||
	    (peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, point, len)) == NULL)
		return KSSH_ERR_DH_INVALID;
	r = derive_secret(k, peer, 1);
	EVP_PKEY_free(peer);
	return r;
}
