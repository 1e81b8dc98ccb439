/* SPDX-License-Identifier: MIT */
#ifndef KSSHD_H
#define KSSHD_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "kssh/auth.h"
#include "lpts.h"
#include "kssh/key.h"
#include "kssh/radius.h"
#include "kssh/tacacs.h"
#include "conn_io.h"

#define KSSHD_DEFAULT_CONFIG "/etc/kssh/kssh.conf"
#define KSSHD_CONTROL_SOCKET "/run/kssh/ksshd.sock"
#define KSSHD_MAX_LISTEN 8
#define KSSHD_MAX_HOST_KEYS 8
#define KSSHD_CERT_MAX 4096
#define KSSHD_MAX_TRUSTPOINTS 8
#define KSSHD_MAX_RADIUS 4
#define KSSHD_MAX_TACACS 4
#define KSSHD_MAX_AAA_METHODS 4
#define KSSHD_MAX_AAA_GROUPS 4
/* A method of an aaa list: these, or SSHD_AAA_GROUP + the index of an "aaa group server" */
enum { SSHD_AAA_LOCAL = 1, SSHD_AAA_RADIUS, SSHD_AAA_TACACS, SSHD_AAA_IF_AUTHENTICATED, SSHD_AAA_GROUP = 16 };

/* "radius-server host ADDRESS [auth-port N] [acct-port N] key SECRET" */
struct sshd_radius_host {
	char addr[64];
	unsigned auth_port, acct_port;
	char key[128];
};

/* "tacacs-server host ADDRESS [port N] key SECRET [single-connection] [tls]" */
struct sshd_tacacs_host {
	char addr[64];
	unsigned port;
	char key[128];
	int single_connection, tls;
};

/* "aaa group server radius|tacacs+ NAME server ADDRESS": a named list of configured hosts */
struct sshd_aaa_group {
	char name[32];
	int tacacs;
	char servers[KSSHD_MAX_RADIUS][64];
	size_t n_servers;
};

/* "aaa authentication login NAME ...", "aaa authorization exec NAME ...", "aaa accounting exec NAME ..." */
enum { SSHD_AAA_LOGIN, SSHD_AAA_AUTHOR, SSHD_AAA_ACCT, SSHD_AAA_KINDS };
#define KSSHD_MAX_AAA_LISTS 5 /* default and 4 named, of each kind */
struct sshd_aaa_list {
	char name[32]; /* "default" or a name; "": a free slot */
	unsigned char methods[KSSHD_MAX_AAA_METHODS];
	size_t n;
};

struct sshd_aaa {
	struct sshd_radius_host radius[KSSHD_MAX_RADIUS];
	size_t n_radius;
	unsigned radius_timeout, radius_retransmit, radius_deadtime;
	struct sshd_tacacs_host tacacs[KSSHD_MAX_TACACS];
	size_t n_tacacs;
	unsigned tacacs_timeout, tacacs_deadtime;
	char tacacs_trustpoint[32]; /* "tacacs-server tls trustpoint NAME": the CA of TLS servers */
	struct sshd_aaa_group groups[KSSHD_MAX_AAA_GROUPS];
	size_t n_groups;
	struct sshd_aaa_list lists[SSHD_AAA_KINDS][KSSHD_MAX_AAA_LISTS];
	char line_list[SSHD_AAA_KINDS][32]; /* "line default ... NAME": the list in force ("": default) */
	/* "aaa remote-user privilege N local-user NAME", "... default local-user NAME", "... allow-root" */
	char priv_user[16][64];
	char default_user[64];
	int remote_root;
};
#define KSSHD_MAX_USER_TRUSTPOINTS 4

