// SPDX-License-Identifier: MIT
/*
 * The LPTS programs under BPF_PROG_TEST_RUN with crafted packets: parsing
 * (IPv4 and IPv6, options, extension headers, fragments, short and malformed
 * headers), classification, the token buckets, and the DSCP rewrite with the
 * IPv4 checksum verified here independently. The maps are private to the
 * test (not pinned), so a running daemon's state is never touched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kssh/lpts.h"
#include "lpts_mark.skel.h"
#include "lpts_police.skel.h"
#include "../unit/test.h"
#include "lpts_packets.h"

#define SSH_PORT 22
#define TC_OK 0
#define TC_SHOT 2

static struct lpts_police_bpf *police;
static struct lpts_mark_bpf *mark;

static int unpin_all(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
		if (bpf_map__set_pin_path(m, NULL) != 0)
			return -1;
	return 0;
}

static int setup(void)
{
	if (police != NULL)
		return 0;
	if ((police = lpts_police_bpf__open()) == NULL || unpin_all(police->obj) != 0 ||
	    lpts_police_bpf__load(police) != 0)
		return -1;
	if ((mark = lpts_mark_bpf__open()) == NULL || unpin_all(mark->obj) != 0 ||
	    bpf_map__reuse_fd(mark->maps.lpts_config, bpf_map__fd(police->maps.lpts_config)) != 0 ||
	    lpts_mark_bpf__load(mark) != 0)
		return -1;
	return 0;
}

/* A fresh configuration and empty counters, buckets and flow tables */
static int configure(uint32_t default_pps, uint32_t default_burst, uint32_t known_pps, uint32_t known_burst)
{
	struct lpts_config c = { .police = 1, .mark = 1, .dscp = 16 };
	int ncpu = libbpf_num_possible_cpus();
	struct lpts_counters *zero_pc = calloc((size_t)ncpu, sizeof(*zero_pc));
	struct lpts_bucket empty = { 0 };
	struct lpts_flow_key k;
	uint32_t key = 0;
	int r = 0;

	if (setup() != 0 || zero_pc == NULL)
		return -1;
	c.ports[0] = htons(SSH_PORT);
	c.ports[3] = htons(5520);
	c.rate[LPTS_FLOW_DEFAULT] = (struct lpts_rate){ default_pps, default_burst };
	c.rate[LPTS_FLOW_KNOWN] = (struct lpts_rate){ known_pps, known_burst };
	r |= bpf_map_update_elem(bpf_map__fd(police->maps.lpts_config), &key, &c, BPF_ANY);
	for (key = 0; key < LPTS_FLOW_TYPES; key++) {
		r |= bpf_map_update_elem(bpf_map__fd(police->maps.lpts_stats), &key, zero_pc, BPF_ANY);
		r |= bpf_map_update_elem(bpf_map__fd(police->maps.lpts_buckets), &key, &empty, BPF_ANY);
	}
	while (bpf_map_get_next_key(bpf_map__fd(police->maps.lpts_known), NULL, &k) == 0)
		bpf_map_delete_elem(bpf_map__fd(police->maps.lpts_known), &k);
	while (bpf_map_get_next_key(bpf_map__fd(mark->maps.lpts_clients), NULL, &k) == 0)
		bpf_map_delete_elem(bpf_map__fd(mark->maps.lpts_clients), &k);
	{
		struct in6_addr a;

		while (bpf_map_get_next_key(bpf_map__fd(police->maps.lpts_sources), NULL, &a) == 0)
			bpf_map_delete_elem(bpf_map__fd(police->maps.lpts_sources), &a);
	}
	free(zero_pc);
	return r;
}

static struct lpts_config read_config(void)
{
	struct lpts_config c;
	uint32_t key = 0;

	bpf_map_lookup_elem(bpf_map__fd(police->maps.lpts_config), &key, &c);
	return c;
}

static void write_config(const struct lpts_config *c)
{
	uint32_t key = 0;

	bpf_map_update_elem(bpf_map__fd(police->maps.lpts_config), &key, c, BPF_ANY);
}

