// SPDX-License-Identifier: GPL-2.0
/*
 * The TX record path: bytes written to the socket become
 * SSH_MSG_CHANNEL_DATA packets for the bound channel (RFC 4254 5.2), padded
 * with at least 4 random bytes to the block size, encrypted with
 * aes-gcm@openssh.com (RFC 5647: the packet length is the AAD, the 64-bit
 * invocation counter advances per packet) and pushed into TCP. Never more
 * than the peer's window, never more than its maximum packet.
 */
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/uio.h>
#include <net/tcp.h>

#include "kssh_ulp.h"

#define SSH_MSG_KEXINIT 20
#define SSH_MSG_NEWKEYS 21
#define SSH_MSG_CHANNEL_DATA 94
#define KSSH_ULP_HEADER 5 /* packet_length, padding_length */
/* and for channel data: type, recipient, data length */
#define KSSH_ULP_DATA_HEADER (KSSH_ULP_HEADER + 1 + 4 + 4)

/* Channel data can go: window left, keys in, no key exchange of ours in progress */
bool kssh_ulp_tx_open(struct kssh_ulp_ctx *ctx)
{
	return READ_ONCE(ctx->chan.window) && READ_ONCE(ctx->tx.keyed) &&
	       !READ_ONCE(ctx->tx_kex);
}

static int kssh_ulp_wait_window(struct sock *sk, struct kssh_ulp_ctx *ctx,
				long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err = 0;

	add_wait_queue(sk_sleep(sk), &wait);
	while (!kssh_ulp_tx_open(ctx)) {
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN)) {
			err = sk->sk_err ? -sk->sk_err : -EPIPE;
			break;
		}
		if (!*timeo) {
			err = -EAGAIN;
			break;
		}
		if (signal_pending(current)) {
			err = sock_intr_errno(*timeo);
			break;
		}
		sk_wait_event(sk, timeo, kssh_ulp_tx_open(ctx) ||
			      sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN),
			      &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

void kssh_ulp_tx_wake(struct sock *sk)
{
	struct socket_wq *wq;

	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_all(&wq->wait);
	rcu_read_unlock();
}

/*
 * Seals the packet (kssh_ulp_seal: src NULL when it is in the record
 * buffer already) and pushes the record into TCP whole.
 */
static int kssh_ulp_seal_and_send(struct sock *sk, struct kssh_ulp_ctx *ctx,
				  struct scatterlist *src, u32 packet_len)
{
	u32 total = 4 + packet_len + ctx->tx.tag_len;
	struct msghdr out = { .msg_flags = MSG_NOSIGNAL };
	struct kvec iov;
	int err;

	err = kssh_ulp_seal(&ctx->tx, src, ctx->record, packet_len);
	if (err)
		return err;
	/* the record goes out whole or the socket is dead: no half packets */
	iov.iov_base = ctx->record;
	iov.iov_len = total;
	iov_iter_kvec(&out.msg_iter, ITER_SOURCE, &iov, 1, total);
	err = tcp_sendmsg_locked(sk, &out, total);
	if (err != total) {
		sk->sk_err = EPIPE;
		sk_error_report(sk);
		return err < 0 ? err : -EPIPE;
	}
	return 0;
}

/*
 * The clear header of the next packet of payload bytes after the header
 * (channel data: type, recipient and length too); its sizes in *packet_len
 * and *pad. The padding fills the encrypted part (all but the length) to
 * whole blocks, 4 bytes at least.
 */
static int kssh_ulp_frame(struct kssh_ulp_ctx *ctx, bool channel, u32 len,
			  u32 *packet_len, u32 *pad)
{
	u32 header = channel ? KSSH_ULP_DATA_HEADER : KSSH_ULP_HEADER;
	u32 payload = header - KSSH_ULP_HEADER + len;
	u8 *p = ctx->record;

	*pad = KSSH_ULP_BLOCK - ((1 + payload) % KSSH_ULP_BLOCK);
	if (*pad < 4)
		*pad += KSSH_ULP_BLOCK;
	*packet_len = 1 + payload + *pad;
	if (4 + *packet_len + KSSH_ULP_MAX_TAG_LEN > ctx->record_size)
		return -EMSGSIZE;
	if (!ctx->tx.keyed ||
	    !kssh_ulp_dir_budget(&ctx->tx, *packet_len))
		return -EKEYEXPIRED;
	put_unaligned_be32(*packet_len, p);
	p[4] = *pad;
	if (channel) {
		p[5] = SSH_MSG_CHANNEL_DATA;
		put_unaligned_be32(ctx->chan.recipient, p + 6);
		put_unaligned_be32(len, p + 10);
	}
	return 0;
}

static void kssh_ulp_account(struct kssh_ulp_ctx *ctx, u32 packet_len,
			     bool channel, u32 len)
{
	ctx->tx.seqnr++;
	ctx->tx.packets++;
	ctx->tx.bytes += 4 + packet_len + ctx->tx.tag_len;
	kssh_ulp_dir_spend(&ctx->tx, packet_len);
	if (channel)
		ctx->chan.window -= len;
}

/* One packet of len bytes from msg: channel data, or (channel false) a payload userspace composed. */
static int kssh_ulp_push_record(struct sock *sk, struct kssh_ulp_ctx *ctx,
				struct msghdr *msg, u32 len, bool channel)
{
	u32 header = channel ? KSSH_ULP_DATA_HEADER : KSSH_ULP_HEADER;
	u32 packet_len, pad;
	u8 *p = ctx->record;
	int err;

