// SPDX-License-Identifier: MIT
/*
 * The configuration language: the spec's own command lines, each with its
 * range, its default and its `no` form. The file is read at start; `ksshctl
 * configure` sends more lines at run time, applied to a copy and committed
 * only when every line is good. sshd_config_print writes the same syntax
 * back (`show running-config`), and reading that output again gives the
 * same configuration.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kssh/channel.h"
#include "kssh/kex.h"
#include "kssh/sftp.h"
#include "log.h"
#include "config_internal.h"
#include "sshd.h"

#define WORDS_MAX 32

void sshd_config_defaults(struct sshd_options *o)
{
	o->port = 22;
	o->login_timeout = 30;
	o->max_auth = 20;
	o->rekey_minutes = 60;
	o->rekey_volume_mb = 1024;
	o->rekey_bytes = 1024ull * 1024 * 1024;
	o->rate_limit = 60;
	o->session_limit = 64;
	o->server_dscp = o->client_dscp = 16;
	o->tcp_window_scale = 1;
	o->window_max_kib = KSSH_CHAN_WINDOW_MAX / 1024;
	o->max_channels = 256;
	o->aaa.radius_timeout = 5;
	o->aaa.radius_retransmit = 3;
	o->aaa.tacacs_timeout = 5;
	sshd_startups_defaults(o);
	lpts_settings_init(&o->lpts);
}

int sshd_config_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}
#define fail sshd_config_fail

static int split_words(char *line, char **w)
{
	int n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(line, " \t\r\n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == WORDS_MAX)
			return -1;
		w[n++] = tok;
	}
	return n;
}

static int number(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *s == 0 || *s == '-' || *end != 0 || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* "username NAME secret [5|8|9|10] HASH": a crypt(3) hash, never the password itself */
static int cmd_username(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	struct sshd_local_user *u = NULL;
	const char *hash;

	if (n < 2 || strlen(w[1]) >= sizeof(u->name))
		return fail(err, errlen, "want: username NAME secret [5|8|9|10] HASH");
	for (size_t i = 0; i < o->n_local_users; i++)
		if (strcmp(o->local_users[i].name, w[1]) == 0)
			u = &o->local_users[i];
	if (no) {
		if (u == NULL)
			return fail(err, errlen, "username %s is not configured", w[1]);
		*u = o->local_users[--o->n_local_users];
		return 0;
	}
	if (n < 4 || strcmp(w[2], "secret") != 0)
		return fail(err, errlen, "want: username NAME secret [5|8|9|10] HASH");
	hash = n == 5 ? w[4] : w[3];
	if (n > 5 || (n == 5 && strcmp(w[3], "5") && strcmp(w[3], "8") && strcmp(w[3], "9") && strcmp(w[3], "10")))
		return fail(err, errlen, "secret type must be 5, 8, 9 or 10 (a hash); type 0 (clear text) is refused");
	if (hash[0] != '$' || strlen(hash) >= sizeof(u->hash))
		return fail(err, errlen, "secret must be a crypt(3) hash such as 'mkpasswd -m sha-512' prints ($...)");
	if (u == NULL) {
		if (o->n_local_users == KSSHD_MAX_LOCAL_USERS)
			return fail(err, errlen, "at most %d users", KSSHD_MAX_LOCAL_USERS);
		u = &o->local_users[o->n_local_users++];
	}
	snprintf(u->name, sizeof(u->name), "%s", w[1]);
	snprintf(u->hash, sizeof(u->hash), "%s", hash);
	return 0;
}

/* ---- algorithm lists ---- */

/* The spec's host-key names (ecdsa-nistp256, ssh-dsa) and the protocol's own are both accepted */
static const char *protocol_name(const char *name)
{
	static const struct { const char *spec, *proto; } names[] = {
		{ "ecdsa-nistp256", "ecdsa-sha2-nistp256" }, { "ecdsa-nistp384", "ecdsa-sha2-nistp384" },
		{ "ecdsa-nistp521", "ecdsa-sha2-nistp521" }, { "ssh-dsa", "ssh-dss" }, { "ed25519", "ssh-ed25519" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].spec) == 0)
			return names[i].proto;
	return name;
}

