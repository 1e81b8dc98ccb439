// SPDX-License-Identifier: MIT
/* libFuzzer: arbitrary bytes into a server transport, in plaintext and keyed modes. */
#include <stddef.h>
#include <stdint.h>

#include "kssh/packet.h"
#include "kssh/transport.h"

static const uint8_t key[64] = { 1 }, iv[16] = { 2 }, mac_key[64] = { 3 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kssh_packet p;
	struct kssh_buf payload;
	uint8_t type;

	if (size == 0)
		return 0;
	/* the first byte picks a cipher (or none); the rest is the wire */
	kssh_packet_init(&p);
	if (data[0] % 11 != 10) {
		const struct kssh_cipher_alg *c = kssh_cipher_at(data[0] % 10);

		kssh_packet_set_keys(&p, KSSH_DIR_IN, c, kssh_mac_at((data[0] >> 4) % 6), key, iv,
		                     mac_key, NULL, NULL);
	}
	kssh_buf_put(&p.input, data + 1, size - 1);
	while (kssh_packet_read(&p, &type, &payload) == 0)
		;
	kssh_packet_free(&p);
	return 0;
}
