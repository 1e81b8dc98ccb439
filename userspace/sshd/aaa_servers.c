// SPDX-License-Identifier: MIT
/*
 * What every connection process learns of the AAA servers, shared: a table
 * in a memfd the listener makes and each connection's process maps (it is
 * passed across the re-exec; the pre-authentication and user processes
 * unmap it before they drop privileges), so that a
 * server one login found dead is skipped by the next for the configured
 * hold time ("radius-server deadtime", "tacacs-server deadtime", minutes),
 * and `show aaa servers` has the counts of all of them. Counters are atomic;
 * a lock guards only the making of a row.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "kssh/aaa.h"
#include "log.h"
#include "sshd.h"

#define ROWS 32

struct row {
	int used;
	char proto[8];
	char addr[64];
	unsigned port;
	uint64_t requests, accepts, rejects, challenges, answers, timeouts, errors, total_ms;
	int64_t dead_until; /* CLOCK_MONOTONIC seconds; 0: alive */
};

struct table {
	int lock;
	struct row rows[ROWS];
};

static struct table *table;
static int table_fd = -1;
static unsigned deadtime_radius, deadtime_tacacs; /* minutes, of the configuration in force here */

static int64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void on_report(const struct kssh_aaa_report *r);

int sshd_aaa_table_attach(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || st.st_size != (off_t)sizeof(*table))
		return -1;
	table = mmap(NULL, sizeof(*table), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (table == MAP_FAILED) {
		table = NULL;
		return -1;
	}
	kssh_aaa_set_observer(on_report);
	return 0;
}

int sshd_aaa_table_init(void)
{
	table_fd = memfd_create("ksshd-aaa", MFD_CLOEXEC);
	if (table_fd < 0 || ftruncate(table_fd, sizeof(*table)) != 0 || sshd_aaa_table_attach(table_fd) != 0) {
		if (table_fd >= 0)
			close(table_fd);
		table_fd = -1;
		return -1;
	}
	return 0;
}

int sshd_aaa_table_fd(void)
{
	return table_fd;
}

/* A process that must not write the table (the sandboxed one, the user's) lets it go */
void sshd_aaa_table_detach(void)
{
	kssh_aaa_set_observer(NULL);
	if (table != NULL)
		munmap(table, sizeof(*table));
	table = NULL;
	if (table_fd >= 0)
		close(table_fd);
	table_fd = -1;
}

void sshd_aaa_table_config(const struct sshd_options *o)
{
	deadtime_radius = o->aaa.radius_deadtime;
	deadtime_tacacs = o->aaa.tacacs_deadtime;
}

static struct row *find(const char *proto, const char *addr, unsigned port, int make)
{
	struct row *free_row = NULL, *found = NULL;

	if (table == NULL)
		return NULL;
	while (__atomic_test_and_set(&table->lock, __ATOMIC_ACQUIRE))
		;
	for (size_t i = 0; i < ROWS && found == NULL; i++) {
		struct row *w = &table->rows[i];

		if (!w->used && free_row == NULL)
			free_row = w;
		else if (w->used && w->port == port && strcmp(w->proto, proto) == 0 && strcmp(w->addr, addr) == 0)
			found = w;
	}
	if (found == NULL && make && free_row != NULL) {
		snprintf(free_row->proto, sizeof(free_row->proto), "%s", proto);
		snprintf(free_row->addr, sizeof(free_row->addr), "%s", addr);
		free_row->port = port;
		free_row->used = 1;
		found = free_row;
	}
	__atomic_clear(&table->lock, __ATOMIC_RELEASE);
	return found;
}

