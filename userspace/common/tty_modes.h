/* SPDX-License-Identifier: MIT */
#ifndef KSSH_TTY_MODES_H
#define KSSH_TTY_MODES_H

#include <termios.h>

#include "kssh/buf.h"

/* Applies the modes a client sent with pty-req; unknown opcodes are skipped. */
int tty_modes_apply(struct kssh_buf *enc, struct termios *tio);
/* Encodes a terminal's modes for pty-req. */
int tty_modes_encode(const struct termios *tio, struct kssh_buf *out);

#endif
