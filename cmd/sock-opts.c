/*
 * sock-opts: the socket options on the command line (see sock-opts.h).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "sock-opts.h"

/* Buffer sizes a user may ask for. */
#define BUFFER_MIN	1024LL
#define BUFFER_MAX	(1LL << 30)

/* Linux's bounds for the keepalive times and probes. */
#define KEEP_SECS_MAX	32767
#define KEEP_COUNT_MAX	127

/* Each option's name, by its id. */
static const char *const names[SOCKOPT_COUNT] = {
	[SOCKOPT_KEEPALIVE] = "--keepalive",
	[SOCKOPT_NODELAY] = "--nodelay",
	[SOCKOPT_SNDBUF] = "--sndbuf",
	[SOCKOPT_RCVBUF] = "--rcvbuf",
	[SOCKOPT_TTL] = "--ttl",
	[SOCKOPT_TOS] = "--tos",
	[SOCKOPT_DEVICE] = "--bind-device",
	[SOCKOPT_MARK] = "--mark",
	[SOCKOPT_REUSEPORT] = "--reuseport",
	[SOCKOPT_MPTCP] = "--mptcp",
	[SOCKOPT_FASTOPEN] = "--fastopen",
	[SOCKOPT_JOIN] = "--join",
	[SOCKOPT_MULTICAST_IF] = "--multicast-if",
	[SOCKOPT_MULTICAST_LOOP] = "--multicast-loop",
};

void
sockopt_args_init(struct sockopt_args *a)
{
	memset(a, 0, sizeof(*a));
	sockopt_init(&a->opts);
}

/* BYTES with an optional k or M suffix. */
static int
parse_bytes(const char *cmd, const char *by, const char *arg, int *out)
{
	char num[32];
	long long v, unit = 1;
	size_t n = strlen(arg);
	const char *errstr;

	if (n > 0 && (arg[n - 1] == 'k' || arg[n - 1] == 'K'))
		unit = 1024;
	else if (n > 0 && arg[n - 1] == 'M')
		unit = 1024 * 1024;
	if (unit > 1)
		n--;
	if (n == 0 || n >= sizeof(num))
		goto bad;
	memcpy(num, arg, n);
	num[n] = '\0';
	v = strtonum(num, 1, BUFFER_MAX, &errstr);
	if (errstr != NULL || v * unit < BUFFER_MIN || v * unit > BUFFER_MAX)
		goto bad;
	*out = (int)(v * unit);
	return 0;
bad:
	return usage_error(cmd, "%s '%.64s': not a size from 1k to 1024M "
	    "(bytes, or with a k or M suffix)", by, arg);
}

/* IDLE[:INTVL[:CNT]] */
static int
parse_keepalive(const char *cmd, const char *arg, struct sock_opts *o)
{
	int *field[] = { &o->keep_idle, &o->keep_interval, &o->keep_count };
	const long long max[] = { KEEP_SECS_MAX, KEEP_SECS_MAX,
	    KEEP_COUNT_MAX };
	char buf[64], *p, *next;
	const char *errstr;
	size_t i;

	o->keepalive = 1;
	if (arg == NULL)
		return 0;
	if (strlcpy(buf, arg, sizeof(buf)) >= sizeof(buf))
		goto bad;
	for (i = 0, p = buf; i < 3 && p != NULL; i++, p = next) {
		if ((next = strchr(p, ':')) != NULL)
			*next++ = '\0';
		*field[i] = (int)strtonum(p, 1, max[i], &errstr);
		if (errstr != NULL)
			goto bad;
	}
	if (p == NULL)
		return 0;
bad:
	return usage_error(cmd, "--keepalive '%.64s': not IDLE[:INTVL[:CNT]] "
	    "(seconds 1-%d, probes 1-%d)", arg, KEEP_SECS_MAX, KEEP_COUNT_MAX);
}

/* A numeric address of a family into ss; returns the family or 0. */
static int
parse_ip(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1)
		return sin->sin_family = AF_INET;
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1)
		return sin6->sin6_family = AF_INET6;
	return 0;
}

