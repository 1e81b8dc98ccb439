// SPDX-License-Identifier: MIT
/* The observer of AAA exchanges (kssh/aaa.h): one a process, none by default */
#include <stddef.h>
#include <time.h>

#include "kssh/aaa.h"

static void (*observer_fn)(const struct kssh_aaa_report *r);

void kssh_aaa_set_observer(void (*observer)(const struct kssh_aaa_report *r))
{
	observer_fn = observer;
}

uint64_t kssh_aaa_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void kssh_aaa_report(const char *proto, const char *addr, unsigned port, enum kssh_aaa_event event,
                     uint64_t start_ms)
{
	struct kssh_aaa_report r = { proto, addr, port, event, (unsigned)(kssh_aaa_now_ms() - start_ms) };

	if (observer_fn != NULL)
		observer_fn(&r);
}
