// SPDX-License-Identifier: MIT
/*
 * The LPTS configuration lines, in the spec's style:
 *   lpts pifib hardware police flow ssh known rate PPS [burst N]
 *   lpts pifib hardware police flow ssh default rate PPS [burst N]
 *   lpts pifib hardware police flow ssh per-source rate PPS [burst N]
 *   lpts interface IFNAME
 * each with a `no` form, plus the lines the data plane reads from the SSH
 * configuration: `ssh server port N` (the policed port; more than one line
 * polices more ports) and `ssh server dscp N` (the egress marking, default 16).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lpts.h"

#define WORDS_MAX 12

void lpts_settings_init(struct lpts_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->dscp = LPTS_DSCP_DEFAULT;
}

int lpts_policing(const struct lpts_settings *s)
{
	return s->rate[LPTS_FLOW_KNOWN].rate_pps || s->rate[LPTS_FLOW_DEFAULT].rate_pps ||
	       s->per_source_pps;
}

static int number(const char *w, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(w, &end, 10);
	return errno || *w == 0 || *end || *w == '-' || *out < min || *out > max ? -1 : 0;
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}


/* "rate PPS [burst N]" from w[0] */
static int parse_rate(char **w, int n, struct lpts_rate *r, char *err, size_t errlen)
{
	unsigned long v;

	if (n < 2 || strcmp(w[0], "rate") != 0)
		return fail(err, errlen, "expected 'rate PPS [burst N]'");
	if (number(w[1], 1, LPTS_RATE_MAX, &v) != 0)
		return fail(err, errlen, "rate '%s': must be 1 to 10000000 packets per second", w[1]);
	r->rate_pps = (uint32_t)v;
	r->burst = LPTS_BURST_DEFAULT(r->rate_pps);
	if (n == 2)
		return 0;
	if (n != 4 || strcmp(w[2], "burst") != 0)
		return fail(err, errlen, "unexpected '%s' after the rate", w[2]);
	if (number(w[3], 1, LPTS_RATE_MAX, &v) != 0)
		return fail(err, errlen, "burst '%s': must be 1 to 10000000 packets", w[3]);
	r->burst = (uint32_t)v;
	return 0;
}

static int police_line(struct lpts_settings *s, int no, char **w, int n, char *err, size_t errlen)
{
	struct lpts_rate r = { 0 }, *dst;

	if (n < 1)
		return fail(err, errlen, "expected known, default or per-source");
	if (strcmp(w[0], "known") == 0)
		dst = &s->rate[LPTS_FLOW_KNOWN];
	else if (strcmp(w[0], "default") == 0)
		dst = &s->rate[LPTS_FLOW_DEFAULT];
	else if (strcmp(w[0], "per-source") == 0)
		dst = NULL;
	else
		return fail(err, errlen, "flow ssh '%s': must be known, default or per-source", w[0]);
	if (!no && parse_rate(w + 1, n - 1, &r, err, errlen) != 0)
		return -1;
	if (dst != NULL) {
		*dst = r;
	} else {
		s->per_source_pps = r.rate_pps;
		s->per_source_burst = r.burst;
	}
	return 1;
}

static int iface_line(struct lpts_settings *s, int no, char **w, int n, char *err, size_t errlen)
{
	size_t i;

	if (n != 1 || strlen(w[0]) >= IF_NAMESIZE)
		return fail(err, errlen, "expected 'lpts interface IFNAME'");
	for (i = 0; i < s->n_ifaces && strcmp(s->ifaces[i], w[0]) != 0; i++)
		;
	if (no) {
		if (i == s->n_ifaces)
			return fail(err, errlen, "interface %s is not configured", w[0]);
		memmove(s->ifaces[i], s->ifaces[i + 1], (s->n_ifaces - i - 1) * sizeof(s->ifaces[0]));
		s->n_ifaces--;
		return 1;
	}
	if (i < s->n_ifaces)
		return 1;
	if (s->n_ifaces == LPTS_MAX_IFACES)
		return fail(err, errlen, "at most 16 interfaces");
	snprintf(s->ifaces[s->n_ifaces++], IF_NAMESIZE, "%s", w[0]);
	return 1;
}