/* Naming an insecure algorithm in an algorithms list enables it, as the spec's examples show */
static unsigned enables_named(const char *list)
{
	unsigned f = 0;

	f |= kssh_list_has(list, "aes128-cbc") || kssh_list_has(list, "aes192-cbc") ||
	     kssh_list_has(list, "aes256-cbc") ? KSSH_ENABLE_AES_CBC : 0;
	f |= kssh_list_has(list, "3des-cbc") ? KSSH_ENABLE_3DES_CBC : 0;
	f |= kssh_list_has(list, "diffie-hellman-group14-sha1") ? KSSH_ENABLE_KEX_SHA1 : 0;
	f |= kssh_list_has(list, "diffie-hellman-group1-sha1") ? KSSH_ENABLE_KEX_GROUP1 : 0;
	f |= kssh_list_has(list, "ssh-rsa") || kssh_list_has(list, "x509v3-ssh-rsa") ? KSSH_ENABLE_SSH_RSA : 0;
	f |= kssh_list_has(list, "ssh-dss") || kssh_list_has(list, "x509v3-ssh-dss") ? KSSH_ENABLE_SSH_DSS : 0;
	return f;
}

/* Words w[0..n) as a comma list, each checked as a name of `kind` */
static int algorithm_list(enum kssh_alg_kind kind, char **w, int n, char *out, size_t len, char *err,
                          size_t errlen)
{
	char list[1024] = "", check[512];

	if (n == 0)
		return fail(err, errlen, "name at least one algorithm");
	for (int i = 0; i < n; i++)
		if (kssh_list_append(list, sizeof(list), protocol_name(w[i])) != 0)
			return fail(err, errlen, "list too long");
	if (kssh_alg_check_list(kind, list, 0xff, check, sizeof(check)) != 0)
		return fail(err, errlen, "%s", check);
	snprintf(out, len, "%s", list);
	return 0;
}

static int enable_cipher(unsigned *enabled, int no, char **w, int n, char *err, size_t errlen)
{
	unsigned f = 0;

	for (int i = 0; i < n; i++) {
		if (strcmp(w[i], "aes-cbc") == 0)
			f |= KSSH_ENABLE_AES_CBC;
		else if (strcmp(w[i], "3des-cbc") == 0)
			f |= KSSH_ENABLE_3DES_CBC;
		else
			return fail(err, errlen, "enable cipher '%s': must be aes-cbc or 3des-cbc", w[i]);
	}
	if (n == 0 && !no)
		return fail(err, errlen, "want: enable cipher aes-cbc|3des-cbc ...");
	if (no)
		*enabled &= n == 0 ? ~(unsigned)(KSSH_ENABLE_AES_CBC | KSSH_ENABLE_3DES_CBC) : ~f;
	else
		*enabled |= f;
	return 0;
}

/* ---- numbers with a range and a default ---- */

#define OPT(field) offsetof(struct sshd_options, field)

const struct number_setting sshd_config_numbers[SSHD_CONFIG_NUMBERS] = {
	{ "timeout", OPT(login_timeout), 5, 120, 30, "seconds" },
	{ "server rate-limit", OPT(rate_limit), 1, 600, 60, "connections per minute" },
	{ "server session-limit", OPT(session_limit), 1, 1024, 64, "sessions" },
	{ "server max-auth-limit", OPT(max_auth), 3, 20, 20, "attempts" },
	{ "server rekey-time", OPT(rekey_minutes), 30, 1440, 60, "minutes" },
	{ "server rekey-volume", OPT(rekey_volume_mb), 1024, 4095, 1024, "megabytes" },
	{ "server dscp", OPT(server_dscp), 0, 63, 16, "" },
	{ "client dscp", OPT(client_dscp), 0, 63, 16, "" },
	{ "server tcp-window-scale", OPT(tcp_window_scale), 1, 14, 1, "" },
	{ "server max-channels", OPT(max_channels), 1, KSSH_CHAN_MAX, 256, "channels per connection" },
	{ "server window-max", OPT(window_max_kib), KSSH_CHAN_WINDOW / 1024, KSSH_CHAN_WINDOW_LIMIT / 1024,
	  KSSH_CHAN_WINDOW_MAX / 1024, "KiB" },
};

static unsigned *number_field(struct sshd_options *o, const struct number_setting *s)
{
	return (unsigned *)((char *)o + s->offset);
}

