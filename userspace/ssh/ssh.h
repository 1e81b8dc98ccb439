/* SPDX-License-Identifier: MIT */
#ifndef KSSH_CLIENT_H
#define KSSH_CLIENT_H

#include <stdint.h>

#include "kssh/key.h"

enum strict_mode { STRICT_ASK, STRICT_YES, STRICT_NO, STRICT_ACCEPT_NEW };

struct client_options {
	const char *host, *user, *command;
	unsigned port;
	int verbose, batch;
	enum strict_mode strict;
	char known_hosts[4096];
	const char *kex_algs, *hostkey_algs, *ciphers, *macs;
	unsigned enabled;
	unsigned connect_timeout;
	unsigned test_rekeys;    /* KsshTestRekeys: rekey this many times after the service request */
	unsigned test_pings;     /* KsshTestPings: global-request round trips, 100 ms apart */
	uint64_t rekey_bytes;    /* RekeyLimit, as OpenSSH: 0 for the default */
	uint32_t rekey_seconds;
	char hostkey_list[2048]; /* resolved, with known key types first */
};

/* The transport's check_host_key callback: known_hosts, prompting, saving. */
int client_check_host_key(void *arg, const struct kssh_key *key, const char *alg);
/* Puts the algorithms of key types known_hosts has for this host first, as OpenSSH does. */
void client_order_hostkey_algs(struct client_options *o, const char *list);

#endif
