/* SPDX-License-Identifier: MIT */
/*
 * A RADIUS authentication client (RFC 2865, RFC 2869's Message-Authenticator):
 * Access-Request with User-Password, answered by Access-Accept, -Reject or
 * -Challenge. Every request carries a Message-Authenticator and every answer
 * must carry a valid one (BlastRADIUS, CVE-2024-3596), besides the Response
 * Authenticator and the identifier.
 */
#ifndef KSSH_RADIUS_H
#define KSSH_RADIUS_H

#include <stddef.h>
#include <stdint.h>

struct kssh_radius_server {
	char addr[64];      /* an IPv4 or IPv6 address */
	unsigned auth_port; /* 1812 */
	unsigned acct_port; /* 1813 */
	char secret[128];
};

struct kssh_radius_request {
	const char *user, *password;
	const char *calling_station; /* the SSH client's address */
	const uint8_t *state;        /* from a challenge, sent back with the answer; NULL: none */
	size_t state_len;
};

enum kssh_radius_result {
	KSSH_RADIUS_ACCEPT,
	KSSH_RADIUS_REJECT,
	KSSH_RADIUS_CHALLENGE,
	KSSH_RADIUS_UNREACHABLE, /* no server answered with a valid packet */
};

struct kssh_radius_reply {
	enum kssh_radius_result result;
	char message[512];  /* Reply-Message(s), joined */
	uint8_t state[253]; /* State of a challenge */
	size_t state_len;
	char server[80];    /* which server answered, or the last one tried */
	char why[160];      /* for UNREACHABLE: what went wrong with the last server */
};

/* RFC 2866 accounting: a session's START, and its STOP with what it did */
struct kssh_radius_acct {
	int stop;
	const char *user, *calling_station, *session_id;
	uint32_t seconds;           /* STOP: Acct-Session-Time */
	uint64_t bytes_in, bytes_out; /* STOP: Acct-Input/Output-Octets (and -Gigawords) */
	uint32_t terminate_cause;   /* STOP: RFC 2866 5.10 (1 User Request, 2 Lost Carrier, 10 NAS Request...) */
};

/* Sends it to each server in turn until one answers with a valid Accounting-Response: 0, or -1 (why says) */
int kssh_radius_account(const struct kssh_radius_server *servers, size_t n, unsigned timeout_s, unsigned retransmit,
                        const struct kssh_radius_acct *acct, char *why, size_t why_len);

/*
 * Asks each server in turn (each timeout_s seconds, retransmit more times with
 * the same identifier and authenticator) until one gives a valid answer.
 * A password of more than 128 bytes is refused (REJECT) without asking.
 */
void kssh_radius_authenticate(const struct kssh_radius_server *servers, size_t n, unsigned timeout_s,
                              unsigned retransmit, const struct kssh_radius_request *req,
                              struct kssh_radius_reply *reply);

#endif
