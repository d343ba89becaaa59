/*
 * sockopt: socket options at the moment each takes effect (see
 * sockopt.h).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <net/if.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sockopt.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP		262
#endif
#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT	30
#endif

/* Pending Fast Open requests a listener keeps. */
#define FASTOPEN_QUEUE		256

/* One setsockopt, named for the failure. */
struct setting {
	enum sockopt_id	 id;
	int		 level;
	int		 name;
	const void	*value;
	socklen_t	 len;
	const char	*call;
};

void
sockopt_init(struct sock_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ttl = -1;
	o->tos = -1;
	o->multicast_loop = -1;
}

static int
is_ip(int family)
{
	return family == AF_INET || family == AF_INET6;
}

int
sockopt_protocol(const struct sock_opts *o, int family, int type,
    int protocol)
{
	if (o != NULL && o->mptcp && is_ip(family) && type == SOCK_STREAM)
		return IPPROTO_MPTCP;
	return protocol;
}

int
sockopt_is_multicast(const struct sockaddr *sa)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET)
		return IN_MULTICAST(ntohl(sin->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr);
	return 0;
}

static int
fail_with(struct sockopt_fail *fail, enum sockopt_id id, const char *call)
{
	fail->id = id;
	fail->call = call;
	return -1;
}

static int
set(int fd, const struct setting *s, struct sockopt_fail *fail)
{
	if (setsockopt(fd, s->level, s->name, s->value, s->len) == -1)
		return fail_with(fail, s->id, s->call);
	return 0;
}

/*
 * A buffer size: past the system's maximum where we may (the FORCE
 * variant needs CAP_NET_ADMIN), else as far as it allows.  A wish
 * never fails.
 */
static int
set_buffer(int fd, int send, int bytes, int wish, struct sockopt_fail *fail)
{
	if (setsockopt(fd, SOL_SOCKET, send ? SO_SNDBUFFORCE : SO_RCVBUFFORCE,
	    &bytes, sizeof(bytes)) == 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, send ? SO_SNDBUF : SO_RCVBUF, &bytes,
	    sizeof(bytes)) == 0 || wish)
		return 0;
	return fail_with(fail, send ? SOCKOPT_SNDBUF : SOCKOPT_RCVBUF,
	    send ? "setsockopt SO_SNDBUF" : "setsockopt SO_RCVBUF");
}

/* SO_KEEPALIVE and the times of its probes. */
static int
set_keepalive(int fd, const struct sock_opts *o, struct sockopt_fail *fail)
{
	const struct setting s[] = {
		{ SOCKOPT_KEEPALIVE, SOL_SOCKET, SO_KEEPALIVE, &o->keepalive,
		    sizeof(int), "setsockopt SO_KEEPALIVE" },
		{ SOCKOPT_KEEPALIVE, IPPROTO_TCP, TCP_KEEPIDLE, &o->keep_idle,
		    sizeof(int), "setsockopt TCP_KEEPIDLE" },
		{ SOCKOPT_KEEPALIVE, IPPROTO_TCP, TCP_KEEPINTVL,
		    &o->keep_interval, sizeof(int),
		    "setsockopt TCP_KEEPINTVL" },
		{ SOCKOPT_KEEPALIVE, IPPROTO_TCP, TCP_KEEPCNT, &o->keep_count,
		    sizeof(int), "setsockopt TCP_KEEPCNT" },
	};
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if ((i == 0 || *(const int *)s[i].value > 0) &&
		    set(fd, &s[i], fail) == -1)
			return -1;
	return 0;
}

/*
 * TTL or TOS on an IP socket: the IPv6 option, and on an IPv6 socket
 * the IPv4 one as well for the IPv4 peers of a dual-stack socket (which
 * a v6-only socket may refuse: no harm).
 */
static int
set_ip_pair(int fd, int family, enum sockopt_id id, int v4name,
    const char *v4call, int v6name, const char *v6call, int value,
    struct sockopt_fail *fail)
{
	unsigned char byte = (unsigned char)value;
	int r;

	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, v6name, &value,
		    sizeof(value)) == -1)
			return fail_with(fail, id, v6call);
		(void)setsockopt(fd, IPPROTO_IP, v4name, &value,
		    sizeof(value));
		return 0;
	}
	/* IP_MULTICAST_TTL also takes a byte; an int is fine on Linux. */
	r = setsockopt(fd, IPPROTO_IP, v4name, &value, sizeof(value));
	if (r == -1 && errno == EINVAL)
		r = setsockopt(fd, IPPROTO_IP, v4name, &byte, sizeof(byte));
	if (r == -1)
		return fail_with(fail, id, v4call);
	return 0;
}

