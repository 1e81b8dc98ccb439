// SPDX-License-Identifier: MIT
/*
 * Line-oriented access to the ML-KEM-768 functions for tests that compare
 * them with another implementation. One request per line on stdin, one
 * answer per line on stdout, all values in hex:
 *   K d z        -> ek dk          (FIPS 203 ML-KEM.KeyGen_internal)
 *   E ek m       -> c k            (ML-KEM.Encaps_internal; "invalid" if ek fails 7.2)
 *   D dk c       -> k              (ML-KEM.Decaps; "invalid" if dk fails 7.3)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kex/kex_pq.h"

static int unhex(const char *s, uint8_t *out, size_t len)
{
	if (strlen(s) != 2 * len)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static void hex(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		printf("%02x", p[i]);
}

int main(void)
{
	static char line[16384];
	static uint8_t ek[MLKEM768_EK_LEN], dk[MLKEM768_DK_LEN], ct[MLKEM768_CT_LEN];
	uint8_t a[32], b[32];

	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *op = strtok(line, " \n"), *x = strtok(NULL, " \n"), *y = strtok(NULL, " \n");

		if (op == NULL || x == NULL || y == NULL) {
			fprintf(stderr, "pq_tool: bad request\n");
			return 2;
		}
		if (strcmp(op, "K") == 0 && unhex(x, a, 32) == 0 && unhex(y, b, 32) == 0) {
			if (mlkem768_keygen_derand(ek, dk, a, b) != 0)
				return 1;
			hex(ek, sizeof(ek));
			putchar(' ');
			hex(dk, sizeof(dk));
		} else if (strcmp(op, "E") == 0 && unhex(x, ek, sizeof(ek)) == 0 && unhex(y, a, 32) == 0) {
			if (mlkem768_encaps_derand(ct, b, ek, a) != 0) {
				printf("invalid\n");
				fflush(stdout);
				continue;
			}
			hex(ct, sizeof(ct));
			putchar(' ');
			hex(b, 32);
		} else if (strcmp(op, "D") == 0 && unhex(x, dk, sizeof(dk)) == 0 &&
		           unhex(y, ct, sizeof(ct)) == 0) {
			if (mlkem768_decaps(a, ct, dk) != 0) {
				printf("invalid\n");
				fflush(stdout);
				continue;
			}
			hex(a, 32);
		} else {
			fprintf(stderr, "pq_tool: bad request %s\n", op);
			return 2;
		}
		putchar('\n');
		fflush(stdout);
	}
	return 0;
}