/* "crypto ca trustpoint NAME ca-certificate FILE | crl FILE": a CA bundle and its revocations */
struct sshd_trustpoint {
	char name[32];
	char ca_file[256];
	char crl_file[256]; /* "": no CRL checking */
	char cert_file[256]; /* "crypto ca trustpoint NAME certificate FILE": the host's own chain (PEM) */
};
#define KSSHD_MAX_LOCAL_USERS 64
#define KSSHD_MAX_VRFS 8
#define KSSHD_MAX_ACLS 16
#define KSSHD_MAX_ACL_ENTRIES 64
#define KSSHD_PASSWORD_TRIES 3   /* the spec: password attempts, whatever max-auth-limit says */

/* A user the configuration defines ("username NAME secret HASH"); its account must exist. */
struct sshd_local_user {
	char name[64];
	char hash[256]; /* crypt(3) */
};

/* "ssh server vrf NAME [ipv4 access-list A] [ipv6 access-list B]": a VRF is a network namespace */
struct sshd_vrf {
	char name[33];
	char acl4[64], acl6[64];
};

/* "ipv4|ipv6 access-list NAME SEQ permit|deny any|host ADDR|ADDR/LEN" */
struct sshd_acl_entry {
	uint32_t seq;
	uint8_t permit, prefix;
	uint8_t addr[16];
};

struct sshd_acl {
	char name[64];
	int family; /* AF_INET or AF_INET6 */
	struct sshd_acl_entry e[KSSHD_MAX_ACL_ENTRIES];
	size_t n;
};

