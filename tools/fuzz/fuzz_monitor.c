// SPDX-License-Identifier: MIT
/*
 * libFuzzer: the monitor's request parser and state machine (monitor.c), fed
 * what a compromised pre-authentication process could write on its socket:
 * the input is the byte stream itself (length, type, fields, repeated). The
 * monitor signs with a real host key, looks users up and checks
 * authorized_keys; PAM is replaced by a stack that refuses at once
 * (pam_refuse.c: PAM's own code is not the target, and its failure delay
 * would stall the run).
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kssh/err.h"
#include "monitor.h"
#include "sshd.h"

static struct sshd_options o; /* large: not on the stack */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sshd_peer peer = { .addr = "192.0.2.1", .port = 2222 };
	struct sshd_auth_result res = { 0 };
	struct kssh_buf state;
	int sv[2];

	if (o.n_host_keys == 0) {
		sshd_config_defaults(&o);
		o.pam_service = "kssh-fuzz";
		o.login_timeout = 5;
		if (kssh_key_generate(KSSH_KEY_ED25519, 0, &o.host_keys[0]) != 0)
			return 0;
		o.n_host_keys = 1;
	}
	/* the whole input fits the socket's buffer: written first, then served */
	if (size > 65536 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 0;
	if (write(sv[1], data, size) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	shutdown(sv[1], SHUT_WR);
	kssh_buf_init(&state, MON_STATE_MAX);
	sshd_monitor_run(&o, &peer, sv[0], 0, &res, &state);
	kssh_buf_release(&state);
	kssh_authkey_opts_free(&res.key_opts);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
