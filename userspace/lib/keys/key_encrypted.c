// SPDX-License-Identifier: MIT
/*
 * Passphrase-protected "openssh-key-v1" files (PROTOCOL.key): the key and IV
 * come from bcrypt_pbkdf(passphrase, salt, rounds); ssh-keygen's default is
 * aes256-ctr with 16 rounds.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "kssh/err.h"
#include "blowfish.h"
#include "key_internal.h"

#define ROUNDS_MAX 10000   /* about a minute of work: beyond that, a hostile file */
#define GCM_TAG_LEN 16

static const struct file_cipher {
	const char *name;
	const char *evp;
	size_t key_len, iv_len, tag_len;
} ciphers[] = {
	{ "aes128-ctr", "AES-128-CTR", 16, 16, 0 },
	{ "aes192-ctr", "AES-192-CTR", 24, 16, 0 },
	{ "aes256-ctr", "AES-256-CTR", 32, 16, 0 },
	{ "aes128-cbc", "AES-128-CBC", 16, 16, 0 },
	{ "aes192-cbc", "AES-192-CBC", 24, 16, 0 },
	{ "aes256-cbc", "AES-256-CBC", 32, 16, 0 },
	{ "aes256-gcm@openssh.com", "AES-256-GCM", 32, 12, GCM_TAG_LEN },
};

static const struct file_cipher *find_cipher(const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		if (strlen(ciphers[i].name) == len && memcmp(ciphers[i].name, name, len) == 0)
			return &ciphers[i];
	return NULL;
}

static int run_cipher(const struct file_cipher *c, const uint8_t *keyiv, const uint8_t *in,
                      size_t len, const uint8_t *tag, uint8_t *out)
{
	EVP_CIPHER *evp = EVP_CIPHER_fetch(NULL, c->evp, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0, fin = 0, r = KSSH_ERR_LIBCRYPTO;

	if (evp == NULL || ctx == NULL ||
	    EVP_DecryptInit_ex(ctx, evp, NULL, NULL, NULL) != 1 ||
	    (c->tag_len && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)c->iv_len, NULL) != 1) ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, keyiv, keyiv + c->key_len) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_DecryptUpdate(ctx, out, &outl, in, (int)len) != 1)
		goto out;
	if (c->tag_len && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, (int)c->tag_len,
	                                      (void *)tag) != 1)
		goto out;
	/* a GCM tag that does not verify means a wrong passphrase */
	r = EVP_DecryptFinal_ex(ctx, out + outl, &fin) == 1 ? 0 : KSSH_ERR_KEY_ENCRYPTED;
out:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(evp);
	return r;
}

int key_file_decrypt(const uint8_t *cipher, size_t cipher_len, const uint8_t *kdf, size_t kdf_len,
                     const uint8_t *kdfopts, size_t kdfopts_len, const char *passphrase,
                     const uint8_t *section, size_t section_len, struct kssh_buf *rest,
                     struct kssh_buf *plain)
{
	const struct file_cipher *c = find_cipher(cipher, cipher_len);
	const uint8_t *salt, *tag = NULL;
	uint8_t keyiv[64], *dst;
	struct kssh_buf opts;
	size_t salt_len;
	uint32_t rounds;
	int r;

	if (c == NULL || kdf_len != 6 || memcmp(kdf, "bcrypt", 6) != 0)
		return KSSH_ERR_KEY_TYPE_UNKNOWN;
	kssh_buf_view(&opts, kdfopts, kdfopts_len);
	if (kssh_buf_get_string_view(&opts, &salt, &salt_len) != 0 ||
	    kssh_buf_get_u32(&opts, &rounds) != 0 || rounds == 0 || rounds > ROUNDS_MAX ||
	    salt_len == 0 || section_len % 16 != 0)
		return KSSH_ERR_FILE_FORMAT;
	if (c->tag_len && (tag = kssh_buf_ptr(rest), kssh_buf_len(rest) < c->tag_len))
		return KSSH_ERR_FILE_FORMAT;
	if (*passphrase == 0)
		return KSSH_ERR_KEY_ENCRYPTED;
	if ((r = kssh_bcrypt_pbkdf(passphrase, strlen(passphrase), salt, salt_len, keyiv,
	                           c->key_len + c->iv_len, rounds)) != 0)
		return r;
	if ((r = kssh_buf_reserve(plain, section_len, &dst)) == 0)
		r = run_cipher(c, keyiv, section, section_len, tag, dst);
	OPENSSL_cleanse(keyiv, sizeof(keyiv));
	return r;
}
