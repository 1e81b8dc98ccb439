// SPDX-License-Identifier: MIT
/* Signatures: RFC 4253 6.6 (ssh-rsa, ssh-dss), RFC 8332 (rsa-sha2-*), RFC 5656 (ecdsa), RFC 8709 (ed25519). */
#include <string.h>
#include <openssl/dsa.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "kssh/err.h"
#include "key_internal.h"

#define DSA_SIG_HALF 20 /* ssh-dss: r and s, 160 bits each */

static int raw_sign(const struct kssh_key *k, const struct kssh_sig_alg *alg,
                    const uint8_t *data, size_t len, uint8_t *sig, size_t *siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (ctx == NULL)
		return KSSH_ERR_ALLOC;
	ok = EVP_DigestSignInit_ex(ctx, NULL, alg->digest, NULL, NULL, k->pkey, NULL) == 1 &&
	     EVP_DigestSign(ctx, sig, siglen, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : KSSH_ERR_LIBCRYPTO;
}

static int raw_verify(const struct kssh_key *k, const struct kssh_sig_alg *alg,
                      const uint8_t *data, size_t len, const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (ctx == NULL)
		return KSSH_ERR_ALLOC;
	ok = EVP_DigestVerifyInit_ex(ctx, NULL, alg->digest, NULL, NULL, k->pkey, NULL) == 1 &&
	     EVP_DigestVerify(ctx, sig, siglen, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : KSSH_ERR_SIGNATURE_INVALID;
}

/* ECDSA: OpenSSL speaks DER, SSH wants string(mpint r || mpint s) */
static int ecdsa_der_to_ssh(const uint8_t *der, size_t der_len, struct kssh_buf *out)
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	struct kssh_buf inner;
	int r;

	if (sig == NULL)
		return KSSH_ERR_LIBCRYPTO;
	kssh_buf_init(&inner, 1024);
	if ((r = key_put_bn(&inner, ECDSA_SIG_get0_r(sig))) == 0 &&
	    (r = key_put_bn(&inner, ECDSA_SIG_get0_s(sig))) == 0)
		r = kssh_buf_put_buf_string(out, &inner);
	ECDSA_SIG_free(sig);
	kssh_buf_release(&inner);
	return r;
}

static int ecdsa_ssh_to_der(const uint8_t *blob, size_t len, uint8_t **der, int *der_len)
{
	struct kssh_buf b;
	BIGNUM *r_bn = NULL, *s_bn = NULL;
	ECDSA_SIG *sig = NULL;
	int r;

	kssh_buf_view(&b, blob, len);
	if ((r = key_get_bn(&b, &r_bn)) != 0 || (r = key_get_bn(&b, &s_bn)) != 0)
		goto out;
	if (kssh_buf_len(&b) != 0) {
		r = KSSH_ERR_INVALID_FORMAT;
		goto out;
	}
	if ((sig = ECDSA_SIG_new()) == NULL || ECDSA_SIG_set0(sig, r_bn, s_bn) != 1) {
		r = KSSH_ERR_ALLOC;
		goto out;
	}
	r_bn = s_bn = NULL;
	*der = NULL;
	if ((*der_len = i2d_ECDSA_SIG(sig, der)) <= 0)
		r = KSSH_ERR_LIBCRYPTO;
out:
	BN_free(r_bn);
	BN_free(s_bn);
	ECDSA_SIG_free(sig);
	return r;
}

/* ssh-dss: a fixed 40 bytes, r and s each left-padded to 20 */
static int dsa_der_to_ssh(const uint8_t *der, size_t der_len, struct kssh_buf *out)
{
	const unsigned char *p = der;
	DSA_SIG *sig = d2i_DSA_SIG(NULL, &p, (long)der_len);
	const BIGNUM *r_bn, *s_bn;
	uint8_t raw[2 * DSA_SIG_HALF] = { 0 };
	int r = KSSH_ERR_LIBCRYPTO;

	if (sig == NULL)
		return r;
	DSA_SIG_get0(sig, &r_bn, &s_bn);
	if (BN_bn2binpad(r_bn, raw, DSA_SIG_HALF) == DSA_SIG_HALF &&
	    BN_bn2binpad(s_bn, raw + DSA_SIG_HALF, DSA_SIG_HALF) == DSA_SIG_HALF)
		r = kssh_buf_put_string(out, raw, sizeof(raw));
	DSA_SIG_free(sig);
	return r;
}

static int dsa_ssh_to_der(const uint8_t *raw, size_t len, uint8_t **der, int *der_len)
{
	DSA_SIG *sig;
	BIGNUM *r_bn, *s_bn;
	int r = 0;

	if (len != 2 * DSA_SIG_HALF)
		return KSSH_ERR_INVALID_FORMAT;
	r_bn = BN_bin2bn(raw, DSA_SIG_HALF, NULL);
	s_bn = BN_bin2bn(raw + DSA_SIG_HALF, DSA_SIG_HALF, NULL);
	if ((sig = DSA_SIG_new()) == NULL || r_bn == NULL || s_bn == NULL ||
	    DSA_SIG_set0(sig, r_bn, s_bn) != 1) {
		BN_free(r_bn);
		BN_free(s_bn);
		DSA_SIG_free(sig);
		return KSSH_ERR_ALLOC;
	}
	*der = NULL;
	if ((*der_len = i2d_DSA_SIG(sig, der)) <= 0)
		r = KSSH_ERR_LIBCRYPTO;
	DSA_SIG_free(sig);
	return r;
}

int kssh_key_sign(const struct kssh_key *k, const char *alg_name, const uint8_t *data,
                  size_t len, struct kssh_buf *out)
{
	const struct kssh_sig_alg *alg = kssh_sig_alg_by_name(alg_name);
	uint8_t sig[2048];
	size_t siglen = sizeof(sig);
	int r;

	if (alg == NULL || alg->key_type != k->type || !k->has_private)
		return KSSH_ERR_INVALID_ARGUMENT;
	if ((r = raw_sign(k, alg, data, len, sig, &siglen)) != 0)
		return r;
	if ((r = kssh_buf_put_cstring(out, alg->name)) != 0)
		return r;
	switch (k->type) {
	case KSSH_KEY_ECDSA_P256:
	case KSSH_KEY_ECDSA_P384:
	case KSSH_KEY_ECDSA_P521:
		return ecdsa_der_to_ssh(sig, siglen, out);
	case KSSH_KEY_DSA:
		return dsa_der_to_ssh(sig, siglen, out);
	default:
		return kssh_buf_put_string(out, sig, siglen);
	}
}

/* RFC 8332 3: a signature shorter than the modulus is left-padded, as OpenSSH does */
static int verify_rsa(const struct kssh_key *k, const struct kssh_sig_alg *alg,
                      const uint8_t *data, size_t len, const uint8_t *sig, size_t siglen)
{
	size_t modlen = (size_t)EVP_PKEY_get_size(k->pkey);
	uint8_t padded[2048];

	if (siglen > modlen || modlen > sizeof(padded))
		return KSSH_ERR_SIGNATURE_INVALID;
	memset(padded, 0, modlen - siglen);
	memcpy(padded + modlen - siglen, sig, siglen);
	return raw_verify(k, alg, data, len, padded, modlen);
}

int kssh_key_verify(const struct kssh_key *k, const char *alg_name, const uint8_t *sigblob,
                    size_t sigblob_len, const uint8_t *data, size_t len)
{
	const struct kssh_sig_alg *alg = kssh_sig_alg_by_name(alg_name);
	const uint8_t *name, *sig;
	size_t name_len, siglen;
	struct kssh_buf b;
	uint8_t *der = NULL;
	int der_len = 0, r;

	if (alg == NULL || alg->key_type != k->type)
		return KSSH_ERR_SIGNATURE_INVALID;
	kssh_buf_view(&b, sigblob, sigblob_len);
	if ((r = kssh_buf_get_string_view(&b, &name, &name_len)) != 0 ||
	    (r = kssh_buf_get_string_view(&b, &sig, &siglen)) != 0)
		return r;
	/* the signature must be made with the algorithm that was agreed */
	if (kssh_buf_len(&b) != 0 || name_len != strlen(alg->name) ||
	    memcmp(name, alg->name, name_len) != 0)
		return KSSH_ERR_SIGNATURE_INVALID;
	switch (k->type) {
	case KSSH_KEY_ECDSA_P256:
	case KSSH_KEY_ECDSA_P384:
	case KSSH_KEY_ECDSA_P521:
		if ((r = ecdsa_ssh_to_der(sig, siglen, &der, &der_len)) == 0)
			r = raw_verify(k, alg, data, len, der, (size_t)der_len);
		break;
	case KSSH_KEY_DSA:
		if ((r = dsa_ssh_to_der(sig, siglen, &der, &der_len)) == 0)
			r = raw_verify(k, alg, data, len, der, (size_t)der_len);
		break;
	case KSSH_KEY_RSA:
		r = verify_rsa(k, alg, data, len, sig, siglen);
		break;
	default:
		r = siglen == 64 ? raw_verify(k, alg, data, len, sig, siglen)
		                 : KSSH_ERR_SIGNATURE_INVALID;
	}
	OPENSSL_free(der);
	return r == 0 ? 0 : KSSH_ERR_SIGNATURE_INVALID;
}
