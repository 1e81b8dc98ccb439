/* SPDX-License-Identifier: MIT */
/*
 * Packet parsing shared by the LPTS programs: Ethernet, IPv4 or IPv6 (with
 * a bounded walk over extension headers), TCP. Every access is checked
 * against data_end; anything short, malformed, non-TCP or a non-first
 * fragment (which carries no ports) is "not ours" and passes untouched.
 */
#ifndef KSSH_LPTS_PARSE_H
#define KSSH_LPTS_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "kssh/lpts.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP_ 6
#define IP_MF_OFFSET 0x3fff /* more-fragments flag and offset */
#define IP_OFFSET 0x1fff
#define LPTS_IPV6_EXT_MAX 4
#define LPTS_PULL_MAX 256

struct lpts_pkt {
	struct lpts_flow_key key;
	__u32 l3_off;
	__u8 ipv6;
};

static __always_inline int lpts_parse_ipv6_ext(void *data, void *data_end, __u32 *off, __u8 *next)
{
	for (int i = 0; i < LPTS_IPV6_EXT_MAX; i++) {
		__u8 *h = data + *off;

		switch (*next) {
		case IPPROTO_TCP_:
			return 0;
		case 0:  /* hop-by-hop */
		case 43: /* routing */
		case 60: /* destination options */
			if ((void *)(h + 2) > data_end)
				return -1;
			*next = h[0];
			*off += ((__u32)h[1] + 1) * 8;
			break;
		case 44: { /* fragment: only the first carries the TCP header */
			struct frag_hdr *f = (void *)h;

			if ((void *)(f + 1) > data_end)
				return -1;
			if (f->frag_off & bpf_htons(0xfff8))
				return -1;
			*next = f->nexthdr;
			*off += sizeof(*f);
			break;
		}
		case 51: /* authentication header */
			if ((void *)(h + 2) > data_end)
				return -1;
			*next = h[0];
			*off += ((__u32)h[1] + 2) * 4;
			break;
		default:
			return -1;
		}
		if (*off > LPTS_PULL_MAX)
			return -1;
	}
	return *next == IPPROTO_TCP_ ? 0 : -1;
}

/* 0 with p filled for a TCP segment that carries its ports; -1 for anything else */
static __always_inline int lpts_parse(struct __sk_buff *skb, struct lpts_pkt *p)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct tcphdr *tcp;
	__u32 off;

	/* headers beyond the linear part (a GSO skb, a small linear area) are pulled in once */
	if (data + LPTS_PULL_MAX > data_end && skb->len > (__u32)(data_end - data)) {
		bpf_skb_pull_data(skb, skb->len < LPTS_PULL_MAX ? skb->len : LPTS_PULL_MAX);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		eth = data;
	}
	if ((void *)(eth + 1) > data_end)
		return -1;
	off = sizeof(*eth);
	p->l3_off = off;
	__builtin_memset(&p->key, 0, sizeof(p->key));
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + off;

		if ((void *)(ip + 1) > data_end || ip->version != 4 || ip->ihl < 5)
			return -1;
		if (ip->protocol != IPPROTO_TCP_ || (ip->frag_off & bpf_htons(IP_OFFSET)))
			return -1;
		p->ipv6 = 0;
		p->key.saddr[10] = p->key.saddr[11] = 0xff;
		p->key.daddr[10] = p->key.daddr[11] = 0xff;
		__builtin_memcpy(&p->key.saddr[12], &ip->saddr, 4);
		__builtin_memcpy(&p->key.daddr[12], &ip->daddr, 4);
		off += (__u32)ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;
		__u8 next;

		if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
			return -1;
		p->ipv6 = 1;
		__builtin_memcpy(p->key.saddr, &ip6->saddr, 16);
		__builtin_memcpy(p->key.daddr, &ip6->daddr, 16);
		next = ip6->nexthdr;
		off += sizeof(*ip6);
		if (lpts_parse_ipv6_ext(data, data_end, &off, &next) != 0)
			return -1;
	} else {
		return -1;
	}
	if (off > LPTS_PULL_MAX)
		return -1;
	tcp = data + off;
	if ((void *)(tcp + 1) > data_end || tcp->doff < 5)
		return -1;
	p->key.sport = tcp->source;
	p->key.dport = tcp->dest;
	return 0;
}

static __always_inline int lpts_is_ssh_port(const struct lpts_config *cfg, __u16 port)
{
	if (port == 0)
		return 0;
	for (int i = 0; i < LPTS_MAX_PORTS; i++)
		if (cfg->ports[i] == port)
			return 1;
	return 0;
}

#endif
