// SPDX-License-Identifier: MIT
/* The clients' options: OpenSSH's -o names, RekeyLimit, -L specifications, algorithm lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kssh/kex.h"
#include "ssh.h"

/* "1K", "512M", "default"; units is "KMG" (x1024) or "smh" (seconds) */
static int parse_scaled(const char *s, const char *units, const uint64_t *scale, uint64_t max,
                        uint64_t *out)
{
	char *end;
	unsigned long long v;
	const char *u;

	if (strncmp(s, "default", 7) == 0 || strncmp(s, "none", 4) == 0) {
		*out = 0;
		return 0;
	}
	v = strtoull(s, &end, 10);
	if (end == s)
		return -1;
	if (*end != 0 && *end != ' ') {
		if ((u = strchr(units, *end)) == NULL || *u == 0)
			return -1;
		v *= scale[u - units];
		end++;
	}
	if ((*end != 0 && *end != ' ') || v == 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_rekey_limit(struct client_options *o, const char *v)
{
	static const uint64_t size_scale[] = { 1024, 1024 * 1024, 1024 * 1024 * 1024 };
	static const uint64_t time_scale[] = { 1, 60, 3600 };
	const char *space = strchr(v, ' ');
	uint64_t bytes, seconds = 0;

	if (parse_scaled(v, "KMG", size_scale, 1ull << 42, &bytes) != 0 ||
	    (space != NULL && parse_scaled(space + strspn(space, " "), "smh", time_scale,
	                                   86400 * 7, &seconds) != 0) ||
	    (bytes != 0 && bytes < 16)) {
		fprintf(stderr, "kssh: RekeyLimit '%s': want SIZE[K|M|G] [TIME[s|m|h]], "
		                "size at least 16 bytes\n", v);
		return -1;
	}
	o->rekey_bytes = bytes;
	o->rekey_seconds = (uint32_t)seconds;
	return 0;
}

/* Splits "a:b:c[:d]" (IPv6 addresses in brackets) into fields; returns how many, 5 when malformed */
static int split_forward(const char *spec, char f[4][256])
{
	const char *p = spec;
	int n = 0;

	for (; *p && n < 4; n++) {
		size_t len;

		if (*p == '[') {
			len = strcspn(++p, "]");
			snprintf(f[n], sizeof(f[n]), "%.*s", (int)len, p);
			p += len + (p[len] == ']');
		} else {
			len = strcspn(p, ":");
			snprintf(f[n], sizeof(f[n]), "%.*s", (int)len, p);
			p += len;
		}
		if (*p == ':')
			p++;
		else if (*p != 0)
			return 5;
	}
	return *p == 0 ? n : 5;
}

/* -L [bind:]port:host:hostport */
int client_parse_forward(struct client_options *o, const char *spec)
{
	char f[4][256] = { "", "", "", "" };
	int n = split_forward(spec, f);
	struct local_forward *lf;

	if ((n != 3 && n != 4) || o->n_forwards == MAX_FORWARDS) {
		fprintf(stderr, "kssh: bad forwarding specification '%s'\n", spec);
		return -1;
	}
	lf = &o->forwards[o->n_forwards];
	snprintf(lf->bind, sizeof(lf->bind), "%.63s", n == 4 ? f[0] : "");
	lf->port = (unsigned)atoi(f[n - 3]);
	snprintf(lf->host, sizeof(lf->host), "%s", f[n - 2]);
	lf->host_port = (unsigned)atoi(f[n - 1]);
	if (lf->port == 0 || lf->port > 65535 || lf->host_port == 0 || lf->host_port > 65535) {
		fprintf(stderr, "kssh: bad forwarding specification '%s'\n", spec);
		return -1;
	}
	o->n_forwards++;
	return 0;
}

/* -R [bind:]port:host:hostport; port 0: the server picks one, and kssh prints it */
int client_parse_remote_forward(struct client_options *o, const char *spec)
{
	char f[4][256] = { "", "", "", "" }, *end;
	int n = split_forward(spec, f);
	struct remote_forward *rf;
	unsigned long port, host_port;

	if ((n != 3 && n != 4) || o->n_rforwards == MAX_FORWARDS)
		goto bad;
	port = strtoul(f[n - 3], &end, 10);
	if (*end != 0 || f[n - 3][0] == 0 || port > 65535)
		goto bad;
	host_port = strtoul(f[n - 1], &end, 10);
	if (*end != 0 || host_port == 0 || host_port > 65535)
		goto bad;
	rf = &o->rforwards[o->n_rforwards++];
	snprintf(rf->bind, sizeof(rf->bind), "%.63s", n == 4 ? f[0] : "");
	rf->port = (unsigned)port;
	snprintf(rf->host, sizeof(rf->host), "%s", f[n - 2]);
	rf->host_port = (unsigned)host_port;
	return 0;
bad:
	fprintf(stderr, "kssh: bad remote forwarding specification '%s'\n", spec);
	return -1;
}

/* -D [bind:]port: a SOCKS 4, 4a and 5 proxy (CONNECT only) on this side */
int client_parse_dynamic_forward(struct client_options *o, const char *spec)
{
	char f[4][256] = { "", "", "", "" }, *end;
	int n = split_forward(spec, f);
	struct local_forward *lf;
	unsigned long port;

	if ((n != 1 && n != 2) || o->n_forwards == MAX_FORWARDS)
		goto bad;
	port = strtoul(f[n - 1], &end, 10);
	if (*end != 0 || port == 0 || port > 65535)
		goto bad;
	lf = &o->forwards[o->n_forwards++];
	memset(lf, 0, sizeof(*lf));
	snprintf(lf->bind, sizeof(lf->bind), "%.63s", n == 2 ? f[0] : "");
	lf->port = (unsigned)port;
	lf->dynamic = 1;
	return 0;
bad:
	fprintf(stderr, "kssh: bad dynamic forwarding specification '%s'\n", spec);
	return -1;
}

int client_add_identity(struct client_options *o, const char *path)
{
	if (o->n_identities == MAX_IDENTITIES) {
		fprintf(stderr, "kssh: at most %d identity files\n", MAX_IDENTITIES);
		return -1;
	}
	o->identities[o->n_identities++] = path;
	return 0;
}

/* "no" for a method removes it from the order */
static void drop_method(struct client_options *o, const char *method)
{
	const char *cursor = o->auth_methods ? o->auth_methods : "publickey,keyboard-interactive,password";
	char name[64];

	o->auth_methods_buf[0] = 0;
	while (kssh_list_next(&cursor, name, sizeof(name)))
		if (strcmp(name, method) != 0)
			kssh_list_append(o->auth_methods_buf, sizeof(o->auth_methods_buf), name);
	o->auth_methods = o->auth_methods_buf;
}

int client_set_option(struct client_options *o, const char *opt)
{
	const char *eq = strchr(opt, '=');
	char key[64];
	const char *v;

	if (eq == NULL || eq == opt || (size_t)(eq - opt) >= sizeof(key)) {
		fprintf(stderr, "kssh: option '%s' must be Name=value\n", opt);
		return -1;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - opt), opt);
	v = eq + 1;
	if (strcasecmp(key, "Port") == 0)
		o->port = (unsigned)atoi(v);
	else if (strcasecmp(key, "User") == 0)
		o->user = v;
	else if (strcasecmp(key, "Ciphers") == 0)
		o->ciphers = v;
	else if (strcasecmp(key, "MACs") == 0)
		o->macs = v;
	else if (strcasecmp(key, "KexAlgorithms") == 0)
		o->kex_algs = v;
	else if (strcasecmp(key, "HostKeyAlgorithms") == 0)
		o->hostkey_algs = v;
	else if (strcasecmp(key, "UserKnownHostsFile") == 0)
		snprintf(o->known_hosts, sizeof(o->known_hosts), "%s", v);
	else if (strcasecmp(key, "LogLevel") == 0) {
		/* OpenSSH's levels: QUIET, FATAL and ERROR hide warnings; DEBUG* add detail */
		o->quiet = !strcasecmp(v, "quiet") || !strcasecmp(v, "fatal") || !strcasecmp(v, "error");
		if (!strncasecmp(v, "debug", 5))
			o->verbose = v[5] == '3' ? 3 : v[5] == '2' ? 2 : 1;
	} else if (strcasecmp(key, "BatchMode") == 0)
		o->batch = strcasecmp(v, "yes") == 0;
	else if (strcasecmp(key, "ConnectTimeout") == 0)
		o->connect_timeout = (unsigned)atoi(v);
	else if (strcasecmp(key, "RekeyLimit") == 0)
		return parse_rekey_limit(o, v);
	else if (strcasecmp(key, "DSCP") == 0) {
		char *end;
		unsigned long d = strtoul(v, &end, 10);

		if (*v == 0 || *end || d > 63) {
			fprintf(stderr, "kssh: DSCP '%s': must be 0 to 63\n", v);
			return -1;
		}
		o->dscp = (unsigned)d;
		o->dscp_set = 1;
	}
	else if (strcasecmp(key, "CryptoOffload") == 0) {
		if (kssh_crypto_offload_parse(v, &o->crypto_offload, &o->crypto_offload_required) != 0) {
			fprintf(stderr, "kssh: CryptoOffload '%s': must be none, af-alg, af-alg-required, kernel or auto\n", v);
			return -1;
		}
	} else if (strcasecmp(key, "IdentityFile") == 0)
		return client_add_identity(o, v);
	else if (strcasecmp(key, "X509CAFile") == 0)
		o->x509_ca = v;
	else if (strcasecmp(key, "CertificateFile") == 0) {
		if (o->n_certificates == MAX_IDENTITIES) {
			fprintf(stderr, "kssh: at most %d certificate files\n", MAX_IDENTITIES);
			return -1;
		}
		o->certificates[o->n_certificates++] = v;
	}
	else if (strcasecmp(key, "IdentitiesOnly") == 0)
		o->identities_only = strcasecmp(v, "yes") == 0;
	else if (strcasecmp(key, "IdentityAgent") == 0)
		o->use_agent = strcasecmp(v, "none") != 0;
	else if (strcasecmp(key, "PreferredAuthentications") == 0) {
		snprintf(o->auth_methods_buf, sizeof(o->auth_methods_buf), "%s", v);
		o->auth_methods = o->auth_methods_buf;
	} else if (strcasecmp(key, "PasswordAuthentication") == 0) {
		if (strcasecmp(v, "no") == 0)
			drop_method(o, "password");
	} else if (strcasecmp(key, "PubkeyAuthentication") == 0) {
		if (strcasecmp(v, "no") == 0)
			drop_method(o, "publickey");
	} else if (strcasecmp(key, "KbdInteractiveAuthentication") == 0) {
		if (strcasecmp(v, "no") == 0)
			drop_method(o, "keyboard-interactive");
	} else if (strcasecmp(key, "NumberOfPasswordPrompts") == 0)
		o->password_prompts = (unsigned)atoi(v);
	else if (strcasecmp(key, "LocalForward") == 0) {
		char spec[600];

		/* the config form "port host:hostport" */
		snprintf(spec, sizeof(spec), "%s", v);
		for (char *p = spec; *p; p++)
			if (*p == ' ')
				*p = ':';
		return client_parse_forward(o, spec);
	}
	else if (strcasecmp(key, "RemoteForward") == 0 || strcasecmp(key, "DynamicForward") == 0) {
		char spec[600];

		snprintf(spec, sizeof(spec), "%s", v);
		for (char *p = spec; *p; p++)
			if (*p == ' ')
				*p = ':';
		return strcasecmp(key, "RemoteForward") == 0 ? client_parse_remote_forward(o, spec)
		                                              : client_parse_dynamic_forward(o, spec);
	} else if (strcasecmp(key, "ForwardAgent") == 0 || strcasecmp(key, "ExitOnForwardFailure") == 0) {
		int yes = strcasecmp(v, "yes") == 0;

		if (!yes && strcasecmp(v, "no") != 0) {
			fprintf(stderr, "kssh: %s '%s': yes or no\n", key, v);
			return -1;
		}
		if (strcasecmp(key, "ForwardAgent") == 0)
			o->forward_agent = yes;
		else
			o->exit_on_forward_failure = yes;
	}
	else if (strcasecmp(key, "KsshTestPings") == 0)
		o->test_pings = (unsigned)atoi(v);
	else if (strcasecmp(key, "KsshTestRekeys") == 0)
		o->test_rekeys = (unsigned)atoi(v);
	else if (strcasecmp(key, "StrictHostKeyChecking") == 0) {
		if (strcasecmp(v, "yes") == 0)
			o->strict = STRICT_YES;
		else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "off") == 0)
			o->strict = STRICT_NO;
		else if (strcasecmp(v, "accept-new") == 0)
			o->strict = STRICT_ACCEPT_NEW;
		else if (strcasecmp(v, "ask") == 0)
			o->strict = STRICT_ASK;
		else {
			fprintf(stderr, "kssh: StrictHostKeyChecking '%s': yes, no, ask or accept-new\n", v);
			return -1;
		}
	} else {
		fprintf(stderr, "kssh: unknown option '%s'\n", key);
		return -1;
	}
	return 0;
}

int client_check_lists(struct client_options *o)
{
	const char *given[4] = { o->kex_algs, o->hostkey_algs, o->ciphers, o->macs };
	char err[4096];

	for (int k = 0; k < 4; k++) {
		/* on the command line, naming an insecure algorithm enables it */
		if (given[k] && kssh_alg_check_list((enum kssh_alg_kind)k, given[k], ~0u, err,
		                                    sizeof(err)) != 0) {
			fprintf(stderr, "kssh: %s\n", err);
			return -1;
		}
	}
	client_order_hostkey_algs(o, o->hostkey_algs ? o->hostkey_algs : KSSH_DEFAULT_HOSTKEY);
	return 0;
}

