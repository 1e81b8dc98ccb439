/* SPDX-License-Identifier: MIT */
/*
 * Privilege separation before authentication. Each connection's process
 * (root: the monitor) forks a pre-authentication process that enters the
 * sandbox (sandbox.c) and runs everything an anonymous peer reaches: the
 * version line, packets, key exchange and the parsing of ssh-userauth. What
 * needs privilege it asks the monitor over a socketpair, one request at a
 * time: a signature over the exchange hash, whether a user exists, whether
 * a key, password or keyboard-interactive conversation is good. The monitor
 * treats every request as hostile (bounded sizes, a fixed order: no check
 * before the user is named, no signature for a hash of the wrong size, no
 * hand-over without a successful check of its own) and, after the login,
 * takes the connection (kssh_transport_import) and goes on as before.
 *
 * Wire: SOCK_STREAM, each message a uint32 length (type byte included), the
 * type, then SSH-encoded fields.
 */
#ifndef KSSHD_MONITOR_H
#define KSSHD_MONITOR_H

#include <stdint.h>
#include <sys/types.h>

#include "kssh/buf.h"
#include "kssh/packet.h"
#include "sshd.h"

#define MON_MSG_MAX (64 * 1024)                 /* every request but the hand-over */
#define MON_STATE_MAX (KSSH_PACKET_INPUT_MAX + 64 * 1024) /* the transport's state, its unread input included */

enum mon_type {
	/* pre-authentication process -> monitor */
	MON_SIGN = 1,       /* u32 host key index, string alg, string hash -> MON_SIGN string signature ("" refused) */
	MON_USER,           /* string user -> MON_USER u8 known */
	MON_PUBKEY,         /* string method, string alg, string key, string host key ("" unless hostbound),
	                       string signature ("": a query) -> MON_RESULT u8 enum auth_outcome */
	MON_PASSWORD,       /* string password -> MON_RESULT u8 */
	MON_KBDINT,         /* -> MON_PROMPTS ... then MON_RESULT u8 */
	MON_ANSWERS,        /* u32 n, n x string: the client's answers to the last MON_PROMPTS */
	MON_CANCEL,         /* the client gave no answers (a new request, or it left) */
	MON_REPORT,         /* string field, string value: for the listener's registry (some fields only) */
	MON_AUTHENTICATED,  /* string method, string transport state: the last message */
	MON_LOG,            /* u32 priority, string line: the process's log (it has no file, no syslog) */
	/* monitor -> pre-authentication process */
	MON_PROMPTS,        /* string info, u32 n, n x (string prompt, u8 echo) */
	MON_RESULT,
};

/* monitor_wire.c: one message each way; blocking, with a deadline for the monitor (0: none) */
int mon_send(int fd, uint8_t type, const struct kssh_buf *body);
int mon_recv(int fd, uint8_t *type, struct kssh_buf *body, size_t max, int64_t deadline_ms);

/* monitor.c, as root: serves the pre-authentication process until it hands the connection over
 * (0, the transport's state in state, res filled) or ends (an error; it is killed and reaped). */
int sshd_monitor_run(const struct sshd_options *o, const struct sshd_peer *peer, int fd, pid_t child,
                     struct sshd_auth_result *res, struct kssh_buf *state);

/* monitor_client.c, in the pre-authentication process: the requests */
extern int sshd_monitor_fd; /* -1: no monitor (then the requests fail) */
int mm_sign(void *arg, size_t key_index, const char *alg, const uint8_t *hash, size_t len,
            struct kssh_buf *sig);
int mm_user(const char *user);
int mm_pubkey(const char *method, const char *alg, const uint8_t *blob, size_t blob_len,
              const struct kssh_buf *hostkey, const uint8_t *sig, size_t sig_len);
int mm_password(const char *password);
int mm_report(const char *field, const char *value);
int mm_authenticated(const char *method, const struct kssh_buf *state);
void mm_log(int priority, const char *line); /* kssh_log's sink in the process */

/* sandbox.c: the pre-authentication process's confinement; 0, or -1 with the reason logged */
#define KSSHD_SANDBOX_USER "kssh"           /* else nobody */
#define KSSHD_SANDBOX_DIR "/run/kssh/empty" /* made by the listener: empty, root's, mode 0755 */
int sshd_sandbox_enter(const struct sshd_options *o);

#endif
