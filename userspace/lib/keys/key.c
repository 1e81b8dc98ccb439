// SPDX-License-Identifier: MIT
/* Key types, generation and the public-key blob of RFC 4253 6.6 / RFC 5656 / RFC 8709. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/dsa.h>
#include <openssl/rsa.h>

#include "kssh/err.h"
#include "key_internal.h"

#define RSA_MIN_BITS 1024 /* OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE */

/* The public fields of ssh-rsa and ssh-dss blobs, in wire order (RFC 4253 6.6). */
static const char *const rsa_public[] = { OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_N, NULL };
static const char *const dsa_public[] = { OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_Q,
                                          OSSL_PKEY_PARAM_FFC_G, OSSL_PKEY_PARAM_PUB_KEY, NULL };

static const struct {
	enum kssh_key_type type;
	const char *name, *short_name;
} key_types[] = {
	{ KSSH_KEY_ED25519, "ssh-ed25519", "ed25519" },
	{ KSSH_KEY_ECDSA_P256, "ecdsa-sha2-nistp256", "ecdsa-nistp256" },
	{ KSSH_KEY_ECDSA_P384, "ecdsa-sha2-nistp384", "ecdsa-nistp384" },
	{ KSSH_KEY_ECDSA_P521, "ecdsa-sha2-nistp521", "ecdsa-nistp521" },
	{ KSSH_KEY_RSA, "ssh-rsa", "rsa" },
	{ KSSH_KEY_DSA, "ssh-dss", "dsa" },
};

static const struct kssh_sig_alg sig_algs[] = {
	{ "ssh-ed25519", KSSH_KEY_ED25519, NULL, 0 },
	{ "ecdsa-sha2-nistp256", KSSH_KEY_ECDSA_P256, "SHA256", 0 },
	{ "ecdsa-sha2-nistp384", KSSH_KEY_ECDSA_P384, "SHA384", 0 },
	{ "ecdsa-sha2-nistp521", KSSH_KEY_ECDSA_P521, "SHA512", 0 },
	{ "rsa-sha2-512", KSSH_KEY_RSA, "SHA512", 0 },
	{ "rsa-sha2-256", KSSH_KEY_RSA, "SHA256", 0 },
	{ "ssh-rsa", KSSH_KEY_RSA, "SHA1", 1 },
	{ "ssh-dss", KSSH_KEY_DSA, "SHA1", 1 },
};

const char *kssh_key_type_name(enum kssh_key_type t)
{
	for (size_t i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++)
		if (key_types[i].type == t)
			return key_types[i].name;
	return "unknown";
}

const char *kssh_key_type_short(enum kssh_key_type t)
{
	for (size_t i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++)
		if (key_types[i].type == t)
			return key_types[i].short_name;
	return "unknown";
}

enum kssh_key_type kssh_key_type_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++)
		if (strcmp(key_types[i].name, name) == 0)
			return key_types[i].type;
	return KSSH_KEY_UNSPEC;
}

const struct kssh_sig_alg *kssh_sig_alg_at(size_t i)
{
	return i < sizeof(sig_algs) / sizeof(sig_algs[0]) ? &sig_algs[i] : NULL;
}

const struct kssh_sig_alg *kssh_sig_alg_by_name(const char *name)
{
	const struct kssh_sig_alg *a;

	for (size_t i = 0; (a = kssh_sig_alg_at(i)) != NULL; i++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

const char *key_curve_ssh_name(enum kssh_key_type t)
{
	switch (t) {
	case KSSH_KEY_ECDSA_P256: return "nistp256";
	case KSSH_KEY_ECDSA_P384: return "nistp384";
	case KSSH_KEY_ECDSA_P521: return "nistp521";
	default: return NULL;
	}
}

const char *key_curve_ossl_name(enum kssh_key_type t)
{
	switch (t) {
	case KSSH_KEY_ECDSA_P256: return "prime256v1";
	case KSSH_KEY_ECDSA_P384: return "secp384r1";
	case KSSH_KEY_ECDSA_P521: return "secp521r1";
	default: return NULL;
	}
}

struct kssh_key *key_wrap(enum kssh_key_type type, EVP_PKEY *pkey, int has_private)
{
	struct kssh_key *k = calloc(1, sizeof(*k));

	if (k == NULL) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	k->type = type;
	k->pkey = pkey;
	k->has_private = has_private;
	return k;
}

void kssh_key_free(struct kssh_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

unsigned kssh_key_bits(const struct kssh_key *k)
{
	return (unsigned)EVP_PKEY_get_bits(k->pkey);
}

static EVP_PKEY *generate_dsa(void)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL), *kctx = NULL;
	EVP_PKEY *params = NULL, *key = NULL;

	/* SSH's ssh-dss is FIPS 186-2 DSA: 1024-bit p, 160-bit q, SHA-1 */
	if (pctx == NULL || EVP_PKEY_paramgen_init(pctx) != 1 ||
	    EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx, 1024) != 1 ||
	    EVP_PKEY_CTX_set_dsa_paramgen_q_bits(pctx, 160) != 1 ||
	    EVP_PKEY_paramgen(pctx, &params) != 1)
		goto out;
	if ((kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL)) == NULL ||
	    EVP_PKEY_keygen_init(kctx) != 1 || EVP_PKEY_keygen(kctx, &key) != 1)
		key = NULL;