/* The interface index of name, or 0 with errno ENODEV. */
static unsigned int
iface_index(const char *name)
{
	unsigned int i;

	if ((i = if_nametoindex(name)) == 0)
		errno = ENODEV;
	return i;
}

/* What a socket sending to a multicast group takes. */
static int
set_multicast_send(int fd, int family, const struct sock_opts *o,
    struct sockopt_fail *fail)
{
	struct ip_mreqn mr;
	unsigned int idx;
	int loop = o->multicast_loop;

	if (o->ttl >= 0 && set_ip_pair(fd, family, SOCKOPT_TTL,
	    IP_MULTICAST_TTL, "setsockopt IP_MULTICAST_TTL",
	    IPV6_MULTICAST_HOPS, "setsockopt IPV6_MULTICAST_HOPS", o->ttl,
	    fail) == -1)
		return -1;
	if (loop >= 0 && (family == AF_INET6 ? setsockopt(fd, IPPROTO_IPV6,
	    IPV6_MULTICAST_LOOP, &loop, sizeof(loop)) : setsockopt(fd,
	    IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop))) == -1)
		return fail_with(fail, SOCKOPT_MULTICAST_LOOP, family ==
		    AF_INET6 ? "setsockopt IPV6_MULTICAST_LOOP" :
		    "setsockopt IP_MULTICAST_LOOP");
	if (o->multicast_if[0] == '\0')
		return 0;
	if ((idx = iface_index(o->multicast_if)) == 0)
		return fail_with(fail, SOCKOPT_MULTICAST_IF, "interface");
	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx,
		    sizeof(idx)) == -1)
			return fail_with(fail, SOCKOPT_MULTICAST_IF,
			    "setsockopt IPV6_MULTICAST_IF");
		return 0;
	}
	memset(&mr, 0, sizeof(mr));
	mr.imr_ifindex = (int)idx;
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
	    sizeof(mr)) == -1)
		return fail_with(fail, SOCKOPT_MULTICAST_IF,
		    "setsockopt IP_MULTICAST_IF");
	return 0;
}

/* Join one group: any source (ASM) or one source (SSM). */
static int
join_one(int fd, const struct sockopt_join *j, struct sockopt_fail *fail)
{
	struct group_source_req gsr;
	struct group_req gr;
	unsigned int idx = 0;
	int level = j->group.ss_family == AF_INET6 ? IPPROTO_IPV6 :
	    IPPROTO_IP;

	if (j->iface[0] != '\0' && (idx = iface_index(j->iface)) == 0)
		return fail_with(fail, SOCKOPT_JOIN, "interface");
	if (j->source.ss_family != 0) {
		memset(&gsr, 0, sizeof(gsr));
		gsr.gsr_interface = idx;
		memcpy(&gsr.gsr_group, &j->group, sizeof(j->group));
		memcpy(&gsr.gsr_source, &j->source, sizeof(j->source));
		if (setsockopt(fd, level, MCAST_JOIN_SOURCE_GROUP, &gsr,
		    sizeof(gsr)) == -1)
			return fail_with(fail, SOCKOPT_JOIN,
			    "setsockopt MCAST_JOIN_SOURCE_GROUP");
		return 0;
	}
	memset(&gr, 0, sizeof(gr));
	gr.gr_interface = idx;
	memcpy(&gr.gr_group, &j->group, sizeof(j->group));
	if (setsockopt(fd, level, MCAST_JOIN_GROUP, &gr, sizeof(gr)) == -1)
		return fail_with(fail, SOCKOPT_JOIN,
		    "setsockopt MCAST_JOIN_GROUP");
	return 0;
}

/*
 * The joins of the groups fd can receive: those of its family, and on
 * a dual-stack IPv6 socket the IPv4 ones too.
 */
static int
join_all(int fd, int family, const struct sock_opts *o,
    struct sockopt_fail *fail)
{
	socklen_t len = sizeof(int);
	int v6only = 1, gf;
	size_t i;

	if (family == AF_INET6 && getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &v6only, &len) == -1)
		v6only = 1;
	for (i = 0; i < o->njoin; i++) {
		gf = o->join[i].group.ss_family;
		if (gf != family && !(gf == AF_INET && !v6only))
			continue;
		fail->join = i;
		if (join_one(fd, &o->join[i], fail) == -1)
			return -1;
	}
	return 0;
}

