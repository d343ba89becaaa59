/*
 * addr: the HOST/PORT vocabulary of sockcat.
 *
 * Everything here turns user spellings into socket-layer values and back.
 * Nothing here prints or exits: a function returns 0 on success and -1 with
 * errno set (or a getaddrinfo(3) EAI_* code where it says so), and the
 * caller words the message.
 */
#ifndef SOCKCAT_ADDR_H
#define SOCKCAT_ADDR_H

#include <sys/types.h>
#include <sys/socket.h>
#include <netdb.h>
#include <stddef.h>

/* The longest HOST accepted (a DNS name is at most 253 characters). */
#define ADDR_HOST_MAX	255

/* The spelling of the broadcast host. */
#define ADDR_BROADCAST	"<broadcast>"

/*
 * Parse a family name: inet, inet6, unix, local, any, unspec, ipv4, ipv6,
 * and the AF_ and PF_ spellings, in any case.  Stores AF_* in *family.
 * Returns 0, or -1 with errno EINVAL.
 */
int	addr_family_parse(const char *s, int *family);

/*
 * Parse a socket type: stream, dgram, seqpacket, raw, with or without a
 * SOCK_ prefix, in any case.  Returns 0, or -1 with errno EINVAL.
 */
int	addr_type_parse(const char *s, int *type);

/*
 * Parse a protocol: a number 0-255 or a name from protocols(5).
 * Returns 0, or -1 with errno ERANGE (a number out of range) or ENOENT
 * (no such name).
 */
int	addr_protocol_parse(const char *s, int *protocol);

/* Short names for output: "inet", "stream", "tcp"; NULL when unknown. */
const char	*addr_family_name(int family);
const char	*addr_type_name(int type);
const char	*addr_protocol_name(int protocol);

/*
 * Check a PORT: a decimal number 0-65535 or, unless numeric_only, a
 * service name that services(5) knows.  Stores the number in *port when
 * port is not NULL.  Returns 0, or -1 with errno ERANGE (a number out of
 * range), EINVAL (empty, or a name where numeric_only), ENOENT (no such
 * service).
 */
int	addr_port_parse(const char *s, int numeric_only, int *port);

/*
 * Parse one item of a port list: a PORT as above, or a range LO-HI of
 * numbers with LO <= HI.  Stores the bounds (equal for one port).
 * Returns 0, or -1 with errno as addr_port_parse() sets it.
 */
int	addr_port_range(const char *s, int numeric_only, int *lo, int *hi);

/*
 * Check the syntax of a HOST without resolving it: its length, brackets,
 * and a scope after '%'.  Returns 0, or -1 with errno ENAMETOOLONG,
 * EINVAL (unbalanced brackets, empty scope, a space or control
 * character), or ERANGE (an integer address above 0xffffffff).
 */
int	addr_host_check(const char *host);

/* Whether HOST is the broadcast spelling. */
int	addr_is_broadcast(const char *host);

/*
 * Split one HOST:PORT or [V6]:PORT operand.  An operand with two or more
 * colons and no brackets is an IPv6 address, not split.  On success *host
 * and *port point into a new allocation, freed with free(*host), and 0 is
 * returned; -1 with errno EINVAL when op is no HOST:PORT, or ENOMEM.
 */
int	addr_split(const char *op, char **host, char **port);

/*
 * Resolve HOST and PORT with getaddrinfo(3), after turning the special
 * spellings into what getaddrinfo understands: brackets are removed,
 * "<broadcast>" is 255.255.255.255, an integer is an IPv4 address in host
 * byte order, and "" is the wildcard (AI_PASSIVE, NULL host).  PORT may be
 * NULL.  Returns 0, or an EAI_* code (EAI_SYSTEM with errno set).
 */
int	addr_resolve(const char *host, const char *port,
	    const struct addrinfo *hints, struct addrinfo **res);

/*
 * If HOST is an address in any spelling addr_resolve() reads as one
 * (127.0.0.1, 127.1, 2130706433, 0x7f000001, ::1, [::1], fe80::1%lo),
 * write its usual text (127.0.0.1, ::1, fe80::1%lo) in buf and return
 * 1; 0 for a name.
 */
int	addr_numeric(const char *host, char *buf, size_t len);

/* Set the port of an inet or inet6 address; others are left alone. */
void	addr_set_port(struct sockaddr *sa, int port);

/*
 * addr_format() for a peer or a local end: an IPv4 client of a
 * dual-stack socket (::ffff:127.0.0.1) is named as the IPv4 address it
 * is.
 */
int	addr_format_peer(const struct sockaddr *sa, socklen_t len, char *host,
	    size_t hostlen, int *port);

/*
 * Format the address and port of sa numerically into host (at least
 * NI_MAXHOST bytes) and *port.  Unix addresses give their path ("@name"
 * for the abstract namespace; an unbound one, of length 0 or a family
 * alone, "(unnamed)") and port -1.  Returns 0, or an EAI_* code.
 */
int	addr_format(const struct sockaddr *sa, socklen_t len, char *host,
	    size_t hostlen, int *port);

#endif
