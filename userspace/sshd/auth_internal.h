/* SPDX-License-Identifier: MIT */
/* State of one ssh-userauth exchange, shared by auth.c and the method files. */
#ifndef KSSHD_AUTH_INTERNAL_H
#define KSSHD_AUTH_INTERNAL_H

#include <security/pam_appl.h>

#include "kssh/buf.h"
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
};

/* auth_pubkey.c */
int auth_publickey(struct auth_ctx *a, const char *method, struct kssh_buf *msg,
                   enum auth_outcome *out);
/* auth_password.c */
int auth_password(struct auth_ctx *a, struct kssh_buf *msg, enum auth_outcome *out);
int auth_kbdint(struct auth_ctx *a, struct kssh_buf *msg, enum auth_outcome *out);
/* pam.c */
int auth_pam_check(struct auth_ctx *a);
int auth_kbdint_ask(struct auth_ctx *a, const char *prompt, char **answer);
void *auth_pam_detach(struct auth_ctx *a); /* hands the handle over for the session */
void auth_pam_end(struct auth_ctx *a);

#endif
