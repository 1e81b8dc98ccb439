// SPDX-License-Identifier: GPL-2.0
/*
 * kssh: an SSH record layer as a TCP upper-layer protocol, modelled on
 * net/tls/tls_main.c. This file registers the ULP, swaps the socket's proto
 * for one with our setsockopt/getsockopt/sendmsg/close, and takes the record
 * state userspace installs after NEWKEYS. The record path (framing,
 * encryption, the bound channel) lives apart from it.
 *
 * Everything from userspace is hostile: exact option sizes, reserved fields
 * zero, every state change under the socket lock; bad use gets an errno.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sockptr.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>

#include "kssh_ulp.h"

enum { KSSH_ULP_IPV4, KSSH_ULP_IPV6, KSSH_ULP_NUM_FAMILIES };

static struct proto kssh_ulp_prots[KSSH_ULP_NUM_FAMILIES];
static const struct proto *kssh_ulp_base[KSSH_ULP_NUM_FAMILIES];
static struct proto_ops kssh_ulp_ops_copy[KSSH_ULP_NUM_FAMILIES];
static const struct proto_ops *kssh_ulp_base_ops[KSSH_ULP_NUM_FAMILIES];
static DEFINE_MUTEX(kssh_ulp_prot_lock);

static struct kssh_ulp_ctx *kssh_ulp_get_ctx(const struct sock *sk)
{
	return (__force void *)inet_csk(sk)->icsk_ulp_data;
}

/* The channel write() feeds. */
static int kssh_ulp_bind_channel(struct kssh_ulp_ctx *ctx, sockptr_t optval,
				 unsigned int optlen)
{
	struct kssh_ulp_channel chan;

	if (optlen != sizeof(chan))
		return -EINVAL;
	if (ctx->bound)
		return -EBUSY;
	if (copy_from_sockptr(&chan, optval, sizeof(chan)))
		return -EFAULT;
	if (!chan.max_packet || chan.max_packet > 256 * 1024)
		return -EINVAL;
	ctx->chan = chan;
	ctx->bound = true;
	return 0;
}

/* RFC 4254 5.2: the window may not grow past 2^32 - 1 */
static int kssh_ulp_add_window(struct sock *sk, struct kssh_ulp_ctx *ctx,
			       sockptr_t optval, unsigned int optlen)
{
	u32 add;

	if (optlen != sizeof(add))
		return -EINVAL;
	if (!ctx->bound)
		return -EDESTADDRREQ;
	if (copy_from_sockptr(&add, optval, sizeof(add)))
		return -EFAULT;
	if (add > U32_MAX - ctx->chan.window)
		return -EOVERFLOW;
	WRITE_ONCE(ctx->chan.window, ctx->chan.window + add);
	kssh_ulp_tx_wake(sk);
	return 0;
}

/* RX keys, then the ciphertext userspace already read past its last packet */
static int kssh_ulp_install_rx(struct sock *sk, struct kssh_ulp_ctx *ctx,
			       sockptr_t optval, unsigned int optlen)
{
	struct kssh_ulp_crypto_info info;
	int err;

	if (optlen < sizeof(info))
		return -EINVAL;
	if (copy_from_sockptr(&info, optval, sizeof(info)))
		return -EFAULT;
	mutex_lock(&ctx->rx_lock);
	/* the first install, or the one the peer's NEWKEYS asked for */
	err = -EBUSY;
	if (ctx->rx.keyed || (ctx->rx.cipher && !ctx->rx_rekey))
		goto out;
	err = -ENOMEM;
	if (!ctx->rx_buf)
		ctx->rx_buf = kvmalloc(KSSH_ULP_RECORD_SIZE, GFP_KERNEL);
	if (!ctx->rx_buf)
		goto out;
	err = kssh_ulp_rx_push_pending(ctx, optval, sizeof(info),
				       optlen - sizeof(info));
	if (!err)
		err = kssh_ulp_dir_install(&ctx->rx, &info);
	if (!err) {
		ctx->installs++;
		ctx->rx_rekey = false;
	} else {
		ctx->rx_have = ctx->rx_consumed = 0;
	}
out:
	mutex_unlock(&ctx->rx_lock);
	memzero_explicit(&info, sizeof(info));
	return err;
}

