/* SPDX-License-Identifier: MIT */
/*
 * What the AAA clients (RADIUS, TACACS+) report of each exchange with a
 * server, for the daemon's counters and its dead-server hold time: the
 * library calls one observer the process sets.
 */
#ifndef KSSH_AAA_H
#define KSSH_AAA_H

#include <stdint.h>

enum kssh_aaa_event {
	KSSH_AAA_ACCEPT,    /* authentication or authorization granted */
	KSSH_AAA_REJECT,    /* ... refused */
	KSSH_AAA_CHALLENGE, /* the server asks for more */
	KSSH_AAA_ANSWER,    /* accounting taken */
	KSSH_AAA_TIMEOUT,   /* no answer, or no connection */
	KSSH_AAA_ERROR,     /* an answer that failed its checks, or the server's own error */
};

struct kssh_aaa_report {
	const char *proto; /* "radius" or "tacacs+" */
	const char *addr;
	unsigned port;
	enum kssh_aaa_event event;
	unsigned ms; /* from the request to the answer (or the give-up) */
};

void kssh_aaa_set_observer(void (*observer)(const struct kssh_aaa_report *r));
/* for the clients: reports an exchange that began at start_ms (kssh_aaa_now_ms) */
void kssh_aaa_report(const char *proto, const char *addr, unsigned port, enum kssh_aaa_event event,
                     uint64_t start_ms);
uint64_t kssh_aaa_now_ms(void);

#endif
