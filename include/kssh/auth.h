/* SPDX-License-Identifier: MIT */
/*
 * User authentication (RFC 4252, RFC 4256) pieces shared by both roles, and
 * authorized_keys in OpenSSH's format (sshd(8) AUTHORIZED_KEYS FILE FORMAT).
 */
#ifndef KSSH_AUTH_H
#define KSSH_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "kssh/buf.h"
#include "kssh/key.h"

#define KSSH_AUTH_HOSTBOUND "publickey-hostbound-v00@openssh.com"

/* RFC 4252 7: the data a publickey signature covers. For OpenSSH's
 * publickey-hostbound-v00 (PROTOCOL 2.5), method is its name and the server's
 * host key blob follows the user's key; hostkey is NULL for plain publickey. */
int kssh_auth_pubkey_signed_data(const uint8_t *session_id, size_t session_id_len,
                                 const char *user, const char *service, const char *method,
                                 const char *alg, const uint8_t *blob, size_t blob_len,
                                 const struct kssh_buf *hostkey, struct kssh_buf *out);

/* Options of one authorized_keys line. */
struct kssh_authkey_opts {
	char *from;          /* from="pattern-list" (hosts or addresses, CIDR allowed) */
	char *command;       /* command="..." forced command */
	int no_pty, no_port_forwarding, no_agent_forwarding, no_x11_forwarding, no_user_rc;
	char *permitlisten;  /* permitlisten="[host:]port" options, comma-joined; NULL: any */
	int cert_authority;  /* cert-authority: the key is a CA whose user certificates are accepted */
	char *principals;    /* principals="a,b": with cert-authority, the names a certificate may carry */
};

void kssh_authkey_opts_free(struct kssh_authkey_opts *o);

/*
 * Looks for key in an authorized_keys file. Returns 0 with the matching line's
 * options, KSSH_ERR_NOT_FOUND, or an error for an unreadable file. Malformed
 * lines are skipped (as OpenSSH does) and counted in *bad_lines when not NULL.
 */
int kssh_authorized_keys_find(const char *path, const struct kssh_key *key,
                              struct kssh_authkey_opts *opts, unsigned *bad_lines);
/* The same for a CA key: the cert-authority lines only (which authorize no plain key). */
int kssh_authorized_keys_find_ca(const char *path, const struct kssh_key *ca, struct kssh_authkey_opts *opts,
                                 unsigned *bad_lines);
/* Parses one line: its options and key. Returns KSSH_ERR_NOT_FOUND for blank/comment lines. */
int kssh_authorized_keys_parse_line(const char *line, struct kssh_key **key,
                                    struct kssh_authkey_opts *opts);

/* from= matching: OpenSSH patterns ('*', '?', '!') on the address, or CIDR (a.b.c.d/n, x::/n). */
int kssh_addr_matches_list(const char *list, const char *addr);

#endif
