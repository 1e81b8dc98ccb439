// SPDX-License-Identifier: MIT
/* HMACs of RFC 4253 section 6.4 and OpenSSH's encrypt-then-MAC variants. */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "kssh/buf.h"
#include "kssh/cipher.h"
#include "kssh/err.h"

static const struct kssh_mac_alg macs[] = {
	{ "hmac-sha2-256-etm@openssh.com", "SHA256", 32, 32, 1, 0 },
	{ "hmac-sha2-512-etm@openssh.com", "SHA512", 64, 64, 1, 0 },
	{ "hmac-sha2-256", "SHA256", 32, 32, 0, 0 },
	{ "hmac-sha2-512", "SHA512", 64, 64, 0, 0 },
	{ "hmac-sha1-etm@openssh.com", "SHA1", 20, 20, 1, 0 },
	{ "hmac-sha1", "SHA1", 20, 20, 0, 0 },
};

const struct kssh_mac_alg *kssh_mac_at(size_t i)
{
	return i < sizeof(macs) / sizeof(macs[0]) ? &macs[i] : NULL;
}

const struct kssh_mac_alg *kssh_mac_by_name(const char *name)
{
	const struct kssh_mac_alg *m;

	for (size_t i = 0; (m = kssh_mac_at(i)) != NULL; i++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

static int evp_mac_init(struct kssh_mac *m, const uint8_t *key)
{
	OSSL_PARAM params[2];
	EVP_MAC *mac;

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return KSSH_ERR_LIBCRYPTO;
	m->ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (m->ctx == NULL)
		return KSSH_ERR_ALLOC;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	                                             (char *)m->alg->digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(m->ctx, key, m->alg->key_len, params) != 1)
		return KSSH_ERR_LIBCRYPTO;
	return 0;
}

/* RFC 4253 section 6.4: mac = MAC(key, sequence_number || data) */
static int evp_mac_compute(struct kssh_mac *m, uint32_t seqnr, const uint8_t *data, size_t len,
                           uint8_t *out, size_t *out_len)
{
	uint8_t seq[4];

	kssh_poke_u32(seq, seqnr);
	/* a NULL key re-initialises with the key already set: no allocation */
	if (EVP_MAC_init(m->ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(m->ctx, seq, 4) != 1 ||
	    EVP_MAC_update(m->ctx, data, len) != 1 ||
	    EVP_MAC_final(m->ctx, out, out_len, *out_len) != 1)
		return KSSH_ERR_LIBCRYPTO;
	return 0;
}

static void evp_mac_cleanup(struct kssh_mac *m)
{
	EVP_MAC_CTX_free(m->ctx);
	m->ctx = NULL;
}

const struct kssh_mac_backend kssh_mac_backend_evp = {
	.name = "openssl",
	.init = evp_mac_init,
	.compute = evp_mac_compute,
	.cleanup = evp_mac_cleanup,
};

int kssh_mac_init_backend(struct kssh_mac *m, const struct kssh_mac_alg *alg,
                          const struct kssh_mac_backend *backend, const uint8_t *key)
{
	int r;

	memset(m, 0, sizeof(*m));
	m->alg = alg;
	m->backend = backend ? backend : &kssh_mac_backend_evp;
	if ((r = m->backend->init(m, key)) != 0)
		kssh_mac_cleanup(m);
	return r;
}

int kssh_mac_init(struct kssh_mac *m, const struct kssh_mac_alg *alg, const uint8_t *key)
{
	return kssh_mac_init_backend(m, alg, NULL, key);
}

int kssh_mac_compute(struct kssh_mac *m, uint32_t seqnr, const uint8_t *data,
                     size_t len, uint8_t *out)
{
	uint8_t full[EVP_MAX_MD_SIZE];
	size_t outl = sizeof(full);
	int r;

	if ((r = m->backend->compute(m, seqnr, data, len, full, &outl)) != 0)
		return r;
	if (outl < m->alg->mac_len)
		return KSSH_ERR_LIBCRYPTO;
	memcpy(out, full, m->alg->mac_len);
	return 0;
}

int kssh_mac_verify(struct kssh_mac *m, uint32_t seqnr, const uint8_t *data,
                    size_t len, const uint8_t *expected)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	int r;

	if ((r = kssh_mac_compute(m, seqnr, data, len, mac)) != 0)
		return r;
	r = CRYPTO_memcmp(mac, expected, m->alg->mac_len) == 0 ? 0 : KSSH_ERR_MAC_INVALID;
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

void kssh_mac_cleanup(struct kssh_mac *m)
{
	if (m->backend != NULL && m->backend->cleanup != NULL)
		m->backend->cleanup(m);
	memset(m, 0, sizeof(*m));
}