struct sshd_options {
	unsigned port;
	int port_from_cli;        /* -p: any port; it stays out of the saved configuration */
	const char *listen[KSSHD_MAX_LISTEN];
	int n_listen;
	const char *state_dir;   /* host keys live here */
	int foreground, log_stderr, debug, test_config;
	/* the configuration language (config.c): the file, then `ksshctl configure` at run time */
	char hostname[64], domain[128];
	int server_v2;            /* "ssh server v2": printed back; only v2 exists anyway */
	struct sshd_vrf vrfs[KSSHD_MAX_VRFS];
	size_t n_vrfs;            /* 0: the default VRF (our own namespace) */
	unsigned rate_limit;      /* new connections per minute */
	int rate_unlimited;       /* --rate-limit 0 (command line only, never printed or saved): no limit */
	unsigned session_limit;   /* live sessions */
	/* "ssh server max-startups START:RATE:FULL" and "... per-source N" (preauth_limits.c) */
	unsigned startups_begin, startups_rate, startups_full, startups_per_source;
	/* "ssh server penalties ...": seconds a source is refused after each kind of bad end (off: 0) */
	int penalties;
	unsigned penalty_crash, penalty_authfail, penalty_noauth, penalty_grace, penalty_max;
	char penalty_exempt[64]; /* an access list: the sources it permits are never penalized */
	unsigned server_dscp, client_dscp;
	unsigned tcp_window_scale;
	unsigned window_max_kib;   /* "ssh server window-max": the most a channel's receive window grows to */
	unsigned rekey_volume_mb;
	char kex_algs[1024], hostkey_algs[1024], ciphers[1024], macs[1024]; /* "": the defaults */
	unsigned enabled;         /* KSSH_ENABLE_* ("ssh server enable cipher", or named) */
	char disabled_macs[512];
	unsigned client_enabled;
	char client_ciphers[1024], client_disabled_macs[512], client_auth_methods[128];
	char client_knownhost[256], client_source_if[16];
	struct sshd_acl acls[KSSHD_MAX_ACLS];
	size_t n_acls;
	uint32_t rekey_minutes;  /* the spec's rekey-time */
	uint64_t rekey_bytes;    /* the spec's rekey-volume, in bytes */
	unsigned login_timeout;  /* the spec's "ssh timeout", seconds */
	unsigned max_auth;       /* the spec's max-auth-limit */
	const char *config_file;
	const char *control_path; /* ksshctl's socket; NULL: none */
	const char *pam_service; /* "kssh" */
	const char *authorized_keys; /* pattern (%h, %u); NULL: %h/.ssh/authorized_keys */
	char trusted_user_ca_keys[256]; /* "ssh server trusted-user-ca-keys FILE": CA keys for user certificates */
	char revoked_keys[256];         /* "ssh server revoked-keys FILE": public keys or a KRL */
	char host_cert_files[KSSHD_MAX_HOST_KEYS][256]; /* "ssh server host-certificate FILE" lines */
	/* X.509v3 (RFC 6187): the trust points, those "ssh server trustpoint user" names, and which
	 * certificate fields name the user ("ssh server certificate username": KSSH_X509_NAME_*; 0: CN) */
	struct sshd_trustpoint trustpoints[KSSHD_MAX_TRUSTPOINTS];
	size_t n_trustpoints;
	char user_trustpoints[KSSHD_MAX_USER_TRUSTPOINTS][32];
	size_t n_user_trustpoints;
	unsigned cert_username;
	char host_trustpoint[32]; /* "ssh server certificate trustpoint host NAME" */
	struct sshd_aaa aaa;     /* AAA (config_aaa.c); no login list: PAM / local as ever */
	size_t n_host_cert_files;
	const char *sftp_root;   /* pattern (%h, %u): SFTP sees only this directory; NULL: the whole file system */
	int port_forwarding_local; /* the spec's "ssh server port-forwarding local" */
	int port_forwarding_remote; /* "ssh server port-forwarding remote [gateway-ports]" */
	int gateway_ports;          /* remote forwards may bind the address the client names */
	int agent_forwarding;       /* "ssh server agent-forwarding" */
	unsigned max_channels;      /* "ssh server max-channels N" (1-1024, 256) */
	/* "ssh server sftp permit-requests|deny-requests NAME...": sftp-server's -p and -P, comma-joined */
	char sftp_allow[512], sftp_deny[512];
	/* "ssh server|client crypto-offload af-alg [required]": enum kssh_crypto_offload */
	int crypto_offload, crypto_offload_required;
	int client_crypto_offload, client_crypto_offload_required;
	int permit_root_password;  /* root may use password/keyboard-interactive */
	struct lpts_settings lpts;  /* the data plane's lines; attached when an lpts interface is configured */
	struct sshd_local_user local_users[KSSHD_MAX_LOCAL_USERS];
	size_t n_local_users;
	/* resolved */
	char kex_list[2048], hostkey_list[2048], cipher_list[2048], mac_list[2048];
	struct kssh_key *host_keys[KSSHD_MAX_HOST_KEYS];
	size_t n_host_keys;
	/* the SHA-256 of each host key file (by type) whose pair the listener proved; each connection's
	 * process, reading the same bytes again, skips the proof (a signature of each key, ~9 ms a login) */
	uint8_t host_key_digest[KSSHD_MAX_HOST_KEYS][32];
	/* host_keys[i]'s OpenSSH certificate, read from the host-certificate files (length 0: none) */
	uint8_t host_cert[KSSHD_MAX_HOST_KEYS][KSSHD_CERT_MAX];
	size_t host_cert_len[KSSHD_MAX_HOST_KEYS];
	/* the host trust point's chain (RFC 6187, after the algorithm name) for host_keys[host_x509_key] */
	uint8_t host_x509[2 * KSSHD_CERT_MAX];
	size_t host_x509_len, host_x509_key;
};

/* The account a session runs as. */
struct sshd_user {
	char name[64];    /* who logged in: shown, logged, accounted */
	char account[64]; /* the local account the session runs as: the same, or a remote user's mapping */
	uid_t uid;
	gid_t gid;
	char home[512];
	char shell[256];
};

/* What authentication established. */
struct sshd_auth_result {
	struct sshd_user user;
	char method[40];
	int priv_lvl;                      /* AAA exec authorization's priv-lvl, or -1 */
	struct kssh_authkey_opts key_opts; /* publickey: the authorized_keys line's options */
	void *pam;                         /* pam_handle_t, when PAM authenticated the user */
	char **pam_env;
};

/* A connection's identity, for logs and the environment. */
struct sshd_peer {
	char addr[64];
	unsigned port;
	char local_addr[64];
	unsigned local_port;
};

