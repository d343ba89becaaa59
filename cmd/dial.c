/*
 * dial: connecting to a resolved HOST, for connect and udp-send (see
 * dial.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "dial.h"
#include "relay.h"
#include "clock.h"
#include "sig.h"
#include "sock.h"
#include "event.h"

/* The -s/--source-port resolution for family (AF_UNSPEC: any). */
static int
source_resolve(const struct common_opts *co, int family, int type,
    struct addrinfo **res)
{
	struct addrinfo hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = type;
	hints.ai_flags = AI_PASSIVE | (co->numeric ?
	    AI_NUMERICHOST | AI_NUMERICSERV : 0);
	return addr_resolve(co->source != NULL ? co->source : "",
	    co->source_port != NULL ? co->source_port : "0", &hints, res);
}

/*
 * Resolve the local address to bind for family (-s and --source-port).
 * Returns 0 with *res set (NULL when neither was given); -1 with errno
 * EAFNOSUPPORT when the source has addresses of other families only
 * (this address of the target cannot be tried from it, the next may);
 * or DIAL_REPORTED after a message when it has none at all.
 */
static int
source_for(const struct common_opts *co, int family, int type,
    struct addrinfo **res)
{
	struct addrinfo *any;
	const char *why;
	int r;

	*res = NULL;
	if (co->source == NULL && co->source_port == NULL)
		return 0;
	if ((r = source_resolve(co, family, type, res)) == 0)
		return 0;
	if (r != EAI_SYSTEM && source_resolve(co, AF_UNSPEC, type, &any) ==
	    0) {
		freeaddrinfo(any);
		errno = EAFNOSUPPORT;
		return -1;
	}
	why = r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r);
	if (co->source != NULL && co->source_port != NULL)
		warnx("%s: --source %s --source-port %s: %s", co->cmd,
		    co->source, co->source_port, why);
	else
		warnx("%s: --%s %s: %s", co->cmd, co->source != NULL ?
		    "source" : "source-port", co->source != NULL ?
		    co->source : co->source_port, why);
	return DIAL_REPORTED;
}

/*
 * Connect to one address, binding the source first if asked; with
 * done not NULL only begin it (Happy Eyeballs), *done saying whether it
 * is made.  Returns the socket, or -1 with errno set (DIAL_REPORTED: an
 * option failed, said).
 */
static int
connect_one(const struct common_opts *co, const struct addrinfo *ai,
    int broadcast, const struct dial_first *first, int *done)
{
	struct sock_spec spec;
	struct addrinfo *src;
	int fd, saved;

	if ((fd = source_for(co, ai->ai_family, ai->ai_socktype, &src)) != 0)
		return fd;
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
	fd = done != NULL ? sock_connect_start(ai->ai_addr, ai->ai_addrlen,
	    &spec, done) : sock_connect(ai->ai_addr, ai->ai_addrlen, &spec);
	saved = errno;
	if (src != NULL)
		freeaddrinfo(src);
	errno = saved;
	if (fd == -1 && spec.fail.id != SOCKOPT_NONE) {
		sockopt_report(&co->sock, &spec.fail);
		return DIAL_REPORTED;
	}
	if (fd == -1 && spec.bind_failed) {
		/* The local end is at fault, not the connection. */
		if (co->source != NULL && co->source_port != NULL)
			warn("%s: --source %s --source-port %s", co->cmd,
			    co->source, co->source_port);
		else
			warn("%s: --%s %s", co->cmd, co->source != NULL ?
			    "source" : "source-port", co->source != NULL ?
			    co->source : co->source_port);
		errno = saved;
		return DIAL_REPORTED;
	}
	return fd;
}

/* The -v line of an attempt at ai: begun, or failed (err, or why:
 * cancelled). */
static void
report_attempt(const struct addrinfo *ai, int err, const char *why)
{
	char name[RELAY_NAME_MAX];
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = err != 0 || why != NULL ? EVENT_ATTEMPT_END : EVENT_ATTEMPT;
	ev.name = relay_name(ai->ai_addr, ai->ai_addrlen, name, sizeof(name));
	ev.sa = ai->ai_addr;
	ev.salen = ai->ai_addrlen;
	ev.err = err;
	ev.text = why;
	report_event(&ev);
}

/* Whether res holds addresses of both IP families. */
static int
both_families(const struct addrinfo *res)
{
	int v4 = 0, v6 = 0;

	for (; res != NULL; res = res->ai_next) {
		v4 |= res->ai_family == AF_INET;
		v6 |= res->ai_family == AF_INET6;
	}
	return v4 && v6;
}

/*
 * res's addresses in Happy Eyeballs order (RFC 8305, 4): the family of
 * the first, then the other, in turn, each in getaddrinfo's order.
 * Returns a malloc'd array of *n, or NULL.
 */
static struct addrinfo **
interleave(struct addrinfo *res, size_t *n)
{
	struct addrinfo **out, **other, *ai;
	size_t na = 0, nb = 0, i, k = 0;

	for (ai = res, *n = 0; ai != NULL; ai = ai->ai_next)
		(*n)++;
	out = reallocarray(NULL, *n, sizeof(*out));
	other = reallocarray(NULL, *n, sizeof(*other));
	if (out == NULL || other == NULL) {
		free(out);
		free(other);
		return NULL;
	}
	/* The first family's in out's front, the other's aside. */
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (ai->ai_family == res->ai_family)
			out[na++] = ai;
		else
			other[nb++] = ai;
	/* Spread them: first, other, first, other, ... */
	memmove(out + nb, out, na * sizeof(*out));
	for (i = 0; i < na || i < nb; i++) {
		if (i < na)
			out[k++] = out[nb + i];
		if (i < nb)
			out[k++] = other[i];
	}
	free(other);
	return out;
}

