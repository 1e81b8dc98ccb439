// SPDX-License-Identifier: MIT
/*
 * kernel/'s record layer on a connection's socket: the hand-over (keys,
 * sequence numbers, the ciphertext already read, the bound channel), then
 * records out (sendmsg with the message cmsg, write for channel data,
 * sendfile for file data, key installs at rekey) and records in (recvmsg:
 * messages with their type, channel data as plain bytes).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "kssh/packet.h"
#include "conn_kernel.h"

#define READ_CHUNK (256 * 1024)
#define READS_PER_CALL 16

const char *conn_kernel_reason(int err)
{
	switch (err) {
	case ENOENT:
		return "the kssh module is not loaded";
	case EOPNOTSUPP:
		return "the module has no such cipher (AES-GCM, or AES-CTR with hmac-sha2-256/512-etm only)";
	default:
		return strerror(err);
	}
}

int conn_kernel_stats(int fd, struct kssh_ulp_stats *st)
{
	socklen_t len = sizeof(*st);

	return getsockopt(fd, SOL_KSSH, KSSH_ULP_STATS, st, &len);
}

/* New keys after a rekey: sequence numbers go on from the module's, or restart under strict kex */
static int install(struct kssh_conn *c, enum kssh_direction d)
{
	struct kssh_packet *p = kssh_transport_packet(c->t);
	struct kssh_ulp_crypto_info info;
	struct kssh_ulp_stats st;
	int strict = kssh_transport_strict(c->t), r;

	if (conn_kernel_stats(c->fd, &st) != 0)
		return KSSH_ERR_SYSTEM;
	r = kssh_packet_kernel_export(p, d, strict ? 0 : d == KSSH_DIR_OUT ? st.tx_seqnr : st.rx_seqnr,
	                              strict, &info);
	if (r == 0 && setsockopt(c->fd, SOL_KSSH, d == KSSH_DIR_OUT ? KSSH_ULP_TX : KSSH_ULP_RX, &info,
	                         sizeof(info)) != 0)
		r = KSSH_ERR_SYSTEM;
	OPENSSL_cleanse(&info, sizeof(info));
	if (r != 0)
		return kssh_transport_fail(c->t, r, "cannot give the new %s keys to the kernel: %s",
		                           d == KSSH_DIR_OUT ? "send" : "receive",
		                           r == KSSH_ERR_SYSTEM ? strerror(errno) : kssh_strerror(r));
	kssh_packet_kernel_installed(p, d);
	return 0;
}

/* Clear length (AES-GCM, -etm): does the input hold a whole packet the transport has not taken yet? */
static int input_has_packet(struct kssh_packet *p)
{
	size_t have = kssh_buf_len(&p->input);

	return have >= 4 &&
	       have >= 4 + (size_t)kssh_peek_u32(kssh_buf_ptr(&p->input)) + p->dir[KSSH_DIR_IN].mac_len;
}

int conn_kernel_start(struct kssh_conn *c, const struct kssh_channel *ch)
{
	struct kssh_packet *p = kssh_transport_packet(c->t);
	struct kssh_ulp_crypto_info tx, rx;
	struct kssh_ulp_channel bind = {
		.recipient = ch->remote_id, .window = ch->remote_window,
		.max_packet = ch->remote_max_packet, .local = ch->local_id,
	};
	size_t pending = kssh_buf_len(&p->input);
	uint8_t *rxbuf;
	int strict = kssh_transport_strict(c->t), r = 0;

	if (!kssh_transport_ready(c->t) || kssh_transport_in_kex(c->t) ||
	    kssh_buf_len(&p->output) > 0 || input_has_packet(p) || pending > KSSH_PACKET_MAX_SIZE + 64)
		return KSSH_ERR_AGAIN;
	/* the RX state, then the ciphertext already read: one option value */
	if ((rxbuf = malloc(sizeof(rx) + pending)) == NULL)
		return KSSH_ERR_ALLOC;
	if (kssh_packet_kernel_export(p, KSSH_DIR_OUT, p->dir[KSSH_DIR_OUT].seqnr, strict, &tx) != 0 ||
	    kssh_packet_kernel_export(p, KSSH_DIR_IN, p->dir[KSSH_DIR_IN].seqnr, strict, &rx) != 0) {
		errno = EOPNOTSUPP;
		r = KSSH_ERR_UNAVAILABLE;
		goto out;
	}
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_ULP, KSSH_ULP_NAME, sizeof(KSSH_ULP_NAME) - 1) != 0) {
		r = KSSH_ERR_UNAVAILABLE;
		goto out;
	}
	/* from here the socket is the module's: a failure loses the connection */
	memcpy(rxbuf, &rx, sizeof(rx));
	memcpy(rxbuf + sizeof(rx), kssh_buf_ptr(&p->input), pending);
	if (setsockopt(c->fd, SOL_KSSH, KSSH_ULP_TX, &tx, sizeof(tx)) != 0 ||
	    setsockopt(c->fd, SOL_KSSH, KSSH_ULP_RX, rxbuf, (socklen_t)(sizeof(rx) + pending)) != 0 ||
	    setsockopt(c->fd, SOL_KSSH, KSSH_ULP_CHANNEL, &bind, sizeof(bind)) != 0) {
		r = KSSH_ERR_SYSTEM;
		goto out;
	}
	kssh_packet_kernel_start(p, ch->remote_id, ch->local_id);
