// SPDX-License-Identifier: MIT
/*
 * libFuzzer: arbitrary request streams into the SFTP server after a valid INIT.
 * Read-only, so no request can change the file system the fuzzer runs on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kssh/sftp.h"

/* As root, become nobody first: even a bug must not be able to touch the system */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
		fprintf(stderr, "fuzz_sftp_server: cannot drop root\n");
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t init[] = { 0, 0, 0, 5, SSH_FXP_INIT, 0, 0, 0, 3 };
	struct sftp_server_config cfg = { .home = "/nonexistent", .user = "fuzz", .read_only = 1 };
	struct sftp_server *s = sftp_server_new(&cfg);

	if (s == NULL)
		return 0;
	kssh_buf_put(sftp_server_input(s), init, sizeof(init));
	kssh_buf_put(sftp_server_input(s), data, size);
	while (sftp_server_process(s, 1u << 20) == 0 && kssh_buf_len(sftp_server_output(s)) > 0)
		kssh_buf_reset(sftp_server_output(s));
	sftp_server_free(s);
	return 0;
}
