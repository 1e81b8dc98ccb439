// SPDX-License-Identifier: MIT
/* Algorithm names: the known sets, the secure defaults, and checking a user's list. */
#include <stdio.h>
#include <string.h>

#include "kssh/err.h"
#include "kssh/x509.h"
#include "kex_internal.h"

static const struct kex_method methods[] = {
	{ "mlkem768x25519-sha256", KEX_FAMILY_HYBRID, "SHA256", NULL, 0, KEX_KEM_MLKEM768 },
	{ "sntrup761x25519-sha512", KEX_FAMILY_HYBRID, "SHA512", NULL, 0, KEX_KEM_SNTRUP761 },
	{ "sntrup761x25519-sha512@openssh.com", KEX_FAMILY_HYBRID, "SHA512", NULL, 0,
	  KEX_KEM_SNTRUP761 },
	{ "curve25519-sha256", KEX_FAMILY_X25519, "SHA256", NULL, 0, KEX_KEM_NONE },
	{ "curve25519-sha256@libssh.org", KEX_FAMILY_X25519, "SHA256", NULL, 0, KEX_KEM_NONE },
	{ "ecdh-sha2-nistp256", KEX_FAMILY_ECDH, "SHA256", "prime256v1", 0, KEX_KEM_NONE },
	{ "ecdh-sha2-nistp384", KEX_FAMILY_ECDH, "SHA384", "secp384r1", 0, KEX_KEM_NONE },
	{ "ecdh-sha2-nistp521", KEX_FAMILY_ECDH, "SHA512", "secp521r1", 0, KEX_KEM_NONE },
	{ "diffie-hellman-group-exchange-sha256", KEX_FAMILY_DHGEX, "SHA256", NULL, 0, KEX_KEM_NONE },
	{ "diffie-hellman-group14-sha256", KEX_FAMILY_DH, "SHA256", "group14", 0, KEX_KEM_NONE },
	{ "diffie-hellman-group16-sha512", KEX_FAMILY_DH, "SHA512", "group16", 0, KEX_KEM_NONE },
	{ "diffie-hellman-group18-sha512", KEX_FAMILY_DH, "SHA512", "group18", 0, KEX_KEM_NONE },
	{ "diffie-hellman-group14-sha1", KEX_FAMILY_DH, "SHA1", "group14", KSSH_ENABLE_KEX_SHA1, KEX_KEM_NONE },
	{ "diffie-hellman-group1-sha1", KEX_FAMILY_DH, "SHA1", "group1", KSSH_ENABLE_KEX_GROUP1, KEX_KEM_NONE },
};

const struct kex_method *kex_method_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
	return NULL;
}

const char *kssh_alg_all(enum kssh_alg_kind kind)
{
	switch (kind) {
	case KSSH_ALG_KEX:
		return KSSH_DEFAULT_KEX ",diffie-hellman-group14-sha1,diffie-hellman-group1-sha1";
	case KSSH_ALG_HOSTKEY:
		return KSSH_DEFAULT_HOSTKEY ",ssh-rsa,ssh-dss";
	case KSSH_ALG_CIPHER:
		return KSSH_DEFAULT_CIPHER ",aes128-cbc,aes192-cbc,aes256-cbc,3des-cbc";
	case KSSH_ALG_MAC:
		return KSSH_DEFAULT_MAC;
	}
	return "";
}

const char *kssh_alg_default(enum kssh_alg_kind kind)
{
	switch (kind) {
	case KSSH_ALG_KEX: return KSSH_DEFAULT_KEX;
	case KSSH_ALG_HOSTKEY: return KSSH_DEFAULT_HOSTKEY;
	case KSSH_ALG_CIPHER: return KSSH_DEFAULT_CIPHER;
	case KSSH_ALG_MAC: return KSSH_DEFAULT_MAC;
	}
	return "";
}

