// SPDX-License-Identifier: MIT
/*
 * libFuzzer: the configuration language (the spec's lines, ssh server|client,
 * access lists, VRFs, usernames, lpts) a line at a time into one set of
 * options, then resolved and printed back as running-config, which must parse
 * again line for line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshd.h"
#include "fuzz.h"

static struct sshd_options o; /* large: not on the stack */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size), *line, *save = NULL, err[256], *printed = NULL;
	size_t printed_len = 0;
	FILE *out;

	if (text == NULL)
		return 0;
	sshd_config_defaults(&o);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		sshd_config_line(&o, line, err, sizeof(err));
	sshd_config_resolve(&o, err, sizeof(err));
	if ((out = open_memstream(&printed, &printed_len)) != NULL) {
		sshd_config_print(&o, NULL, out);
		fclose(out);
	}
	/* what running-config prints is configuration: every line of it is accepted */
	if (printed != NULL) {
		sshd_config_defaults(&o);
		save = NULL;
		for (line = strtok_r(printed, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
			if (line[0] != '!' && sshd_config_line(&o, line, err, sizeof(err)) != 0) {
				fprintf(stderr, "running-config line refused: '%s': %s\n", line, err);
				abort();
			}
		free(printed);
	}
	free(text);
	return 0;
}
