// SPDX-License-Identifier: MIT
/*
 * OpenSSH certificates, PROTOCOL.certkeys: the v01 formats for Ed25519, ECDSA
 * and RSA keys. A certificate blob is its type name, a nonce, the certified
 * key's public fields (as in the plain key's blob after its name), then
 *
 *   uint64 serial, uint32 type, string key id, string valid principals,
 *   uint64 valid after, uint64 valid before, string critical options,
 *   string extensions, string reserved, string signature key, string signature
 *
 * and the signature covers every byte before it. The CA key must be a plain
 * key, and the CA must sign with SHA-2 (or Ed25519/ECDSA): OpenSSH's default
 * CASignatureAlgorithms, which leaves ssh-rsa (SHA-1) out.
 */
#include <stdlib.h>
#include <string.h>

#include "kssh/cert.h"
#include "kssh/err.h"
#include "key_internal.h"

#define CERT_MAX_PRINCIPALS 256
#define CERT_MAX_OPTIONS 64

static const struct {
	const char *alg, *blob_type, *sig_alg;
	enum kssh_key_type key_type;
} cert_algs[] = {
	{ "ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519", KSSH_KEY_ED25519 },
	{ "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
	  "ecdsa-sha2-nistp256", KSSH_KEY_ECDSA_P256 },
	{ "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
	  "ecdsa-sha2-nistp384", KSSH_KEY_ECDSA_P384 },
	{ "ecdsa-sha2-nistp521-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
	  "ecdsa-sha2-nistp521", KSSH_KEY_ECDSA_P521 },
	{ "rsa-sha2-512-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", "rsa-sha2-512", KSSH_KEY_RSA },
	{ "rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", "rsa-sha2-256", KSSH_KEY_RSA },
	{ "ssh-rsa-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", "ssh-rsa", KSSH_KEY_RSA },
};
#define N_CERT_ALGS (sizeof(cert_algs) / sizeof(cert_algs[0]))

int kssh_cert_alg(const char *alg, enum kssh_key_type *key_type, const char **sig_alg, const char **blob_type)
{
	for (size_t i = 0; i < N_CERT_ALGS; i++) {
		if (strcmp(alg, cert_algs[i].alg) != 0)
			continue;
		if (key_type)
			*key_type = cert_algs[i].key_type;
		if (sig_alg)
			*sig_alg = cert_algs[i].sig_alg;
		if (blob_type)
			*blob_type = cert_algs[i].blob_type;
		return 0;
	}
	return KSSH_ERR_NOT_FOUND;
}

const char *kssh_cert_alg_at(size_t i)
{
	return i < N_CERT_ALGS ? cert_algs[i].alg : NULL;
}

void kssh_cert_free(struct kssh_cert *c)
{
	if (c == NULL)
		return;
	kssh_key_free(c->key);
	kssh_key_free(c->ca);
	free(c->key_id);
	for (size_t i = 0; i < c->n_principals; i++)
		free(c->principals[i]);
	free(c->principals);
	for (size_t i = 0; i < c->n_critical; i++) {
		free(c->critical[i].name);
		free(c->critical[i].value);
	}
	for (size_t i = 0; i < c->n_extensions; i++) {
		free(c->extensions[i].name);
		free(c->extensions[i].value);
	}
	free(c->critical);
	free(c->extensions);
	free(c);
}

static int read_principals(const uint8_t *p, size_t len, struct kssh_cert *c)
{
	struct kssh_buf b;
	int r;

	kssh_buf_view(&b, p, len);
	while (kssh_buf_len(&b) > 0) {
		char **grown, *name;

		if (c->n_principals == CERT_MAX_PRINCIPALS)
			return KSSH_ERR_INVALID_FORMAT;
		if ((r = kssh_buf_get_cstring(&b, &name, NULL)) != 0)
			return r;
		if ((grown = realloc(c->principals, (c->n_principals + 1) * sizeof(*grown))) == NULL) {
			free(name);
			return KSSH_ERR_ALLOC;
		}
		c->principals = grown;
		c->principals[c->n_principals++] = name;
	}
	return 0;
}

/*
 * Critical options and extensions: (string name, string data) pairs, each name
 * once. A critical option's data is a string holding its value (or nothing, for
 * a flag); an extension's data is empty.
 */
