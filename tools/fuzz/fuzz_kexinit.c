// SPDX-License-Identifier: MIT
/* libFuzzer: a server transport fed a version line and then arbitrary packets (KEXINIT first). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kex/kex_internal.h"
#include "kssh/transport.h"

static struct kssh_key *host_key;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kssh_transport_config cfg = { .is_server = 1 };
	struct kex_proposal prop;
	struct kssh_transport *t;
	struct kssh_buf view, payload;
	uint8_t type;

	if (host_key == NULL && kssh_key_generate(KSSH_KEY_ED25519, 0, &host_key) != 0)
		return 0;
	/* the KEXINIT parser directly */
	kssh_buf_view(&view, data, size);
	if (kex_proposal_parse(&view, &prop) == 0)
		kex_proposal_free(&prop);
	/* and the whole server state machine: version, then the bytes as plaintext packets */
	cfg.host_keys = &host_key;
	cfg.n_host_keys = 1;
	if ((t = kssh_transport_new(&cfg)) == NULL)
		return 0;
	kssh_buf_put(kssh_transport_input(t), "SSH-2.0-fuzz\r\n", 14);
	kssh_buf_put(kssh_transport_input(t), data, size);
	while (kssh_transport_poll(t, &type, &payload) == 0)
		;
	kssh_transport_free(t);
	return 0;
}
