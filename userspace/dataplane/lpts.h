/* SPDX-License-Identifier: MIT */
/*
 * The LPTS data plane from userspace: the spec-style configuration lines,
 * loading and attaching the tc programs (maps pinned under LPTS_PIN_DIR, so
 * counters outlive the process that loaded them), registering flows, and
 * reading the counters back.
 */
#ifndef KSSH_DATAPLANE_LPTS_H
#define KSSH_DATAPLANE_LPTS_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "kssh/lpts.h"

#define LPTS_MAX_IFACES 16

struct lpts_settings {
	struct lpts_rate rate[LPTS_FLOW_TYPES]; /* rate_pps 0: that flow type not configured */
	uint32_t per_source_pps, per_source_burst;
	uint16_t ports[LPTS_MAX_PORTS];         /* host byte order */
	size_t n_ports;
	uint8_t dscp;
	char ifaces[LPTS_MAX_IFACES][IF_NAMESIZE];
	size_t n_ifaces;
};

void lpts_settings_init(struct lpts_settings *s);
/* 1: the line was an lpts line and is applied to s; 0: not an lpts line; -1: a bad lpts line (err says why) */
int lpts_config_line(struct lpts_settings *s, const char *line, char *err, size_t errlen);
int lpts_policing(const struct lpts_settings *s);
/* The configuration lines back, as lpts_config_line reads them */
void lpts_settings_print(const struct lpts_settings *s, char *out, size_t len);

/* Loads (reusing pinned maps), writes the configuration, attaches to s's interfaces and detaches from any other */
int lpts_apply(const struct lpts_settings *s, char *err, size_t errlen);
/* Detaches from every interface; the pinned maps (counters, registered flows) stay for the next load */
void lpts_detach_all(void);
/* Detaches from every interface and removes the pinned maps */
int lpts_remove(char *err, size_t errlen);
/* LPTS_PIN_DIR, or $KSSH_LPTS_PIN_DIR (tests, and one daemon per network namespace) */
const char *lpts_pin_dir(void);

/* Flows the daemon registers: server sessions (ingress: peer -> local) and client connections (egress: local -> peer) */
int lpts_known_add(const struct sockaddr *peer, const struct sockaddr *local);
int lpts_known_del(const struct sockaddr *peer, const struct sockaddr *local);
int lpts_client_add(const struct sockaddr *local, const struct sockaddr *peer);
int lpts_client_del(const struct sockaddr *local, const struct sockaddr *peer);
int lpts_flow_key_make(const struct sockaddr *src, const struct sockaddr *dst, struct lpts_flow_key *k);

struct lpts_known_entry {
	struct lpts_flow_key key;
	struct lpts_counters c;
	uint64_t registered_ns;
};

struct lpts_status {
	int loaded;
	struct lpts_config cfg;
	struct lpts_counters per_type[LPTS_FLOW_TYPES];
	uint64_t marked;
	struct lpts_known_entry *known;
	size_t n_known;
};

/* From the pinned maps; loaded is 0 when nothing is pinned. Free with lpts_status_free. */
int lpts_status_read(struct lpts_status *st);
void lpts_status_free(struct lpts_status *st);

#endif
