// SPDX-License-Identifier: MIT
/*
 * authorized_keys (sshd(8) AUTHORIZED_KEYS FILE FORMAT): "[options] type base64 [comment]".
 * Options we cannot honour exactly make the line unusable rather than more
 * permissive: a key limited by something we ignore must not grant more.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kssh/auth.h"
#include "kssh/err.h"

#define LINE_MAX_LEN (16 * 1024)

void kssh_authkey_opts_free(struct kssh_authkey_opts *o)
{
	free(o->from);
	free(o->command);
	free(o->permitlisten);
	free(o->principals);
	memset(o, 0, sizeof(*o));
}

/* A quoted option value: "..." with \" for a quote. Advances *p past it. */
static int quoted_value(const char **p, char **out)
{
	const char *s = *p;
	char *v;
	size_t n = 0;

	if (*s != '"')
		return KSSH_ERR_INVALID_FORMAT;
	if ((v = malloc(strlen(s))) == NULL)
		return KSSH_ERR_ALLOC;
	for (s++; *s != '"'; s++) {
		if (*s == 0) {
			free(v);
			return KSSH_ERR_INVALID_FORMAT;
		}
		if (s[0] == '\\' && s[1] == '"')
			s++;
		v[n++] = *s;
	}
	v[n] = 0;
	*p = s + 1;
	*out = v;
	return 0;
}

static int flag_option(const char *name, size_t n, struct kssh_authkey_opts *o)
{
	static const struct { const char *name; size_t off; int value; } flags[] = {
		{ "no-pty", offsetof(struct kssh_authkey_opts, no_pty), 1 },
		{ "pty", offsetof(struct kssh_authkey_opts, no_pty), 0 },
		{ "no-port-forwarding", offsetof(struct kssh_authkey_opts, no_port_forwarding), 1 },
		{ "port-forwarding", offsetof(struct kssh_authkey_opts, no_port_forwarding), 0 },
		{ "no-agent-forwarding", offsetof(struct kssh_authkey_opts, no_agent_forwarding), 1 },
		{ "agent-forwarding", offsetof(struct kssh_authkey_opts, no_agent_forwarding), 0 },
		{ "no-x11-forwarding", offsetof(struct kssh_authkey_opts, no_x11_forwarding), 1 },
		{ "x11-forwarding", offsetof(struct kssh_authkey_opts, no_x11_forwarding), 0 },
		{ "no-user-rc", offsetof(struct kssh_authkey_opts, no_user_rc), 1 },
		{ "user-rc", offsetof(struct kssh_authkey_opts, no_user_rc), 0 },
		{ "no-touch-required", 0, -1 }, /* security keys only: nothing to do */
		{ "cert-authority", offsetof(struct kssh_authkey_opts, cert_authority), 1 },
	};

	if (n == 8 && strncasecmp(name, "restrict", 8) == 0) {
		o->no_pty = o->no_port_forwarding = o->no_agent_forwarding = 1;
		o->no_x11_forwarding = o->no_user_rc = 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (strlen(flags[i].name) != n || strncasecmp(name, flags[i].name, n) != 0)
			continue;
		if (flags[i].value >= 0)
			*(int *)((char *)o + flags[i].off) = flags[i].value;
		return 0;
	}
	return KSSH_ERR_INVALID_FORMAT;
}

static int value_option(const char *name, size_t n, const char **p, struct kssh_authkey_opts *o)
{
	char *v = NULL;
	int r;

	if ((r = quoted_value(p, &v)) != 0)
		return r;
	if (n == 4 && strncasecmp(name, "from", 4) == 0 && o->from == NULL) {
		o->from = v;
		return 0;
	}
	if (n == 7 && strncasecmp(name, "command", 7) == 0 && o->command == NULL) {
		o->command = v;
		return 0;
	}
	if (n == 10 && strncasecmp(name, "principals", 10) == 0 && o->principals == NULL) {
		o->principals = v;
		return 0;
	}
	/* permitlisten narrows remote forwarding to the listed [host:]port entries (several allowed) */
	if (n == 12 && strncasecmp(name, "permitlisten", 12) == 0) {
		size_t old = o->permitlisten ? strlen(o->permitlisten) : 0;
		char *joined;

		if (v[0] == 0 || strchr(v, ',') != NULL || old + strlen(v) > 1000 ||
		    (joined = realloc(o->permitlisten, old + strlen(v) + 2)) == NULL) {
			free(v);
			return KSSH_ERR_INVALID_FORMAT;
		}
		snprintf(joined + old, strlen(v) + 2, "%s%s", old ? "," : "", v);
		o->permitlisten = joined;
		free(v);
		return 0;
	}
	free(v);
	/* environment= is ignored, as OpenSSH does without PermitUserEnvironment */
	if (n == 11 && strncasecmp(name, "environment", 11) == 0)
		return 0;
	/* permitopen would narrow -L: without honouring it, forbid it outright */
	if (n == 10 && strncasecmp(name, "permitopen", 10) == 0) {
		o->no_port_forwarding = 1;
		return 0;
	}
	return KSSH_ERR_INVALID_FORMAT; /* expiry-time=, tunnel=, ...: not honoured */
}