/* The SSH lines the data plane also reads; they stay the SSH configuration's too (return 0) */
static int ssh_line(struct lpts_settings *s, int no, char **w, int n, char *err, size_t errlen)
{
	unsigned long v;

	if (n == 4 && strcmp(w[1], "server") == 0 && strcmp(w[2], "dscp") == 0) {
		if (number(w[3], 0, 63, &v) != 0)
			return fail(err, errlen, "dscp '%s': must be 0 to 63", w[3]);
		s->dscp = no ? LPTS_DSCP_DEFAULT : (uint8_t)v;
	} else if (n == 4 && strcmp(w[1], "server") == 0 && strcmp(w[2], "port") == 0 && !no) {
		if (number(w[3], 1, 65535, &v) != 0)
			return fail(err, errlen, "port '%s': must be 1 to 65535", w[3]);
		for (size_t i = 0; i < s->n_ports; i++)
			if (s->ports[i] == v)
				return 0;
		if (s->n_ports == LPTS_MAX_PORTS)
			return fail(err, errlen, "at most 8 ports");
		s->ports[s->n_ports++] = (uint16_t)v;
	}
	return 0;
}

int lpts_config_line(struct lpts_settings *s, const char *line, char *err, size_t errlen)
{
	char copy[512], *w[WORDS_MAX], *save = NULL;
	int n = 0, no = 0;

	if (strlen(line) >= sizeof(copy))
		return strncmp(line, "lpts", 4) == 0 ? fail(err, errlen, "line too long") : 0;
	snprintf(copy, sizeof(copy), "%s", line);
	for (char *t = strtok_r(copy, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == WORDS_MAX)
			return strncmp(line, "lpts", 4) == 0 ? fail(err, errlen, "too many words") : 0;
		w[n++] = t;
	}
	if (n > 0 && strcmp(w[0], "no") == 0)
		no = 1;
	if (n - no < 1)
		return 0;
	if (strcmp(w[no], "ssh") == 0)
		return ssh_line(s, no, w + no, n - no, err, errlen);
	if (strcmp(w[no], "lpts") != 0)
		return 0;
	if (n - no >= 2 && strcmp(w[no + 1], "interface") == 0)
		return iface_line(s, no, w + no + 2, n - no - 2, err, errlen);
	if (n - no >= 6 && strcmp(w[no + 1], "pifib") == 0 && strcmp(w[no + 2], "hardware") == 0 &&
	    strcmp(w[no + 3], "police") == 0 && strcmp(w[no + 4], "flow") == 0 && strcmp(w[no + 5], "ssh") == 0)
		return police_line(s, no, w + no + 6, n - no - 6, err, errlen);
	return fail(err, errlen, "unknown lpts command (expected 'lpts interface IFNAME' or "
	                         "'lpts pifib hardware police flow ssh known|default|per-source rate PPS [burst N]')");
}

void lpts_settings_print(const struct lpts_settings *s, char *out, size_t len)
{
	static const char *names[LPTS_FLOW_TYPES] = { "default", "known" };
	size_t n = 0;

	out[0] = 0;
#define EMIT(...) (n += (size_t)snprintf(out + n, n < len ? len - n : 0, __VA_ARGS__))
	for (int t = LPTS_FLOW_KNOWN; t >= 0; t--)
		if (s->rate[t].rate_pps)
			EMIT("lpts pifib hardware police flow ssh %s rate %u burst %u\n", names[t],
			     s->rate[t].rate_pps, s->rate[t].burst);
	if (s->per_source_pps)
		EMIT("lpts pifib hardware police flow ssh per-source rate %u burst %u\n", s->per_source_pps,
		     s->per_source_burst);
	for (size_t i = 0; i < s->n_ifaces; i++)
		EMIT("lpts interface %s\n", s->ifaces[i]);
#undef EMIT
}
