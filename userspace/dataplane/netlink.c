// SPDX-License-Identifier: MIT
/*
 * Interface and address lookups through rtnetlink (libnl-route): the spec's
 * `source-interface` names an interface; the client binds to that
 * interface's address of the destination's family, as well as to the device.
 */
#include <errno.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "netlink_lookup.h"

int nl_interface_address(const char *ifname, int family, struct sockaddr_storage *out, socklen_t *len)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *link = NULL;
	struct nl_cache *addrs = NULL;
	int ifindex, r = NL_LOOKUP_NO_INTERFACE;

	if (sk == NULL || nl_connect(sk, NETLINK_ROUTE) != 0) {
		r = NL_LOOKUP_FAILED;
		goto out;
	}
	if (rtnl_link_get_kernel(sk, 0, ifname, &link) != 0)
		goto out;
	ifindex = rtnl_link_get_ifindex(link);
	if (rtnl_addr_alloc_cache(sk, &addrs) != 0) {
		r = NL_LOOKUP_FAILED;
		goto out;
	}
	r = NL_LOOKUP_NO_ADDRESS;
	for (struct nl_object *obj = nl_cache_get_first(addrs); obj != NULL; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *a = (struct rtnl_addr *)obj;
		struct nl_addr *local = rtnl_addr_get_local(a);

		if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != family || local == NULL)
			continue;
		*len = sizeof(*out);
		memset(out, 0, sizeof(*out));
		if (nl_addr_fill_sockaddr(local, (struct sockaddr *)out, len) == 0) {
			r = 0;
			break;
		}
	}
out:
	if (addrs)
		nl_cache_free(addrs);
	if (link)
		rtnl_link_put(link);
	if (sk)
		nl_socket_free(sk);
	return r;
}