/* [SOURCE@]GROUP[%IFACE] */
static int
parse_join(const char *cmd, const char *arg, struct sockopt_args *a)
{
	struct sockopt_join *j;
	char buf[128], *group, *iface, *at;

	if (a->opts.njoin == SOCKOPT_JOIN_MAX)
		return usage_error(cmd, "--join: at most %d groups",
		    SOCKOPT_JOIN_MAX);
	j = &a->opts.join[a->opts.njoin];
	if (strlcpy(buf, arg, sizeof(buf)) >= sizeof(buf))
		goto bad;
	group = buf;
	if ((at = strchr(buf, '@')) != NULL) {
		*at = '\0';
		group = at + 1;
	}
	if ((iface = strchr(group, '%')) != NULL) {
		*iface++ = '\0';
		if (strlcpy(j->iface, iface, sizeof(j->iface)) >=
		    sizeof(j->iface) || *iface == '\0')
			return usage_error(cmd, "--join '%.64s': bad interface "
			    "name", arg);
	}
	if (parse_ip(group, &j->group) == 0 ||
	    !sockopt_is_multicast((struct sockaddr *)&j->group))
		return usage_error(cmd, "--join '%.64s': '%s' is not a "
		    "multicast group address (224.0.0.0/4 or ff00::/8)", arg,
		    group);
	if (at != NULL && (parse_ip(buf, &j->source) !=
	    j->group.ss_family ||
	    sockopt_is_multicast((struct sockaddr *)&j->source)))
		return usage_error(cmd, "--join '%.64s': source '%s' is not "
		    "a unicast address of the group's family", arg, buf);
	a->join_given[a->opts.njoin++] = arg;
	return 0;
bad:
	return usage_error(cmd, "--join '%.64s...': too long", arg);
}

static int
parse_iface(const char *cmd, const char *by, const char *arg, char *out,
    size_t len)
{
	if (*arg == '\0' || strlcpy(out, arg, len) >= len ||
	    strchr(arg, '/') != NULL)
		return usage_error(cmd, "%s '%.64s': not an interface name",
		    by, arg);
	return 0;
}

int
sockopt_option(struct sockopt_args *a, const char *cmd, int c,
    const char *arg, const char *by)
{
	struct sock_opts *o = &a->opts;
	unsigned long long v;
	const char *errstr;
	char *end;

	if (c < OPT_KEEPALIVE || c > OPT_MULTICAST_LOOP)
		return -1;
	a->given[c - OPT_KEEPALIVE + SOCKOPT_KEEPALIVE] = arg != NULL ?
	    arg : "";
	switch (c) {
	case OPT_KEEPALIVE:
		return parse_keepalive(cmd, arg, o);
	case OPT_NODELAY:
		o->nodelay = 1;
		return 0;
	case OPT_SNDBUF:
		return parse_bytes(cmd, by, arg, &o->send_buffer);
	case OPT_RCVBUF:
		o->recv_buffer_wish = 0;
		return parse_bytes(cmd, by, arg, &o->recv_buffer);
	case OPT_TTL:
		o->ttl = (int)strtonum(arg, 0, 255, &errstr);
		if (errstr != NULL)
			return usage_error(cmd, "--ttl '%.64s': not a hop "
			    "count (0-255)", arg);
		return 0;
	case OPT_TOS:
		if ((o->tos = sockopt_tos_parse(arg)) == -1)
			return usage_error(cmd, "--tos '%.64s': not a number "
			    "0-255, a DSCP name (ef, af11..af43, cs0..cs7) or "
			    "lowdelay, throughput, reliability",
			    arg);
		return 0;
	case OPT_BIND_DEVICE:
		return parse_iface(cmd, by, arg, o->device, sizeof(o->device));
	case OPT_MARK:
		errno = 0;
		v = strtoull(arg, &end, 0);
		if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 ||
		    v > UINT32_MAX)
			return usage_error(cmd, "--mark '%.64s': not a number "
			    "0-4294967295", arg);
		o->mark_set = 1;
		o->mark = (uint32_t)v;
		return 0;
	case OPT_REUSEPORT:
		o->reuseport = 1;
		return 0;
	case OPT_MPTCP:
		o->mptcp = 1;
		return 0;
	case OPT_FASTOPEN:
		o->fastopen = 1;
		return 0;
	case OPT_JOIN:
		return parse_join(cmd, arg, a);
	case OPT_MULTICAST_IF:
		return parse_iface(cmd, by, arg, o->multicast_if,
		    sizeof(o->multicast_if));
	case OPT_MULTICAST_LOOP:
		if (strcmp(arg, "0") != 0 && strcmp(arg, "1") != 0)
			return usage_error(cmd, "--multicast-loop '%.64s': "
			    "0 or 1", arg);
		o->multicast_loop = arg[0] - '0';
		return 0;
	}
	return -1;
}

