// SPDX-License-Identifier: MIT
/*
 * The publickey method (RFC 4252 7) and OpenSSH's publickey-hostbound-v00
 * (PROTOCOL 2.5), against the user's ~/.ssh/authorized_keys. The request is
 * parsed in the pre-authentication process (auth_publickey); the monitor,
 * which can read the user's files, decides (auth_pubkey_check): it parses
 * the key again, builds the signed data from the session id it recorded
 * itself, and verifies the signature.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kssh/auth.h"
#include "kssh/cert.h"
#include "kssh/err.h"
#include "kssh/kex.h"
#include "kssh/msg.h"
#include "kssh/revoked.h"
#include "kssh/x509.h"
#include "auth_internal.h"
#include "log.h"
#include "monitor.h"

/* As OpenSSH's StrictModes: nobody but the user (or root) may be able to change the keys. */
static int safe_path(const char *path, uid_t uid)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return 0;
	return (st.st_uid == uid || st.st_uid == 0) && (st.st_mode & 022) == 0;
}

/* The user's authorized_keys file, when it and its folders are safe (logged when not) */
int auth_keys_path(struct auth_ctx *a, char *path, size_t len)
{
	const struct sshd_user *u = &a->res->user;
	char dir[700];

	if (!a->user_known)
		return -1;
	sshd_expand_user_path(a->o->authorized_keys ? a->o->authorized_keys : "%h/.ssh/authorized_keys", u, path,
	                      len);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = 0;
	if (!safe_path(dir, u->uid) || !safe_path(path, u->uid) ||
	    (strncmp(path, u->home, strlen(u->home)) == 0 && !safe_path(u->home, u->uid))) {
		kssh_log(LOG_INFO, "user '%s': %s or its folders are missing or writable by others; "
		         "ignored", u->name, path);
		return -1;
	}
	return 0;
}

/* A key listed in "ssh server revoked-keys" (or any key, when the file cannot be read) */
int auth_key_revoked(struct auth_ctx *a, const struct kssh_key *key, const struct kssh_cert *cert)
{
	const char *why;
	char fp[128];

	if (a->o->revoked_keys[0] == 0 || kssh_revoked_check(a->o->revoked_keys, key, cert, &why) == 0)
		return 0;
	kssh_key_fingerprint(cert ? cert->key : key, fp, sizeof(fp));
	kssh_log(LOG_INFO, "user '%s': %s key %s refused: %s (%s)", a->user, cert ? "certified" : "public", fp, why,
	         a->o->revoked_keys);
	return 1;
}

static int key_authorized(struct auth_ctx *a, const struct kssh_key *key,
                          struct kssh_authkey_opts *opts)
{
	const struct sshd_user *u = &a->res->user;
	char path[700];
	unsigned bad = 0;

	if (auth_keys_path(a, path, sizeof(path)) != 0)
		return 0;
	if (kssh_authorized_keys_find(path, key, opts, &bad) != 0)
		return 0;
	if (bad > 0)
		kssh_log(LOG_DEBUG, "%s: %u lines skipped (malformed or unsupported options)", path, bad);
	if (opts->from != NULL && !kssh_addr_matches_list(opts->from, a->peer->addr)) {
		kssh_log(LOG_INFO, "user '%s': key refused: %s is not in from=\"%s\"", u->name,
		         a->peer->addr, opts->from);
		kssh_authkey_opts_free(opts);
		return 0;
	}
	return !auth_key_revoked(a, key, NULL);
}

/* The signature algorithm must be one we accept and must fit the key. */
int auth_sig_alg_acceptable(struct auth_ctx *a, const char *alg, const struct kssh_key *key)
{
	const struct kssh_sig_alg *s = kssh_sig_alg_by_name(alg);

	if (s == NULL || s->key_type != key->type)
		return 0;
	if (s->insecure && !(sshd_enabled(a->o) & (key->type == KSSH_KEY_DSA ? KSSH_ENABLE_SSH_DSS
	                                                               : KSSH_ENABLE_SSH_RSA)))
		return 0;
	return 1;
}

