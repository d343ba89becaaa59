/*
 * proxy-opts: connect's proxy options, and the chain (see proxy-opts.h).
 */
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <readpassphrase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "dial.h"
#include "engine.h"
#include "opts.h"
#include "proxy-opts.h"
#include "relay.h"
#include "sig.h"
#include "stream.h"
#include "tls.h"

/* A URL for messages, its credentials left out. */
static const char *
redact(const char *url, char *buf, size_t len)
{
	const char *start = strstr(url, "://"), *at;

	start = start != NULL ? start + 3 : url;
	at = strrchr(start, '@');
	if (at == NULL || at < start) {
		strlcpy(buf, url, len);
		return buf;
	}
	snprintf(buf, len, "%.*s***%s", (int)(start - url), url, at);
	return buf;
}

int
proxy_option(struct proxy_opts *p, const char *cmd, int c, const char *arg)
{
	char shown[600];
	const char *why;

	switch (c) {
	case 'x':
		if (p->n == PROXY_HOPS_MAX)
			return usage_error(cmd, "at most %d --proxy in a "
			    "chain", PROXY_HOPS_MAX);
		if (proxy_url_parse(arg, &p->hops[p->n], &why) == -1)
			return usage_error(cmd, "--proxy '%s': %s",
			    redact(arg, shown, sizeof(shown)), why);
		p->n++;
		return 0;
	case OPT_PROXY_USER:
		if (arg[0] == '\0' || arg[0] == ':')
			return usage_error(cmd, "--proxy-user: an empty user "
			    "name");
		if (strlen(arg) >= 2 * PROXY_FIELD_MAX)
			return usage_error(cmd, "--proxy-user: too long");
		p->user = arg;
		return 0;
	case OPT_PROXY_CACERT:
		p->cacert = arg;
		return 0;
	case OPT_PROXY_INSECURE:
		p->insecure = 1;
		return 0;
	}
	return -1;
}

int
proxy_check(const struct common_opts *co)
{
	const struct proxy_opts *p = &co->proxy;
	const char *cmd = co->cmd;
	size_t i;
	int https = 0;

	for (i = 0; i < p->n; i++)
		https |= p->hops[i].scheme == PROXY_HTTPS;
	if (p->n == 0) {
		if (p->user != NULL)
			return usage_error(cmd, "--proxy-user needs --proxy");
		if (p->cacert != NULL || p->insecure)
			return usage_error(cmd, "%s needs an https:// --proxy",
			    p->cacert != NULL ? "--proxy-cacert" :
			    "--proxy-insecure");
		return 0;
	}
	if (co->family == AF_UNIX)
		return usage_error(cmd, "--proxy conflicts with %s",
		    co->family_by);
	if (co->type != 0 && co->type != SOCK_STREAM)
		return usage_error(cmd, "--proxy conflicts with %s",
		    co->type_by);
	if (co->sock.given[SOCKOPT_FASTOPEN] != NULL)
		return usage_error(cmd, "--proxy conflicts with --fastopen");
	if (p->user != NULL && p->n > 1)
		return usage_error(cmd, "--proxy-user with a chain: give each "
		    "proxy's USER:PASS@ in its URL");
	if (p->user != NULL && p->hops[0].has_user)
		return usage_error(cmd, "--proxy-user conflicts with the user "
		    "in the --proxy URL");
	if ((p->cacert != NULL || p->insecure) && !https)
		return usage_error(cmd, "%s needs an https:// --proxy",
		    p->cacert != NULL ? "--proxy-cacert" : "--proxy-insecure");
	if (p->cacert != NULL && access(p->cacert, R_OK) == -1)
		return usage_error(cmd, "--proxy-cacert '%s': %s", p->cacert,
		    strerror(errno));
	return 0;
}

/* Ask for hop's password on the terminal.  Returns 0, or 1 after the
 * message. */
static int
ask_password(struct proxy_url *hop)
{
	char prompt[PROXY_FIELD_MAX * 2 + 64];

	snprintf(prompt, sizeof(prompt), "Password for %s at proxy %s: ",
	    hop->user, hop->host);
	if (readpassphrase(prompt, hop->pass, sizeof(hop->pass),
	    RPP_REQUIRE_TTY) == NULL) {
		warnx("proxy %s port %s: a password for %s is needed and "
		    "there is no terminal to ask for it (give USER:PASS)",
		    hop->host, hop->port, hop->user);
		return 1;
	}
	hop->has_pass = 1;
	return 0;
}

