// SPDX-License-Identifier: MIT
/*
 * Streamlined NTRU Prime sntrup761 (the NTRU Prime round 3 specification,
 * its KEM with implicit rejection), as OpenSSH uses it.
 *
 * Ring R = Z[x]/(x^761 - x - 1); Rq its coefficients mod q = 4591 kept in
 * [-(q-1)/2, (q-1)/2]; R3 mod 3 kept in {-1, 0, 1}. Secrets never steer a
 * branch or an index: reductions are multiply-and-shift, inversions run
 * the fixed-length constant-time gcd, the weight-w vectors come from a
 * sorting network, and the re-encryption check selects with masks. Only
 * the decoding of public values (the public key, the ciphertext) divides.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "kssh/err.h"
#include "kex_pq.h"

#define P 761
#define Q 4591
#define W 286
#define Q12 ((Q - 1) / 2)
#define SMALL_BYTES ((P + 3) / 4) /* 191 */
#define RQ_BYTES SNTRUP761_PK_LEN
#define ROUNDED_BYTES 1007
#define HASH_BYTES 32
#define SECRET_BYTES (2 * SMALL_BYTES)

typedef int8_t small;
typedef int16_t fq;

/* -1 when x != 0, else 0 */
static inline int32_t nonzero_mask(int32_t x)
{
	uint32_t u = (uint32_t)x;

	return -(int32_t)((u | (0u - u)) >> 31);
}

/* -1 when x < 0, else 0 */
static inline int32_t negative_mask(int32_t x)
{
	return -(int32_t)((uint32_t)x >> 31);
}

/* x mod 3 in {-1, 0, 1}, for |x| < 2^24 */
static inline small f3_freeze(int32_t x)
{
	uint32_t u = (uint32_t)(x + 1 + 3 * (1 << 24));
	uint32_t t = u - 3 * (uint32_t)(((uint64_t)u * 1431655766u) >> 32);

	return (small)((int32_t)t - 1);
}

/* x mod q in [-(q-1)/2, (q-1)/2], for |x| < 2^25 */
static inline fq fq_freeze(int32_t x)
{
	uint32_t u = (uint32_t)(x + Q12 + Q * 8192);
	uint32_t t = u - Q * (uint32_t)(((uint64_t)u * 239492840u) >> 40);

	return (fq)((int32_t)t - Q12);
}

/* a^(q-2) = 1/a in Fq, a fixed number of multiplications */
static fq fq_recip(fq a)
{
	fq r = a;

	for (int i = 1; i < Q - 2; i++)
		r = fq_freeze((int32_t)a * r);
	return r;
}

/* fg = f * g in Z[x]/(x^p - x - 1), coefficients not yet reduced (|fg| < 2^23 for |f| <= 2295) */
static void ring_mult(int32_t fg_out[P], const fq *f, const small *g)
{
	int32_t fg[2 * P - 1];

	memset(fg, 0, sizeof(fg));
	for (int i = 0; i < P; i++)
		for (int j = 0; j < P; j++)
			fg[i + j] += (int32_t)f[i] * g[j];
	/* x^p = x + 1 */
	for (int i = 2 * P - 2; i >= P; i--) {
		fg[i - P] += fg[i];
		fg[i - P + 1] += fg[i];
	}
	memcpy(fg_out, fg, P * sizeof(int32_t));
	OPENSSL_cleanse(fg, sizeof(fg));
}

/* h = f * g in Rq, g small */
static void rq_mult_small(fq *h, const fq *f, const small *g)
{
	int32_t fg[P];

	ring_mult(fg, f, g);
	for (int i = 0; i < P; i++)
		h[i] = fq_freeze(fg[i]);
	OPENSSL_cleanse(fg, sizeof(fg));
}

/* h = f * g in R3 */
static void r3_mult(small *h, const small *f, const small *g)
{
	int32_t fg[P];
	fq wide[P];

	for (int i = 0; i < P; i++)
		wide[i] = f[i];
	ring_mult(fg, wide, g);
	for (int i = 0; i < P; i++)
		h[i] = f3_freeze(fg[i]);
	OPENSSL_cleanse(fg, sizeof(fg));
	OPENSSL_cleanse(wide, sizeof(wide));
}

