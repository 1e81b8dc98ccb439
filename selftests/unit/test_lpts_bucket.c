// SPDX-License-Identifier: MIT
/* The LPTS token bucket (include/kssh/lpts.h) over simulated time: the same code the BPF policer runs. */
#include "kssh/lpts.h"
#include "test.h"

#define MS 1000000ull
#define S 1000000000ull

static int takes(struct lpts_bucket_state *b, uint64_t now, uint32_t rate, uint32_t burst, int n)
{
	int ok = 0;

	for (int i = 0; i < n; i++)
		ok += lpts_bucket_take(b, now, rate, burst, 1);
	return ok;
}

TEST(a_new_bucket_is_full_and_then_empty)
{
	struct lpts_bucket_state b = { 0 };

	EXPECT_EQ(takes(&b, 5 * S, 1, 5, 8), 5);
}

TEST(refills_at_the_rate)
{
	struct lpts_bucket_state b = { 0 };

	takes(&b, 1 * S, 10, 10, 10);
	EXPECT_EQ(takes(&b, 1 * S + 99 * MS, 10, 10, 1), 0); /* 0.99 of a packet */
	EXPECT_EQ(takes(&b, 1 * S + 100 * MS, 10, 10, 5), 1);
	EXPECT_EQ(takes(&b, 1 * S + 600 * MS, 10, 10, 10), 5);
}

TEST(accepted_over_ten_seconds_is_rate_times_time_plus_burst)
{
	struct lpts_bucket_state b = { 0 };
	int ok = 0;

	/* 1000 attempts a second at 100 pps with burst 20 */
	for (uint64_t t = 1 * S; t <= 11 * S; t += MS)
		ok += lpts_bucket_take(&b, t, 100, 20, 1);
	EXPECT_EQ(ok, 20 + 100 * 10);
}

TEST(idle_refill_is_capped_at_the_burst)
{
	struct lpts_bucket_state b = { 0 };

	takes(&b, 1 * S, 1000, 7, 7);
	EXPECT_EQ(takes(&b, 3 * S, 1000, 7, 100), 7);   /* 2 s of refill, capped */
	EXPECT_EQ(takes(&b, 100 * S, 1000, 7, 100), 7); /* idle past the limit: simply full */
}

TEST(a_segmented_packet_takes_its_segments)
{
	struct lpts_bucket_state b = { 0 };

	EXPECT_EQ(lpts_bucket_take(&b, S, 1, 10, 4), 1);
	EXPECT_EQ(lpts_bucket_take(&b, S, 1, 10, 4), 1);
	EXPECT_EQ(lpts_bucket_take(&b, S, 1, 10, 4), 0); /* 2 left: not enough for 4 */
	EXPECT_EQ(lpts_bucket_take(&b, S, 1, 10, 2), 1);
}

TEST(an_older_timestamp_adds_nothing)
{
	struct lpts_bucket_state b = { 0 };

	takes(&b, 10 * S, 100, 5, 5);
	/* another CPU's earlier clock reading: no refill, and the later stamp is kept */
	EXPECT_EQ(takes(&b, 9 * S, 100, 5, 1), 0);
	EXPECT_EQ(b.last_ns, 10 * S);
	EXPECT_EQ(takes(&b, 10 * S + 10 * MS, 100, 5, 2), 1);
}

TEST(the_highest_rate_does_not_overflow)
{
	struct lpts_bucket_state b = { 0 };
	uint32_t burst = LPTS_RATE_MAX;

	takes(&b, S, LPTS_RATE_MAX, burst, 1);
	b.tokens = 0;
	/* just under the idle limit: elapsed * rate stays inside 64 bits and refills to the cap */
	EXPECT_EQ(lpts_bucket_take(&b, S + LPTS_MAX_ELAPSED_NS - 1, LPTS_RATE_MAX, burst, burst), 1);
	EXPECT_EQ(b.tokens, 0);
}

TEST_MAIN()
