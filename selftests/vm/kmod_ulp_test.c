// SPDX-License-Identifier: MIT
/*
 * The kssh TCP ULP (kernel/) as userspace sees it, run inside the VM with
 * the module loaded: where it attaches, what it refuses and with which errno,
 * that keys go in and never come back out, that nothing leaves in plaintext
 * once keys are installed, and that ordinary TCP options still work.
 */
#include "kmod_ulp_test.h"

struct test_case test_cases[MAX_TESTS];
int test_count;

TEST(only_established_sockets_take_the_ulp)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	ASSERT(l >= 0 && u >= 0);
	EXPECT_EQ(RESULT(set_ulp(u)), -ENOTCONN);
	ASSERT(bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(l, 1) == 0);
	EXPECT_EQ(RESULT(set_ulp(l)), -ENOTCONN);
	close(l);
	close(u);
}

TEST(established_ipv4_and_ipv6_sockets_take_it_once)
{
	int families[] = { AF_INET, AF_INET6 };

	for (int f = 0; f < 2; f++) {
		int a, b;

		ASSERT(tcp_pair(families[f], &a, &b) == 0);
		EXPECT_EQ(RESULT(set_ulp(a)), 0);
		EXPECT_EQ(RESULT(set_ulp(a)), -EEXIST); /* the ULP framework: one per socket */
		close(a);
		close(b);
	}
}

TEST(bad_installs_are_refused_with_einval)
{
	struct kssh_ulp_crypto_info i;
	int a, b;

	ASSERT(tcp_pair(AF_INET, &a, &b) == 0);
	ASSERT(set_ulp(a) == 0);
	i = good_info();
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i) - 1)), -EINVAL);
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i) + 4)), -EINVAL);
	i.version = 2;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i = good_info();
	i.cipher = 99;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i = good_info();
	i.reserved = 1;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i = good_info();
	i.pad[3] = 1;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i = good_info();
	i.flags = 0x80;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i = good_info();
	i.reserved2 = 1;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i = good_info();
	i.reserved3 = 1;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	/* AES-GCM carries no MAC, counter block or MAC key */
	i = good_info();
	i.mac = KSSH_ULP_HMAC_SHA2_256_ETM;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i = good_info();
	i.ctr[15] = 1;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i = good_info();
	i.mac_key[0] = 1;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	/* AES-CTR needs an -etm MAC, no GCM IV, and nothing past its MAC key */
	i = good_info();
	memset(i.iv, 0, sizeof(i.iv));
	i.cipher = KSSH_ULP_AES128_CTR;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i.mac = 3;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i.mac = KSSH_ULP_HMAC_SHA2_256_ETM;
	i.mac_key[32] = 1;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i.mac_key[32] = 0;
	i.iv[0] = 1;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	EXPECT_EQ(RESULT(setsockopt(a, SOL_KSSH, KSSH_ULP_TX, NULL, sizeof(i))), -EFAULT);
	EXPECT_EQ(RESULT(setsockopt(a, SOL_KSSH, 77, &i, sizeof(i))), -ENOPROTOOPT);
	close(a);
	close(b);
}

TEST(keys_go_in_once_and_never_come_out)
{
	struct kssh_ulp_crypto_info i = good_info(), back;
	struct kssh_ulp_stats st;
	socklen_t len = sizeof(st), blen = sizeof(back);
	int a, b;

	ASSERT(tcp_pair(AF_INET6, &a, &b) == 0);
	ASSERT(set_ulp(a) == 0);
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), 0);
	i.cipher = KSSH_ULP_AES256_GCM;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EBUSY); /* a second install needs a rekey */
	EXPECT_EQ(RESULT(getsockopt(a, SOL_KSSH, KSSH_ULP_STATS, &st, &len)), 0);
	EXPECT_EQ(st.tx_cipher, KSSH_ULP_AES128_GCM);
	EXPECT_EQ(st.tx_seqnr, 7u);
	EXPECT_EQ(st.installs, 1u);
	EXPECT_EQ(st.rx_cipher, 0);
	EXPECT_EQ(RESULT(getsockopt(a, SOL_KSSH, KSSH_ULP_TX, &back, &blen)), -ENOPROTOOPT);
	len = sizeof(st) - 1;
	EXPECT_EQ(RESULT(getsockopt(a, SOL_KSSH, KSSH_ULP_STATS, &st, &len)), -EINVAL);
	close(a);
	close(b);
}

TEST(nothing_leaves_in_plaintext_once_keys_are_in)
{
	struct kssh_ulp_crypto_info i = good_info();
	char buf[16];
	int a, b;

	ASSERT(tcp_pair(AF_INET, &a, &b) == 0);
	ASSERT(set_ulp(a) == 0);
	EXPECT_EQ(write(a, "before", 6), 6); /* no keys yet: a plain TCP socket */
	EXPECT_EQ(read(b, buf, sizeof(buf)), 6);
	ASSERT(install(a, &i, sizeof(i)) == 0);
	/* keys but no channel: nowhere to put the bytes, so they are refused */
	EXPECT_EQ(RESULT(write(a, "secret", 6) < 0 ? -1 : 0), -EDESTADDRREQ);
	EXPECT_EQ(RESULT(send(a, "secret", 6, 0) < 0 ? -1 : 0), -EDESTADDRREQ);
	EXPECT_EQ(recv(b, buf, sizeof(buf), MSG_DONTWAIT), -1);
	close(a);
	close(b);
}


TEST(other_levels_still_reach_tcp)
{
	int a, b, on = 1, got = 0;
	socklen_t len = sizeof(got);

	ASSERT(tcp_pair(AF_INET, &a, &b) == 0);
	ASSERT(set_ulp(a) == 0);
	EXPECT_EQ(RESULT(setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on))), 0);
	EXPECT_EQ(RESULT(getsockopt(a, IPPROTO_TCP, TCP_NODELAY, &got, &len)), 0);
	EXPECT(got != 0);
	close(a);
	close(b);
}

/* Each socket is set up and torn down many times: the kernel's leak and lock checks see every path */
TEST(many_sockets_come_and_go)
{
	for (int n = 0; n < 200; n++) {
		struct kssh_ulp_crypto_info i = good_info();
		int a, b;

		ASSERT(tcp_pair(n % 2 ? AF_INET6 : AF_INET, &a, &b) == 0);
		ASSERT(set_ulp(a) == 0);
		if (n % 3)
			ASSERT(install(a, &i, sizeof(i)) == 0);
		close(n % 5 ? a : b);
		close(n % 5 ? b : a);
	}
}

/* "kmod_ulp_test hold": a socket with the ULP stays open until stdin closes (rmmod must wait) */
static int hold(void)
{
	char c;
	int a, b;

	if (tcp_pair(AF_INET, &a, &b) != 0 || set_ulp(a) != 0) {
		perror("hold");
		return 1;
	}
	printf("held\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	close(a);
	close(b);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "hold") == 0)
		return hold();
	signal(SIGCHLD, SIG_IGN); /* flush()'s writers reap themselves */
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(120); /* a test that hangs must fail, not stall the VM */
	return test_run_all();
}