/* The first option given of those in ids (SOCKOPT_NONE-terminated). */
static enum sockopt_id
first_given(const struct sockopt_args *a, const enum sockopt_id *ids)
{
	for (; *ids != SOCKOPT_NONE; ids++)
		if (a->given[*ids] != NULL)
			return *ids;
	return SOCKOPT_NONE;
}

int
sockopt_check(const struct sockopt_args *a, const struct sockopt_use *u)
{
	static const enum sockopt_id tcp_only[] = { SOCKOPT_KEEPALIVE,
	    SOCKOPT_NODELAY, SOCKOPT_MPTCP, SOCKOPT_FASTOPEN, SOCKOPT_NONE };
	static const enum sockopt_id ip_only[] = { SOCKOPT_TTL, SOCKOPT_TOS,
	    SOCKOPT_DEVICE, SOCKOPT_MARK, SOCKOPT_REUSEPORT, SOCKOPT_JOIN,
	    SOCKOPT_MULTICAST_IF, SOCKOPT_MULTICAST_LOOP, SOCKOPT_NONE };
	static const enum sockopt_id listening_only[] = { SOCKOPT_REUSEPORT,
	    SOCKOPT_JOIN, SOCKOPT_NONE };
	static const enum sockopt_id sending_only[] = { SOCKOPT_MULTICAST_IF,
	    SOCKOPT_MULTICAST_LOOP, SOCKOPT_NONE };
	static const enum sockopt_id dgram_only[] = { SOCKOPT_JOIN,
	    SOCKOPT_MULTICAST_IF, SOCKOPT_MULTICAST_LOOP, SOCKOPT_NONE };
	enum sockopt_id id;
	size_t i;

	if ((id = first_given(a, tcp_only)) != SOCKOPT_NONE) {
		if (u->family == AF_UNIX)
			return usage_error(u->cmd, "%s conflicts with %s: "
			    "TCP only", names[id], u->family_by);
		if (u->type != SOCK_STREAM && u->type_by != NULL)
			return usage_error(u->cmd, "%s conflicts with %s: "
			    "TCP only", names[id], u->type_by);
		if (u->type != SOCK_STREAM)
			return usage_error(u->cmd, "%s does not apply to %s: "
			    "TCP only", names[id], u->cmd);
	}
	if ((id = first_given(a, ip_only)) != SOCKOPT_NONE &&
	    u->family == AF_UNIX)
		return usage_error(u->cmd, "%s conflicts with %s: IP sockets "
		    "only", names[id], u->family_by);
	if ((id = first_given(a, listening_only)) != SOCKOPT_NONE &&
	    !u->listening)
		return usage_error(u->cmd, "%s does not apply to %s: %s",
		    names[id], u->cmd, id == SOCKOPT_JOIN ? "it is for "
		    "udp-listen and serve -u" : "listening sockets only");
	if ((id = first_given(a, sending_only)) != SOCKOPT_NONE &&
	    u->listening)
		return usage_error(u->cmd, "%s does not apply to %s: it is "
		    "for udp-send and connect -u", names[id], u->cmd);
	if ((id = first_given(a, dgram_only)) != SOCKOPT_NONE &&
	    u->type != SOCK_DGRAM)
		return usage_error(u->cmd, "%s needs -u on %s: multicast is "
		    "UDP", names[id], u->cmd);
	for (i = 0; i < a->opts.njoin; i++)
		if ((u->family == AF_INET || u->family == AF_INET6) &&
		    a->opts.join[i].group.ss_family != u->family)
			return usage_error(u->cmd, "--join %s conflicts with "
			    "%s: the group is of the other family",
			    a->join_given[i], u->family_by);
	if (a->given[SOCKOPT_MPTCP] != NULL && u->protocol_given)
		return usage_error(u->cmd, "--mptcp conflicts with "
		    "--protocol");
	return 0;
}

