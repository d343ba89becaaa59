/*
 * event: the fixed -v lines (see event.h).
 */
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "event.h"
#include "json.h"
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
event_secs(long long ms, char *buf, size_t buflen)
{
	char frac[8] = "";
	size_t n;

	if (ms % 1000 != 0) {
		snprintf(frac, sizeof(frac), ".%03lld", ms % 1000);
		for (n = strlen(frac); frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
	}
	snprintf(buf, buflen, "%lld%s second%s", ms / 1000, frac,
	    ms == 1000 ? "" : "s");
	return buf;
}

char *
event_format(const struct event *ev, char *buf, size_t buflen)
{
	char why[TLS_ERR_MAX + 128], secs[EVENT_SECS_MAX];

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
			    "for %s while the others waited)",
			    event_secs(ev->ms, secs, sizeof(secs)));
		else if (ev->text != NULL)
			snprintf(why, sizeof(why), " (%s)", ev->text);
		else if (ev->err != 0)
			snprintf(why, sizeof(why), " (%s)", strerror(ev->err));
		/* all: forward's pair, told as its client's totals. */
		snprintf(buf, buflen, "%s%s%s: sent %" PRIu64
		    " bytes, received %" PRIu64 " bytes",
		    ev->all ? "" : "disconnected ",
		    ev->name != NULL ? ev->name : "a client", why, ev->sent,
		    ev->received);
		break;
	case EVENT_IDLE:
		snprintf(buf, buflen, "idle for %s: ending",
		    event_secs(ev->ms, secs, sizeof(secs)));
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
	case EVENT_ATTEMPT:
		snprintf(buf, buflen, "trying %s", ev->name);
		break;
	case EVENT_ATTEMPT_END:
		snprintf(buf, buflen, "connect %s: %s", ev->name,
		    ev->text != NULL ? ev->text : strerror(ev->err));
		break;
	case EVENT_RETRY:
		snprintf(buf, buflen, "try %lld failed; again in %lld.%03lld s",
		    ev->count, ev->ms / 1000, ev->ms % 1000);
		break;
	case EVENT_DATAGRAM:
		snprintf(buf, buflen, "%s%" PRIu64 " bytes from %s",
		    ev->all ? "ignored " : "", ev->received, ev->name);
		break;
	case EVENT_DGRAM_TOTALS:
		snprintf(buf, buflen, "sent %" PRIu64 " bytes in %lld "
		    "datagram%s", ev->sent, ev->count, ev->count == 1 ? "" :
		    "s");
		break;
	case EVENT_COMMAND_END:
		snprintf(buf, buflen, "command %lld ended with status %d",
		    ev->count, ev->err);
		break;
	case EVENT_TLS_PIN:
		snprintf(buf, buflen, "tls pin %s", ev->text);
		break;
	case EVENT_REFUSED:
		if (ev->all && ev->count > 0)
			snprintf(buf, buflen, "refused a datagram of %" PRIu64
			    " bytes from %s (%lld senders at once already)",
			    ev->received, ev->name, ev->count);
		else if (ev->all)
			snprintf(buf, buflen, "refused a datagram of %" PRIu64
			    " bytes from %s (not allowed)", ev->received,
			    ev->name);
		else
			snprintf(buf, buflen, "refused %s (not allowed)",
			    ev->name);
		break;
	case EVENT_UNROUTED:
		if (ev->name != NULL)
			snprintf(buf, buflen, "route: no peer %s; line dropped",
			    ev->name);
		else
			snprintf(buf, buflen, "route: a line without a label; "
			    "dropped");
		break;
	}
	return buf;
}

static const char *const json_names[] = {
	[EVENT_LISTENING] = "listening",
	[EVENT_CONNECTED] = "connected",
	[EVENT_CONNECTION] = "connection",
	[EVENT_DISCONNECTED] = "closed",
	[EVENT_IDLE] = "idle",
	[EVENT_TOTALS] = "totals",
	[EVENT_OPENED] = "tls",
	[EVENT_ACCEPT_WAIT] = "accept_wait",
	[EVENT_PROXY] = "proxy",
	[EVENT_ATTEMPT] = "attempt",
	[EVENT_ATTEMPT_END] = "attempt_failed",
	[EVENT_RETRY] = "retry",
	[EVENT_DATAGRAM] = "datagram",
	[EVENT_DGRAM_TOTALS] = "totals",
	[EVENT_COMMAND_END] = "command_ended",
	[EVENT_TLS_PIN] = "tls_pin",
	[EVENT_REFUSED] = "refused",
	[EVENT_UNROUTED] = "unrouted"
};

/* The address members of an event: from its sockaddr when it has one,
 * else from its name ("ADDR port PORT", or a path). */
