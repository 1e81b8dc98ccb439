// SPDX-License-Identifier: MIT
/*
 * Host keys: loaded from the state folder, and generated at first start when
 * missing (the spec's "Automatic Generation of SSH Host-Key Pairs"): RSA,
 * ECDSA on all three curves and Ed25519; DSA only when ssh-dss is enabled.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kssh/cert.h"
#include "kssh/err.h"
#include "kssh/x509.h"
#include "kssh/kex.h"
#include "log.h"
#include "sshd.h"

#define RSA_BITS 3072

static const struct {
	enum kssh_key_type type;
	const char *file;
} host_key_files[] = {
	{ KSSH_KEY_ECDSA_P521, "ssh_host_ecdsa_nistp521_key" },
	{ KSSH_KEY_ECDSA_P384, "ssh_host_ecdsa_nistp384_key" },
	{ KSSH_KEY_ECDSA_P256, "ssh_host_ecdsa_nistp256_key" },
	{ KSSH_KEY_ED25519, "ssh_host_ed25519_key" },
	{ KSSH_KEY_RSA, "ssh_host_rsa_key" },
	{ KSSH_KEY_DSA, "ssh_host_dsa_key" },
};

/* A key type is wanted when one of its signature algorithms is offered (or an x509v3 one of its type) */
static int type_wanted(const struct sshd_options *o, enum kssh_key_type type)
{
	const struct kssh_sig_alg *a;
	enum kssh_key_type x509_type;
	const char *name;

	for (size_t i = 0; (a = kssh_sig_alg_at(i)) != NULL; i++)
		if (a->key_type == type && kssh_list_has(o->hostkey_list, a->name))
			return 1;
	for (size_t i = 0; (name = kssh_x509_alg_at(i)) != NULL; i++)
		if (kssh_x509_alg(name, &x509_type, NULL) == 0 && x509_type == type && kssh_list_has(o->hostkey_list, name))
			return 1;
	return 0;
}

static int generate(const char *path, enum kssh_key_type type, struct kssh_key **key)
{
	char pub[4200], comment[300], fp[128], host[256] = "localhost";
	int r;

	if ((r = kssh_key_generate(type, type == KSSH_KEY_RSA ? RSA_BITS : 0, key)) != 0)
		return r;
	gethostname(host, sizeof(host) - 1);
	snprintf(comment, sizeof(comment), "root@%s", host);
	snprintf(pub, sizeof(pub), "%s.pub", path);
	if ((r = kssh_key_save_private(*key, path, comment)) != 0 ||
	    (r = kssh_key_save_public(*key, pub, comment)) != 0)
		return r;
	kssh_key_fingerprint(*key, fp, sizeof(fp));
	kssh_log_event(LOG_INFO, "INFO_GENERAL", "generated %s host key %s (%s)",
	               kssh_key_type_short(type), fp, path);
	return 0;
}

void sshd_host_key_path(const struct sshd_options *o, enum kssh_key_type type, char *out, size_t len)
{
	for (size_t i = 0; i < sizeof(host_key_files) / sizeof(host_key_files[0]); i++)
		if (host_key_files[i].type == type)
			snprintf(out, len, "%s/%s", o->state_dir, host_key_files[i].file);
}

enum load_mode { LOAD_CREATE, LOAD_CHECK, LOAD_KNOWN };
static int load_keys(struct sshd_options *o, enum load_mode mode);

int sshd_load_host_keys(struct sshd_options *o)
{
	return load_keys(o, LOAD_CREATE);
}

/* A connection's process: the files the listener read, proved already unless they changed since */
int sshd_session_load_host_keys(struct sshd_options *o)
{
	return load_keys(o, LOAD_KNOWN);
}

/* At run time (a commit, crypto key commands): what is on disk, nothing generated behind the operator's back */
int sshd_reload_host_keys(struct sshd_options *o)
{
	struct kssh_key *old[KSSHD_MAX_HOST_KEYS];
	size_t n_old = o->n_host_keys;

	memcpy(old, o->host_keys, sizeof(old));
	o->n_host_keys = 0;
	if (load_keys(o, LOAD_CHECK) != 0) {
		memcpy(o->host_keys, old, sizeof(old)); /* keep serving with the keys we had */
		o->n_host_keys = n_old;
		return -1;
	}
	for (size_t i = 0; i < n_old; i++)
		kssh_key_free(old[i]);
	return 0;
}

