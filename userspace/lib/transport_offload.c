// SPDX-License-Identifier: MIT
/*
 * crypto-offload: which backend carries each direction's keys. Decided when
 * the algorithms are (after both KEXINITs), so that a "required" offload the
 * kernel cannot give refuses the exchange before any NEWKEYS, with a reason
 * the peer sees; otherwise the direction stays on OpenSSL and one log line
 * per connection says why.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "kssh/err.h"
#include "transport_internal.h"

static const char *afalg_reason(int err)
{
	switch (err) {
	case EAFNOSUPPORT:
		return "the kernel has no AF_ALG";
	case ENOENT:
		return "the kernel has no such transform";
	case EOPNOTSUPP:
		return "AF_ALG has no path for this algorithm";
	default:
		return strerror(err);
	}
}

/* [0] of the negotiated lists is client to server */
static int choice_index(const struct kssh_transport *t, enum kssh_direction d)
{
	return ((d == KSSH_DIR_OUT) != t->cfg.is_server) ? 0 : 1;
}

static int fall_back(struct kssh_transport *t, enum kssh_direction d, const char *why)
{
	const struct kssh_cipher_alg *cipher = t->choice.cipher[choice_index(t, d)];
	const struct kssh_mac_alg *mac = t->choice.mac[choice_index(t, d)];
	const char *mac_name = (mac && !(cipher->flags & KSSH_CIPHER_AEAD)) ? mac->name : NULL;

	t->afalg[d] = 0;
	if (t->cfg.offload_required)
		return transport_fail(t, KSSH_ERR_UNAVAILABLE,
		                      "crypto-offload af-alg required, but %s%s%s cannot be offloaded: %s",
		                      cipher->name, mac_name ? " with " : "", mac_name ? mac_name : "",
		                      why);
	if (!t->offload_logged)
		transport_log(t, LOG_WARNING, "crypto-offload af-alg: %s%s%s (%s) stays on openssl: %s",
		              cipher->name, mac_name ? " with " : "", mac_name ? mac_name : "",
		              d == KSSH_DIR_OUT ? "out" : "in", why);
	t->offload_logged = 1;
	return 0;
}

int transport_offload_choose(struct kssh_transport *t)
{
	int r;

	t->afalg[KSSH_DIR_IN] = t->afalg[KSSH_DIR_OUT] = 0;
	/* kernel: OpenSSL until conn_kernel hands the keys to the module */
	if (t->cfg.offload != KSSH_OFFLOAD_AFALG && t->cfg.offload != KSSH_OFFLOAD_AUTO)
		return 0;
	for (int d = KSSH_DIR_IN; d <= KSSH_DIR_OUT; d++) {
		int i = choice_index(t, d);

		if (kssh_afalg_probe(t->choice.cipher[i], t->choice.mac[i]) == 0)
			t->afalg[d] = 1;
		else if (t->cfg.offload == KSSH_OFFLOAD_AUTO)
			continue; /* auto: OpenSSL is a choice, not a fallback */
		else if ((r = fall_back(t, d, afalg_reason(errno))) != 0)
			return r;
	}
	return 0;
}

int transport_offload_set_keys(struct kssh_transport *t, enum kssh_direction d,
                               const struct kssh_cipher_alg *cipher, const struct kssh_mac_alg *mac,
                               const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key)
{
	char why[128];
	int r;

	if (t->afalg[d]) {
		r = kssh_packet_set_keys(&t->pkt, d, cipher, mac, key, iv, mac_key,
		                         &kssh_cipher_backend_afalg, &kssh_mac_backend_afalg);
		if (r != KSSH_ERR_UNAVAILABLE && r != KSSH_ERR_SYSTEM)
			return r;
		/* probed, yet refused the key: as unavailable as a missing transform */
		snprintf(why, sizeof(why), "%s", r == KSSH_ERR_SYSTEM ? strerror(errno) : afalg_reason(errno));
		if ((r = fall_back(t, d, why)) != 0)
			return r;
	}
	return kssh_packet_set_keys(&t->pkt, d, cipher, mac, key, iv, mac_key, NULL, NULL);
}

int kssh_crypto_offload_parse(const char *name, int *mode, int *required)
{
	static const struct {
		const char *name;
		int mode, required;
	} names[] = {
		{ "none", KSSH_OFFLOAD_NONE, 0 },
		{ "af-alg", KSSH_OFFLOAD_AFALG, 0 },
		{ "af-alg-required", KSSH_OFFLOAD_AFALG, 1 },
		{ "kernel", KSSH_OFFLOAD_KERNEL, 0 },
		{ "auto", KSSH_OFFLOAD_AUTO, 0 },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*mode = names[i].mode;
			*required = names[i].required;
			return 0;
		}
	}
	return -1;
}