out:
	OPENSSL_cleanse(&tx, sizeof(tx));
	OPENSSL_cleanse(&rx, sizeof(rx));
	OPENSSL_cleanse(rxbuf, sizeof(rx));
	free(rxbuf);
	return r;
}

static int write_error(struct kssh_conn *c, uint8_t kind)
{
	if (errno == EAGAIN || errno == EINTR)
		return KSSH_ERR_AGAIN;
	if (errno == EPIPE || errno == ECONNRESET)
		return KSSH_ERR_CONN_CLOSED;
	return kssh_transport_fail(c->t, KSSH_ERR_SYSTEM, "writing a '%c' record to the kernel: %s", kind,
	                           strerror(errno));
}

static ssize_t send_message(int fd, const uint8_t *payload, size_t len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(0)];
	} control;
	struct iovec iov = { .iov_base = (void *)payload, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	memset(&control, 0, sizeof(control));
	cmsg->cmsg_level = SOL_KSSH;
	cmsg->cmsg_type = KSSH_ULP_CMSG_MESSAGE;
	cmsg->cmsg_len = CMSG_LEN(0);
	return sendmsg(fd, &msg, MSG_NOSIGNAL);
}

/* One record, or what is left of it: 1 when it is all out, 0 when the socket would block, or an error */
static int write_record(struct kssh_conn *c, struct kssh_packet *p, uint8_t kind, const uint8_t *body,
                        uint32_t len)
{
	size_t *sent = &p->kernel.sent;
	ssize_t n;

	switch (kind) {
	case KSSH_REC_MESSAGE:
		n = send_message(c->fd, body, len);
		break;
	case KSSH_REC_DATA:
		n = send(c->fd, body + *sent, len - *sent, MSG_NOSIGNAL);
		break;
	case KSSH_REC_FILE: {
		off_t off = (off_t)(((uint64_t)kssh_peek_u32(body + 4) << 32 | kssh_peek_u32(body + 8)) + *sent);

		n = sendfile(c->fd, (int)kssh_peek_u32(body), &off, len - *sent);
		if (n == 0) /* the file shrank since its length went out in the reply */
			return kssh_transport_fail(c->t, KSSH_ERR_SYSTEM, "a file shrank while being sent");
		break;
	}
	case KSSH_REC_KEYS:
		return install(c, KSSH_DIR_OUT) == 0 ? 1 : KSSH_ERR_SYSTEM;
	default:
		return KSSH_ERR_INVALID_FORMAT;
	}
	if (n < 0) {
		int r = write_error(c, kind);

		return r == KSSH_ERR_AGAIN ? 0 : r;
	}
	*sent += (size_t)n;
	return *sent == len;
}

