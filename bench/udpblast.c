/*
 * udpblast: the plain C sendto(2) loop the UDP rows compare with, and a
 * paced sender for the loss rows.
 *
 * usage: udpblast PORT COUNT SIZE RATE
 * Sends COUNT datagrams of SIZE bytes (the last byte a newline) to
 * 127.0.0.1:PORT, RATE a second (0: as fast as it can), then prints the
 * seconds it took.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	char buf[65536];
	long count, size, rate, i;
	double t0, due;
	int fd;

	if (argc != 5)
		return 2;
	count = atol(argv[2]);
	size = atol(argv[3]);
	rate = atol(argv[4]);
	if (size < 1 || size > (long)sizeof(buf))
		return 2;
	memset(buf, 'x', (size_t)size);
	buf[size - 1] = '\n';
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return 1;
	t0 = now();
	for (i = 0; i < count; i++) {
		if (rate > 0) {
			due = t0 + (double)i / (double)rate;
			while (now() < due)
				continue;
		}
		while (sendto(fd, buf, (size_t)size, 0,
		    (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
		    (errno == ENOBUFS || errno == EAGAIN || errno == EINTR ||
		    errno == ECONNREFUSED))
			continue;
	}
	printf("%.6f\n", now() - t0);
	return 0;
}
