/* SPDX-License-Identifier: MIT */
#ifndef KSSH_VERSION_H
#define KSSH_VERSION_H

#include <stdio.h>

#define KSSH_VERSION "0.1" /* also in the SSH identification: SSH-2.0-kssh_0.1 */
#ifndef KSSH_BUILD_ID
#define KSSH_BUILD_ID "unknown build"
#endif

/* "PROGRAM VERSION (kssh BUILD), OpenSSL ..." and the kernel paths available here */
void kssh_print_version(const char *program, FILE *out);

#endif