void
sockopt_report(const struct sockopt_args *a, const struct sockopt_fail *fail)
{
	const char *given = fail->id == SOCKOPT_JOIN ?
	    a->join_given[fail->join] : a->given[fail->id];

	if (fail->id == SOCKOPT_MPTCP)
		warnx("--mptcp: %s: %s (the kernel has no Multipath TCP, or "
		    "net.mptcp.enabled is 0)", fail->call, strerror(errno));
	else if (given == NULL || *given == '\0')
		warn("%s: %s", names[fail->id], fail->call);
	else
		warn("%s %s: %s", names[fail->id], given, fail->call);
}

int
sockopt_join_check_addr(const struct sockopt_args *a, const char *cmd,
    const char *host, const struct sockaddr *sa)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
	const struct sockopt_join *j;
	char ip[INET6_ADDRSTRLEN + 3];
	size_t i;

	if (a->opts.njoin == 0)
		return 0;
	if (sa->sa_family == AF_INET ? sin->sin_addr.s_addr == INADDR_ANY :
	    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
		return 0;
	for (i = 0; i < a->opts.njoin; i++) {
		j = &a->opts.join[i];
		if (j->group.ss_family != sa->sa_family)
			continue;
		if (sa->sa_family == AF_INET ? memcmp(&sin->sin_addr,
		    &((const struct sockaddr_in *)&j->group)->sin_addr,
		    sizeof(sin->sin_addr)) == 0 : memcmp(&sin6->sin6_addr,
		    &((const struct sockaddr_in6 *)&j->group)->sin6_addr,
		    sizeof(sin6->sin6_addr)) == 0)
			return 0;
	}
	/* HOST as it resolved, where that is not how it was typed. */
	if (inet_ntop(sa->sa_family, sa->sa_family == AF_INET ?
	    (const void *)&sin->sin_addr : (const void *)&sin6->sin6_addr,
	    ip + 2, sizeof(ip) - 3) == NULL || strcmp(ip + 2, host) == 0)
		ip[0] = '\0';
	else {
		ip[0] = ' ';
		ip[1] = '(';
		strlcat(ip, ")", sizeof(ip));
	}
	return usage_error(cmd, "--join %s conflicts with HOST %s%s: a "
	    "socket bound there gets no joined group's datagrams (leave "
	    "HOST out, or give the group)", a->join_given[0], host, ip);
}

const char *
sockopt_join_host(const struct sockopt_args *a, char *buf, size_t len)
{
	const struct sock_opts *o = &a->opts;
	const struct sockopt_join *j;
	char ip[INET6_ADDRSTRLEN];
	const void *addr;
	size_t i;
	int scoped;

	if (o->njoin == 0)
		return NULL;
	for (i = 1; i < o->njoin; i++)
		if (memcmp(&o->join[i].group, &o->join[0].group,
		    sizeof(o->join[0].group)) != 0 ||
		    strcmp(o->join[i].iface, o->join[0].iface) != 0)
			return NULL;
	j = &o->join[0];
	/* A link-local group is bound with its interface only: without
	 * one the address means nothing to bind(2) (EINVAL), and the
	 * wildcard takes its place. */
	if (j->group.ss_family == AF_INET6 && j->iface[0] == '\0' &&
	    (IN6_IS_ADDR_MC_LINKLOCAL(
	    &((const struct sockaddr_in6 *)&j->group)->sin6_addr) ||
	    IN6_IS_ADDR_MC_NODELOCAL(
	    &((const struct sockaddr_in6 *)&j->group)->sin6_addr)))
		return NULL;
	addr = j->group.ss_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)&j->group)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)&j->group)->sin6_addr;
	if (inet_ntop(j->group.ss_family, addr, ip, sizeof(ip)) == NULL)
		return NULL;
	/* A scope goes with a link-local group only (getaddrinfo takes
	 * no other). */
	scoped = j->group.ss_family == AF_INET6 && j->iface[0] != '\0' &&
	    IN6_IS_ADDR_MC_LINKLOCAL(
	    &((const struct sockaddr_in6 *)&j->group)->sin6_addr);
	snprintf(buf, len, "%s%s%s", ip, scoped ? "%" : "",
	    scoped ? j->iface : "");
	return buf;
}
