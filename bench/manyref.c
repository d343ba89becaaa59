/*
 * manyref PORT: a reference many-client server for bench.py's crowd,
 * idlebulk and uploaders rows.  It does what `sockcat serve -k` does
 * there and nothing more, so that those rows show how much of a time is
 * the client driver's and the kernel's rather than the server's: epoll,
 * every client's read goes to stdout whole (a blocking write, so a slow
 * stdout holds everything back, and nothing is buffered), a /dev/null
 * stdout is dropped in the kernel (recv MSG_TRUNC), what stdin gives is
 * sent to every client (MSG_DONTWAIT, short sends not retried: the rows
 * send 1000 bytes), a client is closed at its EOF.  Runs until killed.
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static char buf[1 << 16];

static void
write_all(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(1, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "stdout");
		}
		p += w;
		n -= (size_t)w;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct epoll_event ev, evs[1024];
	struct rlimit rl;
	struct stat st;
	int *fds, *pos, nfds = 0, lfd, ep, one = 1, devnull, i, j, n, fd;
	ssize_t r;

	if (argc != 2)
		errx(2, "usage: manyref PORT");
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((fds = calloc(rl.rlim_cur, sizeof(int))) == NULL ||
	    (pos = calloc(rl.rlim_cur, sizeof(int))) == NULL)
		err(1, "calloc");
	devnull = fstat(1, &st) == 0 && S_ISCHR(st.st_mode) &&
	    st.st_rdev == makedev(1, 3);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(lfd, SOMAXCONN) == -1)
		err(1, "listen");
	if ((ep = epoll_create1(0)) == -1)
		err(1, "epoll");
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1)
		err(1, "epoll_ctl");
	ev.data.fd = 0;
	(void)epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);	/* not /dev/null */
	for (;;) {
		if ((n = epoll_wait(ep, evs, 1024, -1)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "epoll_wait");
		}
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == lfd) {
				while ((fd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK)) != -1) {
					ev.data.fd = fd;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, fd,
					    &ev) == -1)
						err(1, "epoll_ctl");
					pos[fd] = nfds;
					fds[nfds++] = fd;
				}
			} else if (fd == 0) {
				if ((r = read(0, buf, sizeof(buf))) <= 0) {
					(void)epoll_ctl(ep, EPOLL_CTL_DEL, 0,
					    NULL);
					continue;
				}
				for (j = 0; j < nfds; j++)
					(void)send(fds[j], buf, (size_t)r,
					    MSG_DONTWAIT | MSG_NOSIGNAL);
			} else {
				r = recv(fd, buf, sizeof(buf),
				    devnull ? MSG_TRUNC : 0);
				if (r > 0) {
					if (!devnull)
						write_all(buf, (size_t)r);
					continue;
				}
				if (r == -1 && (errno == EAGAIN ||
				    errno == EINTR))
					continue;
				close(fd);
				j = pos[fd];
				fds[j] = fds[--nfds];
				pos[fds[j]] = j;
			}
		}
	}
}