out:
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_CTX_free(kctx);
	EVP_PKEY_free(params);
	return key;
}

int kssh_key_generate(enum kssh_key_type type, unsigned bits, struct kssh_key **out)
{
	EVP_PKEY *pkey = NULL;

	*out = NULL;
	switch (type) {
	case KSSH_KEY_ED25519:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case KSSH_KEY_ECDSA_P256:
	case KSSH_KEY_ECDSA_P384:
	case KSSH_KEY_ECDSA_P521:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", key_curve_ossl_name(type));
		break;
	case KSSH_KEY_RSA:
		if (bits == 0)
			bits = 3072;
		if (bits < RSA_MIN_BITS || bits > 16384)
			return KSSH_ERR_KEY_LENGTH;
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
		break;
	case KSSH_KEY_DSA:
		pkey = generate_dsa();
		break;
	default:
		return KSSH_ERR_KEY_TYPE_UNKNOWN;
	}
	if (pkey == NULL)
		return KSSH_ERR_LIBCRYPTO;
	if ((*out = key_wrap(type, pkey, 1)) == NULL)
		return KSSH_ERR_ALLOC;
	return 0;
}

int key_put_bn(struct kssh_buf *b, const BIGNUM *bn)
{
	uint8_t tmp[2048];
	int n = BN_num_bytes(bn), r;

	if (BN_is_negative(bn))
		return KSSH_ERR_BIGNUM_IS_NEGATIVE;
	if (n > (int)sizeof(tmp))
		return KSSH_ERR_BIGNUM_TOO_LARGE;
	BN_bn2bin(bn, tmp);
	r = kssh_buf_put_mpint_bytes(b, tmp, (size_t)n);
	OPENSSL_cleanse(tmp, (size_t)n);
	return r;
}

int key_get_bn(struct kssh_buf *b, BIGNUM **bn)
{
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = kssh_buf_get_mpint_view(b, &p, &n)) != 0)
		return r;
	if ((*bn = BN_bin2bn(p, (int)n, NULL)) == NULL)
		return KSSH_ERR_ALLOC;
	return 0;
}

int key_get_param_bn(const struct kssh_key *k, const char *name, BIGNUM **bn)
{
	*bn = NULL;
	return EVP_PKEY_get_bn_param(k->pkey, name, bn) == 1 ? 0 : KSSH_ERR_LIBCRYPTO;
}

int key_ec_public_point(const struct kssh_key *k, uint8_t *out, size_t max, size_t *len)
{
	if (EVP_PKEY_get_octet_string_param(k->pkey, OSSL_PKEY_PARAM_PUB_KEY, out, max, len) != 1)
		return KSSH_ERR_LIBCRYPTO;
	return 0;
}

static int put_bn_params(const struct kssh_key *k, struct kssh_buf *b,
                         const char *const *names)
{
	BIGNUM *bn;
	int r = 0;

	for (; *names != NULL && r == 0; names++) {
		if ((r = key_get_param_bn(k, *names, &bn)) != 0)
			break;
		r = key_put_bn(b, bn);
		BN_clear_free(bn);
	}
	return r;
}

