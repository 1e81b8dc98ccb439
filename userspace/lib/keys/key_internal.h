/* SPDX-License-Identifier: MIT */
/* Helpers shared by the files of userspace/lib/keys. */
#ifndef KSSH_KEY_INTERNAL_H
#define KSSH_KEY_INTERNAL_H

#include <openssl/bn.h>
#include <openssl/evp.h>

#include "kssh/key.h"

int key_put_bn(struct kssh_buf *b, const BIGNUM *bn);
int key_get_bn(struct kssh_buf *b, BIGNUM **bn);
int key_get_param_bn(const struct kssh_key *k, const char *name, BIGNUM **bn);
const char *key_curve_ssh_name(enum kssh_key_type t);  /* "nistp256" */
const char *key_curve_ossl_name(enum kssh_key_type t); /* "prime256v1" */
int key_ec_public_point(const struct kssh_key *k, uint8_t *out, size_t max, size_t *len);
/* Builds a key from OpenSSL parameters; selection is EVP_PKEY_PUBLIC_KEY or EVP_PKEY_KEYPAIR. */
int key_from_params(enum kssh_key_type type, const char *ossl_type, void *param_bld,
                    int selection, struct kssh_key **out);
int key_read_public(struct kssh_buf *b, enum kssh_key_type type, struct kssh_key **out);
struct kssh_key *key_wrap(enum kssh_key_type type, EVP_PKEY *pkey, int has_private);
/* key_encrypted.c: the private section of a passphrase-protected key file; rest holds
 * what follows the section in the file (an AEAD cipher's tag). */
int key_file_decrypt(const uint8_t *cipher, size_t cipher_len, const uint8_t *kdf, size_t kdf_len,
                     const uint8_t *kdfopts, size_t kdfopts_len, const char *passphrase,
                     const uint8_t *section, size_t section_len, struct kssh_buf *rest,
                     struct kssh_buf *plain);

#endif
