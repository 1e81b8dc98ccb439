// SPDX-License-Identifier: MIT
/* Encoded terminal modes (RFC 4254 8) applied to a termios, and read back from one. */
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "kssh/err.h"
#include "tty_modes.h"

enum field { CC, IFLAG, LFLAG, OFLAG, CFLAG };

static const struct mode {
	uint8_t opcode;
	enum field field;
	tcflag_t value; /* a flag bit, or the c_cc index */
} modes[] = {
	{ 1, CC, VINTR }, { 2, CC, VQUIT }, { 3, CC, VERASE }, { 4, CC, VKILL }, { 5, CC, VEOF },
	{ 6, CC, VEOL }, { 7, CC, VEOL2 }, { 8, CC, VSTART }, { 9, CC, VSTOP }, { 10, CC, VSUSP },
	{ 12, CC, VREPRINT }, { 13, CC, VWERASE }, { 14, CC, VLNEXT }, { 18, CC, VDISCARD },
	{ 30, IFLAG, IGNPAR }, { 31, IFLAG, PARMRK }, { 32, IFLAG, INPCK }, { 33, IFLAG, ISTRIP },
	{ 34, IFLAG, INLCR }, { 35, IFLAG, IGNCR }, { 36, IFLAG, ICRNL }, { 37, IFLAG, IUCLC },
	{ 38, IFLAG, IXON }, { 39, IFLAG, IXANY }, { 40, IFLAG, IXOFF }, { 41, IFLAG, IMAXBEL },
	{ 42, IFLAG, IUTF8 },
	{ 50, LFLAG, ISIG }, { 51, LFLAG, ICANON }, { 52, LFLAG, XCASE }, { 53, LFLAG, ECHO },
	{ 54, LFLAG, ECHOE }, { 55, LFLAG, ECHOK }, { 56, LFLAG, ECHONL }, { 57, LFLAG, NOFLSH },
	{ 58, LFLAG, TOSTOP }, { 59, LFLAG, IEXTEN }, { 60, LFLAG, ECHOCTL }, { 61, LFLAG, ECHOKE },
	{ 62, LFLAG, PENDIN },
	{ 70, OFLAG, OPOST }, { 71, OFLAG, OLCUC }, { 72, OFLAG, ONLCR }, { 73, OFLAG, OCRNL },
	{ 74, OFLAG, ONOCR }, { 75, OFLAG, ONLRET },
	{ 92, CFLAG, PARENB }, { 93, CFLAG, PARODD }, /* CS7/CS8 are a field, not flags: left as the pty has them */
};

#define TTY_OP_END 0
#define TTY_OP_ISPEED 128
#define TTY_OP_OSPEED 129

static tcflag_t *flags_of(struct termios *tio, enum field f)
{
	switch (f) {
	case IFLAG: return &tio->c_iflag;
	case LFLAG: return &tio->c_lflag;
	case OFLAG: return &tio->c_oflag;
	case CFLAG: return &tio->c_cflag;
	default: return NULL;
	}
}

static void apply(struct termios *tio, const struct mode *m, uint32_t v)
{
	tcflag_t *flags = flags_of(tio, m->field);

	if (m->field == CC) {
		tio->c_cc[m->value] = v == 255 ? _POSIX_VDISABLE : (cc_t)v;
		return;
	}
	if (v)
		*flags |= m->value;
	else
		*flags &= ~m->value;
}

int tty_modes_apply(struct kssh_buf *enc, struct termios *tio)
{
	for (;;) {
		uint8_t op;
		uint32_t v;
		int r;

		if (kssh_buf_len(enc) == 0)
			return 0; /* some clients leave out TTY_OP_END */
		if ((r = kssh_buf_get_u8(enc, &op)) != 0)
			return r;
		if (op == TTY_OP_END)
			return 0;
		/* RFC 4254 8: opcodes 160 to 255 are undefined; parsing must stop there */
		if (op >= 160)
			return 0;
		if ((r = kssh_buf_get_u32(enc, &v)) != 0)
			return r;
		if (op == TTY_OP_ISPEED || op == TTY_OP_OSPEED)
			continue;
		for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
			if (modes[i].opcode == op)
				apply(tio, &modes[i], v);
	}
}

int tty_modes_encode(const struct termios *tio, struct kssh_buf *out)
{
	int r;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		const struct mode *m = &modes[i];
		uint32_t v;

		if (m->field == CC)
			v = tio->c_cc[m->value] == _POSIX_VDISABLE ? 255 : tio->c_cc[m->value];
		else
			v = (*flags_of((struct termios *)tio, m->field) & m->value) != 0;
		if ((r = kssh_buf_put_u8(out, m->opcode)) != 0 || (r = kssh_buf_put_u32(out, v)) != 0)
			return r;
	}
	return kssh_buf_put_u8(out, TTY_OP_END);
}
