// SPDX-License-Identifier: MIT
/* Terminal modes in pty-req (RFC 4254 8): encoded by the client, applied by the server. */
#include <termios.h>

#include "kssh/err.h"
#include "test.h"
#include "tty_modes.h"

TEST(modes_round_trip)
{
	struct termios in = { 0 }, out = { 0 };
	struct kssh_buf b;

	in.c_lflag = ECHO | ICANON | ISIG;
	in.c_iflag = ICRNL | IXON;
	in.c_oflag = OPOST | ONLCR;
	in.c_cc[VINTR] = 3;
	in.c_cc[VERASE] = 127;
	in.c_cc[VEOF] = 4;
	kssh_buf_init(&b, 0);
	ASSERT(tty_modes_encode(&in, &b) == 0);
	ASSERT(tty_modes_apply(&b, &out) == 0);
	EXPECT_EQ(out.c_lflag & (ECHO | ICANON | ISIG), ECHO | ICANON | ISIG);
	EXPECT_EQ(out.c_iflag & (ICRNL | IXON), ICRNL | IXON);
	EXPECT_EQ(out.c_oflag & (OPOST | ONLCR), OPOST | ONLCR);
	EXPECT(out.c_cc[VINTR] == 3 && out.c_cc[VERASE] == 127 && out.c_cc[VEOF] == 4);
	kssh_buf_release(&b);
}

TEST(raw_modes_clear_the_flags)
{
	struct termios in = { 0 }, out = { 0 };
	struct kssh_buf b;

	out.c_lflag = ECHO | ICANON | ISIG;
	kssh_buf_init(&b, 0);
	ASSERT(tty_modes_encode(&in, &b) == 0);
	ASSERT(tty_modes_apply(&b, &out) == 0);
	EXPECT_EQ(out.c_lflag & (ECHO | ICANON | ISIG), 0);
	kssh_buf_release(&b);
}

TEST(truncated_modes_are_an_error_and_unknown_opcodes_skipped)
{
	static const uint8_t truncated[] = { 53, 0, 0 };          /* ECHO, value cut short */
	static const uint8_t unknown[] = { 99, 0, 0, 0, 1, 53, 0, 0, 0, 1, 0 };
	static const uint8_t speeds[] = { 128, 0, 0, 0x96, 0, 129, 0, 0, 0x96, 0, 0 };
	struct termios t = { 0 };
	struct kssh_buf b;

	kssh_buf_view(&b, truncated, sizeof(truncated));
	EXPECT(tty_modes_apply(&b, &t) != 0);
	kssh_buf_view(&b, unknown, sizeof(unknown));
	EXPECT(tty_modes_apply(&b, &t) == 0 && (t.c_lflag & ECHO));
	kssh_buf_view(&b, speeds, sizeof(speeds));
	EXPECT(tty_modes_apply(&b, &t) == 0);
}

TEST(random_bytes_never_read_past_the_buffer)
{
	uint8_t junk[64];
	struct termios t;
	struct kssh_buf b;
	unsigned seed = 12345;
	int bad = 0;

	/* every outcome is success or "incomplete", never a read past the end (ASan watches too) */
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand_r(&seed) % (int)sizeof(junk));
		int r;

		for (size_t k = 0; k < n; k++)
			junk[k] = (uint8_t)rand_r(&seed);
		memset(&t, 0, sizeof(t));
		kssh_buf_view(&b, junk, n);
		r = tty_modes_apply(&b, &t);
		bad += (r != 0 && r != KSSH_ERR_MESSAGE_INCOMPLETE) || kssh_buf_len(&b) > n;
	}
	EXPECT_EQ(bad, 0);
}

TEST_MAIN()
