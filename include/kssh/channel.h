/* SPDX-License-Identifier: MIT */
/*
 * The connection protocol's channels (RFC 4254), for either role, with no I/O:
 * kssh_chan_handle() turns a received channel message into an event after
 * checking it against the channel's state and windows; the senders compose
 * messages through the transport. What a channel carries (a process, a TCP
 * socket, an SFTP server) belongs to its owner, reached through `owner`.
 */
#ifndef KSSH_CHANNEL_H
#define KSSH_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "kssh/buf.h"
#include "kssh/transport.h"

#define KSSH_CHAN_MAX 1024                  /* channels per connection, at most */
#define KSSH_CHAN_WINDOW (2u * 1024 * 1024)  /* what we let the peer send unacknowledged, at first */
/*
 * A receive window grows from KSSH_CHAN_WINDOW towards a goal its owner
 * sets from the TCP receive buffer the kernel has tuned to the path (as
 * HPN-SSH does: a fixed window caps a long fat path at window / RTT), up to
 * the table's maximum (KSSH_CHAN_WINDOW_MAX unless set, at most
 * KSSH_CHAN_WINDOW_LIMIT). Whoever takes a channel's data must be able to
 * hold KSSH_CHAN_WINDOW_LIMIT of it.
 */
#define KSSH_CHAN_WINDOW_MAX (16u * 1024 * 1024)
#define KSSH_CHAN_WINDOW_LIMIT (64u * 1024 * 1024)
/*
 * The largest data payload we accept: a 256 KiB packet's worth (RFC 4253 6.1
 * lets us take them), less room for its header and padding. We announce it
 * only to kssh peers; others are told KSSH_CHAN_PACKET_COMPAT, OpenSSH's own
 * 32 KiB: OpenSSH counts a packet's bytes against its rekey limit in blocks,
 * so 255 KiB packets made an OpenSSH client with a small RekeyLimit rekey
 * after nearly every packet.
 */
#define KSSH_CHAN_PACKET (255u * 1024)
#define KSSH_CHAN_PACKET_COMPAT (32u * 1024)

enum kssh_chan_state { KSSH_CHAN_FREE, KSSH_CHAN_OPENING, KSSH_CHAN_OPEN, KSSH_CHAN_CLOSING };

struct kssh_channel {
	enum kssh_chan_state state;
	uint32_t local_id, remote_id;
	uint32_t local_window;       /* bytes the peer may still send us */
	uint32_t local_window_max;
	uint32_t local_consumed;     /* delivered to the owner since our last WINDOW_ADJUST */
	uint32_t remote_window;      /* bytes we may still send */
	uint32_t remote_max_packet;
	uint32_t window_goal;        /* local_window_max grows to this at the next WINDOW_ADJUST */
	int eof_sent, eof_received, close_sent, close_received;
	char type[32];
	void *owner;
};

/*
 * A channel's storage is allocated when its id is first used and kept (and
 * reused) until the table is released, so pointers to a channel stay valid:
 * an idle connection holds the slots' pointers, not 1024 channels.
 */
struct kssh_chan_table {
	struct kssh_channel *slot[KSSH_CHAN_MAX];
	uint32_t limit; /* channels open at once (KSSH_CHAN_MAX unless set lower) */
	uint32_t end;   /* no channel was ever allocated at or above this id: loops stop here */
	uint32_t window_max, window_goal;
	uint32_t max_packet; /* announced in our CHANNEL_OPEN and OPEN_CONFIRMATION */
};

enum kssh_chan_event_kind {
	KSSH_CHAN_EV_OPEN,           /* peer asks to open: type, rest = type-specific data */
	KSSH_CHAN_EV_OPEN_CONFIRM,   /* our open was accepted */
	KSSH_CHAN_EV_OPEN_FAILURE,   /* our open was refused: reason, text; channel freed */
	KSSH_CHAN_EV_DATA,           /* data (ext = 0) or extended data (ext = its type) */
	KSSH_CHAN_EV_WINDOW,         /* the peer opened its window: we may send again */
	KSSH_CHAN_EV_EOF,
	KSSH_CHAN_EV_CLOSE,          /* both sides have closed: free it after cleanup */
	KSSH_CHAN_EV_REQUEST,        /* name, want_reply, rest = request-specific data */
	KSSH_CHAN_EV_REPLY,          /* SUCCESS (ok = 1) or FAILURE to one of our requests */
};

