// SPDX-License-Identifier: MIT
/*
 * OpenSSL EVP cipher backend. Contexts are created once per key and reused
 * for every packet: no allocation on the data path.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "kssh/buf.h"
#include "kssh/cipher.h"
#include "kssh/err.h"

struct evp_state {
	EVP_CIPHER_CTX *ctx;      /* main cipher */
	EVP_CIPHER_CTX *hdr_ctx;  /* chacha20-poly1305: length cipher (K_1) */
	EVP_MAC_CTX *poly;        /* chacha20-poly1305: tag */
	uint8_t iv[12];           /* aes-gcm: fixed field and invocation counter */
	uint8_t main_key[32];     /* chacha20-poly1305: K_2 */
	uint8_t hdr_key[32];      /* chacha20-poly1305: K_1 */
};

static EVP_CIPHER *fetch(const char *name)
{
	return EVP_CIPHER_fetch(NULL, name, NULL);
}

static int init_chachapoly(struct evp_state *s, const uint8_t *key)
{
	EVP_MAC *mac;

	/* PROTOCOL.chacha20poly1305: K_2 is the first 32 bytes, K_1 the second */
	memcpy(s->main_key, key, 32);
	memcpy(s->hdr_key, key + 32, 32);
	if ((s->hdr_ctx = EVP_CIPHER_CTX_new()) == NULL)
		return KSSH_ERR_ALLOC;
	if ((mac = EVP_MAC_fetch(NULL, "POLY1305", NULL)) == NULL)
		return KSSH_ERR_LIBCRYPTO;
	s->poly = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	return s->poly ? 0 : KSSH_ERR_ALLOC;
}

static int evp_init(struct kssh_cipher *c, const uint8_t *key, const uint8_t *iv)
{
	const struct kssh_cipher_alg *alg = c->alg;
	struct evp_state *s;
	EVP_CIPHER *cipher;
	int r = KSSH_ERR_LIBCRYPTO;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return KSSH_ERR_ALLOC;
	c->state = s;
	if ((s->ctx = EVP_CIPHER_CTX_new()) == NULL)
		return KSSH_ERR_ALLOC;
	if ((cipher = fetch(alg->evp_name)) == NULL)
		return KSSH_ERR_LIBCRYPTO;
	if (alg->flags & KSSH_CIPHER_CHACHAPOLY) {
		/* a stream cipher: "encrypt" both ways, keys set per packet */
		r = init_chachapoly(s, key);
		if (r == 0 && (EVP_CipherInit_ex(s->ctx, cipher, NULL, NULL, NULL, 1) != 1 ||
		               EVP_CipherInit_ex(s->hdr_ctx, cipher, NULL, NULL, NULL, 1) != 1))
			r = KSSH_ERR_LIBCRYPTO;
		EVP_CIPHER_free(cipher);
		return r;
	}
	if (alg->flags & KSSH_CIPHER_AEAD) {
		memcpy(s->iv, iv, 12);
		if (EVP_CipherInit_ex(s->ctx, cipher, NULL, key, NULL, c->encrypt) == 1)
			r = 0;
	} else if (EVP_CipherInit_ex(s->ctx, cipher, NULL, key, iv, c->encrypt) == 1 &&
	           EVP_CIPHER_CTX_set_padding(s->ctx, 0) == 1) {
		r = 0;
	}
	EVP_CIPHER_free(cipher);
	return r;
}

/* Bulk encryption or decryption of len bytes, whole blocks for CBC. */
static int update(EVP_CIPHER_CTX *ctx, uint8_t *dst, const uint8_t *src, uint32_t len)
{
	int outl;

	if (len == 0)
		return 0;
	if (EVP_CipherUpdate(ctx, dst, &outl, src, (int)len) != 1 || (uint32_t)outl != len)
		return KSSH_ERR_LIBCRYPTO;
	return 0;
}

