// SPDX-License-Identifier: MIT
#include "kssh/buf.h"
#include "kssh/err.h"
#include "test.h"

TEST(get_u32_refuses_truncated_input)
{
	static const uint8_t three[] = { 0, 0, 1 };
	struct kssh_buf b;
	uint32_t v = 7;

	kssh_buf_view(&b, three, sizeof(three));
	EXPECT_EQ(kssh_buf_get_u32(&b, &v), KSSH_ERR_MESSAGE_INCOMPLETE);
	EXPECT_EQ(v, 7u);
	EXPECT_EQ(kssh_buf_len(&b), 3u); /* nothing consumed on failure */
}

TEST(string_longer_than_buffer_is_refused)
{
	static const uint8_t msg[] = { 0, 0, 0, 9, 'a', 'b', 'c' };
	struct kssh_buf b;
	const uint8_t *p;
	size_t n;

	kssh_buf_view(&b, msg, sizeof(msg));
	EXPECT_EQ(kssh_buf_get_string_view(&b, &p, &n), KSSH_ERR_MESSAGE_INCOMPLETE);
}

TEST(huge_string_length_is_refused_before_allocation)
{
	static const uint8_t msg[] = { 0xff, 0xff, 0xff, 0xff, 'a' };
	struct kssh_buf b;
	uint8_t *p = NULL;

	kssh_buf_view(&b, msg, sizeof(msg));
	EXPECT_EQ(kssh_buf_get_string(&b, &p, NULL), KSSH_ERR_STRING_TOO_LARGE);
	EXPECT(p == NULL);
}

TEST(cstring_with_embedded_nul_is_refused)
{
	static const uint8_t msg[] = { 0, 0, 0, 5, 'r', 'o', 0, 'o', 't' };
	struct kssh_buf b;
	char *s = NULL;

	kssh_buf_view(&b, msg, sizeof(msg));
	EXPECT_EQ(kssh_buf_get_cstring(&b, &s, NULL), KSSH_ERR_INVALID_FORMAT);
}

TEST(mpint_negative_and_nonminimal_are_refused)
{
	static const uint8_t neg[] = { 0, 0, 0, 1, 0x80 };
	static const uint8_t pad[] = { 0, 0, 0, 2, 0x00, 0x01 };
	static const uint8_t good[] = { 0, 0, 0, 2, 0x00, 0x80 };
	struct kssh_buf b;
	const uint8_t *p;
	size_t n;

	kssh_buf_view(&b, neg, sizeof(neg));
	EXPECT_EQ(kssh_buf_get_mpint_view(&b, &p, &n), KSSH_ERR_BIGNUM_IS_NEGATIVE);
	kssh_buf_view(&b, pad, sizeof(pad));
	EXPECT_EQ(kssh_buf_get_mpint_view(&b, &p, &n), KSSH_ERR_INVALID_FORMAT);
	kssh_buf_view(&b, good, sizeof(good));
	ASSERT(kssh_buf_get_mpint_view(&b, &p, &n) == 0);
	EXPECT_EQ(n, 1u);
	EXPECT_EQ(p[0], 0x80);
}

TEST(mpint_encoding_follows_rfc4251)
{
	static const uint8_t v[] = { 0x00, 0x00, 0x9a, 0x37 };
	static const uint8_t want[] = { 0, 0, 0, 3, 0x00, 0x9a, 0x37 };
	struct kssh_buf b;

	kssh_buf_init(&b, 64);
	ASSERT(kssh_buf_put_mpint_bytes(&b, v, sizeof(v)) == 0);
	EXPECT_EQ(kssh_buf_len(&b), sizeof(want));
	EXPECT(memcmp(kssh_buf_ptr(&b), want, sizeof(want)) == 0);
	kssh_buf_release(&b);
}

TEST(buffer_never_grows_past_its_maximum)
{
	struct kssh_buf b;
	uint8_t chunk[100] = { 0 };

	kssh_buf_init(&b, 250);
	EXPECT_EQ(kssh_buf_put(&b, chunk, 100), 0);
	EXPECT_EQ(kssh_buf_put(&b, chunk, 100), 0);
	EXPECT_EQ(kssh_buf_put(&b, chunk, 100), KSSH_ERR_NO_BUFFER_SPACE);
	EXPECT_EQ(kssh_buf_len(&b), 200u);
	kssh_buf_release(&b);
}

TEST(consumed_space_is_reused)
{
	struct kssh_buf b;
	uint8_t chunk[100] = { 0 };

	kssh_buf_init(&b, 200);
	for (int i = 0; i < 50; i++) {
		ASSERT(kssh_buf_put(&b, chunk, 100) == 0);
		ASSERT(kssh_buf_consume(&b, 100) == 0);
	}
	EXPECT_EQ(kssh_buf_len(&b), 0u);
	kssh_buf_release(&b);
}

TEST_MAIN()
