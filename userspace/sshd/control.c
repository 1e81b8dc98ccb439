// SPDX-License-Identifier: MIT
/*
 * Requests on the control socket (ksshctl): configure, the spec's show
 * commands with their columns and fields (each also as JSON with --json),
 * and the crypto key commands. A request is its first line (the command
 * words) and, for configure, the configuration lines after it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "kssh/kex.h"
#include "kssh/key.h"
#include "log.h"
#include "sshd_listener.h"

#define SSH_VERSION_LINE "SSH version : kssh-2.0"

static void location(const struct sshd_options *o, char *out, size_t len)
{
	if (o->hostname[0])
		snprintf(out, len, "%s", o->hostname);
	else if (gethostname(out, len - 1) != 0)
		snprintf(out, len, "localhost");
	out[len - 1] = 0;
}

static void timestamp(time_t t, char *out, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%H:%M:%S UTC %a %b %d %Y", &tm);
}

/* A JSON string: quotes, backslashes and controls escaped */
static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

/* ---- show ssh, show ssh session details, show ssh history [details] ---- */

static void session_json(FILE *out, const struct sshd_session_info *s, const char *loc, int details)
{
	char start[64], end[64];

	fprintf(out, "{\"id\":%u,\"chan\":%u,\"pty\":", s->id, s->chan);
	json_str(out, s->pty[0] ? s->pty : "XXX");
	fprintf(out, ",\"location\":");
	json_str(out, loc);
	fprintf(out, ",\"state\":");
	json_str(out, s->state);
	fprintf(out, ",\"userid\":");
	json_str(out, s->user);
	fprintf(out, ",\"host\":");
	json_str(out, s->host);
	fprintf(out, ",\"port\":%u,\"ver\":\"v2\",\"authentication\":", s->port);
	json_str(out, s->auth);
	fprintf(out, ",\"connection_type\":");
	json_str(out, s->type);
	fprintf(out, ",\"vrf\":");
	json_str(out, s->vrf);
	fprintf(out, ",\"client_version\":");
	json_str(out, s->version);
	if (s->account[0]) { /* a remote user's: the local account it runs as */
		fprintf(out, ",\"account\":");
		json_str(out, s->account);
	}
	if (s->priv[0])
		fprintf(out, ",\"privilege\":%d", atoi(s->priv));
	if (details) {
		const char *names[] = { "key_exchange", "pubkey", "incipher", "outcipher", "inmac", "outmac",
		                        "inbackend", "outbackend" };
		const char *vals[] = { s->kex, s->hostkey, s->cipher_in, s->cipher_out, s->mac_in, s->mac_out,
		                       s->backend_in, s->backend_out };

		for (int i = 0; i < 8; i++) {
			fprintf(out, ",\"%s\":", names[i]);
			json_str(out, vals[i]);
		}
		timestamp(s->start, start, sizeof(start));
		fprintf(out, ",\"start_time\":");
		json_str(out, start);
		if (s->end) {
			timestamp(s->end, end, sizeof(end));
			fprintf(out, ",\"end_time\":");
			json_str(out, end);
			fprintf(out, ",\"end_reason\":");
			json_str(out, s->reason);
		}
	}
	fprintf(out, "}");
}

static void session_row(FILE *out, const struct sshd_session_info *s, const char *loc)
{
	fprintf(out, "%-5u %-5u %-8s %-12s %-20s %-12s %-40s %-4s %-22s %s\n", s->id, s->chan,
	        s->pty[0] ? s->pty : "XXX", loc, s->state, s->user[0] ? s->user : "-", s->host, "v2",
	        s->auth[0] ? s->auth : "-", s->type[0] ? s->type : "-");
}

static void details_row(FILE *out, const struct sshd_session_info *s, int times)
{
	char start[64], end[64];

	fprintf(out, "%-5u %-36s %-22s %-30s %-30s %-28s %-28s %-10s %-10s", s->id, s->kex, s->hostkey, s->cipher_in,
	        s->cipher_out, s->mac_in[0] ? s->mac_in : "implicit", s->mac_out[0] ? s->mac_out : "implicit",
	        s->backend_in[0] ? s->backend_in : "-", s->backend_out[0] ? s->backend_out : "-");
	if (times) {
		timestamp(s->start, start, sizeof(start));
		timestamp(s->end, end, sizeof(end));
		fprintf(out, " %s  %s", start, end);
	}
	fprintf(out, "\n");
}

