// SPDX-License-Identifier: MIT
/*
 * RFC 6187: X.509v3 certificates as SSH public keys. The key blob is
 *
 *   string "x509v3-...", uint32 certificate-count, string certificate[count] (DER,
 *   the signer's own first), uint32 ocsp-response-count, string ocsp-response[...]
 *
 * and a signature is the plain key's, under the name the algorithm gives:
 * ssh-rsa (SHA-1) for x509v3-ssh-rsa, rsa2048-sha256 (PKCS#1 v1.5 SHA-256, a
 * key of 2048 bits or more) for x509v3-rsa2048-sha256, ecdsa-sha2-* for the
 * ECDSA ones, ssh-dss (1024-bit DSA, SHA-1) for x509v3-ssh-dss. OCSP responses are read past, never used (the spec: CRLs only).
 */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kssh/err.h"
#include "kssh/kex.h"
#include "kssh/x509.h"
#include "key_internal.h"

#define BLOB_CERTS_MAX 16
#define OCSP_MAX 16
#define UPN_OID "1.3.6.1.4.1.311.20.2.3"

/* key_sig: the SSH algorithm the key signs with (rsa2048-sha256 is rsa-sha2-256 renamed); in order of preference */
static const struct {
	const char *alg, *sig_name, *key_sig;
	enum kssh_key_type type;
	int sha1;
} x509_algs[] = {
	{ "x509v3-ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", KSSH_KEY_ECDSA_P256, 0 },
	{ "x509v3-ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384", KSSH_KEY_ECDSA_P384, 0 },
	{ "x509v3-ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521", KSSH_KEY_ECDSA_P521, 0 },
	{ "x509v3-rsa2048-sha256", "rsa2048-sha256", "rsa-sha2-256", KSSH_KEY_RSA, 0 },
	{ "x509v3-ssh-rsa", "ssh-rsa", "ssh-rsa", KSSH_KEY_RSA, 1 },
	{ "x509v3-ssh-dss", "ssh-dss", "ssh-dss", KSSH_KEY_DSA, 1 },
};
#define N_ALGS (sizeof(x509_algs) / sizeof(x509_algs[0]))

int kssh_x509_alg(const char *alg, enum kssh_key_type *key_type, const char **sig_name)
{
	for (size_t i = 0; i < N_ALGS; i++) {
		if (strcmp(alg, x509_algs[i].alg) != 0)
			continue;
		if (key_type)
			*key_type = x509_algs[i].type;
		if (sig_name)
			*sig_name = x509_algs[i].sig_name;
		return 0;
	}
	return KSSH_ERR_NOT_FOUND;
}

const char *kssh_x509_key_sig_alg(const char *alg)
{
	for (size_t i = 0; i < N_ALGS; i++)
		if (strcmp(alg, x509_algs[i].alg) == 0)
			return x509_algs[i].key_sig;
	return NULL;
}

const char *kssh_x509_alg_for_key(enum kssh_key_type type)
{
	for (size_t i = 0; i < N_ALGS; i++)
		if (x509_algs[i].type == type && !x509_algs[i].sha1)
			return x509_algs[i].alg;
	return NULL;
}

void kssh_x509_alg_list(char *out, size_t len, int ssh_rsa, int ssh_dss)
{
	for (size_t i = 0; i < N_ALGS; i++)
		if (!x509_algs[i].sha1 || (x509_algs[i].type == KSSH_KEY_RSA ? ssh_rsa : ssh_dss))
			kssh_list_append(out, len, x509_algs[i].alg);
}

const char *kssh_x509_alg_at(size_t i)
{
	return i < N_ALGS ? x509_algs[i].alg : NULL;
}

void kssh_x509_free(struct kssh_x509 *x)
{
	if (x == NULL)
		return;
	sk_X509_pop_free(x->certs, X509_free);
	kssh_key_free(x->key);
	free(x);
}

