/* SPDX-License-Identifier: MIT */
/* What the libFuzzer harnesses share. */
#ifndef KSSH_FUZZ_H
#define KSSH_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The input as a NUL-terminated string, for the text parsers; NULL without memory; free() it */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = 0;
	}
	return s;
}

#endif
