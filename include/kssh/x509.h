/* SPDX-License-Identifier: MIT */
/*
 * X.509v3 certificates in SSH (RFC 6187): the public-key algorithms
 * x509v3-ssh-rsa, x509v3-rsa2048-sha256, x509v3-ecdsa-sha2-nistp256/384/521 and
 * x509v3-ssh-dss,
 * whose key blob is a certificate chain (leaf first) and whose signatures are
 * the plain key's. OpenSSL parses and verifies the certificates; the SSH
 * encoding is here.
 */
#ifndef KSSH_X509_H
#define KSSH_X509_H

#include <stddef.h>
#include <stdint.h>

#include "kssh/key.h"

#define KSSH_X509_CHAIN_MAX 9 /* the spec's limit on a user certificate's chain */

struct kssh_x509 {
	void *certs;          /* STACK_OF(X509), the leaf first */
	struct kssh_key *key; /* the leaf's public key */
};

/* An x509v3-* algorithm: the key type it carries and the name its signatures have. 0 or KSSH_ERR_NOT_FOUND. */
int kssh_x509_alg(const char *alg, enum kssh_key_type *key_type, const char **sig_name);
const char *kssh_x509_alg_at(size_t i); /* each in turn, NULL after the last */
/* The SSH algorithm an x509v3 one's key signs with (x509v3-rsa2048-sha256: rsa-sha2-256); NULL if unknown */
const char *kssh_x509_key_sig_alg(const char *alg);
/* The preferred x509v3 algorithm for a key type, never a SHA-1 one; NULL if none */
const char *kssh_x509_alg_for_key(enum kssh_key_type type);
/* The x509v3 algorithms appended to a name-list, the SHA-1 ones (x509v3-ssh-rsa, -ssh-dss) only when allowed */
void kssh_x509_alg_list(char *out, size_t len, int ssh_rsa, int ssh_dss);

/*
 * A host's own chain from a PEM file (its certificate first): "uint32 count,
 * string DER..." appended to out, as RFC 6187 puts it after the algorithm name,
 * and the leaf's public key (of any type this file knows).
 */
int kssh_x509_chain_from_pem(const char *path, struct kssh_buf *out, struct kssh_key **leaf);
/* The key blob for alg: the chain parsed (DER, every byte accounted for), the leaf's key of alg's type */
int kssh_x509_from_blob(const char *alg, const uint8_t *blob, size_t len, struct kssh_x509 **out);
void kssh_x509_free(struct kssh_x509 *x);
/* A signature of data by the leaf's key, in alg's signature format */
int kssh_x509_verify(const struct kssh_x509 *x, const char *alg, const uint8_t *sig, size_t sig_len,
                     const uint8_t *data, size_t len);

enum kssh_x509_failure {
	KSSH_X509_OK = 0,
	KSSH_X509_NO_ISSUER,   /* no trusted CA issued the chain */
	KSSH_X509_TOO_LONG,    /* more than KSSH_X509_CHAIN_MAX certificates */
	KSSH_X509_REVOKED,
	KSSH_X509_EXPIRED,     /* or not yet valid */
	KSSH_X509_KEY_USAGE,   /* the leaf may not make signatures */
	KSSH_X509_OTHER,
};
/*
 * The chain verified against the CA certificates in the PEM files (which may
 * also hold CRLs); with check_crl, a CRL is required for, and checked against,
 * every certificate in the chain. Returns enum kssh_x509_failure; why says more.
 */
int kssh_x509_validate(const struct kssh_x509 *x, const char *const *pem_files, size_t n_files, int check_crl,
                       char *why, size_t why_len);

#define KSSH_X509_NAME_CN 1
#define KSSH_X509_NAME_UPN 2 /* subjectAltName otherName 1.3.6.1.4.1.311.20.2.3 */
/* Whether the leaf names user in one of the fields asked for (a UPN by its part before '@') */
int kssh_x509_names_user(const struct kssh_x509 *x, unsigned fields, const char *user);
/* A signature made by the plain key (rsa-sha2-256, ssh-rsa, ecdsa-*) renamed as alg's format wants */
int kssh_x509_signature_format(struct kssh_buf *sig, const char *alg);
/* The leaf names host: a DNS subjectAltName (or, without any, the CN) or an IP address one */
int kssh_x509_names_host(const struct kssh_x509 *x, const char *host);
/* The leaf's subject, one line, for logs */
void kssh_x509_subject(const struct kssh_x509 *x, char *out, size_t len);

#endif
