// SPDX-License-Identifier: MIT
/*
 * Limits on unauthenticated connections, checked at accept (OpenSSH's
 * MaxStartups and PerSourceMaxStartups, in the configuration language):
 *
 *   ssh server max-startups START[:RATE:FULL]   (10:30:100)
 *   ssh server max-startups per-source N        (off)
 *
 * With START or more connections not yet authenticated, a new one is
 * refused with probability RATE %, rising linearly to 100 % at FULL (random
 * early drop); a source with N unauthenticated connections gets no more.
 * Authenticated sessions never count.
 *
 *   ssh server penalties [crash S] [authfail S] [noauth S] [grace-exceeded S] [max S]
 *   ssh server penalties exempt ACCESS-LIST
 *
 * turn on per-source penalties (penalties.c; OpenSSH's defaults 90, 5, 1,
 * 20, max 600 seconds); off by default.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshd_listener.h"

#define STARTUPS_MAX 1024
/* OpenSSH's MaxStartups default */
#define STARTUPS_BEGIN 10
#define STARTUPS_RATE 30
#define STARTUPS_FULL 100

static void startups_default(struct sshd_options *o)
{
	o->startups_begin = STARTUPS_BEGIN;
	o->startups_rate = STARTUPS_RATE;
	o->startups_full = STARTUPS_FULL;
}

void sshd_startups_defaults(struct sshd_options *o)
{
	startups_default(o);
	o->startups_per_source = 0;
	o->penalties = 0;
	o->penalty_crash = 90;
	o->penalty_authfail = 5;
	o->penalty_noauth = 1;
	o->penalty_grace = 20;
	o->penalty_max = 600;
	o->penalty_exempt[0] = 0;
}

/* "1024" or "10:30:100": 0, or -1 */
static int parse_triple(const char *s, unsigned *begin, unsigned *rate, unsigned *full)
{
	char tail;

	if (sscanf(s, "%u:%u:%u%c", begin, rate, full, &tail) == 3)
		return 0;
	if (sscanf(s, "%u%c", begin, &tail) == 1 && strspn(s, "0123456789") == strlen(s)) {
		*rate = 100;
		*full = *begin;
		return 0;
	}
	return -1;
}

/* w[0] is "max-startups" */
int sshd_cmd_max_startups(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	unsigned begin, rate, full, per;

	if (n >= 2 && strcmp(w[1], "per-source") == 0) {
		if (no) {
			o->startups_per_source = 0;
			return 0;
		}
		if (n != 3 || sscanf(w[2], "%u", &per) != 1 || strspn(w[2], "0123456789") != strlen(w[2]) ||
		    per < 1 || per > STARTUPS_MAX)
			return sshd_config_fail(err, errlen, "max-startups per-source '%s': must be 1 to %u", n > 2 ? w[2] : "",
			                   STARTUPS_MAX);
		o->startups_per_source = per;
		return 0;
	}
	if (no) {
		startups_default(o);
		return 0;
	}
	if (n != 2 || parse_triple(w[1], &begin, &rate, &full) != 0)
		return sshd_config_fail(err, errlen, "want: max-startups START[:RATE:FULL] | max-startups per-source N");
	if (begin < 1 || full > STARTUPS_MAX || begin > full || rate < 1 || rate > 100)
		return sshd_config_fail(err, errlen,
		                   "max-startups '%s': want 1 <= START <= FULL <= %u and RATE 1 to 100 (percent)", w[1],
		                   STARTUPS_MAX);
	o->startups_begin = begin;
	o->startups_rate = rate;
	o->startups_full = full;
	return 0;
}

