// SPDX-License-Identifier: MIT
/*
 * Loading, attaching and reading the LPTS programs. Maps are pinned by name
 * under lpts_pin_dir(): a second load (a daemon restart, a new configuration)
 * reuses them, so counters and registered flows survive; the tc filters keep
 * the programs alive after the loading process closes its skeleton. Our
 * filters carry a handle and priority of their own, so detaching never
 * touches anyone else's.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lpts.h"
#include "lpts_mark.skel.h"
#include "lpts_police.skel.h"

#define LPTS_TC_HANDLE 0x4b53
#define LPTS_TC_PRIORITY 0x4b53
#define BPF_FS_MAGIC_ 0xcafe4a11

static const char *const pinned_maps[] = {
	"lpts_config", "lpts_buckets", "lpts_stats", "lpts_known", "lpts_sources", "lpts_clients", "lpts_marked",
};

const char *lpts_pin_dir(void)
{
	const char *d = getenv("KSSH_LPTS_PIN_DIR");

	return d && *d == '/' ? d : LPTS_PIN_DIR;
}

static int fail(char *err, size_t errlen, const char *what, int e)
{
	snprintf(err, errlen, "%s: %s", what, strerror(e));
	return -1;
}

static int bpffs_ready(void)
{
	struct statfs fs;

	/* the default place is on /sys/fs/bpf, mounted here when it is not yet; another is the caller's to mount */
	if (strcmp(lpts_pin_dir(), LPTS_PIN_DIR) == 0 &&
	    (statfs("/sys/fs/bpf", &fs) != 0 || fs.f_type != BPF_FS_MAGIC_)) {
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") != 0)
			return -1;
	}
	if (mkdir(lpts_pin_dir(), 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

static void config_from_settings(const struct lpts_settings *s, struct lpts_config *c)
{
	static const uint32_t rate_default[LPTS_FLOW_TYPES] = { LPTS_DEFAULT_RATE_DEFAULT, LPTS_KNOWN_RATE_DEFAULT };

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < s->n_ports; i++)
		c->ports[i] = htons(s->ports[i]);
	c->police = (uint8_t)lpts_policing(s);
	for (int t = 0; t < LPTS_FLOW_TYPES && c->police; t++) {
		c->rate[t] = s->rate[t];
		if (c->rate[t].rate_pps == 0) /* policing on: an unconfigured flow type gets its default */
			c->rate[t] = (struct lpts_rate){ rate_default[t], LPTS_BURST_DEFAULT(rate_default[t]) };
	}
	c->per_source_pps = s->per_source_pps;
	c->per_source_burst = s->per_source_burst;
	c->dscp = s->dscp & 63;
	c->mark = 1;
}

static int tc_attach(int ifindex, enum bpf_tc_attach_point where, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LPTS_TC_HANDLE, .priority = LPTS_TC_PRIORITY,
	                    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int r = bpf_tc_hook_create(&hook);

	if (r != 0 && r != -EEXIST)
		return r;
	return bpf_tc_attach(&hook, &opts);
}

static void tc_detach(int ifindex, enum bpf_tc_attach_point where)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LPTS_TC_HANDLE, .priority = LPTS_TC_PRIORITY);

	bpf_tc_detach(&hook, &opts); /* ENOENT: not ours to begin with */
}

static int configured(const struct lpts_settings *s, const char *name)
{
	for (size_t i = 0; s != NULL && i < s->n_ifaces; i++)
		if (strcmp(s->ifaces[i], name) == 0)
			return 1;
	return 0;
}

/* Every interface of this network namespace that is not in s loses our filters */
static void detach_others(const struct lpts_settings *s)
{
	struct if_nameindex *all = if_nameindex();

	for (struct if_nameindex *i = all; i && i->if_index; i++) {
		if (configured(s, i->if_name))
			continue;
		tc_detach((int)i->if_index, BPF_TC_INGRESS);
		tc_detach((int)i->if_index, BPF_TC_EGRESS);
	}
	if (all)
		if_freenameindex(all);
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("KSSH_BPF_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int lpts_apply(const struct lpts_settings *s, char *err, size_t errlen)
{
	DECLARE_LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = lpts_pin_dir());
	struct lpts_police_bpf *police = NULL;
	struct lpts_mark_bpf *mark = NULL;
	struct lpts_config cfg;
	uint32_t zero = 0;
	int r = -1;

	libbpf_set_print(silent);
	if (bpffs_ready() != 0)
		return fail(err, errlen, lpts_pin_dir(), errno);
	if ((police = lpts_police_bpf__open_opts(&opts)) == NULL || lpts_police_bpf__load(police) != 0) {
		fail(err, errlen, "loading the LPTS policer", errno);
		goto out;
	}
	if ((mark = lpts_mark_bpf__open_opts(&opts)) == NULL || lpts_mark_bpf__load(mark) != 0) {
		fail(err, errlen, "loading the LPTS marker", errno);
		goto out;
	}
	config_from_settings(s, &cfg);
	if (bpf_map_update_elem(bpf_map__fd(police->maps.lpts_config), &zero, &cfg, BPF_ANY) != 0) {
		fail(err, errlen, "writing the LPTS configuration", errno);
		goto out;
	}
	for (size_t i = 0; i < s->n_ifaces; i++) {
		int ifindex = (int)if_nametoindex(s->ifaces[i]), e;

		if (ifindex == 0) {
			snprintf(err, errlen, "lpts interface %s: no such interface", s->ifaces[i]);
			goto out;
		}
		if ((e = tc_attach(ifindex, BPF_TC_INGRESS, bpf_program__fd(police->progs.lpts_police))) != 0 ||
		    (e = tc_attach(ifindex, BPF_TC_EGRESS, bpf_program__fd(mark->progs.lpts_mark))) != 0) {
			snprintf(err, errlen, "lpts interface %s: attaching: %s", s->ifaces[i], strerror(-e));
			goto out;
		}
	}
	detach_others(s);
	r = 0;
out:
	lpts_mark_bpf__destroy(mark);
	lpts_police_bpf__destroy(police);
	return r;
}

void lpts_detach_all(void)
{
	libbpf_set_print(silent);
	detach_others(NULL);
}

int lpts_remove(char *err, size_t errlen)
{
	char path[128];
	int r = 0;

	libbpf_set_print(silent);
	detach_others(NULL);
	for (size_t i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", lpts_pin_dir(), pinned_maps[i]);
		if (unlink(path) != 0 && errno != ENOENT)
			r = fail(err, errlen, path, errno);
	}
	if (rmdir(lpts_pin_dir()) != 0 && errno != ENOENT && r == 0)
		r = fail(err, errlen, lpts_pin_dir(), errno);
	return r;
}

static void addr16(const struct sockaddr *sa, uint8_t out[16], uint16_t *port)
{
	memset(out, 0, 16);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		out[10] = out[11] = 0xff;
		memcpy(out + 12, &in->sin_addr, 4);
		*port = in->sin_port;
	} else {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		memcpy(out, &in6->sin6_addr, 16);
		*port = in6->sin6_port;
	}
}

