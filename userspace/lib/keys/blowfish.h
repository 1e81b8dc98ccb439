/* SPDX-License-Identifier: MIT */
/* Blowfish as bcrypt uses it (the "expensive key schedule"), for bcrypt_pbkdf. */
#ifndef KSSH_BLOWFISH_H
#define KSSH_BLOWFISH_H

#include <stddef.h>
#include <stdint.h>

#define BLOWFISH_STATE_WORDS (18 + 4 * 256)

extern const uint32_t blowfish_pi_words[BLOWFISH_STATE_WORDS];

/* OpenBSD's bcrypt_pbkdf(3), as OpenSSH uses it for encrypted private keys. */
int kssh_bcrypt_pbkdf(const char *pass, size_t passlen, const uint8_t *salt, size_t saltlen,
                      uint8_t *key, size_t keylen, unsigned rounds);

#endif