int
proxy_setup(struct common_opts *co)
{
	struct proxy_opts *p = &co->proxy;
	struct proxy_url *h0 = &p->hops[0];
	const char *colon;
	size_t i;
	int https = 0;

	if (p->n == 0)
		return 0;
	if (p->user != NULL) {
		colon = strchr(p->user, ':');
		snprintf(h0->user, sizeof(h0->user), "%.*s", colon != NULL ?
		    (int)(colon - p->user) : (int)strlen(p->user), p->user);
		if (colon != NULL)
			strlcpy(h0->pass, colon + 1, sizeof(h0->pass));
		h0->has_user = 1;
		h0->has_pass = colon != NULL;
	}
	for (i = 0; i < p->n; i++) {
		/* SOCKS4 sends a user id and no password: none to ask. */
		if (p->hops[i].has_user && !p->hops[i].has_pass &&
		    p->hops[i].scheme != PROXY_SOCKS4 &&
		    p->hops[i].scheme != PROXY_SOCKS4A &&
		    ask_password(&p->hops[i]) != 0)
			return 1;
		https |= p->hops[i].scheme == PROXY_HTTPS;
	}
	if (!https)
		return 0;
	p->tls.on = 1;
	p->tls.cacert = p->cacert;
	p->tls.insecure = p->insecure;
	p->tls.needed_by = "an https:// proxy";
	p->tls.whose = "proxy";
	return tls_setup(&p->tls, co->cmd, 0, NULL) == 0 ? 0 : 1;
}

void
proxy_teardown(struct common_opts *co)
{
	size_t i;

	for (i = 0; i < co->proxy.n; i++)
		explicit_bzero(co->proxy.hops[i].pass,
		    sizeof(co->proxy.hops[i].pass));
	tls_teardown(&co->proxy.tls);
}

/* The -v line of a hop reached. */
static void
report_hop(const struct common_opts *co, const char *name,
    enum proxy_scheme scheme)
{
	if (co->verbose)
		report_proxy(name, proxy_scheme_name(scheme));
}

/*
 * Connect to the first proxy; its name ("ADDR port PORT") in name.
 * Returns the socket, or -1 with *status set after the message.
 */
static int
first_hop(const struct common_opts *co, char *name, size_t len, int *status)
{
	const struct proxy_url *h = &co->proxy.hops[0];
	struct addrinfo hints, *res, *which;
	int r, fd, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = co->family;
	hints.ai_socktype = SOCK_STREAM;
	if (co->numeric)
		hints.ai_flags = AI_NUMERICHOST;
	if ((r = addr_resolve(h->host, h->port, &hints, &res)) != 0) {
		e = errno;
		warnx("proxy %s port %s: %s", h->host, h->port,
		    r == EAI_SYSTEM ? strerror(e) : gai_strerror(r));
		*status = PROXY_DIAL_FAILED;
		return -1;
	}
	fd = dial_any(co, res, 0, NULL, &which);
	e = errno;
	if (fd >= 0)
		relay_name(which->ai_addr, which->ai_addrlen, name, len);
	freeaddrinfo(res);
	if (fd >= 0)
		return fd;
	*status = PROXY_DIAL_FAILED;
	if (fd == DIAL_REPORTED)
		return -1;
	if (e == EINTR) {
		*status = PROXY_DIAL_SIGNAL;
		return -1;
	}
	/* (-v named the address, not that it was the proxy's.) */
	warnx("proxy %s port %s: %s", h->host, h->port, strerror(e));
	*status = PROXY_DIAL_UNREACHABLE;
	return -1;
}

/*
 * The address of host for a scheme that sends one (SOCKS4: IPv4),
 * the first that getaddrinfo gives.  Returns 0, or -1 after the
 * message.
 */
