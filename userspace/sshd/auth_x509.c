// SPDX-License-Identifier: MIT
/*
 * X.509v3 user authentication (RFC 6187), the monitor's decision, as the
 * spec's routers make it: the certificate chain must verify against one of
 * the "ssh server trustpoint user" trust points (CRLs checked for every
 * certificate when the trust point has one; at most 9 certificates), the
 * certificate must name the user in the configured field (common name, or
 * the user principal name's part before '@'), and the key must sign the
 * request. Then `show ssh` calls the method x509-rsa-pubkey or
 * x509-ecdsa-pubkey. The failures are logged with the spec's lines.
 */
#include <stdio.h>
#include <string.h>

#include "kssh/auth.h"
#include "kssh/err.h"
#include "kssh/x509.h"
#include "auth_internal.h"
#include "log.h"

/* Each user trust point in turn; the first that verifies the chain wins, else the most telling failure */
static int validate(struct auth_ctx *a, const struct kssh_x509 *x, char *why, size_t why_len, const char **tp_name)
{
	int worst = KSSH_X509_NO_ISSUER;
	char detail[256];

	snprintf(why, why_len, "issuer not found in trustpoints configured");
	for (size_t i = 0; i < a->o->n_user_trustpoints; i++) {
		const struct sshd_trustpoint *tp = sshd_trustpoint(a->o, a->o->user_trustpoints[i]);
		const char *files[2];
		size_t n = 0;
		int r;

		if (tp == NULL || tp->ca_file[0] == 0) {
			kssh_log(LOG_WARNING, "%%SECURITY-PKI-3-ERR_ERRNO : Error:='Crypto Engine' detected the 'warning' "
			         "condition 'Invalid trustpoint or trustpoint not exist', trustpoint %s",
			         a->o->user_trustpoints[i]);
			continue;
		}
		files[n++] = tp->ca_file;
		if (tp->crl_file[0])
			files[n++] = tp->crl_file;
		r = kssh_x509_validate(x, files, n, tp->crl_file[0] != 0, detail, sizeof(detail));
		if (r == KSSH_X509_OK) {
			*tp_name = tp->name;
			return 0;
		}
		if (r != KSSH_X509_NO_ISSUER && (worst == KSSH_X509_NO_ISSUER || r == KSSH_X509_REVOKED)) {
			worst = r;
			snprintf(why, why_len, "%s", detail);
		}
	}
	return worst;
}

static void log_failure(struct auth_ctx *a, int failure, const char *subject, const char *why)
{
	if (failure == KSSH_X509_NO_ISSUER) {
		kssh_log(LOG_ERR, "%%SECURITY-PKI-3-ERR_GENERAL : issuer not found in trustpoints configured");
		kssh_log(LOG_ERR, "%%SECURITY-PKI-3-ERR_ERRNO : Error:='Crypto Engine' detected the 'warning' condition "
		         "'Invalid trustpoint or trustpoint not exist'(0x4214c000), cert verification failed");
	}
	kssh_log(LOG_INFO, "user '%s': X.509 certificate %s refused: %s%s", a->user, subject,
	         failure == KSSH_X509_TOO_LONG ? "chain longer than 9 certificates: " :
	         failure == KSSH_X509_REVOKED ? "revoked: " : "", why);
}

static int verify(struct auth_ctx *a, const struct kssh_x509 *x, const char *method, const char *alg,
                  const uint8_t *blob, size_t blob_len, const struct kssh_buf *hostkey, const uint8_t *sig,
                  size_t sig_len)
{
	struct kssh_buf data;
	int r;

	if (a->sid_len == 0)
		return KSSH_ERR_PROTOCOL;
	kssh_buf_init(&data, 0);
	r = kssh_auth_pubkey_signed_data(a->sid, a->sid_len, a->user, "ssh-connection", method, alg, blob, blob_len,
	                                 hostkey, &data);
	if (r == 0)
		r = kssh_x509_verify(x, alg, sig, sig_len, kssh_buf_ptr(&data), kssh_buf_len(&data));
	kssh_buf_release(&data);
	return r;
}

int auth_x509_check(struct auth_ctx *a, const char *method, const char *alg, const uint8_t *blob, size_t blob_len,
                    const struct kssh_buf *hostkey, const uint8_t *sig, size_t sig_len, enum auth_outcome *out)
{
	const char *sig_name, *tp = NULL;
	struct kssh_x509 *x = NULL;
	char subject[256], why[300];
	int failure, r;

	*out = AUTH_FAILED;
	if (!a->user_known || kssh_x509_alg(alg, NULL, &sig_name) != 0)
		return 0;
	if (a->o->n_user_trustpoints == 0) {
		kssh_log(LOG_INFO, "user '%s': %s refused: no ssh server trustpoint user is configured", a->user, alg);
		return 0;
	}
	if ((r = kssh_x509_from_blob(alg, blob, blob_len, &x)) != 0) {
		kssh_log_event(LOG_ERR, "ERR_GENERAL", "user '%s': %s: user certificate in an incorrect format (%s)",
		               a->user, alg, kssh_strerror(r));
		return 0;
	}
	kssh_x509_subject(x, subject, sizeof(subject));
	if (!auth_sig_alg_acceptable(a, kssh_x509_key_sig_alg(alg), x->key)) {
		kssh_log(LOG_INFO, "user '%s': %s refused: its signature algorithm %s is not enabled", a->user, alg,
		         sig_name);
		goto out;
	}
	if ((failure = validate(a, x, why, sizeof(why), &tp)) != KSSH_X509_OK) {
		log_failure(a, failure, subject, why);
		goto out;
	}
	if (!kssh_x509_names_user(x, a->o->cert_username ? a->o->cert_username : KSSH_X509_NAME_CN,
	                          a->res->user.name)) {
		kssh_log(LOG_INFO, "user '%s': X.509 certificate %s refused: its %s is not the user name", a->user, subject,
		         a->o->cert_username == KSSH_X509_NAME_UPN ? "user principal name" : "common name");
		goto out;
	}
	if (sig == NULL) {
		*out = AUTH_PK_OK;
		goto out;
	}
	if (verify(a, x, method, alg, blob, blob_len, hostkey, sig, sig_len) != 0) {
		kssh_log(LOG_INFO, "user '%s': bad signature from X.509 certificate %s", a->user, subject);
		goto out;
	}
	kssh_log(LOG_INFO, "%%SECURITY-PKI-6-LOG_INFO : Peer certificate verified successfully");
	kssh_log(LOG_INFO, "user '%s': accepted %s certificate %s (trustpoint %s)", a->user, alg, subject, tp);
	snprintf(a->x509_method, sizeof(a->x509_method), "%s",
	         x->key->type == KSSH_KEY_RSA ? "x509-rsa-pubkey" : "x509-ecdsa-pubkey");
	kssh_authkey_opts_free(&a->res->key_opts);
	*out = AUTH_OK;
out:
	kssh_x509_free(x);
	return 0;
}
