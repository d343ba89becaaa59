/*
 * shape: what a relay may do to the bytes on their way (-C, --telnet)
 * and show of them (--hex-dump), as the shape of every copy flow (see
 * flow.h).
 */
#ifndef SOCKCAT_SHAPE_H
#define SOCKCAT_SHAPE_H

struct flow;
struct chunk;

struct shape_cfg {
	int	crlf;		/* stdin's bare LF goes out as CRLF */
	int	telnet;		/* refuse every option, keep them out */
	int	dump_fd;	/* a hex dump of both directions, or -1 */
	int	dump_err;	/* why writing the dump failed (it stopped
				   there), or 0 */
};

/*
 * The flow shape of cfg (arg): sending flows get CRLF, then the dump
 * ("> N bytes at OFFSET"); receiving ones the dump ("< ..."), then the
 * telnet negotiation taken out and answered.  Returns 0, or -1 with
 * errno.
 */
int	shape_run(void *arg, struct flow *f, struct chunk **cp);

#endif
