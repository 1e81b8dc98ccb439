/* SPDX-License-Identifier: MIT */
/*
 * OpenSSH certificates (PROTOCOL.certkeys, the v01 formats): a CA's signature
 * over a key, its principals, a validity window, critical options and
 * extensions. Parsing verifies the CA's signature; the policy (which CAs,
 * which principals) is the caller's.
 */
#ifndef KSSH_CERT_H
#define KSSH_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "kssh/key.h"

#define KSSH_CERT_USER 1
#define KSSH_CERT_HOST 2

struct kssh_cert_opt {
	char *name;
	char *value; /* a critical option's string; "" for a flag or an extension */
};

struct kssh_cert {
	const char *type_name;    /* the blob's type, "ssh-ed25519-cert-v01@openssh.com" */
	struct kssh_key *key;     /* the certified key */
	uint64_t serial;
	uint32_t type;            /* KSSH_CERT_USER or KSSH_CERT_HOST */
	char *key_id;             /* as the CA wrote it: print it through kssh_cert_printable */
	char **principals;
	size_t n_principals;
	uint64_t valid_after, valid_before;
	struct kssh_cert_opt *critical, *extensions;
	size_t n_critical, n_extensions;
	struct kssh_key *ca;      /* the signing key */
	char ca_sig_alg[32];
};

/*
 * A public-key algorithm that carries a certificate: the certified key's type,
 * the signature algorithm that key signs with, and the blob's own type name.
 * Returns 0, or KSSH_ERR_NOT_FOUND for a name that is no certificate algorithm.
 */
int kssh_cert_alg(const char *alg, enum kssh_key_type *key_type, const char **sig_alg, const char **blob_type);
/* Each certificate algorithm name in turn (NULL after the last) */
const char *kssh_cert_alg_at(size_t i);

/* Parses a certificate blob and verifies the CA's signature over it (never SHA-1: no ssh-rsa). */
int kssh_cert_from_blob(const uint8_t *blob, size_t len, struct kssh_cert **out);
void kssh_cert_free(struct kssh_cert *c);
/* The certified key alone, nothing verified (a client matching a certificate to its private key) */
int kssh_cert_public_key(const uint8_t *blob, size_t len, struct kssh_key **out);
/* A plain key blob, or a certificate's key (publickey-hostbound names the host key either way) */
int kssh_key_or_cert_from_blob(const uint8_t *blob, size_t len, struct kssh_key **out);

/*
 * The certificate is of type (KSSH_CERT_USER/HOST), valid at now (seconds since
 * the epoch) and, when principal is not NULL, names it. Returns 0, or an error
 * with *why saying which check failed. Clock skew: a certificate whose validity
 * starts up to KSSH_CERT_SKEW seconds after now is taken (a CA whose clock runs
 * ahead issues those); its end is never stretched.
 */
#define KSSH_CERT_SKEW 60
int kssh_cert_check(const struct kssh_cert *c, uint32_t type, const char *principal, uint64_t now,
                    const char **why);
int kssh_cert_has_principal(const struct kssh_cert *c, const char *name);
/* A critical option's value (NULL: absent), an extension's presence */
const char *kssh_cert_critical(const struct kssh_cert *c, const char *name);
int kssh_cert_extension(const struct kssh_cert *c, const char *name);
/* The key id with anything but printable ASCII replaced by '?', for logs */
void kssh_cert_printable(const char *in, char *out, size_t outlen);

#endif