static int send_pk_ok(struct kssh_transport *t, const char *alg, const uint8_t *blob, size_t len)
{
	struct kssh_buf *b = kssh_transport_begin(t, SSH_MSG_USERAUTH_PK_OK);

	if (b == NULL || kssh_buf_put_cstring(b, alg) != 0 || kssh_buf_put_string(b, blob, len) != 0)
		return KSSH_ERR_ALLOC;
	return kssh_transport_send(t);
}

static int check_hostbound(struct auth_ctx *a, struct kssh_buf *msg, struct kssh_buf *hostkey)
{
	const struct kssh_key *ours = kssh_transport_host_key(a->c->t);
	struct kssh_key *theirs = NULL;
	const uint8_t *p;
	size_t n;
	int r, same;

	if ((r = kssh_buf_get_string_view(msg, &p, &n)) != 0)
		return kssh_transport_fail(a->c->t, r, "malformed %s request", KSSH_AUTH_HOSTBOUND);
	if ((r = kssh_key_or_cert_from_blob(p, n, &theirs)) != 0)
		return kssh_transport_fail(a->c->t, r, "%s: bad host key", KSSH_AUTH_HOSTBOUND);
	same = ours != NULL && kssh_key_equal_public(ours, theirs);
	kssh_key_free(theirs);
	if (!same)
		return kssh_transport_fail(a->c->t, KSSH_ERR_PROTOCOL, "%s names another host key",
		                           KSSH_AUTH_HOSTBOUND);
	return kssh_buf_put(hostkey, p, n);
}

static int verify(struct auth_ctx *a, const char *method, const char *alg, const char *sig_alg,
                  const uint8_t *blob, size_t blob_len, const struct kssh_buf *hostkey, const struct kssh_key *key,
                  const uint8_t *sig, size_t sig_len)
{
	struct kssh_buf data;
	int r;

	if (a->sid_len == 0)
		return KSSH_ERR_PROTOCOL; /* no key exchange signed yet: nothing to bind to */
	kssh_buf_init(&data, 0);
	r = kssh_auth_pubkey_signed_data(a->sid, a->sid_len, a->user, "ssh-connection", method, alg, blob,
	                                 blob_len, hostkey, &data);
	if (r == 0)
		r = kssh_key_verify(key, sig_alg, sig, sig_len, kssh_buf_ptr(&data), kssh_buf_len(&data));
	kssh_buf_release(&data);
	return r;
}

/*
 * A certificate algorithm's blob (blob_type: the certificate type alg names):
 * the certificate parsed (its CA signature verified) and its key's algorithm checked
 */
static struct kssh_cert *cert_of(struct auth_ctx *a, const char *alg, const char *blob_type, const char *sig_alg,
                                 const uint8_t *blob, size_t blob_len)
{
	struct kssh_cert *cert;
	int r;

	if ((r = kssh_cert_from_blob(blob, blob_len, &cert)) != 0) {
		kssh_log(LOG_INFO, "user '%s': %s certificate refused: %s", a->user, alg,
		         r == KSSH_ERR_SIGNATURE_INVALID ? "its CA signature does not verify"
		         : r == KSSH_ERR_ALGORITHM_DISABLED ? "its CA signed with SHA-1 (ssh-rsa)" : "malformed");
		return NULL;
	}
	if (strcmp(cert->type_name, blob_type) != 0 || !auth_sig_alg_acceptable(a, sig_alg, cert->key)) {
		kssh_cert_free(cert);
		return NULL;
	}
	return cert;
}

/* The monitor's decision on a parsed request: sig NULL asks whether the key would do (AUTH_PK_OK) */
int auth_pubkey_check(struct auth_ctx *a, const char *method, const char *alg, const uint8_t *blob,
                      size_t blob_len, const struct kssh_buf *hostkey, const uint8_t *sig, size_t sig_len,
                      enum auth_outcome *out)
{
	int hostbound = strcmp(method, KSSH_AUTH_HOSTBOUND) == 0;
	struct kssh_authkey_opts opts = { 0 };
	struct kssh_key *plain = NULL;
	struct kssh_cert *cert = NULL;
	const struct kssh_key *key;
	const char *sig_alg = alg, *blob_type;
	char fp[128] = "";