static int crypt_gcm(struct kssh_cipher *c, struct evp_state *s, uint8_t *dst,
                     const uint8_t *src, uint32_t len, uint32_t aadlen)
{
	int outl;

	if (EVP_CipherInit_ex(s->ctx, NULL, NULL, NULL, s->iv, -1) != 1)
		return KSSH_ERR_LIBCRYPTO;
	kssh_cipher_gcm_next_iv(s->iv);
	if (!c->encrypt &&
	    EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_SET_TAG, 16,
	                        (void *)(src + aadlen + len)) != 1)
		return KSSH_ERR_LIBCRYPTO;
	if (aadlen > 0) {
		if (EVP_CipherUpdate(s->ctx, NULL, &outl, src, (int)aadlen) != 1)
			return KSSH_ERR_LIBCRYPTO;
		if (dst != src)
			memcpy(dst, src, aadlen);
	}
	if (update(s->ctx, dst + aadlen, src + aadlen, len) != 0)
		return KSSH_ERR_LIBCRYPTO;
	if (EVP_CipherFinal_ex(s->ctx, NULL, &outl) != 1)
		return c->encrypt ? KSSH_ERR_LIBCRYPTO : KSSH_ERR_MAC_INVALID;
	if (c->encrypt &&
	    EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_GET_TAG, 16, dst + aadlen + len) != 1)
		return KSSH_ERR_LIBCRYPTO;
	return 0;
}

/* The pieces after the first skip bytes, encrypted one after another into dst */
static int update_pieces(EVP_CIPHER_CTX *ctx, uint8_t *dst, const struct kssh_piece *src, int n,
                         size_t skip)
{
	for (int i = 0; i < n; i++) {
		size_t from = skip < src[i].len ? skip : src[i].len, len = src[i].len - from;

		skip -= from;
		if (update(ctx, dst, src[i].p + from, (uint32_t)len) != 0)
			return KSSH_ERR_LIBCRYPTO;
		dst += len;
	}
	return 0;
}

static int encrypt_gcm_pieces(struct evp_state *s, uint8_t *dst, const struct kssh_piece *src, int n,
                              uint32_t len, uint32_t aadlen)
{
	int outl;

	if (EVP_CipherInit_ex(s->ctx, NULL, NULL, NULL, s->iv, -1) != 1)
		return KSSH_ERR_LIBCRYPTO;
	kssh_cipher_gcm_next_iv(s->iv);
	if (aadlen > 0 && EVP_CipherUpdate(s->ctx, NULL, &outl, src[0].p, (int)aadlen) != 1)
		return KSSH_ERR_LIBCRYPTO;
	memcpy(dst, src[0].p, aadlen);
	if (update_pieces(s->ctx, dst + aadlen, src, n, aadlen) != 0 ||
	    EVP_CipherFinal_ex(s->ctx, NULL, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_GET_TAG, 16, dst + aadlen + len) != 1)
		return KSSH_ERR_LIBCRYPTO;
	return 0;
}

/*
 * OpenSSH's ChaCha20 has a 64-bit block counter and a 64-bit nonce; OpenSSL's
 * 16-byte IV is a 32-bit counter then a 96-bit nonce. Packets are far below
 * 2^32 blocks, so counter | 0^32 | seqnr (big-endian) is the same keystream.
 */
static int chacha_set(EVP_CIPHER_CTX *ctx, const uint8_t *key, uint32_t counter,
                      uint32_t seqnr)
{
	uint8_t iv[16] = { 0 };

	iv[0] = counter;
	kssh_poke_u32(iv + 12, seqnr);
	return EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, 1) == 1 ? 0 : KSSH_ERR_LIBCRYPTO;
}

static int poly_tag(struct evp_state *s, uint32_t seqnr, const uint8_t *data,
                    size_t len, uint8_t tag[16])
{
	uint8_t poly_key[32] = { 0 };
	size_t outl;
	int r = KSSH_ERR_LIBCRYPTO;

	if (chacha_set(s->ctx, s->main_key, 0, seqnr) != 0 ||
	    update(s->ctx, poly_key, poly_key, sizeof(poly_key)) != 0)
		goto out;
	if (EVP_MAC_init(s->poly, poly_key, sizeof(poly_key), NULL) != 1 ||
	    EVP_MAC_update(s->poly, data, len) != 1 ||
	    EVP_MAC_final(s->poly, tag, &outl, 16) != 1)
		goto out;
	r = 0;
out:
	OPENSSL_cleanse(poly_key, sizeof(poly_key));
	return r;
}

static int crypt_chachapoly(struct kssh_cipher *c, struct evp_state *s,
                            uint32_t seqnr, uint8_t *dst, const uint8_t *src,
                            uint32_t len, uint32_t aadlen)
{
	uint8_t tag[16];
	int r;

	if (!c->encrypt) {
		if ((r = poly_tag(s, seqnr, src, aadlen + len, tag)) != 0)
			return r;
		if (CRYPTO_memcmp(tag, src + aadlen + len, 16) != 0)
			return KSSH_ERR_MAC_INVALID;
	}
	if ((r = chacha_set(s->hdr_ctx, s->hdr_key, 0, seqnr)) != 0 ||
	    (r = update(s->hdr_ctx, dst, src, aadlen)) != 0 ||
	    (r = chacha_set(s->ctx, s->main_key, 1, seqnr)) != 0 ||
	    (r = update(s->ctx, dst + aadlen, src + aadlen, len)) != 0)
		return r;
	if (c->encrypt && (r = poly_tag(s, seqnr, dst, aadlen + len, dst + aadlen + len)) != 0)
		return r;
	return 0;
}

