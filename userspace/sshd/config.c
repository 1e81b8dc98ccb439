// SPDX-License-Identifier: MIT
/*
 * The configuration file: the spec's own command lines. This first part reads
 * the commands authentication and sessions need; every other line is an
 * error naming the file and line, so nothing is silently ignored.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sshd.h"

#define WORDS_MAX 16

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
	if (errno || *s == 0 || *end != 0 || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* "username NAME secret [5|8|9|10] HASH": a crypt(3) hash, never the password itself */
static int cmd_username(struct sshd_options *o, char **w, int n, char *err, size_t errlen)
{
	struct sshd_local_user *u;
	const char *hash;

	if (n < 4 || strcmp(w[2], "secret") != 0) {
		snprintf(err, errlen, "want: username NAME secret [5|8|9|10] HASH");
		return -1;
	}
	hash = n == 5 ? w[4] : w[3];
	if (n > 5 || (n == 5 && strcmp(w[3], "5") && strcmp(w[3], "8") && strcmp(w[3], "9") &&
	              strcmp(w[3], "10"))) {
		snprintf(err, errlen, "secret type must be 5, 8, 9 or 10 (a hash); "
		                      "type 0 (clear text) is refused");
		return -1;
	}
	if (hash[0] != '$' || strlen(hash) >= sizeof(u->hash) || strlen(w[1]) >= sizeof(u->name)) {
		snprintf(err, errlen, "secret must be a crypt(3) hash such as "
		                      "'mkpasswd -m sha-512' prints ($...)");
		return -1;
	}
	if (o->n_local_users == KSSHD_MAX_LOCAL_USERS) {
		snprintf(err, errlen, "at most %d users", KSSHD_MAX_LOCAL_USERS);
		return -1;
	}
	u = &o->local_users[o->n_local_users++];
	snprintf(u->name, sizeof(u->name), "%s", w[1]);
	snprintf(u->hash, sizeof(u->hash), "%s", hash);
	return 0;
}

static int cmd_ssh(struct sshd_options *o, char **w, int n, char *err, size_t errlen)
{
	if (n == 3 && strcmp(w[1], "timeout") == 0) {
		if (number(w[2], 5, 120, &o->login_timeout) == 0)
			return 0;
		snprintf(err, errlen, "timeout must be 5 to 120 seconds");
		return -1;
	}
	if (n == 4 && strcmp(w[1], "server") == 0 && strcmp(w[2], "max-auth-limit") == 0) {
		if (number(w[3], 3, 20, &o->max_auth) == 0)
			return 0;
		snprintf(err, errlen, "max-auth-limit must be 3 to 20");
		return -1;
	}
	if (n == 4 && strcmp(w[1], "server") == 0 && strcmp(w[2], "port-forwarding") == 0 &&
	    strcmp(w[3], "local") == 0) {
		o->port_forwarding_local = 1;
		return 0;
	}
	snprintf(err, errlen, "unknown or unsupported command");
	return -1;
}

int sshd_config_load(struct sshd_options *o, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[1024], text[1024], err[256], *w[WORDS_MAX];
	unsigned lineno = 0;
	int n, r = 0;

	if (f == NULL) {
		fprintf(stderr, "ksshd: config %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (r == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "ksshd: config %s line %u: line too long\n", path, lineno);
			r = -1;
			break;
		}
		snprintf(text, sizeof(text), "%.*s", (int)strcspn(line, "\r\n"), line);
		n = split_words(line, w);
		if (n == 0 || w[0][0] == '!' || w[0][0] == '#')
			continue;
		if (n < 0) {
			snprintf(err, sizeof(err), "too many words");
			r = -1;
		} else if ((r = lpts_config_line(&o->lpts, text, err, sizeof(err))) != 0) {
			r = r < 0 ? -1 : 0; /* an lpts line, applied or bad */
		} else if (strcmp(w[0], "username") == 0) {
			r = cmd_username(o, w, n, err, sizeof(err));
		} else if (strcmp(w[0], "ssh") == 0) {
			r = cmd_ssh(o, w, n, err, sizeof(err));
		} else {
			snprintf(err, sizeof(err), "unknown or unsupported command");
			r = -1;
		}
		if (r != 0)
			fprintf(stderr, "ksshd: config %s line %u: %s: %s\n", path, lineno, text, err);
	}
	fclose(f);
	return r;
}
