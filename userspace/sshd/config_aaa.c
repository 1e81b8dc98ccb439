// SPDX-License-Identifier: MIT
/*
 * The AAA lines of the configuration language, as the spec's routers have them:
 *
 *   radius-server host ADDRESS [auth-port N] [acct-port N] key SECRET   (up to 4, tried in order)
 *   radius-server timeout 1-1000        seconds a try waits (5)
 *   radius-server retransmit 0-100      tries after the first (3)
 *   aaa authentication login default METHOD...   group radius | local
 *
 * The next method is tried only when the one before is unreachable; a reject is
 * final. Secrets are printed masked, except into the configuration file ksshd
 * saves (sshd_config_reveal_secrets), which must then be mode 0600.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshd.h"

#define fail sshd_config_fail

int sshd_config_reveal_secrets;

static int port(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == 0 || *end != 0 || v < 1 || v > 65535)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int cmd_host(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	struct sshd_radius_host h = { .auth_port = 1812, .acct_port = 1813 };
	uint8_t addr[16];
	size_t i;
	int k;

	if (n < 3 || (inet_pton(AF_INET, w[2], addr) != 1 && inet_pton(AF_INET6, w[2], addr) != 1) ||
	    strlen(w[2]) >= sizeof(h.addr))
		return fail(err, errlen, "want: radius-server host ADDRESS [auth-port N] [acct-port N] key SECRET");
	for (i = 0; i < o->n_radius && strcmp(o->radius[i].addr, w[2]) != 0; i++)
		;
	if (no) {
		if (i == o->n_radius)
			return fail(err, errlen, "radius-server host %s is not configured", w[2]);
		memmove(&o->radius[i], &o->radius[i + 1], (o->n_radius - i - 1) * sizeof(o->radius[0]));
		o->n_radius--;
		return 0;
	}
	snprintf(h.addr, sizeof(h.addr), "%s", w[2]);
	for (k = 3; k + 1 < n && strcmp(w[k], "key") != 0; k += 2) {
		if ((strcmp(w[k], "auth-port") != 0 && strcmp(w[k], "acct-port") != 0) ||
		    port(w[k + 1], w[k][1] == 'u' ? &h.auth_port : &h.acct_port) != 0)
			return fail(err, errlen, "radius-server host: '%s %s': want auth-port|acct-port 1-65535", w[k], w[k + 1]);
	}
	if (k + 2 != n || strcmp(w[k], "key") != 0 || strlen(w[k + 1]) >= sizeof(h.key))
		return fail(err, errlen, "want: radius-server host ADDRESS [auth-port N] [acct-port N] key SECRET "
		            "(the secret last, one word, under 128 characters)");
	snprintf(h.key, sizeof(h.key), "%s", w[k + 1]);
	if (i == o->n_radius) {
		if (o->n_radius == KSSHD_MAX_RADIUS)
			return fail(err, errlen, "at most %d radius-server hosts", KSSHD_MAX_RADIUS);
		o->n_radius++;
	}
	o->radius[i] = h;
	return 0;
}

/* "radius-server ..." */
int sshd_cmd_radius(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	unsigned *v, min, max, def;
	char *end;
	unsigned long x;

	if (n >= 2 && strcmp(w[1], "host") == 0)
		return cmd_host(o, no, w, n, err, errlen);
	if (n >= 2 && strcmp(w[1], "timeout") == 0) {
		v = &o->radius_timeout, min = 1, max = 1000, def = 5;
	} else if (n >= 2 && strcmp(w[1], "retransmit") == 0) {
		v = &o->radius_retransmit, min = 0, max = 100, def = 3;
	} else {
		return fail(err, errlen, "want: radius-server host | timeout | retransmit ...");
	}
	if (no) {
		*v = def;
		return 0;
	}
	x = n == 3 ? strtoul(w[2], &end, 10) : 0;
	if (n != 3 || *w[2] == 0 || *end != 0 || x < min || x > max)
		return fail(err, errlen, "radius-server %s: %u to %u", w[1], min, max);
	*v = (unsigned)x;
	return 0;
}

