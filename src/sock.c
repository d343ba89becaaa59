/*
 * sock: connect, listen, accept (see sock.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "sig.h"
#include "sock.h"

/* Close fd on a failure path, keeping errno; returns -1. */
static int
close_fail(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
	return -1;
}

int
sock_unix_addr(const char *path, struct sockaddr_un *sun, socklen_t *len)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@')
		sun->sun_path[0] = '\0';	/* abstract: no NUL at the end */
	else
		n++;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 0;
}

int
sock_nonblock(int fd, int on)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	if (fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) == -1)
		return -1;
	return fl;
}

int
sock_wait(int fd, short events, long long timeout_ms)
{
	struct pollfd pfd[2];
	long long deadline = timeout_ms >= 0 ? clock_ms() + timeout_ms : -1;
	long long left;
	int n;

	pfd[0].fd = fd;
	pfd[0].events = events;
	pfd[1].fd = sig_fd();
	pfd[1].events = POLLIN;
	for (;;) {
		if (sig_caught()) {
			errno = EINTR;
			return -1;
		}
		left = deadline < 0 ? -1 : deadline - clock_ms();
		if (deadline >= 0 && left < 0)
			left = 0;
		n = poll(pfd, pfd[1].fd >= 0 ? 2 : 1,
		    left > 1000000 ? 1000000 : (int)left);
		if (n == -1 && errno != EINTR)
			return -1;
		if (n > 0 && pfd[0].revents != 0)
			return pfd[0].revents;
		/* poll waits at most 10^6 ms at a time: a longer -w goes on. */
		if (n == 0 && (deadline < 0 || clock_ms() < deadline))
			continue;
		if (n == 0)
			return 0;
		/* A wake-up with no terminating signal (SIGCHLD): empty it. */
		if (n > 0 && pfd[1].revents != 0)
			sig_drain();
	}
}

/*
 * Connect fd to a unix listener whose backlog is full: again and again,
 * a little longer apart each time, as a TCP client sends its SYN again,
 * until timeout_ms (or SOCK_UNIX_WAIT_MS) is over or a signal comes.
 * Returns 0, or -1 with errno (EAGAIN: still full).
 */
static int
unix_retry(int fd, const struct sockaddr *sa, socklen_t len,
    long long timeout_ms)
{
	struct pollfd pfd;
	long long deadline, now, delay = 5;

	deadline = clock_ms() + (timeout_ms >= 0 ? timeout_ms :
	    SOCK_UNIX_WAIT_MS);
	pfd.fd = sig_fd();
	pfd.events = POLLIN;
	for (;;) {
		if (sig_caught()) {
			errno = EINTR;
			return -1;
		}
		if ((now = clock_ms()) >= deadline) {
			errno = EAGAIN;
			return -1;
		}
		if (delay > deadline - now)
			delay = deadline - now;
		(void)poll(&pfd, pfd.fd >= 0 ? 1 : 0, (int)delay);
		if (pfd.fd >= 0 && !sig_caught())
			sig_drain();
		if (connect(fd, sa, len) == 0)
			return 0;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		delay = delay * 2 > 200 ? 200 : delay * 2;
	}
}

int
sock_connect(const struct sockaddr *sa, socklen_t len,
    const struct sock_spec *spec)
{
	socklen_t elen = sizeof(int);
	int fd, r, e, one = 1;

	fd = socket(sa->sa_family, spec->type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    spec->protocol);
	if (fd == -1)
		return -1;
	if (spec->broadcast && setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one,
	    sizeof(one)) == -1)
		goto fail;
	if (spec->local != NULL && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR,
	    &one, sizeof(one)) == -1 ||
	    bind(fd, spec->local, spec->local_len) == -1))
		goto fail;
	if (connect(fd, sa, len) == 0)
		return fd;
	/* A unix listener's backlog is full: no "in progress" there. */
	if (errno == EAGAIN && sa->sa_family == AF_UNIX) {
		if (unix_retry(fd, sa, len, spec->timeout_ms) == -1)
			goto fail;
		return fd;
	}
	if (errno != EINPROGRESS && errno != EINTR)
		goto fail;
	if ((r = sock_wait(fd, POLLOUT, spec->timeout_ms)) == -1)
		goto fail;
	if (r == 0) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1)
		goto fail;
	if (e != 0) {
		errno = e;
		goto fail;
	}
	return fd;