/* Every session of a list: the live ones, or the history oldest first */
static const struct sshd_session_info *nth(const struct sshd_registry *r, int history, size_t i)
{
	if (history)
		return sshd_registry_history(r, i);
	return i < r->n_live ? &r->live[i] : NULL;
}

static void show_sessions(const struct sshd_options *o, const struct sshd_registry *r, int history, int details,
                          int json, FILE *out)
{
	const struct sshd_session_info *s;
	char loc[64];

	location(o, loc, sizeof(loc));
	if (json) {
		fprintf(out, "{\"version\":\"kssh-2.0\"");
		for (int dir = 0; dir < 2; dir++) {
			int first = 1;

			fprintf(out, ",\"%s\":[", dir ? "outgoing" : "incoming");
			for (size_t i = 0; (s = nth(r, history, i)) != NULL; i++) {
				if (s->outgoing != dir)
					continue;
				fprintf(out, "%s", first ? "" : ",");
				session_json(out, s, loc, details || history);
				first = 0;
			}
			fprintf(out, "]");
		}
		fprintf(out, "}\n");
		return;
	}
	fprintf(out, "%s\n\n", SSH_VERSION_LINE);
	if (details)
		fprintf(out, "%-5s %-36s %-22s %-30s %-30s %-28s %-28s %-10s %-10s%s\n", "id", "key-exchange", "pubkey",
		        "incipher", "outcipher", "inmac", "outmac", "inbackend", "outbackend",
		        history ? " start-time  end-time" : "");
	else
		fprintf(out, "%-5s %-5s %-8s %-12s %-20s %-12s %-40s %-4s %-22s %s\n", "id", "chan", "pty", "location",
		        "state", "userid", "host", "ver", "authentication", "connection type");
	fprintf(out, "--------------------------------------------------------------------------------\n");
	for (int dir = 0; dir < 2; dir++) {
		fprintf(out, "%s%s sessions\n", dir ? "\n" : "", dir ? "Outgoing" : "Incoming");
		for (size_t i = 0; (s = nth(r, history, i)) != NULL; i++) {
			if (s->outgoing != dir)
				continue;
			if (details)
				details_row(out, s, history);
			else
				session_row(out, s, loc);
		}
	}
	fprintf(out, "\n");
}

/* ---- show ssh penalties: sources refused for a while after bad ends ---- */

static void show_penalties(const struct sshd_options *o, const struct sshd_registry *r, int json, FILE *out)
{
	time_t now = time(NULL);
	int first = 1;

	if (json)
		fprintf(out, "{\"enabled\":%s,\"penalties\":[", o->penalties ? "true" : "false");
	else
		fprintf(out, "%s\n\nPer-source penalties: %s\n%-40s %-16s %10s %8s\n"
		        "--------------------------------------------------------------------------------\n",
		        SSH_VERSION_LINE, o->penalties ? "on" : "off", "source", "last reason", "remaining", "events");
	for (size_t i = 0; i < r->n_penalties; i++) {
		const struct sshd_penalty *p = &r->penalties[i];

		if (p->until <= now)
			continue;
		if (!json) {
			fprintf(out, "%-40s %-16s %9lds %8u\n", p->host, p->why, (long)(p->until - now), p->events);
			continue;
		}
		fprintf(out, "%s{\"source\":", first ? "" : ",");
		json_str(out, p->host);
		fprintf(out, ",\"reason\":");
		json_str(out, p->why);
		fprintf(out, ",\"remaining_seconds\":%ld,\"events\":%u}", (long)(p->until - now), p->events);
		first = 0;
	}
	fprintf(out, json ? "]}\n" : "\n");
}

/* ---- show ssh offload: sessions whose records kernel/ carries, with the module's counters ---- */

