/*
 * dgram: batched datagram sending (see dgram.h).
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "dgram.h"
#include "sig.h"
#include "sock.h"

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
			/* ENOBUFS does not always show as POLLOUT: wait
			 * 10 ms at most rather than spin. */
			if (sock_wait(q->fd, POLLOUT, 10) == -1)
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