/* "ssh ..." words joined, to match against the table */
int sshd_words_are(char **w, int n, const char *words)
{
	char joined[256] = "";
	size_t len = 0;

	for (int i = 0; i < n && len < sizeof(joined); i++)
		len += (size_t)snprintf(joined + len, sizeof(joined) - len, "%s%s", i ? " " : "", w[i]);
	return strcmp(joined, words) == 0;
}

static int cmd_number(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen, int *done)
{
	*done = 0;
	for (size_t i = 0; i < SSHD_CONFIG_NUMBERS; i++) {
		const struct number_setting *s = &sshd_config_numbers[i];
		int words = 1 + (strchr(s->words, ' ') != NULL);

		if (n < words + (no ? 0 : 1) || n > words + 1 || !sshd_words_are(w, words, s->words))
			continue;
		*done = 1;
		if (no) {
			*number_field(o, s) = s->def;
		} else if (number(w[words], s->min, s->max, number_field(o, s)) != 0) {
			return fail(err, errlen, "%s '%s': must be %u to %u%s%s", s->words, w[words], s->min, s->max,
			            *s->unit ? " " : "", s->unit);
		}
		if (s->offset == OPT(rekey_volume_mb))
			o->rekey_bytes = (uint64_t)o->rekey_volume_mb * 1024 * 1024;
		return 0;
	}
	return 0;
}

/* ---- VRFs and access lists ---- */

static struct sshd_vrf *find_vrf(struct sshd_options *o, const char *name)
{
	for (size_t i = 0; i < o->n_vrfs; i++)
		if (strcmp(o->vrfs[i].name, name) == 0)
			return &o->vrfs[i];
	return NULL;
}

/* "ssh server vrf NAME [ipv4 access-list A] [ipv6 access-list B]"; "ssh server" alone is the default VRF */
static int cmd_vrf(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	const char *name = n >= 2 ? w[1] : "default";
	struct sshd_vrf v = { 0 }, *have;

	if (n == 1 && strcmp(w[0], "vrf") == 0)
		return fail(err, errlen, "want: ssh server vrf NAME [ipv4 access-list A] [ipv6 access-list B]");
	if (strlen(name) > 32 || strchr(name, '/') || name[0] == '.')
		return fail(err, errlen, "vrf '%s': a name of up to 32 characters", name);
	have = find_vrf(o, name);
	if (no) {
		if (have == NULL)
			return fail(err, errlen, "vrf %s is not configured", name);
		*have = o->vrfs[--o->n_vrfs];
		return 0;
	}
	snprintf(v.name, sizeof(v.name), "%s", name);
	for (int i = 2; i < n; i += 3) {
		if (i + 2 >= n || strcmp(w[i + 1], "access-list") != 0 ||
		    (strcmp(w[i], "ipv4") != 0 && strcmp(w[i], "ipv6") != 0) || strlen(w[i + 2]) >= sizeof(v.acl4))
			return fail(err, errlen, "after the vrf name: [ipv4 access-list NAME] [ipv6 access-list NAME]");
		snprintf(strcmp(w[i], "ipv4") == 0 ? v.acl4 : v.acl6, sizeof(v.acl4), "%s", w[i + 2]);
	}
	if (have != NULL) {
		*have = v;
		return 0;
	}
	if (o->n_vrfs == KSSHD_MAX_VRFS)
		return fail(err, errlen, "at most %d VRFs", KSSHD_MAX_VRFS);
	o->vrfs[o->n_vrfs++] = v;
	return 0;
}

static struct sshd_acl *find_acl(const struct sshd_options *o, const char *name, int family)
{
	for (size_t i = 0; i < o->n_acls; i++)
		if (o->acls[i].family == family && strcmp(o->acls[i].name, name) == 0)
			return (struct sshd_acl *)&o->acls[i];
	return NULL;
}

static int parse_source(int family, char **w, int n, struct sshd_acl_entry *e, char *err, size_t errlen)
{
	int bits = family == AF_INET ? 32 : 128;
	char addr[64], *slash;
	unsigned prefix;

	memset(e->addr, 0, sizeof(e->addr));
	if (n == 1 && strcmp(w[0], "any") == 0) {
		e->prefix = 0;
		return 0;
	}
	if (n == 2 && strcmp(w[0], "host") == 0)
		snprintf(addr, sizeof(addr), "%s/%d", w[1], bits);
	else if (n == 1)
		snprintf(addr, sizeof(addr), "%s", w[0]);
	else
		return fail(err, errlen, "source: any, host ADDRESS or ADDRESS/LENGTH");
	if ((slash = strchr(addr, '/')) == NULL || number(slash + 1, 0, (unsigned)bits, &prefix) != 0)
		return fail(err, errlen, "source '%s': ADDRESS/LENGTH with a length up to %d", addr, bits);
	*slash = 0;
	if (inet_pton(family, addr, e->addr) != 1)
		return fail(err, errlen, "source '%s': not an %s address", addr, family == AF_INET ? "IPv4" : "IPv6");
	e->prefix = (uint8_t)prefix;
	return 0;
}

