// SPDX-License-Identifier: MIT
/* Exchange hash (RFC 4253 8, RFC 4419 3, RFC 5656 4) and key derivation (RFC 4253 7.2). */
#include <string.h>
#include <openssl/crypto.h>

#include "kssh/err.h"
#include "kex_internal.h"
#include "keys/key_internal.h"

void kex_state_init(struct kex_state *k, const struct kex_method *m, int is_server)
{
	memset(k, 0, sizeof(*k));
	k->method = m;
	k->is_server = is_server;
	kssh_buf_init(&k->client_pub, 4096);
	kssh_buf_init(&k->server_pub, 4096);
	kssh_buf_init(&k->shared, 4096);
}

void kex_state_clear(struct kex_state *k)
{
	BN_free(k->p);
	BN_free(k->g);
	BN_clear_free(k->x);
	EVP_PKEY_free(k->ephemeral);
	if (k->kem_sk != NULL)
		OPENSSL_secure_clear_free(k->kem_sk, k->kem_sk_len);
	kssh_buf_release(&k->client_pub);
	kssh_buf_release(&k->server_pub);
	kssh_buf_release(&k->shared);
	memset(k, 0, sizeof(*k));
}

int kex_keygen(struct kex_state *k, struct kssh_buf *out)
{
	struct kssh_buf *mine = k->is_server ? &k->server_pub : &k->client_pub;
	size_t before = kssh_buf_len(out);
	int r;

	switch (k->method->family) {
	case KEX_FAMILY_X25519: r = kex_x25519_keygen(k, out); break;
	case KEX_FAMILY_ECDH: r = kex_ecdh_keygen(k, out); break;
	case KEX_FAMILY_HYBRID:
		if (k->is_server)
			return KSSH_ERR_INVALID_ARGUMENT; /* the server answers with kex_server_respond */
		r = kex_hybrid_client_init(k, out);
		break;
	default: r = kex_dh_keygen(k, out); break;
	}
	if (r != 0)
		return r;
	/* keep the exact wire encoding for the exchange hash */
	return kssh_buf_put(mine, kssh_buf_ptr(out) + before, kssh_buf_len(out) - before);
}

int kex_derive(struct kex_state *k, struct kssh_buf *msg)
{
	switch (k->method->family) {
	case KEX_FAMILY_X25519: return kex_x25519_derive(k, msg);
	case KEX_FAMILY_ECDH: return kex_ecdh_derive(k, msg);
	case KEX_FAMILY_HYBRID:
		return k->is_server ? KSSH_ERR_INVALID_ARGUMENT : kex_hybrid_client_finish(k, msg);
	default: return kex_dh_derive(k, msg);
	}
}

int kex_server_respond(struct kex_state *k, struct kssh_buf *msg, struct kssh_buf *out)
{
	int r;

	if (k->method->family == KEX_FAMILY_HYBRID)
		return kex_hybrid_server_reply(k, msg, out);
	if ((r = kex_keygen(k, out)) != 0)
		return r;
	return kex_derive(k, msg);
}

static int hash_gex_fields(const struct kex_state *k, struct kssh_buf *b)
{
	int r;

	if ((r = kssh_buf_put_u32(b, k->gex_min)) != 0 ||
	    (r = kssh_buf_put_u32(b, k->gex_n)) != 0 ||
	    (r = kssh_buf_put_u32(b, k->gex_max)) != 0 ||
	    (r = key_put_bn(b, k->p)) != 0 ||
	    (r = key_put_bn(b, k->g)) != 0)
		return r;
	return 0;
}

int kex_exchange_hash(const struct kex_state *k, const char *v_c, const char *v_s,
                      const struct kssh_buf *i_c, const struct kssh_buf *i_s,
                      const uint8_t *k_s, size_t k_s_len, uint8_t *hash, uint32_t *hash_len)
{
	struct kssh_buf b;
	unsigned len = 0;
	int r;

	kssh_buf_init(&b, 0);
	if ((r = kssh_buf_put_cstring(&b, v_c)) != 0 ||
	    (r = kssh_buf_put_cstring(&b, v_s)) != 0 ||
	    (r = kssh_buf_put_buf_string(&b, i_c)) != 0 ||
	    (r = kssh_buf_put_buf_string(&b, i_s)) != 0 ||
	    (r = kssh_buf_put_string(&b, k_s, k_s_len)) != 0)
		goto out;
	if (k->method->family == KEX_FAMILY_DHGEX && (r = hash_gex_fields(k, &b)) != 0)
		goto out;
	if ((r = kssh_buf_put(&b, kssh_buf_ptr(&k->client_pub), kssh_buf_len(&k->client_pub))) != 0 ||
	    (r = kssh_buf_put(&b, kssh_buf_ptr(&k->server_pub), kssh_buf_len(&k->server_pub))) != 0 ||
	    (r = kssh_buf_put(&b, kssh_buf_ptr(&k->shared), kssh_buf_len(&k->shared))) != 0)
		goto out;
	if (EVP_Digest(kssh_buf_ptr(&b), kssh_buf_len(&b), hash, &len,
	               EVP_get_digestbyname(k->method->digest), NULL) != 1) {
		r = KSSH_ERR_LIBCRYPTO;
		goto out;
	}
	*hash_len = len;
out:
	kssh_buf_release(&b);
	return r;
}

int kex_derive_key(const struct kex_method *m, const struct kssh_buf *shared,
                   const uint8_t *hash, uint32_t hash_len, char letter,
                   const uint8_t *session_id, uint32_t session_id_len,
                   uint8_t *out, size_t need)
{
	const EVP_MD *md = EVP_get_digestbyname(m->digest);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t block[EVP_MAX_MD_SIZE];
	size_t have = 0, mdlen = (size_t)EVP_MD_get_size(md);
	uint8_t l = (uint8_t)letter;
	int r = KSSH_ERR_LIBCRYPTO;

	if (ctx == NULL)
		return KSSH_ERR_ALLOC;
	/* K1 = HASH(K || H || X || session_id) */
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, kssh_buf_ptr(shared), kssh_buf_len(shared)) != 1 ||
	    EVP_DigestUpdate(ctx, hash, hash_len) != 1 ||
	    EVP_DigestUpdate(ctx, &l, 1) != 1 ||
	    EVP_DigestUpdate(ctx, session_id, session_id_len) != 1 ||
	    EVP_DigestFinal_ex(ctx, block, NULL) != 1)
		goto out;
	for (;;) {
		size_t n = need - have < mdlen ? need - have : mdlen;

		memcpy(out + have, block, n);
		have += n;
		if (have >= need)
			break;
		/* K(n+1) = HASH(K || H || K1 || ... || Kn) */
		if (EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
		    EVP_DigestUpdate(ctx, kssh_buf_ptr(shared), kssh_buf_len(shared)) != 1 ||
		    EVP_DigestUpdate(ctx, hash, hash_len) != 1 ||
		    EVP_DigestUpdate(ctx, out, have) != 1 ||
		    EVP_DigestFinal_ex(ctx, block, NULL) != 1)
			goto out;
	}
	r = 0;
out:
	OPENSSL_cleanse(block, sizeof(block));
	EVP_MD_CTX_free(ctx);
	return r;
}
