// SPDX-License-Identifier: MIT
/*
 * TACACS+ packets (RFC 8907): the 12-byte header, the body obfuscation of
 * section 4.5, the request bodies a client sends and the reply bodies it
 * reads. No I/O here: tacacs.c moves the bytes.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "kssh/tacacs.h"

#define MAJOR 0xc0
/* RFC 8907 5.1, 6.1: the fields of a request */
enum { ACTION_LOGIN = 1, PRIV_LVL_USER = 1, SERVICE_LOGIN = 1, METHOD_TACACSPLUS = 6, CONTINUE_ABORT = 0x01 };

void kssh_tacacs_header_put(uint8_t out[KSSH_TACACS_HDR], const struct kssh_tacacs_header *h)
{
	out[0] = h->version;
	out[1] = h->type;
	out[2] = h->seq;
	out[3] = h->flags;
	for (int i = 0; i < 4; i++) {
		out[4 + i] = (uint8_t)(h->session_id >> (24 - 8 * i));
		out[8 + i] = (uint8_t)(h->length >> (24 - 8 * i));
	}
}

int kssh_tacacs_header_get(const uint8_t in[KSSH_TACACS_HDR], struct kssh_tacacs_header *h)
{
	h->version = in[0];
	h->type = in[1];
	h->seq = in[2];
	h->flags = in[3];
	h->session_id = (uint32_t)in[4] << 24 | (uint32_t)in[5] << 16 | (uint32_t)in[6] << 8 | in[7];
	h->length = (uint32_t)in[8] << 24 | (uint32_t)in[9] << 16 | (uint32_t)in[10] << 8 | in[11];
	if ((h->version & 0xf0) != MAJOR || (h->version & 0x0f) > 1 || h->length > KSSH_TACACS_BODY_MAX)
		return -1;
	return 0;
}