static struct lpts_counters counters(uint32_t type)
{
	int ncpu = libbpf_num_possible_cpus();
	struct lpts_counters *v = calloc((size_t)ncpu, sizeof(*v)), sum = { 0 };

	if (v != NULL && bpf_map_lookup_elem(bpf_map__fd(police->maps.lpts_stats), &type, v) == 0)
		for (int i = 0; i < ncpu; i++) {
			sum.accepted_packets += v[i].accepted_packets;
			sum.accepted_bytes += v[i].accepted_bytes;
			sum.dropped_packets += v[i].dropped_packets;
			sum.dropped_bytes += v[i].dropped_bytes;
		}
	free(v);
	return sum;
}

static uint64_t seen(void)
{
	struct lpts_counters d = counters(LPTS_FLOW_DEFAULT), k = counters(LPTS_FLOW_KNOWN);

	return d.accepted_packets + d.dropped_packets + k.accepted_packets + k.dropped_packets;
}

/* Runs prog on pkt `repeat` times; the last return value, and the packet as the program left it */
static int run(int prog_fd, const void *pkt, size_t len, int repeat, void *out)
{
	uint8_t scratch[PKT_MAX + 64];
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (uint32_t)len,
	                    .data_out = out ? out : scratch, .data_size_out = sizeof(scratch),
	                    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &o) != 0)
		return -errno;
	return (int)o.retval;
}

/*
 * BPF_PROG_TEST_RUN itself refuses (EINVAL) an IPv4 or IPv6 frame shorter
 * than its network header, before the program runs; every longer cut runs.
 */
static int refused_by_test_run(const uint8_t *pkt, size_t len)
{
	uint16_t proto = (uint16_t)(pkt[12] << 8 | pkt[13]);

	return (proto == ETH_P_IP && len < ETH_HLEN + 20) || (proto == ETH_P_IPV6 && len < ETH_HLEN + 40);
}

static int run_police(const void *pkt, size_t len)
{
	return run(bpf_program__fd(police->progs.lpts_police), pkt, len, 1, NULL);
}

#define V4_IN { .src = "192.0.2.10", .dst = "192.0.2.1", .sport = 40000, .dport = SSH_PORT }
#define V6_IN { .v6 = 1, .src = "2001:db8::10", .dst = "2001:db8::1", .sport = 40000, .dport = SSH_PORT }

/* ---- parsing and classification ---- */

TEST(ipv4_to_the_ssh_port_is_default_and_counted_with_its_bytes)
{
	struct pkt_spec s = V4_IN;
	uint8_t p[PKT_MAX];
	size_t len = build(&s, p);

	ASSERT(configure(1000, 1000, 1000, 1000) == 0);
	EXPECT_EQ(run_police(p, len), TC_OK);
	EXPECT_EQ(counters(LPTS_FLOW_DEFAULT).accepted_packets, 1);
	EXPECT_EQ(counters(LPTS_FLOW_DEFAULT).accepted_bytes, len);
	EXPECT_EQ(counters(LPTS_FLOW_KNOWN).accepted_packets, 0);
}

TEST(every_configured_port_is_policed_and_no_other)
{
	struct pkt_spec s = V4_IN;
	uint8_t p[PKT_MAX];

	ASSERT(configure(1000, 1000, 1000, 1000) == 0);
	s.dport = 5520;
	EXPECT_EQ(run_police(p, build(&s, p)), TC_OK);
	EXPECT_EQ(seen(), 1);
	s.dport = 23;
	run_police(p, build(&s, p));
	s.dport = 0;
	run_police(p, build(&s, p));
	s.sport = SSH_PORT, s.dport = 40000; /* our own replies' direction */
	run_police(p, build(&s, p));
	EXPECT_EQ(seen(), 1);
}

