/* SPDX-License-Identifier: MIT */
/* hostile_peer's cases that live apart from it */
#ifndef KSSH_HOSTILE_PEER_H
#define KSSH_HOSTILE_PEER_H

#include "conn_io.h"

/* CVE-2024-45337's shape: $HOSTILE_KEY_B asked about, $HOSTILE_KEY_A signs, then exec $HOSTILE_CMD */
int hostile_key_swap(struct kssh_conn *c);

#endif
