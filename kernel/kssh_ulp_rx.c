// SPDX-License-Identifier: GPL-2.0
/*
 * The RX record path. Packets are pulled from TCP by the reader itself, one
 * at a time and never past the current one: the 4-byte length first
 * (checked: 5..256 KiB, a whole number of blocks), then the rest and the
 * tag, which is checked before anything is handed up (RFC 5647: the length
 * is the AAD). CHANNEL_DATA for the bound channel comes out of read() as
 * plain bytes; every other message comes up whole with its type in a
 * control message. Anything malformed poisons the socket.
 */
#include <linux/scatterlist.h>
#include <linux/uio.h>
#include <net/tcp.h>

#include "kssh_ulp.h"

#define SSH_MSG_NEWKEYS 21
#define SSH_MSG_CHANNEL_DATA 94
#define KSSH_ULP_MAX_PACKET (256 * 1024)

/* Fatal for the socket: this call and every later one fail with err. */
static int kssh_ulp_rx_poison(struct kssh_ulp_ctx *ctx, int err)
{
	ctx->rx_err = err;
	return err;
}

/* Reads from TCP into the packet buffer until it holds want bytes; 0, or what TCP said. */
static int kssh_ulp_rx_fill(struct sock *sk, struct kssh_ulp_ctx *ctx,
			    size_t want, int flags)
{
	while (ctx->rx_have < want) {
		struct msghdr kmsg = {};
		struct kvec iov = {
			.iov_base = ctx->rx_buf + ctx->rx_have,
			.iov_len = want - ctx->rx_have,
		};
		int addr_len = 0, n;

		iov_iter_kvec(&kmsg.msg_iter, ITER_DEST, &iov, 1, iov.iov_len);
		n = ctx->sk_proto->recvmsg(sk, &kmsg, iov.iov_len,
					   flags & MSG_DONTWAIT, &addr_len);
		if (n < 0)
			return n;
		if (n == 0) /* the peer closed: mid-packet that is an error */
			return ctx->rx_have ? kssh_ulp_rx_poison(ctx, -EBADMSG) : 0;
		ctx->rx_have += n;
	}
	return 0;
}

/* The next whole packet, authenticated and decrypted; its payload in rx_payload. */
static int kssh_ulp_rx_packet(struct sock *sk, struct kssh_ulp_ctx *ctx,
			      int flags)
{
	struct kssh_ulp_dir *rx = &ctx->rx;
	u32 packet_len, pad;
	int err;

	/* bytes past the last packet (pushed back by userspace) start this one */
	if (ctx->rx_consumed) {
		memmove(ctx->rx_buf, ctx->rx_buf + ctx->rx_consumed,
			ctx->rx_have - ctx->rx_consumed);
		ctx->rx_have -= ctx->rx_consumed;
		ctx->rx_consumed = 0;
	}
	err = kssh_ulp_rx_fill(sk, ctx, 4, flags);
	if (err || ctx->rx_have < 4)
		return err ? err : -ENODATA;
	packet_len = get_unaligned_be32(ctx->rx_buf);
	if (packet_len < KSSH_ULP_BLOCK || packet_len > KSSH_ULP_MAX_PACKET ||
	    packet_len % KSSH_ULP_BLOCK)
		return kssh_ulp_rx_poison(ctx, -EBADMSG);
	err = kssh_ulp_rx_fill(sk, ctx, 4 + packet_len + rx->tag_len, flags);
	if (err)
		return err;
	/* a peer past the key's limits (RFC 4344) should have rekeyed: fatal */
	if (!kssh_ulp_dir_budget(rx, packet_len))
		return kssh_ulp_rx_poison(ctx, -EKEYREJECTED);
	if (kssh_ulp_open(rx, ctx->rx_buf, packet_len))
		return kssh_ulp_rx_poison(ctx, -EBADMSG);
	kssh_ulp_dir_spend(rx, packet_len);
	/* RFC 4253 6: at least 4 bytes of padding, and a type byte */
	pad = ctx->rx_buf[4];
	if (pad < 4 || pad + 2 > packet_len)
		return kssh_ulp_rx_poison(ctx, -EBADMSG);
	rx->seqnr++;
	rx->packets++;
	rx->bytes += 4 + packet_len + rx->tag_len;
	ctx->rx_payload = ctx->rx_buf + 5;
	ctx->rx_payload_len = packet_len - pad - 1;
	ctx->rx_consumed = 4 + packet_len + rx->tag_len;
	return 0;
}