static void show_offload(const struct sshd_registry *r, int json, FILE *out)
{
	int first = 1;

	if (json)
		fprintf(out, "{\"sessions\":[");
	else
		fprintf(out, "%s\n\n%-5s %-12s %-20s %-24s %12s %14s %12s %14s %7s\n"
		        "--------------------------------------------------------------------------------\n",
		        SSH_VERSION_LINE, "id", "userid", "host", "cipher", "tx-packets", "tx-bytes", "rx-packets",
		        "rx-bytes", "rekeys");
	for (size_t i = 0; i < r->n_live; i++) {
		const struct sshd_session_info *s = &r->live[i];
		/* the hand-over installs both directions; each rekey installs both again */
		unsigned rekeys = s->offload.installs > 2 ? (s->offload.installs - 2) / 2 : 0;

		if (!s->offload.on)
			continue;
		if (!json) {
			fprintf(out, "%-5u %-12s %-20s %-24s %12llu %14llu %12llu %14llu %7u\n", s->id, s->user, s->host,
			        s->cipher_out, s->offload.tx_packets, s->offload.tx_bytes, s->offload.rx_packets,
			        s->offload.rx_bytes, rekeys);
			continue;
		}
		fprintf(out, "%s{\"id\":%u,\"userid\":", first ? "" : ",", s->id);
		json_str(out, s->user);
		fprintf(out, ",\"host\":");
		json_str(out, s->host);
		fprintf(out, ",\"incipher\":");
		json_str(out, s->cipher_in);
		fprintf(out, ",\"outcipher\":");
		json_str(out, s->cipher_out);
		fprintf(out, ",\"chan\":%u,\"tx_packets\":%llu,\"tx_bytes\":%llu,\"rx_packets\":%llu,"
		        "\"rx_bytes\":%llu,\"tx_seqnr\":%u,\"rx_seqnr\":%u,\"rekeys\":%u}",
		        s->chan, s->offload.tx_packets, s->offload.tx_bytes, s->offload.rx_packets, s->offload.rx_bytes,
		        s->offload.tx_seqnr, s->offload.rx_seqnr, rekeys);
		first = 0;
	}
	fprintf(out, json ? "]}\n" : "\n");
}

/* ---- show ssh server ---- */

static void show_server(const struct sshd_options *o, int json, FILE *out)
{
	char vrfs[1024] = "", fwd[48];
	size_t n = 0;

	snprintf(fwd, sizeof(fwd), "%s%s%s%s", o->port_forwarding_local ? "local" : "",
	         o->port_forwarding_local && o->port_forwarding_remote ? ", " : "",
	         o->port_forwarding_remote ? "remote" : "", o->gateway_ports ? " (gateway-ports)" : "");

	if (o->n_vrfs == 0)
		snprintf(vrfs, sizeof(vrfs), "vrfname:=default(v4-acl:=, v6-acl:=)");
	for (size_t i = 0; i < o->n_vrfs && n < sizeof(vrfs); i++)
		n += (size_t)snprintf(vrfs + n, sizeof(vrfs) - n, "%svrfname:=%s(v4-acl:=%s, v6-acl:=%s)", i ? "," : "",
		                      o->vrfs[i].name, o->vrfs[i].acl4, o->vrfs[i].acl6);
	if (json) {
		fprintf(out, "{\"versions\":\"v2\",\"port\":%u,\"vrfs\":", o->port);
		json_str(out, vrfs);
		fprintf(out, ",\"hostkey_algorithms\":");
		json_str(out, o->hostkey_list);
		fprintf(out, ",\"key_exchange_algorithms\":");
		json_str(out, o->kex_list);
		fprintf(out, ",\"encryption_algorithms\":");
		json_str(out, o->cipher_list);
		fprintf(out, ",\"mac_algorithms\":");
		json_str(out, o->mac_list);
		fprintf(out, ",\"publickey\":true,\"password\":true,\"keyboard_interactive\":true,"
		             "\"certificate_based\":%s,\"dscp\":%u,\"ratelimit\":%u,\"sessionlimit\":%u,"
		             "\"rekeytime\":%u,\"rekeyvolume\":%u,\"tcp_window_scale\":%u,\"window_max_kib\":%u,"
		             "\"port_forwarding\":\"%s\",\"max_auth_limit\":%u}\n",
		        o->n_user_trustpoints || o->trusted_user_ca_keys[0] ? "true" : "false",
		        o->server_dscp, o->rate_limit, o->session_limit, o->rekey_minutes, o->rekey_volume_mb,
		        o->tcp_window_scale, o->window_max_kib, fwd[0] ? fwd : "disabled", o->max_auth);
		return;
	}
	fprintf(out, "-----\nSSH Server Parameters\n-----\n\n");
	fprintf(out, "Current supported versions := v2\n");
	fprintf(out, "                        SSH port := %u\n", o->port);
	fprintf(out, "                        SSH vrfs := %s\n", vrfs);
	fprintf(out, "\nAlgorithms\n-----\n");
	fprintf(out, "Hostkey Algorithms := %s\n\n", o->hostkey_list);
	fprintf(out, "Key-Exchange Algorithms := %s\n\n", o->kex_list);
	fprintf(out, "Encryption Algorithms := %s\n\n", o->cipher_list);
	fprintf(out, "Mac Algorithms := %s\n", o->mac_list);
	fprintf(out, "\nAuthentication Method Supported\n-----\n");
	fprintf(out, "                        PublicKey := Yes\n");
	fprintf(out, "                        Password := Yes\n");
	fprintf(out, "Keyboard-Interactive := Yes\n");
	fprintf(out, "Certificate Based := %s\n", o->n_user_trustpoints || o->trusted_user_ca_keys[0] ? "Yes" : "No");
	fprintf(out, "\nOthers\n-----\n");
	fprintf(out, "                        DSCP := %u\n", o->server_dscp);
	fprintf(out, "                        Ratelimit := %u\n", o->rate_limit);
	fprintf(out, "                        Sessionlimit := %u\n", o->session_limit);
	fprintf(out, "                        Rekeytime := %u\n", o->rekey_minutes);
	fprintf(out, "                        Server rekeyvolume := %u\n", o->rekey_volume_mb);
	fprintf(out, "TCP window scale factor := %u\n", o->tcp_window_scale);
	fprintf(out, "Channel window maximum := %u KiB\n", o->window_max_kib);
	fprintf(out, "                        Backup Server := Disabled\n");
	fprintf(out, "                        Port Forwarding := %s\n", fwd[0] ? fwd : "Disabled");
	fprintf(out, "                        Agent Forwarding := %s\n", o->agent_forwarding ? "Enabled" : "Disabled");
	fprintf(out, "                        Max Channels := %u\n", o->max_channels);
	fprintf(out, "Max Authentication Limit := %u\n", o->max_auth);
	fprintf(out, "Host Trustpoint := %s\n", o->host_trustpoint);
	fprintf(out, "User Trustpoints :=");
	for (size_t i = 0; i < o->n_user_trustpoints; i++)
		fprintf(out, " %s", o->user_trustpoints[i]);
	fprintf(out, "\n");
}