	err = kssh_ulp_frame(ctx, channel, len, &packet_len, &pad);
	if (err)
		return err;
	if (copy_from_iter(p + header, len, &msg->msg_iter) != len)
		return -EFAULT;
	if (!channel)
		ctx->tx_last_type = p[header]; /* read before it is encrypted */
	get_random_bytes(p + header + len, pad);
	err = kssh_ulp_seal_and_send(sk, ctx, NULL, packet_len);
	if (!err)
		kssh_ulp_account(ctx, packet_len, channel, len);
	return err;
}

/*
 * sendfile/splice: the cipher reads the file's page where it lies (page
 * cache -> cipher -> record), with the header and padding around it.
 */
static int kssh_ulp_push_page(struct sock *sk, struct kssh_ulp_ctx *ctx,
			      struct page *page, int offset, u32 len)
{
	struct scatterlist src[4];
	u32 packet_len, pad;
	int err;

	err = kssh_ulp_frame(ctx, true, len, &packet_len, &pad);
	if (err)
		return err;
	get_random_bytes(ctx->pad_buf, pad);
	/* the length apart: GCM reads it as AAD, CTR starts after it */
	sg_init_table(src, 4);
	sg_set_buf(&src[0], ctx->record, 4);
	sg_set_buf(&src[1], ctx->record + 4, KSSH_ULP_DATA_HEADER - 4);
	sg_set_page(&src[2], page, len, offset);
	sg_set_buf(&src[3], ctx->pad_buf, pad);
	err = kssh_ulp_seal_and_send(sk, ctx, src, packet_len);
	if (!err)
		kssh_ulp_account(ctx, packet_len, true, len);
	return err;
}

/* How much of left goes in the next channel packet: window, maximum packet, SSH's largest payload */
static u32 kssh_ulp_next_chunk(struct kssh_ulp_ctx *ctx, size_t left)
{
	u32 len = min_t(size_t, left, ctx->chan.window);

	len = min_t(u32, len, ctx->chan.max_packet);
	return min_t(u32, len, KSSH_ULP_MAX_PAYLOAD -
		     (KSSH_ULP_DATA_HEADER - KSSH_ULP_HEADER));
}

int kssh_ulp_tx_sendpage(struct sock *sk, struct kssh_ulp_ctx *ctx,
			 struct page *page, int offset, size_t size, int flags)
{
	long timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	size_t done = 0;
	int err = 0;

	if (!ctx->bound)
		return -EDESTADDRREQ;
	lock_sock(sk);
	while (done < size) {
		u32 len;

		err = kssh_ulp_wait_window(sk, ctx, &timeo);
		if (err)
			break;
		len = kssh_ulp_next_chunk(ctx, size - done);
		err = kssh_ulp_push_page(sk, ctx, page, offset + done, len);
		if (err)
			break;
		done += len;
	}
	release_sock(sk);
	return done ? done : err;
}

/*
 * RFC 4253 7: after our KEXINIT only key exchange messages go until our
 * NEWKEYS; after our NEWKEYS the old keys are done with.
 */
static void kssh_ulp_tx_sent_message(struct kssh_ulp_ctx *ctx, u8 type)
{
	if (type == SSH_MSG_KEXINIT)
		WRITE_ONCE(ctx->tx_kex, true);
	if (type == SSH_MSG_NEWKEYS) {
		kssh_ulp_dir_end_keys(&ctx->tx);
		WRITE_ONCE(ctx->tx_kex, true);
		ctx->tx_rekey = true;
	}
}

/* Is this sendmsg one of userspace's own messages? -EINVAL for any other control message. */
int kssh_ulp_is_message(struct msghdr *msg)
{
	struct cmsghdr *cmsg;
	int message = 0;

	for_each_cmsghdr(cmsg, msg) {
		if (!CMSG_OK(msg, cmsg))
			return -EINVAL;
		if (cmsg->cmsg_level != SOL_KSSH ||
		    cmsg->cmsg_type != KSSH_ULP_CMSG_MESSAGE ||
		    cmsg->cmsg_len != CMSG_LEN(0) || message)
			return -EINVAL;
		message = 1;
	}
	return message;
}

/* A whole payload, type byte first, in one packet: never split, never held by the window. */
static int kssh_ulp_send_message(struct sock *sk, struct kssh_ulp_ctx *ctx,
				 struct msghdr *msg, size_t size)
{
	int err;

	if (!size)
		return -EINVAL;
	if (size > KSSH_ULP_MAX_PAYLOAD)
		return -EMSGSIZE;
	lock_sock(sk);
	err = kssh_ulp_push_record(sk, ctx, msg, size, false);
	if (!err)
		kssh_ulp_tx_sent_message(ctx, ctx->tx_last_type);
	release_sock(sk);
	return err ? err : size;
}

int kssh_ulp_tx_sendmsg(struct sock *sk, struct kssh_ulp_ctx *ctx,
			struct msghdr *msg, size_t size)
{
	long timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	size_t copied = 0;
	int err = 0;

	err = kssh_ulp_is_message(msg);
	if (err < 0)
		return err;
	if (err)
		return kssh_ulp_send_message(sk, ctx, msg, size);
	if (!ctx->bound)
		return -EDESTADDRREQ;
	lock_sock(sk);
	while (copied < size) {
		u32 len;

		err = kssh_ulp_wait_window(sk, ctx, &timeo);
		if (err)
			break;
		len = kssh_ulp_next_chunk(ctx, size - copied);
		err = kssh_ulp_push_record(sk, ctx, msg, len, true);
		if (err)
			break;
		copied += len;
	}
	release_sock(sk);
	return copied ? copied : err;
}
