/*
 * dial: connecting to a resolved HOST, for connect and udp-send (see
 * dial.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "dial.h"
#include "relay.h"
#include "sock.h"

/*
 * Resolve the local address to bind for family (-s and --source-port).
 * Returns 0 with *res set (NULL when neither was given), or 1 after a
 * message.
 */
static int
source_for(const struct common_opts *co, int family, int type,
    struct addrinfo **res)
{
	struct addrinfo hints;
	int r;

	*res = NULL;
	if (co->source == NULL && co->source_port == NULL)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = type;
	hints.ai_flags = AI_PASSIVE | (co->numeric ?
	    AI_NUMERICHOST | AI_NUMERICSERV : 0);
	r = addr_resolve(co->source != NULL ? co->source : "",
	    co->source_port != NULL ? co->source_port : "0", &hints, res);
	if (r != 0) {
		warnx("source %s%s%s: %s", co->source != NULL ?
		    co->source : "port", co->source != NULL ? "" : " ",
		    co->source != NULL ? "" : co->source_port,
		    gai_strerror(r));
		return 1;
	}
	return 0;
}

/*
 * Connect to one address, binding the source first if asked.  Returns the
 * socket, or -1 with errno set (DIAL_REPORTED: an option failed, said).
 */
static int
connect_one(const struct common_opts *co, const struct addrinfo *ai,
    int broadcast, const struct dial_first *first)
{
	struct sock_spec spec;
	struct addrinfo *src;
	int fd, saved;

	if (source_for(co, ai->ai_family, ai->ai_socktype, &src) != 0) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	memset(&spec, 0, sizeof(spec));
	spec.type = ai->ai_socktype;
	spec.protocol = ai->ai_protocol;
	spec.timeout_ms = co->connect_ms;
	spec.broadcast = broadcast;
	spec.opts = &co->sock.opts;
	if (first != NULL) {
		spec.first = first->buf;
		spec.first_len = first->len;
	}
	if (src != NULL) {
		spec.local = src->ai_addr;
		spec.local_len = src->ai_addrlen;
	}
	fd = sock_connect(ai->ai_addr, ai->ai_addrlen, &spec);
	saved = errno;
	if (src != NULL)
		freeaddrinfo(src);
	errno = saved;
	if (fd == -1 && spec.fail.id != SOCKOPT_NONE) {
		sockopt_report(&co->sock, &spec.fail);
		return DIAL_REPORTED;
	}
	return fd;
}

static void
report_failure(const struct addrinfo *ai, int e)
{
	char name[RELAY_NAME_MAX];

	warnx("connect %s: %s", relay_name(ai->ai_addr, ai->ai_addrlen, name,
	    sizeof(name)), strerror(e));
}

int
dial_any(const struct common_opts *co, struct addrinfo *res, int broadcast,
    const struct dial_first *first, struct addrinfo **which)
{
	struct addrinfo *ai;
	int fd, e = EHOSTUNREACH;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = connect_one(co, ai, broadcast, first)) >= 0) {
			*which = ai;
			return fd;
		}
		if (fd == DIAL_REPORTED)
			return fd;
		e = errno;
		if (e == EINTR)
			break;
		if (co->verbose)
			report_failure(ai, e);
	}
	errno = e;
	return -1;
}

int
dial_unix(const struct common_opts *co, const char *path, int type,
    int quiet, int *status)
{
	struct sockaddr_un sun, src;
	struct sock_spec how;
	struct stat st;
	socklen_t len, srclen;
	int fd, saved;

	*status = EXIT_FAILURE;
	if (sock_unix_addr(path, &sun, &len) == -1) {
		*status = usage_error(co->cmd, "unix path '%.40s...' too long "
		    "(%zu bytes, at most %zu)", path, strlen(path),
		    sizeof(sun.sun_path) - 1);
		return -1;
	}
	memset(&how, 0, sizeof(how));
	how.type = type;
	how.timeout_ms = co->connect_ms;
	how.opts = &co->sock.opts;
	if (co->source != NULL) {
		if (sock_unix_addr(co->source, &src, &srclen) == -1) {
			*status = usage_error(co->cmd, "--source '%.40s...': "
			    "unix path too long", co->source);
			return -1;
		}
		how.local = (struct sockaddr *)&src;
		how.local_len = srclen;
		/* The file is ours to make and remove: never another's. */
		if (co->source[0] != '@' && lstat(co->source, &st) == 0) {
			warnx("%s: --source %s: %s", co->cmd, co->source,
			    strerror(EEXIST));
			return -1;
		}
	}
	if ((fd = sock_connect((struct sockaddr *)&sun, len, &how)) == -1) {
		saved = errno;
		if (how.fail.id != SOCKOPT_NONE)
			sockopt_report(&co->sock, &how.fail);
		else if (saved == EINTR)
			*status = relay_signal_status();
		else if (quiet && (saved == ENOENT ||
		    saved == ECONNREFUSED || saved == EAGAIN ||
		    saved == ETIMEDOUT))
			;	/* the caller tries again, or says so */
		else if (co->source != NULL && access(co->source, F_OK) != 0)
			warn("%s: --source %s", co->cmd, co->source);
		else
			warn("%s %s", co->cmd, path);
		dial_unix_done(co);
		errno = saved;
		return -1;
	}
	return fd;
}

void
dial_unix_done(const struct common_opts *co)
{
	if (co->source != NULL && co->family == AF_UNIX &&
	    co->source[0] != '@')
		(void)unlink(co->source);
}

void
dial_first_read(const struct common_opts *co, char *buf, size_t len,
    struct dial_first *first)
{
	struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
	ssize_t n;

	first->buf = buf;
	first->len = 0;
	/* A terminal's user types after seeing the peer; TLS sends its
	 * hello first. */
	if (!co->sock.opts.fastopen || co->tls.on || co->no_stdin ||
	    co->recv_only || isatty(STDIN_FILENO) ||
	    poll(&pfd, 1, 0) != 1 || (pfd.revents & POLLIN) == 0)
		return;
	if ((n = read(STDIN_FILENO, buf, len)) > 0)
		first->len = (size_t)n;
}
