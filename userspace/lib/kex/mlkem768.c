// SPDX-License-Identifier: MIT
/*
 * ML-KEM-768, FIPS 203. Coefficients are kept fully reduced in [0, q);
 * every reduction and rounding is a multiplication and a shift (never a
 * division, whose time can depend on its operands), and the only branches
 * and table indices are on public values: loop counters, the public seed
 * rho, the public key, the ciphertext. SHA3 and SHAKE are OpenSSL's.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "kssh/err.h"
#include "kex_pq.h"

#define N 256
#define Q 3329
#define K 3
#define DU 10
#define DV 4
#define POLY_BYTES 384 /* ByteEncode_12 of one polynomial */
#define PKE_SK_BYTES (K * POLY_BYTES)
#define PKE_PK_BYTES (K * POLY_BYTES + 32)
#define C1_BYTES (K * N * DU / 8)
#define C2_BYTES (N * DV / 8)

typedef struct { uint16_t c[N]; } poly;
typedef struct { poly v[K]; } polyvec;

/* floor(x / q) for x < 2^28, exact: M = ceil(2^40 / q) */
static inline uint32_t div_q(uint32_t x)
{
	return (uint32_t)(((uint64_t)x * 330282857u) >> 40);
}

static inline uint16_t reduce(uint32_t x)
{
	return (uint16_t)(x - Q * div_q(x));
}

static inline uint16_t add_q(uint16_t a, uint16_t b) { return reduce((uint32_t)a + b); }
static inline uint16_t sub_q(uint16_t a, uint16_t b) { return reduce((uint32_t)a + Q - b); }
static inline uint16_t mul_q(uint16_t a, uint16_t b) { return reduce((uint32_t)a * b); }

/* zetas[i] = 17^BitRev7(i) and gammas[i] = 17^(2 BitRev7(i) + 1), mod q */
static uint16_t zetas[128], gammas[128];

static void tables_init(void)
{
	static int done;
	uint16_t pow[256];

	if (__atomic_load_n(&done, __ATOMIC_ACQUIRE))
		return;
	pow[0] = 1;
	for (int i = 1; i < 256; i++)
		pow[i] = mul_q(pow[i - 1], 17);
	for (int i = 0; i < 128; i++) {
		int r = 0;

		for (int b = 0; b < 7; b++)
			r |= ((i >> b) & 1) << (6 - b);
		zetas[i] = pow[r];
		gammas[i] = pow[2 * r + 1];
	}
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
}

/* Algorithm 9 */
static void ntt(poly *f)
{
	int i = 1;

	for (int len = 128; len >= 2; len /= 2)
		for (int start = 0; start < N; start += 2 * len) {
			uint16_t zeta = zetas[i++];

			for (int j = start; j < start + len; j++) {
				uint16_t t = mul_q(zeta, f->c[j + len]);

				f->c[j + len] = sub_q(f->c[j], t);
				f->c[j] = add_q(f->c[j], t);
			}
		}
}

/* Algorithm 10 */
static void ntt_inverse(poly *f)
{
	int i = 127;

	for (int len = 2; len <= 128; len *= 2)
		for (int start = 0; start < N; start += 2 * len) {
			uint16_t zeta = zetas[i--];

			for (int j = start; j < start + len; j++) {
				uint16_t t = f->c[j];

				f->c[j] = add_q(t, f->c[j + len]);
				f->c[j + len] = mul_q(zeta, sub_q(f->c[j + len], t));
			}
		}
	for (int j = 0; j < N; j++)
		f->c[j] = mul_q(f->c[j], 3303); /* 128^-1 mod q */
}

/* Algorithms 11 and 12: h += f * g in the NTT domain */
static void multiply_ntts_acc(poly *h, const poly *f, const poly *g)
{
	for (int i = 0; i < 128; i++) {
		uint16_t a0 = f->c[2 * i], a1 = f->c[2 * i + 1];
		uint16_t b0 = g->c[2 * i], b1 = g->c[2 * i + 1];
		uint16_t c0 = add_q(mul_q(a0, b0), mul_q(mul_q(a1, b1), gammas[i]));
		uint16_t c1 = add_q(mul_q(a0, b1), mul_q(a1, b0));

		h->c[2 * i] = add_q(h->c[2 * i], c0);
		h->c[2 * i + 1] = add_q(h->c[2 * i + 1], c1);
	}
}

