// SPDX-License-Identifier: MIT
/*
 * Revoked keys, as OpenSSH's RevokedKeys reads them: a file of public keys
 * (one per line), or a KRL as `ssh-keygen -k` writes it (PROTOCOL.krl): plain
 * keys by blob or SHA-1/SHA-256 hash, certificates by serial (lists, ranges,
 * bitmaps) or key id, for one CA or for all. A key is checked itself and, when
 * it is a certificate, through its certified key, its CA key and its serial
 * and id. A file that cannot be read or parsed revokes everything (the caller
 * refuses), as OpenSSH does.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kssh/cert.h"
#include "kssh/err.h"
#include "kssh/revoked.h"

#define REVOKED_FILE_MAX (64u << 20)
#define KRL_MAGIC "SSHKRL\n\0"

enum { SECTION_CERTIFICATES = 1, SECTION_EXPLICIT_KEY, SECTION_FINGERPRINT_SHA1, SECTION_SIGNATURE,
       SECTION_FINGERPRINT_SHA256, SECTION_EXTENSION = 255 };
enum { CERT_SERIAL_LIST = 0x20, CERT_SERIAL_RANGE, CERT_SERIAL_BITMAP, CERT_KEY_ID, CERT_EXTENSION = 0x39 };

struct subject {
	const struct kssh_key *plain[2]; /* the key (or the certified key) and the CA key */
	struct kssh_buf blobs[2];
	const struct kssh_cert *cert;
};