fail:
	return close_fail(fd);
}

int
sock_listen(const struct sockaddr *sa, socklen_t len, int type,
    int protocol, int v6only, int backlog)
{
	int fd, one = 1;

	fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    protocol);
	if (fd == -1)
		return -1;
	if (sa->sa_family != AF_UNIX && setsockopt(fd, SOL_SOCKET,
	    SO_REUSEADDR, &one, sizeof(one)) == -1)
		goto fail;
	if (sa->sa_family == AF_INET6 && v6only >= 0 && setsockopt(fd,
	    IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) == -1)
		goto fail;
	if (bind(fd, sa, len) == -1)
		goto fail;
	if (type != SOCK_DGRAM && listen(fd, backlog) == -1)
		goto fail;
	return fd;
fail:
	return close_fail(fd);
}

/*
 * Whether a socket file has a server behind it (sock_unix_live()); when
 * nobody can tell, a datagram socket is asked by a connect, which
 * disturbs no one, and a stream one is taken for live.  Returns 1, 0,
 * or -1 with errno.
 */
static int
unix_live(const struct sockaddr_un *sun, socklen_t len, const char *path,
    const struct stat *st, int type)
{
	int probe, r, saved;

	if ((r = sock_unix_live(path, st)) >= 0)
		return r;
	if (type != SOCK_DGRAM)
		return 1;
	if ((probe = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	r = connect(probe, (const struct sockaddr *)sun, len) == 0 ||
	    (errno != ECONNREFUSED && errno != ENOENT);
	saved = errno;
	close(probe);
	errno = saved;
	return r;
}

int
sock_listen_unix(const char *path, int type, int backlog)
{
	struct sockaddr_un sun;
	struct stat st;
	socklen_t len;
	int r;

	if (sock_unix_addr(path, &sun, &len) == -1)
		return -1;
	if (path[0] != '@' && lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			errno = EEXIST;
			return -1;
		}
		if ((r = unix_live(&sun, len, path, &st, type)) != 0) {
			if (r == 1)
				errno = EADDRINUSE;
			return -1;
		}
		if (unlink(path) == -1 && errno != ENOENT)
			return -1;
	}
	return sock_listen((struct sockaddr *)&sun, len, type, 0, -1,
	    backlog);
}

int
sock_accept(const int *fds, size_t n, struct sockaddr_storage *peer,
    socklen_t *peerlen, size_t *which)
{
	struct pollfd pfd[16];
	size_t i, np;
	int fd;

	if (n > sizeof(pfd) / sizeof(pfd[0]) - 1) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	np = n;
	if (sig_fd() >= 0) {
		pfd[np].fd = sig_fd();
		pfd[np++].events = POLLIN;
	}
	for (;;) {
		if (sig_caught()) {
			errno = EINTR;
			return -1;
		}
		if (poll(pfd, np, -1) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		/* A wake-up that ends nothing (SIGCHLD): empty it, or poll
		 * would say it again and again. */
		if (np > n && pfd[n].revents != 0 && !sig_caught())
			sig_drain();
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			*peerlen = sizeof(*peer);
			fd = accept4(fds[i], (struct sockaddr *)peer, peerlen,
			    SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd >= 0) {
				*which = i;
				return fd;
			}
			/* Gone before we took it, or no room: wait again. */
			if (errno != EAGAIN && errno != ECONNABORTED &&
			    errno != EINTR && errno != EPROTO)
				return -1;
		}
	}
}
