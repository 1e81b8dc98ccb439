/* SPDX-License-Identifier: MIT */
/*
 * Bounded buffer. Every byte kssh reads from the network or a user's file is
 * read through these getters; each returns 0 or a negative kssh_err and never
 * reads past what the buffer holds.
 */
#ifndef KSSH_BUF_H
#define KSSH_BUF_H

#include <stddef.h>
#include <stdint.h>

#define KSSH_BUF_MAX_DEFAULT (16u * 1024 * 1024)

struct kssh_buf {
	uint8_t *data;  /* storage; NULL for an empty buffer */
	size_t alloc;   /* bytes allocated */
	size_t off;     /* read position */
	size_t end;     /* write position: data[off..end) is the content */
	size_t max;     /* content may never exceed this */
	int readonly;   /* a view over memory the buffer does not own */
};

void kssh_buf_init(struct kssh_buf *b, size_t max);
void kssh_buf_view(struct kssh_buf *b, const void *data, size_t len);
struct kssh_buf *kssh_buf_new(size_t max);
void kssh_buf_free(struct kssh_buf *b);    /* wipes the contents */
void kssh_buf_release(struct kssh_buf *b); /* wipes and frees storage of an embedded buffer */
void kssh_buf_reset(struct kssh_buf *b);

size_t kssh_buf_len(const struct kssh_buf *b);
const uint8_t *kssh_buf_ptr(const struct kssh_buf *b);
uint8_t *kssh_buf_mutable_ptr(struct kssh_buf *b);
int kssh_buf_consume(struct kssh_buf *b, size_t n);
int kssh_buf_consume_end(struct kssh_buf *b, size_t n);

/* Writing. reserve hands out n writable bytes at the end. */
int kssh_buf_reserve(struct kssh_buf *b, size_t n, uint8_t **dst);
int kssh_buf_put(struct kssh_buf *b, const void *data, size_t n);
int kssh_buf_put_u8(struct kssh_buf *b, uint8_t v);
int kssh_buf_put_u32(struct kssh_buf *b, uint32_t v);
int kssh_buf_put_u64(struct kssh_buf *b, uint64_t v);
int kssh_buf_put_string(struct kssh_buf *b, const void *data, size_t n);
int kssh_buf_put_cstring(struct kssh_buf *b, const char *s);
int kssh_buf_put_buf_string(struct kssh_buf *b, const struct kssh_buf *v);
int kssh_buf_put_mpint_bytes(struct kssh_buf *b, const uint8_t *be, size_t n);

/* Reading: each consumes what it returns. */
int kssh_buf_get_u8(struct kssh_buf *b, uint8_t *v);
int kssh_buf_get_u32(struct kssh_buf *b, uint32_t *v);
int kssh_buf_get_u64(struct kssh_buf *b, uint64_t *v);
int kssh_buf_get_bool(struct kssh_buf *b, int *v);
int kssh_buf_get_bytes(struct kssh_buf *b, void *dst, size_t n);
int kssh_buf_get_string_view(struct kssh_buf *b, const uint8_t **p, size_t *n);
int kssh_buf_get_string(struct kssh_buf *b, uint8_t **p, size_t *n);
int kssh_buf_get_cstring(struct kssh_buf *b, char **s, size_t *n);
/* A string into dst[len] with its NUL: one that does not fit or holds a NUL is refused */
int kssh_buf_get_name(struct kssh_buf *b, char *dst, size_t len);
int kssh_buf_get_mpint_view(struct kssh_buf *b, const uint8_t **p, size_t *n);
int kssh_buf_peek_u32(const struct kssh_buf *b, size_t offset, uint32_t *v);

/* Big-endian helpers for fixed headers the packet layer owns. */
static inline uint32_t kssh_peek_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void kssh_poke_u32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

#endif
