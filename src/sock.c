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
sock_wait_any(const int *fds, size_t n, short events, long long timeout_ms,
    size_t *which)
{
	struct pollfd pfd[SOCK_WAIT_MAX + 1];
	long long deadline = timeout_ms >= 0 ? clock_ms() + timeout_ms : -1;
	long long left;
	size_t i;
	int r;

	if (n > SOCK_WAIT_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = events;
	}
	pfd[n].fd = sig_fd();
	pfd[n].events = POLLIN;
	for (;;) {
		if (sig_caught()) {
			errno = EINTR;
			return -1;
		}
		left = deadline < 0 ? -1 : deadline - clock_ms();
		if (deadline >= 0 && left < 0)
			left = 0;
		r = poll(pfd, pfd[n].fd >= 0 ? n + 1 : n,
		    left > 1000000 ? 1000000 : (int)left);
		if (r == -1 && errno != EINTR)
			return -1;
		for (i = 0; r > 0 && i < n; i++)
			if (pfd[i].revents != 0) {
				if (which != NULL)
					*which = i;
				return pfd[i].revents;
			}
		/* poll waits at most 10^6 ms at a time: a longer wait goes
		 * on. */
		if (r == 0 && (deadline < 0 || clock_ms() < deadline))
			continue;
		if (r == 0)
			return 0;
		/* A wake-up with no terminating signal (SIGCHLD): empty it,
		 * or poll would say it again and again. */
		if (r > 0 && pfd[n].revents != 0)
			sig_drain();
	}
}

int
sock_wait(int fd, short events, long long timeout_ms)
{
	return sock_wait_any(&fd, 1, events, timeout_ms, NULL);
}

int
sock_pending(int fd)
{
	struct pollfd pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	return poll(&pfd, 1, 0) != 0;
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

/* Wait until fd's connect ends.  Returns 0, or -1 with errno. */
static int
wait_connected(int fd, long long timeout_ms)
{
	int r;

	if ((r = sock_wait(fd, POLLOUT, timeout_ms)) == -1)
		return -1;
	if (r == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return sock_connect_result(fd);
}

/* Send all n bytes of buf, waiting up to timeout_ms for room each time.
 * Returns 0, or -1 with errno. */
static int
send_all(int fd, const char *buf, size_t n, long long timeout_ms)
{
	ssize_t k;
	int r;

	while (n > 0) {
		if ((k = send(fd, buf, n, MSG_NOSIGNAL)) >= 0) {
			buf += k;
			n -= (size_t)k;
			continue;
		}
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if ((r = sock_wait(fd, POLLOUT, timeout_ms)) == -1)
			return -1;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	return 0;
}

/*
 * A Fast Open connect that the kernel put off till the first write (it
 * holds a cookie for the server): the first bytes, or none, go in the
 * SYN now, so that nothing waits for stdin; the rest once connected.
 */
static int
fastopen_finish(int fd, const struct sock_spec *spec)
{
	const char *buf = spec->first;
	size_t n = spec->first_len;
	ssize_t k;

	k = send(fd, buf, n, MSG_NOSIGNAL);
	if (k == -1 && errno != EINPROGRESS && errno != EAGAIN)
		return -1;
	if (k > 0) {
		buf += k;
		n -= (size_t)k;
	}
	if (wait_connected(fd, spec->timeout_ms) == -1)
		return -1;
	return send_all(fd, buf, n, spec->timeout_ms);
}

/*
 * A non-blocking socket of family for spec, of the protocol its options
 * ask for (MPTCP: a refusal names the option).  Returns it or -1.
 */
static int
new_socket(int family, struct sock_spec *spec)
{
	int fd, proto;

	spec->fail.id = SOCKOPT_NONE;
	proto = sockopt_protocol(spec->opts, family, spec->type,
	    spec->protocol);
	fd = socket(family, spec->type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd == -1 && proto != spec->protocol) {
		spec->fail.id = SOCKOPT_MPTCP;
		spec->fail.call = "socket";
	}
	return fd;
}

/*
 * A socket for sa as spec says (options, SO_BROADCAST, the source
 * bound), its connect(2) called: returns the socket with *r what
 * connect returned (errno set when -1), or -1 with errno.
 */
static int
begin(const struct sockaddr *sa, socklen_t len, struct sock_spec *spec,
    int *r)
{
	int fd, one = 1;

	if ((fd = new_socket(sa->sa_family, spec)) == -1)
		return -1;
	if (sockopt_apply(fd, sa->sa_family, spec->type, spec->opts,
	    SOCKOPT_CONNECTING, sa, &spec->fail) == -1)
		return close_fail(fd);
	if (spec->broadcast && setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one,
	    sizeof(one)) == -1)
		return close_fail(fd);
	if (spec->local != NULL && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR,
	    &one, sizeof(one)) == -1 ||
	    bind(fd, spec->local, spec->local_len) == -1)) {
		spec->bind_failed = 1;
		return close_fail(fd);
	}
	*r = connect(fd, sa, len);
	return fd;
}