static int read_options(const uint8_t *p, size_t len, int critical, struct kssh_cert_opt **out, size_t *n)
{
	struct kssh_buf b;
	int r;

	kssh_buf_view(&b, p, len);
	while (kssh_buf_len(&b) > 0) {
		struct kssh_cert_opt *grown, o = { 0 };
		const uint8_t *data;
		size_t data_len;

		if (*n == CERT_MAX_OPTIONS)
			return KSSH_ERR_INVALID_FORMAT;
		if ((r = kssh_buf_get_cstring(&b, &o.name, NULL)) != 0)
			return r;
		if ((r = kssh_buf_get_string_view(&b, &data, &data_len)) != 0)
			goto bad;
		if (critical && data_len > 0) {
			struct kssh_buf d;

			kssh_buf_view(&d, data, data_len);
			if ((r = kssh_buf_get_cstring(&d, &o.value, NULL)) != 0)
				goto bad;
			if (kssh_buf_len(&d) != 0) {
				r = KSSH_ERR_INVALID_FORMAT;
				goto bad;
			}
		} else if ((o.value = strdup("")) == NULL) {
			r = KSSH_ERR_ALLOC;
			goto bad;
		}
		for (size_t i = 0; i < *n; i++) {
			if (strcmp((*out)[i].name, o.name) == 0) {
				r = KSSH_ERR_INVALID_FORMAT; /* the same option twice */
				goto bad;
			}
		}
		if ((grown = realloc(*out, (*n + 1) * sizeof(*grown))) == NULL) {
			r = KSSH_ERR_ALLOC;
			goto bad;
		}
		*out = grown;
		(*out)[(*n)++] = o;
		continue;
bad:
		free(o.name);
		free(o.value);
		return r;
	}
	return 0;
}

/* The CA's signature: its algorithm must fit the CA key and be one OpenSSH accepts for CAs */
static int verify_ca(struct kssh_cert *c, const uint8_t *sig, size_t sig_len, const uint8_t *signed_data,
                     size_t signed_len)
{
	struct kssh_buf b;

	kssh_buf_view(&b, sig, sig_len);
	if (kssh_buf_get_name(&b, c->ca_sig_alg, sizeof(c->ca_sig_alg)) != 0)
		return KSSH_ERR_SIGNATURE_INVALID;
	if (strcmp(c->ca_sig_alg, "ssh-rsa") == 0 || strcmp(c->ca_sig_alg, "ssh-dss") == 0)
		return KSSH_ERR_ALGORITHM_DISABLED;
	return kssh_key_verify(c->ca, c->ca_sig_alg, sig, sig_len, signed_data, signed_len);
}

int kssh_cert_from_blob(const uint8_t *blob, size_t len, struct kssh_cert **out)
{
	const uint8_t *nonce, *principals, *crit, *ext, *reserved, *ca, *sig;
	size_t nonce_len, principals_len, crit_len, ext_len, reserved_len, ca_len, sig_len, signed_len;
	enum kssh_key_type key_type = KSSH_KEY_UNSPEC;
	struct kssh_cert *c;
	struct kssh_buf b;
	char name[64];
	int r;

	*out = NULL;
	kssh_buf_view(&b, blob, len);
	if ((r = kssh_buf_get_name(&b, name, sizeof(name))) != 0)
		return KSSH_ERR_KEY_TYPE_UNKNOWN;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return KSSH_ERR_ALLOC;
	for (size_t i = 0; i < N_CERT_ALGS; i++) {
		if (strcmp(name, cert_algs[i].blob_type) == 0) {
			c->type_name = cert_algs[i].blob_type;
			key_type = cert_algs[i].key_type;
			break;
		}
	}
	if (key_type == KSSH_KEY_UNSPEC) {
		r = KSSH_ERR_KEY_TYPE_UNKNOWN;
		goto fail;
	}
	if ((r = kssh_buf_get_string_view(&b, &nonce, &nonce_len)) != 0 ||
	    (r = key_read_public(&b, key_type, &c->key)) != 0 ||
	    (r = kssh_buf_get_u64(&b, &c->serial)) != 0 || (r = kssh_buf_get_u32(&b, &c->type)) != 0 ||
	    (r = kssh_buf_get_cstring(&b, &c->key_id, NULL)) != 0 ||
	    (r = kssh_buf_get_string_view(&b, &principals, &principals_len)) != 0 ||
	    (r = kssh_buf_get_u64(&b, &c->valid_after)) != 0 || (r = kssh_buf_get_u64(&b, &c->valid_before)) != 0 ||
	    (r = kssh_buf_get_string_view(&b, &crit, &crit_len)) != 0 ||
	    (r = kssh_buf_get_string_view(&b, &ext, &ext_len)) != 0 ||
	    (r = kssh_buf_get_string_view(&b, &reserved, &reserved_len)) != 0 ||
	    (r = kssh_buf_get_string_view(&b, &ca, &ca_len)) != 0)
		goto fail;
	signed_len = len - kssh_buf_len(&b);
	if ((r = kssh_buf_get_string_view(&b, &sig, &sig_len)) != 0)
		goto fail;
	if (kssh_buf_len(&b) != 0 || (c->type != KSSH_CERT_USER && c->type != KSSH_CERT_HOST)) {
		r = KSSH_ERR_INVALID_FORMAT;
		goto fail;
	}
	/* the CA key is a plain key: a certificate cannot sign certificates */
	if ((r = read_principals(principals, principals_len, c)) != 0 ||
	    (r = read_options(crit, crit_len, 1, &c->critical, &c->n_critical)) != 0 ||
	    (r = read_options(ext, ext_len, 0, &c->extensions, &c->n_extensions)) != 0 ||
	    (r = kssh_key_from_blob(ca, ca_len, &c->ca)) != 0)
		goto fail;
	if ((r = verify_ca(c, sig, sig_len, blob, signed_len)) != 0)
		goto fail;
	(void)nonce;
	(void)reserved;
	*out = c;
	return 0;
fail:
	kssh_cert_free(c);
	return r;
}