/* ---- crypto keys ---- */

static int key_type_from_words(char **w, int n, enum kssh_key_type *t, char *err, size_t errlen)
{
	if (n >= 1 && strcmp(w[0], "rsa") == 0)
		*t = KSSH_KEY_RSA;
	else if (n >= 1 && strcmp(w[0], "dsa") == 0)
		*t = KSSH_KEY_DSA;
	else if (n >= 1 && strcmp(w[0], "ed25519") == 0)
		*t = KSSH_KEY_ED25519;
	else if (n >= 1 && strcmp(w[0], "ecdsa") == 0) {
		const char *curve = n >= 2 ? w[1] : "nistp256";

		if (strcmp(curve, "nistp256") == 0)
			*t = KSSH_KEY_ECDSA_P256;
		else if (strcmp(curve, "nistp384") == 0)
			*t = KSSH_KEY_ECDSA_P384;
		else if (strcmp(curve, "nistp521") == 0)
			*t = KSSH_KEY_ECDSA_P521;
		else {
			snprintf(err, errlen, "ecdsa curve '%s': nistp256, nistp384 or nistp521", curve);
			return -1;
		}
		return 0;
	} else {
		snprintf(err, errlen, "key type: rsa, dsa, ecdsa [nistp256|nistp384|nistp521] or ed25519");
		return -1;
	}
	return n == 1 ? 0 : (snprintf(err, errlen, "unexpected '%s'", w[1]), -1);
}

static const char *type_label(enum kssh_key_type t)
{
	switch (t) {
	case KSSH_KEY_RSA: return "RSA General";
	case KSSH_KEY_DSA: return "DSA General";
	case KSSH_KEY_ECDSA_P256: return "ECDSA General Curve Nistp256";
	case KSSH_KEY_ECDSA_P384: return "ECDSA General Curve Nistp384";
	case KSSH_KEY_ECDSA_P521: return "ECDSA General Curve Nistp521";
	default: return "ED25519";
	}
}

