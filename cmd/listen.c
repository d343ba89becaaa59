/*
 * listen: listening sockets for serve and udp-listen (see listen.h).
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "listen.h"
#include "relay.h"
#include "sock.h"
#include "sock-opts.h"

void
listeners_close(struct listeners *l)
{
	while (l->n > 0)
		close(l->fd[--l->n]);
}

/* The port a socket got (for port 0), or -1. */
static int
bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST];
	int port;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    addr_format((struct sockaddr *)&ss, len, host, sizeof(host),
	    &port) != 0)
		return -1;
	return port;
}

/* The first result of family in res, or NULL. */
static struct addrinfo *
first_of(struct addrinfo *res, int family)
{
	for (; res != NULL; res = res->ai_next)
		if (res->ai_family == family)
			return res;
	return NULL;
}

/*
 * Listen on ai with co's socket options and add the socket to l.
 * Returns 0, -1 with errno, or -2 after the message of an option the
 * kernel refused.
 */
static int
add_listener(const struct common_opts *co, struct listeners *l,
    const struct addrinfo *ai, int v6only, int backlog)
{
	struct sock_spec spec;
	int fd;

	memset(&spec, 0, sizeof(spec));
	spec.type = ai->ai_socktype;
	spec.protocol = ai->ai_protocol;
	spec.opts = &co->sock.opts;
	fd = sock_listen(ai->ai_addr, ai->ai_addrlen, &spec, v6only, backlog);
	if (fd == -1 && spec.fail.id != SOCKOPT_NONE) {
		sockopt_report(&co->sock, &spec.fail);
		return -2;
	}
	if (fd == -1)
		return -1;
	l->fd[l->n++] = fd;
	return 0;
}

/*
 * Bind every address of res; the wildcard of no family is one dual-stack
 * socket on :: where IPv6 exists, else 0.0.0.0.  With port 0 the later
 * sockets take the port the first got, so that one port serves them
 * all.  Returns 0 or 1 after a message.
 */
static int
listen_inet(const struct common_opts *co, const struct endpoint *ep,
    struct addrinfo *res, int backlog, struct listeners *l)
{
	struct addrinfo *ai, *prev;
	char name[RELAY_NAME_MAX];
	int port = -1, r;

	if ((ep->host == NULL || *ep->host == '\0') &&
	    co->family == AF_UNSPEC) {
		if ((ai = first_of(res, AF_INET6)) != NULL &&
		    (r = add_listener(co, l, ai, 0, backlog)) != -1)
			return r == 0 ? 0 : 1;
		if (ai == NULL || errno == EAFNOSUPPORT ||
		    errno == EADDRNOTAVAIL)
			ai = first_of(res, AF_INET);
		if (ai != NULL && (r = add_listener(co, l, ai, -1,
		    backlog)) != -1)
			return r == 0 ? 0 : 1;
		if (ai != NULL)
			warn("%s %s", co->cmd, relay_name(ai->ai_addr,
			    ai->ai_addrlen, name, sizeof(name)));
		else
			warnx("%s port %s: no address to listen on",
			    co->cmd, ep->port);
		return 1;
	}
	for (ai = res; ai != NULL && l->n < MAX_LISTEN; ai = ai->ai_next) {
		for (prev = res; prev != ai; prev = prev->ai_next)
			if (prev->ai_addrlen == ai->ai_addrlen && memcmp(
			    prev->ai_addr, ai->ai_addr, ai->ai_addrlen) == 0)
				break;
		if (prev != ai)
			continue;
		if (port > 0)
			addr_set_port(ai->ai_addr, port);
		if ((r = add_listener(co, l, ai, 1, backlog)) != 0) {
			if (r == -1)
				warn("%s %s", co->cmd, relay_name(ai->ai_addr,
				    ai->ai_addrlen, name, sizeof(name)));
			/* None of them, then: the ones already open too. */
			listeners_close(l);
			return 1;
		}
		if (port <= 0)
			port = bound_port(l->fd[l->n - 1]);
	}
	return 0;
}

int
listeners_open(const struct common_opts *co, const struct endpoint *ep,
    int type, int backlog, struct listeners *l)
{
	struct addrinfo hints, *res, *ai;
	struct sock_spec spec;
	struct stat st;
	char hint[192];
	int r;

	memset(l, 0, sizeof(*l));
	if (backlog <= 0)
		backlog = SOMAXCONN;
	if (ep->path != NULL) {
		memset(&spec, 0, sizeof(spec));
		spec.type = type;
		spec.opts = &co->sock.opts;
		if ((r = sock_listen_unix(ep->path, &spec, backlog)) >= 0) {
			l->fd[l->n++] = r;
			if (ep->path[0] != '@' && lstat(ep->path, &st) == 0) {
				l->unix_path = ep->path;
				l->unix_dev = st.st_dev;
				l->unix_ino = st.st_ino;
			}
			return 0;
		}
		if (errno == ENAMETOOLONG)
			return usage_error(co->cmd, "unix path '%.40s...' too "
			    "long (%zu bytes, at most %zu)", ep->path,
			    strlen(ep->path),
			    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		if (spec.fail.id != SOCKOPT_NONE)
			sockopt_report(&co->sock, &spec.fail);
		else if (errno == EEXIST)
			warnx("%s %s: file exists and is not a socket of "
			    "this type; not replaced", co->cmd, ep->path);
		else if (errno == EADDRINUSE)
			warnx("%s %s: a server is listening there",
			    co->cmd, ep->path);
		else
			warn("%s %s", co->cmd, ep->path);
		return 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = co->family;
	hints.ai_socktype = type;
	hints.ai_protocol = co->protocol;
	hints.ai_flags = AI_PASSIVE | (co->numeric ?
	    AI_NUMERICHOST | AI_NUMERICSERV : 0);
	if ((r = addr_resolve(ep->host, ep->port, &hints, &res)) != 0) {
		/* serve --hex-dump FILE PORT: FILE became HOST. */
		warnx("%s %s port %s: %s%s", co->cmd,
		    ep->host != NULL ? ep->host : "*",
		    ep->port, r == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(r), ep->host != NULL &&
		    ep->host == co->bare_next ? opts_bare_hint(co, hint,
		    sizeof(hint)) : "");
		return 1;
	}
	for (ai = res; ep->host != NULL && ai != NULL; ai = ai->ai_next)
		if ((r = sockopt_join_check_addr(&co->sock, co->cmd, ep->host,
		    ai->ai_addr)) != 0) {
			freeaddrinfo(res);
			return r;
		}
	r = listen_inet(co, ep, res, backlog, l);
	freeaddrinfo(res);
	return r;
}

void
listeners_remove_file(const struct listeners *l)
{
	struct stat st;

	if (l->unix_path != NULL && lstat(l->unix_path, &st) == 0 &&
	    st.st_dev == l->unix_dev && st.st_ino == l->unix_ino)
		(void)unlink(l->unix_path);
}

void
listeners_more_files(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}