TEST(udp_and_other_protocols_are_not_ssh)
{
	struct pkt_spec s = V4_IN;
	uint8_t p[PKT_MAX];

	ASSERT(configure(1, 1, 1, 1) == 0);
	s.proto = 17;
	for (int i = 0; i < 5; i++)
		EXPECT_EQ(run_police(p, build(&s, p)), TC_OK);
	s.v6 = 1, s.src = "2001:db8::10", s.dst = "2001:db8::1";
	EXPECT_EQ(run_police(p, build(&s, p)), TC_OK);
	EXPECT_EQ(seen(), 0);
}

TEST(ip_and_tcp_options_are_skipped)
{
	struct pkt_spec s = V4_IN;
	uint8_t p[PKT_MAX];

	ASSERT(configure(1000, 1000, 1000, 1000) == 0);
	s.ip_opt_words = 10; /* the largest IPv4 header, 60 bytes */
	s.tcp_opt_words = 10;
	EXPECT_EQ(run_police(p, build(&s, p)), TC_OK);
	EXPECT_EQ(counters(LPTS_FLOW_DEFAULT).accepted_packets, 1);
}

TEST(ipv4_fragments_only_the_first_carries_ports)
{
	struct pkt_spec s = V4_IN;
	uint8_t p[PKT_MAX];

	ASSERT(configure(1000, 1000, 1000, 1000) == 0);
	s.frag = 0x2000; /* MF, offset 0: the first fragment */
	run_police(p, build(&s, p));
	EXPECT_EQ(seen(), 1);
	s.frag = 0x2000 | 185; /* a later fragment: its bytes are not a TCP header */
	EXPECT_EQ(run_police(p, build(&s, p)), TC_OK);
	s.frag = 3;
	run_police(p, build(&s, p));
	EXPECT_EQ(seen(), 1);
}

TEST(short_packets_are_never_classified)
{
	struct pkt_spec s4 = V4_IN, s6 = V6_IN;
	uint8_t p[PKT_MAX];
	size_t full;

	ASSERT(configure(1, 1, 1, 1) == 0);
	full = build(&s4, p);
	/* cut anywhere before the end of the TCP header: passes untouched, never read past the end */
	for (size_t len = ETH_HLEN; len < full - 10; len++)
		EXPECT(run_police(p, len) == (refused_by_test_run(p, len) ? -EINVAL : TC_OK));
	full = build(&s6, p);
	for (size_t len = ETH_HLEN; len < full - 10; len++)
		EXPECT(run_police(p, len) == (refused_by_test_run(p, len) ? -EINVAL : TC_OK));
	EXPECT_EQ(seen(), 0);
	/* exactly the headers and no payload is a whole segment */
	run_police(p, full - 10);
	EXPECT_EQ(seen(), 1);
}

TEST(malformed_headers_are_not_classified)
{
	struct pkt_spec s = V4_IN;
	uint8_t p[PKT_MAX];
	size_t len;

	ASSERT(configure(1, 1, 1, 1) == 0);
	len = build(&s, p);
	p[ETH_HLEN] = 0x44; /* IHL 4: shorter than an IPv4 header */
	EXPECT_EQ(run_police(p, len), TC_OK);
	len = build(&s, p);
	p[ETH_HLEN] = 0x65; /* version 6 in an IPv4 frame */
	EXPECT_EQ(run_police(p, len), TC_OK);
	len = build(&s, p);
	p[ETH_HLEN] = 0x4f; /* IHL 15: the TCP header would start past the packet's end */
	EXPECT_EQ(run_police(p, len), TC_OK);
	len = build(&s, p);
	p[ETH_HLEN + 20 + 12] = 0x40; /* TCP data offset 4 */
	EXPECT_EQ(run_police(p, len), TC_OK);
	EXPECT_EQ(seen(), 0);
}

