/*
 * dgram: batched datagram sending (see dgram.h).
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "dgram.h"
#include "sig.h"

void
dgram_init(struct dgram_out *q, int fd)
{
	memset(q, 0, sizeof(*q));
	q->fd = fd;
}

int
dgram_add(struct dgram_out *q, const void *p, size_t len)
{
	if (q->n == DGRAM_BATCH && dgram_flush(q) == -1)
		return -1;
	q->iov[q->n].iov_base = (void *)(uintptr_t)p;
	q->iov[q->n].iov_len = len;
	memset(&q->msg[q->n], 0, sizeof(q->msg[q->n]));
	q->msg[q->n].msg_hdr.msg_iov = &q->iov[q->n];
	q->msg[q->n].msg_hdr.msg_iovlen = 1;
	q->n++;
	return 0;
}

/* Wait until fd can take a datagram, or a signal comes (-1, EINTR). */
static int
wait_writable(int fd)
{
	struct pollfd pfd[2];

	pfd[0].fd = fd;
	pfd[0].events = POLLOUT;
	pfd[1].fd = sig_fd();
	pfd[1].events = POLLIN;
	for (;;) {
		if (sig_caught()) {
			errno = EINTR;
			return -1;
		}
		/* ENOBUFS does not always show in POLLOUT: poll with a
		 * short time-out rather than spin. */
		if (poll(pfd, pfd[1].fd >= 0 ? 2 : 1, 10) == -1 &&
		    errno != EINTR)
			return -1;
		if (pfd[0].revents != 0)
			return 0;
		if (pfd[1].revents == 0)
			return 0;
	}
}

int
dgram_flush(struct dgram_out *q)
{
	unsigned int done = 0, i;
	int n;

	while (done < q->n) {
		n = sendmmsg(q->fd, q->msg + done, q->n - done, MSG_DONTWAIT);
		if (n > 0) {
			for (i = done; i < done + (unsigned int)n; i++)
				q->bytes += q->msg[i].msg_len;
			q->datagrams += (unsigned int)n;
			done += (unsigned int)n;
			continue;
		}
		if (errno == EINTR && !sig_caught())
			continue;
		if (errno == ECONNREFUSED) {
			q->refused++;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS) {
			if (wait_writable(q->fd) == -1)
				return -1;
			continue;
		}
		if (errno == EINTR)
			return -1;
		/* Keep the queue consistent for the caller's report. */
		memmove(q->msg, q->msg + done, (q->n - done) * sizeof(q->msg[0]));
		q->n -= done;
		return -1;
	}
	q->n = 0;
	return 0;
}
