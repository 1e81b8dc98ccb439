// SPDX-License-Identifier: MIT
/* libFuzzer: the key files a user names: OpenSSH private keys (unencrypted; the public half of any), .pub lines, wire blobs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kssh/buf.h"
#include "kssh/key.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kssh_key *key = NULL;
	char *text = fuzz_cstring(data, size);

	if (text == NULL)
		return 0;
	if (kssh_key_parse_private(text, size, &key) == 0) {
		struct kssh_buf sig;

		/* a key that parsed must be usable: sign and verify a message */
		kssh_buf_init(&sig, 1 << 16);
		const char *alg = kssh_key_type_name(key->type);

		if (kssh_key_sign(key, alg, data, size, &sig) == 0 &&
		    kssh_key_verify(key, alg, kssh_buf_ptr(&sig), kssh_buf_len(&sig), data, size) != 0)
			abort();
		kssh_buf_release(&sig);
		kssh_key_free(key);
		key = NULL;
	}
	if (kssh_key_parse_private_public(text, size, &key) == 0) {
		kssh_key_free(key);
		key = NULL;
	}
	if (kssh_key_parse_public_line(text, &key) == 0) {
		kssh_key_free(key);
		key = NULL;
	}
	if (kssh_key_from_blob(data, size, &key) == 0)
		kssh_key_free(key);
	free(text);
	return 0;
}
