/*
 * ceiling FILE: the fastest any relay could move FILE over loopback TCP
 * on this machine, with no relay in between: a child connects and
 * sendfile(2)s FILE, the parent accepts and drops what arrives with
 * recv(2) MSG_TRUNC.  Prints the seconds taken, process start excepted.
 */
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timespec t0, t1;
	socklen_t len = sizeof(sa);
	long long total = 0;
	ssize_t n;
	int lfd, fd, file, status;
	pid_t pid;

	if (argc != 2)
		errx(2, "usage: ceiling FILE");
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sa, len) == -1 ||
	    listen(lfd, 1) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) == -1)
		err(1, "listen");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    connect(fd, (struct sockaddr *)&sa, len) == -1)
			err(1, "connect");
		if ((file = open(argv[1], O_RDONLY)) == -1)
			err(1, "%s", argv[1]);
		while ((n = sendfile(fd, file, NULL, 4 << 20)) > 0)
			continue;
		if (n == -1)
			err(1, "sendfile");
		_exit(0);
	}
	if ((fd = accept(lfd, NULL, NULL)) == -1)
		err(1, "accept");
	while ((n = recv(fd, NULL, 4 << 20, MSG_TRUNC)) > 0)
		total += n;
	if (n == -1 || waitpid(pid, &status, 0) == -1 || status != 0)
		errx(1, "transfer failed");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%lld %.6f\n", total, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
