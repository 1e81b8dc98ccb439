// SPDX-License-Identifier: MIT
/*
 * bcrypt_pbkdf: PBKDF2's structure with SHA-512 and a bcrypt-based hash
 * (OpenBSD's bcrypt_pbkdf.c, PROTOCOL.key in OpenSSH). Each round's output is
 * spread across the key so every byte depends on all rounds.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "kssh/buf.h"
#include "kssh/err.h"
#include "blowfish.h"

#define BCRYPT_WORDS 8
#define BCRYPT_HASHSIZE (BCRYPT_WORDS * 4)
#define SHA512_LEN 64

struct blowfish {
	uint32_t p[18];
	uint32_t s[4][256];
};

static uint32_t feistel(const struct blowfish *b, uint32_t x)
{
	return ((b->s[0][x >> 24] + b->s[1][(x >> 16) & 0xff]) ^ b->s[2][(x >> 8) & 0xff]) +
	       b->s[3][x & 0xff];
}

static void encipher(const struct blowfish *b, uint32_t *xl, uint32_t *xr)
{
	uint32_t l = *xl, r = *xr, t;

	for (int i = 0; i < 16; i++) {
		l ^= b->p[i];
		r ^= feistel(b, l);
		t = l;
		l = r;
		r = t;
	}
	t = l;
	l = r;
	r = t;
	r ^= b->p[16];
	l ^= b->p[17];
	*xl = l;
	*xr = r;
}

/* Big-endian words taken cyclically from data. */
static uint32_t stream_word(const uint8_t *data, size_t len, size_t *j)
{
	uint32_t w = 0;

	for (int i = 0; i < 4; i++) {
		if (*j >= len)
			*j = 0;
		w = w << 8 | data[(*j)++];
	}
	return w;
}

static void init_state(struct blowfish *b)
{
	memcpy(b->p, blowfish_pi_words, sizeof(b->p));
	memcpy(b->s, blowfish_pi_words + 18, sizeof(b->s));
}

/* bcrypt's EksBlowfishSetup step; data may be NULL (expand0state). */
static void expand_state(struct blowfish *b, const uint8_t *data, size_t datalen,
                         const uint8_t *key, size_t keylen)
{
	uint32_t l = 0, r = 0;
	size_t j = 0;

	for (int i = 0; i < 18; i++)
		b->p[i] ^= stream_word(key, keylen, &j);
	j = 0;
	for (int i = 0; i < 18; i += 2) {
		if (data != NULL) {
			l ^= stream_word(data, datalen, &j);
			r ^= stream_word(data, datalen, &j);
		}
		encipher(b, &l, &r);
		b->p[i] = l;
		b->p[i + 1] = r;
	}
	for (int i = 0; i < 4; i++) {
		for (int k = 0; k < 256; k += 2) {
			if (data != NULL) {
				l ^= stream_word(data, datalen, &j);
				r ^= stream_word(data, datalen, &j);
			}
			encipher(b, &l, &r);
			b->s[i][k] = l;
			b->s[i][k + 1] = r;
		}
	}
}

static void bcrypt_hash(const uint8_t *sha2pass, const uint8_t *sha2salt, uint8_t *out)
{
	static const uint8_t magic[BCRYPT_HASHSIZE] = "OxychromaticBlowfishSwatDynamite";
	struct blowfish b;
	uint32_t cdata[BCRYPT_WORDS];
	size_t j = 0;

	init_state(&b);
	expand_state(&b, sha2salt, SHA512_LEN, sha2pass, SHA512_LEN);
	for (int i = 0; i < 64; i++) {
		expand_state(&b, NULL, 0, sha2salt, SHA512_LEN);
		expand_state(&b, NULL, 0, sha2pass, SHA512_LEN);
	}
	for (int i = 0; i < BCRYPT_WORDS; i++)
		cdata[i] = stream_word(magic, sizeof(magic), &j);
	for (int i = 0; i < 64; i++)
		for (int k = 0; k < BCRYPT_WORDS; k += 2)
			encipher(&b, &cdata[k], &cdata[k + 1]);
	/* the output words are stored little-endian, as OpenBSD's code does */
	for (int i = 0; i < BCRYPT_WORDS; i++) {
		out[4 * i + 3] = (uint8_t)(cdata[i] >> 24);
		out[4 * i + 2] = (uint8_t)(cdata[i] >> 16);
		out[4 * i + 1] = (uint8_t)(cdata[i] >> 8);
		out[4 * i + 0] = (uint8_t)cdata[i];
	}
	OPENSSL_cleanse(&b, sizeof(b));
	OPENSSL_cleanse(cdata, sizeof(cdata));
}

static int sha512(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) == 1 &&
	         EVP_DigestUpdate(ctx, a, alen) == 1 &&
	         (blen == 0 || EVP_DigestUpdate(ctx, b, blen) == 1) &&
	         EVP_DigestFinal_ex(ctx, out, NULL) == 1;

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : KSSH_ERR_LIBCRYPTO;
}

int kssh_bcrypt_pbkdf(const char *pass, size_t passlen, const uint8_t *salt, size_t saltlen,
                      uint8_t *key, size_t keylen, unsigned rounds)
{
	uint8_t sha2pass[SHA512_LEN], sha2salt[SHA512_LEN], out[BCRYPT_HASHSIZE],
	        tmp[BCRYPT_HASHSIZE], count_be[4];
	size_t stride, amt, origkeylen = keylen;
	int r = 0;

	if (rounds < 1 || passlen == 0 || saltlen == 0 || keylen == 0 ||
	    keylen > sizeof(out) * sizeof(out))
		return KSSH_ERR_INVALID_ARGUMENT;
	stride = (keylen + sizeof(out) - 1) / sizeof(out);
	amt = (keylen + stride - 1) / stride;
	if ((r = sha512((const uint8_t *)pass, passlen, NULL, 0, sha2pass)) != 0)
		return r;
	for (uint32_t count = 1; keylen > 0; count++) {
		size_t i;

		kssh_poke_u32(count_be, count);
		if ((r = sha512(salt, saltlen, count_be, 4, sha2salt)) != 0)
			goto out;
		bcrypt_hash(sha2pass, sha2salt, tmp);
		memcpy(out, tmp, sizeof(out));
		for (unsigned round = 1; round < rounds; round++) {
			if ((r = sha512(tmp, sizeof(tmp), NULL, 0, sha2salt)) != 0)
				goto out;
			bcrypt_hash(sha2pass, sha2salt, tmp);
			for (i = 0; i < sizeof(out); i++)
				out[i] ^= tmp[i];
		}
		amt = amt < keylen ? amt : keylen;
		for (i = 0; i < amt; i++) {
			size_t dest = i * stride + (count - 1);

			if (dest >= origkeylen)
				break;
			key[dest] = out[i];
		}
		keylen -= i;
	}
out:
	OPENSSL_cleanse(sha2pass, sizeof(sha2pass));
	OPENSSL_cleanse(sha2salt, sizeof(sha2salt));
	OPENSSL_cleanse(out, sizeof(out));
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return r;
}