/* w[0] is "penalties" */
int sshd_cmd_penalties(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	static const char *const kinds[] = { "crash", "authfail", "noauth", "grace-exceeded", "max" };
	unsigned *fields[] = { &o->penalty_crash, &o->penalty_authfail, &o->penalty_noauth, &o->penalty_grace,
	                       &o->penalty_max };
	unsigned v[5] = { 90, 5, 1, 20, 600 };

	if (n >= 2 && strcmp(w[1], "exempt") == 0) {
		if (no) {
			o->penalty_exempt[0] = 0;
			return 0;
		}
		if (n != 3 || strlen(w[2]) >= sizeof(o->penalty_exempt))
			return sshd_config_fail(err, errlen, "want: penalties exempt ACCESS-LIST");
		snprintf(o->penalty_exempt, sizeof(o->penalty_exempt), "%s", w[2]);
		return 0;
	}
	if (no) {
		if (n != 1)
			return sshd_config_fail(err, errlen, "want: no ssh server penalties [exempt]");
		o->penalties = 0;
		return 0;
	}
	if (n % 2 != 1)
		return sshd_config_fail(err, errlen, "want: penalties [crash S] [authfail S] [noauth S] [grace-exceeded S] [max S]");
	for (int i = 1; i < n; i += 2) {
		size_t k;

		for (k = 0; k < 5 && strcmp(w[i], kinds[k]) != 0; k++)
			;
		if (k == 5 || strspn(w[i + 1], "0123456789") != strlen(w[i + 1]) || sscanf(w[i + 1], "%u", &v[k]) != 1 ||
		    v[k] > 86400)
			return sshd_config_fail(err, errlen, "penalties %s '%s': want crash, authfail, noauth, grace-exceeded "
			                   "or max, each 0 to 86400 seconds", w[i], w[i + 1]);
	}
	if (v[4] == 0)
		return sshd_config_fail(err, errlen, "penalties max 0: turn them off with no ssh server penalties");
	for (int k = 0; k < 5; k++)
		*fields[k] = v[k];
	o->penalties = 1;
	return 0;
}

void sshd_print_max_startups(const struct sshd_options *o, FILE *out)
{
	if (o->penalties)
		fprintf(out, "ssh server penalties crash %u authfail %u noauth %u grace-exceeded %u max %u\n",
		        o->penalty_crash, o->penalty_authfail, o->penalty_noauth, o->penalty_grace, o->penalty_max);
	if (o->penalty_exempt[0])
		fprintf(out, "ssh server penalties exempt %s\n", o->penalty_exempt);
	if (o->startups_begin != STARTUPS_BEGIN || o->startups_rate != STARTUPS_RATE || o->startups_full != STARTUPS_FULL)
		fprintf(out, "ssh server max-startups %u:%u:%u\n", o->startups_begin, o->startups_rate,
		        o->startups_full);
	if (o->startups_per_source)
		fprintf(out, "ssh server max-startups per-source %u\n", o->startups_per_source);
}

int sshd_startups_refuse(const struct sshd_options *o, const struct sshd_registry *r, const char *host, char *why,
                         size_t len)
{
	unsigned unauth = 0, same = 0, chance;

	for (size_t i = 0; i < r->n_live; i++) {
		const struct sshd_session_info *s = &r->live[i];

		if (s->outgoing || strcmp(s->state, "SESSION_OPEN") == 0)
			continue;
		unauth++;
		same += strcmp(s->host, host) == 0;
	}
	if (o->startups_per_source && same >= o->startups_per_source) {
		snprintf(why, len, "max-startups per-source (%u) reached", o->startups_per_source);
		return 1;
	}
	if (unauth < o->startups_begin)
		return 0;
	if (unauth >= o->startups_full) {
		snprintf(why, len, "max-startups (%u unauthenticated connections) reached", o->startups_full);
		return 1;
	}
	/* random early drop: RATE % at START, rising linearly to 100 % at FULL */
	chance = o->startups_rate +
	         (100 - o->startups_rate) * (unauth - o->startups_begin) / (o->startups_full - o->startups_begin);
	if (arc4random_uniform(100) >= chance)
		return 0;
	snprintf(why, len, "max-startups %u:%u:%u: %u unauthenticated connections, dropped early",
	         o->startups_begin, o->startups_rate, o->startups_full, unauth);
	return 1;
}