static int kssh_ulp_setsockopt_locked(struct sock *sk, int optname,
				      sockptr_t optval, unsigned int optlen)
{
	struct kssh_ulp_ctx *ctx = kssh_ulp_get_ctx(sk);
	struct kssh_ulp_crypto_info info;
	int err;

	switch (optname) {
	case KSSH_ULP_TX:
		break;
	case KSSH_ULP_CHANNEL:
		return kssh_ulp_bind_channel(ctx, optval, optlen);
	case KSSH_ULP_WINDOW:
		return kssh_ulp_add_window(sk, ctx, optval, optlen);
	default:
		return -ENOPROTOOPT;
	}
	if (optlen != sizeof(info))
		return -EINVAL;
	/* the first install, or the one our NEWKEYS asked for */
	if (ctx->tx.keyed || (ctx->tx.cipher && !ctx->tx_rekey))
		return -EBUSY;
	if (copy_from_sockptr(&info, optval, sizeof(info)))
		return -EFAULT;
	/* the one packet being built: sized for the largest payload SSH allows */
	if (!ctx->record) {
		ctx->record = kvmalloc(KSSH_ULP_RECORD_SIZE, GFP_KERNEL);
		if (!ctx->record)
			return -ENOMEM;
		ctx->record_size = KSSH_ULP_RECORD_SIZE;
	}
	err = kssh_ulp_dir_install(&ctx->tx, &info);
	memzero_explicit(&info, sizeof(info));
	if (!err) {
		ctx->installs++;
		ctx->tx_rekey = false;
		WRITE_ONCE(ctx->tx_kex, false);
		kssh_ulp_tx_wake(sk);
	}
	return err;
}

static int kssh_ulp_setsockopt(struct sock *sk, int level, int optname,
			       sockptr_t optval, unsigned int optlen)
{
	struct kssh_ulp_ctx *ctx = kssh_ulp_get_ctx(sk);
	int err;

	if (level != SOL_KSSH)
		return ctx->sk_proto->setsockopt(sk, level, optname, optval,
						 optlen);
	/* RX state is the reader's: its lock, never under the socket lock (the reader takes that inside) */
	if (optname == KSSH_ULP_RX)
		return kssh_ulp_install_rx(sk, ctx, optval, optlen);
	lock_sock(sk);
	err = kssh_ulp_setsockopt_locked(sk, optname, optval, optlen);
	release_sock(sk);
	return err;
}

static int kssh_ulp_getsockopt(struct sock *sk, int level, int optname,
			       char __user *optval, int __user *optlen)
{
	struct kssh_ulp_ctx *ctx = kssh_ulp_get_ctx(sk);
	struct kssh_ulp_stats stats = {};
	int len;

	if (level != SOL_KSSH)
		return ctx->sk_proto->getsockopt(sk, level, optname, optval,
						 optlen);
	/* state can be read back, never the keys */
	if (optname != KSSH_ULP_STATS)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len != sizeof(stats))
		return -EINVAL;
	lock_sock(sk);
	stats.tx_packets = ctx->tx.packets;
	stats.tx_bytes = ctx->tx.bytes;
	stats.rx_packets = ctx->rx.packets;
	stats.rx_bytes = ctx->rx.bytes;
	stats.tx_seqnr = ctx->tx.seqnr;
	stats.rx_seqnr = ctx->rx.seqnr;
	stats.tx_cipher = ctx->tx.cipher;
	stats.rx_cipher = ctx->rx.cipher;
	stats.installs = ctx->installs;
	stats.window = ctx->chan.window;
	release_sock(sk);
	if (copy_to_user(optval, &stats, sizeof(stats)))
		return -EFAULT;
	return 0;
}

/* Once keys are in, everything written goes through the record path: plaintext never reaches the wire. */
static int kssh_ulp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct kssh_ulp_ctx *ctx = kssh_ulp_get_ctx(sk);

	/* once keys were in, always the record path: between rekeys too */
	if (READ_ONCE(ctx->tx.cipher))
		return kssh_ulp_tx_sendmsg(sk, ctx, msg, size);
	/* a message meant for the record path must not leave in plaintext */
	if (msg->msg_controllen && kssh_ulp_is_message(msg))
		return -ENOKEY;
	return ctx->sk_proto->sendmsg(sk, msg, size);
}

static int kssh_ulp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
			    int flags, int *addr_len)
{
	struct kssh_ulp_ctx *ctx = kssh_ulp_get_ctx(sk);

	if (READ_ONCE(ctx->rx.cipher))
		return kssh_ulp_rx_recvmsg(sk, ctx, msg, len, flags);
	return ctx->sk_proto->recvmsg(sk, msg, len, flags, addr_len);
}

static int kssh_ulp_sendpage(struct sock *sk, struct page *page, int offset,
			     size_t size, int flags)
{
	struct kssh_ulp_ctx *ctx = kssh_ulp_get_ctx(sk);

	if (READ_ONCE(ctx->tx.cipher))
		return kssh_ulp_tx_sendpage(sk, ctx, page, offset, size, flags);
	return ctx->sk_proto->sendpage(sk, page, offset, size, flags);
}

static void kssh_ulp_ctx_free(struct kssh_ulp_ctx *ctx)
{
	kssh_ulp_dir_clear(&ctx->tx);
	kssh_ulp_dir_clear(&ctx->rx);
	kvfree_sensitive(ctx->record, ctx->record_size);
	if (ctx->rx_buf)
		kvfree_sensitive(ctx->rx_buf, KSSH_ULP_RECORD_SIZE);
	kfree_sensitive(ctx);
}

static void kssh_ulp_close(struct sock *sk, long timeout)
{
	struct kssh_ulp_ctx *ctx = kssh_ulp_get_ctx(sk);
	struct proto *base = ctx->sk_proto;

	lock_sock(sk);
	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_pointer(inet_csk(sk)->icsk_ulp_data, NULL);
	WRITE_ONCE(sk->sk_prot, base);
	write_unlock_bh(&sk->sk_callback_lock);
	release_sock(sk);
	kssh_ulp_ctx_free(ctx);
	base->close(sk, timeout);
}