int kssh_cert_public_key(const uint8_t *blob, size_t len, struct kssh_key **out)
{
	const uint8_t *nonce;
	size_t nonce_len;
	struct kssh_buf b;
	char name[64];

	*out = NULL;
	kssh_buf_view(&b, blob, len);
	if (kssh_buf_get_name(&b, name, sizeof(name)) != 0 || kssh_buf_get_string_view(&b, &nonce, &nonce_len) != 0)
		return KSSH_ERR_INVALID_FORMAT;
	for (size_t i = 0; i < N_CERT_ALGS; i++)
		if (strcmp(name, cert_algs[i].blob_type) == 0)
			return key_read_public(&b, cert_algs[i].key_type, out);
	return KSSH_ERR_KEY_TYPE_UNKNOWN;
}

int kssh_key_or_cert_from_blob(const uint8_t *blob, size_t len, struct kssh_key **out)
{
	int r = kssh_key_from_blob(blob, len, out);

	return r == KSSH_ERR_KEY_TYPE_UNKNOWN ? kssh_cert_public_key(blob, len, out) : r;
}

int kssh_cert_has_principal(const struct kssh_cert *c, const char *name)
{
	for (size_t i = 0; i < c->n_principals; i++)
		if (strcmp(c->principals[i], name) == 0)
			return 1;
	return 0;
}

int kssh_cert_check(const struct kssh_cert *c, uint32_t type, const char *principal, uint64_t now,
                    const char **why)
{
	*why = NULL;
	if (c->type != type)
		*why = type == KSSH_CERT_USER ? "a host certificate offered as a user's" : "a user certificate offered as a host's";
	else if (now + KSSH_CERT_SKEW < c->valid_after)
		*why = "not yet valid";
	else if (now >= c->valid_before)
		*why = "expired";
	else if (principal != NULL && c->n_principals == 0)
		*why = "it names no principals";
	else if (principal != NULL && !kssh_cert_has_principal(c, principal))
		*why = "the name is not among its principals";
	return *why == NULL ? 0 : KSSH_ERR_KEY_INVALID;
}

static const struct kssh_cert_opt *find(const struct kssh_cert_opt *opts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

const char *kssh_cert_critical(const struct kssh_cert *c, const char *name)
{
	const struct kssh_cert_opt *o = find(c->critical, c->n_critical, name);

	return o ? o->value : NULL;
}

int kssh_cert_extension(const struct kssh_cert *c, const char *name)
{
	return find(c->extensions, c->n_extensions, name) != NULL;
}

void kssh_cert_printable(const char *in, char *out, size_t outlen)
{
	size_t i;

	if (outlen == 0)
		return;
	for (i = 0; in[i] && i + 1 < outlen; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f && in[i] != '"' ? in[i] : '?';
	out[i] = 0;
}
