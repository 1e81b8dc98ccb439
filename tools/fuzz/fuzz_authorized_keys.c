// SPDX-License-Identifier: MIT
/* libFuzzer: arbitrary authorized_keys lines (options, quoting, keys) and from= pattern lists. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kssh/auth.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kssh_authkey_opts opts;
	struct kssh_key *key = NULL;
	char *text = fuzz_cstring(data, size);

	if (text == NULL)
		return 0;
	if (kssh_authorized_keys_parse_line(text, &key, &opts) == 0) {
		if (opts.from != NULL)
			kssh_addr_matches_list(opts.from, "192.0.2.7");
		kssh_authkey_opts_free(&opts);
		kssh_key_free(key);
	}
	kssh_addr_matches_list(text, "10.1.2.3");
	kssh_addr_matches_list(text, "2001:db8::1");
	free(text);
	return 0;
}
