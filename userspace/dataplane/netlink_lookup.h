/* SPDX-License-Identifier: MIT */
/* rtnetlink lookups (netlink.c) */
#ifndef KSSH_NETLINK_LOOKUP_H
#define KSSH_NETLINK_LOOKUP_H

#include <sys/socket.h>

enum { NL_LOOKUP_NO_INTERFACE = 1, NL_LOOKUP_NO_ADDRESS = 2, NL_LOOKUP_FAILED = 3 };

/* The first address of `family` on interface ifname: 0, or one of the NL_LOOKUP_* reasons */
int nl_interface_address(const char *ifname, int family, struct sockaddr_storage *out, socklen_t *len);

#endif
