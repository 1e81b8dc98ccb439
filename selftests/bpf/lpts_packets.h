/* SPDX-License-Identifier: MIT */
/* Crafted Ethernet/IPv4/IPv6/TCP frames for the LPTS program tests and tools/lpts-prog-bench. */
#ifndef KSSH_LPTS_PACKETS_H
#define KSSH_LPTS_PACKETS_H

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <stdint.h>
#include <string.h>

#define PKT_MAX 512

struct pkt_spec {
	int v6;
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t proto;     /* 6: TCP */
	uint8_t tos;       /* IPv4 TOS / IPv6 traffic class */
	int ip_opt_words;  /* IPv4 options, 4-byte words */
	int tcp_opt_words; /* TCP options, 4-byte words */
	uint16_t frag;     /* IPv4 frag_off field, host order */
	const uint8_t *ext; size_t ext_len; uint8_t ext_first; /* IPv6 extension headers */
	uint32_t flow_label;
};

static inline uint16_t ip_checksum(const void *hdr, size_t len)
{
	const uint8_t *p = hdr;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Composed in an aligned scratch frame (the IP header 4-byte aligned, as NET_IP_ALIGN does), then copied out */
static inline size_t build(const struct pkt_spec *s, uint8_t *out)
{
	static union { uint8_t b[PKT_MAX + 2]; uint32_t align; } scratch;
	uint8_t *buf = scratch.b + 2;
	size_t len;

	struct ethhdr *eth = (void *)buf;
	size_t off = sizeof(*eth), l4;
	uint8_t *tcpb;
	struct tcphdr *tcp;

	memset(buf, 0, PKT_MAX);
	memcpy(eth->h_dest, "\x02\0\0\0\0\1", 6);
	memcpy(eth->h_source, "\x02\0\0\0\0\2", 6);
	if (!s->v6) {
		struct iphdr *ip = (void *)(buf + off);
		size_t ihl = 5 + (size_t)s->ip_opt_words;

		eth->h_proto = htons(ETH_P_IP);
		ip->version = 4;
		ip->ihl = (uint8_t)ihl;
		ip->tos = s->tos;
		ip->ttl = 64;
		ip->protocol = s->proto ? s->proto : 6;
		ip->frag_off = htons(s->frag);
		inet_pton(AF_INET, s->src, &ip->saddr);
		inet_pton(AF_INET, s->dst, &ip->daddr);
		memset(buf + off + 20, 1, (size_t)s->ip_opt_words * 4); /* NOP options */
		l4 = off + ihl * 4;
		ip->tot_len = htons((uint16_t)(ihl * 4 + 20 + (size_t)s->tcp_opt_words * 4 + 10));
		ip->check = 0;
		ip->check = htons(ip_checksum(ip, ihl * 4));
	} else {
		struct ipv6hdr *ip6 = (void *)(buf + off);
		uint32_t first = htonl(6u << 28 | (uint32_t)s->tos << 20 | (s->flow_label & 0xfffff));

		eth->h_proto = htons(ETH_P_IPV6);
		memcpy(ip6, &first, 4);
		ip6->nexthdr = s->ext_len ? s->ext_first : (s->proto ? s->proto : 6);
		ip6->hop_limit = 64;
		inet_pton(AF_INET6, s->src, &ip6->saddr);
		inet_pton(AF_INET6, s->dst, &ip6->daddr);
		if (s->ext_len)
			memcpy(buf + off + 40, s->ext, s->ext_len);
		l4 = off + 40 + s->ext_len;
		ip6->payload_len = htons((uint16_t)(s->ext_len + 20 + (size_t)s->tcp_opt_words * 4 + 10));
	}
	tcpb = buf + l4;
	tcp = (void *)tcpb;
	tcp->source = htons(s->sport);
	tcp->dest = htons(s->dport);
	tcp->doff = (uint16_t)(5 + s->tcp_opt_words);
	tcp->ack = 1;
	memset(tcpb + 20, 1, (size_t)s->tcp_opt_words * 4);
	len = l4 + 20 + (size_t)s->tcp_opt_words * 4 + 10; /* 10 bytes of payload */
	memcpy(out, buf, PKT_MAX);
	return len;
}

#endif