int
sockopt_apply(int fd, int family, int type, const struct sock_opts *o,
    enum sockopt_stage stage, const struct sockaddr *peer,
    struct sockopt_fail *fail)
{
	const int one = 1, qlen = FASTOPEN_QUEUE;
	const struct setting nodelay = { SOCKOPT_NODELAY, IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof(one), "setsockopt TCP_NODELAY" };
	const struct setting device = { SOCKOPT_DEVICE, SOL_SOCKET,
	    SO_BINDTODEVICE, o->device, (socklen_t)strlen(o->device),
	    "setsockopt SO_BINDTODEVICE" };
	const struct setting mark = { SOCKOPT_MARK, SOL_SOCKET, SO_MARK,
	    &o->mark, sizeof(o->mark), "setsockopt SO_MARK" };
	const struct setting reuseport = { SOCKOPT_REUSEPORT, SOL_SOCKET,
	    SO_REUSEPORT, &one, sizeof(one), "setsockopt SO_REUSEPORT" };
	const struct setting fo_connect = { SOCKOPT_FASTOPEN, IPPROTO_TCP,
	    TCP_FASTOPEN_CONNECT, &one, sizeof(one),
	    "setsockopt TCP_FASTOPEN_CONNECT" };
	const struct setting fo_listen = { SOCKOPT_FASTOPEN, IPPROTO_TCP,
	    TCP_FASTOPEN, &qlen, sizeof(qlen), "setsockopt TCP_FASTOPEN" };
	int ip = is_ip(family), tcp = ip && type == SOCK_STREAM;
	int multicast = sockopt_is_multicast(peer);

	fail->id = SOCKOPT_NONE;
	fail->join = 0;
	fail->call = NULL;
	if (o == NULL)
		return 0;
	if (stage == SOCKOPT_BOUND)
		return ip ? join_all(fd, family, o, fail) : 0;
	if ((tcp && o->keepalive && set_keepalive(fd, o, fail) == -1) ||
	    (tcp && o->nodelay && set(fd, &nodelay, fail) == -1) ||
	    (o->send_buffer > 0 && set_buffer(fd, 1, o->send_buffer, 0,
	    fail) == -1) ||
	    (o->recv_buffer > 0 && set_buffer(fd, 0, o->recv_buffer,
	    o->recv_buffer_wish, fail) == -1) ||
	    (ip && o->device[0] != '\0' && set(fd, &device, fail) == -1) ||
	    (o->mark_set && set(fd, &mark, fail) == -1))
		return -1;
	if (ip && o->tos >= 0 && set_ip_pair(fd, family, SOCKOPT_TOS, IP_TOS,
	    "setsockopt IP_TOS", IPV6_TCLASS, "setsockopt IPV6_TCLASS",
	    o->tos, fail) == -1)
		return -1;
	if (ip && multicast)
		return set_multicast_send(fd, family, o, fail);
	if (ip && o->ttl >= 0 && set_ip_pair(fd, family, SOCKOPT_TTL, IP_TTL,
	    "setsockopt IP_TTL", IPV6_UNICAST_HOPS,
	    "setsockopt IPV6_UNICAST_HOPS", o->ttl, fail) == -1)
		return -1;
	if (stage == SOCKOPT_LISTENING)
		return (o->reuseport && set(fd, &reuseport, fail) == -1) ||
		    (tcp && o->fastopen && set(fd, &fo_listen, fail) == -1) ?
		    -1 : 0;
	return tcp && o->fastopen && set(fd, &fo_connect, fail) == -1 ? -1 :
	    0;
}

/* The DSCP code points by name, and the old TOS bits nc knows. */
static const struct {
	const char	*name;
	int		 tos;
} tos_names[] = {
	{ "ef", 46 << 2 },
	{ "af11", 10 << 2 }, { "af12", 12 << 2 }, { "af13", 14 << 2 },
	{ "af21", 18 << 2 }, { "af22", 20 << 2 }, { "af23", 22 << 2 },
	{ "af31", 26 << 2 }, { "af32", 28 << 2 }, { "af33", 30 << 2 },
	{ "af41", 34 << 2 }, { "af42", 36 << 2 }, { "af43", 38 << 2 },
	{ "cs0", 0 << 5 }, { "cs1", 1 << 5 }, { "cs2", 2 << 5 },
	{ "cs3", 3 << 5 }, { "cs4", 4 << 5 }, { "cs5", 5 << 5 },
	{ "cs6", 6 << 5 }, { "cs7", 7 << 5 },
	{ "lowdelay", 0x10 }, { "throughput", 0x08 },
	{ "reliability", 0x04 },
};

int
sockopt_tos_parse(const char *s)
{
	unsigned long v;
	size_t i;
	char *end;

	for (i = 0; i < sizeof(tos_names) / sizeof(tos_names[0]); i++)
		if (strcasecmp(s, tos_names[i].name) == 0)
			return tos_names[i].tos;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > 255)
		return -1;
	return (int)v;
}

const char *
sockopt_tos_name(size_t i)
{
	return i < sizeof(tos_names) / sizeof(tos_names[0]) ?
	    tos_names[i].name : NULL;
}
