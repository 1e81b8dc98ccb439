/* SPDX-License-Identifier: MIT */
/* The listener's registry of sessions, its control socket requests, and the reports children send it. */
#ifndef KSSHD_LISTENER_H
#define KSSHD_LISTENER_H

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "sshd.h"

#define KSSHD_MAX_SESSIONS 1024
/* Outgoing sessions are reported by any local user: a bounded share, so they never crowd out incoming ones */
#define KSSHD_MAX_OUTGOING 256
#define KSSHD_MAX_OUTGOING_PER_USER 16
#define KSSHD_HISTORY 100

struct sshd_session_info {
	unsigned id;
	pid_t pid;
	int report_fd;
	char vrf[33];
	char host[64];
	unsigned port;
	char user[64], auth[40], state[24], version[128];
	char account[64], priv[8]; /* AAA: the local account a remote user runs as; the priv-lvl authorization gave */
	char kex[64], hostkey[64], cipher_in[48], cipher_out[48], mac_in[48], mac_out[48];
	char backend_in[16], backend_out[16]; /* the crypto backend of each direction: openssl, af-alg */
	unsigned chan;
	char pty[32], type[40];
	time_t start, end;
	char reason[128];
	int outgoing;               /* a local client's session (kssh, ksftp, kscp), as it reported it */
	unsigned authfails;         /* failed authentication attempts it reported */
	int grace_exceeded;         /* it ended at the login grace time */
	int crashed;                /* its pre-authentication process died by a signal */
	/* crypto-offload kernel: the module's counters, as the session last reported them */
	struct {
		int on;
		unsigned long long tx_packets, tx_bytes, rx_packets, rx_bytes;
		unsigned tx_seqnr, rx_seqnr, installs;
	} offload;
};

/* A source refused for a while after bad ends of its connections (ssh server penalties) */
#define KSSHD_PENALTIES 256
struct sshd_penalty {
	char host[64];
	time_t until;
	unsigned events;
	char why[16];               /* the last: crash, authfail, noauth, grace-exceeded */
};

struct sshd_registry {
	const struct sshd_options *o; /* the running configuration, for the penalties */
	struct sshd_penalty penalties[KSSHD_PENALTIES];
	size_t n_penalties;
	struct sshd_session_info live[KSSHD_MAX_SESSIONS + KSSHD_MAX_OUTGOING];
	size_t n_live;
	struct sshd_session_info history[KSSHD_HISTORY]; /* a ring: the last 100 ended sessions */
	size_t n_history, history_next;
	unsigned next_id;
};

extern volatile sig_atomic_t sshd_got_term, sshd_got_child, sshd_got_hup;

/* preauth_limits.c: 1 and why when max-startups refuses a new connection from host */
int sshd_startups_refuse(const struct sshd_options *o, const struct sshd_registry *r, const char *host, char *why,
                         size_t len);

/* 1 and why when host is serving a penalty (the listener checks exemption first) */
int sshd_penalty_refuse(struct sshd_registry *r, const char *host, char *why, size_t len);
/* A connection from host ended badly: why is crash, authfail, noauth or grace-exceeded */
void sshd_penalize(struct sshd_registry *r, const char *host, const char *why);

/* registry.c */
void sshd_registry_init(struct sshd_registry *r);
size_t sshd_registry_live(const struct sshd_registry *r);
void sshd_registry_add(struct sshd_registry *r, pid_t pid, int report_fd, const char *host, unsigned port,
                       const char *vrf);
/* A local client's connection on the clients socket: an outgoing session of user */
void sshd_registry_add_outgoing(struct sshd_registry *r, int report_fd, const char *user);
void sshd_registry_close_all(struct sshd_registry *r); /* in a new child: the others' report sockets */
size_t sshd_registry_pollfds(const struct sshd_registry *r, struct pollfd *p, size_t max);
void sshd_registry_service(struct sshd_registry *r, const struct pollfd *p, size_t n);
void sshd_registry_reap(struct sshd_registry *r);
/* The ended sessions, oldest first */
const struct sshd_session_info *sshd_registry_history(const struct sshd_registry *r, size_t i);

/* control.c: one request's reply into out; 0 when the request failed (out then says why) */
int sshd_control_request(struct sshd_options *o, const struct sshd_registry *r, char *request, FILE *out);

/* listener.c */
int sshd_listener_run(struct sshd_options *o);
int sshd_listener_commit(struct sshd_options *o, const struct sshd_options *old);

#endif