/* The leaf's key as one of ours, of the type the algorithm names */
static int leaf_key(struct kssh_x509 *x, enum kssh_key_type want)
{
	EVP_PKEY *pk = X509_get0_pubkey(sk_X509_value(x->certs, 0));
	enum kssh_key_type type = KSSH_KEY_UNSPEC;
	char group[32] = "";

	if (pk == NULL)
		return KSSH_ERR_KEY_INVALID;
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA) {
		type = KSSH_KEY_RSA;
	} else if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_DSA) {
		type = KSSH_KEY_DSA;
	} else if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC &&
	           EVP_PKEY_get_utf8_string_param(pk, "group", group, sizeof(group), NULL) == 1) {
		type = strcmp(group, "prime256v1") == 0 ? KSSH_KEY_ECDSA_P256
		       : strcmp(group, "secp384r1") == 0 ? KSSH_KEY_ECDSA_P384
		       : strcmp(group, "secp521r1") == 0 ? KSSH_KEY_ECDSA_P521 : KSSH_KEY_UNSPEC;
	}
	if (type != want || !EVP_PKEY_up_ref(pk))
		return KSSH_ERR_KEY_TYPE_UNKNOWN;
	if ((x->key = key_wrap(type, pk, 0)) == NULL) {
		EVP_PKEY_free(pk);
		return KSSH_ERR_ALLOC;
	}
	if (type == KSSH_KEY_DSA && kssh_key_bits(x->key) != 1024)
		return KSSH_ERR_KEY_LENGTH;
	return type == KSSH_KEY_RSA && kssh_key_bits(x->key) < 1024 ? KSSH_ERR_KEY_LENGTH : 0;
}

