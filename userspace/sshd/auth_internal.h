/* SPDX-License-Identifier: MIT */
/*
 * State of one ssh-userauth exchange, shared by auth.c and the method files:
 * the pre-authentication process parses the requests (c is its connection);
 * the monitor checks them (c is NULL; the session id, the PAM handle and the
 * conversation relay are its).
 */
#ifndef KSSHD_AUTH_INTERNAL_H
#define KSSHD_AUTH_INTERNAL_H

#include <security/pam_appl.h>

#include "kssh/buf.h"
#include "kssh/cert.h"
#include "sshd.h"

enum auth_outcome { AUTH_FAILED, AUTH_OK, AUTH_PK_OK };

struct auth_ctx {
	struct kssh_conn *c;
	const struct sshd_options *o;
	const struct sshd_peer *peer;
	struct sshd_auth_result *res;
	char user[64];             /* fixed by the first request (RFC 4252 5) */
	int user_known;            /* an account exists (res->user is filled) */
	const struct sshd_local_user *local;
	unsigned failures, password_failures;
	pam_handle_t *pam;
	/* PAM conversation */
	const char *password;      /* password method: the one answer to give */
	int password_given;
	int kbdint;                /* keyboard-interactive: relay prompts to the client */
	char info[1024];           /* PAM text to show with the next prompts */
	int fatal;                 /* the connection failed during a conversation */
	struct kssh_buf stashed;   /* a USERAUTH_REQUEST that cancelled a conversation */
	/* the monitor's */
	uint8_t sid[64];           /* the session id: the first exchange hash it signed */
	size_t sid_len;
	/* keyboard-interactive: the prompts to the client and its answers, through the pre-authentication process */
	int (*relay)(struct auth_ctx *a, int n, const struct pam_message **msg, struct pam_response *resp);
	int mon_fd;
	int64_t deadline_ms;
	char x509_method[24];      /* an X.509 key authenticated: show ssh's name for the method */
	/* AAA: accepted by a RADIUS or TACACS+ server (which, for the log), and the privilege level it gave */
	int remote;
	char remote_by[96];
	int priv_lvl;
};

/* auth_pubkey.c: the request (pre-authentication process) and the decision (monitor) */
int auth_publickey(struct auth_ctx *a, const char *method, struct kssh_buf *msg,
                   enum auth_outcome *out);
int auth_pubkey_check(struct auth_ctx *a, const char *method, const char *alg, const uint8_t *blob,
                      size_t blob_len, const struct kssh_buf *hostkey, const uint8_t *sig, size_t sig_len,
                      enum auth_outcome *out);
/* the user's authorized_keys path when it and its folders are safe (0), a "ssh server revoked-keys" check */
int auth_keys_path(struct auth_ctx *a, char *path, size_t len);
int auth_key_revoked(struct auth_ctx *a, const struct kssh_key *key, const struct kssh_cert *cert);
int auth_sig_alg_acceptable(struct auth_ctx *a, const char *sig_alg, const struct kssh_key *key);
/* auth_x509.c: X.509v3 keys (RFC 6187), the monitor's decision */
int auth_x509_check(struct auth_ctx *a, const char *method, const char *alg, const uint8_t *blob, size_t blob_len,
                    const struct kssh_buf *hostkey, const uint8_t *sig, size_t sig_len, enum auth_outcome *out);
/* auth_cert.c: an OpenSSH user certificate's CA trusted, its checks passed, its options merged into opts */
int auth_cert_authorized(struct auth_ctx *a, const struct kssh_cert *c, struct kssh_authkey_opts *opts);
void auth_cert_log_accepted(struct auth_ctx *a, const struct kssh_cert *c, const char *alg);
/* auth_password.c: the same split */
int auth_password(struct auth_ctx *a, struct kssh_buf *msg, enum auth_outcome *out);
int auth_kbdint(struct auth_ctx *a, struct kssh_buf *msg, enum auth_outcome *out);
int auth_password_check(struct auth_ctx *a, const char *password);
int auth_kbdint_check(struct auth_ctx *a);
int auth_local_password(struct auth_ctx *a, const char *password); /* the "local" method */
int auth_local_kbdint(struct auth_ctx *a);
/* auth_aaa.c: the "aaa authentication login" list (1 accepted), and after any method's success,
 * "aaa authorization exec" and the mapping of remote users to local accounts (1 may log in) */
int auth_aaa_password(struct auth_ctx *a, const char *password);
int auth_aaa_kbdint(struct auth_ctx *a);
int auth_aaa_finish(struct auth_ctx *a);
/* pam.c */
int auth_pam_check(struct auth_ctx *a);
int auth_kbdint_ask(struct auth_ctx *a, const char *prompt, int echo, char **answer);
void *auth_pam_detach(struct auth_ctx *a); /* hands the handle over for the session */
void auth_pam_end(struct auth_ctx *a);

#endif