int kssh_key_to_blob(const struct kssh_key *k, struct kssh_buf *out)
{
	uint8_t pub[160];
	size_t len;
	int r;

	if ((r = kssh_buf_put_cstring(out, kssh_key_type_name(k->type))) != 0)
		return r;
	switch (k->type) {
	case KSSH_KEY_ED25519:
		len = 32;
		if (EVP_PKEY_get_raw_public_key(k->pkey, pub, &len) != 1 || len != 32)
			return KSSH_ERR_LIBCRYPTO;
		return kssh_buf_put_string(out, pub, 32);
	case KSSH_KEY_ECDSA_P256:
	case KSSH_KEY_ECDSA_P384:
	case KSSH_KEY_ECDSA_P521:
		if ((r = key_ec_public_point(k, pub, sizeof(pub), &len)) != 0 ||
		    (r = kssh_buf_put_cstring(out, key_curve_ssh_name(k->type))) != 0)
			return r;
		return kssh_buf_put_string(out, pub, len);
	case KSSH_KEY_RSA:
		return put_bn_params(k, out, rsa_public);
	case KSSH_KEY_DSA:
		return put_bn_params(k, out, dsa_public);
	default:
		return KSSH_ERR_KEY_TYPE_UNKNOWN;
	}
}

int key_from_params(enum kssh_key_type type, const char *ossl_type, void *param_bld,
                    int selection, struct kssh_key **out)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(param_bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, ossl_type, NULL);
	EVP_PKEY *pkey = NULL;
	int r = KSSH_ERR_KEY_INVALID;

	if (params == NULL || ctx == NULL) {
		r = KSSH_ERR_ALLOC;
		goto out;
	}
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, selection, params) != 1)
		goto out;
	if ((*out = key_wrap(type, pkey, selection == EVP_PKEY_KEYPAIR)) == NULL) {
		r = KSSH_ERR_ALLOC;
		goto out;
	}
	r = 0;
out:
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/* Reads the public part of a blob whose type name has been read already. */
static int blob_public_params(struct kssh_buf *b, enum kssh_key_type type,
                              OSSL_PARAM_BLD *bld, BIGNUM **bns)
{
	const char *const *names = type == KSSH_KEY_RSA ? rsa_public : dsa_public;
	const uint8_t *curve, *point;
	size_t curve_len, point_len;
	int r;

	if (type == KSSH_KEY_RSA || type == KSSH_KEY_DSA) {
		for (int i = 0; names[i] != NULL; i++) {
			if ((r = key_get_bn(b, &bns[i])) != 0)
				return r;
			if (!OSSL_PARAM_BLD_push_BN(bld, names[i], bns[i]))
				return KSSH_ERR_ALLOC;
		}
		return 0;
	}
	/* ECDSA: RFC 5656 3.1, the curve named twice must agree */
	if ((r = kssh_buf_get_string_view(b, &curve, &curve_len)) != 0 ||
	    (r = kssh_buf_get_string_view(b, &point, &point_len)) != 0)
		return r;
	if (curve_len != strlen(key_curve_ssh_name(type)) ||
	    memcmp(curve, key_curve_ssh_name(type), curve_len) != 0)
		return KSSH_ERR_KEY_INVALID;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	                                     key_curve_ossl_name(type), 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, point_len))
		return KSSH_ERR_ALLOC;
	return 0;
}

static int check_public(struct kssh_key *k)
{
	EVP_PKEY_CTX *ctx;
	int ok;

	if (k->type == KSSH_KEY_RSA && kssh_key_bits(k) < RSA_MIN_BITS)
		return KSSH_ERR_KEY_LENGTH;
	if (k->type == KSSH_KEY_DSA && kssh_key_bits(k) != 1024)
		return KSSH_ERR_KEY_LENGTH;
	if (k->type == KSSH_KEY_ED25519 || k->type == KSSH_KEY_RSA || k->type == KSSH_KEY_DSA)
		return 0;
	/*
	 * ECDSA: the point must lie on the curve and not be infinity. The NIST
	 * curves have cofactor 1, so such a point is in the group of order n:
	 * the quick check says all the full one would (whose n*Q costs a scalar
	 * multiplication, milliseconds a key on P-521).
	 */
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL)
		return KSSH_ERR_ALLOC;
	ok = EVP_PKEY_public_check_quick(ctx);
	EVP_PKEY_CTX_free(ctx);
	return ok == 1 ? 0 : KSSH_ERR_KEY_INVALID;
}

