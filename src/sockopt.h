/*
 * sockopt: the socket options a user may ask for (keepalive, buffers,
 * TTL, TOS, device, mark, reuseport, MPTCP, TCP Fast Open, multicast),
 * set on a socket at the moment each takes effect.  Nothing here
 * prints: a failure says which option and which call.
 */
#ifndef SOCKCAT_SOCKOPT_H
#define SOCKCAT_SOCKOPT_H

#include <sys/socket.h>

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

/* The most multicast groups one socket joins. */
#define SOCKOPT_JOIN_MAX	16

/* The options, to say which one failed. */
enum sockopt_id {
	SOCKOPT_NONE,
	SOCKOPT_KEEPALIVE,
	SOCKOPT_NODELAY,
	SOCKOPT_SNDBUF,
	SOCKOPT_RCVBUF,
	SOCKOPT_TTL,
	SOCKOPT_TOS,
	SOCKOPT_DEVICE,
	SOCKOPT_MARK,
	SOCKOPT_REUSEPORT,
	SOCKOPT_MPTCP,
	SOCKOPT_FASTOPEN,
	SOCKOPT_JOIN,
	SOCKOPT_MULTICAST_IF,
	SOCKOPT_MULTICAST_LOOP,
	SOCKOPT_COUNT
};

/* A multicast group to join, from any source or from one. */
struct sockopt_join {
	struct sockaddr_storage	group;
	struct sockaddr_storage	source;		/* ss_family 0: any */
	char			iface[IF_NAMESIZE]; /* "": the kernel's */
};

/* What the user asked for; sockopt_init() gives "nothing". */
struct sock_opts {
	int		keepalive;		/* SO_KEEPALIVE */
	int		keep_idle;		/* seconds; 0: the kernel's */
	int		keep_interval;		/* seconds; 0: the kernel's */
	int		keep_count;		/* probes; 0: the kernel's */
	int		nodelay;		/* TCP_NODELAY */
	int		send_buffer;		/* bytes; 0: the kernel's */
	int		recv_buffer;		/* bytes; 0: the kernel's */
	int		recv_buffer_wish;	/* recv_buffer as near as the
						 * kernel allows, no error */
	int		ttl;			/* -1: the kernel's */
	int		tos;			/* -1: the kernel's */
	char		device[IF_NAMESIZE];	/* "": none */
	int		mark_set;
	uint32_t	mark;
	int		reuseport;		/* listening sockets */
	int		mptcp;			/* IPPROTO_MPTCP */
	int		fastopen;		/* TCP Fast Open */
	char		multicast_if[IF_NAMESIZE]; /* "": the kernel's */
	int		multicast_loop;		/* -1: the kernel's */
	struct sockopt_join join[SOCKOPT_JOIN_MAX];
	size_t		njoin;
};

/* Which option the kernel refused, and in which call. */
struct sockopt_fail {
	enum sockopt_id	 id;		/* SOCKOPT_NONE: no option failed */
	size_t		 join;		/* for SOCKOPT_JOIN: which one */
	const char	*call;		/* "setsockopt IP_TOS" */
};

/* When sockopt_apply() runs. */
enum sockopt_stage {
	SOCKOPT_CONNECTING,	/* after socket(), before bind and connect */
	SOCKOPT_LISTENING,	/* after socket(), before bind and listen */
	SOCKOPT_BOUND		/* after bind: the multicast joins */
};

/* Reset *o to "nothing asked". */
void	sockopt_init(struct sock_opts *o);

/*
 * The protocol to make a socket of family and type with: IPPROTO_MPTCP
 * for an IP stream when o asks for it, else protocol.
 */
int	sockopt_protocol(const struct sock_opts *o, int family, int type,
	    int protocol);

/*
 * Set on fd (of family and type) what o asks for at stage; peer is the
 * destination of a connecting socket (a multicast one takes the
 * multicast TTL and interface), or NULL.  Options that do not apply to
 * the socket are left alone (the command checks them first).  Returns
 * 0, or -1 with errno and *fail saying which option and call.
 */
int	sockopt_apply(int fd, int family, int type, const struct sock_opts *o,
	    enum sockopt_stage stage, const struct sockaddr *peer,
	    struct sockopt_fail *fail);

/* Whether sa is a multicast address. */
int	sockopt_is_multicast(const struct sockaddr *sa);

/*
 * Parse a --tos value: a number 0-255 (0x.. allowed), a DSCP name (ef,
 * af11..af43, cs0..cs7) or lowdelay, throughput, reliability.  Returns
 * the TOS byte, or -1.
 */
int	sockopt_tos_parse(const char *s);

/* The i-th of the names --tos takes, or NULL past the last. */
const char *sockopt_tos_name(size_t i);

#endif
