/*
 * dgram: sending datagrams in batches (sendmmsg(2)) on a connected
 * socket, waiting for room without spinning, and receiving one datagram
 * at a time with its sender.
 */
#ifndef SOCKCAT_DGRAM_H
#define SOCKCAT_DGRAM_H

#include <sys/socket.h>
#include <sys/uio.h>
#include <stddef.h>
#include <stdint.h>

#define DGRAM_BATCH	64

/* The largest payloads: IPv4 and IPv6 less their UDP and IP headers. */
#define DGRAM_MAX_INET	65507
#define DGRAM_MAX_INET6	65527

/* A queue of datagrams that point into the caller's memory. */
struct dgram_out {
	int		fd;		/* a connected datagram socket */
	struct mmsghdr	msg[DGRAM_BATCH];
	struct iovec	iov[DGRAM_BATCH];
	unsigned int	n;		/* queued */
	uint64_t	datagrams;	/* sent so far */
	uint64_t	bytes;
	uint64_t	refused;	/* sends refused by an earlier ICMP
					   port unreachable (and sent again) */
};

/* Start an empty queue on fd. */
void	dgram_init(struct dgram_out *q, int fd);

/*
 * Queue len bytes at p as one datagram (the memory must stay as it is
 * until the next dgram_flush()); a full queue is flushed first.
 * Returns 0, or -1 with errno as dgram_flush() sets it.
 */
int	dgram_add(struct dgram_out *q, const void *p, size_t len);

/*
 * Send everything queued, in order.  A full socket buffer is waited for
 * with poll(2); a send refused by an earlier ICMP port unreachable is
 * counted and sent again.  Returns 0, or -1 with errno set (EINTR: a
 * signal came, see sig.h).
 */
int	dgram_flush(struct dgram_out *q);

#endif