static int parse_options(const char **p, struct kssh_authkey_opts *o)
{
	const char *s = *p;
	int r;

	for (;;) {
		size_t n = strcspn(s, "=, \t");

		if (n == 0)
			return KSSH_ERR_INVALID_FORMAT;
		if (s[n] == '=') {
			const char *v = s + n + 1;

			if ((r = value_option(s, n, &v, o)) != 0)
				return r;
			s = v;
		} else {
			if ((r = flag_option(s, n, o)) != 0)
				return r;
			s += n;
		}
		if (*s != ',')
			break;
		s++;
	}
	if (*s != ' ' && *s != '\t')
		return KSSH_ERR_INVALID_FORMAT;
	*p = s + strspn(s, " \t");
	return 0;
}

int kssh_authorized_keys_parse_line(const char *line, struct kssh_key **key,
                                    struct kssh_authkey_opts *opts)
{
	const char *p = line + strspn(line, " \t");
	size_t n;
	int r;

	memset(opts, 0, sizeof(*opts));
	*key = NULL;
	if (*p == 0 || *p == '#' || *p == '\n' || *p == '\r')
		return KSSH_ERR_NOT_FOUND;
	n = strcspn(p, " \t");
	/* a line starts with options unless its first word is a key type */
	{
		char first[64];

		snprintf(first, sizeof(first), "%.*s", (int)(n < 63 ? n : 63), p);
		if (kssh_key_type_from_name(first) == KSSH_KEY_UNSPEC &&
		    (r = parse_options(&p, opts)) != 0) {
			kssh_authkey_opts_free(opts);
			return r;
		}
	}
	if ((r = kssh_key_parse_public_line(p, key)) != 0)
		kssh_authkey_opts_free(opts);
	return r;
}

static int find_line(const char *path, const struct kssh_key *key, int want_ca, struct kssh_authkey_opts *opts,
                     unsigned *bad_lines)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int found = 0;

	if (f == NULL)
		return KSSH_ERR_SYSTEM;
	while (!found && (len = getline(&line, &cap, f)) >= 0) {
		struct kssh_key *k;
		int r;

		if (len > LINE_MAX_LEN) {
			if (bad_lines)
				(*bad_lines)++;
			continue;
		}
		line[strcspn(line, "\r\n")] = 0;
		r = kssh_authorized_keys_parse_line(line, &k, opts);
		if (r == KSSH_ERR_NOT_FOUND)
			continue;
		if (r != 0) {
			if (bad_lines)
				(*bad_lines)++;
			continue;
		}
		found = !opts->cert_authority == !want_ca && kssh_key_equal_public(k, key);
		kssh_key_free(k);
		if (!found)
			kssh_authkey_opts_free(opts);
	}
	free(line);
	fclose(f);
	return found ? 0 : KSSH_ERR_NOT_FOUND;
}

int kssh_authorized_keys_find(const char *path, const struct kssh_key *key,
                              struct kssh_authkey_opts *opts, unsigned *bad_lines)
{
	return find_line(path, key, 0, opts, bad_lines);
}

int kssh_authorized_keys_find_ca(const char *path, const struct kssh_key *ca, struct kssh_authkey_opts *opts,
                                 unsigned *bad_lines)
{
	return find_line(path, ca, 1, opts, bad_lines);
}

/* "10.0.0.0/8" or "fd00::/8" */
static int cidr_matches(const char *cidr, size_t len, const char *addr)
{
	char net[64];
	uint8_t a[16], b[16];
	const char *slash;
	char *end;
	long bits;
	int family, size;

	if (len >= sizeof(net))
		return 0;
	snprintf(net, sizeof(net), "%.*s", (int)len, cidr);
	if ((slash = strchr(net, '/')) == NULL)
		return 0;
	net[slash - net] = 0;
	family = strchr(net, ':') ? AF_INET6 : AF_INET;
	size = family == AF_INET6 ? 16 : 4;
	bits = strtol(slash + 1, &end, 10);
	if (*end != 0 || bits < 0 || bits > size * 8 || inet_pton(family, net, a) != 1 ||
	    inet_pton(family, addr, b) != 1)
		return 0;
	for (long i = 0; i < bits; i++) {
		uint8_t mask = (uint8_t)(0x80 >> (i % 8));

		if ((a[i / 8] & mask) != (b[i / 8] & mask))
			return 0;
	}
	return 1;
}

int kssh_addr_matches_list(const char *list, const char *addr)
{
	int matched = 0;

	while (*list) {
		size_t n = strcspn(list, ",");
		int negate = list[0] == '!';
		const char *pat = list + negate;
		size_t plen = n - (size_t)negate;
		char one[256];
		int m;

		if (memchr(pat, '/', plen) != NULL) {
			m = cidr_matches(pat, plen, addr);
		} else {
			snprintf(one, sizeof(one), "%.*s", (int)(plen < 255 ? plen : 255), pat);
			m = plen < 255 && kssh_known_hosts_host_matches(one, addr);
		}
		if (m && negate)
			return 0;
		matched |= m;
		list += n;
		if (*list == ',')
			list++;
	}
	return matched;
}