/* The attempts of dial_happy() in flight. */
struct attempt {
	struct addrinfo	*ai;
	int		 fd;
	long long	 deadline;	/* -1: none */
};

/*
 * Happy Eyeballs: attempts at res's addresses (interleaved by family)
 * started --attempt-delay apart, or at once when one fails; the first
 * to connect wins and the rest are closed.  -w bounds each attempt.
 * Returns as dial_any().
 */
static int
dial_happy(const struct common_opts *co, struct addrinfo *res,
    struct addrinfo **which)
{
	struct addrinfo **ord;
	struct attempt *at;
	struct pollfd *pfd;
	size_t n, next = 0, live = 0, i, j;
	long long now, next_at = 0, wait, delay;
	int fd, done, e = EHOSTUNREACH, r, won = -1;

	delay = co->attempt_delay_ms != OPTS_NO_TIME ? co->attempt_delay_ms :
	    DIAL_ATTEMPT_DELAY_MS;
	if ((ord = interleave(res, &n)) == NULL)
		return -1;
	at = reallocarray(NULL, n, sizeof(*at));
	pfd = reallocarray(NULL, n + 1, sizeof(*pfd));
	if (at == NULL || pfd == NULL) {
		free(ord);
		free(at);
		free(pfd);
		return -1;
	}
	while (won < 0) {
		now = clock_ms();
		/* The next attempt: at once when none is in flight. */
		if (next < n && (live == 0 || now >= next_at)) {
			if (co->verbose)
				report_attempt(ord[next], 0, NULL);
			fd = connect_one(co, ord[next], 0, NULL, &done);
			if (fd == DIAL_REPORTED) {
				won = -2;
				break;
			}
			if (fd == -1) {
				e = errno;
				if (co->verbose)
					report_attempt(ord[next], e, NULL);
				next++;
				continue;
			}
			at[live].ai = ord[next++];
			at[live].fd = fd;
			at[live].deadline = co->connect_ms > 0 ? now +
			    co->connect_ms : -1;
			live++;
			next_at = now + delay;
			if (done) {
				won = (int)live - 1;
				break;
			}
			continue;
		}
		if (live == 0)
			break;
		/* Wait for one to finish, the next start, or a deadline. */
		wait = next < n ? next_at - now : -1;
		for (i = 0; i < live; i++) {
			if (at[i].deadline >= 0 && (wait < 0 ||
			    at[i].deadline - now < wait))
				wait = at[i].deadline - now;
			pfd[i].fd = at[i].fd;
			pfd[i].events = POLLOUT;
			pfd[i].revents = 0;
		}
		pfd[live].fd = sig_fd();
		pfd[live].events = POLLIN;
		pfd[live].revents = 0;
		if (wait < 0 && wait != -1)
			wait = 0;
		r = poll(pfd, live + 1, wait < 0 ? -1 : (int)(wait > INT_MAX ?
		    INT_MAX : wait));
		if (r == -1 && errno != EINTR) {
			e = errno;
			break;
		}
		if (pfd[live].revents != 0 || (r == -1 && sig_caught())) {
			e = EINTR;
			break;
		}
		now = clock_ms();
		for (i = 0; i < live && won < 0; i++) {
			if (pfd[i].revents != 0 &&
			    sock_connect_result(at[i].fd) == 0) {
				won = (int)i;
				break;
			}
			if (pfd[i].revents != 0)
				e = errno;
			else if (at[i].deadline >= 0 && now >= at[i].deadline)
				e = ETIMEDOUT;
			else
				continue;
			if (co->verbose)
				report_attempt(at[i].ai, e, NULL);
			close(at[i].fd);
			for (j = i; j + 1 < live; j++) {
				at[j] = at[j + 1];
				pfd[j] = pfd[j + 1];
			}
			live--;
			i--;
			/* One failed: the next starts now. */
			next_at = now;
		}
	}
	for (i = 0; i < live; i++) {
		if ((int)i == won)
			continue;
		if (co->verbose && won >= 0)
			report_attempt(at[i].ai, 0, "cancelled: another "
			    "address connected first");
		close(at[i].fd);
	}
	fd = won >= 0 ? at[won].fd : won == -2 ? DIAL_REPORTED : -1;
	if (won >= 0)
		*which = at[won].ai;
	free(ord);
	free(at);
	free(pfd);
	if (fd == -1)
		errno = e;
	return fd;
}

int
dial_any(const struct common_opts *co, struct addrinfo *res, int broadcast,
    const struct dial_first *first, struct addrinfo **which)
{
	struct addrinfo *ai, *src;
	int fd, e = EHOSTUNREACH;

	/* A source with no address at all is said before any attempt
	 * (and its -v line). */
	if ((fd = source_for(co, AF_UNSPEC, res->ai_socktype, &src)) ==
	    DIAL_REPORTED)
		return fd;
	if (src != NULL)
		freeaddrinfo(src);
	if (!co->sequential && !broadcast && both_families(res) &&
	    res->ai_socktype == SOCK_STREAM && !co->sock.opts.fastopen)
		return dial_happy(co, res, which);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = connect_one(co, ai, broadcast, first, NULL)) >= 0) {
			*which = ai;
			return fd;
		}
		if (fd == DIAL_REPORTED)
			return fd;
		e = errno;
		if (e == EINTR)
			break;
		if (co->verbose)
			report_attempt(ai, e, NULL);
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
