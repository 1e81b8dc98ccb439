/* SPDX-License-Identifier: MIT */
/* The daemon's side of the connection protocol: conn.c, chan_session.c, chan_tcpip.c. */
#ifndef KSSHD_CONN_INTERNAL_H
#define KSSHD_CONN_INTERNAL_H

#include <sys/ioctl.h>
#include <sys/types.h>
#include <termios.h>

#include "kssh/channel.h"
#include "chan_pump.h"
#include "sshd.h"

#define SESSION_ENV_MAX 32
#define SSHD_MAX_RFWD 16 /* remote forwards per connection */

/* One tcpip-forward: up to two listening sockets (IPv4 and IPv6) */
struct sshd_rfwd {
	int fd[2], slot[2];
	char bind[256];              /* the address as the client asked for it */
	uint32_t port, requested_port; /* bound (the kernel's choice for 0) and asked for */
};

struct pollfd;

struct sshd_conn {
	struct kssh_conn *c;
	const struct sshd_options *o;
	const struct sshd_peer *peer;
	struct sshd_auth_result *auth;
	struct kssh_chan_table chans;
	int no_more_sessions;       /* no-more-sessions@openssh.com */
	struct sshd_chan *offload;  /* crypto-offload kernel: the channel to bind once the output is out */
	int64_t offload_report_ms;  /* when the module's counters last went to the registry */
	struct sshd_rfwd rfwd[SSHD_MAX_RFWD];
	/* agent forwarding: the socket the session's programs reach the client's agent through */
	int agent_fd, agent_slot;
	char agent_dir[64], agent_path[128];
};

enum sshd_chan_kind { CHAN_SESSION, CHAN_DIRECT_TCPIP, CHAN_FORWARDED_TCPIP, CHAN_AGENT };

struct sshd_chan {
	enum sshd_chan_kind kind;
	struct chan_pump pump;
	/* session */
	pid_t pid;                  /* 0: nothing started yet */
	int exited, status;
	int pty_master, pty_slave;  /* -1 without a pty */
	char tty[64], term[64];
	struct winsize ws;
	struct termios modes;
	int have_modes;
	char *env[SESSION_ENV_MAX];
	size_t n_env;
	int exit_reported;
	struct sftp_server *sftp;   /* the sftp subsystem, served in this process */
};

/* conn.c: a channel refused at the connection's channel limit, logged, with the reason */
int conn_refuse_channel_limit(struct sshd_conn *s, const struct kssh_chan_event *ev);

/* chan_session.c */
struct sshd_chan *session_open(struct sshd_conn *s);
int session_request(struct sshd_conn *s, struct sshd_chan *sc, struct kssh_chan_event *ev);
/* Called every round: reports the exit and closes once the process is gone and its output sent. */
int session_progress(struct sshd_conn *s, struct sshd_chan *sc);
void session_child_exited(struct sshd_conn *s, pid_t pid, int status);
void session_free(struct sshd_chan *sc);

/* chan_sftp.c: the sftp subsystem in the session's own process (no helper, no pipe) */
int sftp_subsystem_start(struct sshd_conn *s, struct sshd_chan *sc);
/* crypto-offload kernel|auto: sc's channel is to be handed to kernel/ when it is the only one */
void conn_offload_want(struct sshd_conn *s, struct sshd_chan *sc);
int sftp_subsystem_data(struct sshd_conn *s, struct sshd_chan *sc, const uint8_t *data, size_t len);
int sftp_subsystem_progress(struct sshd_conn *s, struct sshd_chan *sc);

/* chan_tcpip.c: direct-tcpip (ssh -L), when "ssh server port-forwarding local" is set */
int tcpip_open(struct sshd_conn *s, struct kssh_chan_event *ev);
int tcpip_progress(struct sshd_conn *s, struct sshd_chan *sc);

/* chan_remote.c: tcpip-forward (ssh -R), when "ssh server port-forwarding remote" is set */
void rfwd_init(struct sshd_conn *s);
/* *handled is set for tcpip-forward and cancel-tcpip-forward */
int rfwd_global_request(struct sshd_conn *s, const struct kssh_buf *payload, int *handled);
void rfwd_poll_add(struct sshd_conn *s, struct pollfd *pfds, size_t *n, size_t max);
int rfwd_service(struct sshd_conn *s, const struct pollfd *pfds);
void rfwd_close_all(struct sshd_conn *s);

/* chan_agent.c: auth-agent-req@openssh.com, when "ssh server agent-forwarding" is set */
void agent_init(struct sshd_conn *s);
int agent_request(struct sshd_conn *s, struct sshd_chan *sc, struct kssh_chan_event *ev);
void agent_poll_add(struct sshd_conn *s, struct pollfd *pfds, size_t *n, size_t max);
int agent_service(struct sshd_conn *s, const struct pollfd *pfds);
void agent_cleanup(struct sshd_conn *s);

#endif