TEST(ipv6_with_extension_headers)
{
	/* hop-by-hop (8 bytes) then destination options (8 bytes) then TCP */
	static const uint8_t two_ext[] = { 60, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0 };
	/* a first fragment (offset 0, M set) and a later one */
	static const uint8_t frag_first[] = { 6, 0, 0x00, 0x01, 0, 0, 0, 1 };
	static const uint8_t frag_later[] = { 6, 0, 0x05, 0x01, 0, 0, 0, 1 };
	struct pkt_spec s = V6_IN;
	uint8_t p[PKT_MAX], five[40];

	ASSERT(configure(1000, 1000, 1000, 1000) == 0);
	EXPECT_EQ(run_police(p, build(&s, p)), TC_OK);
	EXPECT_EQ(seen(), 1);
	s.ext = two_ext, s.ext_len = sizeof(two_ext), s.ext_first = 0;
	run_police(p, build(&s, p));
	EXPECT_EQ(seen(), 2);
	s.ext = frag_first, s.ext_len = sizeof(frag_first), s.ext_first = 44;
	run_police(p, build(&s, p));
	EXPECT_EQ(seen(), 3);
	s.ext = frag_later;
	run_police(p, build(&s, p));
	EXPECT_EQ(seen(), 3);
	/* more extension headers than the parser walks: not classified, and still passed */
	for (int i = 0; i < 5; i++) {
		uint8_t h[8] = { (uint8_t)(i == 4 ? 6 : 60), 0, 1, 4, 0, 0, 0, 0 };

		memcpy(five + i * 8, h, 8);
	}
	s.ext = five, s.ext_len = sizeof(five), s.ext_first = 0;
	EXPECT_EQ(run_police(p, build(&s, p)), TC_OK);
	EXPECT_EQ(seen(), 3);
}

static void register_known(const struct pkt_spec *s)
{
	struct lpts_known_value v = { 0 };
	struct lpts_flow_key k = { 0 };

	if (s->v6) {
		inet_pton(AF_INET6, s->src, k.saddr);
		inet_pton(AF_INET6, s->dst, k.daddr);
	} else {
		k.saddr[10] = k.saddr[11] = k.daddr[10] = k.daddr[11] = 0xff;
		inet_pton(AF_INET, s->src, k.saddr + 12);
		inet_pton(AF_INET, s->dst, k.daddr + 12);
	}
	k.sport = htons(s->sport);
	k.dport = htons(s->dport);
	bpf_map_update_elem(bpf_map__fd(police->maps.lpts_known), &k, &v, BPF_ANY);
}

static struct lpts_known_value known_value(const struct pkt_spec *s)
{
	struct lpts_known_value v = { 0 };
	struct lpts_flow_key k = { 0 };

	k.saddr[10] = k.saddr[11] = k.daddr[10] = k.daddr[11] = 0xff;
	inet_pton(AF_INET, s->src, k.saddr + 12);
	inet_pton(AF_INET, s->dst, k.daddr + 12);
	k.sport = htons(s->sport);
	k.dport = htons(s->dport);
	bpf_map_lookup_elem(bpf_map__fd(police->maps.lpts_known), &k, &v);
	return v;
}

TEST(a_registered_flow_is_known_with_its_own_counters)
{
	struct pkt_spec s = V4_IN, other = V4_IN, s6 = V6_IN;
	uint8_t p[PKT_MAX];
	size_t len;

	ASSERT(configure(1000, 1000, 1000, 1000) == 0);
	register_known(&s);
	register_known(&s6);
	len = build(&s, p);
	for (int i = 0; i < 3; i++)
		run_police(p, len);
	other.sport = 40001; /* same peer, another connection */
	run_police(p, build(&other, p));
	run_police(p, build(&s6, p));
	EXPECT_EQ(counters(LPTS_FLOW_KNOWN).accepted_packets, 4);
	EXPECT_EQ(counters(LPTS_FLOW_DEFAULT).accepted_packets, 1);
	EXPECT_EQ(known_value(&s).c.accepted_packets, 3);
	EXPECT_EQ(known_value(&s).c.accepted_bytes, 3 * len);
}

/* ---- policing ---- */