/* The public key's bytes as the spec prints them: the EC point, the raw Ed25519 key, DER for RSA/DSA */
static size_t public_bytes(const struct kssh_key *k, unsigned char *buf, size_t len)
{
	size_t n = 0;

	if (k->type == KSSH_KEY_RSA || k->type == KSSH_KEY_DSA) {
		unsigned char *p = buf;
		int l = i2d_PublicKey(k->pkey, NULL);

		if (l <= 0 || (size_t)l > len)
			return 0;
		return (size_t)i2d_PublicKey(k->pkey, &p);
	}
	n = len;
	if (k->type == KSSH_KEY_ED25519)
		return EVP_PKEY_get_raw_public_key(k->pkey, buf, &n) == 1 ? n : 0;
	if (EVP_PKEY_get_octet_string_param(k->pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, len, &n) != 1)
		return 0;
	return n;
}

static void show_mypubkey(const struct sshd_options *o, char **w, int n, int json, FILE *out)
{
	enum kssh_key_type want = KSSH_KEY_RSA;
	char err[128];
	int filter = n > 0 && key_type_from_words(w, 1, &want, err, sizeof(err)) == 0, first = 1;

	if (json)
		fprintf(out, "{\"keys\":[");
	for (size_t i = 0; i < o->n_host_keys; i++) {
		const struct kssh_key *k = o->host_keys[i];
		int ecdsa = k->type == KSSH_KEY_ECDSA_P256 || k->type == KSSH_KEY_ECDSA_P384 || k->type == KSSH_KEY_ECDSA_P521;
		unsigned char bytes[4096];
		size_t len = public_bytes(k, bytes, sizeof(bytes));
		char created[64], path[4096];
		struct stat st = { 0 };

		if (filter && !(k->type == want || (want == KSSH_KEY_ECDSA_P256 && ecdsa && n == 1)))
			continue;
		sshd_host_key_path(o, k->type, path, sizeof(path));
		stat(path, &st);
		timestamp(st.st_mtime, created, sizeof(created));
		if (json) {
			fprintf(out, "%s{\"label\":\"the_default\",\"type\":\"%s\",\"bits\":%d,\"created\":\"%s\",\"data\":\"",
			        first ? "" : ",", type_label(k->type), EVP_PKEY_get_bits(k->pkey), created);
			for (size_t b = 0; b < len; b++)
				fprintf(out, "%02X", bytes[b]);
			fprintf(out, "\"}");
			first = 0;
			continue;
		}
		fprintf(out, "Key label: the_default\nType      : %s\n%s : %d\nCreated  : %s\nData     :\n",
		        type_label(k->type), k->type == KSSH_KEY_ED25519 ? "Size    " : "Degree  ",
		        EVP_PKEY_get_bits(k->pkey), created);
		for (size_t b = 0; b < len; b++)
			fprintf(out, "%s%02X%s", b % 32 == 0 ? (k->type == KSSH_KEY_ED25519 ? " " : "") : b % 4 == 0 ? " " : "",
			        bytes[b], b % 32 == 31 || b + 1 == len ? "\n" : "");
		fprintf(out, "\n");
	}
	if (json)
		fprintf(out, "]}\n");
}

static int crypto_key(struct sshd_options *o, int generate, char **w, int n, FILE *out)
{
	enum kssh_key_type t;
	char err[256];

	if (key_type_from_words(w, n, &t, err, sizeof(err)) != 0) {
		fprintf(out, "%s\n", err);
		return 0;
	}
	if ((generate ? sshd_generate_host_key(o, t) : sshd_zeroize_host_key(o, t)) != 0) {
		fprintf(out, "crypto key %s %s: %s\n", generate ? "generate" : "zeroize", kssh_key_type_short(t),
		        strerror(errno));
		return 0;
	}
	fprintf(out, "%s %s host key\n", generate ? "generated the" : "removed the", kssh_key_type_short(t));
	return 1;
}

/* ---- configure ---- */