static void
json_where(struct json_obj *o, const struct event *ev)
{
	char host[EVENT_NAME_MAX];
	const char *p;
	int port;

	if (ev->sa != NULL && addr_format_peer(ev->sa, ev->salen, host,
	    sizeof(host), &port) == 0) {
		json_obj_str(o, port >= 0 ? "address" : "path", host);
		if (port >= 0)
			json_obj_int(o, "port", port);
		return;
	}
	if (ev->name == NULL)
		return;
	p = strstr(ev->name, " port ");
	while (p != NULL && strstr(p + 1, " port ") != NULL)
		p = strstr(p + 1, " port ");
	if (p == NULL || p[6] == '\0' ||
	    strspn(p + 6, "0123456789") != strlen(p + 6)) {
		json_obj_str(o, "path", ev->name);
		return;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(p - ev->name), ev->name);
	json_obj_str(o, "address", host);
	json_obj_int(o, "port", strtol(p + 6, NULL, 10));
}

/* A failure's members: its words and its errno's name. */
static void
json_failure(struct json_obj *o, int err, const char *text)
{
	const char *name;

	if (err == 0 && text == NULL)
		return;
	json_obj_str(o, "message", text != NULL ? text : strerror(err));
	if (err != 0 && (name = strerrorname_np(err)) != NULL)
		json_obj_str(o, "errno", name);
}

static void
json_tls(struct json_obj *o, const struct stream *s)
{
	struct tls_info ti;

	if (s == NULL || tls_stream_info(s, &ti) == -1)
		return;
	json_obj_str(o, "tls_version", ti.version);
	json_obj_str(o, "cipher", ti.cipher);
	json_obj_str(o, "peer_subject", ti.has_peer ? ti.subject : "");
	if (ti.has_peer) {
		json_obj_str(o, "issuer", ti.issuer);
		json_obj_str(o, "expires", ti.expires);
	}
	json_obj_str(o, "alpn", ti.alpn);
}

size_t
event_json(const struct event *ev, char *buf, size_t buflen)
{
	struct json_obj o;

	json_obj_begin(&o, buf, buflen);
	json_obj_str(&o, "event", ev->kind < sizeof(json_names) /
	    sizeof(json_names[0]) ? json_names[ev->kind] : "unknown");
	switch (ev->kind) {
	case EVENT_LISTENING:
	case EVENT_CONNECTION:
	case EVENT_ATTEMPT:
		json_where(&o, ev);
		break;
	case EVENT_CONNECTED:
		json_where(&o, ev);
		if (ev->all)
			json_obj_bool(&o, "via_proxy", 1);
		break;
	case EVENT_DISCONNECTED:
		json_where(&o, ev);
		json_obj_int(&o, "bytes_sent", (long long)ev->sent);
		json_obj_int(&o, "bytes_received", (long long)ev->received);
		json_obj_secs(&o, "seconds", ev->elapsed_ms);
		if (ev->ms > 0)
			json_obj_secs(&o, "dropped_after", ev->ms);
		else
			json_failure(&o, ev->err, ev->text);
		break;
	case EVENT_IDLE:
		json_obj_secs(&o, "seconds", ev->ms);
		break;
	case EVENT_TOTALS:
		json_obj_int(&o, "bytes_sent", (long long)ev->sent);
		json_obj_int(&o, "bytes_received", (long long)ev->received);
		json_obj_secs(&o, "seconds", ev->elapsed_ms);
		if (ev->all)
			json_obj_bool(&o, "all", 1);
		break;
	case EVENT_OPENED:
		json_where(&o, ev);
		json_tls(&o, ev->stream);
		break;
	case EVENT_ACCEPT_WAIT:
		json_failure(&o, ev->err, NULL);
		break;
	case EVENT_PROXY:
		json_where(&o, ev);
		json_obj_str(&o, "scheme", ev->text);
		break;
	case EVENT_ATTEMPT_END:
		json_where(&o, ev);
		json_failure(&o, ev->err, ev->text);
		break;
	case EVENT_RETRY:
		json_obj_int(&o, "try", ev->count);
		json_obj_secs(&o, "delay", ev->ms);
		break;
	case EVENT_DATAGRAM:
		json_where(&o, ev);
		json_obj_int(&o, "bytes", (long long)ev->received);
		if (ev->all)
			json_obj_bool(&o, "ignored", 1);
		break;
	case EVENT_DGRAM_TOTALS:
		json_obj_int(&o, "bytes_sent", (long long)ev->sent);
		json_obj_int(&o, "datagrams", ev->count);
		break;
	case EVENT_COMMAND_END:
		json_obj_int(&o, "pid", ev->count);
		json_obj_int(&o, "status", ev->err);
		break;
	case EVENT_TLS_PIN:
		json_obj_str(&o, "pin", ev->text);
		break;
	case EVENT_REFUSED:
		json_where(&o, ev);
		if (ev->all)
			json_obj_int(&o, "bytes", (long long)ev->received);
		if (ev->count > 0)
			json_obj_int(&o, "max_clients", ev->count);
		break;
	case EVENT_UNROUTED:
		if (ev->name != NULL)
			json_obj_str(&o, "label", ev->name);
		break;
	}
	return json_obj_end(&o);
}
