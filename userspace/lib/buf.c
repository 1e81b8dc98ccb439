// SPDX-License-Identifier: MIT
/* Bounded buffer: the only code in kssh that does arithmetic on wire bytes. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "kssh/buf.h"
#include "kssh/err.h"

#define STRING_MAX (16u * 1024 * 1024)
#define MPINT_MAX_BYTES 2049 /* 16384-bit numbers plus a sign byte */

void kssh_buf_init(struct kssh_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : KSSH_BUF_MAX_DEFAULT;
}

void kssh_buf_view(struct kssh_buf *b, const void *data, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->data = (uint8_t *)data;
	b->alloc = b->end = b->max = len;
	b->readonly = 1;
}

struct kssh_buf *kssh_buf_new(size_t max)
{
	struct kssh_buf *b = malloc(sizeof(*b));

	if (b != NULL)
		kssh_buf_init(b, max);
	return b;
}

void kssh_buf_release(struct kssh_buf *b)
{
	if (b == NULL || b->readonly)
		return;
	if (b->data != NULL) {
		OPENSSL_cleanse(b->data, b->alloc);
		free(b->data);
	}
	b->data = NULL;
	b->alloc = b->off = b->end = 0;
}

void kssh_buf_free(struct kssh_buf *b)
{
	if (b == NULL)
		return;
	kssh_buf_release(b);
	free(b);
}

void kssh_buf_reset(struct kssh_buf *b)
{
	b->off = b->end = 0;
}

size_t kssh_buf_len(const struct kssh_buf *b)
{
	return b->end - b->off;
}

const uint8_t *kssh_buf_ptr(const struct kssh_buf *b)
{
	static const uint8_t empty[1];

	/* never NULL: callers may pass it to memchr/memcpy with a length of 0 */
	return b->data != NULL ? b->data + b->off : empty;
}

uint8_t *kssh_buf_mutable_ptr(struct kssh_buf *b)
{
	return b->readonly || b->data == NULL ? NULL : b->data + b->off;
}

int kssh_buf_consume(struct kssh_buf *b, size_t n)
{
	if (n > kssh_buf_len(b))
		return KSSH_ERR_MESSAGE_INCOMPLETE;
	b->off += n;
	if (b->off == b->end)
		b->off = b->end = 0;
	return 0;
}

int kssh_buf_consume_end(struct kssh_buf *b, size_t n)
{
	if (n > kssh_buf_len(b))
		return KSSH_ERR_MESSAGE_INCOMPLETE;
	b->end -= n;
	return 0;
}

/* Makes room for n more bytes, first by sliding content to the front. */
static int make_room(struct kssh_buf *b, size_t n)
{
	size_t len = kssh_buf_len(b), want;
	uint8_t *p;

	if (b->readonly)
		return KSSH_ERR_INVALID_ARGUMENT;
	if (n > b->max || len > b->max - n)
		return KSSH_ERR_NO_BUFFER_SPACE;
	/* storage exists even for zero bytes: a NULL + 0 pointer is undefined behaviour */
	if (b->alloc - b->end >= n && b->data != NULL)
		return 0;
	if (b->off > 0 && b->alloc - len >= n) {
		memmove(b->data, b->data + b->off, len);
		b->end = len;
		b->off = 0;
		return 0;
	}
	want = b->alloc ? b->alloc : 256;
	while (want < len + n)
		want = want * 2 > want ? want * 2 : len + n;
	if (want > b->max)
		want = b->max;
	p = malloc(want);
	if (p == NULL)
		return KSSH_ERR_ALLOC;
	if (b->data != NULL) {
		memcpy(p, b->data + b->off, len);
		OPENSSL_cleanse(b->data, b->alloc);
		free(b->data);
	}
	b->data = p;
	b->alloc = want;
	b->off = 0;
	b->end = len;
	return 0;
}

int kssh_buf_reserve(struct kssh_buf *b, size_t n, uint8_t **dst)
{
	int r;

	if ((r = make_room(b, n)) != 0)
		return r;
	if (dst != NULL)
		*dst = b->data + b->end;
	b->end += n;
	return 0;
}

int kssh_buf_put(struct kssh_buf *b, const void *data, size_t n)
{
	uint8_t *p;
	int r;

	if ((r = kssh_buf_reserve(b, n, &p)) != 0)
		return r;
	if (n > 0)
		memcpy(p, data, n);
	return 0;
}

int kssh_buf_put_u8(struct kssh_buf *b, uint8_t v)
{
	return kssh_buf_put(b, &v, 1);
}

int kssh_buf_put_u32(struct kssh_buf *b, uint32_t v)
{
	uint8_t p[4];

	kssh_poke_u32(p, v);
	return kssh_buf_put(b, p, 4);
}

int kssh_buf_put_u64(struct kssh_buf *b, uint64_t v)
{
	int r;

	if ((r = kssh_buf_put_u32(b, (uint32_t)(v >> 32))) != 0)
		return r;
	return kssh_buf_put_u32(b, (uint32_t)v);
}

int kssh_buf_put_string(struct kssh_buf *b, const void *data, size_t n)
{
	int r;

	if (n > STRING_MAX)
		return KSSH_ERR_STRING_TOO_LARGE;
	if ((r = kssh_buf_put_u32(b, (uint32_t)n)) != 0)
		return r;
	return kssh_buf_put(b, data, n);
}

int kssh_buf_put_cstring(struct kssh_buf *b, const char *s)
{
	return kssh_buf_put_string(b, s, s ? strlen(s) : 0);
}

int kssh_buf_put_buf_string(struct kssh_buf *b, const struct kssh_buf *v)
{
	return kssh_buf_put_string(b, kssh_buf_ptr(v), kssh_buf_len(v));
}

