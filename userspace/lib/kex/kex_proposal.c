// SPDX-License-Identifier: MIT
/* SSH_MSG_KEXINIT: encoding, parsing and the negotiation of RFC 4253 section 7.1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>

#include "kssh/cert.h"
#include "kssh/err.h"
#include "kssh/x509.h"
#include "kex_internal.h"

#define COOKIE_LEN 16
#define NAME_LIST_MAX (64 * 1024)

int kex_proposal_parse(struct kssh_buf *b, struct kex_proposal *p)
{
	uint32_t reserved;
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = kssh_buf_get_bytes(b, NULL, COOKIE_LEN)) != 0)
		return r;
	for (int i = 0; i < KEX_PROPOSAL_MAX; i++) {
		size_t len;

		if ((r = kssh_buf_get_cstring(b, &p->lists[i], &len)) != 0)
			goto fail;
		if (len > NAME_LIST_MAX) {
			r = KSSH_ERR_STRING_TOO_LARGE;
			goto fail;
		}
	}
	if ((r = kssh_buf_get_bool(b, &p->first_kex_follows)) != 0 ||
	    (r = kssh_buf_get_u32(b, &reserved)) != 0)
		goto fail;
	return 0;
fail:
	kex_proposal_free(p);
	return r;
}

int kex_proposal_put(struct kssh_buf *b, const struct kex_proposal *p)
{
	uint8_t *cookie;
	int r;

	if ((r = kssh_buf_reserve(b, COOKIE_LEN, &cookie)) != 0)
		return r;
	if (RAND_bytes(cookie, COOKIE_LEN) != 1)
		return KSSH_ERR_LIBCRYPTO;
	for (int i = 0; i < KEX_PROPOSAL_MAX; i++)
		if ((r = kssh_buf_put_cstring(b, p->lists[i] ? p->lists[i] : "")) != 0)
			return r;
	if ((r = kssh_buf_put_u8(b, 0)) != 0 || (r = kssh_buf_put_u32(b, 0)) != 0)
		return r;
	return 0;
}

void kex_proposal_free(struct kex_proposal *p)
{
	for (int i = 0; i < KEX_PROPOSAL_MAX; i++) {
		free(p->lists[i]);
		p->lists[i] = NULL;
	}
}

static int first_name_equal(const char *a, const char *b)
{
	size_t n = strcspn(a, ",");

	return n == strcspn(b, ",") && strncmp(a, b, n) == 0;
}

int kex_guess_was_right(const struct kex_proposal *client, const struct kex_proposal *server)
{
	return first_name_equal(client->lists[KEX_ALGS], server->lists[KEX_ALGS]) &&
	       first_name_equal(client->lists[KEX_HOSTKEY_ALGS], server->lists[KEX_HOSTKEY_ALGS]);
}

static int choose(const struct kex_proposal *client, const struct kex_proposal *server,
                  int index, char *out, size_t len)
{
	return kssh_list_match(client->lists[index], server->lists[index], out, len);
}

/* Like kssh_list_match, but pseudo-algorithms (ext-info-c, kex-strict-*) never win. */
/* Like kssh_list_match, but pseudo-algorithms (ext-info-c, kex-strict-*) never win. */
static const struct kex_method *choose_method(const char *client, const char *server)
{
	const struct kex_method *m;
	char name[KSSH_NAME_MAX];

	while (kssh_list_next(&client, name, sizeof(name)))
		if (kssh_list_has(server, name) && (m = kex_method_by_name(name)) != NULL)
			return m;
	return NULL;
}

/* An x509v3 name (RFC 6187): what its key signs with; the name kept as the library's own string */
static const struct kssh_sig_alg *x509_host_key_alg(const char *name, const char **x509_name)
{
	const char *alg;

	for (size_t i = 0; (alg = kssh_x509_alg_at(i)) != NULL; i++)
		if (strcmp(alg, name) == 0)
			*x509_name = alg;
	return kssh_sig_alg_by_name(kssh_x509_key_sig_alg(name));
}

/* A plain signature algorithm, or a certificate one (PROTOCOL.certkeys, RFC 6187): what its key signs with */
static const struct kssh_sig_alg *host_key_alg(const char *name, const char **cert_name, const char **x509_name)
{
	const char *sig_alg, *cert;

	*cert_name = NULL;
	*x509_name = NULL;
	if (kssh_x509_alg(name, NULL, NULL) == 0)
		return x509_host_key_alg(name, x509_name);
	if (kssh_cert_alg(name, NULL, &sig_alg, NULL) != 0)
		return kssh_sig_alg_by_name(name);
	for (size_t i = 0; (cert = kssh_cert_alg_at(i)) != NULL; i++)
		if (strcmp(cert, name) == 0)
			*cert_name = cert;
	return kssh_sig_alg_by_name(sig_alg);
}

int kex_choose(const struct kex_proposal *client, const struct kex_proposal *server,
               struct kex_choice *c, char *err, size_t errlen)
{
	char name[128];
	int authenticated_cipher;

	memset(c, 0, sizeof(*c));
	if ((c->method = choose_method(client->lists[KEX_ALGS], server->lists[KEX_ALGS])) == NULL) {
		snprintf(err, errlen, "no matching key exchange method found. Their offer: %s",
		         client->lists[KEX_ALGS]);
		return KSSH_ERR_NO_COMMON_KEX;
	}
	if (choose(client, server, KEX_HOSTKEY_ALGS, name, sizeof(name)) != 0 ||
	    (c->hostkey = host_key_alg(name, &c->hostkey_cert, &c->hostkey_x509)) == NULL) {
		snprintf(err, errlen, "no matching host key type found. Their offer: %s",
		         client->lists[KEX_HOSTKEY_ALGS]);
		return KSSH_ERR_NO_COMMON_HOSTKEY;
	}
	for (int dir = 0; dir < 2; dir++) {
		if (choose(client, server, KEX_ENC_C2S + dir, name, sizeof(name)) != 0 ||
		    (c->cipher[dir] = kssh_cipher_by_name(name)) == NULL) {
			snprintf(err, errlen, "no matching cipher found. Their offer: %s",
			         client->lists[KEX_ENC_C2S + dir]);
			return KSSH_ERR_NO_COMMON_CIPHER;
		}
		authenticated_cipher = (c->cipher[dir]->flags & KSSH_CIPHER_AEAD) != 0;
		/* an AEAD cipher makes the MAC lists irrelevant, as in OpenSSH */
		if (!authenticated_cipher &&
		    (choose(client, server, KEX_MAC_C2S + dir, name, sizeof(name)) != 0 ||
		     (c->mac[dir] = kssh_mac_by_name(name)) == NULL)) {
			snprintf(err, errlen, "no matching MAC found. Their offer: %s",
			         client->lists[KEX_MAC_C2S + dir]);
			return KSSH_ERR_NO_COMMON_MAC;
		}
		if (choose(client, server, KEX_COMP_C2S + dir, name, sizeof(name)) != 0 ||
		    strcmp(name, "none") != 0) {
			snprintf(err, errlen, "no matching compression method found. Their offer: %s",
			         client->lists[KEX_COMP_C2S + dir]);
			return KSSH_ERR_NO_COMMON_COMPRESSION;
		}
	}
	return 0;
}
