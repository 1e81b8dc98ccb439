// SPDX-License-Identifier: MIT
/*
 * The X.509v3 lines of the configuration language. The spec names the SSH
 * lines (ssh server trustpoint user NAME, ssh server certificate username
 * common-name | user-principle-name) and leaves trust points to its PKI
 * chapter; here a trust point is two lines in the same style:
 *
 *   crypto ca trustpoint NAME ca-certificate FILE   CA certificates (PEM)
 *   crypto ca trustpoint NAME crl FILE              their CRLs (PEM): every
 *                                                   certificate is checked
 *   crypto ca trustpoint NAME certificate FILE      this host's certificate and
 *                                                   its chain (PEM), for "ssh
 *                                                   server certificate trustpoint
 *                                                   host NAME"; its key must be
 *                                                   one of the host keys
 *   no crypto ca trustpoint NAME [crl]
 */
#include <stdio.h>
#include <string.h>

#include "kssh/x509.h"
#include "sshd.h"

#define fail sshd_config_fail

const struct sshd_trustpoint *sshd_trustpoint(const struct sshd_options *o, const char *name)
{
	for (size_t i = 0; i < o->n_trustpoints; i++)
		if (strcmp(o->trustpoints[i].name, name) == 0)
			return &o->trustpoints[i];
	return NULL;
}

/* A trust point's name: it also names a folder (crypto ca import), so no '/' and no leading '.' */
int sshd_trustpoint_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 32 && s[0] != '.' && s[0] != '-' &&
	       s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")] == 0;
}
#define valid_name sshd_trustpoint_name_ok

/* "crypto ca trustpoint NAME ca-certificate|crl FILE" */
int sshd_cmd_crypto(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	struct sshd_trustpoint *tp;
	size_t i;

	if (n < 4 || strcmp(w[1], "ca") != 0 || strcmp(w[2], "trustpoint") != 0 || !valid_name(w[3]))
		return fail(err, errlen, "want: crypto ca trustpoint NAME ca-certificate FILE | crl FILE "
		            "(NAME: letters, digits, - _ ., under 32)");
	for (i = 0; i < o->n_trustpoints && strcmp(o->trustpoints[i].name, w[3]) != 0; i++)
		;
	tp = i < o->n_trustpoints ? &o->trustpoints[i] : NULL;
	if (no) {
		if (tp == NULL)
			return fail(err, errlen, "trustpoint %s is not defined", w[3]);
		if (n == 5 && (strcmp(w[4], "crl") == 0 || strcmp(w[4], "certificate") == 0)) {
			(w[4][0] == 'c' && w[4][1] == 'r' ? tp->crl_file : tp->cert_file)[0] = 0;
			return 0;
		}
		if (n != 4)
			return fail(err, errlen, "want: no crypto ca trustpoint NAME [crl | certificate]");
		o->trustpoints[i] = o->trustpoints[--o->n_trustpoints];
		return 0;
	}
	if (n != 6 || (strcmp(w[4], "ca-certificate") != 0 && strcmp(w[4], "crl") != 0 && strcmp(w[4], "certificate") != 0) ||
	    w[5][0] != '/' || strlen(w[5]) >= sizeof(tp->ca_file))
		return fail(err, errlen, "want: crypto ca trustpoint NAME ca-certificate|crl|certificate /ABSOLUTE/FILE");
	if (tp == NULL) {
		if (o->n_trustpoints == KSSHD_MAX_TRUSTPOINTS)
			return fail(err, errlen, "at most %d trustpoints", KSSHD_MAX_TRUSTPOINTS);
		tp = &o->trustpoints[o->n_trustpoints++];
		memset(tp, 0, sizeof(*tp));
		snprintf(tp->name, sizeof(tp->name), "%s", w[3]);
	}
	snprintf(strcmp(w[4], "crl") == 0 ? tp->crl_file : strcmp(w[4], "certificate") == 0 ? tp->cert_file : tp->ca_file,
	         sizeof(tp->ca_file), "%s", w[5]);
	return 0;
}

