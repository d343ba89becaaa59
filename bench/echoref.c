/*
 * echoref PORT: the target of fwdbench.py's connections-per-second row:
 * an epoll server on 127.0.0.1 that sends back what each client sends
 * and closes it at its EOF, so that the row measures the forwarders,
 * not the target.  Runs until killed.
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct epoll_event ev, evs[256];
	char buf[65536];
	int l, ep, n, i, fd, one = 1;
	ssize_t r;

	if (argc != 2)
		errx(2, "usage: echoref PORT");
	if ((l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		err(1, "socket");
	(void)setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(l, 4096) == -1)
		err(1, "bind");
	if ((ep = epoll_create1(0)) == -1)
		err(1, "epoll");
	ev.events = EPOLLIN;
	ev.data.fd = l;
	(void)epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == l) {
				while ((fd = accept4(l, NULL, NULL,
				    SOCK_NONBLOCK)) >= 0) {
					ev.events = EPOLLIN;
					ev.data.fd = fd;
					(void)epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			while ((r = read(fd, buf, sizeof(buf))) > 0)
				(void)write(fd, buf, (size_t)r);
			if (r == 0 || (r == -1 && errno != EAGAIN))
				close(fd);
		}
	}
}