static const char *ossl_type_name(enum kssh_key_type t)
{
	switch (t) {
	case KSSH_KEY_RSA: return "RSA";
	case KSSH_KEY_DSA: return "DSA";
	default: return "EC";
	}
}

/* The public fields of a key of a known type, read from b (which moves past them) */
int key_read_public(struct kssh_buf *b, enum kssh_key_type type, struct kssh_key **out)
{
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *bns[4] = { 0 };
	const uint8_t *pk;
	size_t pk_len;
	EVP_PKEY *pkey;
	int r;

	*out = NULL;
	if (type == KSSH_KEY_ED25519) {
		if ((r = kssh_buf_get_string_view(b, &pk, &pk_len)) != 0)
			return r;
		if (pk_len != 32)
			return KSSH_ERR_KEY_INVALID;
		if ((pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, 32)) == NULL)
			return KSSH_ERR_KEY_INVALID;
		if ((*out = key_wrap(type, pkey, 0)) == NULL)
			return KSSH_ERR_ALLOC;
	} else {
		if ((bld = OSSL_PARAM_BLD_new()) == NULL)
			return KSSH_ERR_ALLOC;
		if ((r = blob_public_params(b, type, bld, bns)) == 0)
			r = key_from_params(type, ossl_type_name(type), bld, EVP_PKEY_PUBLIC_KEY, out);
		OSSL_PARAM_BLD_free(bld);
		for (int i = 0; i < 4; i++)
			BN_free(bns[i]);
		if (r != 0)
			return r;
	}
	if ((r = check_public(*out)) != 0) {
		kssh_key_free(*out);
		*out = NULL;
	}
	return r;
}

int kssh_key_from_blob(const uint8_t *blob, size_t len, struct kssh_key **out)
{
	struct kssh_buf b;
	enum kssh_key_type type;
	const uint8_t *name;
	char tname[64];
	size_t name_len;
	int r;

	*out = NULL;
	kssh_buf_view(&b, blob, len);
	if ((r = kssh_buf_get_string_view(&b, &name, &name_len)) != 0)
		return r;
	if (name_len >= sizeof(tname))
		return KSSH_ERR_KEY_TYPE_UNKNOWN;
	memcpy(tname, name, name_len);
	tname[name_len] = 0;
	if ((type = kssh_key_type_from_name(tname)) == KSSH_KEY_UNSPEC)
		return KSSH_ERR_KEY_TYPE_UNKNOWN;
	if ((r = key_read_public(&b, type, out)) != 0)
		return r;
	if (kssh_buf_len(&b) != 0) {
		kssh_key_free(*out);
		*out = NULL;
		return KSSH_ERR_INVALID_FORMAT;
	}
	return 0;
}

int kssh_key_equal_public(const struct kssh_key *a, const struct kssh_key *b)
{
	return a->type == b->type && EVP_PKEY_eq(a->pkey, b->pkey) == 1;
}

int kssh_key_fingerprint(const struct kssh_key *k, char *out, size_t outlen)
{
	struct kssh_buf blob;
	uint8_t md[32];
	char *b64;
	size_t n;
	int r;

	kssh_buf_init(&blob, 0);
	if ((r = kssh_key_to_blob(k, &blob)) != 0)
		goto out;
	if (EVP_Digest(kssh_buf_ptr(&blob), kssh_buf_len(&blob), md, NULL, EVP_sha256(), NULL) != 1) {
		r = KSSH_ERR_LIBCRYPTO;
		goto out;
	}
	if ((b64 = kssh_base64_encode(md, sizeof(md))) == NULL) {
		r = KSSH_ERR_ALLOC;
		goto out;
	}
	n = strlen(b64);
	while (n > 0 && b64[n - 1] == '=') /* OpenSSH prints it unpadded */
		b64[--n] = 0;
	r = snprintf(out, outlen, "SHA256:%s", b64) < (int)outlen ? 0 : KSSH_ERR_NO_BUFFER_SPACE;
	free(b64);
out:
	kssh_buf_release(&blob);
	return r;
}

int kssh_key_public_copy(const struct kssh_key *k, struct kssh_key **out)
{
	struct kssh_buf blob;
	int r;

	kssh_buf_init(&blob, 0);
	r = kssh_key_to_blob(k, &blob);
	if (r == 0)
		r = kssh_key_from_blob(kssh_buf_ptr(&blob), kssh_buf_len(&blob), out);
	kssh_buf_release(&blob);
	return r;
}
