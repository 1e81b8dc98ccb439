// SPDX-License-Identifier: MIT
/*
 * libFuzzer: a client transport (kssh's side) fed a server's version line and
 * then arbitrary plaintext packets: the server's KEXINIT and every kex reply
 * (ECDH and Curve25519 replies with their host key and signature, DH group
 * exchange groups and replies), EXT_INFO, and whatever else a hostile server
 * sends before NEWKEYS. Seeds (tools/fuzz/corpus/fuzz_kex_client) are what
 * OpenSSH's sshd sent in real exchanges.
 */
#include <stddef.h>
#include <stdint.h>

#include "kssh/transport.h"

static int accept_any(void *arg, const struct kssh_key *key, const char *alg)
{
	(void)arg, (void)key, (void)alg;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kssh_transport_config cfg = { .is_server = 0, .check_host_key = accept_any };
	struct kssh_transport *t;
	struct kssh_buf payload;
	uint8_t type;

	if ((t = kssh_transport_new(&cfg)) == NULL)
		return 0;
	kssh_buf_put(kssh_transport_input(t), "SSH-2.0-OpenSSH_9.2p1 fuzz\r\n", 28);
	kssh_buf_put(kssh_transport_input(t), data, size);
	while (kssh_transport_poll(t, &type, &payload) == 0)
		;
	kssh_transport_free(t);
	return 0;
}