/* "ipv4|ipv6 access-list NAME SEQ permit|deny SOURCE"; "no ... NAME [SEQ]" */
static int cmd_acl(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	int family = strcmp(w[0], "ipv4") == 0 ? AF_INET : AF_INET6;
	struct sshd_acl *acl;
	struct sshd_acl_entry e = { 0 };
	unsigned seq = 0;
	size_t i;

	if (n < 3 || strcmp(w[1], "access-list") != 0 || strlen(w[2]) >= sizeof(acl->name))
		return fail(err, errlen, "want: %s access-list NAME SEQ permit|deny any|host ADDRESS|ADDRESS/LENGTH", w[0]);
	acl = find_acl(o, w[2], family);
	if (n >= 4 && number(w[3], 1, 2147483646, &seq) != 0)
		return fail(err, errlen, "sequence number '%s': must be 1 to 2147483646", w[3]);
	if (no) {
		if (acl == NULL)
			return fail(err, errlen, "access list %s is not configured", w[2]);
		if (n == 3) {
			*acl = o->acls[--o->n_acls];
			return 0;
		}
		for (i = 0; i < acl->n && acl->e[i].seq != seq; i++)
			;
		if (i == acl->n)
			return fail(err, errlen, "access list %s has no entry %u", w[2], seq);
		memmove(&acl->e[i], &acl->e[i + 1], (acl->n - i - 1) * sizeof(acl->e[0]));
		acl->n--;
		return 0;
	}
	if (n < 6 || (strcmp(w[4], "permit") != 0 && strcmp(w[4], "deny") != 0))
		return fail(err, errlen, "want: %s access-list NAME SEQ permit|deny any|host ADDRESS|ADDRESS/LENGTH", w[0]);
	e.seq = seq;
	e.permit = strcmp(w[4], "permit") == 0;
	if (parse_source(family, w + 5, n - 5, &e, err, errlen) != 0)
		return -1;
	if (acl == NULL) {
		if (o->n_acls == KSSHD_MAX_ACLS)
			return fail(err, errlen, "at most %d access lists", KSSHD_MAX_ACLS);
		acl = &o->acls[o->n_acls++];
		memset(acl, 0, sizeof(*acl));
		snprintf(acl->name, sizeof(acl->name), "%s", w[2]);
		acl->family = family;
	}
	/* entries stay in sequence order; the same number replaces */
	for (i = 0; i < acl->n && acl->e[i].seq < seq; i++)
		;
	if (i < acl->n && acl->e[i].seq == seq) {
		acl->e[i] = e;
		return 0;
	}
	if (acl->n == KSSHD_MAX_ACL_ENTRIES)
		return fail(err, errlen, "at most %d entries in an access list", KSSHD_MAX_ACL_ENTRIES);
	memmove(&acl->e[i + 1], &acl->e[i], (acl->n - i) * sizeof(acl->e[0]));
	acl->e[i] = e;
	acl->n++;
	return 0;
}

static int prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole) != 0)
		return 0;
	return rest == 0 || ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* First match decides; a list that matches nothing denies (an implicit deny at the end) */
int sshd_acl_permits(const struct sshd_options *o, const char *name, int family, const uint8_t *addr)
{
	const struct sshd_acl *acl;

	if (name == NULL || *name == 0 || (acl = find_acl(o, name, family)) == NULL)
		return 1;
	for (size_t i = 0; i < acl->n; i++)
		if (prefix_match(acl->e[i].addr, addr, acl->e[i].prefix))
			return acl->e[i].permit;
	return 0;
}

/* ---- "ssh ..." ---- */

static int set_text(char *dst, size_t len, int no, char **w, int n, const char *what, char *err, size_t errlen)
{
	if (no) {
		dst[0] = 0;
		return 0;
	}
	if (n != 1 || strlen(w[0]) >= len)
		return fail(err, errlen, "want: %s", what);
	snprintf(dst, len, "%s", w[0]);
	return 0;
}