static void poly_add(poly *r, const poly *a)
{
	for (int j = 0; j < N; j++)
		r->c[j] = add_q(r->c[j], a->c[j]);
}

/* Compress_d (4.7): round(2^d x / q) mod 2^d */
static inline uint16_t compress(uint16_t x, int d)
{
	return (uint16_t)(div_q(((uint32_t)x << d) + Q / 2) & ((1u << d) - 1));
}

/* Decompress_d (4.8): round(q y / 2^d) */
static inline uint16_t decompress(uint16_t y, int d)
{
	return (uint16_t)(((uint32_t)y * Q + (1u << (d - 1))) >> d);
}

/* ByteEncode_d (Algorithm 5) for d in 1..12, little-endian bit order */
static void byte_encode(uint8_t *out, const poly *f, int d)
{
	uint32_t acc = 0;
	int bits = 0;

	for (int j = 0; j < N; j++) {
		acc |= (uint32_t)f->c[j] << bits;
		bits += d;
		while (bits >= 8) {
			*out++ = (uint8_t)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
}

/* ByteDecode_d (Algorithm 6); for d = 12 values may be >= q (checked apart) */
static void byte_decode(poly *f, const uint8_t *in, int d)
{
	uint32_t acc = 0;
	int bits = 0;

	for (int j = 0; j < N; j++) {
		while (bits < d) {
			acc |= (uint32_t)*in++ << bits;
			bits += 8;
		}
		f->c[j] = (uint16_t)(acc & ((1u << d) - 1));
		acc >>= d;
		bits -= d;
	}
}

static int xof(const EVP_MD *md, const uint8_t *in, size_t inlen, const uint8_t *in2, size_t in2len,
               uint8_t *out, size_t outlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	         EVP_DigestUpdate(ctx, in, inlen) == 1 &&
	         (in2len == 0 || EVP_DigestUpdate(ctx, in2, in2len) == 1) &&
	         EVP_DigestFinalXOF(ctx, out, outlen) == 1;

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : KSSH_ERR_LIBCRYPTO;
}

static int hash(const EVP_MD *md, const uint8_t *in, size_t inlen, const uint8_t *in2,
                size_t in2len, uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	         EVP_DigestUpdate(ctx, in, inlen) == 1 &&
	         (in2len == 0 || EVP_DigestUpdate(ctx, in2, in2len) == 1) &&
	         EVP_DigestFinal_ex(ctx, out, NULL) == 1;

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : KSSH_ERR_LIBCRYPTO;
}

#define H(in, len, out) hash(EVP_sha3_256(), in, len, NULL, 0, out)
#define G(in, len, in2, len2, out) hash(EVP_sha3_512(), in, len, in2, len2, out)

/*
 * Algorithm 7, SampleNTT(rho || j || i), on public data. OpenSSL 3.0's
 * SHAKE cannot squeeze twice, so a longer prefix of the same stream is
 * asked for in the rare case the first one runs short.
 */
static int sample_ntt(poly *a, const uint8_t rho[32], uint8_t j, uint8_t i)
{
	uint8_t seed[34], buf[168 * 16];
	size_t want = 168 * 5;

	memcpy(seed, rho, 32);
	seed[32] = j;
	seed[33] = i;
	for (;;) {
		int n = 0;

		if (xof(EVP_shake128(), seed, sizeof(seed), NULL, 0, buf, want) != 0)
			return KSSH_ERR_LIBCRYPTO;
		for (size_t p = 0; p + 3 <= want && n < N; p += 3) {
			uint16_t d1 = (uint16_t)(buf[p] | ((buf[p + 1] & 0x0f) << 8));
			uint16_t d2 = (uint16_t)((buf[p + 1] >> 4) | (buf[p + 2] << 4));

			if (d1 < Q)
				a->c[n++] = d1;
			if (d2 < Q && n < N)
				a->c[n++] = d2;
		}
		if (n == N)
			return 0;
		if (want == sizeof(buf))
			return KSSH_ERR_LIBCRYPTO; /* probability far below 2^-256 */
		want = sizeof(buf);
	}
}

/* A-hat from rho; transposed gives A-hat^T (Algorithms 13 and 14) */
static int gen_matrix(polyvec a[K], const uint8_t rho[32], int transposed)
{
	for (int i = 0; i < K; i++)
		for (int j = 0; j < K; j++) {
			int r = transposed ? sample_ntt(&a[i].v[j], rho, (uint8_t)i, (uint8_t)j)
			                   : sample_ntt(&a[i].v[j], rho, (uint8_t)j, (uint8_t)i);
			if (r != 0)
				return r;
		}
	return 0;
}

/* Algorithm 8 with eta = 2 on PRF_2(s, b) = SHAKE256(s || b, 128) */
static int sample_cbd(poly *f, const uint8_t s[32], uint8_t b)
{
	uint8_t buf[128];

	if (xof(EVP_shake256(), s, 32, &b, 1, buf, sizeof(buf)) != 0)
		return KSSH_ERR_LIBCRYPTO;
	for (int i = 0; i < N / 2; i++) {
		uint8_t byte = buf[i];

		for (int h = 0; h < 2; h++) {
			uint8_t v = (uint8_t)(byte >> (4 * h));
			uint16_t x = (uint16_t)((v & 1) + ((v >> 1) & 1));
			uint16_t y = (uint16_t)(((v >> 2) & 1) + ((v >> 3) & 1));

			f->c[2 * i + h] = sub_q(x, y);
		}
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/* dot product of two vectors in the NTT domain */
static void inner_ntt(poly *r, const polyvec *a, const polyvec *b)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < K; i++)
		multiply_ntts_acc(r, &a->v[i], &b->v[i]);
}

/* K-PKE.KeyGen (Algorithm 13) */
static int pke_keygen(uint8_t pk[PKE_PK_BYTES], uint8_t sk[PKE_SK_BYTES], const uint8_t d[32])
{
	uint8_t kk = K, rs[64];
	const uint8_t *rho = rs, *sigma = rs + 32;
	polyvec a[K], s, e, t;
	uint8_t n = 0;
	int r;

	if ((r = G(d, 32, &kk, 1, rs)) != 0)
		goto out;
	KSSH_PUBLIC(rs, 32); /* rho is published in ek */
	if ((r = gen_matrix(a, rho, 0)) != 0)
		goto out;
	for (int i = 0; i < K; i++)
		if ((r = sample_cbd(&s.v[i], sigma, n++)) != 0)
			goto out;
	for (int i = 0; i < K; i++)
		if ((r = sample_cbd(&e.v[i], sigma, n++)) != 0)
			goto out;
	for (int i = 0; i < K; i++) {
		ntt(&s.v[i]);
		ntt(&e.v[i]);
	}
	for (int i = 0; i < K; i++) {
		inner_ntt(&t.v[i], &a[i], &s);
		poly_add(&t.v[i], &e.v[i]);
		byte_encode(pk + i * POLY_BYTES, &t.v[i], 12);
		byte_encode(sk + i * POLY_BYTES, &s.v[i], 12);
	}
	memcpy(pk + K * POLY_BYTES, rho, 32);
out:
	OPENSSL_cleanse(rs, sizeof(rs));
	OPENSSL_cleanse(&s, sizeof(s));
	OPENSSL_cleanse(&e, sizeof(e));
	return r;
}

/* K-PKE.Encrypt (Algorithm 14); pk has passed the modulus check */
static int pke_encrypt(uint8_t c[MLKEM768_CT_LEN], const uint8_t pk[PKE_PK_BYTES],
                       const uint8_t m[32], const uint8_t rnd[32])
{
	polyvec at[K], t, y, u;
	poly e1[K], e2, v, mu;
	uint8_t n = 0;
	int r;

	for (int i = 0; i < K; i++)
		byte_decode(&t.v[i], pk + i * POLY_BYTES, 12);
	if ((r = gen_matrix(at, pk + K * POLY_BYTES, 1)) != 0)
		goto out;
	for (int i = 0; i < K; i++)
		if ((r = sample_cbd(&y.v[i], rnd, n++)) != 0)
			goto out;
	for (int i = 0; i < K; i++)
		if ((r = sample_cbd(&e1[i], rnd, n++)) != 0)
			goto out;
	if ((r = sample_cbd(&e2, rnd, n)) != 0)
		goto out;
	for (int i = 0; i < K; i++)
		ntt(&y.v[i]);
	for (int i = 0; i < K; i++) {
		inner_ntt(&u.v[i], &at[i], &y);
		ntt_inverse(&u.v[i]);
		poly_add(&u.v[i], &e1[i]);
	}
	inner_ntt(&v, &t, &y);
	ntt_inverse(&v);
	poly_add(&v, &e2);
	byte_decode(&mu, m, 1);
	for (int j = 0; j < N; j++)
		mu.c[j] = decompress(mu.c[j], 1);
	poly_add(&v, &mu);
	for (int i = 0; i < K; i++) {
		for (int j = 0; j < N; j++)
			u.v[i].c[j] = compress(u.v[i].c[j], DU);
		byte_encode(c + i * N * DU / 8, &u.v[i], DU);
	}
	for (int j = 0; j < N; j++)
		v.c[j] = compress(v.c[j], DV);
	byte_encode(c + C1_BYTES, &v, DV);
out:
	OPENSSL_cleanse(&y, sizeof(y));
	OPENSSL_cleanse(e1, sizeof(e1));
	OPENSSL_cleanse(&e2, sizeof(e2));
	OPENSSL_cleanse(&mu, sizeof(mu));
	OPENSSL_cleanse(&u, sizeof(u));
	OPENSSL_cleanse(&v, sizeof(v));
	return r;
}

/* K-PKE.Decrypt (Algorithm 15) */
static void pke_decrypt(uint8_t m[32], const uint8_t sk[PKE_SK_BYTES],
                        const uint8_t c[MLKEM768_CT_LEN])
{
	polyvec u, s;
	poly v, w;

	for (int i = 0; i < K; i++) {
		byte_decode(&u.v[i], c + i * N * DU / 8, DU);
		for (int j = 0; j < N; j++)
			u.v[i].c[j] = decompress(u.v[i].c[j], DU);
		ntt(&u.v[i]);
		byte_decode(&s.v[i], sk + i * POLY_BYTES, 12);
		for (int j = 0; j < N; j++)
			s.v[i].c[j] = reduce(s.v[i].c[j]); /* ByteDecode_12 reduces mod q */
	}
	byte_decode(&v, c + C1_BYTES, DV);
	for (int j = 0; j < N; j++)
		v.c[j] = decompress(v.c[j], DV);
	inner_ntt(&w, &s, &u);
	ntt_inverse(&w);
	for (int j = 0; j < N; j++)
		w.c[j] = compress(sub_q(v.c[j], w.c[j]), 1);
	byte_encode(m, &w, 1);
	OPENSSL_cleanse(&s, sizeof(s));
	OPENSSL_cleanse(&w, sizeof(w));
	OPENSSL_cleanse(&v, sizeof(v));
	OPENSSL_cleanse(&u, sizeof(u));
}

int mlkem768_ek_valid(const uint8_t ek[MLKEM768_EK_LEN])
{
	poly t;

	for (int i = 0; i < K; i++) {
		byte_decode(&t, ek + i * POLY_BYTES, 12);
		for (int j = 0; j < N; j++)
			if (t.c[j] >= Q)
				return 0;
	}
	return 1;
}

int mlkem768_keygen_derand(uint8_t ek[MLKEM768_EK_LEN], uint8_t dk[MLKEM768_DK_LEN],
                           const uint8_t d[32], const uint8_t z[32])
{
	int r;

	tables_init();
	if ((r = pke_keygen(ek, dk, d)) != 0 ||
	    (r = H(ek, MLKEM768_EK_LEN, dk + PKE_SK_BYTES + PKE_PK_BYTES)) != 0) {
		OPENSSL_cleanse(dk, MLKEM768_DK_LEN);
		return r;
	}
	memcpy(dk + PKE_SK_BYTES, ek, MLKEM768_EK_LEN);
	memcpy(dk + PKE_SK_BYTES + PKE_PK_BYTES + 32, z, 32);
	return 0;
}

int mlkem768_keygen(uint8_t ek[MLKEM768_EK_LEN], uint8_t dk[MLKEM768_DK_LEN])
{
	uint8_t seeds[64];
	int r;

	if (RAND_bytes(seeds, sizeof(seeds)) != 1)
		return KSSH_ERR_LIBCRYPTO;
	r = mlkem768_keygen_derand(ek, dk, seeds, seeds + 32);
	OPENSSL_cleanse(seeds, sizeof(seeds));
	return r;
}

int mlkem768_encaps_derand(uint8_t ct[MLKEM768_CT_LEN], uint8_t ss[MLKEM768_SS_LEN],
                           const uint8_t ek[MLKEM768_EK_LEN], const uint8_t m[32])
{
	uint8_t h[32], kr[64];
	int r;

	tables_init();
	if (!mlkem768_ek_valid(ek))
		return KSSH_ERR_DH_INVALID;
	if ((r = H(ek, MLKEM768_EK_LEN, h)) != 0 || (r = G(m, 32, h, 32, kr)) != 0 ||
	    (r = pke_encrypt(ct, ek, m, kr + 32)) != 0)
		goto out;
	memcpy(ss, kr, MLKEM768_SS_LEN);
out:
	OPENSSL_cleanse(kr, sizeof(kr));
	return r;
}

int mlkem768_encaps(uint8_t ct[MLKEM768_CT_LEN], uint8_t ss[MLKEM768_SS_LEN],
                    const uint8_t ek[MLKEM768_EK_LEN])
{
	uint8_t m[32];
	int r;

	if (RAND_bytes(m, sizeof(m)) != 1)
		return KSSH_ERR_LIBCRYPTO;
	r = mlkem768_encaps_derand(ct, ss, ek, m);
	OPENSSL_cleanse(m, sizeof(m));
	return r;
}

int mlkem768_decaps(uint8_t ss[MLKEM768_SS_LEN], const uint8_t ct[MLKEM768_CT_LEN],
                    const uint8_t dk[MLKEM768_DK_LEN])
{
	const uint8_t *sk = dk, *pk = dk + PKE_SK_BYTES, *h = pk + PKE_PK_BYTES, *z = h + 32;
	uint8_t check[32], m[32], kr[64], reject[32], ct2[MLKEM768_CT_LEN];
	uint8_t keep;
	int r;

	tables_init();
	/* section 7.3: the embedded key's hash must match (public data) */
	if ((r = H(pk, PKE_PK_BYTES, check)) != 0)
		return r;
	if (CRYPTO_memcmp(check, h, 32) != 0)
		return KSSH_ERR_DH_INVALID;
	pke_decrypt(m, sk, ct);
	if ((r = G(m, 32, h, 32, kr)) != 0 ||
	    (r = xof(EVP_shake256(), z, 32, ct, MLKEM768_CT_LEN, reject, 32)) != 0 ||
	    (r = pke_encrypt(ct2, pk, m, kr + 32)) != 0)
		goto out;
	/* keep = 0xff when c == c', else 0; then select without branching */
	keep = (uint8_t)(((uint32_t)CRYPTO_memcmp(ct, ct2, MLKEM768_CT_LEN) - 1) >> 8);
	for (int i = 0; i < MLKEM768_SS_LEN; i++)
		ss[i] = (uint8_t)((kr[i] & keep) | (reject[i] & (uint8_t)~keep));
out:
	OPENSSL_cleanse(m, sizeof(m));
	OPENSSL_cleanse(kr, sizeof(kr));
	OPENSSL_cleanse(reject, sizeof(reject));
	OPENSSL_cleanse(ct2, sizeof(ct2));
	return r;
}