/* preauth_limits.c: unauthenticated connection limits */
void sshd_startups_defaults(struct sshd_options *o);
int sshd_cmd_max_startups(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen);
int sshd_cmd_penalties(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen);
void sshd_print_max_startups(const struct sshd_options *o, FILE *out);

/* config.c: the spec's configuration lines */
/* A refused line's reason into err: always -1 */
int sshd_config_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void sshd_config_defaults(struct sshd_options *o);
/* One line into o: 0, or -1 with err saying why (o may then be half-changed: apply to a copy) */
int sshd_config_line(struct sshd_options *o, const char *line, char *err, size_t errlen);
int sshd_config_load(struct sshd_options *o, const char *path);
/* The running configuration in the same syntax; section "ssh" (or NULL for everything) */
void sshd_config_print(const struct sshd_options *o, const char *section, FILE *out);

/* control.c: SIGHUP (systemctl reload): the configuration file read again and committed as a whole */
void sshd_control_reload(struct sshd_options *o);

/* config_store.c: commits written to the configuration file, with their history */
int sshd_config_store_init(const struct sshd_options *o);
int sshd_config_store_commit(const struct sshd_options *o, const char *user, int lines, char *msg, size_t msglen);
void sshd_config_store_list(const struct sshd_options *o, FILE *out);
int sshd_config_store_changes(const struct sshd_options *o, unsigned long id, FILE *out);
char *sshd_config_store_rollback_lines(const struct sshd_options *o, int last, unsigned long arg, char *why,
                                       size_t whylen);
/* The lines that take the running configuration to the text's (a `no` for each line it lacks) */
char *sshd_config_store_lines_to(const struct sshd_options *o, const char *text);
/* Are the n words w the space-separated command `words`? ("show ssh server") */
int sshd_words_are(char **w, int n, const char *words);
/* Resolves the algorithm lists from the configured ones; 0, or -1 with err */
int sshd_config_resolve(struct sshd_options *o, char *err, size_t errlen);
/* Whether the access list permits addr (family AF_INET/AF_INET6, 4 or 16 bytes); a missing list permits */
int sshd_acl_permits(const struct sshd_options *o, const char *name, int family, const uint8_t *addr);
int sshd_load_host_keys(struct sshd_options *o);
int sshd_reload_host_keys(struct sshd_options *o);
int sshd_session_load_host_keys(struct sshd_options *o); /* in a connection's process */
int sshd_generate_host_key(struct sshd_options *o, enum kssh_key_type type);
int sshd_zeroize_host_key(struct sshd_options *o, enum kssh_key_type type);
void sshd_host_key_path(const struct sshd_options *o, enum kssh_key_type type, char *out, size_t len);