/* "crypto-offload af-alg [required] | kernel | auto" for either role */
static int cmd_crypto_offload(int *mode, int *required, int no, char **w, int n, char *err, size_t errlen)
{
	if (no) {
		*mode = KSSH_OFFLOAD_NONE;
		*required = 0;
		return 0;
	}
	if (n == 2 && (strcmp(w[1], "kernel") == 0 || strcmp(w[1], "auto") == 0)) {
		*mode = strcmp(w[1], "kernel") == 0 ? KSSH_OFFLOAD_KERNEL : KSSH_OFFLOAD_AUTO;
		*required = 0;
		return 0;
	}
	if (n < 2 || n > 3 || strcmp(w[1], "af-alg") != 0 || (n == 3 && strcmp(w[2], "required") != 0))
		return fail(err, errlen, "want: crypto-offload af-alg [required] | kernel | auto");
	*mode = KSSH_OFFLOAD_AFALG;
	*required = n == 3;
	return 0;
}

static int cmd_client(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	if (n >= 2 && strcmp(w[0], "algorithms") == 0 && strcmp(w[1], "cipher") == 0) {
		if (no) {
			o->client_ciphers[0] = 0;
			return 0;
		}
		return algorithm_list(KSSH_ALG_CIPHER, w + 2, n - 2, o->client_ciphers, sizeof(o->client_ciphers), err,
		                      errlen);
	}
	if (n >= 2 && strcmp(w[0], "enable") == 0 && strcmp(w[1], "cipher") == 0)
		return enable_cipher(&o->client_enabled, no, w + 2, n - 2, err, errlen);
	if (n >= 2 && strcmp(w[0], "disable") == 0 && strcmp(w[1], "hmac") == 0) {
		if (no) {
			o->client_disabled_macs[0] = 0;
			return 0;
		}
		return algorithm_list(KSSH_ALG_MAC, w + 2, n - 2, o->client_disabled_macs,
		                      sizeof(o->client_disabled_macs), err, errlen);
	}
	if (n >= 1 && (strcmp(w[0], "auth-method") == 0 || strcmp(w[0], "auth-methods") == 0)) {
		char list[128] = "";

		if (no) {
			o->client_auth_methods[0] = 0;
			return 0;
		}
		if (n == 1)
			return fail(err, errlen, "want: ssh client auth-method public-key|keyboard-interactive|password ...");
		for (int i = 1; i < n; i++) {
			if (strcmp(w[i], "public-key") && strcmp(w[i], "keyboard-interactive") && strcmp(w[i], "password"))
				return fail(err, errlen, "auth-method '%s': public-key, keyboard-interactive or password", w[i]);
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i > 1 ? " " : "", w[i]);
		}
		snprintf(o->client_auth_methods, sizeof(o->client_auth_methods), "%s", list);
		return 0;
	}
	if (n >= 1 && strcmp(w[0], "crypto-offload") == 0)
		return cmd_crypto_offload(&o->client_crypto_offload, &o->client_crypto_offload_required, no, w, n,
		                          err, errlen);
	if (n >= 1 && strcmp(w[0], "knownhost") == 0)
		return set_text(o->client_knownhost, sizeof(o->client_knownhost), no, w + 1, n - 1,
		                "ssh client knownhost FILE", err, errlen);
	if (n >= 1 && strcmp(w[0], "source-interface") == 0)
		return set_text(o->client_source_if, sizeof(o->client_source_if), no, w + 1, n - 1,
		                "ssh client source-interface IFNAME", err, errlen);
	return fail(err, errlen, "unknown ssh client command");
}

static int cmd_server_algorithms(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	static const struct { const char *word; enum kssh_alg_kind kind; size_t offset; } kinds[] = {
		{ "host-key", KSSH_ALG_HOSTKEY, OPT(hostkey_algs) }, { "key-exchange", KSSH_ALG_KEX, OPT(kex_algs) },
		{ "cipher", KSSH_ALG_CIPHER, OPT(ciphers) }, { "mac", KSSH_ALG_MAC, OPT(macs) },
	};

	for (size_t i = 0; n >= 1 && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char *dst = (char *)o + kinds[i].offset;

		if (strcmp(w[0], kinds[i].word) != 0)
			continue;
		if (no) {
			dst[0] = 0;
			return 0;
		}
		return algorithm_list(kinds[i].kind, w + 1, n - 1, dst, sizeof(o->kex_algs), err, errlen);
	}
	return fail(err, errlen, "ssh server algorithms host-key|key-exchange|cipher|mac NAME...");
}

