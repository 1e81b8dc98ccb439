// SPDX-License-Identifier: MIT
/* libFuzzer: a known_hosts file (plain, hashed, wildcards, @revoked, @cert-authority, ports) checked for a host and key. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kssh/key.h"
#include "fuzz.h"

static struct kssh_key *host_key;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kssh_hostkey_match m;
	enum kssh_key_type types[8];
	char path[64], *text;
	size_t n;
	int fd;

	if (host_key == NULL && kssh_key_generate(KSSH_KEY_ED25519, 0, &host_key) != 0)
		abort();
	/* the file the parser opens: the input in memory */
	if ((fd = memfd_create("known_hosts", MFD_CLOEXEC)) < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		kssh_known_hosts_check(path, "host.example", 22, host_key, &m);
		kssh_known_hosts_check(path, "192.0.2.1", 2222, host_key, &m);
		kssh_known_hosts_key_types(path, "host.example", 22, types, 8, &n);
	}
	close(fd);
	if ((text = fuzz_cstring(data, size)) != NULL) {
		kssh_known_hosts_host_matches(text, "host.example");
		kssh_known_hosts_host_matches(text, "[192.0.2.1]:2222");
		free(text);
	}
	return 0;
}
