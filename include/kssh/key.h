/* SPDX-License-Identifier: MIT */
/* Public-key types: wire blobs, signatures, OpenSSH file formats, known_hosts. */
#ifndef KSSH_KEY_H
#define KSSH_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "kssh/buf.h"

enum kssh_key_type {
	KSSH_KEY_UNSPEC = 0,
	KSSH_KEY_ED25519,
	KSSH_KEY_ECDSA_P256,
	KSSH_KEY_ECDSA_P384,
	KSSH_KEY_ECDSA_P521,
	KSSH_KEY_RSA,
	KSSH_KEY_DSA,
};

struct kssh_key {
	enum kssh_key_type type;
	void *pkey;      /* EVP_PKEY */
	int has_private;
};

/* A signature algorithm and the key type that makes it. */
struct kssh_sig_alg {
	const char *name;
	enum kssh_key_type key_type;
	const char *digest; /* NULL for Ed25519 */
	int insecure;       /* SHA-1 based: offered only when enabled */
};

const char *kssh_key_type_name(enum kssh_key_type t);   /* "ssh-rsa", "ecdsa-sha2-nistp256", ... */
const char *kssh_key_type_short(enum kssh_key_type t);  /* "rsa", "ecdsa-nistp256", ... */
enum kssh_key_type kssh_key_type_from_name(const char *name);
const struct kssh_sig_alg *kssh_sig_alg_by_name(const char *name);
const struct kssh_sig_alg *kssh_sig_alg_at(size_t i);

int kssh_key_generate(enum kssh_key_type type, unsigned bits, struct kssh_key **out);
void kssh_key_free(struct kssh_key *k);
unsigned kssh_key_bits(const struct kssh_key *k);

int kssh_key_to_blob(const struct kssh_key *k, struct kssh_buf *out);
int kssh_key_from_blob(const uint8_t *blob, size_t len, struct kssh_key **out);
/* The public half alone, as a key of its own (no private part in it) */
int kssh_key_public_copy(const struct kssh_key *k, struct kssh_key **out);
int kssh_key_equal_public(const struct kssh_key *a, const struct kssh_key *b);
int kssh_key_fingerprint(const struct kssh_key *k, char *out, size_t outlen);

/* Signature blobs: string algorithm, string signature (RFC 4253 6.6). */
int kssh_key_sign(const struct kssh_key *k, const char *alg, const uint8_t *data,
                  size_t len, struct kssh_buf *sig);
int kssh_key_verify(const struct kssh_key *k, const char *alg, const uint8_t *sig,
                    size_t siglen, const uint8_t *data, size_t len);

/* OpenSSH formats. */
int kssh_key_save_private(const struct kssh_key *k, const char *path, const char *comment);
int kssh_key_load_private(const char *path, struct kssh_key **out);
/*
 * The same, with the SHA-256 of the file's text in digest. Every load proves
 * the pair with one signature; a load whose digest equals known (the same
 * bytes proved already, by this program's parent) skips that.
 */
int kssh_key_load_private_known(const char *path, const uint8_t known[32], uint8_t digest[32],
                                struct kssh_key **out);
int kssh_key_parse_private(const char *text, size_t len, struct kssh_key **out);
/* Encrypted files (bcrypt-pbkdf with aes*-ctr, aes*-cbc or aes256-gcm): a wrong
 * passphrase gives KSSH_ERR_KEY_ENCRYPTED, as no passphrase does. */
int kssh_key_load_private_passphrase(const char *path, const char *passphrase,
                                     struct kssh_key **out);
int kssh_key_parse_private_passphrase(const char *text, size_t len, const char *passphrase,
                                      struct kssh_key **out);
/* The public key a private key file carries in the clear, encrypted or not. */
int kssh_key_load_private_public(const char *path, struct kssh_key **out);
int kssh_key_parse_private_public(const char *text, size_t len, struct kssh_key **out);
int kssh_key_load_public(const char *path, struct kssh_key **out); /* a .pub file */
int kssh_key_format_private(const struct kssh_key *k, const char *comment, char **text);
int kssh_key_public_line(const struct kssh_key *k, const char *comment, char **line);
int kssh_key_parse_public_line(const char *line, struct kssh_key **out);
int kssh_key_save_public(const struct kssh_key *k, const char *path, const char *comment);

/* base64 (RFC 4648) */
char *kssh_base64_encode(const uint8_t *data, size_t len);
int kssh_base64_decode(const char *text, size_t len, struct kssh_buf *out);

/* known_hosts (OpenSSH format, hashed entries too) */
enum kssh_hostkey_status {
	KSSH_HOSTKEY_OK = 0,
	KSSH_HOSTKEY_UNKNOWN,
	KSSH_HOSTKEY_CHANGED,
	KSSH_HOSTKEY_REVOKED,
};

struct kssh_hostkey_match {
	enum kssh_hostkey_status status;
	unsigned line;        /* line of the conflicting or matching entry */
};

int kssh_known_hosts_check(const char *path, const char *host, unsigned port,
                           const struct kssh_key *key, struct kssh_hostkey_match *m);
int kssh_known_hosts_key_types(const char *path, const char *host, unsigned port,
                               enum kssh_key_type *types, size_t max, size_t *n);
int kssh_known_hosts_add(const char *path, const char *host, unsigned port,
                         const struct kssh_key *key, int hash);
int kssh_known_hosts_host_matches(const char *pattern_field, const char *hostname);
/* An @cert-authority line for host with the key ca (NULL: any such line): 0, or KSSH_ERR_NOT_FOUND */
int kssh_known_hosts_find_ca(const char *path, const char *host, unsigned port, const struct kssh_key *ca,
                             unsigned *line);

#endif