	*out = AUTH_FAILED;
	if (hostbound != (hostkey != NULL))
		return KSSH_ERR_PROTOCOL;
	if (kssh_x509_alg(alg, NULL, NULL) == 0)
		return auth_x509_check(a, method, alg, blob, blob_len, hostkey, sig, sig_len, out);
	if (kssh_cert_alg(alg, NULL, &sig_alg, &blob_type) == 0) {
		if ((cert = cert_of(a, alg, blob_type, sig_alg, blob, blob_len)) == NULL)
			goto out;
		key = cert->key;
		kssh_key_fingerprint(key, fp, sizeof(fp));
		if (!auth_cert_authorized(a, cert, &opts))
			goto out;
	} else {
		if (kssh_key_from_blob(blob, blob_len, &plain) != 0 || !auth_sig_alg_acceptable(a, alg, plain))
			goto out; /* an unknown or refused key type is an ordinary failure */
		key = plain;
		kssh_key_fingerprint(key, fp, sizeof(fp));
		if (!key_authorized(a, key, &opts))
			goto out;
	}
	if (sig == NULL) {
		*out = AUTH_PK_OK;
		goto out;
	}
	if (verify(a, method, alg, sig_alg, blob, blob_len, hostkey, key, sig, sig_len) != 0) {
		kssh_log(LOG_INFO, "user '%s': bad signature from key %s", a->user, fp);
		goto out;
	}
	if (cert != NULL)
		auth_cert_log_accepted(a, cert, alg);
	else
		kssh_log(LOG_INFO, "user '%s': accepted %s key %s", a->user, alg, fp);
	kssh_authkey_opts_free(&a->res->key_opts);
	a->res->key_opts = opts;
	memset(&opts, 0, sizeof(opts));
	*out = AUTH_OK;
out:
	kssh_authkey_opts_free(&opts);
	kssh_key_free(plain);
	kssh_cert_free(cert);
	return 0;
}

/* The pre-authentication process: the request parsed, the monitor asked */
int auth_publickey(struct auth_ctx *a, const char *method, struct kssh_buf *msg,
                   enum auth_outcome *out)
{
	int hostbound = strcmp(method, KSSH_AUTH_HOSTBOUND) == 0, has_sig;
	const uint8_t *blob, *sig = NULL;
	size_t blob_len, sig_len = 0;
	struct kssh_buf hostkey;
	char *alg = NULL;
	int r;

	*out = AUTH_FAILED;
	kssh_buf_init(&hostkey, 0);
	if ((r = kssh_buf_get_bool(msg, &has_sig)) != 0 ||
	    (r = kssh_buf_get_cstring(msg, &alg, NULL)) != 0 ||
	    (r = kssh_buf_get_string_view(msg, &blob, &blob_len)) != 0) {
		r = kssh_transport_fail(a->c->t, r, "malformed publickey request");
		goto out;
	}
	if (hostbound && (r = check_hostbound(a, msg, &hostkey)) != 0)
		goto out;
	if (has_sig && (r = kssh_buf_get_string_view(msg, &sig, &sig_len)) != 0) {
		r = kssh_transport_fail(a->c->t, r, "malformed publickey signature");
		goto out;
	}
	if (has_sig && sig_len == 0)
		goto out; /* an empty signature: a failure (the monitor reads "" as a query) */
	if ((r = mm_pubkey(method, alg, blob, blob_len, hostbound ? &hostkey : NULL, sig, sig_len)) < 0)
		goto out;
	*out = r == AUTH_OK && has_sig ? AUTH_OK : r == AUTH_PK_OK && !has_sig ? AUTH_PK_OK : AUTH_FAILED;
	r = *out == AUTH_PK_OK ? send_pk_ok(a->c->t, alg, blob, blob_len) : 0;
out:
	kssh_buf_release(&hostkey);
	free(alg);
	return r;
}
