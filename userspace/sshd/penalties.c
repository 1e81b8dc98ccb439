// SPDX-License-Identifier: MIT
/*
 * Per-source penalties (OpenSSH 9.8's PerSourcePenalties): a connection
 * that crashes its process, fails authentication, leaves without
 * authenticating or runs into the login grace time earns its source a few
 * seconds in which new connections are refused at accept; penalties add up
 * to a maximum. The table is bounded: when full, the one that ends soonest
 * makes room. `show ssh penalties` lists it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "sshd_listener.h"

static unsigned duration(const struct sshd_options *o, const char *why)
{
	if (strcmp(why, "crash") == 0)
		return o->penalty_crash;
	if (strcmp(why, "authfail") == 0)
		return o->penalty_authfail;
	if (strcmp(why, "grace-exceeded") == 0)
		return o->penalty_grace;
	return o->penalty_noauth;
}

static struct sshd_penalty *find(struct sshd_registry *r, const char *host, time_t now)
{
	size_t soonest = 0;

	for (size_t i = 0; i < r->n_penalties; i++)
		if (strcmp(r->penalties[i].host, host) == 0)
			return &r->penalties[i];
	/* a new entry: a free slot, an expired one, or the one that ends soonest */
	if (r->n_penalties < KSSHD_PENALTIES)
		return &r->penalties[r->n_penalties++];
	for (size_t i = 0; i < r->n_penalties; i++) {
		if (r->penalties[i].until <= now)
			return &r->penalties[i];
		if (r->penalties[i].until < r->penalties[soonest].until)
			soonest = i;
	}
	return &r->penalties[soonest];
}

void sshd_penalize(struct sshd_registry *r, const char *host, const char *why)
{
	const struct sshd_options *o = r->o;
	time_t now = time(NULL);
	struct sshd_penalty *p;
	unsigned secs;

	if (o == NULL || !o->penalties || (secs = duration(o, why)) == 0)
		return;
	p = find(r, host, now);
	if (strcmp(p->host, host) != 0 || p->until <= now) {
		snprintf(p->host, sizeof(p->host), "%s", host);
		p->until = now;
		p->events = 0;
	}
	p->until += secs;
	if (p->until > now + (time_t)o->penalty_max)
		p->until = now + (time_t)o->penalty_max;
	p->events++;
	snprintf(p->why, sizeof(p->why), "%s", why);
	kssh_log(LOG_INFO, "penalty: %s for %s, blocked for %ld s", host, why, (long)(p->until - now));
}

int sshd_penalty_refuse(struct sshd_registry *r, const char *host, char *why, size_t len)
{
	time_t now = time(NULL);

	if (r->o == NULL || !r->o->penalties)
		return 0;
	for (size_t i = 0; i < r->n_penalties; i++) {
		const struct sshd_penalty *p = &r->penalties[i];

		if (p->until > now && strcmp(p->host, host) == 0) {
			snprintf(why, len, "penalty for %s: blocked for %ld more seconds", p->why, (long)(p->until - now));
			return 1;
		}
	}
	return 0;
}
