// SPDX-License-Identifier: MIT
/* known_hosts in OpenSSH's format (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT), hashed names too. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "kssh/err.h"
#include "kssh/key.h"

#define LINE_MAX_LEN (16 * 1024)
#define HASH_MAGIC "|1|"
#define SHA1_LEN 20

/* "[host]:port" unless the port is 22, as OpenSSH writes it */
static void lookup_name(const char *host, unsigned port, char *out, size_t len)
{
	if (port == 0 || port == 22)
		snprintf(out, len, "%s", host);
	else
		snprintf(out, len, "[%s]:%u", host, port);
}

static int hashed_matches(const char *entry, size_t len, const char *name)
{
	struct kssh_buf salt, want;
	const char *sep;
	uint8_t mac[SHA1_LEN];
	unsigned mac_len = sizeof(mac);
	int match = 0;

	entry += strlen(HASH_MAGIC);
	len -= strlen(HASH_MAGIC);
	if ((sep = memchr(entry, '|', len)) == NULL)
		return 0;
	kssh_buf_init(&salt, 256);
	kssh_buf_init(&want, 256);
	if (kssh_base64_decode(entry, (size_t)(sep - entry), &salt) == 0 &&
	    kssh_base64_decode(sep + 1, len - (size_t)(sep - entry) - 1, &want) == 0 &&
	    kssh_buf_len(&salt) == SHA1_LEN && kssh_buf_len(&want) == SHA1_LEN &&
	    HMAC(EVP_sha1(), kssh_buf_ptr(&salt), SHA1_LEN, (const uint8_t *)name,
	         strlen(name), mac, &mac_len) != NULL)
		match = CRYPTO_memcmp(mac, kssh_buf_ptr(&want), SHA1_LEN) == 0;
	kssh_buf_release(&salt);
	kssh_buf_release(&want);
	return match;
}

/* OpenSSH's patterns: '*' and '?' only, case-insensitive; "[host]:port" is literal. */
static int pattern_matches(const char *pat, size_t len, const char *name)
{
	size_t star_p = (size_t)-1, star_n = 0, p = 0, n = 0;

	while (name[n] != 0) {
		if (p < len && (pat[p] == '?' ||
		                tolower((unsigned char)pat[p]) == tolower((unsigned char)name[n]))) {
			p++;
			n++;
		} else if (p < len && pat[p] == '*') {
			star_p = p++;
			star_n = n;
		} else if (star_p != (size_t)-1) {
			p = star_p + 1;
			n = ++star_n;
		} else {
			return 0;
		}
	}
	while (p < len && pat[p] == '*')
		p++;
	return p == len;
}

/* Comma-separated patterns; a matching "!pattern" excludes the host outright. */
int kssh_known_hosts_host_matches(const char *field, const char *name)
{
	size_t len = strlen(field);
	int matched = 0;

	if (strncmp(field, HASH_MAGIC, strlen(HASH_MAGIC)) == 0)
		return hashed_matches(field, len, name);
	while (len > 0) {
		size_t n = strcspn(field, ",");
		int negate = n > 0 && field[0] == '!';

		if (pattern_matches(field + negate, n - (size_t)negate, name)) {
			if (negate)
				return 0;
			matched = 1;
		}
		field += n;
		len -= n;
		if (len > 0) {
			field++;
			len--;
		}
	}
	return matched;
}

struct entry {
	char *marker;  /* "@revoked", "@cert-authority" or NULL */
	char *hosts;
	char *key_text;
};

/* Splits a line in place; returns 0 for a line to skip. */
static int split_line(char *line, struct entry *e)
{
	char *save = NULL, *tok;

	memset(e, 0, sizeof(*e));
	line[strcspn(line, "\r\n")] = 0;
	while (isspace((unsigned char)*line))
		line++;
	if (*line == 0 || *line == '#')
		return 0;
	tok = strtok_r(line, " \t", &save);
	if (tok != NULL && tok[0] == '@') {
		e->marker = tok;
		tok = strtok_r(NULL, " \t", &save);
	}
	if (tok == NULL || save == NULL)
		return 0;
	e->hosts = tok;
	e->key_text = save;
	return 1;
}

typedef int (*entry_fn)(void *arg, const struct entry *e, struct kssh_key *key, unsigned line);

static int for_each_host_entry(const char *path, const char *name, entry_fn fn, void *arg)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	struct entry e;
	FILE *f;
	int r = 0;

	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : KSSH_ERR_SYSTEM;
	while (r == 0 && (n = getline(&line, &cap, f)) >= 0) {
		struct kssh_key *key = NULL;

		lineno++;
		if (n > LINE_MAX_LEN || !split_line(line, &e))
			continue;
		if (!kssh_known_hosts_host_matches(e.hosts, name))
			continue;
		/* lines with key types we do not know are skipped, as OpenSSH does */
		if (kssh_key_parse_public_line(e.key_text, &key) != 0)
			continue;
		r = fn(arg, &e, key, lineno);
		kssh_key_free(key);
	}
	free(line);
	fclose(f);
	return r;
}

struct check_state {
	const struct kssh_key *key;
	struct kssh_hostkey_match *m;
	int found, changed, revoked;
	unsigned found_line, changed_line, revoked_line;
};

