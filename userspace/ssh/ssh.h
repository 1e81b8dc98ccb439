/* SPDX-License-Identifier: MIT */
#ifndef KSSH_CLIENT_H
#define KSSH_CLIENT_H

#include <stdint.h>

#include "kssh/channel.h"
#include "kssh/key.h"
#include "conn_io.h"

#define MAX_IDENTITIES 16
#define MAX_FORWARDS 16
#define EXIT_FAILURE_SSH 255

/* -L [bind:]port:host:hostport, or -D [bind:]port (dynamic: host empty, a SOCKS proxy) */
struct local_forward {
	char bind[64];
	unsigned port;
	char host[256];
	unsigned host_port;
	int fd;
	int dynamic;
};

/* -R [bind:]port:host:hostport: the server listens, connections come back to host:hostport */
struct remote_forward {
	char bind[64];
	unsigned port;            /* as asked; 0: the server picks */
	char host[256];
	unsigned host_port;
	unsigned bound;           /* the port the server listens on (its reply for 0) */
	int state;                /* 0 asked, 1 listening, -1 refused */
};

enum strict_mode { STRICT_ASK, STRICT_YES, STRICT_NO, STRICT_ACCEPT_NEW };

struct client_options {
	const char *host, *user, *command;
	char *command_joined;    /* the words after the host, joined (owned) */
	unsigned port;
	int verbose, batch, quiet;
	enum strict_mode strict;
	char known_hosts[4096];
	const char *kex_algs, *hostkey_algs, *ciphers, *macs;
	unsigned enabled;
	unsigned connect_timeout;
	unsigned test_rekeys;    /* KsshTestRekeys: rekey this many times after the service request */
	unsigned test_pings;     /* KsshTestPings: global-request round trips, 100 ms apart */
	uint64_t rekey_bytes;    /* RekeyLimit, as OpenSSH: 0 for the default */
	uint32_t rekey_seconds;
	int dscp_set;            /* -o DSCP=0-63; otherwise the spec's default, 16 */
	int crypto_offload;      /* -o CryptoOffload=none|af-alg|af-alg-required: enum kssh_crypto_offload */
	int crypto_offload_required;
	unsigned dscp;
	char hostkey_list[2048]; /* resolved, with known key types first */
	const char *identities[MAX_IDENTITIES]; /* -i / IdentityFile */
	int n_identities;
	const char *certificates[MAX_IDENTITIES]; /* CertificateFile: OpenSSH certificates or X.509 chains (PEM) */
	const char *x509_ca;     /* X509CAFile: CA certificates (PEM) that verify X.509 host certificates */
	int n_certificates;
	int identities_only;
	const char *auth_methods;  /* order to try (the spec's "ssh client auth-method") */
	char auth_methods_buf[256];
	unsigned password_prompts; /* NumberOfPasswordPrompts */
	int tty_mode;              /* -t (1), -tt (2), -T (-1), 0: automatic */
	int no_command;            /* -N */
	struct local_forward forwards[MAX_FORWARDS];
	int n_forwards;
	struct remote_forward rforwards[MAX_FORWARDS];
	int n_rforwards;
	int forward_agent;         /* -A, ForwardAgent */
	int exit_on_forward_failure;
	const char *source_interface;
	int use_agent;
};

/* client_config.c: the "ssh client ..." lines of /etc/kssh/kssh.conf ($KSSH_CONFIG), before the command line */
void client_read_config(struct client_options *o);

/* outgoing.c: this connection as one of the machine's outgoing sessions (ksshd's show ssh), when a daemon listens */
void client_report_open(const struct client_options *o, struct kssh_transport *t);
void client_report(const char *field, const char *value);

/* options.c */
int client_set_option(struct client_options *o, const char *opt);
int client_parse_forward(struct client_options *o, const char *spec);
int client_parse_remote_forward(struct client_options *o, const char *spec);
int client_parse_dynamic_forward(struct client_options *o, const char *spec);
int client_add_identity(struct client_options *o, const char *path);
int client_check_lists(struct client_options *o);
/* connect.c: connected, keys exchanged, authenticated; client_close in every case */
int client_connect(struct client_options *o, struct kssh_conn *c);
void client_close(struct kssh_conn *c);
/* auth.c: ssh-userauth until authenticated; 0 on success, KSSH_ERR_NOT_FOUND when refused */
int client_authenticate(struct client_options *o, struct kssh_conn *c);
/* prompt.c: a line from the user (terminal, or SSH_ASKPASS), NULL when none can be asked */
char *client_prompt(const struct client_options *o, const char *prompt, int echo);
/* agent.c: ssh-agent (SSH_AUTH_SOCK) */
int agent_connect(void);
int agent_list(int fd, struct kssh_buf *blobs, size_t *n); /* blobs: string, string (blob, comment)... */
int agent_sign(int fd, const uint8_t *blob, size_t blob_len, const char *alg,
               const uint8_t *data, size_t len, struct kssh_buf *sig);
/* session.c: the channel loop: the command or shell, and -L forwards. Returns the exit status. */
int client_run_session(struct client_options *o, struct kssh_conn *c);

/* The transport's check_host_key callback: known_hosts, prompting, saving. */
int client_check_host_key(void *arg, const struct kssh_key *key, const char *alg);
int client_check_host_cert(void *arg, const struct kssh_cert *cert, const char *alg);
int client_check_host_x509(void *arg, const struct kssh_x509 *chain, const char *alg);
/* Puts the algorithms of key types known_hosts has for this host first, as OpenSSH does. */
void client_order_hostkey_algs(struct client_options *o, const char *list);

#endif