/* Every line is validated on a copy first; the copy is committed only when all are good */
static int configure(struct sshd_options *o, char *body, FILE *out)
{
	static struct sshd_options copy, old;
	char *save = NULL, err[4096];
	int lineno = 0, bad = 0;

	copy = *o;
	for (char *line = strtok_r(body, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		line[strcspn(line, "\r")] = 0;
		if (sshd_config_line(&copy, line, err, sizeof(err)) != 0) {
			fprintf(out, "line %d: %s: %s\n", lineno, line, err);
			bad = 1;
		}
	}
	if (!bad && sshd_config_resolve(&copy, err, sizeof(err)) != 0) {
		fprintf(out, "%s\n", err);
		bad = 1;
	}
	if (bad) {
		fprintf(out, "nothing was changed\n");
		return 0;
	}
	old = *o;
	*o = copy;
	if (sshd_listener_commit(o, &old) != 0) {
		kssh_log(LOG_ERR, "commit: could not apply the new configuration; the previous one stays");
		*o = old;
		sshd_listener_commit(o, &copy);
		fprintf(out, "could not apply the configuration (see the log); nothing was changed\n");
		return 0;
	}
	kssh_log_event(LOG_INFO, "INFO_GENERAL", "configuration committed (%d line%s)", lineno, lineno == 1 ? "" : "s");
	/* durable: written to the configuration file, and into the commit history */
	if (sshd_config_store_commit(o, "root", lineno, err, sizeof(err)) != 0)
		kssh_log(LOG_ERR, "commit: %s", err);
	fprintf(out, "%s\n", err);
	return 1;
}

void sshd_control_reload(struct sshd_options *o)
{
	char *text = NULL, *lines, *end;
	size_t len = 0;
	FILE *f, *log;
	char buf[4096];
	size_t n;

	if (o->config_file == NULL || (f = fopen(o->config_file, "r")) == NULL) {
		kssh_log(LOG_WARNING, "reload: no configuration file to read%s", o->config_file ? "" : " (started without -f)");
		return;
	}
	if ((log = open_memstream(&text, &len)) == NULL) {
		fclose(f);
		return;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, log);
	fclose(f);
	fclose(log);
	if ((lines = sshd_config_store_lines_to(o, text)) == NULL) {
		free(text);
		return;
	}
	free(text);
	text = NULL;
	if ((log = open_memstream(&text, &len)) == NULL) {
		free(lines);
		return;
	}
	configure(o, lines, log);
	fclose(log);
	/* what configure said, a line at a time, in the log */
	for (char *p = text; p != NULL && *p; p = end) {
		end = p + strcspn(p, "\n");
		if (*end)
			*end++ = 0;
		kssh_log(LOG_INFO, "reload %s: %s", o->config_file, p);
	}
	free(lines);
	free(text);
}

/* rollback configuration last N | to ID: the lines that lead there, committed like any configure */
static int rollback(struct sshd_options *o, int last, const char *arg, FILE *out)
{
	char *end, why[256], *lines;
	unsigned long v = strtoul(arg, &end, 10);
	int r;

	if (*end != 0 || *arg == 0) {
		fprintf(out, "rollback configuration last N | to ID: '%s' is not a number\n", arg);
		return 0;
	}
	if ((lines = sshd_config_store_rollback_lines(o, last, v, why, sizeof(why))) == NULL) {
		fprintf(out, "%s; nothing was changed\n", why);
		return 0;
	}
	r = configure(o, lines, out);
	free(lines);
	return r;
}

/* ---- show running-config ---- */

static void show_running(const struct sshd_options *o, const char *section, int json, FILE *out)
{
	char *text = NULL, *save = NULL;
	size_t len = 0;
	FILE *mem;
	int first = 1;

	if (!json) {
		sshd_config_print(o, section, out);
		return;
	}
	if ((mem = open_memstream(&text, &len)) == NULL)
		return;
	sshd_config_print(o, section, mem);
	fclose(mem);
	fprintf(out, "{\"lines\":[");
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		fprintf(out, "%s", first ? "" : ",");
		json_str(out, line);
		first = 0;
	}
	fprintf(out, "]}\n");
	free(text);
}

/* ---- dispatch ---- */