TEST(default_beyond_the_burst_is_dropped)
{
	struct pkt_spec s = V4_IN;
	uint8_t p[PKT_MAX];
	size_t len = build(&s, p);

	ASSERT(configure(1, 3, 1000, 1000) == 0);
	/* 100 packets in well under a second at 1 pps with burst 3 */
	run(bpf_program__fd(police->progs.lpts_police), p, len, 100, NULL);
	EXPECT_EQ(counters(LPTS_FLOW_DEFAULT).accepted_packets, 3);
	EXPECT_EQ(counters(LPTS_FLOW_DEFAULT).dropped_packets, 97);
	EXPECT_EQ(counters(LPTS_FLOW_DEFAULT).dropped_bytes, 97 * len);
	EXPECT_EQ(run_police(p, len), TC_SHOT);
}

TEST(a_known_flow_passes_while_default_is_exhausted)
{
	struct pkt_spec s = V4_IN, flood = V4_IN;
	uint8_t p[PKT_MAX];

	ASSERT(configure(1, 2, 1000, 1000) == 0);
	register_known(&s);
	flood.src = "198.51.100.7";
	run(bpf_program__fd(police->progs.lpts_police), p, build(&flood, p), 50, NULL);
	EXPECT_EQ(run_police(p, build(&flood, p)), TC_SHOT);
	EXPECT_EQ(run_police(p, build(&s, p)), TC_OK);
	EXPECT_EQ(counters(LPTS_FLOW_KNOWN).accepted_packets, 1);
	EXPECT_EQ(counters(LPTS_FLOW_DEFAULT).accepted_packets, 2);
}

TEST(known_has_its_own_rate)
{
	struct pkt_spec s = V4_IN;
	uint8_t p[PKT_MAX];

	ASSERT(configure(1000, 1000, 1, 5) == 0);
	register_known(&s);
	run(bpf_program__fd(police->progs.lpts_police), p, build(&s, p), 20, NULL);
	EXPECT_EQ(counters(LPTS_FLOW_KNOWN).accepted_packets, 5);
	EXPECT_EQ(counters(LPTS_FLOW_KNOWN).dropped_packets, 15);
	EXPECT_EQ(known_value(&s).c.dropped_packets, 15);
}

TEST(per_source_buckets_separate_sources)
{
	struct pkt_spec a = V4_IN, b = V4_IN;
	struct lpts_config c;
	uint8_t p[PKT_MAX];

	ASSERT(configure(1000, 1000, 1000, 1000) == 0);
	c = read_config();
	c.per_source_pps = 1, c.per_source_burst = 2;
	write_config(&c);
	b.src = "192.0.2.99";
	run(bpf_program__fd(police->progs.lpts_police), p, build(&a, p), 10, NULL);
	run(bpf_program__fd(police->progs.lpts_police), p, build(&b, p), 10, NULL);
	EXPECT_EQ(counters(LPTS_FLOW_DEFAULT).accepted_packets, 4);
	EXPECT_EQ(counters(LPTS_FLOW_DEFAULT).dropped_packets, 16);
}

struct cpu_run {
	int cpu, prog_fd, result;
	const uint8_t *pkt;
	size_t len;
};