static int read_file(const char *path, struct kssh_buf *out)
{
	FILE *f = fopen(path, "re");
	uint8_t chunk[8192];
	size_t n;
	int r = 0;

	if (f == NULL)
		return KSSH_ERR_SYSTEM;
	while (r == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		r = kssh_buf_len(out) + n > REVOKED_FILE_MAX ? KSSH_ERR_FILE_FORMAT : kssh_buf_put(out, chunk, n);
	if (r == 0 && ferror(f))
		r = KSSH_ERR_SYSTEM;
	fclose(f);
	return r;
}

static int blob_is_subject(const struct subject *s, const uint8_t *blob, size_t len)
{
	for (int i = 0; i < 2; i++)
		if (s->plain[i] != NULL && kssh_buf_len(&s->blobs[i]) == len &&
		    memcmp(kssh_buf_ptr(&s->blobs[i]), blob, len) == 0)
			return 1;
	return 0;
}

static int hash_is_subject(const struct subject *s, const char *md, const uint8_t *hash, size_t len)
{
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned hl;

	for (int i = 0; i < 2; i++) {
		if (s->plain[i] == NULL)
			continue;
		if (!EVP_Digest(kssh_buf_ptr(&s->blobs[i]), kssh_buf_len(&s->blobs[i]), h, &hl, EVP_get_digestbyname(md),
		                NULL))
			return KSSH_ERR_LIBCRYPTO;
		if (hl == len && memcmp(h, hash, len) == 0)
			return 1;
	}
	return 0;
}

static int revoked(const char **why, const char *text)
{
	*why = text;
	return KSSH_ERR_HOST_KEY_REVOKED;
}

/* Each string of a section must be a key blob (or hash) that is not ours */
static int strings_section(const struct subject *s, int type, const uint8_t *p, size_t len, const char **why)
{
	struct kssh_buf b;
	const uint8_t *v;
	size_t n;
	int r;

	kssh_buf_view(&b, p, len);
	while (kssh_buf_len(&b) > 0) {
		if ((r = kssh_buf_get_string_view(&b, &v, &n)) != 0)
			return KSSH_ERR_FILE_FORMAT;
		r = type == SECTION_EXPLICIT_KEY ? blob_is_subject(s, v, n)
		    : hash_is_subject(s, type == SECTION_FINGERPRINT_SHA1 ? "SHA1" : "SHA256", v, n);
		if (r < 0)
			return r;
		if (r)
			return revoked(why, type == SECTION_EXPLICIT_KEY ? "key listed in the KRL" : "key's hash listed in the KRL");
	}
	return 0;
}

static int serial_in_bitmap(uint64_t serial, uint64_t offset, const uint8_t *bm, size_t len)
{
	uint64_t bit;

	if (serial < offset)
		return 0;
	bit = serial - offset;
	if (bit / 8 >= len)
		return 0;
	return (bm[len - 1 - bit / 8] >> (bit % 8)) & 1;
}

static int cert_section(const struct subject *s, const uint8_t *p, size_t len, const char **why)
{
	const struct kssh_cert *c = s->cert;
	const uint8_t *ca, *reserved, *data, *v;
	size_t ca_len, reserved_len, data_len, n;
	struct kssh_buf b, d;
	int applies;

	kssh_buf_view(&b, p, len);
	if (kssh_buf_get_string_view(&b, &ca, &ca_len) != 0 || kssh_buf_get_string_view(&b, &reserved, &reserved_len) != 0)
		return KSSH_ERR_FILE_FORMAT;
	/* for this certificate's CA, or (an empty CA key) for every CA */
	applies = c != NULL && (ca_len == 0 || (kssh_buf_len(&s->blobs[1]) == ca_len &&
	                                        memcmp(kssh_buf_ptr(&s->blobs[1]), ca, ca_len) == 0));
	while (kssh_buf_len(&b) > 0) {
		uint8_t type;
		uint64_t lo, hi;

		if (kssh_buf_get_u8(&b, &type) != 0 || kssh_buf_get_string_view(&b, &data, &data_len) != 0)
			return KSSH_ERR_FILE_FORMAT;
		kssh_buf_view(&d, data, data_len);
		switch (type) {
		case CERT_SERIAL_LIST:
			while (kssh_buf_len(&d) > 0) {
				if (kssh_buf_get_u64(&d, &lo) != 0)
					return KSSH_ERR_FILE_FORMAT;
				if (applies && lo == c->serial)
					return revoked(why, "serial revoked by the KRL");
			}
			break;
		case CERT_SERIAL_RANGE:
			if (kssh_buf_get_u64(&d, &lo) != 0 || kssh_buf_get_u64(&d, &hi) != 0 || kssh_buf_len(&d) != 0 || lo > hi)
				return KSSH_ERR_FILE_FORMAT;
			if (applies && c->serial >= lo && c->serial <= hi)
				return revoked(why, "serial in a range revoked by the KRL");
			break;
		case CERT_SERIAL_BITMAP:
			if (kssh_buf_get_u64(&d, &lo) != 0 || kssh_buf_get_mpint_view(&d, &v, &n) != 0 || kssh_buf_len(&d) != 0)
				return KSSH_ERR_FILE_FORMAT;
			if (applies && serial_in_bitmap(c->serial, lo, v, n))
				return revoked(why, "serial revoked by the KRL");
			break;
		case CERT_KEY_ID:
			while (kssh_buf_len(&d) > 0) {
				if (kssh_buf_get_string_view(&d, &v, &n) != 0)
					return KSSH_ERR_FILE_FORMAT;
				if (applies && n == strlen(c->key_id) && memcmp(v, c->key_id, n) == 0)
					return revoked(why, "key id revoked by the KRL");
			}
			break;
		case CERT_EXTENSION: {
			int critical;

			if (kssh_buf_get_string_view(&d, &v, &n) != 0 || kssh_buf_get_bool(&d, &critical) != 0)
				return KSSH_ERR_FILE_FORMAT;
			if (critical)
				return KSSH_ERR_FILE_FORMAT; /* none is known here */
			break;
		}
		default:
			return KSSH_ERR_FILE_FORMAT;
		}
	}
	return 0;
}

static int check_krl(const struct subject *s, struct kssh_buf *b, const char **why)
{
	uint64_t magic, version, date, flags;
	const uint8_t *reserved, *comment, *data;
	size_t reserved_len, comment_len, data_len;
	uint32_t format;
	int r;

	if (kssh_buf_get_u64(b, &magic) != 0 || kssh_buf_get_u32(b, &format) != 0 || format != 1 ||
	    kssh_buf_get_u64(b, &version) != 0 || kssh_buf_get_u64(b, &date) != 0 || kssh_buf_get_u64(b, &flags) != 0 ||
	    kssh_buf_get_string_view(b, &reserved, &reserved_len) != 0 ||
	    kssh_buf_get_string_view(b, &comment, &comment_len) != 0)
		return KSSH_ERR_FILE_FORMAT;
	while (kssh_buf_len(b) > 0) {
		uint8_t type;
		int critical;
		struct kssh_buf d;
		const uint8_t *v;
		size_t n;

		if (kssh_buf_get_u8(b, &type) != 0 || kssh_buf_get_string_view(b, &data, &data_len) != 0)
			return KSSH_ERR_FILE_FORMAT;
		switch (type) {
		case SECTION_CERTIFICATES:
			r = cert_section(s, data, data_len, why);
			break;
		case SECTION_EXPLICIT_KEY:
		case SECTION_FINGERPRINT_SHA1:
		case SECTION_FINGERPRINT_SHA256:
			r = strings_section(s, type, data, data_len, why);
			break;
		case SECTION_EXTENSION:
			kssh_buf_view(&d, data, data_len);
			r = kssh_buf_get_string_view(&d, &v, &n) != 0 || kssh_buf_get_bool(&d, &critical) != 0 || critical
			    ? KSSH_ERR_FILE_FORMAT : 0;
			break;
		default: /* signatures are refused, as OpenSSH 9.4 and later do */
			r = KSSH_ERR_FILE_FORMAT;
		}
		if (r != 0)
			return r;
	}
	return 0;
}

static int check_list(const struct subject *s, struct kssh_buf *b, const char **why)
{
	char *text = strndup((const char *)kssh_buf_ptr(b), kssh_buf_len(b)), *save = NULL;
	int r = 0;

	if (text == NULL)
		return KSSH_ERR_ALLOC;
	for (char *line = strtok_r(text, "\n", &save); line != NULL && r == 0; line = strtok_r(NULL, "\n", &save)) {
		struct kssh_key *k;

		line += strspn(line, " \t");
		if (*line == 0 || *line == '#' || *line == '\r')
			continue;
		if (kssh_key_parse_public_line(line, &k) != 0)
			continue; /* OpenSSH skips lines it cannot read, as for authorized_keys */
		for (int i = 0; i < 2 && r == 0; i++)
			if (s->plain[i] != NULL && kssh_key_equal_public(k, s->plain[i]))
				r = revoked(why, i ? "CA key listed in the revoked keys file" : "key listed in the revoked keys file");
		kssh_key_free(k);
	}
	free(text);
	return r;
}

int kssh_revoked_check(const char *path, const struct kssh_key *key, const struct kssh_cert *cert, const char **why)
{
	struct subject s = { .plain = { cert ? cert->key : key, cert ? cert->ca : NULL }, .cert = cert };
	struct kssh_buf file;
	int r;

	*why = "the revoked keys file cannot be read";
	kssh_buf_init(&file, 0);
	kssh_buf_init(&s.blobs[0], 0);
	kssh_buf_init(&s.blobs[1], 0);
	if ((r = read_file(path, &file)) != 0)
		goto out;
	for (int i = 0; i < 2; i++)
		if (s.plain[i] != NULL && (r = kssh_key_to_blob(s.plain[i], &s.blobs[i])) != 0)
			goto out;
	*why = NULL;
	if (kssh_buf_len(&file) >= 8 && memcmp(kssh_buf_ptr(&file), KRL_MAGIC, 8) == 0)
		r = check_krl(&s, &file, why);
	else
		r = check_list(&s, &file, why);
	if (r != 0 && r != KSSH_ERR_HOST_KEY_REVOKED)
		*why = "the revoked keys file is malformed";
out:
	kssh_buf_release(&file);
	kssh_buf_release(&s.blobs[0]);
	kssh_buf_release(&s.blobs[1]);
	return r;
}
