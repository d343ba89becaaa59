/*
 * event: the fixed -v lines (see event.h).
 */
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "event.h"

char *
event_name(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t buflen)
{
	char host[NI_MAXHOST];
	int port;

	if (addr_format(sa, len, host, sizeof(host), &port) != 0)
		strlcpy(buf, "(unknown address)", buflen);
	else if (port < 0)
		strlcpy(buf, host, buflen);
	else
		snprintf(buf, buflen, "%s port %d", host, port);
	return buf;
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
		snprintf(buf, buflen, "connected to %s", ev->name);
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
	case EVENT_TOTALS:
		snprintf(buf, buflen, "sent %" PRIu64 " bytes, received %"
		    PRIu64 " bytes%s", ev->sent, ev->received,
		    ev->all ? " in all" : "");
		break;
	}
	return buf;
}