/* pad = MD5(id key version seq) || MD5(id key version seq previous) || ... , XORed over the body */
int kssh_tacacs_obfuscate(const struct kssh_tacacs_header *h, const char *key, uint8_t *body, size_t len)
{
	uint8_t id[4] = { h->session_id >> 24, h->session_id >> 16, h->session_id >> 8, h->session_id };
	uint8_t pad[16];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c != NULL;

	for (size_t off = 0; ok && off < len; off += 16) {
		ok = EVP_DigestInit_ex(c, EVP_md5(), NULL) && EVP_DigestUpdate(c, id, 4) &&
		     EVP_DigestUpdate(c, key, strlen(key)) && EVP_DigestUpdate(c, &h->version, 1) &&
		     EVP_DigestUpdate(c, &h->seq, 1) && (off == 0 || EVP_DigestUpdate(c, pad, 16)) &&
		     EVP_DigestFinal_ex(c, pad, NULL);
		for (size_t i = 0; ok && i < 16 && off + i < len; i++)
			body[off + i] ^= pad[i];
	}
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

/* A body being read: bounded gets, as the buffer type's */
struct reader {
	const uint8_t *p;
	size_t left;
};

static int get_u8(struct reader *r, uint8_t *v)
{
	if (r->left < 1)
		return -1;
	*v = *r->p++;
	r->left--;
	return 0;
}

static int get_u16(struct reader *r, size_t *v)
{
	uint8_t hi, lo;

	if (get_u8(r, &hi) || get_u8(r, &lo))
		return -1;
	*v = (size_t)hi << 8 | lo;
	return 0;
}

/* n bytes as a printable string (others become '?'), cut to fit */
static int get_text(struct reader *r, size_t n, char *out, size_t out_len)
{
	size_t k = 0;

	if (n > r->left)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (out && k + 1 < out_len)
			out[k++] = r->p[i] >= 0x20 && r->p[i] < 0x7f ? (char)r->p[i] : r->p[i] == '\n' ? '\n' : '?';
	if (out && out_len)
		out[k] = 0;
	r->p += n;
	r->left -= n;
	return 0;
}

/* RFC 8907 5.2: status flags server_msg_len data_len server_msg data, nothing after */
int kssh_tacacs_parse_authen_reply(const uint8_t *body, size_t len, struct kssh_tacacs_authen_reply *out)
{
	struct reader r = { body, len };
	size_t msg_len, data_len;

	if (get_u8(&r, &out->status) || get_u8(&r, &out->flags) || get_u16(&r, &msg_len) || get_u16(&r, &data_len) ||
	    msg_len + data_len != r.left || get_text(&r, msg_len, out->server_msg, sizeof(out->server_msg)))
		return -1;
	return out->status >= 1 && (out->status <= 7 || out->status == 0x21) ? 0 : -1;
}

/* RFC 8907 6.2: status arg_cnt server_msg_len data_len arg lengths, server_msg data args */
int kssh_tacacs_parse_author_reply(const uint8_t *body, size_t len, struct kssh_tacacs_author_reply *out)
{
	struct reader r = { body, len };
	uint8_t n_args, arg_len[255];
	size_t msg_len, data_len, total = 0;

	out->priv_lvl = -1;
	if (get_u8(&r, &out->status) || get_u8(&r, &n_args) || get_u16(&r, &msg_len) || get_u16(&r, &data_len))
		return -1;
	for (unsigned i = 0; i < n_args; i++) {
		if (get_u8(&r, &arg_len[i]))
			return -1;
		total += arg_len[i];
	}
	if (msg_len + data_len + total != r.left || get_text(&r, msg_len, out->server_msg, sizeof(out->server_msg)) ||
	    get_text(&r, data_len, NULL, 0))
		return -1;
	for (unsigned i = 0; i < n_args; i++) {
		char arg[256];
		unsigned lvl;
		char extra;

		if (get_text(&r, arg_len[i], arg, sizeof(arg)))
			return -1;
		if ((sscanf(arg, "priv-lvl=%u%c", &lvl, &extra) == 1 || sscanf(arg, "priv-lvl*%u%c", &lvl, &extra) == 1) &&
		    lvl <= 15)
			out->priv_lvl = (int)lvl;
	}
	return out->status == 0x01 || out->status == 0x02 || out->status == 0x10 || out->status == 0x11 ||
	       out->status == 0x21 ? 0 : -1;
}

/* RFC 8907 7.2: server_msg_len data_len status server_msg data */
int kssh_tacacs_parse_acct_reply(const uint8_t *body, size_t len, uint8_t *status, char *msg, size_t msg_len)
{
	struct reader r = { body, len };
	size_t m, d;

	if (get_u16(&r, &m) || get_u16(&r, &d) || get_u8(&r, status) || m + d != r.left ||
	    get_text(&r, m, msg, msg_len))
		return -1;
	return *status == 0x01 || *status == 0x02 || *status == 0x21 ? 0 : -1;
}

static int put_field(struct kssh_buf *b, const char *s)
{
	return kssh_buf_put(b, s, strlen(s));
}

static int too_long(const char *s)
{
	return s != NULL && strlen(s) > 255;
}

/* RFC 8907 5.1 */
int kssh_tacacs_authen_start_body(struct kssh_buf *b, int type, const char *user, const char *port,
                                  const char *rem_addr, const char *data)
{
	data = data ? data : "";
	if (too_long(user) || too_long(port) || too_long(rem_addr) || too_long(data))
		return -1;
	if (kssh_buf_put_u8(b, ACTION_LOGIN) || kssh_buf_put_u8(b, PRIV_LVL_USER) || kssh_buf_put_u8(b, (uint8_t)type) ||
	    kssh_buf_put_u8(b, SERVICE_LOGIN) || kssh_buf_put_u8(b, (uint8_t)strlen(user)) ||
	    kssh_buf_put_u8(b, (uint8_t)strlen(port)) || kssh_buf_put_u8(b, (uint8_t)strlen(rem_addr)) ||
	    kssh_buf_put_u8(b, (uint8_t)strlen(data)) || put_field(b, user) || put_field(b, port) ||
	    put_field(b, rem_addr) || put_field(b, data))
		return -1;
	return 0;
}

/* RFC 8907 5.3: user_msg_len data_len flags user_msg data */
int kssh_tacacs_authen_continue_body(struct kssh_buf *b, const char *user_msg, int abort)
{
	size_t n = strlen(user_msg);

	if (n > 0xffff || kssh_buf_put_u8(b, (uint8_t)(n >> 8)) || kssh_buf_put_u8(b, (uint8_t)n) ||
	    kssh_buf_put_u8(b, 0) || kssh_buf_put_u8(b, 0) || kssh_buf_put_u8(b, abort ? CONTINUE_ABORT : 0) ||
	    put_field(b, user_msg))
		return -1;
	return 0;
}

/* RFC 8907 6.1 (authorization) and 7.1 (accounting: the same, after a flags byte; acct_flags < 0 for none) */
int kssh_tacacs_author_body(struct kssh_buf *b, int acct_flags, const char *user, const char *port,
                            const char *rem_addr, const char *const *args, size_t n_args)
{
	if (too_long(user) || too_long(port) || too_long(rem_addr) || n_args > 255)
		return -1;
	if ((acct_flags >= 0 && kssh_buf_put_u8(b, (uint8_t)acct_flags)) || kssh_buf_put_u8(b, METHOD_TACACSPLUS) ||
	    kssh_buf_put_u8(b, PRIV_LVL_USER) || kssh_buf_put_u8(b, KSSH_TACACS_ASCII) ||
	    kssh_buf_put_u8(b, SERVICE_LOGIN) || kssh_buf_put_u8(b, (uint8_t)strlen(user)) ||
	    kssh_buf_put_u8(b, (uint8_t)strlen(port)) || kssh_buf_put_u8(b, (uint8_t)strlen(rem_addr)) ||
	    kssh_buf_put_u8(b, (uint8_t)n_args))
		return -1;
	for (size_t i = 0; i < n_args; i++)
		if (too_long(args[i]) || kssh_buf_put_u8(b, (uint8_t)strlen(args[i])))
			return -1;
	if (put_field(b, user) || put_field(b, port) || put_field(b, rem_addr))
		return -1;
	for (size_t i = 0; i < n_args; i++)
		if (put_field(b, args[i]))
			return -1;
	return 0;
}
