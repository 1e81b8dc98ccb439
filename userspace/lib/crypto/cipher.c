// SPDX-License-Identifier: MIT
/* The cipher table and backend dispatch. */
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "kssh/cipher.h"
#include "kssh/err.h"
#include "kssh/kex.h"

static const struct kssh_cipher_alg ciphers[] = {
	{ "aes128-ctr", 16, 16, 16, 0, 0, "AES-128-CTR", NULL },
	{ "aes192-ctr", 24, 16, 16, 0, 0, "AES-192-CTR", NULL },
	{ "aes256-ctr", 32, 16, 16, 0, 0, "AES-256-CTR", NULL },
	{ "aes128-gcm@openssh.com", 16, 12, 16, 16, KSSH_CIPHER_AEAD, "AES-128-GCM", NULL },
	{ "aes256-gcm@openssh.com", 32, 12, 16, 16, KSSH_CIPHER_AEAD, "AES-256-GCM", NULL },
	{ "chacha20-poly1305@openssh.com", 64, 0, 8, 16,
	  KSSH_CIPHER_AEAD | KSSH_CIPHER_CHACHAPOLY, "ChaCha20", NULL },
	{ "aes128-cbc", 16, 16, 16, 0, KSSH_CIPHER_CBC | KSSH_CIPHER_INSECURE, "AES-128-CBC", "aes-cbc" },
	{ "aes192-cbc", 24, 16, 16, 0, KSSH_CIPHER_CBC | KSSH_CIPHER_INSECURE, "AES-192-CBC", "aes-cbc" },
	{ "aes256-cbc", 32, 16, 16, 0, KSSH_CIPHER_CBC | KSSH_CIPHER_INSECURE, "AES-256-CBC", "aes-cbc" },
	{ "3des-cbc", 24, 8, 8, 0, KSSH_CIPHER_CBC | KSSH_CIPHER_INSECURE, "DES-EDE3-CBC", "3des-cbc" },
};

const struct kssh_cipher_alg *kssh_cipher_at(size_t i)
{
	return i < sizeof(ciphers) / sizeof(ciphers[0]) ? &ciphers[i] : NULL;
}

const struct kssh_cipher_alg *kssh_cipher_by_name(const char *name)
{
	const struct kssh_cipher_alg *c;

	for (size_t i = 0; (c = kssh_cipher_at(i)) != NULL; i++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int kssh_cipher_init(struct kssh_cipher *c, const struct kssh_cipher_alg *alg,
                     const struct kssh_cipher_backend *backend,
                     const uint8_t *key, const uint8_t *iv, int encrypt)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->alg = alg;
	c->backend = backend ? backend : &kssh_cipher_backend_evp;
	c->encrypt = encrypt;
	if ((r = c->backend->init(c, key, iv)) != 0)
		kssh_cipher_cleanup(c);
	return r;
}

void kssh_cipher_cleanup(struct kssh_cipher *c)
{
	if (c->backend != NULL && c->backend->cleanup != NULL)
		c->backend->cleanup(c);
	memset(c, 0, sizeof(*c));
}

/* RFC 5647 section 7.1: the 64-bit invocation counter increments per packet. */
void kssh_cipher_gcm_next_iv(uint8_t iv[12])
{
	for (int i = 11; i >= 4; i--)
		if (++iv[i] != 0)
			break;
}

/*
 * OpenSSL 3 finds an implementation the first time a process asks for it
 * (the provider's tables walked, the result cached) and instantiates its
 * random generator on first use. A process that forks children that all
 * need the same ones does that once here, before the fork: the children
 * inherit the caches and the seeded generator (which reseeds itself when
 * it sees the fork) instead of each starting cold.
 */
void kssh_crypto_warm_up(const char *cipher_list)
{
	const char *cursor = cipher_list;
	char name[KSSH_NAME_MAX];
	uint8_t byte;
	EVP_CIPHER *c;
	EVP_MAC *m;

	RAND_bytes(&byte, 1);
	while (kssh_list_next(&cursor, name, sizeof(name))) {
		const struct kssh_cipher_alg *alg = kssh_cipher_by_name(name);

		if (alg == NULL)
			continue;
		if ((c = EVP_CIPHER_fetch(NULL, alg->evp_name, NULL)) != NULL)
			EVP_CIPHER_free(c);
		if ((alg->flags & KSSH_CIPHER_CHACHAPOLY) && (m = EVP_MAC_fetch(NULL, "POLY1305", NULL)) != NULL)
			EVP_MAC_free(m);
	}
	if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) != NULL)
		EVP_MAC_free(m);
}
