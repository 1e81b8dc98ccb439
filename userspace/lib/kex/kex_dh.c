// SPDX-License-Identifier: MIT
/*
 * Finite-field Diffie-Hellman: the fixed groups of RFC 4253 8 / RFC 8268 and
 * the group exchange of RFC 4419. The primes are OpenSSL's copies of RFC 2409
 * (group 1) and RFC 3526 (groups 14 to 18).
 */
#include <string.h>
#include <openssl/rand.h>

#include "kssh/err.h"
#include "kex_internal.h"
#include "keys/key_internal.h"

/* RFC 4419 3 / OpenSSH's DH_GRP_MIN and DH_GRP_MAX */
#define GEX_MIN_BITS 2048
#define GEX_MAX_BITS 8192

static const struct {
	unsigned bits;
	BIGNUM *(*prime)(BIGNUM *);
} groups[] = {
	{ 2048, BN_get_rfc3526_prime_2048 },
	{ 3072, BN_get_rfc3526_prime_3072 },
	{ 4096, BN_get_rfc3526_prime_4096 },
	{ 6144, BN_get_rfc3526_prime_6144 },
	{ 8192, BN_get_rfc3526_prime_8192 },
};

static int set_group(struct kex_state *k, BIGNUM *p)
{
	if (p == NULL)
		return KSSH_ERR_ALLOC;
	BN_free(k->p);
	BN_free(k->g);
	k->p = p;
	if ((k->g = BN_new()) == NULL || !BN_set_word(k->g, 2))
		return KSSH_ERR_ALLOC;
	return 0;
}

int kex_dh_fixed_group(struct kex_state *k)
{
	const char *g = k->method->group;

	if (strcmp(g, "group1") == 0)
		return set_group(k, BN_get_rfc2409_prime_1024(NULL));
	if (strcmp(g, "group14") == 0)
		return set_group(k, BN_get_rfc3526_prime_2048(NULL));
	if (strcmp(g, "group16") == 0)
		return set_group(k, BN_get_rfc3526_prime_4096(NULL));
	if (strcmp(g, "group18") == 0)
		return set_group(k, BN_get_rfc3526_prime_8192(NULL));
	return KSSH_ERR_INVALID_ARGUMENT;
}

/* Server: the smallest group of at least n bits within [min, max], else the largest that fits. */
int kex_dhgex_choose_group(struct kex_state *k)
{
	int best = -1;

	if (k->gex_min > k->gex_n || k->gex_n > k->gex_max || k->gex_max < GEX_MIN_BITS ||
	    k->gex_min > GEX_MAX_BITS)
		return KSSH_ERR_DH_INVALID;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (groups[i].bits < k->gex_min || groups[i].bits > k->gex_max)
			continue;
		best = (int)i;
		if (groups[i].bits >= k->gex_n)
			break;
	}
	if (best < 0)
		return KSSH_ERR_DH_INVALID;
	return set_group(k, groups[best].prime(NULL));
}

/* Client: the server's group must be in range, g in (1, p-1), p an odd prime. */
int kex_dhgex_check_group(struct kex_state *k)
{
	unsigned bits = (unsigned)BN_num_bits(k->p);
	BIGNUM *pm1 = BN_dup(k->p);
	BN_CTX *ctx = BN_CTX_new();
	int r = KSSH_ERR_DH_INVALID;

	if (pm1 == NULL || ctx == NULL) {
		r = KSSH_ERR_ALLOC;
		goto out;
	}
	if (bits < k->gex_min || bits > k->gex_max || !BN_is_odd(k->p) ||
	    !BN_sub_word(pm1, 1) || BN_cmp(k->g, BN_value_one()) <= 0 || BN_cmp(k->g, pm1) >= 0)
		goto out;
	if (BN_check_prime(k->p, ctx, NULL) != 1)
		goto out;
	r = 0;
out:
	BN_free(pm1);
	BN_CTX_free(ctx);
	return r;
}

/* RFC 4253 8: e = g^x mod p with x random; twice the group's strength in bits suffices. */
int kex_dh_keygen(struct kex_state *k, struct kssh_buf *out)
{
	unsigned pbits = (unsigned)BN_num_bits(k->p), xbits = pbits > 4096 ? 512 : 256;
	BIGNUM *e = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	int r = KSSH_ERR_LIBCRYPTO;

	if (e == NULL || ctx == NULL || (k->x = BN_secure_new()) == NULL) {
		r = KSSH_ERR_ALLOC;
		goto out;
	}
	if (!BN_priv_rand(k->x, (int)xbits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) ||
	    !BN_mod_exp_mont_consttime(e, k->g, k->x, k->p, ctx, NULL))
		goto out;
	r = key_put_bn(out, e);
out:
	BN_free(e);
	BN_CTX_free(ctx);
	return r;
}

/* RFC 4253 8: the peer's value must satisfy 1 < f < p-1. */
static int dh_pub_is_valid(const BIGNUM *pub, const BIGNUM *p)
{
	BIGNUM *pm1 = BN_dup(p);
	int ok;

	if (pm1 == NULL || !BN_sub_word(pm1, 1)) {
		BN_free(pm1);
		return 0;
	}
	ok = !BN_is_negative(pub) && BN_cmp(pub, BN_value_one()) > 0 && BN_cmp(pub, pm1) < 0;
	BN_free(pm1);
	return ok;
}

int kex_dh_derive(struct kex_state *k, struct kssh_buf *msg)
{
	struct kssh_buf *peer_enc = k->is_server ? &k->client_pub : &k->server_pub;
	BIGNUM *peer = NULL, *shared = BN_secure_new();
	BN_CTX *ctx = BN_CTX_new();
	uint8_t raw[GEX_MAX_BITS / 8];
	int r;

	if (shared == NULL || ctx == NULL) {
		r = KSSH_ERR_ALLOC;
		goto out;
	}
	if ((r = key_get_bn(msg, &peer)) != 0)
		goto out;
	if (!dh_pub_is_valid(peer, k->p)) {
		r = KSSH_ERR_DH_INVALID;
		goto out;
	}
	if ((r = key_put_bn(peer_enc, peer)) != 0)
		goto out;
	if (!BN_mod_exp_mont_consttime(shared, peer, k->x, k->p, ctx, NULL) ||
	    BN_num_bytes(shared) > (int)sizeof(raw)) {
		r = KSSH_ERR_LIBCRYPTO;
		goto out;
	}
	r = kssh_buf_put_mpint_bytes(&k->shared, raw, (size_t)BN_bn2bin(shared, raw));
	OPENSSL_cleanse(raw, sizeof(raw));
out:
	BN_free(peer);
	BN_clear_free(shared);
	BN_CTX_free(ctx);
	return r;
}