int
sock_connect_start(const struct sockaddr *sa, socklen_t len,
    struct sock_spec *spec, int *done)
{
	int fd, r;

	if ((fd = begin(sa, len, spec, &r)) == -1)
		return -1;
	*done = r == 0;
	if (r == 0 || errno == EINPROGRESS)
		return fd;
	return close_fail(fd);
}

int
sock_connect_result(int fd)
{
	socklen_t elen = sizeof(int);
	int e;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1)
		return -1;
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}

int
sock_connect(const struct sockaddr *sa, socklen_t len, struct sock_spec *spec)
{
	int fd, r;
	int fastopen = spec->opts != NULL && spec->opts->fastopen &&
	    spec->type == SOCK_STREAM && sa->sa_family != AF_UNIX;

	if ((fd = begin(sa, len, spec, &r)) == -1)
		return -1;
	if (r == 0) {
		if (fastopen && fastopen_finish(fd, spec) == -1)
			goto fail;
		return fd;
	}
	/* A unix listener's backlog is full: no "in progress" there. */
	if (errno == EAGAIN && sa->sa_family == AF_UNIX) {
		if (unix_retry(fd, sa, len, spec->timeout_ms) == -1)
			goto fail;
		return fd;
	}
	if (errno != EINPROGRESS && errno != EINTR)
		goto fail;
	if (wait_connected(fd, spec->timeout_ms) == -1)
		goto fail;
	if (fastopen && send_all(fd, spec->first, spec->first_len,
	    spec->timeout_ms) == -1)
		goto fail;
	return fd;
fail:
	return close_fail(fd);
}

int
sock_listen(const struct sockaddr *sa, socklen_t len, struct sock_spec *spec,
    int v6only, int backlog)
{
	int fd, one = 1;

	if ((fd = new_socket(sa->sa_family, spec)) == -1)
		return -1;
	/*
	 * SO_REUSEADDR lets a stream server rebind over its last run's
	 * TIME_WAIT connections.  On a datagram socket Linux takes it to
	 * share the port with whoever else set it, the last one bound
	 * taking the unicast traffic: only multicast receivers, each
	 * getting its copy, want that.
	 */
	if (sa->sa_family != AF_UNIX && (spec->type != SOCK_DGRAM ||
	    (spec->opts != NULL && spec->opts->njoin > 0)) &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		goto fail;
	if (sa->sa_family == AF_INET6 && v6only >= 0 && setsockopt(fd,
	    IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) == -1)
		goto fail;
	if (sockopt_apply(fd, sa->sa_family, spec->type, spec->opts,
	    SOCKOPT_LISTENING, NULL, &spec->fail) == -1)
		goto fail;
	if (bind(fd, sa, len) == -1)
		goto fail;
	if (sockopt_apply(fd, sa->sa_family, spec->type, spec->opts,
	    SOCKOPT_BOUND, NULL, &spec->fail) == -1)
		goto fail;
	if (spec->type != SOCK_DGRAM && listen(fd, backlog) == -1)
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
sock_listen_unix(const char *path, struct sock_spec *spec, int backlog)
{
	int type = spec->type;
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
	return sock_listen((struct sockaddr *)&sun, len, spec, -1, backlog);
}

int
sock_accept(const int *fds, size_t n, struct sockaddr_storage *peer,
    socklen_t *peerlen, size_t *which)
{
	size_t i;
	int fd;

	for (;;) {
		if (sock_wait_any(fds, n, POLLIN, -1, &i) == -1)
			return -1;
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