static int check_entry(void *arg, const struct entry *e, struct kssh_key *key, unsigned line)
{
	struct check_state *s = arg;
	int equal = kssh_key_equal_public(key, s->key);

	if (e->marker != NULL) {
		if (strcmp(e->marker, "@revoked") == 0 && equal && !s->revoked) {
			s->revoked = 1;
			s->revoked_line = line;
		}
		return 0;
	}
	if (equal && !s->found) {
		s->found = 1;
		s->found_line = line;
	} else if (!equal && key->type == s->key->type && !s->changed) {
		s->changed = 1;
		s->changed_line = line;
	}
	return 0;
}

int kssh_known_hosts_check(const char *path, const char *host, unsigned port,
                           const struct kssh_key *key, struct kssh_hostkey_match *m)
{
	struct check_state s = { .key = key, .m = m };
	char name[1100];
	int r;

	lookup_name(host, port, name, sizeof(name));
	if ((r = for_each_host_entry(path, name, check_entry, &s)) != 0)
		return r;
	if (s.revoked) {
		m->status = KSSH_HOSTKEY_REVOKED;
		m->line = s.revoked_line;
	} else if (s.found) {
		m->status = KSSH_HOSTKEY_OK;
		m->line = s.found_line;
	} else if (s.changed) {
		m->status = KSSH_HOSTKEY_CHANGED;
		m->line = s.changed_line;
	} else {
		m->status = KSSH_HOSTKEY_UNKNOWN;
		m->line = 0;
	}
	return 0;
}

struct ca_state {
	const struct kssh_key *ca;
	unsigned line;
	int found;
};

static int ca_entry(void *arg, const struct entry *e, struct kssh_key *key, unsigned line)
{
	struct ca_state *s = arg;

	if (e->marker == NULL || strcmp(e->marker, "@cert-authority") != 0 || s->found)
		return 0;
	if (s->ca == NULL || kssh_key_equal_public(key, s->ca)) {
		s->found = 1;
		s->line = line;
	}
	return 0;
}

int kssh_known_hosts_find_ca(const char *path, const char *host, unsigned port, const struct kssh_key *ca,
                             unsigned *line)
{
	struct ca_state s = { .ca = ca };
	char name[1100];
	int r;

	lookup_name(host, port, name, sizeof(name));
	if ((r = for_each_host_entry(path, name, ca_entry, &s)) != 0)
		return r;
	if (line != NULL)
		*line = s.line;
	return s.found ? 0 : KSSH_ERR_NOT_FOUND;
}

struct types_state {
	enum kssh_key_type *types;
	size_t max, n;
};

static int collect_type(void *arg, const struct entry *e, struct kssh_key *key, unsigned line)
{
	struct types_state *s = arg;

	(void)line;
	if (e->marker != NULL)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->types[i] == key->type)
			return 0;
	if (s->n < s->max)
		s->types[s->n++] = key->type;
	return 0;
}

int kssh_known_hosts_key_types(const char *path, const char *host, unsigned port,
                               enum kssh_key_type *types, size_t max, size_t *n)
{
	struct types_state s = { types, max, 0 };
	char name[1100];
	int r;

	lookup_name(host, port, name, sizeof(name));
	r = for_each_host_entry(path, name, collect_type, &s);
	*n = s.n;
	return r;
}

static int hashed_name(const char *name, char *out, size_t len)
{
	uint8_t salt[SHA1_LEN], mac[SHA1_LEN];
	unsigned mac_len = sizeof(mac);
	char *s64, *m64;
	int r = 0;

	if (RAND_bytes(salt, sizeof(salt)) != 1 ||
	    HMAC(EVP_sha1(), salt, sizeof(salt), (const uint8_t *)name, strlen(name),
	         mac, &mac_len) == NULL)
		return KSSH_ERR_LIBCRYPTO;
	s64 = kssh_base64_encode(salt, sizeof(salt));
	m64 = kssh_base64_encode(mac, sizeof(mac));
	if (s64 == NULL || m64 == NULL)
		r = KSSH_ERR_ALLOC;
	else if (snprintf(out, len, HASH_MAGIC "%s|%s", s64, m64) >= (int)len)
		r = KSSH_ERR_NO_BUFFER_SPACE;
	free(s64);
	free(m64);
	return r;
}

int kssh_known_hosts_add(const char *path, const char *host, unsigned port,
                         const struct kssh_key *key, int hash)
{
	char name[1100], field[1100], *keyline = NULL, *text = NULL;
	int fd = -1, r;
	size_t n;

	lookup_name(host, port, name, sizeof(name));
	if (hash) {
		if ((r = hashed_name(name, field, sizeof(field))) != 0)
			return r;
	} else {
		snprintf(field, sizeof(field), "%s", name);
	}
	if ((r = kssh_key_public_line(key, NULL, &keyline)) != 0)
		return r;
	n = strlen(field) + strlen(keyline) + 3;
	if ((text = malloc(n)) == NULL) {
		r = KSSH_ERR_ALLOC;
		goto out;
	}
	snprintf(text, n, "%s %s\n", field, keyline);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		r = KSSH_ERR_SYSTEM;
out:
	if (fd >= 0)
		close(fd);
	free(keyline);
	free(text);
	return r;
}