static void add(uint64_t *counter, uint64_t n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

/* The clients' observer: counts, and the dead/alive transitions with a log line each */
static void on_report(const struct kssh_aaa_report *r)
{
	struct row *w = find(r->proto, r->addr, r->port, 1);
	unsigned minutes = strcmp(r->proto, "radius") == 0 ? deadtime_radius : deadtime_tacacs;
	int64_t was;

	if (w == NULL)
		return;
	add(&w->requests, 1);
	if (r->event != KSSH_AAA_TIMEOUT)
		add(&w->total_ms, r->ms);
	add(r->event == KSSH_AAA_ACCEPT ? &w->accepts : r->event == KSSH_AAA_REJECT ? &w->rejects
	    : r->event == KSSH_AAA_CHALLENGE ? &w->challenges : r->event == KSSH_AAA_ANSWER ? &w->answers
	    : r->event == KSSH_AAA_TIMEOUT ? &w->timeouts : &w->errors, 1);
	if (r->event == KSSH_AAA_TIMEOUT) {
		was = __atomic_exchange_n(&w->dead_until, minutes ? now_s() + 60 * (int64_t)minutes : 0, __ATOMIC_RELAXED);
		if (minutes && was == 0)
			kssh_log(LOG_WARNING, "AAA: %s server %s port %u is dead (no answer); skipped for %u min", r->proto,
			         r->addr, r->port, minutes);
	} else if (r->event != KSSH_AAA_ERROR) {
		was = __atomic_exchange_n(&w->dead_until, 0, __ATOMIC_RELAXED);
		if (was != 0)
			kssh_log(LOG_NOTICE, "AAA: %s server %s port %u is alive", r->proto, r->addr, r->port);
	}
}

int sshd_aaa_dead(const char *proto, const char *addr, unsigned port)
{
	struct row *w = find(proto, addr, port, 0);
	int64_t until = w ? __atomic_load_n(&w->dead_until, __ATOMIC_RELAXED) : 0;

	return until != 0 && until > now_s();
}

static void show_row(FILE *out, int json, int first, const char *proto, const char *addr, unsigned port,
                     const char *extra)
{
	struct row none = { 0 }, *w = find(proto, addr, port, 0);
	int64_t until;
	uint64_t answered;
	const char *state;

	w = w ? w : &none;
	until = __atomic_load_n(&w->dead_until, __ATOMIC_RELAXED);
	state = until != 0 && until > now_s() ? "DEAD" : "UP";
	answered = w->requests - w->timeouts;
	if (json) {
		fprintf(out, "%s{\"protocol\":\"%s\",\"address\":\"%s\",\"port\":%u,\"state\":\"%s\",\"requests\":%llu,"
		        "\"accepts\":%llu,\"rejects\":%llu,\"challenges\":%llu,\"accounting\":%llu,\"timeouts\":%llu,"
		        "\"errors\":%llu,\"average_ms\":%llu}", first ? "" : ",", proto, addr, port,
		        state[0] == 'D' ? "dead" : "up", (unsigned long long)w->requests, (unsigned long long)w->accepts,
		        (unsigned long long)w->rejects, (unsigned long long)w->challenges, (unsigned long long)w->answers,
		        (unsigned long long)w->timeouts, (unsigned long long)w->errors,
		        (unsigned long long)(answered ? w->total_ms / answered : 0));
		return;
	}
	fprintf(out, "%-8s %-24s %5u %-5s %8llu %7llu %7llu %10llu %10llu %8llu %6llu %7llu%s\n", proto, addr, port,
	        state, (unsigned long long)w->requests, (unsigned long long)w->accepts, (unsigned long long)w->rejects,
	        (unsigned long long)w->challenges, (unsigned long long)w->answers, (unsigned long long)w->timeouts,
	        (unsigned long long)w->errors, (unsigned long long)(answered ? w->total_ms / answered : 0), extra);
}

/* show aaa servers [--json]: the configured servers, in order, with what this ksshd has seen of each */
void sshd_show_aaa_servers(const struct sshd_options *o, int json, FILE *out)
{
	const struct sshd_aaa *aaa = &o->aaa;
	int first = 1;

	if (json)
		fprintf(out, "{\"servers\":[");
	else
		fprintf(out, "%-8s %-24s %5s %-5s %8s %7s %7s %10s %10s %8s %6s %7s\n", "Protocol", "Server", "Port",
		        "State", "Requests", "Accepts", "Rejects", "Challenges", "Accounting", "Timeouts", "Errors",
		        "Avg ms");
	for (size_t i = 0; i < aaa->n_radius; i++, first = 0)
		show_row(out, json, first, "radius", aaa->radius[i].addr, aaa->radius[i].auth_port, "");
	for (size_t i = 0; i < aaa->n_tacacs; i++, first = 0)
		show_row(out, json, first, "tacacs+", aaa->tacacs[i].addr, aaa->tacacs[i].port,
		         aaa->tacacs[i].tls ? " tls" : "");
	fprintf(out, json ? "]}\n" : "");
}