/* "aaa authentication login default METHOD...", "aaa accounting exec default start-stop group radius" */
int sshd_cmd_aaa(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	unsigned char methods[KSSHD_MAX_AAA_METHODS];
	size_t m = 0;

	if (n >= 2 && strcmp(w[1], "accounting") == 0) {
		if (n == 4 && no && strcmp(w[2], "exec") == 0 && strcmp(w[3], "default") == 0) {
			o->aaa_acct_radius = 0;
			return 0;
		}
		if (n != 7 || strcmp(w[2], "exec") != 0 || strcmp(w[3], "default") != 0 || strcmp(w[4], "start-stop") != 0 ||
		    strcmp(w[5], "group") != 0 || strcmp(w[6], "radius") != 0)
			return fail(err, errlen, "want: aaa accounting exec default start-stop group radius");
		o->aaa_acct_radius = !no;
		return 0;
	}
	if (n < 4 || strcmp(w[1], "authentication") != 0 || strcmp(w[2], "login") != 0 || strcmp(w[3], "default") != 0)
		return fail(err, errlen, "want: aaa authentication login default group radius | local ...");
	if (no) {
		o->n_aaa_login = 0;
		return 0;
	}
	for (int i = 4; i < n; i++) {
		if (m == KSSHD_MAX_AAA_METHODS)
			return fail(err, errlen, "at most %d methods", KSSHD_MAX_AAA_METHODS);
		if (strcmp(w[i], "local") == 0) {
			methods[m++] = SSHD_AAA_LOCAL;
		} else if (strcmp(w[i], "group") == 0 && i + 1 < n && strcmp(w[i + 1], "radius") == 0) {
			methods[m++] = SSHD_AAA_RADIUS;
			i++;
		} else {
			return fail(err, errlen, "unknown method '%s' (group radius | local)", w[i]);
		}
	}
	if (m == 0)
		return fail(err, errlen, "want: aaa authentication login default group radius | local ...");
	memcpy(o->aaa_login, methods, m);
	o->n_aaa_login = m;
	return 0;
}

/* A line of a saved configuration, its secret masked (show configuration commit changes) */
void sshd_print_masked(FILE *out, const char *prefix, const char *line, size_t len)
{
	const char *key = len > 19 && strncmp(line, "radius-server host ", 19) == 0 ? memmem(line, len, " key ", 5) : NULL;

	if (key == NULL)
		fprintf(out, "%s%.*s\n", prefix, (int)len, line);
	else
		fprintf(out, "%s%.*s key ********\n", prefix, (int)(key - line), line);
}

void sshd_print_aaa(const struct sshd_options *o, FILE *out)
{
	for (size_t i = 0; i < o->n_radius; i++) {
		const struct sshd_radius_host *h = &o->radius[i];

		fprintf(out, "radius-server host %s", h->addr);
		if (h->auth_port != 1812)
			fprintf(out, " auth-port %u", h->auth_port);
		if (h->acct_port != 1813)
			fprintf(out, " acct-port %u", h->acct_port);
		fprintf(out, " key %s\n", sshd_config_reveal_secrets ? h->key : "********");
	}
	if (o->radius_timeout != 5)
		fprintf(out, "radius-server timeout %u\n", o->radius_timeout);
	if (o->radius_retransmit != 3)
		fprintf(out, "radius-server retransmit %u\n", o->radius_retransmit);
	if (o->aaa_acct_radius)
		fprintf(out, "aaa accounting exec default start-stop group radius\n");
	if (o->n_aaa_login) {
		fprintf(out, "aaa authentication login default");
		for (size_t i = 0; i < o->n_aaa_login; i++)
			fprintf(out, " %s", o->aaa_login[i] == SSHD_AAA_RADIUS ? "group radius" : "local");
		fprintf(out, "\n");
	}
}
