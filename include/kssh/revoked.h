/* SPDX-License-Identifier: MIT */
/* Revoked keys: a file of public keys or an OpenSSH KRL (PROTOCOL.krl). */
#ifndef KSSH_REVOKED_H
#define KSSH_REVOKED_H

#include "kssh/cert.h"
#include "kssh/key.h"

/*
 * Whether key (a plain key; NULL when cert is given) or cert (its certified
 * key, its CA key, its serial and id) is revoked by the file at path. Returns
 * 0 when it is not, KSSH_ERR_HOST_KEY_REVOKED when it is, another error when
 * the file cannot be read or parsed (the caller refuses then too); *why says
 * which.
 */
int kssh_revoked_check(const char *path, const struct kssh_key *key, const struct kssh_cert *cert, const char **why);

#endif
