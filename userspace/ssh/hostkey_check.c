// SPDX-License-Identifier: MIT
/* Server authentication (RFC 4251 4.1): known_hosts, as the spec's client describes. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kssh/cert.h"
#include "kssh/err.h"
#include "kssh/kex.h"
#include "ssh.h"

static void print_changed(const struct client_options *o, const struct kssh_key *key,
                          const char *fp, unsigned line)
{
	fprintf(stderr,
	        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
	        "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
	        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
	        "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n"
	        "The %s host key for %s has changed; the key sent by the server is\n%s.\n"
	        "The key on record is in %s:%u.\n"
	        "Host key verification failed: connection closed.\n",
	        kssh_key_type_short(key->type), o->host, fp, o->known_hosts, line);
}

/* Asks on the terminal; "yes" or the key's fingerprint accepts. */
static int ask(const struct client_options *o, const struct kssh_key *key, const char *fp)
{
	char answer[256];
	FILE *tty;
	int accepted = 0;

	if (o->batch || (tty = fopen("/dev/tty", "r+e")) == NULL)
		return 0;
	fprintf(tty, "The authenticity of host '%s (port %u)' can't be established.\n"
	             "%s key fingerprint is %s.\n"
	             "Are you sure you want to continue connecting (yes/no/[fingerprint])? ",
	        o->host, o->port, kssh_key_type_short(key->type), fp);
	fflush(tty);
	while (fgets(answer, sizeof(answer), tty) != NULL) {
		answer[strcspn(answer, "\r\n")] = 0;
		if (strcmp(answer, "yes") == 0 || strcmp(answer, fp) == 0) {
			accepted = 1;
			break;
		}
		if (strcmp(answer, "no") == 0)
			break;
		fprintf(tty, "Please type 'yes', 'no' or the fingerprint: ");
		fflush(tty);
	}
	fclose(tty);
	return accepted;
}

int client_check_host_key(void *arg, const struct kssh_key *key, const char *alg)
{
	const struct client_options *o = arg;
	struct kssh_hostkey_match m;
	char fp[128];
	int r, save;

	kssh_key_fingerprint(key, fp, sizeof(fp));
	if (o->verbose)
		fprintf(stderr, "debug1: Server host key: %s %s\n", alg, fp);
	if ((r = kssh_known_hosts_check(o->known_hosts, o->host, o->port, key, &m)) != 0) {
		fprintf(stderr, "kssh: cannot read %s: %s\n", o->known_hosts, kssh_strerror(r));
		return KSSH_ERR_HOST_KEY_UNKNOWN;
	}
	switch (m.status) {
	case KSSH_HOSTKEY_OK:
		if (o->verbose)
			fprintf(stderr, "debug1: Host '%s' is known and matches the %s host key (%s:%u).\n",
			        o->host, kssh_key_type_short(key->type), o->known_hosts, m.line);
		return 0;
	case KSSH_HOSTKEY_REVOKED:
		fprintf(stderr, "kssh: the %s host key for %s (%s) is marked as revoked in %s:%u.\n"
		                "Host key verification failed.\n",
		        kssh_key_type_short(key->type), o->host, fp, o->known_hosts, m.line);
		return KSSH_ERR_HOST_KEY_REVOKED;
	case KSSH_HOSTKEY_CHANGED:
		print_changed(o, key, fp, m.line);
		return KSSH_ERR_HOST_KEY_CHANGED;
	case KSSH_HOSTKEY_UNKNOWN:
		break;
	}
	switch (o->strict) {
	case STRICT_YES:
		save = 0;
		break;
	case STRICT_NO:
	case STRICT_ACCEPT_NEW:
		save = 1;
		break;
	default:
		save = ask(o, key, fp);
	}
	if (!save) {
		fprintf(stderr, "No %s host key is known for %s and you have requested strict "
		                "checking (or no terminal to ask on).\nHost key verification failed.\n",
		        kssh_key_type_short(key->type), o->host);
		return KSSH_ERR_HOST_KEY_UNKNOWN;
	}
	if ((r = kssh_known_hosts_add(o->known_hosts, o->host, o->port, key, 1)) != 0)
		fprintf(stderr, "kssh: failed to add the host key to %s: %s\n", o->known_hosts,
		        kssh_strerror(r));
	else if (!o->quiet)
		fprintf(stderr, "Warning: Permanently added '%s' (%s) to the list of known hosts.\n",
		        o->host, kssh_key_type_short(key->type));
	return 0;
}

/*
 * A host certificate, its CA signature verified by the transport: a known_hosts
 * @cert-authority line for this host must hold its CA, it must be a host
 * certificate, valid now, naming the host; neither it nor its CA marked
 * @revoked. With no CA line for it, its key is checked as a plain host key, as
 * OpenSSH does.
 */