int lpts_flow_key_make(const struct sockaddr *src, const struct sockaddr *dst, struct lpts_flow_key *k)
{
	if ((src->sa_family != AF_INET && src->sa_family != AF_INET6) || src->sa_family != dst->sa_family)
		return -1;
	memset(k, 0, sizeof(*k));
	addr16(src, k->saddr, &k->sport);
	addr16(dst, k->daddr, &k->dport);
	return 0;
}

/* A pinned map, or -1 when the data plane is not loaded (nothing to register then) */
static int pinned(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", lpts_pin_dir(), name);
	return bpf_obj_get(path);
}

static int flow_update(const char *map, const struct sockaddr *src, const struct sockaddr *dst, int add,
                       const void *value)
{
	struct lpts_flow_key k;
	int fd, r;

	if (lpts_flow_key_make(src, dst, &k) != 0)
		return -1;
	if ((fd = pinned(map)) < 0)
		return errno == ENOENT ? 0 : -1;
	r = add ? bpf_map_update_elem(fd, &k, value, BPF_ANY) : bpf_map_delete_elem(fd, &k);
	if (r != 0 && !add && errno == ENOENT)
		r = 0;
	close(fd);
	return r;
}

int lpts_known_add(const struct sockaddr *peer, const struct sockaddr *local)
{
	struct lpts_known_value v = { 0 };
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	v.registered_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return flow_update("lpts_known", peer, local, 1, &v);
}

int lpts_known_del(const struct sockaddr *peer, const struct sockaddr *local)
{
	return flow_update("lpts_known", peer, local, 0, NULL);
}

int lpts_client_add(const struct sockaddr *local, const struct sockaddr *peer)
{
	uint64_t one = 1;

	return flow_update("lpts_clients", local, peer, 1, &one);
}

int lpts_client_del(const struct sockaddr *local, const struct sockaddr *peer)
{
	return flow_update("lpts_clients", local, peer, 0, NULL);
}

/* The sum over CPUs of a per-CPU array's slot */
static int percpu_sum(int fd, uint32_t key, size_t words, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;

	if (ncpu <= 0 || (v = calloc((size_t)ncpu, words * sizeof(uint64_t))) == NULL)
		return -1;
	if (bpf_map_lookup_elem(fd, &key, v) != 0) {
		free(v);
		return -1;
	}
	memset(out, 0, words * sizeof(uint64_t));
	for (int c = 0; c < ncpu; c++)
		for (size_t w = 0; w < words; w++)
			out[w] += v[(size_t)c * words + w];
	free(v);
	return 0;
}

static int read_known(struct lpts_status *st)
{
	struct lpts_flow_key cur, next;
	struct lpts_known_value v;
	int fd = pinned("lpts_known"), first = 1;

	if (fd < 0)
		return -1;
	while (st->n_known < LPTS_MAX_KNOWN && bpf_map_get_next_key(fd, first ? NULL : &cur, &next) == 0) {
		struct lpts_known_entry *e = &st->known[st->n_known];

		cur = next;
		first = 0;
		if (bpf_map_lookup_elem(fd, &cur, &v) != 0)
			continue; /* removed meanwhile */
		e->key = cur;
		e->c = v.c;
		e->registered_ns = v.registered_ns;
		st->n_known++;
	}
	close(fd);
	return 0;
}

int lpts_status_read(struct lpts_status *st)
{
	uint32_t zero = 0;
	int fd;

	memset(st, 0, sizeof(*st));
	if ((fd = pinned("lpts_config")) < 0)
		return errno == ENOENT ? 0 : -1;
	if (bpf_map_lookup_elem(fd, &zero, &st->cfg) != 0) {
		close(fd);
		return -1;
	}
	close(fd);
	st->loaded = 1;
	if ((fd = pinned("lpts_stats")) >= 0) {
		for (uint32_t t = 0; t < LPTS_FLOW_TYPES; t++)
			percpu_sum(fd, t, 4, (uint64_t *)&st->per_type[t]);
		close(fd);
	}
	if ((fd = pinned("lpts_marked")) >= 0) {
		percpu_sum(fd, 0, 1, &st->marked);
		close(fd);
	}
	if ((st->known = calloc(LPTS_MAX_KNOWN, sizeof(*st->known))) == NULL)
		return -1;
	return read_known(st);
}

void lpts_status_free(struct lpts_status *st)
{
	free(st->known);
	st->known = NULL;
}
