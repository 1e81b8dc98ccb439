// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * LPTS marker, tc egress: packets of SSH flows (an SSH port as the source,
 * or a client flow the daemon registered) get the configured DSCP. The ECN
 * bits are kept; IPv4's header checksum is updated incrementally (RFC 1624)
 * by bpf_l3_csum_replace, IPv6 has none.
 */
#include "lpts_parse.h"

#define TC_ACT_OK 0

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lpts_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lpts_config SEC(".maps");

/* Client flows as egress sees them: our address and port as the source */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LPTS_MAX_KNOWN);
	__type(key, struct lpts_flow_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lpts_clients SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lpts_marked SEC(".maps");

static __always_inline int mark_ipv4(struct __sk_buff *skb, __u32 l3, __u8 dscp)
{
	__u16 old_word, new_word;
	__u8 bytes[2];

	if (bpf_skb_load_bytes(skb, l3, bytes, 2) != 0)
		return -1;
	__builtin_memcpy(&old_word, bytes, 2);
	bytes[1] = (__u8)(dscp << 2) | (bytes[1] & 3);
	__builtin_memcpy(&new_word, bytes, 2);
	if (old_word == new_word)
		return 0;
	if (bpf_l3_csum_replace(skb, l3 + offsetof(struct iphdr, check), old_word, new_word, 2) != 0)
		return -1;
	return bpf_skb_store_bytes(skb, l3, bytes, 2, 0);
}

/* version(4) | traffic class(8) | flow label(20): the class spans the first two bytes */
static __always_inline int mark_ipv6(struct __sk_buff *skb, __u32 l3, __u8 dscp)
{
	__u8 bytes[2], tclass;

	if (bpf_skb_load_bytes(skb, l3, bytes, 2) != 0)
		return -1;
	tclass = (__u8)((bytes[0] & 0x0f) << 4 | bytes[1] >> 4);
	tclass = (__u8)(dscp << 2) | (tclass & 3);
	bytes[0] = (bytes[0] & 0xf0) | (tclass >> 4);
	bytes[1] = (__u8)(tclass << 4) | (bytes[1] & 0x0f);
	return bpf_skb_store_bytes(skb, l3, bytes, 2, 0);
}

SEC("tc")
int lpts_mark(struct __sk_buff *skb)
{
	struct lpts_config *cfg;
	struct lpts_pkt p;
	__u32 zero = 0;
	__u64 *marked;
	__u8 dscp;
	int r;

	cfg = bpf_map_lookup_elem(&lpts_config, &zero);
	if (cfg == NULL || !cfg->mark)
		return TC_ACT_OK;
	if (lpts_parse(skb, &p) != 0)
		return TC_ACT_OK;
	if (!lpts_is_ssh_port(cfg, p.key.sport) && bpf_map_lookup_elem(&lpts_clients, &p.key) == NULL)
		return TC_ACT_OK;
	dscp = cfg->dscp & 63;
	r = p.ipv6 ? mark_ipv6(skb, p.l3_off, dscp) : mark_ipv4(skb, p.l3_off, dscp);
	if (r == 0 && (marked = bpf_map_lookup_elem(&lpts_marked, &zero)) != NULL)
		*marked += 1;
	return TC_ACT_OK;
}