/* out = 1/in in R3; 0 when in is invertible, else -1 (the only value that leaves) */
static int r3_recip(small *out, const small *in)
{
	small f[P + 1], g[P + 1], v[P + 1], r[P + 1];
	int32_t delta = 1, sign, swap, t;

	memset(v, 0, sizeof(v));
	memset(r, 0, sizeof(r));
	r[0] = 1;
	memset(f, 0, sizeof(f));
	f[0] = 1;
	f[P - 1] = f[P] = -1;
	for (int i = 0; i < P; i++)
		g[P - 1 - i] = in[i];
	g[P] = 0;
	for (int loop = 0; loop < 2 * P - 1; loop++) {
		memmove(v + 1, v, P);
		v[0] = 0;
		sign = -g[0] * f[0];
		swap = negative_mask(-delta) & nonzero_mask(g[0]);
		delta ^= swap & (delta ^ -delta);
		delta += 1;
		for (int i = 0; i < P + 1; i++) {
			t = swap & (f[i] ^ g[i]);
			f[i] = (small)(f[i] ^ t);
			g[i] = (small)(g[i] ^ t);
			t = swap & (v[i] ^ r[i]);
			v[i] = (small)(v[i] ^ t);
			r[i] = (small)(r[i] ^ t);
		}
		for (int i = 0; i < P + 1; i++)
			g[i] = f3_freeze(g[i] + sign * f[i]);
		for (int i = 0; i < P + 1; i++)
			r[i] = f3_freeze(r[i] + sign * v[i]);
		memmove(g, g + 1, P);
		g[P] = 0;
	}
	sign = f[0];
	for (int i = 0; i < P; i++)
		out[i] = (small)(sign * v[P - 1 - i]);
	OPENSSL_cleanse(f, sizeof(f));
	OPENSSL_cleanse(g, sizeof(g));
	OPENSSL_cleanse(v, sizeof(v));
	OPENSSL_cleanse(r, sizeof(r));
	return nonzero_mask(delta);
}

/* out = 1/(3 in) in Rq; in of weight w is always invertible */
static void rq_recip3(fq *out, const small *in)
{
	fq f[P + 1], g[P + 1], v[P + 1], r[P + 1], scale;
	int32_t delta = 1, swap, t, f0, g0;

	memset(v, 0, sizeof(v));
	memset(r, 0, sizeof(r));
	r[0] = fq_recip(3);
	memset(f, 0, sizeof(f));
	f[0] = 1;
	f[P - 1] = f[P] = -1;
	for (int i = 0; i < P; i++)
		g[P - 1 - i] = in[i];
	g[P] = 0;
	for (int loop = 0; loop < 2 * P - 1; loop++) {
		memmove(v + 1, v, P * sizeof(fq));
		v[0] = 0;
		swap = negative_mask(-delta) & nonzero_mask(g[0]);
		delta ^= swap & (delta ^ -delta);
		delta += 1;
		for (int i = 0; i < P + 1; i++) {
			t = swap & (f[i] ^ g[i]);
			f[i] = (fq)(f[i] ^ t);
			g[i] = (fq)(g[i] ^ t);
			t = swap & (v[i] ^ r[i]);
			v[i] = (fq)(v[i] ^ t);
			r[i] = (fq)(r[i] ^ t);
		}
		f0 = f[0];
		g0 = g[0];
		for (int i = 0; i < P + 1; i++)
			g[i] = fq_freeze(f0 * g[i] - g0 * f[i]);
		for (int i = 0; i < P + 1; i++)
			r[i] = fq_freeze(f0 * r[i] - g0 * v[i]);
		memmove(g, g + 1, P * sizeof(fq));
		g[P] = 0;
	}
	scale = fq_recip(f[0]);
	for (int i = 0; i < P; i++)
		out[i] = fq_freeze((int32_t)scale * v[P - 1 - i]);
	OPENSSL_cleanse(f, sizeof(f));
	OPENSSL_cleanse(g, sizeof(g));
	OPENSSL_cleanse(v, sizeof(v));
	OPENSSL_cleanse(r, sizeof(r));
}