int conn_kernel_write(struct kssh_conn *c)
{
	struct kssh_packet *p = kssh_transport_packet(c->t);
	struct kssh_buf *out = &p->output;

	if (p->kernel.window_add > 0) {
		if (setsockopt(c->fd, SOL_KSSH, KSSH_ULP_WINDOW, &p->kernel.window_add,
		               sizeof(p->kernel.window_add)) != 0)
			return kssh_transport_fail(c->t, KSSH_ERR_SYSTEM, "opening the kernel's window by %u: %s",
			                           p->kernel.window_add, strerror(errno));
		p->kernel.window_add = 0;
	}
	while (kssh_buf_len(out) >= KSSH_REC_HEADER) {
		const uint8_t *rec = kssh_buf_ptr(out);
		uint32_t len = kssh_peek_u32(rec + 1);
		size_t body = rec[0] == KSSH_REC_FILE ? 12 : len;
		int r = write_record(c, p, rec[0], rec + KSSH_REC_HEADER, len);

		if (r < 0)
			return r;
		if (r == 0)
			return KSSH_ERR_AGAIN;
		if (rec[0] == KSSH_REC_FILE)
			close((int)kssh_peek_u32(rec + KSSH_REC_HEADER));
		p->kernel.sent = 0;
		kssh_buf_consume(out, KSSH_REC_HEADER + body);
	}
	kssh_buf_reset(out);
	return 0;
}

static int read_error(struct kssh_conn *c)
{
	switch (errno) {
	case EAGAIN:
	case EINTR:
		return KSSH_ERR_AGAIN;
	case EKEYEXPIRED: /* the peer's NEWKEYS went up: its keys come when the transport has taken it */
		return KSSH_ERR_AGAIN;
	case EBADMSG:
		return kssh_transport_fail(c->t, KSSH_ERR_MAC_INVALID,
		                           "the kernel found a bad packet (tag, length or padding)");
	case EKEYREJECTED:
		return kssh_transport_fail(c->t, KSSH_ERR_PROTOCOL,
		                           "the peer went past its key's limits (2^32 packets or blocks) without a rekey");
	case EMSGSIZE:
		return kssh_transport_fail(c->t, KSSH_ERR_PACKET_LENGTH, "a message too large for the kernel's buffer");
	case ECONNRESET:
		return KSSH_ERR_CONN_CLOSED;
	default:
		return kssh_transport_fail(c->t, KSSH_ERR_SYSTEM, "reading from the kernel: %s", strerror(errno));
	}
}

/* One recvmsg into the input as one record: 0, KSSH_ERR_AGAIN, or an error */
static int read_one(struct kssh_conn *c, struct kssh_buf *in, int flags)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(uint8_t))];
	} control;
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	uint8_t *dst;
	ssize_t n;
	int r;

	if (in->max - kssh_buf_len(in) < KSSH_REC_IN_HEADER + READ_CHUNK)
		return KSSH_ERR_NO_BUFFER_SPACE;
	if ((r = kssh_buf_reserve(in, KSSH_REC_IN_HEADER + READ_CHUNK, &dst)) != 0)
		return r;
	iov = (struct iovec){ .iov_base = dst + KSSH_REC_IN_HEADER, .iov_len = READ_CHUNK };
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	n = recvmsg(c->fd, &msg, flags);
	if (n <= 0) {
		kssh_buf_consume_end(in, KSSH_REC_IN_HEADER + READ_CHUNK);
		return n == 0 ? KSSH_ERR_CONN_CLOSED : read_error(c);
	}
	/* a whole message comes with its type in a control message; the bound channel's data without */
	dst[0] = msg.msg_controllen > 0 ? KSSH_REC_MESSAGE : KSSH_REC_DATA;
	kssh_poke_u32(dst + 1, (uint32_t)n);
	kssh_buf_consume_end(in, READ_CHUNK - (size_t)n);
	return 0;
}

int conn_kernel_read(struct kssh_conn *c)
{
	struct kssh_packet *p = kssh_transport_packet(c->t);
	struct kssh_buf *in = kssh_transport_input(c->t);
	int r = 0, got = 0;

	if (p->kernel.install[KSSH_DIR_IN] && (r = install(c, KSSH_DIR_IN)) != 0)
		return r;
	for (int i = 0; i < READS_PER_CALL; i++) {
		/* the first read may wait on a blocking socket; the rest take what is there */
		r = read_one(c, in, got ? MSG_DONTWAIT : 0);
		if (r != 0)
			break;
		got = 1; /* after a NEWKEYS the next read says EKEYEXPIRED: AGAIN, the loop ends */
	}
	if (got && (r == KSSH_ERR_AGAIN || r == KSSH_ERR_NO_BUFFER_SPACE))
		return 0;
	return r;
}