/* RFC 4251 section 5: minimal two's complement; a set top bit gets a zero byte. */
int kssh_buf_put_mpint_bytes(struct kssh_buf *b, const uint8_t *be, size_t n)
{
	int prefix, r;

	while (n > 0 && *be == 0) {
		be++;
		n--;
	}
	if (n > MPINT_MAX_BYTES)
		return KSSH_ERR_BIGNUM_TOO_LARGE;
	prefix = n > 0 && (be[0] & 0x80) != 0;
	if ((r = kssh_buf_put_u32(b, (uint32_t)(n + prefix))) != 0 ||
	    (prefix && (r = kssh_buf_put_u8(b, 0)) != 0))
		return r;
	return kssh_buf_put(b, be, n);
}

int kssh_buf_get_bytes(struct kssh_buf *b, void *dst, size_t n)
{
	if (n > kssh_buf_len(b))
		return KSSH_ERR_MESSAGE_INCOMPLETE;
	if (dst != NULL && n > 0)
		memcpy(dst, b->data + b->off, n);
	return kssh_buf_consume(b, n);
}

int kssh_buf_get_u8(struct kssh_buf *b, uint8_t *v)
{
	return kssh_buf_get_bytes(b, v, 1);
}

int kssh_buf_peek_u32(const struct kssh_buf *b, size_t offset, uint32_t *v)
{
	if (offset > kssh_buf_len(b) || kssh_buf_len(b) - offset < 4)
		return KSSH_ERR_MESSAGE_INCOMPLETE;
	*v = kssh_peek_u32(b->data + b->off + offset);
	return 0;
}

int kssh_buf_get_u32(struct kssh_buf *b, uint32_t *v)
{
	uint32_t x;
	int r;

	if ((r = kssh_buf_peek_u32(b, 0, &x)) != 0)
		return r;
	if (v != NULL)
		*v = x;
	return kssh_buf_consume(b, 4);
}

int kssh_buf_get_u64(struct kssh_buf *b, uint64_t *v)
{
	uint32_t hi, lo;
	int r;

	if ((r = kssh_buf_peek_u32(b, 0, &hi)) != 0 ||
	    (r = kssh_buf_peek_u32(b, 4, &lo)) != 0)
		return r;
	if (v != NULL)
		*v = (uint64_t)hi << 32 | lo;
	return kssh_buf_consume(b, 8);
}

int kssh_buf_get_bool(struct kssh_buf *b, int *v)
{
	uint8_t x;
	int r;

	if ((r = kssh_buf_get_u8(b, &x)) != 0)
		return r;
	if (v != NULL)
		*v = x != 0;
	return 0;
}

int kssh_buf_get_string_view(struct kssh_buf *b, const uint8_t **p, size_t *n)
{
	uint32_t len;
	int r;

	if ((r = kssh_buf_peek_u32(b, 0, &len)) != 0)
		return r;
	if (len > STRING_MAX)
		return KSSH_ERR_STRING_TOO_LARGE;
	if (kssh_buf_len(b) - 4 < len)
		return KSSH_ERR_MESSAGE_INCOMPLETE;
	if (p != NULL)
		*p = b->data + b->off + 4;
	if (n != NULL)
		*n = len;
	return kssh_buf_consume(b, 4 + (size_t)len);
}

int kssh_buf_get_string(struct kssh_buf *b, uint8_t **p, size_t *n)
{
	const uint8_t *v;
	size_t len;
	int r;

	if ((r = kssh_buf_get_string_view(b, &v, &len)) != 0)
		return r;
	if ((*p = malloc(len + 1)) == NULL)
		return KSSH_ERR_ALLOC;
	if (len > 0)
		memcpy(*p, v, len);
	(*p)[len] = 0;
	if (n != NULL)
		*n = len;
	return 0;
}

/* A C string may not hold a NUL: "user\0admin" must not become "user". */
int kssh_buf_get_cstring(struct kssh_buf *b, char **s, size_t *n)
{
	struct kssh_buf copy = *b;
	const uint8_t *v;
	size_t len;
	int r;

	if ((r = kssh_buf_get_string_view(&copy, &v, &len)) != 0)
		return r;
	if (len > 0 && memchr(v, 0, len) != NULL)
		return KSSH_ERR_INVALID_FORMAT;
	return kssh_buf_get_string(b, (uint8_t **)s, n);
}

int kssh_buf_get_name(struct kssh_buf *b, char *dst, size_t len)
{
	struct kssh_buf copy = *b;
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = kssh_buf_get_string_view(&copy, &p, &n)) != 0)
		return r;
	if (n >= len || memchr(p, 0, n) != NULL)
		return KSSH_ERR_INVALID_FORMAT;
	memcpy(dst, p, n);
	dst[n] = 0;
	*b = copy;
	return 0;
}

int kssh_buf_get_mpint_view(struct kssh_buf *b, const uint8_t **p, size_t *n)
{
	struct kssh_buf copy = *b;
	const uint8_t *v;
	size_t len;
	int r;

	if ((r = kssh_buf_get_string_view(&copy, &v, &len)) != 0)
		return r;
	if (len > MPINT_MAX_BYTES)
		return KSSH_ERR_BIGNUM_TOO_LARGE;
	if (len > 0 && (v[0] & 0x80) != 0)
		return KSSH_ERR_BIGNUM_IS_NEGATIVE;
	/* RFC 4251: no unnecessary leading zero bytes */
	if (len > 1 && v[0] == 0 && (v[1] & 0x80) == 0)
		return KSSH_ERR_INVALID_FORMAT;
	while (len > 0 && *v == 0) {
		v++;
		len--;
	}
	*b = copy;
	*p = v;
	*n = len;
	return 0;
}