/* "ssh server host-certificate FILE": one line per certificate; "no" with FILE removes it, without all */
static int cmd_host_certificate(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	size_t i;

	if (no && n == 1) {
		o->n_host_cert_files = 0;
		return 0;
	}
	if (n != 2 || w[1][0] != '/' || strlen(w[1]) >= sizeof(o->host_cert_files[0]))
		return fail(err, errlen, "want: ssh server host-certificate /ABSOLUTE/FILE (under 256 characters)");
	for (i = 0; i < o->n_host_cert_files && strcmp(o->host_cert_files[i], w[1]) != 0; i++)
		;
	if (no) {
		if (i == o->n_host_cert_files)
			return fail(err, errlen, "host-certificate %s is not configured", w[1]);
		memmove(o->host_cert_files[i], o->host_cert_files[i + 1],
		        (o->n_host_cert_files - i - 1) * sizeof(o->host_cert_files[0]));
		o->n_host_cert_files--;
		return 0;
	}
	if (i < o->n_host_cert_files)
		return 0;
	if (o->n_host_cert_files == KSSHD_MAX_HOST_KEYS)
		return fail(err, errlen, "at most %d host certificates", KSSHD_MAX_HOST_KEYS);
	snprintf(o->host_cert_files[o->n_host_cert_files++], sizeof(o->host_cert_files[0]), "%s", w[1]);
	return 0;
}

static int cmd_server(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	if (n == 0 || strcmp(w[0], "vrf") == 0)
		return cmd_vrf(o, no, w, n, err, errlen);
	if (n == 1 && strcmp(w[0], "v2") == 0) {
		o->server_v2 = !no;
		return 0;
	}
	if (strcmp(w[0], "port") == 0) {
		unsigned port;

		if (no) {
			o->port = 22;
			return 0;
		}
		if (n != 2 || number(w[1], 22, 5529, &port) != 0 || (port != 22 && port < 5520))
			return fail(err, errlen, "port '%s': must be 22 or 5520 to 5529", n > 1 ? w[1] : "");
		o->port = port;
		return 0;
	}
	if (strcmp(w[0], "port-forwarding") == 0) {
		if (no && n == 1) { /* no ssh server port-forwarding: neither kind */
			o->port_forwarding_local = o->port_forwarding_remote = o->gateway_ports = 0;
			return 0;
		}
		if (n == 2 && strcmp(w[1], "local") == 0) {
			o->port_forwarding_local = !no;
			return 0;
		}
		if ((n == 2 || (n == 3 && strcmp(w[2], "gateway-ports") == 0)) && strcmp(w[1], "remote") == 0) {
			o->port_forwarding_remote = !no;
			o->gateway_ports = !no && n == 3;
			return 0;
		}
		return fail(err, errlen, "want: ssh server port-forwarding local | remote [gateway-ports]");
	}
	if (n >= 2 && strcmp(w[0], "sftp") == 0 &&
	    (strcmp(w[1], "permit-requests") == 0 || strcmp(w[1], "deny-requests") == 0)) {
		char *dst = w[1][0] == 'p' ? o->sftp_allow : o->sftp_deny, list[512] = "", bad[64];
		size_t len = 0;

		if (no) {
			dst[0] = 0;
			return 0;
		}
		if (n == 2)
			return fail(err, errlen, "want: ssh server sftp %s NAME... (as sftp-server -Q requests lists them)",
			            w[1]);
		for (int i = 2; i < n; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - (len < sizeof(list) ? len : sizeof(list)),
			                        "%s%s", i > 2 ? "," : "", w[i]);
		if (len >= sizeof(list))
			return fail(err, errlen, "request list too long");
		if (sftp_request_list_check(list, bad, sizeof(bad)) != 0)
			return fail(err, errlen, "unknown sftp request '%s' (ksftp-server -Q requests lists them)", bad);
		memcpy(dst, list, len + 1);
		return 0;
	}
	if (strcmp(w[0], "trustpoint") == 0 || strcmp(w[0], "certificate") == 0)
		return sshd_cmd_server_x509(o, no, w, n, err, errlen);
	if (strcmp(w[0], "host-certificate") == 0)
		return cmd_host_certificate(o, no, w, n, err, errlen);
	if (strcmp(w[0], "trusted-user-ca-keys") == 0 || strcmp(w[0], "revoked-keys") == 0) {
		char *dst = w[0][0] == 't' ? o->trusted_user_ca_keys : o->revoked_keys;

		if (no) {
			dst[0] = 0;
			return 0;
		}
		if (n != 2 || w[1][0] != '/' || strlen(w[1]) >= sizeof(o->revoked_keys))
			return fail(err, errlen, "want: ssh server %s /ABSOLUTE/FILE (under 256 characters)", w[0]);
		snprintf(dst, sizeof(o->revoked_keys), "%s", w[1]);
		return 0;
	}
	if (n == 1 && strcmp(w[0], "agent-forwarding") == 0) {
		o->agent_forwarding = !no;
		return 0;
	}
	if (strcmp(w[0], "crypto-offload") == 0)
		return cmd_crypto_offload(&o->crypto_offload, &o->crypto_offload_required, no, w, n, err, errlen);
	if (strcmp(w[0], "max-startups") == 0)
		return sshd_cmd_max_startups(o, no, w, n, err, errlen);
	if (strcmp(w[0], "penalties") == 0)
		return sshd_cmd_penalties(o, no, w, n, err, errlen);
	if (strcmp(w[0], "algorithms") == 0)
		return cmd_server_algorithms(o, no, w + 1, n - 1, err, errlen);
	if (n >= 2 && strcmp(w[0], "enable") == 0 && strcmp(w[1], "cipher") == 0)
		return enable_cipher(&o->enabled, no, w + 2, n - 2, err, errlen);
	if (n >= 2 && strcmp(w[0], "disable") == 0 && strcmp(w[1], "hmac") == 0) {
		if (no) {
			o->disabled_macs[0] = 0;
			return 0;
		}
		return algorithm_list(KSSH_ALG_MAC, w + 2, n - 2, o->disabled_macs, sizeof(o->disabled_macs), err,
		                      errlen);
	}
	return fail(err, errlen, "unknown ssh server command");
}