int sshd_control_request(struct sshd_options *o, const struct sshd_registry *r, char *request, FILE *out)
{
	char *body = strchr(request, '\n'), *w[16], *save = NULL;
	int n = 0, json = 0;

	if (body != NULL)
		*body++ = 0;
	for (char *t = strtok_r(request, " \t", &save); t && n < 16; t = strtok_r(NULL, " \t", &save)) {
		if (strcmp(t, "--json") == 0)
			json = 1;
		else
			w[n++] = t;
	}
	if (sshd_words_are(w, n, "configure"))
		return configure(o, body ? body : (char[]){ 0 }, out);
	if (n == 4 && sshd_words_are(w, 3, "rollback configuration last"))
		return rollback(o, 1, w[3], out);
	if (n == 4 && sshd_words_are(w, 3, "rollback configuration to"))
		return rollback(o, 0, w[3], out);
	if (sshd_words_are(w, n, "show configuration commit list")) {
		sshd_config_store_list(o, out);
		return 1;
	}
	if (n == 5 && sshd_words_are(w, 4, "show configuration commit changes"))
		return sshd_config_store_changes(o, strtoul(w[4], NULL, 10), out);
	if (n >= 2 && strcmp(w[0], "show") == 0 && (strcmp(w[1], "running-config") == 0 ||
	                                          strcmp(w[1], "running-configuration") == 0) && n <= 3) {
		show_running(o, n == 3 ? w[2] : NULL, json, out);
		return 1;
	}
	if (sshd_words_are(w, n, "show ssh")) {
		show_sessions(o, r, 0, 0, json, out);
		return 1;
	}
	if (sshd_words_are(w, n, "show ssh session details")) {
		show_sessions(o, r, 0, 1, json, out);
		return 1;
	}
	if (sshd_words_are(w, n, "show ssh history") || sshd_words_are(w, n, "show ssh history details")) {
		show_sessions(o, r, 1, n == 4, json, out);
		return 1;
	}
	if (sshd_words_are(w, n, "show ssh penalties")) {
		show_penalties(o, r, json, out);
		return 1;
	}
	if (sshd_words_are(w, n, "show ssh offload")) {
		show_offload(r, json, out);
		return 1;
	}
	if (sshd_words_are(w, n, "show ssh server")) {
		show_server(o, json, out);
		return 1;
	}
	if (sshd_words_are(w, n, "show aaa servers")) {
		sshd_show_aaa_servers(o, json, out);
		return 1;
	}
	if (sshd_words_are(w, n, "show crypto ca certificates")) {
		sshd_show_ca_certificates(o, out);
		return 1;
	}
	if (n >= 4 && sshd_words_are(w, 4, "show crypto key mypubkey")) {
		show_mypubkey(o, w + 4, n - 4, json, out);
		return 1;
	}
	if (sshd_words_are(w, n, "show tech-support ssh") && json) {
		fprintf(out, "{\"ssh\":");
		show_sessions(o, r, 0, 0, 1, out);
		fprintf(out, ",\"session_details\":");
		show_sessions(o, r, 0, 1, 1, out);
		fprintf(out, ",\"history_details\":");
		show_sessions(o, r, 1, 1, 1, out);
		fprintf(out, ",\"server\":");
		show_server(o, 1, out);
		fprintf(out, ",\"running_config\":");
		show_running(o, "ssh", 1, out);
		fprintf(out, ",\"mypubkey\":");
		show_mypubkey(o, NULL, 0, 1, out);
		fprintf(out, "}\n");
		return 1;
	}
	if (sshd_words_are(w, n, "show tech-support ssh")) {
		fprintf(out, "------------------ show ssh ------------------\n");
		show_sessions(o, r, 0, 0, json, out);
		fprintf(out, "------------------ show ssh session details ------------------\n");
		show_sessions(o, r, 0, 1, json, out);
		fprintf(out, "------------------ show ssh history details ------------------\n");
		show_sessions(o, r, 1, 1, json, out);
		fprintf(out, "------------------ show ssh server ------------------\n");
		show_server(o, json, out);
		fprintf(out, "------------------ show running-config ssh ------------------\n");
		sshd_config_print(o, "ssh", out);
		fprintf(out, "------------------ show crypto key mypubkey ------------------\n");
		show_mypubkey(o, NULL, 0, json, out);
		return 1;
	}
	if (n >= 2 && sshd_words_are(w, 2, "crypto ca") && (n != 6 || strcmp(w[2], "import") != 0)) {
		fprintf(out, "want: crypto ca import NAME ca-certificate|crl|certificate /FILE\n");
		return 0;
	}
	if (n == 6 && sshd_words_are(w, 3, "crypto ca import")) {
		char line[700];

		if (sshd_ca_import(o, w[3], w[4], w[5], line, sizeof(line), out) != 0)
			return 0;
		return configure(o, line, out);
	}
	if (n >= 3 && strcmp(w[0], "crypto") == 0 && strcmp(w[1], "key") == 0 &&
	    (strcmp(w[2], "generate") == 0 || strcmp(w[2], "zeroize") == 0))
		return crypto_key(o, strcmp(w[2], "generate") == 0, w + 3, n - 3, out);
	fprintf(out, "unknown command\n");
	return 0;
}