/* report.c: what this session's process tells the listener (show ssh); no-op without a listener */
extern int sshd_report_fd;
void sshd_report(const char *field, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void sshd_free_host_keys(struct sshd_options *o);
unsigned sshd_enabled(const struct sshd_options *o); /* KSSH_ENABLE_*: set, or named in a list */
/* aaa.c: the servers of an AAA method for the clients; exec accounting START/STOP (RFC 2866 terminate causes) */
struct sshd_aaa_servers {
	int is_tacacs;
	struct kssh_radius_server radius[KSSHD_MAX_RADIUS];
	struct kssh_tacacs_server tacacs[KSSHD_MAX_TACACS];
	size_t n;
	unsigned timeout, retransmit;
};
struct sshd_accounting {
	time_t start;
	char session_id[40];
	char proto[8];
};
/* 0, or -1 when the method names no servers (local, if-authenticated) */
int sshd_aaa_servers(const struct sshd_options *o, unsigned char method, struct sshd_aaa_servers *out);
void sshd_aaa_servers_wipe(struct sshd_aaa_servers *s);
void sshd_accounting(const struct sshd_options *o, const char *user, const struct sshd_peer *peer, int fd,
                     struct sshd_accounting *acct, int stop, int cause);
/* aaa_servers.c: the shared table of server states and counts (a memfd the listener makes, each
 * connection's process maps; detached by the processes that drop privileges) */
int sshd_aaa_table_init(void);
int sshd_aaa_table_fd(void);
int sshd_aaa_table_attach(int fd);
void sshd_aaa_table_detach(void);
void sshd_aaa_table_config(const struct sshd_options *o);
int sshd_aaa_dead(const char *proto, const char *addr, unsigned port);
void sshd_show_aaa_servers(const struct sshd_options *o, int json, FILE *out);
/* config_aaa.c: "radius-server ...", "aaa authentication login default ..."; secrets masked unless revealed */
extern int sshd_config_reveal_secrets;
int sshd_cmd_aaa_server(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen);
int sshd_cmd_aaa(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen);
int sshd_cmd_line(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen);
/* The method list of a kind in force (the line's, else default), or NULL when none is configured */
const struct sshd_aaa_list *sshd_aaa_list(const struct sshd_aaa *aaa, int kind);
void sshd_print_aaa(const struct sshd_options *o, FILE *out);
void sshd_print_masked(FILE *out, const char *prefix, const char *line, size_t len);
/* config_x509.c: the X.509 lines: "crypto ca trustpoint ...", "ssh server trustpoint user NAME",
 * "ssh server certificate username ..."; printed back by sshd_print_x509 */
int sshd_cmd_crypto(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen);
int sshd_cmd_server_x509(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen);
void sshd_print_crypto(const struct sshd_options *o, FILE *out);
void sshd_print_server_x509(const struct sshd_options *o, FILE *out);
const struct sshd_trustpoint *sshd_trustpoint(const struct sshd_options *o, const char *name);
int sshd_trustpoint_name_ok(const char *name);
/* pki.c: "show crypto ca certificates"; "crypto ca import": the file checked and copied, line the
 * configuration line to commit for it (-1: refused, said on out) */
void sshd_show_ca_certificates(const struct sshd_options *o, FILE *out);
int sshd_ca_import(const struct sshd_options *o, const char *name, const char *kind, const char *path, char *line,
                   size_t line_len, FILE *out);
/* hostkeys.c: the host-key algorithms to offer: certificate ones first, for the keys that have one */
void sshd_hostkey_offer(const struct sshd_options *o, char *out, size_t len);
/* Serves one connection on fd; returns the process exit status. */
int sshd_session(const struct sshd_options *o, int fd, const char *peer, unsigned peer_port);
/* session_exec.c: the listener's child re-executes ksshd for the connection (returns only on failure);
 * main() hands "ksshd --session ..." to sshd_session_main */
int sshd_session_exec(const struct sshd_options *o, int fd, int report_fd, const char *host, unsigned port);
int sshd_session_main(int argc, char **argv);

/* auth.c: runs ssh-userauth until a user is authenticated; 0 on success. */
int sshd_authenticate(struct kssh_conn *c, const struct sshd_options *o,
                      const struct sshd_peer *peer, struct sshd_auth_result *res);
void sshd_auth_result_free(struct sshd_auth_result *res);

/* scp_server.c: runs "scp -t|-f ..." on stdin/stdout and returns its exit status; -1 when the command is something else */
int scp_server_try(const char *command);

/* user.c */
int sshd_user_lookup(const char *name, struct sshd_user *u);
void sshd_expand_user_path(const char *pattern, const struct sshd_user *u, char *out, size_t len);
/* initgroups, setgid, setuid, each checked, and a check that root cannot be regained */
int sshd_user_drop_privileges(const struct sshd_user *u);

/* pam.c: PAM sessions around the user's processes */
int sshd_pam_open_session(struct sshd_auth_result *res);
void sshd_pam_close(struct sshd_auth_result *res);

/* conn.c: the connection protocol, after the privilege drop */
int sshd_serve_connection(struct kssh_conn *c, const struct sshd_options *o,
                          const struct sshd_peer *peer, struct sshd_auth_result *res);

#endif