static void *run_on_cpu(void *arg)
{
	struct cpu_run *c = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(c->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	c->result = run(c->prog_fd, c->pkt, c->len, 20000, NULL);
	return NULL;
}

/* Two CPUs police into one bucket at once: the lock keeps it exact, the per-CPU counters add up */
TEST(two_cpus_at_once_share_one_bucket_exactly)
{
	struct pkt_spec s = V4_IN;
	uint8_t p[PKT_MAX];
	size_t len = build(&s, p);
	struct cpu_run runs[2];
	pthread_t th[2];
	struct lpts_counters c;
	time_t t0 = time(NULL);
	uint64_t refills;

	ASSERT(libbpf_num_possible_cpus() >= 2);
	ASSERT(configure(1, 1000, 1000, 1000) == 0);
	for (int i = 0; i < 2; i++) {
		runs[i] = (struct cpu_run){ .cpu = i, .prog_fd = bpf_program__fd(police->progs.lpts_police), .pkt = p,
		                            .len = len };
		ASSERT(pthread_create(&th[i], NULL, run_on_cpu, &runs[i]) == 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	refills = (uint64_t)(time(NULL) - t0) + 1; /* 1 pps: at most one token per second that passed */
	c = counters(LPTS_FLOW_DEFAULT);
	EXPECT(runs[0].result >= 0 && runs[1].result >= 0);
	EXPECT_EQ(c.accepted_packets + c.dropped_packets, 40000);
	EXPECT(c.accepted_packets >= 1000 && c.accepted_packets <= 1000 + refills);
}

TEST(policing_off_passes_everything_uncounted)
{
	struct pkt_spec s = V4_IN;
	struct lpts_config c;
	uint8_t p[PKT_MAX];

	ASSERT(configure(1, 1, 1, 1) == 0);
	c = read_config();
	c.police = 0;
	write_config(&c);
	run(bpf_program__fd(police->progs.lpts_police), p, build(&s, p), 50, NULL);
	EXPECT_EQ(run_police(p, build(&s, p)), TC_OK);
	EXPECT_EQ(seen(), 0);
}

TEST(random_bytes_never_fail_the_program)
{
	uint8_t p[PKT_MAX];

	ASSERT(configure(1000, 1000, 1000, 1000) == 0);
	srand(7);
	for (int i = 0; i < 2000; i++) {
		size_t len = ETH_HLEN + (size_t)rand() % (PKT_MAX - ETH_HLEN);
		int r;

		for (size_t j = 0; j < len; j++)
			p[j] = (uint8_t)rand();
		if (i % 2) /* make the frame IPv4 or IPv6 half of the time */
			p[12] = i % 4 == 1 ? 0x08 : 0x86, p[13] = i % 4 == 1 ? 0x00 : 0xdd;
		r = run_police(p, len);
		EXPECT(r == TC_OK || r == TC_SHOT || (r == -EINVAL && refused_by_test_run(p, len)));
		r = run(bpf_program__fd(mark->progs.lpts_mark), p, len, 1, NULL);
		EXPECT(r == TC_OK || (r == -EINVAL && refused_by_test_run(p, len)));
	}
}

/* ---- marking ---- */

static int run_mark(const void *pkt, size_t len, uint8_t *out)
{
	return run(bpf_program__fd(mark->progs.lpts_mark), pkt, len, 1, out);
}

TEST(ipv4_from_the_ssh_port_gets_the_dscp_with_ecn_and_a_valid_checksum)
{
	struct pkt_spec s = { .src = "192.0.2.1", .dst = "192.0.2.10", .sport = SSH_PORT, .dport = 40000,
	                      .tos = 0x03, .ip_opt_words = 2 };
	uint8_t p[PKT_MAX], out[PKT_MAX + 64];
	size_t len = build(&s, p);
	struct iphdr ip;

	ASSERT(configure(1000, 1000, 1000, 1000) == 0);
	EXPECT_EQ(run_mark(p, len, out), TC_OK);
	memcpy(&ip, out + ETH_HLEN, sizeof(ip));
	EXPECT_EQ(ip.tos, (16 << 2) | 0x03);
	EXPECT_EQ(ip_checksum(out + ETH_HLEN, ip.ihl * 4), 0); /* a header with a right checksum sums to zero */
	EXPECT(memcmp(out + ETH_HLEN + 12, p + ETH_HLEN + 12, len - ETH_HLEN - 12) == 0);
}

TEST(every_dscp_value_keeps_the_checksum_right)
{
	struct pkt_spec s = { .src = "10.1.2.3", .dst = "10.9.8.7", .sport = SSH_PORT, .dport = 50123, .tos = 0x02 };
	uint8_t p[PKT_MAX], out[PKT_MAX + 64];
	size_t len = build(&s, p);
	struct iphdr ip;
	struct lpts_config c;

	ASSERT(configure(1000, 1000, 1000, 1000) == 0);
	for (int d = 0; d < 64; d++) {
		c = read_config();
		c.dscp = (uint8_t)d;
		write_config(&c);
		run_mark(p, len, out);
		memcpy(&ip, out + ETH_HLEN, sizeof(ip));
		EXPECT_EQ(ip.tos, (d << 2) | 0x02);
		EXPECT_EQ(ip_checksum(out + ETH_HLEN, 20), 0);
	}
}

TEST(ipv6_traffic_class_is_set_and_the_flow_label_kept)
{
	struct pkt_spec s = { .v6 = 1, .src = "2001:db8::1", .dst = "2001:db8::10", .sport = SSH_PORT,
	                      .dport = 40000, .tos = 0x01, .flow_label = 0xabcde };
	uint8_t p[PKT_MAX], out[PKT_MAX + 64];
	size_t len = build(&s, p);
	uint32_t first;

	ASSERT(configure(1000, 1000, 1000, 1000) == 0);
	EXPECT_EQ(run_mark(p, len, out), TC_OK);
	memcpy(&first, out + ETH_HLEN, 4);
	first = ntohl(first);
	EXPECT_EQ(first >> 28, 6);
	EXPECT_EQ((first >> 20) & 0xff, (16 << 2) | 0x01);
	EXPECT_EQ(first & 0xfffff, 0xabcde);
	EXPECT(memcmp(out + ETH_HLEN + 4, p + ETH_HLEN + 4, len - ETH_HLEN - 4) == 0);
}

TEST(other_traffic_is_not_marked)
{
	struct pkt_spec s = { .src = "192.0.2.1", .dst = "192.0.2.10", .sport = 8080, .dport = SSH_PORT };
	uint8_t p[PKT_MAX], out[PKT_MAX + 64];
	size_t len = build(&s, p);

	ASSERT(configure(1000, 1000, 1000, 1000) == 0);
	EXPECT_EQ(run_mark(p, len, out), TC_OK);
	EXPECT(memcmp(out, p, len) == 0);
}

TEST(a_registered_client_flow_is_marked)
{
	struct pkt_spec s = { .src = "192.0.2.1", .dst = "192.0.2.50", .sport = 41000, .dport = 5522 };
	uint8_t p[PKT_MAX], out[PKT_MAX + 64];
	size_t len = build(&s, p);
	struct lpts_flow_key k = { 0 };
	uint64_t one = 1;

	ASSERT(configure(1000, 1000, 1000, 1000) == 0);
	run_mark(p, len, out);
	EXPECT(memcmp(out, p, len) == 0);
	k.saddr[10] = k.saddr[11] = k.daddr[10] = k.daddr[11] = 0xff;
	inet_pton(AF_INET, s.src, k.saddr + 12);
	inet_pton(AF_INET, s.dst, k.daddr + 12);
	k.sport = htons(s.sport);
	k.dport = htons(s.dport);
	ASSERT(bpf_map_update_elem(bpf_map__fd(mark->maps.lpts_clients), &k, &one, BPF_ANY) == 0);
	run_mark(p, len, out);
	EXPECT_EQ(out[ETH_HLEN + 1], 16 << 2); /* the TOS byte */
	EXPECT_EQ(ip_checksum(out + ETH_HLEN, 20), 0);
}

TEST(marking_off_changes_nothing)
{
	struct pkt_spec s = { .src = "192.0.2.1", .dst = "192.0.2.10", .sport = SSH_PORT, .dport = 40000 };
	uint8_t p[PKT_MAX], out[PKT_MAX + 64];
	size_t len = build(&s, p);
	struct lpts_config c;

	ASSERT(configure(1000, 1000, 1000, 1000) == 0);
	c = read_config();
	c.mark = 0;
	write_config(&c);
	run_mark(p, len, out);
	EXPECT(memcmp(out, p, len) == 0);
}

TEST_MAIN()
