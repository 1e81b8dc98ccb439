/* SPDX-License-Identifier: MIT */
/* Algorithm names, defaults and negotiation (RFC 4253 section 7). */
#ifndef KSSH_KEX_H
#define KSSH_KEX_H

#include <stddef.h>

enum kex_proposal_index {
	KEX_ALGS, KEX_HOSTKEY_ALGS, KEX_ENC_C2S, KEX_ENC_S2C, KEX_MAC_C2S,
	KEX_MAC_S2C, KEX_COMP_C2S, KEX_COMP_S2C, KEX_LANG_C2S, KEX_LANG_S2C,
	KEX_PROPOSAL_MAX
};

enum kssh_alg_kind { KSSH_ALG_KEX, KSSH_ALG_HOSTKEY, KSSH_ALG_CIPHER, KSSH_ALG_MAC };

/* Algorithms that exist but are offered only when enabled explicitly. */
#define KSSH_ENABLE_AES_CBC    0x01 /* aes128/192/256-cbc */
#define KSSH_ENABLE_3DES_CBC   0x02
#define KSSH_ENABLE_KEX_SHA1   0x04 /* diffie-hellman-group14-sha1 */
#define KSSH_ENABLE_KEX_GROUP1 0x08 /* diffie-hellman-group1-sha1 */
#define KSSH_ENABLE_SSH_RSA    0x10 /* ssh-rsa signatures (SHA-1) */
#define KSSH_ENABLE_SSH_DSS    0x20

#define KSSH_DEFAULT_KEX \
	"mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com," \
	"curve25519-sha256,curve25519-sha256@libssh.org," \
	"ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256," \
	"diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512," \
	"diffie-hellman-group18-sha512,diffie-hellman-group14-sha256"
/* The spec's priority order: ECDSA (521, 384, 256), Ed25519, RSA */
#define KSSH_DEFAULT_HOSTKEY \
	"ecdsa-sha2-nistp521,ecdsa-sha2-nistp384,ecdsa-sha2-nistp256," \
	"ssh-ed25519,rsa-sha2-512,rsa-sha2-256"
/* The spec's cipher order: AES128, AES192, AES256; then GCM and ChaCha20 */
#define KSSH_DEFAULT_CIPHER \
	"aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com," \
	"aes256-gcm@openssh.com,chacha20-poly1305@openssh.com"
#define KSSH_DEFAULT_MAC \
	"hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com," \
	"hmac-sha2-512,hmac-sha2-256,hmac-sha1-etm@openssh.com,hmac-sha1"

/* Names every known algorithm of a kind (insecure ones included), comma-separated. */
const char *kssh_alg_all(enum kssh_alg_kind kind);
const char *kssh_alg_default(enum kssh_alg_kind kind);
/*
 * Checks a user's comma-separated list: every name known, none repeated, an
 * insecure one only when its enable flag is set. On error, writes a sentence
 * naming the bad algorithm into err.
 */
int kssh_alg_check_list(enum kssh_alg_kind kind, const char *list, unsigned enabled,
                        char *err, size_t errlen);
/* The default list plus the insecure algorithms the flags enable. */
int kssh_alg_default_with(enum kssh_alg_kind kind, unsigned enabled, char *out, size_t len);
#define KSSH_NAME_MAX 128 /* longest algorithm name we keep; no real one comes close */

/* Copies the next name of a list into name and returns 1; 0 at the end.
 * Empty names and names that do not fit are skipped. */
int kssh_list_next(const char **cursor, char *name, size_t len);
/* Appends name to the comma-separated list held in list[size]. */
int kssh_list_append(char *list, size_t size, const char *name);
/* Is name on the comma-separated list? */
int kssh_list_has(const char *list, const char *name);
/* list without the names in `removed` (the spec's "disable hmac"); 0, or -1 when nothing is left */
int kssh_list_without(const char *list, const char *removed, char *out, size_t len);
/* First name of client's list that is also on server's (RFC 4253 7.1). */
int kssh_list_match(const char *client, const char *server, char *out, size_t len);

#endif