static int evp_crypt(struct kssh_cipher *c, uint32_t seqnr, uint8_t *dst,
                     const uint8_t *src, uint32_t len, uint32_t aadlen,
                     uint32_t authlen)
{
	struct evp_state *s = c->state;

	if (c->alg->flags & KSSH_CIPHER_CHACHAPOLY)
		return crypt_chachapoly(c, s, seqnr, dst, src, len, aadlen);
	if (c->alg->flags & KSSH_CIPHER_AEAD)
		return crypt_gcm(c, s, dst, src, len, aadlen);
	(void)authlen;
	if (aadlen > 0 && dst != src)
		memcpy(dst, src, aadlen);
	if (len % c->alg->block_size != 0)
		return KSSH_ERR_INVALID_ARGUMENT;
	return update(s->ctx, dst + aadlen, src + aadlen, len);
}

static int encrypt_chachapoly_pieces(struct evp_state *s, uint32_t seqnr, uint8_t *dst,
                                     const struct kssh_piece *src, int n, uint32_t len, uint32_t aadlen)
{
	int r;

	if ((r = chacha_set(s->hdr_ctx, s->hdr_key, 0, seqnr)) != 0 ||
	    (r = update(s->hdr_ctx, dst, src[0].p, aadlen)) != 0 ||
	    (r = chacha_set(s->ctx, s->main_key, 1, seqnr)) != 0 ||
	    (r = update_pieces(s->ctx, dst + aadlen, src, n, aadlen)) != 0)
		return r;
	return poly_tag(s, seqnr, dst, aadlen + len, dst + aadlen + len);
}

static int evp_encrypt_pieces(struct kssh_cipher *c, uint32_t seqnr, uint8_t *dst,
                              const struct kssh_piece *src, int n, uint32_t len, uint32_t aadlen)
{
	size_t total = 0;

	for (int i = 0; i < n; i++)
		total += src[i].len;
	if (!c->encrypt || n < 1 || src[0].len < aadlen || total != (size_t)aadlen + len)
		return KSSH_ERR_INVALID_ARGUMENT;
	if (c->alg->flags & KSSH_CIPHER_CHACHAPOLY)
		return encrypt_chachapoly_pieces(c->state, seqnr, dst, src, n, len, aadlen);
	if (c->alg->flags & KSSH_CIPHER_AEAD)
		return encrypt_gcm_pieces(c->state, dst, src, n, len, aadlen);
	return KSSH_ERR_INVALID_ARGUMENT;
}

static int evp_get_length(struct kssh_cipher *c, uint32_t seqnr,
                          const uint8_t *src, uint32_t *plen)
{
	struct evp_state *s = c->state;
	uint8_t out[4];
	int r;

	if ((r = chacha_set(s->hdr_ctx, s->hdr_key, 0, seqnr)) != 0 ||
	    (r = update(s->hdr_ctx, out, src, 4)) != 0)
		return r;
	*plen = kssh_peek_u32(out);
	return 0;
}

static void evp_cleanup(struct kssh_cipher *c)
{
	struct evp_state *s = c->state;

	if (s == NULL)
		return;
	EVP_CIPHER_CTX_free(s->ctx);
	EVP_CIPHER_CTX_free(s->hdr_ctx);
	EVP_MAC_CTX_free(s->poly);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
	c->state = NULL;
}

static int evp_get_iv(struct kssh_cipher *c, uint8_t *iv, size_t len)
{
	struct evp_state *s = c->state;

	return EVP_CIPHER_CTX_get_updated_iv(s->ctx, iv, len) == 1 ? 0 : KSSH_ERR_LIBCRYPTO;
}

const struct kssh_cipher_backend kssh_cipher_backend_evp = {
	.name = "openssl",
	.init = evp_init,
	.crypt = evp_crypt,
	.encrypt_pieces = evp_encrypt_pieces,
	.get_length = evp_get_length,
	.cleanup = evp_cleanup,
	.get_iv = evp_get_iv,
};
