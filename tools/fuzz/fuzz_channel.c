// SPDX-License-Identifier: MIT
/*
 * libFuzzer: the connection protocol's channel messages (RFC 4254, types
 * 90-100) in any order and shape, against a channel table that
 * accepts opens, consumes data, answers requests and sends data back.
 * Input: records of type (mod 11, + 90), 16-bit length, body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kssh/buf.h"
#include "kssh/channel.h"
#include "kssh/transport.h"

static void act(struct kssh_chan_table *tab, struct kssh_transport *t, struct kssh_chan_event *ev)
{
	static const uint8_t reply[100];

	switch (ev->kind) {
	case KSSH_CHAN_EV_OPEN:
		if (ev->peer_id % 3 == 0)
			kssh_chan_refuse(t, ev->peer_id, 2, "no");
		else
			kssh_chan_accept(tab, t, ev, NULL);
		break;
	case KSSH_CHAN_EV_DATA:
		kssh_chan_consumed(t, ev->ch, ev->len);
		kssh_chan_send_data(t, ev->ch, 0, reply, sizeof(reply));
		break;
	case KSSH_CHAN_EV_REQUEST:
		if (ev->want_reply)
			kssh_chan_reply(t, ev->ch, ev->name[0] == 'e');
		break;
	case KSSH_CHAN_EV_EOF:
		kssh_chan_send_eof(t, ev->ch);
		kssh_chan_send_close(t, ev->ch);
		break;
	case KSSH_CHAN_EV_CLOSE:
		kssh_chan_free(ev->ch);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kssh_transport_config cfg = { .is_server = 0 }; /* a server needs host keys; channels are the same either way */
	struct kssh_transport *t = kssh_transport_new(&cfg);
	struct kssh_chan_table tab;
	uint8_t msg[65536 + 1];

	if (t == NULL)
		return 0;
	kssh_chan_table_init(&tab);
	while (size >= 3) {
		struct kssh_chan_event ev;
		struct kssh_buf payload;
		size_t len = (size_t)data[1] << 8 | data[2];

		msg[0] = (uint8_t)(90 + data[0] % 11);
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		memcpy(msg + 1, data, len);
		data += len;
		size -= len;
		kssh_buf_view(&payload, msg, len + 1);
		if (kssh_chan_handle(&tab, t, msg[0], &payload, &ev) != 0)
			break;
		act(&tab, t, &ev);
		kssh_buf_reset(kssh_transport_output(t));
	}
	kssh_chan_table_release(&tab);
	kssh_transport_free(t);
	return 0;
}
