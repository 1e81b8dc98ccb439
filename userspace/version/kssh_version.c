// SPDX-License-Identifier: MIT
/* -V for every kssh program: its version, OpenSSL's, and which kernel paths this machine offers. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "kssh/version.h"

#ifndef AF_ALG
#define AF_ALG 38
#endif

static int afalg_available(void)
{
	int fd = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* kernel/'s TCP upper-layer protocol is registered while the module is loaded */
static int offload_module_available(void)
{
	char ulps[256] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r");

	if (f == NULL)
		return 0;
	if (fgets(ulps, sizeof(ulps), f) == NULL)
		ulps[0] = 0;
	fclose(f);
	for (char *p = ulps; (p = strstr(p, "kssh")) != NULL; p += 4)
		if ((p == ulps || p[-1] == ' ') && (p[4] == 0 || p[4] == ' ' || p[4] == '\n'))
			return 1;
	return 0;
}

void kssh_print_version(const char *program, FILE *out)
{
	fprintf(out, "%s %s (kssh %s), %s\n", program, KSSH_VERSION, KSSH_BUILD_ID,
	        OpenSSL_version(OPENSSL_VERSION));
	fprintf(out, "kernel paths: BPF %s, AF_ALG %s, offload module %s\n",
	        access("/sys/fs/bpf", F_OK) == 0 && access("/sys/kernel/btf/vmlinux", R_OK) == 0 ? "yes" : "no",
	        afalg_available() ? "yes" : "no", offload_module_available() ? "yes" : "no");
}
