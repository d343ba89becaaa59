/*
 * event: the fixed -v lines (see event.h).
 */
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "event.h"
#include "tls.h"

char *
event_name(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t buflen)
{
	char host[NI_MAXHOST];
	int port;

	if (addr_format_peer(sa, len, host, sizeof(host), &port) != 0)
		strlcpy(buf, "(unknown address)", buflen);
	else if (port < 0)
		strlcpy(buf, host, buflen);
	else
		snprintf(buf, buflen, "%s port %d", host, port);
	return buf;
}

/* A TLS handshake's outcome: "tls VERSION CIPHER", the peer's
 * certificate, the ALPN protocol; with many peers, "tls NAME: ...". */
static void
opened(const struct event *ev, char *buf, size_t buflen)
{
	struct tls_info ti;
	char who[EVENT_NAME_MAX + 8];
	size_t n;

	buf[0] = '\0';
	if (ev->stream == NULL || tls_stream_info(ev->stream, &ti) == -1)
		return;
	who[0] = '\0';
	if (ev->name != NULL)
		snprintf(who, sizeof(who), "%s: ", ev->name);
	snprintf(buf, buflen, "tls %s%s %s", who, ti.version, ti.cipher);
	n = strlen(buf);
	if (ti.has_peer && n < buflen)
		n += (size_t)snprintf(buf + n, buflen - n, "\ntls %speer %s "
		    "(issuer %s, expires %s)", who, ti.subject, ti.issuer,
		    ti.expires);
	if (ti.alpn[0] != '\0' && n < buflen)
		snprintf(buf + n, buflen - n, "\ntls %salpn %s", who, ti.alpn);
}

char *
event_format(const struct event *ev, char *buf, size_t buflen)
{
	char why[160];

	switch (ev->kind) {
	case EVENT_LISTENING:
		snprintf(buf, buflen, "listening on %s", ev->name);
		break;
	case EVENT_CONNECTED:
		snprintf(buf, buflen, "connected to %s%s", ev->name,
		    ev->all ? " (via proxy)" : "");
		break;
	case EVENT_CONNECTION:
		snprintf(buf, buflen, "connection from %s", ev->name);
		break;
	case EVENT_DISCONNECTED:
		why[0] = '\0';
		if (ev->ms > 0)
			snprintf(why, sizeof(why), " (dropped: it read nothing "
			    "for %lld seconds while the others waited)",
			    ev->ms / 1000);
		else if (ev->text != NULL)
			snprintf(why, sizeof(why), " (%s)", ev->text);
		else if (ev->err != 0)
			snprintf(why, sizeof(why), " (%s)", strerror(ev->err));
		snprintf(buf, buflen, "disconnected %s%s: sent %" PRIu64
		    " bytes, received %" PRIu64 " bytes",
		    ev->name != NULL ? ev->name : "a client", why, ev->sent,
		    ev->received);
		break;
	case EVENT_IDLE:
		snprintf(buf, buflen, "idle for %lld.%03lld seconds: ending",
		    ev->ms / 1000, ev->ms % 1000);
		break;
	case EVENT_OPENED:
		opened(ev, buf, buflen);
		break;
	case EVENT_ACCEPT_WAIT:
		snprintf(buf, buflen, "accept: %s; waiting for a client to "
		    "leave", strerror(ev->err));
		break;
	case EVENT_PROXY:
		snprintf(buf, buflen, "proxy %s (%s)", ev->name, ev->text);
		break;
	case EVENT_TOTALS:
		snprintf(buf, buflen, "sent %" PRIu64 " bytes, received %"
		    PRIu64 " bytes%s", ev->sent, ev->received,
		    ev->all ? " in all" : "");
		break;
	}
	return buf;
}