/* The enable flag an algorithm needs, 0 if none; -1 if the name is unknown. */
static int required_flag(enum kssh_alg_kind kind, const char *name)
{
	const struct kssh_cipher_alg *c;
	const struct kssh_sig_alg *s;
	const struct kex_method *m;

	switch (kind) {
	case KSSH_ALG_KEX:
		return (m = kex_method_by_name(name)) ? (int)m->enable : -1;
	case KSSH_ALG_HOSTKEY:
		/* RFC 6187's, offered when a host trust point holds a certificate; x509v3-ssh-rsa signs with SHA-1 */
		if (kssh_x509_alg(name, NULL, NULL) == 0)
			return strcmp(name, "x509v3-ssh-rsa") == 0 ? KSSH_ENABLE_SSH_RSA
			       : strcmp(name, "x509v3-ssh-dss") == 0 ? KSSH_ENABLE_SSH_DSS : 0;
		if ((s = kssh_sig_alg_by_name(name)) == NULL)
			return -1;
		if (!s->insecure)
			return 0;
		return s->key_type == KSSH_KEY_DSA ? KSSH_ENABLE_SSH_DSS : KSSH_ENABLE_SSH_RSA;
	case KSSH_ALG_CIPHER:
		if ((c = kssh_cipher_by_name(name)) == NULL)
			return -1;
		if (!(c->flags & KSSH_CIPHER_INSECURE))
			return 0;
		return strcmp(c->enable_group, "3des-cbc") == 0 ? KSSH_ENABLE_3DES_CBC
		                                                  : KSSH_ENABLE_AES_CBC;
	case KSSH_ALG_MAC:
		return kssh_mac_by_name(name) ? 0 : -1;
	}
	return -1;
}

static const char *kind_name(enum kssh_alg_kind kind)
{
	switch (kind) {
	case KSSH_ALG_KEX: return "key-exchange";
	case KSSH_ALG_HOSTKEY: return "host-key";
	case KSSH_ALG_CIPHER: return "cipher";
	case KSSH_ALG_MAC: return "mac";
	}
	return "algorithm";
}

int kssh_alg_check_list(enum kssh_alg_kind kind, const char *list, unsigned enabled,
                        char *err, size_t errlen)
{
	const char *p = list;
	char name[128];
	int flag;

	if (list == NULL || *list == 0) {
		snprintf(err, errlen, "%s list is empty", kind_name(kind));
		return KSSH_ERR_INVALID_ARGUMENT;
	}
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 0 || n >= sizeof(name)) {
			snprintf(err, errlen, "%s list '%s' has an empty or overlong name",
			         kind_name(kind), list);
			return KSSH_ERR_INVALID_ARGUMENT;
		}
		memcpy(name, p, n);
		name[n] = 0;
		if ((flag = required_flag(kind, name)) < 0) {
			snprintf(err, errlen, "unknown %s algorithm '%s' (known: %s)",
			         kind_name(kind), name, kssh_alg_all(kind));
			return KSSH_ERR_INVALID_ARGUMENT;
		}
		if (flag != 0 && !(enabled & (unsigned)flag)) {
			snprintf(err, errlen, "%s algorithm '%s' is insecure and disabled; enable it first",
			         kind_name(kind), name);
			return KSSH_ERR_ALGORITHM_DISABLED;
		}
		p += n;
		if (*p == ',') {
			p++;
			if (*p == 0) {
				snprintf(err, errlen, "%s list ends with a comma", kind_name(kind));
				return KSSH_ERR_INVALID_ARGUMENT;
			}
		}
		if (kssh_list_has(p, name)) {
			snprintf(err, errlen, "%s algorithm '%s' is listed twice", kind_name(kind), name);
			return KSSH_ERR_INVALID_ARGUMENT;
		}
	}
	return 0;
}

int kssh_alg_default_with(enum kssh_alg_kind kind, unsigned enabled, char *out, size_t len)
{
	const char *p = kssh_alg_all(kind);
	char name[KSSH_NAME_MAX];
	int r;

	out[0] = 0;
	while (kssh_list_next(&p, name, sizeof(name))) {
		int flag = required_flag(kind, name);

		if (flag < 0 || (flag != 0 && !(enabled & (unsigned)flag)))
			continue;
		if ((r = kssh_list_append(out, len, name)) != 0)
			return r;
	}
	return 0;
}
