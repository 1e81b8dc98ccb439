// SPDX-License-Identifier: MIT
/*
 * libFuzzer: what a TACACS+ server (or anyone on its path) sends the client:
 * a 12-byte header, then a body, deobfuscated with a fixed key as the client
 * does (a wrong key gives the same garbage) and read as the reply of the
 * type the header names: authentication, authorization or accounting. Then
 * the request bodies, built from the input's bytes as names and arguments.
 */
#include <stdint.h>
#include <string.h>

#include "kssh/tacacs.h"
#include "fuzz.h"

static void reply(const uint8_t *data, size_t size)
{
	struct kssh_tacacs_header h;
	struct kssh_tacacs_authen_reply ar;
	struct kssh_tacacs_author_reply zr;
	uint8_t body[KSSH_TACACS_BODY_MAX], status;
	char msg[160];
	size_t n;

	if (size < KSSH_TACACS_HDR || kssh_tacacs_header_get(data, &h) != 0)
		return;
	n = size - KSSH_TACACS_HDR < h.length ? size - KSSH_TACACS_HDR : h.length;
	memcpy(body, data + KSSH_TACACS_HDR, n);
	if (!(h.flags & KSSH_TACACS_UNENCRYPTED))
		kssh_tacacs_obfuscate(&h, "fuzz-key", body, n);
	if (h.type == KSSH_TACACS_AUTHEN)
		kssh_tacacs_parse_authen_reply(body, n, &ar);
	else if (h.type == KSSH_TACACS_AUTHOR)
		kssh_tacacs_parse_author_reply(body, n, &zr);
	else
		kssh_tacacs_parse_acct_reply(body, n, &status, msg, sizeof(msg));
}

/* the input's bytes as NUL-separated strings: user, rem_addr, then arguments */
static void requests(const uint8_t *data, size_t size)
{
	char text[4096], *fields[8];
	size_t n = 0, len = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	struct kssh_buf b;

	memcpy(text, data, len);
	text[len] = 0;
	fields[n++] = text;
	for (size_t i = 0; i < len && n < 8; i++)
		if (text[i] == 0)
			fields[n++] = text + i + 1;
	while (n < 3)
		fields[n++] = "";
	kssh_buf_init(&b, KSSH_TACACS_BODY_MAX);
	kssh_tacacs_authen_start_body(&b, KSSH_TACACS_PAP, fields[0], "ssh", fields[1], fields[2]);
	kssh_buf_reset(&b);
	kssh_tacacs_authen_continue_body(&b, fields[2], 0);
	kssh_buf_reset(&b);
	kssh_tacacs_author_body(&b, size & 1 ? 0x02 : -1, fields[0], "ssh", fields[1], (const char *const *)fields + 2,
	                        n - 2);
	kssh_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	reply(data, size);
	requests(data, size);
	return 0;
}
