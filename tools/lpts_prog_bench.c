// SPDX-License-Identifier: MIT
/*
 * lpts-prog-bench: the cost per packet of the LPTS programs, measured with
 * BPF_PROG_TEST_RUN and `repeat` (the kernel reports the mean time of one run,
 * skb setup included). Baselines: an empty tc program under the same harness.
 * Private, unpinned maps: a running daemon is not touched.
 *   usage: lpts-prog-bench [repeat]
 */
#include <stdio.h>
#include <stdlib.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "kssh/lpts.h"
#include "lpts_mark.skel.h"
#include "lpts_packets.h"
#include "lpts_police.skel.h"

static int unpin_all(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
		if (bpf_map__set_pin_path(m, NULL) != 0)
			return -1;
	return 0;
}

/* "return TC_ACT_OK": what the harness costs by itself */
static int empty_prog(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "empty", "GPL", insns, 2, NULL);
}

static double ns_per_run(int fd, const void *pkt, size_t len, int repeat)
{
	uint8_t out[PKT_MAX + 64];
	double best = 1e18;

	for (int round = 0; round < 5; round++) {
		DECLARE_LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (uint32_t)len,
		                    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);

		if (bpf_prog_test_run_opts(fd, &o) != 0)
			return -1;
		if (o.duration < best)
			best = o.duration;
	}
	return best;
}

int main(int argc, char **argv)
{
	int repeat = argc > 1 ? atoi(argv[1]) : 1000000, empty = empty_prog();
	struct pkt_spec in = { .src = "192.0.2.10", .dst = "192.0.2.1", .sport = 40000, .dport = 22 };
	struct pkt_spec out = { .src = "192.0.2.1", .dst = "192.0.2.10", .sport = 22, .dport = 40000 };
	struct pkt_spec other = { .src = "192.0.2.10", .dst = "192.0.2.1", .sport = 40000, .dport = 80 };
	struct lpts_config cfg = { .police = 1, .mark = 1, .dscp = 16 };
	struct lpts_known_value kv = { 0 };
	struct lpts_police_bpf *p;
	struct lpts_mark_bpf *m;
	struct lpts_flow_key k = { 0 };
	uint8_t pin[PKT_MAX], pout[PKT_MAX], poth[PKT_MAX];
	size_t lin = build(&in, pin), lout = build(&out, pout), loth = build(&other, poth);
	uint32_t zero = 0;
	int police_fd, mark_fd;

	if (repeat <= 0 || empty < 0 || (p = lpts_police_bpf__open()) == NULL || unpin_all(p->obj) ||
	    lpts_police_bpf__load(p) || (m = lpts_mark_bpf__open()) == NULL || unpin_all(m->obj) ||
	    bpf_map__reuse_fd(m->maps.lpts_config, bpf_map__fd(p->maps.lpts_config)) || lpts_mark_bpf__load(m)) {
		fprintf(stderr, "lpts-prog-bench: cannot load the programs (root? BPF?)\n");
		return 1;
	}
	cfg.ports[0] = htons(22);
	/* rates far above what a run reaches: the bucket arithmetic runs, nothing is dropped */
	cfg.rate[LPTS_FLOW_DEFAULT] = (struct lpts_rate){ LPTS_RATE_MAX, LPTS_RATE_MAX };
	cfg.rate[LPTS_FLOW_KNOWN] = (struct lpts_rate){ LPTS_RATE_MAX, LPTS_RATE_MAX };
	bpf_map_update_elem(bpf_map__fd(p->maps.lpts_config), &zero, &cfg, BPF_ANY);
	police_fd = bpf_program__fd(p->progs.lpts_police);
	mark_fd = bpf_program__fd(m->progs.lpts_mark);
	printf("case,ns_per_packet\n");
	printf("empty tc program (harness baseline),%.1f\n", ns_per_run(empty, pin, lin, repeat));
	printf("police: other port (parse only),%.1f\n", ns_per_run(police_fd, poth, loth, repeat));
	printf("police: SSH-Default (bucket + counters),%.1f\n", ns_per_run(police_fd, pin, lin, repeat));
	k.saddr[10] = k.saddr[11] = k.daddr[10] = k.daddr[11] = 0xff;
	inet_pton(AF_INET, in.src, k.saddr + 12);
	inet_pton(AF_INET, in.dst, k.daddr + 12);
	k.sport = htons(in.sport);
	k.dport = htons(in.dport);
	bpf_map_update_elem(bpf_map__fd(p->maps.lpts_known), &k, &kv, BPF_ANY);
	printf("police: SSH-Known (hash + bucket + per-flow atomics),%.1f\n", ns_per_run(police_fd, pin, lin, repeat));
	printf("mark: other port (parse only),%.1f\n", ns_per_run(mark_fd, poth, loth, repeat));
	printf("mark: SSH reply (DSCP + checksum),%.1f\n", ns_per_run(mark_fd, pout, lout, repeat));
	lpts_mark_bpf__destroy(m);
	lpts_police_bpf__destroy(p);
	return 0;
}
