/* SPDX-License-Identifier: MIT */
/* Helpers shared by the kssh ULP tests (kmod_ulp_*.c), run inside the VM with the module loaded. */
#ifndef KSSH_KMOD_ULP_TEST_H
#define KSSH_KMOD_ULP_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/wait.h>
#include <pthread.h>
#include <time.h>
#include <openssl/rand.h>

#include "kssh/buf.h"
#include "kssh/err.h"
#include "kssh/kssh_ulp.h"
#include "kssh/packet.h"
#include "../unit/test.h"

/* A connected pair over loopback: *a is the client end, *b the accepted end. */
static inline int tcp_pair(int family, int *a, int *b)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int l = socket(family, SOCK_STREAM, 0);

	ss.ss_family = family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if (l < 0 || bind(l, (struct sockaddr *)&ss, len) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	*a = socket(family, SOCK_STREAM, 0);
	if (*a < 0 || connect(*a, (struct sockaddr *)&ss, len) != 0 || (*b = accept(l, NULL, NULL)) < 0)
		return -1;
	close(l);
	return 0;
}

static inline int set_ulp(int fd)
{
	return setsockopt(fd, IPPROTO_TCP, TCP_ULP, KSSH_ULP_NAME, sizeof(KSSH_ULP_NAME) - 1);
}

static inline struct kssh_ulp_crypto_info good_info(void)
{
	struct kssh_ulp_crypto_info i = { .version = KSSH_ULP_VERSION, .cipher = KSSH_ULP_AES128_GCM, .seqnr = 7 };

	memset(i.key, 0x42, sizeof(i.key));
	memset(i.iv, 0x24, sizeof(i.iv));
	return i;
}

/* The module's ciphers and the libkssh algorithms that are the same thing */
static inline int ulp_suite(uint16_t cipher, const char **name, const char **mac, uint16_t *mac_id)
{
	static const struct {
		uint16_t cipher, mac_id;
		const char *name, *mac;
	} suites[] = {
		{ KSSH_ULP_AES128_GCM, 0, "aes128-gcm@openssh.com", NULL },
		{ KSSH_ULP_AES256_GCM, 0, "aes256-gcm@openssh.com", NULL },
		{ KSSH_ULP_AES128_CTR, KSSH_ULP_HMAC_SHA2_256_ETM, "aes128-ctr", "hmac-sha2-256-etm@openssh.com" },
		{ KSSH_ULP_AES192_CTR, KSSH_ULP_HMAC_SHA2_256_ETM, "aes192-ctr", "hmac-sha2-256-etm@openssh.com" },
		{ KSSH_ULP_AES256_CTR, KSSH_ULP_HMAC_SHA2_512_ETM, "aes256-ctr", "hmac-sha2-512-etm@openssh.com" },
	};

	for (size_t k = 0; k < sizeof(suites) / sizeof(suites[0]); k++) {
		if (suites[k].cipher == cipher) {
			*name = suites[k].name;
			*mac = suites[k].mac;
			*mac_id = suites[k].mac_id;
			return 0;
		}
	}
	return -1;
}
#define ULP_ALL_CIPHERS { KSSH_ULP_AES128_GCM, KSSH_ULP_AES256_GCM, KSSH_ULP_AES128_CTR, KSSH_ULP_AES192_CTR, \
	                  KSSH_ULP_AES256_CTR }

/* Random keys for the module (*i) and libkssh's direction d of p, keyed alike */
static inline int ulp_keys(uint16_t cipher, struct kssh_ulp_crypto_info *i, struct kssh_packet *p,
                           enum kssh_direction d)
{
	const struct kssh_mac_alg *m = NULL;
	const char *name, *mac;
	uint16_t mac_id;

	if (ulp_suite(cipher, &name, &mac, &mac_id) != 0)
		return -1;
	*i = good_info();
	i->cipher = cipher;
	i->mac = mac_id;
	RAND_bytes(i->key, sizeof(i->key));
	memset(i->iv, 0, sizeof(i->iv));
	if (mac == NULL) {
		RAND_bytes(i->iv, sizeof(i->iv));
	} else {
		m = kssh_mac_by_name(mac);
		RAND_bytes(i->ctr, sizeof(i->ctr));
		RAND_bytes(i->mac_key, (int)m->key_len);
	}
	if (kssh_packet_set_keys(p, d, kssh_cipher_by_name(name), m, i->key, mac ? i->ctr : i->iv, i->mac_key,
	                         NULL, NULL) != 0)
		return -1;
	p->dir[d].seqnr = i->seqnr; /* the -etm MACs cover it */
	return 0;
}

static inline int install(int fd, const struct kssh_ulp_crypto_info *i, socklen_t len)
{
	return setsockopt(fd, SOL_KSSH, KSSH_ULP_TX, i, len);
}

/* setsockopt's result: 0, or -errno */
#define RESULT(call) ((call) == 0 ? 0 : -errno)

/* The receiving end: the next packet of the raw stream, opened by libkssh's own packet reader */
static inline int next_packet(int fd, struct kssh_packet *rx, uint8_t *type, struct kssh_buf *payload)
{
	uint8_t buf[65536];
	ssize_t n;
	int r;

	while ((r = kssh_packet_read(rx, type, payload)) == KSSH_ERR_AGAIN) {
		if ((n = read(fd, buf, sizeof(buf))) <= 0 || kssh_buf_put(&rx->input, buf, (size_t)n) != 0)
			return -1;
	}
	return r;
}

static inline short poll_now(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

#endif
