// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * LPTS policer, tc ingress: TCP packets to an SSH port are SSH-Known when the
 * daemon registered their flow after authentication, SSH-Default otherwise;
 * each flow type has a token bucket in packets per second (a GSO packet
 * counts as its segments), and default traffic optionally a bucket per
 * source address as well. Beyond the rate: TC_ACT_SHOT. Everything else
 * passes untouched.
 */
#include "lpts_parse.h"

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lpts_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lpts_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LPTS_FLOW_TYPES);
	__type(key, __u32);
	__type(value, struct lpts_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lpts_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LPTS_FLOW_TYPES);
	__type(key, __u32);
	__type(value, struct lpts_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lpts_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LPTS_MAX_KNOWN);
	__type(key, struct lpts_flow_key);
	__type(value, struct lpts_known_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lpts_known SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LPTS_MAX_SOURCES);
	__type(key, struct in6_addr);
	__type(value, struct lpts_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lpts_sources SEC(".maps");

static __always_inline int take(struct lpts_bucket *b, __u32 rate, __u32 burst, __u32 packets)
{
	__u64 now = bpf_ktime_get_ns();
	int ok;

	bpf_spin_lock(&b->lock);
	ok = lpts_bucket_take(&b->s, now, rate, burst, packets);
	bpf_spin_unlock(&b->lock);
	return ok;
}

/* A bucket per source for default traffic; a full table polices the newcomer by the shared bucket only */
static __always_inline int take_source(const struct lpts_config *cfg, const struct lpts_pkt *p,
                                       __u32 packets)
{
	struct lpts_bucket *b, fresh = {};
	struct in6_addr src;

	__builtin_memcpy(&src, p->key.saddr, sizeof(src));
	b = bpf_map_lookup_elem(&lpts_sources, &src);
	if (b == NULL) {
		bpf_map_update_elem(&lpts_sources, &src, &fresh, BPF_NOEXIST);
		if ((b = bpf_map_lookup_elem(&lpts_sources, &src)) == NULL)
			return 1;
	}
	return take(b, cfg->per_source_pps, cfg->per_source_burst, packets);
}

static __always_inline void count(struct lpts_counters *c, int ok, __u32 packets, __u32 bytes)
{
	if (ok) {
		c->accepted_packets += packets;
		c->accepted_bytes += bytes;
	} else {
		c->dropped_packets += packets;
		c->dropped_bytes += bytes;
	}
}

static __always_inline void count_known(struct lpts_known_value *f, int ok, __u32 packets, __u32 bytes)
{
	if (ok) {
		__sync_fetch_and_add(&f->c.accepted_packets, packets);
		__sync_fetch_and_add(&f->c.accepted_bytes, bytes);
	} else {
		__sync_fetch_and_add(&f->c.dropped_packets, packets);
		__sync_fetch_and_add(&f->c.dropped_bytes, bytes);
	}
}

SEC("tc")
int lpts_police(struct __sk_buff *skb)
{
	__u32 zero = 0, type, packets = skb->gso_segs ? skb->gso_segs : 1, bytes = skb->len;
	struct lpts_counters *stats;
	struct lpts_config *cfg;
	struct lpts_known_value *known;
	struct lpts_bucket *b;
	struct lpts_pkt p;
	int ok = 1;

	cfg = bpf_map_lookup_elem(&lpts_config, &zero);
	if (cfg == NULL || !cfg->police)
		return TC_ACT_OK;
	if (lpts_parse(skb, &p) != 0 || !lpts_is_ssh_port(cfg, p.key.dport))
		return TC_ACT_OK;
	known = bpf_map_lookup_elem(&lpts_known, &p.key);
	type = known ? LPTS_FLOW_KNOWN : LPTS_FLOW_DEFAULT;
	if (cfg->rate[type & 1].rate_pps != 0 && (b = bpf_map_lookup_elem(&lpts_buckets, &type)) != NULL)
		ok = take(b, cfg->rate[type & 1].rate_pps, cfg->rate[type & 1].burst, packets);
	if (ok && type == LPTS_FLOW_DEFAULT && cfg->per_source_pps != 0)
		ok = take_source(cfg, &p, packets);
	if ((stats = bpf_map_lookup_elem(&lpts_stats, &type)) != NULL)
		count(stats, ok, packets, bytes);
	if (known != NULL)
		count_known(known, ok, packets, bytes);
	return ok ? TC_ACT_OK : TC_ACT_SHOT;
}