int kssh_x509_chain_from_pem(const char *path, struct kssh_buf *out, struct kssh_key **leaf)
{
	static const enum kssh_key_type types[] = { KSSH_KEY_RSA, KSSH_KEY_ECDSA_P256, KSSH_KEY_ECDSA_P384,
	                                            KSSH_KEY_ECDSA_P521 };
	struct kssh_x509 x = { 0 };
	FILE *f = fopen(path, "re");
	X509 *cert;
	int r = 0;

	*leaf = NULL;
	if (f == NULL)
		return KSSH_ERR_SYSTEM;
	if ((x.certs = sk_X509_new_null()) == NULL) {
		fclose(f);
		return KSSH_ERR_ALLOC;
	}
	while (r == 0 && sk_X509_num(x.certs) < BLOB_CERTS_MAX && (cert = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(x.certs, cert)) {
			X509_free(cert);
			r = KSSH_ERR_ALLOC;
		}
	fclose(f);
	ERR_clear_error();
	if (r == 0 && sk_X509_num(x.certs) == 0)
		r = KSSH_ERR_FILE_FORMAT;
	if (r == 0)
		r = kssh_buf_put_u32(out, (uint32_t)sk_X509_num(x.certs));
	for (int i = 0; r == 0 && i < sk_X509_num(x.certs); i++) {
		unsigned char *der = NULL;
		int n = i2d_X509(sk_X509_value(x.certs, i), &der);

		r = n > 0 ? kssh_buf_put_string(out, der, (size_t)n) : KSSH_ERR_LIBCRYPTO;
		OPENSSL_free(der);
	}
	for (size_t i = 0; r == 0 && i < sizeof(types) / sizeof(types[0]) && x.key == NULL; i++)
		leaf_key(&x, types[i]);
	if (r == 0 && x.key == NULL)
		r = KSSH_ERR_KEY_TYPE_UNKNOWN;
	if (r == 0) {
		*leaf = x.key;
		x.key = NULL;
	}
	kssh_key_free(x.key);
	sk_X509_pop_free(x.certs, X509_free);
	return r;
}

int kssh_x509_from_blob(const char *alg, const uint8_t *blob, size_t len, struct kssh_x509 **out)
{
	enum kssh_key_type type;
	struct kssh_x509 *x;
	struct kssh_buf b;
	uint32_t n, n_ocsp;
	char name[64];
	int r;

	*out = NULL;
	if (kssh_x509_alg(alg, &type, NULL) != 0)
		return KSSH_ERR_KEY_TYPE_UNKNOWN;
	kssh_buf_view(&b, blob, len);
	if (kssh_buf_get_name(&b, name, sizeof(name)) != 0 || strcmp(name, alg) != 0 ||
	    kssh_buf_get_u32(&b, &n) != 0 || n == 0 || n > BLOB_CERTS_MAX)
		return KSSH_ERR_INVALID_FORMAT;
	if ((x = calloc(1, sizeof(*x))) == NULL || (x->certs = sk_X509_new_null()) == NULL) {
		free(x);
		return KSSH_ERR_ALLOC;
	}
	r = 0;
	for (uint32_t i = 0; i < n && r == 0; i++) {
		const uint8_t *der, *p;
		size_t der_len;
		X509 *cert;

		if (kssh_buf_get_string_view(&b, &der, &der_len) != 0 || der_len > (1u << 20)) {
			r = KSSH_ERR_INVALID_FORMAT;
			break;
		}
		p = der;
		if ((cert = d2i_X509(NULL, &p, (long)der_len)) == NULL || p != der + der_len) {
			X509_free(cert);
			r = KSSH_ERR_INVALID_FORMAT;
		} else if (!sk_X509_push(x->certs, cert)) {
			X509_free(cert);
			r = KSSH_ERR_ALLOC;
		}
	}
	if (r == 0 && (kssh_buf_get_u32(&b, &n_ocsp) != 0 || n_ocsp > OCSP_MAX))
		r = KSSH_ERR_INVALID_FORMAT;
	for (uint32_t i = 0; r == 0 && i < n_ocsp; i++)
		if (kssh_buf_get_string_view(&b, NULL, NULL) != 0)
			r = KSSH_ERR_INVALID_FORMAT;
	if (r == 0 && kssh_buf_len(&b) != 0)
		r = KSSH_ERR_INVALID_FORMAT;
	ERR_clear_error();
	if (r == 0)
		r = leaf_key(x, type);
	if (r != 0) {
		kssh_x509_free(x);
		return r;
	}
	*out = x;
	return 0;
}

/* A signature blob's parts: string name, string raw, nothing after */
static int signature_parts(const uint8_t *sig, size_t len, char *name, size_t name_len, const uint8_t **raw,
                           size_t *raw_len)
{
	struct kssh_buf b;

	kssh_buf_view(&b, sig, len);
	if (kssh_buf_get_name(&b, name, name_len) != 0 || kssh_buf_get_string_view(&b, raw, raw_len) != 0 ||
	    kssh_buf_len(&b) != 0)
		return KSSH_ERR_SIGNATURE_INVALID;
	return 0;
}

/* The same raw signature under another name */
static int renamed(const uint8_t *raw, size_t raw_len, const char *name, struct kssh_buf *out)
{
	int r;

	kssh_buf_reset(out);
	if ((r = kssh_buf_put_cstring(out, name)) == 0)
		r = kssh_buf_put_string(out, raw, raw_len);
	return r;
}

int kssh_x509_verify(const struct kssh_x509 *x, const char *alg, const uint8_t *sig, size_t sig_len,
                     const uint8_t *data, size_t len)
{
	const char *sig_name;
	const uint8_t *raw;
	size_t raw_len;
	struct kssh_buf as_rsa;
	char name[32];
	int r;

	if (kssh_x509_alg(alg, NULL, &sig_name) != 0 ||
	    signature_parts(sig, sig_len, name, sizeof(name), &raw, &raw_len) != 0 || strcmp(name, sig_name) != 0)
		return KSSH_ERR_SIGNATURE_INVALID;
	if (strcmp(sig_name, kssh_x509_key_sig_alg(alg)) == 0)
		return kssh_key_verify(x->key, sig_name, sig, sig_len, data, len);
	/* rsa2048-sha256 is rsa-sha2-256 under another name, for keys of 2048 bits or more */
	if (kssh_key_bits(x->key) < 2048)
		return KSSH_ERR_SIGNATURE_INVALID;
	kssh_buf_init(&as_rsa, 0);
	if ((r = renamed(raw, raw_len, kssh_x509_key_sig_alg(alg), &as_rsa)) == 0)
		r = kssh_key_verify(x->key, kssh_x509_key_sig_alg(alg), kssh_buf_ptr(&as_rsa), kssh_buf_len(&as_rsa), data,
		                    len);
	kssh_buf_release(&as_rsa);
	return r;
}

static int failure_of(int err)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return KSSH_X509_NO_ISSUER;
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
		return KSSH_X509_TOO_LONG;
	case X509_V_ERR_CERT_REVOKED:
		return KSSH_X509_REVOKED;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return KSSH_X509_EXPIRED;
	default:
		return KSSH_X509_OTHER;
	}
}

