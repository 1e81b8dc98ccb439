// SPDX-License-Identifier: MIT
/*
 * OpenSSH user certificates (PROTOCOL.certkeys), the monitor's decision, as
 * sshd(8) makes it. The CA must be trusted either by "ssh server
 * trusted-user-ca-keys FILE" (the certificate must then name the user among
 * its principals) or by a cert-authority line of the user's authorized_keys
 * (principals="..." on it lists the names the certificate may carry instead;
 * the line's other options apply too). Then the certificate must be a user
 * certificate, valid now, not revoked, and its critical options are enforced:
 * force-command (a forced command, which a different command= on the line
 * contradicts), source-address (the client's address in the list); any other
 * critical option refuses it. Extensions grant: without permit-pty,
 * permit-port-forwarding, permit-agent-forwarding, permit-X11-forwarding and
 * permit-user-rc the session has none of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kssh/auth.h"
#include "kssh/cert.h"
#include "auth_internal.h"
#include "log.h"

/* the file holds the CA key, one OpenSSH public key per line */
static int ca_in_file(const char *path, const struct kssh_key *ca)
{
	FILE *f = fopen(path, "re");
	char line[16384];
	int found = 0;

	if (f == NULL) {
		kssh_log(LOG_ERR, "trusted-user-ca-keys %s: cannot be read", path);
		return 0;
	}
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		struct kssh_key *k;
		char *p = line + strspn(line, " \t");

		p[strcspn(p, "\r\n")] = 0;
		if (*p == 0 || *p == '#' || kssh_key_parse_public_line(p, &k) != 0)
			continue;
		found = kssh_key_equal_public(k, ca);
		kssh_key_free(k);
	}
	fclose(f);
	return found;
}

/* principals="a,b" on a cert-authority line: one of the certificate's principals is listed */
static int principal_listed(const struct kssh_cert *c, const char *list)
{
	for (size_t i = 0; i < c->n_principals; i++) {
		size_t n = strlen(c->principals[i]);

		for (const char *p = list; *p;) {
			size_t k = strcspn(p, ",");

			if (k == n && strncmp(p, c->principals[i], n) == 0)
				return 1;
			p += k + (p[k] == ',');
		}
	}
	return 0;
}

/* source-address: addresses and CIDR blocks only, comma-separated */
static int source_ok(const char *list, const char *addr)
{
	if (list[0] == 0 || list[strspn(list, "0123456789abcdefABCDEF:./,")] != 0)
		return -1;
	return kssh_addr_matches_list(list, addr);
}

static const char *critical_options(struct auth_ctx *a, const struct kssh_cert *c, struct kssh_authkey_opts *opts)
{
	for (size_t i = 0; i < c->n_critical; i++) {
		const char *name = c->critical[i].name, *value = c->critical[i].value;

		if (strcmp(name, "force-command") == 0) {
			if (opts->command != NULL && strcmp(opts->command, value) != 0)
				return "its force-command contradicts the authorized_keys command=";
			if (opts->command == NULL && (opts->command = strdup(value)) == NULL)
				return "out of memory";
		} else if (strcmp(name, "source-address") == 0) {
			int r = source_ok(value, a->peer->addr);

			if (r < 0)
				return "its source-address is malformed";
			if (r == 0)
				return "the client's address is not in its source-address";
		} else {
			return "it has a critical option this server does not know";
		}
	}
	return NULL;
}

static void extensions(const struct kssh_cert *c, struct kssh_authkey_opts *opts)
{
	if (!kssh_cert_extension(c, "permit-pty"))
		opts->no_pty = 1;
	if (!kssh_cert_extension(c, "permit-port-forwarding"))
		opts->no_port_forwarding = 1;
	if (!kssh_cert_extension(c, "permit-agent-forwarding"))
		opts->no_agent_forwarding = 1;
	if (!kssh_cert_extension(c, "permit-X11-forwarding"))
		opts->no_x11_forwarding = 1;
	if (!kssh_cert_extension(c, "permit-user-rc"))
		opts->no_user_rc = 1;
}

static void refused(struct auth_ctx *a, const struct kssh_cert *c, const char *why)
{
	char id[128], ca[128];

	kssh_cert_printable(c->key_id, id, sizeof(id));
	kssh_key_fingerprint(c->ca, ca, sizeof(ca));
	kssh_log(LOG_INFO, "user '%s': certificate ID \"%s\" (serial %llu) signed by %s CA %s refused: %s", a->user, id,
	         (unsigned long long)c->serial, kssh_key_type_short(c->ca->type), ca, why);
}

int auth_cert_authorized(struct auth_ctx *a, const struct kssh_cert *c, struct kssh_authkey_opts *opts)
{
	const char *name = a->res->user.name, *why = NULL;
	uint64_t now = (uint64_t)time(NULL);
	char path[700];
	unsigned bad = 0;

	if (!a->user_known)
		return 0;
	memset(opts, 0, sizeof(*opts));
	if (a->o->trusted_user_ca_keys[0] && ca_in_file(a->o->trusted_user_ca_keys, c->ca)) {
		kssh_cert_check(c, KSSH_CERT_USER, name, now, &why);
	} else if (auth_keys_path(a, path, sizeof(path)) == 0 &&
	           kssh_authorized_keys_find_ca(path, c->ca, opts, &bad) == 0) {
		if (kssh_cert_check(c, KSSH_CERT_USER, opts->principals ? NULL : name, now, &why) == 0 &&
		    opts->principals != NULL && !principal_listed(c, opts->principals))
			why = "none of its principals is in the cert-authority line's principals=";
		if (why == NULL && opts->from != NULL && !kssh_addr_matches_list(opts->from, a->peer->addr))
			why = "the client's address is not in the cert-authority line's from=";
	} else {
		why = "its CA is not trusted (trusted-user-ca-keys, cert-authority)";
	}
	if (why == NULL)
		why = critical_options(a, c, opts);
	if (why != NULL) {
		refused(a, c, why);
		kssh_authkey_opts_free(opts);
		return 0;
	}
	extensions(c, opts);
	if (auth_key_revoked(a, NULL, c)) {
		kssh_authkey_opts_free(opts);
		return 0;
	}
	return 1;
}

void auth_cert_log_accepted(struct auth_ctx *a, const struct kssh_cert *c, const char *alg)
{
	char id[128], fp[128], ca[128];

	kssh_cert_printable(c->key_id, id, sizeof(id));
	kssh_key_fingerprint(c->key, fp, sizeof(fp));
	kssh_key_fingerprint(c->ca, ca, sizeof(ca));
	kssh_log(LOG_INFO, "user '%s': accepted %s certificate ID \"%s\" (serial %llu) for key %s signed by %s CA %s",
	         a->user, alg, id, (unsigned long long)c->serial, fp, kssh_key_type_short(c->ca->type), ca);
}
