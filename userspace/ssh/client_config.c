// SPDX-License-Identifier: MIT
/*
 * The client's lines of the configuration file (the spec's "ssh client ..."
 * commands), read by kssh, ksftp and kscp before their command line, which
 * overrides them: dscp, knownhost, source-interface, auth-method, algorithms
 * cipher, enable cipher, disable hmac. ksshd's own lines in the same file
 * are not the client's business and are skipped; a bad client line is
 * reported and ignored, so a client still runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kssh/kex.h"
#include "ssh.h"

#define CLIENT_CONFIG_DEFAULT "/etc/kssh/kssh.conf"
#define WORDS_MAX 24

static char ciphers_buf[1024], macs_buf[1024], source_if_buf[64];

static int split(char *line, char **w)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t\r\n", &save); t && n < WORDS_MAX; t = strtok_r(NULL, " \t\r\n", &save))
		w[n++] = t;
	return n;
}

static int joined_list(char **w, int n, enum kssh_alg_kind kind, char *out, size_t len)
{
	char err[512];

	out[0] = 0;
	for (int i = 0; i < n; i++)
		if (kssh_list_append(out, len, w[i]) != 0)
			return -1;
	return n > 0 && kssh_alg_check_list(kind, out, ~0u, err, sizeof(err)) == 0 ? 0 : -1;
}

static int apply(struct client_options *o, char **w, int n, unsigned *enabled, char *disabled, size_t dlen)
{
	if (n == 4 && strcmp(w[2], "dscp") == 0) {
		char *end;
		unsigned long v = strtoul(w[3], &end, 10);

		if (*end || v > 63)
			return -1;
		o->dscp = (unsigned)v;
		o->dscp_set = 1;
	} else if ((n == 4 || n == 5) && strcmp(w[2], "crypto-offload") == 0 && strcmp(w[3], "af-alg") == 0) {
		if (n == 5 && strcmp(w[4], "required") != 0)
			return -1;
		o->crypto_offload = KSSH_OFFLOAD_AFALG;
		o->crypto_offload_required = n == 5;
	} else if (n == 4 && strcmp(w[2], "crypto-offload") == 0 &&
	           (strcmp(w[3], "kernel") == 0 || strcmp(w[3], "auto") == 0)) {
		o->crypto_offload = strcmp(w[3], "kernel") == 0 ? KSSH_OFFLOAD_KERNEL : KSSH_OFFLOAD_AUTO;
		o->crypto_offload_required = 0;
	} else if (n == 4 && strcmp(w[2], "knownhost") == 0) {
		snprintf(o->known_hosts, sizeof(o->known_hosts), "%s", w[3]);
	} else if (n == 4 && strcmp(w[2], "source-interface") == 0) {
		snprintf(source_if_buf, sizeof(source_if_buf), "%s", w[3]);
		o->source_interface = source_if_buf;
	} else if (n >= 4 && (strcmp(w[2], "auth-method") == 0 || strcmp(w[2], "auth-methods") == 0)) {
		o->auth_methods_buf[0] = 0;
		for (int i = 3; i < n; i++) {
			const char *m = strcmp(w[i], "public-key") == 0 ? "publickey" : w[i];

			if (strcmp(m, "publickey") && strcmp(m, "keyboard-interactive") && strcmp(m, "password"))
				return -1;
			kssh_list_append(o->auth_methods_buf, sizeof(o->auth_methods_buf), m);
		}
		o->auth_methods = o->auth_methods_buf;
	} else if (n >= 5 && strcmp(w[2], "algorithms") == 0 && strcmp(w[3], "cipher") == 0) {
		if (joined_list(w + 4, n - 4, KSSH_ALG_CIPHER, ciphers_buf, sizeof(ciphers_buf)) != 0)
			return -1;
		o->ciphers = ciphers_buf;
	} else if (n >= 5 && strcmp(w[2], "enable") == 0 && strcmp(w[3], "cipher") == 0) {
		for (int i = 4; i < n; i++) {
			if (strcmp(w[i], "aes-cbc") == 0)
				*enabled |= KSSH_ENABLE_AES_CBC;
			else if (strcmp(w[i], "3des-cbc") == 0)
				*enabled |= KSSH_ENABLE_3DES_CBC;
			else
				return -1;
		}
	} else if (n >= 5 && strcmp(w[2], "disable") == 0 && strcmp(w[3], "hmac") == 0) {
		return joined_list(w + 4, n - 4, KSSH_ALG_MAC, disabled, dlen);
	} else {
		return -1;
	}
	return 0;
}

void client_read_config(struct client_options *o)
{
	const char *path = getenv("KSSH_CONFIG") ? getenv("KSSH_CONFIG") : CLIENT_CONFIG_DEFAULT;
	char line[1024], copy[1024], *w[WORDS_MAX], disabled[512] = "";
	unsigned enabled = 0, lineno = 0;
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		int n;

		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		snprintf(copy, sizeof(copy), "%s", line);
		if ((n = split(copy, w)) < 3 || strcmp(w[0], "ssh") != 0 || strcmp(w[1], "client") != 0)
			continue;
		if (apply(o, w, n, &enabled, disabled, sizeof(disabled)) != 0)
			fprintf(stderr, "kssh: %s line %u: %s: not understood, ignored\n", path, lineno, line);
	}
	fclose(f);
	/* "enable cipher" adds CBC to the default list (an explicit algorithms list already says what it wants) */
	if (enabled && o->ciphers == NULL && kssh_alg_default_with(KSSH_ALG_CIPHER, enabled, ciphers_buf,
	                                                           sizeof(ciphers_buf)) == 0)
		o->ciphers = ciphers_buf;
	if (disabled[0] && kssh_alg_default_with(KSSH_ALG_MAC, 0, line, sizeof(line)) == 0 &&
	    kssh_list_without(line, disabled, macs_buf, sizeof(macs_buf)) == 0)
		o->macs = macs_buf;
}