int kssh_x509_validate(const struct kssh_x509 *x, const char *const *pem_files, size_t n_files, int check_crl,
                       char *why, size_t why_len)
{
	X509 *leaf = sk_X509_value(x->certs, 0);
	STACK_OF(X509) *untrusted = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509_STORE *store = NULL;
	int result = KSSH_X509_OTHER, err;

	snprintf(why, why_len, "out of memory");
	if (sk_X509_num(x->certs) > KSSH_X509_CHAIN_MAX) {
		snprintf(why, why_len, "chain of %d certificates, more than %d", sk_X509_num(x->certs), KSSH_X509_CHAIN_MAX);
		return KSSH_X509_TOO_LONG;
	}
	if ((store = X509_STORE_new()) == NULL || (ctx = X509_STORE_CTX_new()) == NULL ||
	    (untrusted = sk_X509_dup(x->certs)) == NULL)
		goto out;
	(void)sk_X509_shift(untrusted); /* the others may help build the chain; only the store is trusted */
	for (size_t i = 0; i < n_files; i++) {
		if (X509_STORE_load_file(store, pem_files[i]) != 1) {
			snprintf(why, why_len, "cannot load %s", pem_files[i]);
			goto out;
		}
	}
	if (check_crl)
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)
		goto out;
	X509_VERIFY_PARAM_set_depth(X509_STORE_CTX_get0_param(ctx), KSSH_X509_CHAIN_MAX - 1);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		result = failure_of(err);
		snprintf(why, why_len, "%s (depth %d)", X509_verify_cert_error_string(err),
		         X509_STORE_CTX_get_error_depth(ctx));
		goto out;
	}
	if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) && !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE)) {
		snprintf(why, why_len, "its key usage does not allow digital signatures");
		result = KSSH_X509_KEY_USAGE;
		goto out;
	}
	snprintf(why, why_len, "chain of %d verified", sk_X509_num(X509_STORE_CTX_get0_chain(ctx)));
	result = KSSH_X509_OK;
out:
	ERR_clear_error();
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return result;
}

static int utf8_equals(const ASN1_STRING *s, const char *user, int upn)
{
	unsigned char *utf8 = NULL;
	int n = ASN1_STRING_to_UTF8(&utf8, s), match = 0;

	if (n > 0 && memchr(utf8, 0, (size_t)n) == NULL) {
		size_t len = (size_t)n;

		if (upn) {
			const unsigned char *at = memchr(utf8, '@', (size_t)n);

			len = at ? (size_t)(at - utf8) : len;
		}
		match = len == strlen(user) && memcmp(utf8, user, len) == 0;
	}
	OPENSSL_free(utf8);
	return match;
}

int kssh_x509_names_user(const struct kssh_x509 *x, unsigned fields, const char *user)
{
	X509 *leaf = sk_X509_value(x->certs, 0);
	int match = 0;

	if (fields & KSSH_X509_NAME_CN) {
		X509_NAME *subject = X509_get_subject_name(leaf);

		for (int i = -1; !match && (i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;)
			match = utf8_equals(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)), user, 0);
	}
	if (!match && (fields & KSSH_X509_NAME_UPN)) {
		GENERAL_NAMES *sans = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
		ASN1_OBJECT *upn = OBJ_txt2obj(UPN_OID, 1);

		for (int i = 0; upn && !match && i < sk_GENERAL_NAME_num(sans); i++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);

			if (g->type == GEN_OTHERNAME && OBJ_cmp(g->d.otherName->type_id, upn) == 0 &&
			    g->d.otherName->value->type == V_ASN1_UTF8STRING)
				match = utf8_equals(g->d.otherName->value->value.utf8string, user, 1);
		}
		ASN1_OBJECT_free(upn);
		GENERAL_NAMES_free(sans);
	}
	ERR_clear_error();
	return match;
}

int kssh_x509_signature_format(struct kssh_buf *sig, const char *alg)
{
	const char *want;
	const uint8_t *raw;
	size_t raw_len;
	struct kssh_buf copy;
	char name[32];
	int r;

	if (kssh_x509_alg(alg, NULL, &want) != 0)
		return KSSH_ERR_INVALID_ARGUMENT;
	kssh_buf_init(&copy, 0);
	if ((r = kssh_buf_put(&copy, kssh_buf_ptr(sig), kssh_buf_len(sig))) == 0 &&
	    (r = signature_parts(kssh_buf_ptr(&copy), kssh_buf_len(&copy), name, sizeof(name), &raw, &raw_len)) == 0 &&
	    strcmp(name, want) != 0)
		r = renamed(raw, raw_len, want, sig);
	kssh_buf_release(&copy);
	return r;
}

int kssh_x509_names_host(const struct kssh_x509 *x, const char *host)
{
	X509 *leaf = sk_X509_value(x->certs, 0);
	int r = X509_check_ip_asc(leaf, host, 0) == 1 || X509_check_host(leaf, host, 0, 0, NULL) == 1;

	ERR_clear_error();
	return r;
}

void kssh_x509_subject(const struct kssh_x509 *x, char *out, size_t len)
{
	char *s = X509_NAME_oneline(X509_get_subject_name(sk_X509_value(x->certs, 0)), NULL, 0);

	snprintf(out, len, "%s", s ? s : "?");
	for (char *p = out; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	OPENSSL_free(s);
}