static int
local_address(const struct common_opts *co, enum proxy_scheme scheme,
    const char *host, const char *port, struct sockaddr_storage *ss)
{
	struct addrinfo hints, *res;
	int r, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = scheme == PROXY_SOCKS4 ? AF_INET : co->family;
	hints.ai_socktype = SOCK_STREAM;
	if (co->numeric)
		hints.ai_flags = AI_NUMERICHOST;
	if ((r = addr_resolve(host, NULL, &hints, &res)) != 0) {
		e = errno;
		warnx("%s port %s: %s%s", host, port, r == EAI_SYSTEM ?
		    strerror(e) : gai_strerror(r), scheme == PROXY_SOCKS4 &&
		    r != EAI_SYSTEM ? " (SOCKS4 needs an IPv4 address: "
		    "socks4a:// sends the name)" : "");
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/*
 * One hop's handshake over s, asking for host and port.  Returns
 * PROXY_DIAL_OK, or another after the message.
 */
static int
hop(const struct common_opts *co, const struct proxy_url *h, const char *name,
    struct stream *s, const char *host, int nport,
    const struct sockaddr_storage *ss, int last, int quiet)
{
	struct proxy_talk t;
	long long wait = co->connect_ms > 0 ? co->connect_ms : PROXY_REPLY_MS;
	char secs[EVENT_SECS_MAX];
	int r, e, target;

	if (proxy_talk_start(&t, h->scheme, host, nport,
	    ss->ss_family != AF_UNSPEC ? (const struct sockaddr *)ss : NULL,
	    h->has_user ? h->user : NULL, h->has_pass ? h->pass : NULL) == -1) {
		proxy_talk_end(&t);
		warnx("proxy %s: %s", name, t.why);
		return PROXY_DIAL_FAILED;
	}
	r = proxy_talk_run(&t, s, clock_ms() + wait, sig_fd());
	e = errno;
	proxy_talk_end(&t);
	if (r == 0)
		return PROXY_DIAL_OK;
	if (e == EINTR)
		return PROXY_DIAL_SIGNAL;
	target = last && e == EPROTO && t.refused;
	if (target && quiet && !co->verbose)
		return PROXY_DIAL_TARGET;
	if (e == ETIMEDOUT) {
		/* A proxy still starting may take a connection before it
		 * answers: as one not reached, worth another try. */
		warnx("proxy %s: no %s reply within %s", name,
		    proxy_protocol_name(h->scheme),
		    event_secs(wait, secs, sizeof(secs)));
		return PROXY_DIAL_UNREACHABLE;
	}
	if (t.why[0] != '\0')
		warnx("proxy %s: %s", name, t.why);
	else
		warnx("proxy %s: %s", name, stream_why(s) != NULL ?
		    stream_why(s) : strerror(e));
	return target ? PROXY_DIAL_TARGET : PROXY_DIAL_FAILED;
}

/* Start TLS to the https:// proxy h over s.  Returns PROXY_DIAL_OK, or
 * another after the message. */
static int
hop_tls(const struct common_opts *co, const struct proxy_url *h,
    const char *name, struct stream *s)
{
	struct tls_opts t = co->proxy.tls;
	long long wait = co->connect_ms > 0 ? co->connect_ms : ENGINE_OPEN_MS;
	char secs[EVENT_SECS_MAX];

	tls_names(&t, h->host);
	if (tls_wrap(&t, s) == -1) {
		warn("proxy %s: tls", name);
		return PROXY_DIAL_FAILED;
	}
	if (stream_open_wait(s, clock_ms() + wait, sig_fd()) == -1) {
		if (errno == EINTR)
			return PROXY_DIAL_SIGNAL;
		if (errno == ETIMEDOUT)
			warnx("proxy %s: tls: no handshake within %s", name,
			    event_secs(wait, secs, sizeof(secs)));
		else
			warnx("proxy %s: tls: %s", name, stream_why(s) != NULL ?
			    stream_why(s) : strerror(errno));
		return PROXY_DIAL_FAILED;
	}
	if (co->verbose)
		report_opened(name, s);
	return PROXY_DIAL_OK;
}

int
proxy_asks(const struct common_opts *co, const char *host, const char *port,
    int *nport, struct sockaddr_storage *ss)
{
	const struct proxy_opts *p = &co->proxy;
	const struct proxy_url *h;
	const char *nhost, *nport_text;
	size_t i;

	memset(ss, 0, p->n * sizeof(*ss));
	for (i = 0; i < p->n; i++) {
		h = &p->hops[i];
		nhost = i + 1 < p->n ? p->hops[i + 1].host : host;
		nport_text = i + 1 < p->n ? p->hops[i + 1].port : port;
		/* fe80::1%eth0: the interface is this host's, and no proxy
		 * request has room for it. */
		if (strchr(nhost, ':') != NULL && strchr(nhost, '%') != NULL) {
			warnx("%s: a scope id names an interface of this host, "
			    "which a proxy cannot use", nhost);
			return -1;
		}
		if (addr_port_parse(nport_text, co->numeric, &nport[i]) == -1) {
			warnx("%s port %s: no such service", nhost,
			    nport_text);
			return -1;
		}
		if (!proxy_scheme_sends_name(h->scheme) && local_address(co,
		    h->scheme, nhost, nport_text, &ss[i]) == -1)
			return -1;
	}
	return 0;
}

int
proxy_dial(const struct common_opts *co, const char *host, const char *port,
    int quiet, struct stream *s)
{
	const struct proxy_opts *p = &co->proxy;
	const struct proxy_url *h, *next;
	struct sockaddr_storage ss[PROXY_HOPS_MAX];
	int nport[PROXY_HOPS_MAX];
	char name[RELAY_NAME_MAX];
	size_t i;
	int fd, r;

	/* What each hop asks for, resolved here where its scheme wants an
	 * address, before any connection is made. */
	if (proxy_asks(co, host, port, nport, ss) == -1)
		return PROXY_DIAL_FAILED;
	if ((fd = first_hop(co, name, sizeof(name), &r)) == -1)
		return r;
	if (stream_socket(s, fd) == -1) {
		close(fd);
		warn("proxy %s", name);
		return PROXY_DIAL_FAILED;
	}
	for (i = 0; i < p->n; i++) {
		h = &p->hops[i];
		report_hop(co, name, h->scheme);
		if (h->scheme == PROXY_HTTPS &&
		    (r = hop_tls(co, h, name, s)) != PROXY_DIAL_OK)
			break;
		next = i + 1 < p->n ? &p->hops[i + 1] : NULL;
		if ((r = hop(co, h, name, s, next != NULL ? next->host : host,
		    nport[i], &ss[i], next == NULL, quiet)) != PROXY_DIAL_OK)
			break;
		if (next != NULL)
			snprintf(name, sizeof(name), "%s port %s", next->host,
			    next->port);
	}
	if (r != PROXY_DIAL_OK) {
		stream_close(s);
		return r;
	}
	if (co->verbose) {
		snprintf(name, sizeof(name), "%s port %s", host, port);
		report_connected_via(name);
	}
	return PROXY_DIAL_OK;
}
