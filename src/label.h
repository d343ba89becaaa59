/*
 * label: line framing of many peers' bytes (--label) and the reading of
 * labelled lines (--route).  A label names a peer as "ADDR PORT" (an
 * IPv4 client of a dual-stack socket as IPv4), or "unix N" for a unix
 * peer, N its number in order of arrival; a labelled line is the label,
 * a tab, and the peer's line.
 */
#ifndef SOCKCAT_LABEL_H
#define SOCKCAT_LABEL_H

#include <sys/socket.h>
#include <stddef.h>

struct flow;
struct chunk;

/* Room for a label (an IPv6 address with its scope, a port). */
#define LABEL_MAX	128

/* The longest line kept whole; a longer one is cut into pieces of this
 * size, each labelled and ended with a newline. */
#define LABEL_LINE_MAX	(1024 * 1024)

/*
 * The label of the peer at sa (len bytes; a unix peer's: "unix n") in
 * buf.  Returns buf.
 */
char	*label_name(const struct sockaddr *sa, socklen_t len,
	    unsigned long n, char *buf, size_t buflen);

/*
 * Datagram d of len bytes as a labelled line in out (outlen bytes, at
 * least len + strlen(label) + 2): the label, a tab, d, and a newline
 * unless d ends with one (its inner newlines kept).  Returns the
 * length.
 */
size_t	label_record(const char *label, const void *d, size_t len,
	    unsigned char *out, size_t outlen);

/* The framing of one peer's bytes: whole lines, each labelled. */
struct label_frame {
	char		 tag[LABEL_MAX + 1];	/* the label and a tab */
	size_t		 taglen;
	unsigned char	*part;		/* the line so far */
	size_t		 partlen;
	size_t		 partcap;
	int		 record;	/* a read is a datagram */
};

/* Frame with label from now on; record: each read is a datagram. */
void	label_frame_init(struct label_frame *lf, const char *label,
	    int record);

/* Free what lf holds. */
void	label_frame_fini(struct label_frame *lf);

/*
 * A flow's framing step (flow.h's flow_frame_fn) for a label_frame arg:
 * the complete lines of c (its own, or ending what came before) go on,
 * each labelled, as one chunk; the rest waits for its newline; at the
 * end (c NULL) it goes with a newline added.  Returns 0, or -1 with
 * errno ENOMEM.
 */
int	label_frame_run(void *arg, struct flow *f, struct chunk *c);

/*
 * Where one labelled line starts: the label of line (len bytes) up to
 * its first tab in *label, *labellen.  Returns the offset of what
 * follows the tab, or -1 when the line has no tab within LABEL_MAX
 * bytes.
 */
long	label_split(const char *line, size_t len, const char **label,
	    size_t *labellen);

#endif