int client_check_host_cert(void *arg, const struct kssh_cert *cert, const char *alg)
{
	const struct client_options *o = arg;
	struct kssh_hostkey_match m;
	char fp[128], ca[128], id[128];
	const char *why;
	unsigned line = 0;

	kssh_key_fingerprint(cert->key, fp, sizeof(fp));
	kssh_key_fingerprint(cert->ca, ca, sizeof(ca));
	kssh_cert_printable(cert->key_id, id, sizeof(id));
	if (o->verbose)
		fprintf(stderr, "debug1: Server host certificate: %s %s, serial %llu ID \"%s\" CA %s %s\n", alg, fp,
		        (unsigned long long)cert->serial, id, kssh_key_type_short(cert->ca->type), ca);
	for (int i = 0; i < 2; i++) {
		const struct kssh_key *k = i ? cert->ca : cert->key;

		if (kssh_known_hosts_check(o->known_hosts, o->host, o->port, k, &m) == 0 &&
		    m.status == KSSH_HOSTKEY_REVOKED) {
			fprintf(stderr, "kssh: the host %s %s for %s is marked as revoked in %s:%u.\n"
			                "Host key verification failed.\n",
			        i ? "certificate's CA key" : "certificate's key", i ? ca : fp, o->host, o->known_hosts, m.line);
			return KSSH_ERR_HOST_KEY_REVOKED;
		}
	}
	if (kssh_known_hosts_find_ca(o->known_hosts, o->host, o->port, cert->ca, &line) != 0) {
		if (o->verbose)
			fprintf(stderr, "debug1: No matching CA found. Retry with plain key\n");
		return client_check_host_key(arg, cert->key, alg);
	}
	if (kssh_cert_check(cert, KSSH_CERT_HOST, o->host, (uint64_t)time(NULL), &why) != 0) {
		fprintf(stderr, "kssh: host certificate ID \"%s\" for %s is not valid: %s.\n"
		                "Host key verification failed.\n", id, o->host, why);
		return KSSH_ERR_HOST_KEY_UNKNOWN;
	}
	if (o->verbose)
		fprintf(stderr, "debug1: Host '%s' is known and matches the %s host certificate (%s:%u).\n", o->host,
		        kssh_key_type_short(cert->key->type), o->known_hosts, line);
	return 0;
}

/* RFC 6187: the chain must reach a CA of X509CAFile and name the host (never known_hosts: the CA vouches) */
int client_check_host_x509(void *arg, const struct kssh_x509 *chain, const char *alg)
{
	const struct client_options *o = arg;
	const char *files[1] = { o->x509_ca };
	char subject[256], why[300];

	kssh_x509_subject(chain, subject, sizeof(subject));
	if (o->verbose)
		fprintf(stderr, "debug1: Server X.509 host certificate: %s %s\n", alg, subject);
	if (o->x509_ca == NULL || kssh_x509_validate(chain, files, 1, 0, why, sizeof(why)) != KSSH_X509_OK) {
		fprintf(stderr, "kssh: the X.509 host certificate %s of %s does not verify: %s.\n"
		                "Host key verification failed.\n", subject, o->host, o->x509_ca ? why : "no X509CAFile");
		return KSSH_ERR_HOST_KEY_UNKNOWN;
	}
	if (!kssh_x509_names_host(chain, o->host)) {
		fprintf(stderr, "kssh: the X.509 host certificate %s does not name %s.\nHost key verification failed.\n",
		        subject, o->host);
		return KSSH_ERR_HOST_KEY_UNKNOWN;
	}
	if (o->verbose)
		fprintf(stderr, "debug1: Host '%s' is known by its X.509 certificate (%s)\n", o->host, o->x509_ca);
	return 0;
}

void client_order_hostkey_algs(struct client_options *o, const char *list)
{
	enum kssh_key_type types[8];
	char name[KSSH_NAME_MAX];
	const char *cert, *sig_alg;
	size_t n = 0;

	kssh_known_hosts_key_types(o->known_hosts, o->host, o->port, types, 8, &n);
	o->hostkey_list[0] = 0;
	/* X509CAFile: X.509 host certificates first (not x509v3-ssh-rsa: SHA-1) */
	if (o->x509_ca != NULL)
		kssh_x509_alg_list(o->hostkey_list, sizeof(o->hostkey_list), 0, 0);
	/* an @cert-authority line for the host: certificates first, for the algorithms the list has */
	if (kssh_known_hosts_find_ca(o->known_hosts, o->host, o->port, NULL, NULL) == 0)
		for (size_t i = 0; (cert = kssh_cert_alg_at(i)) != NULL; i++)
			if (kssh_cert_alg(cert, NULL, &sig_alg, NULL) == 0 && kssh_list_has(list, sig_alg) &&
			    strcmp(sig_alg, "ssh-rsa") != 0)
				kssh_list_append(o->hostkey_list, sizeof(o->hostkey_list), cert);
	/* first pass: algorithms of key types known_hosts has; second: the rest */
	for (int pass = 0; pass < 2; pass++) {
		const char *p = list;

		while (kssh_list_next(&p, name, sizeof(name))) {
			const struct kssh_sig_alg *a = kssh_sig_alg_by_name(name);
			int known = 0;

			for (size_t i = 0; a != NULL && i < n; i++)
				known |= types[i] == a->key_type;
			if (known == (pass == 0))
				kssh_list_append(o->hostkey_list, sizeof(o->hostkey_list), name);
		}
	}
}
