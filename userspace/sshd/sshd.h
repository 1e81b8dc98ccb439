/* SPDX-License-Identifier: MIT */
#ifndef KSSHD_H
#define KSSHD_H

#include <stdint.h>

#include "kssh/key.h"

#define KSSHD_MAX_LISTEN 8
#define KSSHD_MAX_HOST_KEYS 8

struct sshd_options {
	unsigned port;
	const char *listen[KSSHD_MAX_LISTEN];
	int n_listen;
	const char *state_dir;   /* host keys live here */
	int foreground, log_stderr, debug;
	const char *kex_algs, *hostkey_algs, *ciphers, *macs;
	unsigned enabled;        /* KSSH_ENABLE_* */
	char disabled_macs[512];
	uint32_t rekey_minutes;  /* the spec's rekey-time */
	uint64_t rekey_bytes;    /* the spec's rekey-volume, in bytes */
	unsigned login_timeout;  /* the spec's "ssh timeout", seconds */
	unsigned max_auth;       /* the spec's max-auth-limit */
	/* resolved */
	char kex_list[2048], hostkey_list[2048], cipher_list[2048], mac_list[2048];
	struct kssh_key *host_keys[KSSHD_MAX_HOST_KEYS];
	size_t n_host_keys;
};

int sshd_load_host_keys(struct sshd_options *o);
void sshd_free_host_keys(struct sshd_options *o);
/* Serves one connection on fd; returns the process exit status. */
int sshd_session(const struct sshd_options *o, int fd, const char *peer, unsigned peer_port);

#endif