/* "crypto key generate TYPE": a new key replaces the file, then the keys are reloaded */
int sshd_generate_host_key(struct sshd_options *o, enum kssh_key_type type)
{
	struct kssh_key *key = NULL;
	char path[4096];
	int r;

	sshd_host_key_path(o, type, path, sizeof(path));
	unlink(path);
	r = generate(path, type, &key);
	kssh_key_free(key);
	if (r != 0) {
		errno = EIO;
		return -1;
	}
	return sshd_reload_host_keys(o);
}

/* "crypto key zeroize TYPE": the key is gone until generated again */
int sshd_zeroize_host_key(struct sshd_options *o, enum kssh_key_type type)
{
	char path[4096], pub[4200];

	sshd_host_key_path(o, type, path, sizeof(path));
	snprintf(pub, sizeof(pub), "%s.pub", path);
	if (unlink(path) != 0)
		return -1;
	unlink(pub);
	kssh_log_event(LOG_INFO, "INFO_GENERAL", "zeroized %s host key (%s)", kssh_key_type_short(type), path);
	return sshd_reload_host_keys(o);
}

/* One "TYPE BASE64 [comment]" line: the certificate, its CA signature verified, for one of our keys */
static void load_cert(struct sshd_options *o, const char *path, int priority)
{
	FILE *f = fopen(path, "re");
	char line[8192], type[64], id[128], fp[128];
	struct kssh_cert *cert = NULL;
	struct kssh_buf blob;
	size_t i = o->n_host_keys;
	int n = 0, r = KSSH_ERR_FILE_FORMAT;

	kssh_buf_init(&blob, KSSHD_CERT_MAX);
	if (f == NULL) {
		kssh_log(LOG_ERR, "host certificate %s: %s", path, strerror(errno));
		return;
	}
	if (fgets(line, sizeof(line), f) != NULL && sscanf(line, "%63s %n", type, &n) == 1 &&
	    (r = kssh_base64_decode(line + n, strcspn(line + n, " \t\r\n"), &blob)) == 0 &&
	    (r = kssh_cert_from_blob(kssh_buf_ptr(&blob), kssh_buf_len(&blob), &cert)) == 0) {
		for (i = 0; i < o->n_host_keys && !kssh_key_equal_public(o->host_keys[i], cert->key); i++)
			;
	}
	fclose(f);
	if (r != 0)
		kssh_log(LOG_ERR, "host certificate %s: %s", path, kssh_strerror(r));
	else if (cert->type != KSSH_CERT_HOST)
		kssh_log(LOG_ERR, "host certificate %s: a user certificate", path);
	else if (i == o->n_host_keys)
		kssh_log(LOG_ERR, "host certificate %s: certifies none of the host keys", path);
	else {
		memcpy(o->host_cert[i], kssh_buf_ptr(&blob), kssh_buf_len(&blob));
		o->host_cert_len[i] = kssh_buf_len(&blob);
		kssh_cert_printable(cert->key_id, id, sizeof(id));
		kssh_key_fingerprint(cert->ca, fp, sizeof(fp));
		kssh_log_event(priority, "INFO_GENERAL", "host certificate %s: ID \"%s\" (serial %llu) for the %s key, "
		               "signed by %s CA %s%s", path, id, (unsigned long long)cert->serial,
		               kssh_key_type_short(cert->key->type), kssh_key_type_short(cert->ca->type), fp,
		               (uint64_t)time(NULL) >= cert->valid_before ? "; EXPIRED" : "");
	}
	kssh_cert_free(cert);
	kssh_buf_release(&blob);
}

