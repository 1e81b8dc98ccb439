// SPDX-License-Identifier: MIT
/*
 * ML-KEM-768 and sntrup761: published known answers (the vectors under
 * selftests/unit/vectors/), round trips, and the input checks.
 */
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "kex/kex_pq.h"
#include "kssh/err.h"
#include "test.h"

#define VECTORS "selftests/unit/vectors/"

/* The hex value of "name = ..." in a vector file, decoded; its length in *len */
static uint8_t *vector(const char *file, const char *name, size_t *len)
{
	char path[256], line[16384];
	uint8_t *out = NULL;
	FILE *f;

	snprintf(path, sizeof(path), VECTORS "%s", file);
	if ((f = fopen(path, "r")) == NULL) {
		printf("#   cannot open %s\n", path);
		return NULL;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strlen(name), hex;

		if (strncmp(line, name, n) != 0 || strncmp(line + n, " = ", 3) != 0)
			continue;
		hex = strcspn(line + n + 3, "\r\n");
		*len = hex / 2;
		out = malloc(*len + 1);
		for (size_t i = 0; out != NULL && i < *len; i++) {
			unsigned v;

			if (sscanf(line + n + 3 + 2 * i, "%2x", &v) != 1) {
				free(out);
				out = NULL;
				break;
			}
			out[i] = (uint8_t)v;
		}
		break;
	}
	fclose(f);
	if (out == NULL)
		printf("#   %s: no %s\n", path, name);
	return out;
}

static uint8_t *join_dk(const char *file, size_t *len)
{
	const char *parts[] = { "dk_pke", "ek", "h", "z" };
	uint8_t *dk = malloc(MLKEM768_DK_LEN);
	size_t off = 0;

	for (size_t i = 0; dk != NULL && i < 4; i++) {
		size_t n = 0;
		uint8_t *p = vector(file, parts[i], &n);

		if (p == NULL || off + n > MLKEM768_DK_LEN) {
			free(p);
			free(dk);
			return NULL;
		}
		memcpy(dk + off, p, n);
		off += n;
		free(p);
	}
	*len = off;
	return dk;
}

TEST(mlkem768_acvp_keygen)
{
	size_t dl = 0, zl = 0, el = 0, kl = 0;
	uint8_t *d = vector("mlkem768_keygen.txt", "d", &dl);
	uint8_t *z = vector("mlkem768_keygen.txt", "z", &zl);
	uint8_t *ek = vector("mlkem768_keygen.txt", "ek", &el);
	uint8_t *dk = join_dk("mlkem768_keygen.txt", &kl);
	uint8_t my_ek[MLKEM768_EK_LEN], my_dk[MLKEM768_DK_LEN];

	ASSERT(d && z && ek && dk);
	ASSERT(dl == 32 && zl == 32 && el == MLKEM768_EK_LEN && kl == MLKEM768_DK_LEN);
	ASSERT(mlkem768_keygen_derand(my_ek, my_dk, d, z) == 0);
	EXPECT(memcmp(my_ek, ek, MLKEM768_EK_LEN) == 0);
	EXPECT(memcmp(my_dk, dk, MLKEM768_DK_LEN) == 0);
	free(d);
	free(z);
	free(ek);
	free(dk);
}

TEST(mlkem768_acvp_encaps_decaps)
{
	size_t el = 0, ml = 0, cl = 0, kl = 0, dl = 0;
	uint8_t *ek = vector("mlkem768_encap.txt", "ek", &el);
	uint8_t *m = vector("mlkem768_encap.txt", "m", &ml);
	uint8_t *c = vector("mlkem768_encap.txt", "c", &cl);
	uint8_t *k = vector("mlkem768_encap.txt", "k", &kl);
	uint8_t *dk = join_dk("mlkem768_encap.txt", &dl);
	uint8_t ct[MLKEM768_CT_LEN], ss[MLKEM768_SS_LEN], ss2[MLKEM768_SS_LEN], j[32];

	ASSERT(ek && m && c && k && dk);
	ASSERT(el == MLKEM768_EK_LEN && ml == 32 && cl == MLKEM768_CT_LEN && kl == 32 &&
	       dl == MLKEM768_DK_LEN);
	ASSERT(mlkem768_encaps_derand(ct, ss, ek, m) == 0);
	EXPECT(memcmp(ct, c, MLKEM768_CT_LEN) == 0);
	EXPECT(memcmp(ss, k, 32) == 0);
	ASSERT(mlkem768_decaps(ss2, c, dk) == 0);
	EXPECT(memcmp(ss2, k, 32) == 0);

	/* implicit rejection: a changed ciphertext gives J(z || c'), not an error */
	c[100] ^= 0x01;
	ASSERT(mlkem768_decaps(ss2, c, dk) == 0);
	EXPECT(memcmp(ss2, k, 32) != 0);
	{
		EVP_MD_CTX *x = EVP_MD_CTX_new();

		ASSERT(x != NULL);
		EXPECT(EVP_DigestInit_ex(x, EVP_shake256(), NULL) == 1 &&
		       EVP_DigestUpdate(x, dk + MLKEM768_DK_LEN - 32, 32) == 1 &&
		       EVP_DigestUpdate(x, c, MLKEM768_CT_LEN) == 1 &&
		       EVP_DigestFinalXOF(x, j, sizeof(j)) == 1);
		EVP_MD_CTX_free(x);
	}
	EXPECT(memcmp(ss2, j, 32) == 0);
	free(ek);
	free(m);
	free(c);
	free(k);
	free(dk);
}

TEST(mlkem768_round_trips)
{
	uint8_t ek[MLKEM768_EK_LEN], dk[MLKEM768_DK_LEN], ct[MLKEM768_CT_LEN];
	uint8_t a[32], b[32];

	for (int i = 0; i < 50; i++) {
		ASSERT(mlkem768_keygen(ek, dk) == 0);
		ASSERT(mlkem768_encaps(ct, a, ek) == 0);
		ASSERT(mlkem768_decaps(b, ct, dk) == 0);
		EXPECT(memcmp(a, b, 32) == 0);
	}
}

TEST(mlkem768_input_checks)
{
	uint8_t ek[MLKEM768_EK_LEN], dk[MLKEM768_DK_LEN], ct[MLKEM768_CT_LEN], ss[32];

	ASSERT(mlkem768_keygen(ek, dk) == 0);
	EXPECT(mlkem768_ek_valid(ek));
	/* section 7.2: a coefficient of 3329 (= q) fails the modulus check */
	ek[0] = 0x01;
	ek[1] = (uint8_t)((ek[1] & 0xf0) | 0x0d);
	EXPECT(!mlkem768_ek_valid(ek));
	EXPECT(mlkem768_encaps(ct, ss, ek) == KSSH_ERR_DH_INVALID);
	/* 4095, the largest 12-bit value, too */
	ek[0] = 0xff;
	ek[1] = (uint8_t)(ek[1] | 0x0f);
	EXPECT(mlkem768_encaps(ct, ss, ek) == KSSH_ERR_DH_INVALID);
	/* section 7.3: a decapsulation key whose embedded ek does not hash to h */
	ASSERT(mlkem768_keygen(ek, dk) == 0);
	ASSERT(mlkem768_encaps(ct, ss, ek) == 0);
	dk[1152 + 5] ^= 0x40;
	EXPECT(mlkem768_decaps(ss, ct, dk) == KSSH_ERR_DH_INVALID);
}

TEST_MAIN()