static int cmd_ssh(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	int done, r = cmd_number(o, no, w + 1, n - 1, err, errlen, &done);

	if (done || r != 0)
		return r;
	if (n >= 2 && strcmp(w[1], "server") == 0)
		return cmd_server(o, no, w + 2, n - 2, err, errlen);
	if (n >= 3 && strcmp(w[1], "client") == 0)
		return cmd_client(o, no, w + 2, n - 2, err, errlen);
	return fail(err, errlen, "unknown ssh command");
}

int sshd_config_line(struct sshd_options *o, const char *line, char *err, size_t errlen)
{
	char copy[1024], *w[WORDS_MAX];
	int n, no = 0, r;

	if (strlen(line) >= sizeof(copy))
		return fail(err, errlen, "line too long");
	snprintf(copy, sizeof(copy), "%s", line);
	if ((n = split_words(copy, w)) < 0)
		return fail(err, errlen, "too many words");
	if (n == 0 || w[0][0] == '!' || w[0][0] == '#')
		return 0;
	if (strcmp(w[0], "ssh") != 0 && (strcmp(w[0], "no") != 0 || n < 2 || strcmp(w[1], "ssh") != 0) &&
	    (r = lpts_config_line(&o->lpts, line, err, errlen)) != 0)
		return r < 0 ? -1 : 0; /* an lpts line */
	if (strcmp(w[0], "no") == 0)
		no = 1;
	if (n - no < 1)
		return fail(err, errlen, "'no' what?");
	if (strcmp(w[no], "ssh") == 0) {
		/* our own checks first, so the message is ours; the data plane then reads port and dscp */
		if (cmd_ssh(o, no, w + no, n - no, err, errlen) != 0)
			return -1;
		return lpts_config_line(&o->lpts, line, err, errlen) < 0 ? -1 : 0;
	}
	if (strcmp(w[no], "username") == 0)
		return cmd_username(o, no, w + no, n - no, err, errlen);
	if (strcmp(w[no], "crypto") == 0)
		return sshd_cmd_crypto(o, no, w + no, n - no, err, errlen);
	if (strcmp(w[no], "radius-server") == 0 || strcmp(w[no], "tacacs-server") == 0)
		return sshd_cmd_aaa_server(o, no, w + no, n - no, err, errlen);
	if (strcmp(w[no], "aaa") == 0)
		return sshd_cmd_aaa(o, no, w + no, n - no, err, errlen);
	if (strcmp(w[no], "line") == 0)
		return sshd_cmd_line(o, no, w + no, n - no, err, errlen);
	if (strcmp(w[no], "hostname") == 0)
		return set_text(o->hostname, sizeof(o->hostname), no, w + no + 1, n - no - 1, "hostname NAME", err, errlen);
	if (n - no >= 2 && strcmp(w[no], "domain") == 0 && strcmp(w[no + 1], "name") == 0)
		return set_text(o->domain, sizeof(o->domain), no, w + no + 2, n - no - 2, "domain name NAME", err, errlen);
	if (strcmp(w[no], "ipv4") == 0 || strcmp(w[no], "ipv6") == 0)
		return cmd_acl(o, no, w + no, n - no, err, errlen);
	return fail(err, errlen, "unknown or unsupported command");
}

