/*
 * acl: which clients a server takes (--allow, --deny): addresses, CIDR
 * blocks and host names (resolved once, when added), IPv4 and IPv6; an
 * IPv4 rule also matches the IPv4-mapped form a dual-stack socket
 * gives.  Deny wins over allow; with any allow rule, a client must
 * match one.
 */
#ifndef SOCKCAT_ACL_H
#define SOCKCAT_ACL_H

#include <sys/socket.h>
#include <stddef.h>

struct acl;

struct acl	*acl_new(void);
void		 acl_free(struct acl *a);

/*
 * Add entry ("192.0.2.7", "10.0.0.0/8", "2001:db8::/32", "host.example")
 * to the allow (deny 0) or deny list; a name is resolved now (numeric:
 * never, the name is refused).  Returns 0, or -1 with *why (a static
 * string, or getaddrinfo's words).
 */
int	acl_add(struct acl *a, int deny, const char *entry, int numeric,
	    const char **why);

/* Whether the client at sa may come in. */
int	acl_admit(const struct acl *a, const struct sockaddr *sa,
	    socklen_t len);

#endif