/* ascending sort of 1024 values by a bitonic network: indices never depend on data */
static inline void minmax(uint32_t *a, uint32_t *b)
{
	uint32_t mask = 0u - (uint32_t)(((uint64_t)*b - (uint64_t)*a) >> 63);
	uint32_t t = (*a ^ *b) & mask;

	*a ^= t;
	*b ^= t;
}

static void sort_1024(uint32_t *x)
{
	for (unsigned k = 2; k <= 1024; k <<= 1)
		for (unsigned j = k >> 1; j > 0; j >>= 1)
			for (unsigned i = 0; i < 1024; i++) {
				unsigned l = i ^ j;

				if (l <= i)
					continue;
				if ((i & k) == 0)
					minmax(&x[i], &x[l]);
				else
					minmax(&x[l], &x[i]);
			}
}

static int random_bytes(sntrup761_random_fn rnd, void *arg, uint8_t *out, size_t len)
{
	if (rnd != NULL)
		return rnd(arg, out, len);
	return RAND_bytes(out, (int)len) == 1 ? 0 : KSSH_ERR_LIBCRYPTO;
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* uniform in {-1, 0, 1}^p from 4p random bytes */
static int small_random(small *out, sntrup761_random_fn rnd, void *arg)
{
	uint8_t buf[4 * P];
	int r;

	if ((r = random_bytes(rnd, arg, buf, sizeof(buf))) != 0)
		return r;
	for (int i = 0; i < P; i++)
		out[i] = (small)((int32_t)(((le32(buf + 4 * i) & 0x3fffffff) * 3) >> 30) - 1);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/* exactly w nonzero entries: w tagged random words sorted among p - w zeros */
static int short_random(small *out, sntrup761_random_fn rnd, void *arg)
{
	uint8_t buf[4 * P];
	uint32_t l[1024];
	int r;

	if ((r = random_bytes(rnd, arg, buf, sizeof(buf))) != 0)
		return r;
	for (int i = 0; i < P; i++) {
		uint32_t x = le32(buf + 4 * i);

		l[i] = i < W ? x & ~1u : (x & ~3u) | 1;
	}
	for (int i = P; i < 1024; i++)
		l[i] = 0xffffffffu; /* padding sorts to the end */
	sort_1024(l);
	for (int i = 0; i < P; i++)
		out[i] = (small)((int32_t)(l[i] & 3) - 1);
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(l, sizeof(l));
	return 0;
}

static void small_encode(uint8_t *s, const small *f)
{
	for (int i = 0; i < P / 4; i++) {
		const small *x = f + 4 * i;

		s[i] = (uint8_t)((x[0] + 1) | (x[1] + 1) << 2 | (x[2] + 1) << 4 | (x[3] + 1) << 6);
	}
	s[P / 4] = (uint8_t)(f[P - 1] + 1);
}

static void small_decode(small *f, const uint8_t *s)
{
	for (int i = 0; i < P / 4; i++) {
		uint8_t x = s[i];

		for (int j = 0; j < 4; j++)
			f[4 * i + j] = (small)((int32_t)((x >> (2 * j)) & 3) - 1);
	}
	f[P - 1] = (small)((int32_t)(s[P / 4] & 3) - 1);
}

/* The specification's Encode: 0 <= r[i] < m[i] <= 16384, mixed radix, recursive */
static void encode(uint8_t *out, const uint16_t *r, const uint16_t *m, int len)
{
	uint16_t r2[(P + 1) / 2] = { 0 }, m2[(P + 1) / 2] = { 0 };
	int i;

	if (len == 1) {
		uint32_t x = r[0], n = m[0];

		while (n > 1) {
			*out++ = (uint8_t)x;
			x >>= 8;
			n = (n + 255) >> 8;
		}
		return;
	}
	for (i = 0; i < len - 1; i += 2) {
		uint32_t m0 = m[i], x = r[i] + (uint32_t)r[i + 1] * m0, n = m[i + 1] * m0;

		while (n >= 16384) {
			*out++ = (uint8_t)x;
			x >>= 8;
			n = (n + 255) >> 8;
		}
		r2[i / 2] = (uint16_t)x;
		m2[i / 2] = (uint16_t)n;
	}
	if (i < len) {
		r2[i / 2] = r[i];
		m2[i / 2] = m[i];
	}
	encode(out, r2, m2, (len + 1) / 2);
}

/* The inverse on public bytes (a public key or a ciphertext): every output below m[i] */
static void decode(uint16_t *out, const uint8_t *s, const uint16_t *m, int len)
{
	uint16_t r2[(P + 1) / 2] = { 0 }, m2[(P + 1) / 2] = { 0 }, bottomr[P / 2];
	uint32_t bottomt[P / 2];
	int i;

	if (len == 1) {
		if (m[0] == 1)
			out[0] = 0;
		else if (m[0] <= 256)
			out[0] = (uint16_t)(s[0] % m[0]);
		else
			out[0] = (uint16_t)((s[0] + ((uint32_t)s[1] << 8)) % m[0]);
		return;
	}
	for (i = 0; i < len - 1; i += 2) {
		uint32_t n = (uint32_t)m[i] * m[i + 1];

		if (n > 256 * 16383) {
			bottomt[i / 2] = 256 * 256;
			bottomr[i / 2] = (uint16_t)(s[0] + 256 * s[1]);
			s += 2;
			m2[i / 2] = (uint16_t)((((n + 255) >> 8) + 255) >> 8);
		} else if (n >= 16384) {
			bottomt[i / 2] = 256;
			bottomr[i / 2] = s[0];
			s += 1;
			m2[i / 2] = (uint16_t)((n + 255) >> 8);
		} else {
			bottomt[i / 2] = 1;
			bottomr[i / 2] = 0;
			m2[i / 2] = (uint16_t)n;
		}
	}
	if (i < len)
		m2[i / 2] = m[i];
	decode(r2, s, m2, (len + 1) / 2);
	for (i = 0; i < len - 1; i += 2) {
		uint32_t x = bottomr[i / 2] + bottomt[i / 2] * r2[i / 2];

		*out++ = (uint16_t)(x % m[i]);
		*out++ = (uint16_t)((x / m[i]) % m[i + 1]);
	}
	if (i < len)
		*out++ = r2[i / 2];
}

static void rq_encode(uint8_t *s, const fq *r)
{
	uint16_t x[P], m[P];

	for (int i = 0; i < P; i++) {
		x[i] = (uint16_t)(r[i] + Q12);
		m[i] = Q;
	}
	encode(s, x, m, P);
}

static void rq_decode(fq *r, const uint8_t *s)
{
	uint16_t x[P], m[P];

	for (int i = 0; i < P; i++)
		m[i] = Q;
	decode(x, s, m, P);
	for (int i = 0; i < P; i++)
		r[i] = (fq)(x[i] - Q12);
}

static void rounded_encode(uint8_t *s, const fq *r)
{
	uint16_t x[P], m[P];

	for (int i = 0; i < P; i++) {
		x[i] = (uint16_t)(((uint32_t)(r[i] + Q12) * 10923) >> 15);
		m[i] = (Q + 2) / 3;
	}
	encode(s, x, m, P);
}

static void rounded_decode(fq *r, const uint8_t *s)
{
	uint16_t x[P], m[P];

	for (int i = 0; i < P; i++)
		m[i] = (Q + 2) / 3;
	decode(x, s, m, P);
	for (int i = 0; i < P; i++)
		r[i] = (fq)(x[i] * 3 - Q12);
}

/* Hash_prefix(b, in) = first 32 bytes of SHA-512(b || in) */
static int hash_prefix(uint8_t out[HASH_BYTES], uint8_t b, const uint8_t *in, size_t len,
                       const uint8_t *in2, size_t len2)
{
	uint8_t md[64];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) == 1 &&
	         EVP_DigestUpdate(ctx, &b, 1) == 1 && EVP_DigestUpdate(ctx, in, len) == 1 &&
	         (len2 == 0 || EVP_DigestUpdate(ctx, in2, len2) == 1) &&
	         EVP_DigestFinal_ex(ctx, md, NULL) == 1;

	EVP_MD_CTX_free(ctx);
	memcpy(out, md, HASH_BYTES);
	OPENSSL_cleanse(md, sizeof(md));
	return ok ? 0 : KSSH_ERR_LIBCRYPTO;
}

/* HashConfirm = Hash_prefix(2, Hash_prefix(3, r_enc) || cache) */
static int hash_confirm(uint8_t out[HASH_BYTES], const uint8_t *r_enc, const uint8_t *cache)
{
	uint8_t x[HASH_BYTES];
	int r = hash_prefix(x, 3, r_enc, SMALL_BYTES, NULL, 0);

	if (r == 0)
		r = hash_prefix(out, 2, x, HASH_BYTES, cache, HASH_BYTES);
	OPENSSL_cleanse(x, sizeof(x));
	return r;
}

/* HashSession(b, y, z) = Hash_prefix(b, Hash_prefix(3, y) || z) */
static int hash_session(uint8_t out[HASH_BYTES], uint8_t b, const uint8_t *y, const uint8_t *z)
{
	uint8_t x[HASH_BYTES];
	int r = hash_prefix(x, 3, y, SMALL_BYTES, NULL, 0);

	if (r == 0)
		r = hash_prefix(out, b, x, HASH_BYTES, z, SNTRUP761_CT_LEN);
	OPENSSL_cleanse(x, sizeof(x));
	return r;
}

/* c = Rounded_encode(Round(h r)) || HashConfirm(r_enc, cache); r_enc = Small_encode(r) */
static int hide(uint8_t *c, uint8_t *r_enc, const small *r, const uint8_t *pk, const uint8_t *cache)
{
	fq h[P], hr[P];

	small_encode(r_enc, r);
	rq_decode(h, pk);
	rq_mult_small(hr, h, r);
	for (int i = 0; i < P; i++)
		hr[i] = (fq)(hr[i] - f3_freeze(hr[i]));
	rounded_encode(c, hr);
	OPENSSL_cleanse(hr, sizeof(hr));
	return hash_confirm(c + ROUNDED_BYTES, r_enc, cache);
}

int sntrup761_keygen(uint8_t pk[SNTRUP761_PK_LEN], uint8_t sk[SNTRUP761_SK_LEN],
                     sntrup761_random_fn rnd, void *arg)
{
	small g[P], f[P], v[P];
	fq finv[P], h[P];
	int r;

	for (;;) {
		int invertible;

		if ((r = small_random(g, rnd, arg)) != 0)
			goto out;
		/* whether g is invertible reveals nothing about the key: a g that is not is discarded */
		invertible = r3_recip(v, g) == 0;
		KSSH_PUBLIC(&invertible, sizeof(invertible));
		if (invertible)
			break;
	}
	if ((r = short_random(f, rnd, arg)) != 0)
		goto out;
	rq_recip3(finv, f);
	rq_mult_small(h, finv, g);
	rq_encode(pk, h);
	small_encode(sk, f);
	small_encode(sk + SMALL_BYTES, v);
	memcpy(sk + SECRET_BYTES, pk, SNTRUP761_PK_LEN);
	if ((r = random_bytes(rnd, arg, sk + SECRET_BYTES + SNTRUP761_PK_LEN, SMALL_BYTES)) != 0)
		goto out;
	r = hash_prefix(sk + SECRET_BYTES + SNTRUP761_PK_LEN + SMALL_BYTES, 4, pk, SNTRUP761_PK_LEN,
	                NULL, 0);
out:
	OPENSSL_cleanse(g, sizeof(g));
	OPENSSL_cleanse(f, sizeof(f));
	OPENSSL_cleanse(v, sizeof(v));
	OPENSSL_cleanse(finv, sizeof(finv));
	if (r != 0)
		OPENSSL_cleanse(sk, SNTRUP761_SK_LEN);
	return r;
}

int sntrup761_encaps(uint8_t ct[SNTRUP761_CT_LEN], uint8_t ss[SNTRUP761_SS_LEN],
                     const uint8_t pk[SNTRUP761_PK_LEN], sntrup761_random_fn rnd, void *arg)
{
	uint8_t cache[HASH_BYTES], r_enc[SMALL_BYTES];
	small r[P];
	int ret;

	if ((ret = hash_prefix(cache, 4, pk, SNTRUP761_PK_LEN, NULL, 0)) != 0 ||
	    (ret = short_random(r, rnd, arg)) != 0 || (ret = hide(ct, r_enc, r, pk, cache)) != 0)
		goto out;
	ret = hash_session(ss, 1, r_enc, ct);
out:
	OPENSSL_cleanse(r, sizeof(r));
	OPENSSL_cleanse(r_enc, sizeof(r_enc));
	return ret;
}

int sntrup761_decaps(uint8_t ss[SNTRUP761_SS_LEN], const uint8_t ct[SNTRUP761_CT_LEN],
                     const uint8_t sk[SNTRUP761_SK_LEN])
{
	const uint8_t *pk = sk + SECRET_BYTES, *rho = pk + SNTRUP761_PK_LEN;
	const uint8_t *cache = rho + SMALL_BYTES;
	uint8_t cnew[SNTRUP761_CT_LEN], r_enc[SMALL_BYTES], diff = 0;
	small f[P], v[P], e[P], ev[P], r[P];
	fq c[P], cf[P];
	int32_t mask, weight = 0;
	int ret;

	small_decode(f, sk);
	small_decode(v, sk + SMALL_BYTES);
	rounded_decode(c, ct);
	/* Decrypt: e = 3 c f in R3, then e v; r = e v if its weight is w */
	rq_mult_small(cf, c, f);
	for (int i = 0; i < P; i++)
		e[i] = f3_freeze(fq_freeze(3 * (int32_t)cf[i]));
	r3_mult(ev, e, v);
	for (int i = 0; i < P; i++)
		weight += ev[i] & 1;
	mask = nonzero_mask(weight - W);
	for (int i = 0; i < W; i++)
		r[i] = (small)(((ev[i] ^ 1) & ~mask) ^ 1);
	for (int i = W; i < P; i++)
		r[i] = (small)(ev[i] & ~mask);
	if ((ret = hide(cnew, r_enc, r, pk, cache)) != 0)
		goto out;
	/* implicit rejection: a ciphertext that does not re-encrypt hashes rho instead */
	for (int i = 0; i < SNTRUP761_CT_LEN; i++)
		diff |= ct[i] ^ cnew[i];
	mask = (int32_t)(1 & ((diff - 1) >> 8)) - 1;
	for (int i = 0; i < SMALL_BYTES; i++)
		r_enc[i] = (uint8_t)(r_enc[i] ^ (mask & (r_enc[i] ^ rho[i])));
	ret = hash_session(ss, (uint8_t)(1 + mask), r_enc, ct);
out:
	OPENSSL_cleanse(f, sizeof(f));
	OPENSSL_cleanse(v, sizeof(v));
	OPENSSL_cleanse(e, sizeof(e));
	OPENSSL_cleanse(ev, sizeof(ev));
	OPENSSL_cleanse(r, sizeof(r));
	OPENSSL_cleanse(cf, sizeof(cf));
	OPENSSL_cleanse(r_enc, sizeof(r_enc));
	OPENSSL_cleanse(cnew, sizeof(cnew));
	return ret;
}
