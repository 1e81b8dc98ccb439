/* SPDX-License-Identifier: MIT */
/*
 * A TACACS+ client (RFC 8907), also over TLS 1.3 (RFC 9887): authentication
 * (ASCII login conversations and PAP), authorization and accounting. Bodies
 * are obfuscated with the MD5 pad of RFC 8907 4.5, except over TLS, where
 * RFC 9887 forbids it. Every reply is checked: version, type, sequence
 * number, session id, lengths inside the body (a wrong key shows here).
 */
#ifndef KSSH_TACACS_H
#define KSSH_TACACS_H

#include <stddef.h>
#include <stdint.h>

#include "kssh/buf.h"

struct kssh_tacacs_server {
	char addr[64];          /* an IPv4 or IPv6 address */
	unsigned port;          /* 49; 300 with TLS (RFC 9887) */
	char secret[128];       /* the obfuscation key (unused over TLS) */
	int single_connection;  /* ask for one connection for all sessions (RFC 8907 4.3) */
	int tls;
	char ca_file[256];      /* TLS: the CA certificate(s) the server's certificate must chain to */
};

enum kssh_tacacs_result {
	KSSH_TACACS_PASS,
	KSSH_TACACS_FAIL,
	KSSH_TACACS_GETDATA, /* authentication: the server asks for more (a prompt in message) */
	KSSH_TACACS_GETUSER,
	KSSH_TACACS_GETPASS,
	KSSH_TACACS_UNREACHABLE, /* no server gave a valid answer (why says) */
};

struct kssh_tacacs_reply {
	enum kssh_tacacs_result result;
	int echo;          /* GET*: the answer may be echoed (the NOECHO flag clear) */
	char message[512]; /* the server's message: a prompt, or why it failed */
	int priv_lvl;      /* authorization: the priv-lvl the server gave, or -1 */
	char server[80];   /* which server answered, or the last one tried */
	char why[160];     /* UNREACHABLE: what went wrong with the last server */
};

/* One authentication conversation; start it, continue while it asks, end it */
struct kssh_tacacs_authen {
	const struct kssh_tacacs_server *server; /* the one that answered the START */
	unsigned timeout_s;
	void *conn;
	uint32_t session_id;
	uint8_t seq;
	uint8_t minor;
};

enum { KSSH_TACACS_ASCII = 1, KSSH_TACACS_PAP = 2 };

/*
 * Sends the START (ASCII with the user named; PAP with the password too) to
 * each server in turn until one answers; later rounds go to that server.
 */
void kssh_tacacs_authen_start(struct kssh_tacacs_authen *s, const struct kssh_tacacs_server *servers, size_t n,
                              unsigned timeout_s, int type, const char *user, const char *password,
                              const char *rem_addr, struct kssh_tacacs_reply *reply);
void kssh_tacacs_authen_continue(struct kssh_tacacs_authen *s, const char *answer, struct kssh_tacacs_reply *reply);
/* Aborts a conversation still open, and lets its connection go (or keeps it, in single-connection mode) */
void kssh_tacacs_authen_end(struct kssh_tacacs_authen *s);

/* Authorization of service=shell for the user (RFC 8907 6): PASS with priv_lvl, FAIL, or UNREACHABLE */
void kssh_tacacs_authorize(const struct kssh_tacacs_server *servers, size_t n, unsigned timeout_s, const char *user,
                           const char *rem_addr, const char *cmd, struct kssh_tacacs_reply *reply);

struct kssh_tacacs_acct {
	int stop;
	const char *user, *rem_addr, *task_id;
	uint32_t seconds;             /* STOP: elapsed_time */
	uint64_t bytes_in, bytes_out; /* STOP */
	const char *reason;           /* STOP: why it ended */
};

/* Accounting START or STOP (RFC 8907 7) to each server in turn until one takes it: 0, or -1 (why says) */
int kssh_tacacs_account(const struct kssh_tacacs_server *servers, size_t n, unsigned timeout_s,
                        const struct kssh_tacacs_acct *acct, char *why, size_t why_len);

/* Closes the connections kept in single-connection mode; forked: in a child, without a TLS
 * close_notify on the parent's connection */
void kssh_tacacs_close_all(int forked);

/* The wire format (tacacs_packet.c), apart from any I/O so that it can be tested and fuzzed */
#define KSSH_TACACS_HDR 12
#define KSSH_TACACS_BODY_MAX 65536
enum { KSSH_TACACS_AUTHEN = 1, KSSH_TACACS_AUTHOR = 2, KSSH_TACACS_ACCT = 3 };
enum { KSSH_TACACS_UNENCRYPTED = 0x01, KSSH_TACACS_SINGLE_CONNECT = 0x04 };

struct kssh_tacacs_header {
	uint8_t version, type, seq, flags;
	uint32_t session_id, length;
};

void kssh_tacacs_header_put(uint8_t out[KSSH_TACACS_HDR], const struct kssh_tacacs_header *h);
/* 0, or -1 for a header no client may take (version, length over the maximum) */
int kssh_tacacs_header_get(const uint8_t in[KSSH_TACACS_HDR], struct kssh_tacacs_header *h);
/* RFC 8907 4.5: XORs the body with the MD5 pad of the header's session id, version and seq (both ways) */
int kssh_tacacs_obfuscate(const struct kssh_tacacs_header *h, const char *key, uint8_t *body, size_t len);

/* Reply bodies, bounded: 0, or -1 when the lengths inside do not add up (a wrong key, mostly) */
struct kssh_tacacs_authen_reply {
	uint8_t status, flags;
	char server_msg[512];
};
int kssh_tacacs_parse_authen_reply(const uint8_t *body, size_t len, struct kssh_tacacs_authen_reply *out);
struct kssh_tacacs_author_reply {
	uint8_t status;
	int priv_lvl;
	char server_msg[512];
};
int kssh_tacacs_parse_author_reply(const uint8_t *body, size_t len, struct kssh_tacacs_author_reply *out);
int kssh_tacacs_parse_acct_reply(const uint8_t *body, size_t len, uint8_t *status, char *msg, size_t msg_len);

/* Request bodies: fields of up to 255 bytes, args as "name=value" or "name*value" */
int kssh_tacacs_authen_start_body(struct kssh_buf *b, int type, const char *user, const char *port,
                                  const char *rem_addr, const char *data);
int kssh_tacacs_authen_continue_body(struct kssh_buf *b, const char *user_msg, int abort);
int kssh_tacacs_author_body(struct kssh_buf *b, int acct_flags, const char *user, const char *port,
                            const char *rem_addr, const char *const *args, size_t n_args);

#endif
