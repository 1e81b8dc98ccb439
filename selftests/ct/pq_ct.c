// SPDX-License-Identifier: MIT
/*
 * Constant-time check of ML-KEM-768 and sntrup761, run under valgrind's
 * memcheck (selftests/ct/test_pq_ct.sh). Every secret input is marked
 * undefined; memcheck then reports any branch taken on, and any memory
 * address computed from, a value derived from a secret. The library files
 * are built with KSSH_CT_CHECK, so the few values that are computed from
 * secrets but public by design are declared so (KSSH_PUBLIC).
 *
 * usage: pq_ct          run the KEMs on secret inputs (valgrind must find nothing)
 *        pq_ct --leak   branch on a secret on purpose (valgrind must report it:
 *                       proof that the check can fail)
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>
#include <openssl/rand.h>

#include "kex/kex_pq.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED(p, n)
#define DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED(p, n)

/* sntrup761's randomness, every byte of it secret */
static int secret_random(void *arg, uint8_t *out, size_t len)
{
	(void)arg;
	if (RAND_bytes(out, (int)len) != 1)
		return -1;
	SECRET(out, len);
	return 0;
}

static int mlkem(void)
{
	static uint8_t ek[MLKEM768_EK_LEN], dk[MLKEM768_DK_LEN], ct[MLKEM768_CT_LEN];
	uint8_t d[32], z[32], m[32], a[32], b[32];

	RAND_bytes(d, 32);
	RAND_bytes(z, 32);
	RAND_bytes(m, 32);
	SECRET(d, 32);
	SECRET(z, 32);
	if (mlkem768_keygen_derand(ek, dk, d, z) != 0)
		return 1;
	/* ek is the public key; in dk only dk_pke (the first 1152 bytes) and z are secret */
	DECLASSIFY(ek, sizeof(ek));
	DECLASSIFY(dk + 1152, MLKEM768_EK_LEN + 32);
	SECRET(m, 32);
	if (mlkem768_encaps_derand(ct, a, ek, m) != 0)
		return 1;
	DECLASSIFY(ct, sizeof(ct)); /* the ciphertext goes on the wire */
	if (mlkem768_decaps(b, ct, dk) != 0)
		return 1;
	ct[5] ^= 1; /* implicit rejection takes the same path */
	if (mlkem768_decaps(b, ct, dk) != 0)
		return 1;
	DECLASSIFY(a, 32);
	DECLASSIFY(b, 32);
	return memcmp(a, b, 32) == 0; /* the rejection key must differ */
}

static int sntrup(void)
{
	static uint8_t pk[SNTRUP761_PK_LEN], sk[SNTRUP761_SK_LEN], ct[SNTRUP761_CT_LEN];
	uint8_t a[32], b[32];

	if (sntrup761_keygen(pk, sk, secret_random, NULL) != 0)
		return 1;
	/* the public key and its copy and hash inside sk are public; f, 1/g and rho are not */
	DECLASSIFY(pk, sizeof(pk));
	DECLASSIFY(sk + 382, SNTRUP761_PK_LEN);
	DECLASSIFY(sk + 382 + SNTRUP761_PK_LEN + 191, 32);
	if (sntrup761_encaps(ct, a, pk, secret_random, NULL) != 0)
		return 1;
	DECLASSIFY(ct, sizeof(ct));
	if (sntrup761_decaps(b, ct, sk) != 0)
		return 1;
	DECLASSIFY(a, 32);
	DECLASSIFY(b, 32);
	if (memcmp(a, b, 32) != 0)
		return 1;
	ct[9] ^= 1;
	return sntrup761_decaps(b, ct, sk) != 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--leak") == 0) {
		uint8_t s[1];

		RAND_bytes(s, 1);
		SECRET(s, 1);
		if (s[0] & 1) /* the leak valgrind must see */
			puts("odd");
		return 0;
	}
	if (!RUNNING_ON_VALGRIND)
		fprintf(stderr, "pq_ct: not under valgrind, nothing is checked\n");
	if (mlkem() != 0 || sntrup() != 0) {
		fprintf(stderr, "pq_ct: a KEM operation failed\n");
		return 1;
	}
	puts("ML-KEM-768 and sntrup761 ran on secret inputs");
	return 0;
}