struct kssh_chan_event {
	enum kssh_chan_event_kind kind;
	struct kssh_channel *ch;     /* NULL for OPEN: the owner allocates on acceptance */
	const uint8_t *data;         /* DATA */
	size_t len;
	uint32_t ext;
	char name[64];               /* OPEN: channel type; REQUEST: request name */
	int want_reply, ok;
	uint32_t reason;             /* OPEN_FAILURE */
	uint32_t peer_id, peer_window, peer_max_packet; /* OPEN */
	struct kssh_buf rest;        /* view of the remaining, type-specific fields */
};

void kssh_chan_table_init(struct kssh_chan_table *tab);
/* Frees every channel's storage: the table's channels are gone (init it again to reuse it) */
void kssh_chan_table_release(struct kssh_chan_table *tab);
/* At most n channels at once (1..KSSH_CHAN_MAX); beyond it accept and open fail. */
void kssh_chan_table_set_limit(struct kssh_chan_table *tab, uint32_t n);
/* The peer's identification string: a kssh peer is announced KSSH_CHAN_PACKET, others the compatible size */
void kssh_chan_table_set_peer(struct kssh_chan_table *tab, const char *peer_version);
/* The most a receive window may grow to (KSSH_CHAN_WINDOW..KSSH_CHAN_WINDOW_LIMIT) */
void kssh_chan_table_set_window_max(struct kssh_chan_table *tab, uint32_t bytes);
/* What the windows should grow to (the socket's receive buffer), kept within the maximum; never shrinks one */
void kssh_chan_set_window_goal(struct kssh_chan_table *tab, uint32_t bytes);
/* One past the highest channel id in use so far: for (i = 0; i < kssh_chan_end(tab); i++) lookup */
uint32_t kssh_chan_end(const struct kssh_chan_table *tab);
struct kssh_channel *kssh_chan_lookup(struct kssh_chan_table *tab, uint32_t local_id);
size_t kssh_chan_count(const struct kssh_chan_table *tab);

/* Parses and checks a channel message (types 90-100). Window overflow, data past
 * our window, an unknown channel or a message after CLOSE are protocol errors
 * reported through kssh_transport_fail. */
int kssh_chan_handle(struct kssh_chan_table *tab, struct kssh_transport *t, uint8_t type,
                     struct kssh_buf *payload, struct kssh_chan_event *ev);

/* Accepting or refusing the peer's OPEN. */
struct kssh_channel *kssh_chan_accept(struct kssh_chan_table *tab, struct kssh_transport *t,
                                      const struct kssh_chan_event *open, void *owner);
int kssh_chan_refuse(struct kssh_transport *t, uint32_t peer_id, uint32_t reason,
                     const char *text);

/* Opening our own: returns the channel with its OPEN begun; the caller adds
 * type-specific fields to *msg and calls kssh_transport_send. */
struct kssh_channel *kssh_chan_open(struct kssh_chan_table *tab, struct kssh_transport *t,
                                    const char *type, void *owner, struct kssh_buf **msg);

/* Sends up to len bytes, within the peer's window and packet size; returns bytes sent or an error. */
long kssh_chan_send_data(struct kssh_transport *t, struct kssh_channel *ch, uint32_t ext,
                         const uint8_t *data, size_t len);
/* The same from a file (kernel mode: sendfile through kernel/); 0 while a key exchange holds data back */
long kssh_chan_send_file(struct kssh_transport *t, struct kssh_channel *ch, int fd, uint64_t offset,
                         uint32_t len);
/* How much may be sent now. */
size_t kssh_chan_send_room(const struct kssh_channel *ch);
/* The owner has taken n bytes of received data: reopen our window when half is used. */
int kssh_chan_consumed(struct kssh_transport *t, struct kssh_channel *ch, size_t n);
int kssh_chan_send_eof(struct kssh_transport *t, struct kssh_channel *ch);
int kssh_chan_send_close(struct kssh_transport *t, struct kssh_channel *ch);
/* A channel request: the caller appends its fields to *msg and sends. */
int kssh_chan_request_begin(struct kssh_transport *t, struct kssh_channel *ch, const char *name,
                            int want_reply, struct kssh_buf **msg);
int kssh_chan_reply(struct kssh_transport *t, struct kssh_channel *ch, int ok);
/* Both CLOSEs exchanged: the slot is free again. */
void kssh_chan_free(struct kssh_channel *ch);

#endif