/* Channel data for our channel: its bytes become what read() returns next. */
static bool kssh_ulp_rx_is_our_data(struct kssh_ulp_ctx *ctx)
{
	const u8 *p = ctx->rx_payload;

	if (!ctx->bound || ctx->rx_payload_len < 9 ||
	    p[0] != SSH_MSG_CHANNEL_DATA ||
	    get_unaligned_be32(p + 1) != ctx->chan.local ||
	    get_unaligned_be32(p + 5) != ctx->rx_payload_len - 9)
		return false;
	ctx->rx_data = ctx->rx_payload + 9;
	ctx->rx_data_len = ctx->rx_payload_len - 9;
	ctx->rx_payload_len = 0;
	return true;
}

/* Any other message goes up whole, with its type beside it; it stays until a reader can take it. */
static int kssh_ulp_rx_message(struct kssh_ulp_ctx *ctx, struct msghdr *msg,
			       size_t len)
{
	u8 type = ctx->rx_payload[0];
	int err;

	if (!msg->msg_controllen)
		return -EIO;
	if (len < ctx->rx_payload_len)
		return -EMSGSIZE;
	err = put_cmsg(msg, SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, sizeof(type), &type);
	if (err || (msg->msg_flags & MSG_CTRUNC))
		return -EIO;
	if (copy_to_iter(ctx->rx_payload, ctx->rx_payload_len, &msg->msg_iter) !=
	    ctx->rx_payload_len)
		return -EFAULT;
	len = ctx->rx_payload_len;
	ctx->rx_payload_len = 0;
	/* RFC 4253 7.3: the peer's next packets use keys we have not got yet */
	if (type == SSH_MSG_NEWKEYS) {
		kssh_ulp_dir_end_keys(&ctx->rx);
		ctx->rx_rekey = true;
	}
	return len;
}

int kssh_ulp_rx_recvmsg(struct sock *sk, struct kssh_ulp_ctx *ctx,
			struct msghdr *msg, size_t len, int flags)
{
	size_t copied = 0;
	int err = 0;

	if (flags & (MSG_PEEK | MSG_OOB | MSG_ERRQUEUE))
		return -EOPNOTSUPP;
	mutex_lock(&ctx->rx_lock);
	while (copied < len) {
		if (ctx->rx_err) {
			err = ctx->rx_err;
			break;
		}
		if (ctx->rx_data_len) {
			size_t n = min_t(size_t, len - copied, ctx->rx_data_len);

			if (copy_to_iter(ctx->rx_data, n, &msg->msg_iter) != n) {
				err = -EFAULT;
				break;
			}
			ctx->rx_data += n;
			ctx->rx_data_len -= n;
			copied += n;
			continue;
		}
		if (ctx->rx_payload_len) {
			/* a message never shares a read with channel data */
			if (!copied)
				err = kssh_ulp_rx_message(ctx, msg, len);
			break;
		}
		if (!ctx->rx.keyed) {
			err = -EKEYEXPIRED;
			break;
		}
		/* some data is enough: do not wait for more */
		err = kssh_ulp_rx_packet(sk, ctx, copied ? flags | MSG_DONTWAIT : flags);
		if (err == -ENODATA) { /* end of stream */
			err = 0;
			break;
		}
		if (err)
			break;
		kssh_ulp_rx_is_our_data(ctx);
	}
	mutex_unlock(&ctx->rx_lock);
	if (copied)
		return copied;
	return err;
}

/* Ciphertext userspace read past its last packet: the start of the next one, taken as if from TCP. */
int kssh_ulp_rx_push_pending(struct kssh_ulp_ctx *ctx, sockptr_t optval,
			     size_t offset, size_t len)
{
	if (!len)
		return 0;
	if (len > KSSH_ULP_RECORD_SIZE)
		return -EMSGSIZE;
	/* the module already holds bytes of the stream: more would reorder it */
	if (ctx->rx_have != ctx->rx_consumed)
		return -EINVAL;
	if (copy_from_sockptr_offset(ctx->rx_buf, optval, offset, len))
		return -EFAULT;
	ctx->rx_have = len;
	ctx->rx_consumed = 0;
	return 0;
}
