// SPDX-License-Identifier: MIT
/* base64 for key files, known_hosts and fingerprints, on OpenSSL's codec. */
#include <ctype.h>
#include <stdlib.h>
#include <openssl/evp.h>

#include "kssh/err.h"
#include "kssh/key.h"

char *kssh_base64_encode(const uint8_t *data, size_t len)
{
	char *out;

	if (len > (1u << 28))
		return NULL;
	if ((out = malloc(4 * ((len + 2) / 3) + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

/* Strict: only the alphabet, whitespace skipped, '=' only at the end. */
int kssh_base64_decode(const char *text, size_t len, struct kssh_buf *out)
{
	struct kssh_buf clean;
	size_t n, pad = 0;
	uint8_t *dst;
	int r, got;

	kssh_buf_init(&clean, len + 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (isspace(c))
			continue;
		if (c == '=') {
			pad++;
		} else if (pad > 0 || !(isalnum(c) || c == '+' || c == '/')) {
			r = KSSH_ERR_INVALID_FORMAT;
			goto out;
		}
		if ((r = kssh_buf_put_u8(&clean, c)) != 0)
			goto out;
	}
	n = kssh_buf_len(&clean);
	if (n % 4 != 0 || pad > 2) {
		r = KSSH_ERR_INVALID_FORMAT;
		goto out;
	}
	if ((r = kssh_buf_reserve(out, n / 4 * 3, &dst)) != 0)
		goto out;
	got = n ? EVP_DecodeBlock(dst, kssh_buf_ptr(&clean), (int)n) : 0;
	if (got < 0 || (size_t)got != n / 4 * 3) {
		kssh_buf_consume_end(out, n / 4 * 3);
		r = KSSH_ERR_INVALID_FORMAT;
		goto out;
	}
	r = kssh_buf_consume_end(out, pad); /* EVP_DecodeBlock counts padding as zeros */
out:
	kssh_buf_release(&clean);
	return r;
}
