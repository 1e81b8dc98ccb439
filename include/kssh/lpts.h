/* SPDX-License-Identifier: MIT */
/*
 * LPTS data plane: the map layouts shared by bpf/lpts_police.bpf.c,
 * bpf/lpts_mark.bpf.c and userspace (userspace/dataplane), and the token
 * bucket both sides compute. Fixed-width types only: the same bytes are read
 * by the BPF programs and by 64-bit userspace.
 *
 * Flow types follow the spec's LPTS "SSH-Known" and "SSH-Default": a known
 * flow is a TCP connection the daemon registered after it authenticated;
 * everything else to an SSH port is default.
 */
#ifndef KSSH_LPTS_H
#define KSSH_LPTS_H

#ifdef __bpf__
#include "vmlinux.h"
typedef __u8 lpts_u8;
typedef __u16 lpts_u16;
typedef __u32 lpts_u32;
typedef __u64 lpts_u64;
#else
#include <linux/bpf.h>
#include <stdint.h>
typedef uint8_t lpts_u8;
typedef uint16_t lpts_u16;
typedef uint32_t lpts_u32;
typedef uint64_t lpts_u64;
#endif

#define LPTS_PIN_DIR "/sys/fs/bpf/kssh"
#define LPTS_MAX_PORTS 8
#define LPTS_MAX_KNOWN 4096      /* registered flows */
#define LPTS_MAX_SOURCES 16384   /* per-source buckets (LRU) */

enum lpts_flow_type { LPTS_FLOW_DEFAULT = 0, LPTS_FLOW_KNOWN = 1, LPTS_FLOW_TYPES = 2 };

/* Defaults when policing is configured: known as the spec's note gives; default a fifth of it */
#define LPTS_KNOWN_RATE_DEFAULT 300
#define LPTS_DEFAULT_RATE_DEFAULT 60
#define LPTS_BURST_DEFAULT(rate) ((rate) / 10 < 10 ? 10 : (rate) / 10)
#define LPTS_DSCP_DEFAULT 16

/* A TCP flow as ingress sees it: the peer is the source, our SSH socket the destination. Addresses
 * are 16 bytes: IPv4 as ::ffff:a.b.c.d. Ports in network byte order, as on the wire. */
struct lpts_flow_key {
	lpts_u8 saddr[16];
	lpts_u8 daddr[16];
	lpts_u16 sport;
	lpts_u16 dport;
	lpts_u32 pad;
};

struct lpts_counters {
	lpts_u64 accepted_packets, accepted_bytes;
	lpts_u64 dropped_packets, dropped_bytes;
};

/* lpts_known's value: a registered flow's counters (atomic adds from every CPU) */
struct lpts_known_value {
	struct lpts_counters c;
	lpts_u64 registered_ns; /* CLOCK_MONOTONIC, as bpf_ktime_get_ns */
};

/* Per flow type: the policer's rate and burst (rate 0: not policed) */
struct lpts_rate {
	lpts_u32 rate_pps;
	lpts_u32 burst;
};

/* array lpts_config[0] */
struct lpts_config {
	lpts_u16 ports[LPTS_MAX_PORTS]; /* network byte order; 0 = unused slot */
	struct lpts_rate rate[LPTS_FLOW_TYPES];
	lpts_u32 per_source_pps;        /* a bucket per source address for default traffic; 0: off */
	lpts_u32 per_source_burst;
	lpts_u8 dscp;                   /* egress: 0-63 */
	lpts_u8 mark;                   /* egress marking on */
	lpts_u8 police;                 /* ingress policing on */
	lpts_u8 pad[5];
};

/*
 * A token bucket in nano-packets (one packet = LPTS_NANO): refilled at
 * rate_pps per second of elapsed time, capped at burst packets. Pure
 * arithmetic over the caller's clock, so userspace tests drive it with
 * simulated time and the BPF program with bpf_ktime_get_ns().
 */
#define LPTS_NANO 1000000000ull
#define LPTS_RATE_MAX 10000000u /* pps: keeps elapsed * rate inside 64 bits */
#define LPTS_MAX_ELAPSED_NS (10 * LPTS_NANO) /* a bucket idle longer is simply full */

struct lpts_bucket_state {
	lpts_u64 tokens;  /* nano-packets */
	lpts_u64 last_ns; /* 0: never used, starts full */
};

/* Takes `packets` tokens when there are that many: 1 to accept, 0 to drop. rate_pps <= LPTS_RATE_MAX. */
static inline __attribute__((always_inline)) int
lpts_bucket_take(struct lpts_bucket_state *b, lpts_u64 now_ns, lpts_u32 rate_pps, lpts_u32 burst,
                 lpts_u32 packets)
{
	lpts_u64 cap = (lpts_u64)(burst ? burst : 1) * LPTS_NANO;
	lpts_u64 need = (lpts_u64)packets * LPTS_NANO;

	if (b->last_ns == 0 || (now_ns > b->last_ns && now_ns - b->last_ns >= LPTS_MAX_ELAPSED_NS)) {
		b->tokens = cap;
		b->last_ns = now_ns;
	} else if (now_ns > b->last_ns) {
		/* another CPU may have stamped a later time already: then there is nothing to add */
		b->tokens += (now_ns - b->last_ns) * rate_pps;
		if (b->tokens > cap)
			b->tokens = cap;
		b->last_ns = now_ns;
	}
	if (b->tokens < need)
		return 0;
	b->tokens -= need;
	return 1;
}

/* Map values holding a bucket: the lock makes take() atomic across CPUs */
struct lpts_bucket {
	struct bpf_spin_lock lock;
	lpts_u32 pad;
	struct lpts_bucket_state s;
};

#endif