/* "ssh server trustpoint user NAME", "ssh server certificate username common-name|user-principle-name..." */
int sshd_cmd_server_x509(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	if (strcmp(w[0], "trustpoint") == 0) {
		size_t i;

		if (n != 3 || strcmp(w[1], "user") != 0 || !valid_name(w[2]))
			return fail(err, errlen, "want: ssh server trustpoint user NAME");
		for (i = 0; i < o->n_user_trustpoints && strcmp(o->user_trustpoints[i], w[2]) != 0; i++)
			;
		if (no) {
			if (i == o->n_user_trustpoints)
				return fail(err, errlen, "trustpoint user %s is not configured", w[2]);
			memmove(o->user_trustpoints[i], o->user_trustpoints[i + 1],
			        (o->n_user_trustpoints - i - 1) * sizeof(o->user_trustpoints[0]));
			o->n_user_trustpoints--;
			return 0;
		}
		if (i < o->n_user_trustpoints)
			return 0;
		if (o->n_user_trustpoints == KSSHD_MAX_USER_TRUSTPOINTS)
			return fail(err, errlen, "at most %d user trustpoints", KSSHD_MAX_USER_TRUSTPOINTS);
		snprintf(o->user_trustpoints[o->n_user_trustpoints++], sizeof(o->user_trustpoints[0]), "%s", w[2]);
		return 0;
	}
	if (n >= 2 && strcmp(w[1], "trustpoint") == 0) {
		if (no) {
			o->host_trustpoint[0] = 0;
			return 0;
		}
		if (n != 4 || strcmp(w[2], "host") != 0 || !valid_name(w[3]))
			return fail(err, errlen, "want: ssh server certificate trustpoint host NAME");
		snprintf(o->host_trustpoint, sizeof(o->host_trustpoint), "%s", w[3]);
		return 0;
	}
	if (n >= 2 && strcmp(w[1], "username") == 0) {
		unsigned fields = 0;

		if (no) {
			o->cert_username = 0;
			return 0;
		}
		for (int i = 2; i < n; i++) {
			if (strcmp(w[i], "common-name") == 0)
				fields |= KSSH_X509_NAME_CN;
			else if (strcmp(w[i], "user-principle-name") == 0)
				fields |= KSSH_X509_NAME_UPN;
			else
				fields = ~0u;
		}
		if (fields == 0 || fields == ~0u)
			return fail(err, errlen, "want: ssh server certificate username common-name | user-principle-name ...");
		o->cert_username = fields;
		return 0;
	}
	return fail(err, errlen, "want: ssh server certificate username common-name | user-principle-name");
}

void sshd_print_crypto(const struct sshd_options *o, FILE *out)
{
	for (size_t i = 0; i < o->n_trustpoints; i++) {
		const struct sshd_trustpoint *tp = &o->trustpoints[i];

		if (tp->ca_file[0])
			fprintf(out, "crypto ca trustpoint %s ca-certificate %s\n", tp->name, tp->ca_file);
		if (tp->crl_file[0])
			fprintf(out, "crypto ca trustpoint %s crl %s\n", tp->name, tp->crl_file);
		if (tp->cert_file[0])
			fprintf(out, "crypto ca trustpoint %s certificate %s\n", tp->name, tp->cert_file);
	}
}

void sshd_print_server_x509(const struct sshd_options *o, FILE *out)
{
	if (o->host_trustpoint[0])
		fprintf(out, "ssh server certificate trustpoint host %s\n", o->host_trustpoint);
	for (size_t i = 0; i < o->n_user_trustpoints; i++)
		fprintf(out, "ssh server trustpoint user %s\n", o->user_trustpoints[i]);
	if (o->cert_username)
		fprintf(out, "ssh server certificate username%s%s\n",
		        o->cert_username & KSSH_X509_NAME_CN ? " common-name" : "",
		        o->cert_username & KSSH_X509_NAME_UPN ? " user-principle-name" : "");
}