/* The host trust point's chain, for the host key it certifies; the spec's WARNING_X509 when there is none */
static void load_x509(struct sshd_options *o, int priority)
{
	const struct sshd_trustpoint *tp = sshd_trustpoint(o, o->host_trustpoint);
	struct kssh_key *leaf = NULL;
	struct kssh_buf chain;
	size_t i = o->n_host_keys;
	int r = KSSH_ERR_NOT_FOUND;

	o->host_x509_len = 0;
	if (o->host_trustpoint[0] == 0)
		return;
	kssh_buf_init(&chain, sizeof(o->host_x509));
	if (tp != NULL && tp->cert_file[0] && (r = kssh_x509_chain_from_pem(tp->cert_file, &chain, &leaf)) == 0)
		for (i = 0; i < o->n_host_keys && !kssh_key_equal_public(o->host_keys[i], leaf); i++)
			;
	if (r != 0 || i == o->n_host_keys) {
		kssh_log_event(priority == LOG_INFO ? LOG_WARNING : LOG_DEBUG, "WARNING_X509",
		               "could not get the host cert chain, trustpoint %s: %s, x509 host auth will not be used",
		               o->host_trustpoint, tp == NULL ? "not defined" : tp->cert_file[0] == 0 ? "no certificate in it"
		               : r != 0 ? kssh_strerror(r) : "its key is none of the host keys");
	} else {
		memcpy(o->host_x509, kssh_buf_ptr(&chain), kssh_buf_len(&chain));
		o->host_x509_len = kssh_buf_len(&chain);
		o->host_x509_key = i;
		kssh_log_event(priority, "INFO_GENERAL", "host trustpoint %s: the %s host key's X.509 chain (%s)",
		               o->host_trustpoint, kssh_key_type_short(leaf->type), tp->cert_file);
	}
	kssh_key_free(leaf);
	kssh_buf_release(&chain);
}

/* logged once by the listener (at start); each connection's process reads them again quietly */
static void load_certs(struct sshd_options *o, int priority)
{
	memset(o->host_cert_len, 0, sizeof(o->host_cert_len));
	for (size_t i = 0; i < o->n_host_cert_files; i++)
		load_cert(o, o->host_cert_files[i], priority);
	load_x509(o, priority);
}

/* The host-key algorithms offered: a certificate's first (for each key that has one), then the list */
void sshd_hostkey_offer(const struct sshd_options *o, char *out, size_t len)
{
	const char *name, *sig_alg;
	enum kssh_key_type type;

	out[0] = 0;
	for (size_t i = 0; (name = kssh_cert_alg_at(i)) != NULL; i++) {
		kssh_cert_alg(name, &type, &sig_alg, NULL);
		if (!kssh_list_has(o->hostkey_list, sig_alg))
			continue;
		for (size_t k = 0; k < o->n_host_keys; k++)
			if (o->host_cert_len[k] > 0 && o->host_keys[k]->type == type && !kssh_list_has(out, name))
				kssh_list_append(out, len, name);
	}
	if (kssh_list_append(out, len, o->hostkey_list) != 0)
		snprintf(out, len, "%s", o->hostkey_list);
}

static int load_keys(struct sshd_options *o, enum load_mode mode)
{
	int create = mode == LOAD_CREATE;
	char path[4096];
	int r;

	if (mkdir(o->state_dir, 0700) != 0 && errno != EEXIST) {
		kssh_log(LOG_ERR, "cannot create state folder %s: %s", o->state_dir, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(host_key_files) / sizeof(host_key_files[0]); i++) {
		struct kssh_key *key = NULL;

		if (!type_wanted(o, host_key_files[i].type))
			continue;
		snprintf(path, sizeof(path), "%s/%s", o->state_dir, host_key_files[i].file);
		r = kssh_key_load_private_known(path, mode == LOAD_KNOWN ? o->host_key_digest[i] : NULL,
		                                o->host_key_digest[i], &key);
		if (r == KSSH_ERR_NOT_FOUND && !create)
			continue;
		if (r == KSSH_ERR_NOT_FOUND && (r = generate(path, host_key_files[i].type, &key)) == 0) {
			kssh_key_free(key); /* as it was written: read back, proved, its digest taken */
			r = kssh_key_load_private_known(path, NULL, o->host_key_digest[i], &key);
		}
		if (r != 0) {
			kssh_log(LOG_ERR, "host key %s: %s%s%s", path, kssh_strerror(r),
			         r == KSSH_ERR_SYSTEM ? ": " : "", r == KSSH_ERR_SYSTEM ? strerror(errno) : "");
			kssh_key_free(key);
			return -1;
		}
		if (key->type != host_key_files[i].type) {
			kssh_log(LOG_ERR, "host key %s holds a %s key", path, kssh_key_type_short(key->type));
			kssh_key_free(key);
			return -1;
		}
		o->host_keys[o->n_host_keys++] = key;
	}
	if (o->n_host_keys == 0) {
		kssh_log(LOG_ERR, "no host keys for host-key algorithms %s", o->hostkey_list);
		return -1;
	}
	load_certs(o, create ? LOG_INFO : LOG_DEBUG);
	return 0;
}

void sshd_free_host_keys(struct sshd_options *o)
{
	for (size_t i = 0; i < o->n_host_keys; i++)
		kssh_key_free(o->host_keys[i]);
	o->n_host_keys = 0;
}