/*
 * poll as the record path sees it: not writable while channel data would
 * wait (window 0, our key exchange), readable while the module holds data,
 * a message or an error that TCP's queue no longer shows.
 */
static __poll_t kssh_ulp_poll(struct file *file, struct socket *sock,
			      poll_table *wait)
{
	int family = sock->sk->sk_family == AF_INET6 ? KSSH_ULP_IPV6 : KSSH_ULP_IPV4;
	__poll_t mask = kssh_ulp_base_ops[family]->poll(file, sock, wait);
	struct kssh_ulp_ctx *ctx = kssh_ulp_get_ctx(sock->sk);

	if (!ctx)
		return mask;
	if (READ_ONCE(ctx->tx.cipher) && !kssh_ulp_tx_open(ctx))
		mask &= ~(EPOLLOUT | EPOLLWRNORM);
	if (READ_ONCE(ctx->rx_data_len) || READ_ONCE(ctx->rx_payload_len) ||
	    READ_ONCE(ctx->rx_err))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

/* Our proto for a family: the base's, with the calls we take over; built once. */
static int kssh_ulp_build_proto(struct sock *sk)
{
	int family = sk->sk_family == AF_INET6 ? KSSH_ULP_IPV6 : KSSH_ULP_IPV4;
	struct proto *prot = &kssh_ulp_prots[family];

	mutex_lock(&kssh_ulp_prot_lock);
	if (!kssh_ulp_base[family]) {
		*prot = *sk->sk_prot;
		prot->setsockopt = kssh_ulp_setsockopt;
		prot->getsockopt = kssh_ulp_getsockopt;
		prot->sendmsg = kssh_ulp_sendmsg;
		prot->sendpage = kssh_ulp_sendpage;
		prot->recvmsg = kssh_ulp_recvmsg;
		prot->close = kssh_ulp_close;
		/* no sockmap: it would swap our proto out from under us */
		prot->psock_update_sk_prot = NULL;
		kssh_ulp_ops_copy[family] = *sk->sk_socket->ops;
		kssh_ulp_ops_copy[family].poll = kssh_ulp_poll;
		kssh_ulp_base_ops[family] = sk->sk_socket->ops;
		kssh_ulp_base[family] = sk->sk_prot;
	}
	mutex_unlock(&kssh_ulp_prot_lock);
	/* a socket whose proto is not the one we copied (sockmap, another ULP) is refused */
	if (sk->sk_prot != kssh_ulp_base[family] ||
	    sk->sk_socket->ops != kssh_ulp_base_ops[family])
		return -EINVAL;
	return family;
}

static int kssh_ulp_init(struct sock *sk)
{
	struct kssh_ulp_ctx *ctx;
	int family;

	/* as kTLS: a listening socket's children would share one context */
	if (sk->sk_state != TCP_ESTABLISHED)
		return -ENOTCONN;
	family = kssh_ulp_build_proto(sk);
	if (family < 0)
		return family;
	ctx = kzalloc(sizeof(*ctx), GFP_ATOMIC);
	if (!ctx)
		return -ENOMEM;
	mutex_init(&ctx->rx_lock);
	write_lock_bh(&sk->sk_callback_lock);
	ctx->sk_proto = READ_ONCE(sk->sk_prot);
	rcu_assign_pointer(inet_csk(sk)->icsk_ulp_data, ctx);
	WRITE_ONCE(sk->sk_prot, &kssh_ulp_prots[family]);
	WRITE_ONCE(sk->sk_socket->ops, &kssh_ulp_ops_copy[family]);
	write_unlock_bh(&sk->sk_callback_lock);
	return 0;
}

/* The socket is destroyed without a close through us (e.g. an aborted connect): free the context. */
static void kssh_ulp_release(struct sock *sk)
{
	struct kssh_ulp_ctx *ctx = kssh_ulp_get_ctx(sk);

	if (!ctx)
		return;
	rcu_assign_pointer(inet_csk(sk)->icsk_ulp_data, NULL);
	kssh_ulp_ctx_free(ctx);
}

static struct tcp_ulp_ops kssh_ulp_ops __read_mostly = {
	.name = KSSH_ULP_NAME,
	.owner = THIS_MODULE,
	.init = kssh_ulp_init,
	.release = kssh_ulp_release,
};

static int __init kssh_ulp_module_init(void)
{
	tcp_register_ulp(&kssh_ulp_ops);
	return 0;
}

static void __exit kssh_ulp_module_exit(void)
{
	tcp_unregister_ulp(&kssh_ulp_ops);
}

module_init(kssh_ulp_module_init);
module_exit(kssh_ulp_module_exit);

MODULE_DESCRIPTION("kssh: SSH record layer as a TCP ULP");
MODULE_LICENSE("GPL");
MODULE_ALIAS_TCP_ULP("kssh");