int sshd_config_load(struct sshd_options *o, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[1024], err[256];
	unsigned lineno = 0;
	int r = 0;

	if (f == NULL) {
		fprintf(stderr, "ksshd: config %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "ksshd: config %s line %u: line too long\n", path, lineno);
			r = -1;
			break;
		}
		line[strcspn(line, "\r\n")] = 0;
		if (sshd_config_line(o, line, err, sizeof(err)) != 0) {
			fprintf(stderr, "ksshd: config %s line %u: %s: %s\n", path, lineno, line, err);
			r = -1; /* every bad line is reported, and nothing starts */
		}
	}
	/* a file that holds RADIUS or TACACS+ secrets is readable by root alone, or nothing starts */
	if (r == 0 && (o->aaa.n_radius > 0 || o->aaa.n_tacacs > 0)) {
		struct stat st;

		if (fstat(fileno(f), &st) != 0 || (st.st_mode & 077) != 0) {
			fprintf(stderr, "ksshd: config %s holds AAA server secrets and is mode %03o: make it 0600\n", path,
			        (unsigned)(st.st_mode & 0777));
			r = -1;
		}
	}
	fclose(f);
	return r;
}

static int resolve_list(enum kssh_alg_kind kind, const char *given, unsigned enabled, char *out, size_t len,
                        char *err, size_t errlen)
{
	if (given[0] == 0)
		return kssh_alg_default_with(kind, enabled, out, len) == 0 ? 0 : fail(err, errlen, "no algorithms");
	if (kssh_alg_check_list(kind, given, enabled, err, errlen) != 0)
		return -1;
	snprintf(out, len, "%s", given);
	return 0;
}

/* What is enabled: by "enable" lines, or by naming an algorithm in a list (ssh-rsa also for users' signatures) */
unsigned sshd_enabled(const struct sshd_options *o)
{
	return o->enabled | enables_named(o->kex_algs) | enables_named(o->hostkey_algs) | enables_named(o->ciphers);
}

int sshd_config_resolve(struct sshd_options *o, char *err, size_t errlen)
{
	unsigned enabled = sshd_enabled(o);

	if (resolve_list(KSSH_ALG_KEX, o->kex_algs, enabled, o->kex_list, sizeof(o->kex_list), err, errlen) ||
	    resolve_list(KSSH_ALG_HOSTKEY, o->hostkey_algs, enabled, o->hostkey_list, sizeof(o->hostkey_list), err,
	                 errlen) ||
	    resolve_list(KSSH_ALG_CIPHER, o->ciphers, enabled, o->cipher_list, sizeof(o->cipher_list), err, errlen) ||
	    resolve_list(KSSH_ALG_MAC, o->macs, enabled, o->mac_list, sizeof(o->mac_list), err, errlen))
		return -1;
	if (o->disabled_macs[0] && kssh_alg_check_list(KSSH_ALG_MAC, o->disabled_macs, 0xff, err, errlen) != 0)
		return -1;
	if (o->disabled_macs[0]) {
		char kept[sizeof(o->mac_list)];

		if (kssh_list_without(o->mac_list, o->disabled_macs, kept, sizeof(kept)) != 0)
			return fail(err, errlen, "disable hmac: every MAC would be disabled");
		snprintf(o->mac_list, sizeof(o->mac_list), "%s", kept);
	}
	return 0;
}
