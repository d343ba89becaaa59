/*
 * relay: the session shared by connect and serve (see relay.h).
 */
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "pump.h"
#include "relay.h"
#include "sig.h"

char *
relay_name(const struct sockaddr *sa, socklen_t len, char *buf,
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

/* Report "WHAT NAME" for fd's own (local) or its peer's address. */
static void
report_fd(int fd, int local, const char *what)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char name[RELAY_NAME_MAX];

	if ((local ? getsockname(fd, (struct sockaddr *)&ss, &len) :
	    getpeername(fd, (struct sockaddr *)&ss, &len)) == 0)
		warnx("%s %s", what, relay_name((struct sockaddr *)&ss, len,
		    name, sizeof(name)));
}

void
report_listening(int fd)
{
	report_fd(fd, 1, "listening on");
}

void
report_connection_from(const struct sockaddr *sa, socklen_t len)
{
	char name[RELAY_NAME_MAX];

	warnx("connection from %s", relay_name(sa, len, name, sizeof(name)));
}

void
report_connected(int fd)
{
	report_fd(fd, 0, "connected to");
}

int
relay_signal_status(void)
{
	return 128 + sig_caught();
}

/* The pump's settings that the shared options make. */
static void
pump_settings(const struct common_opts *co, int dgram, struct pump_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->in_fd = co->no_stdin || co->recv_only ? -1 : STDIN_FILENO;
	cfg->out_fd = STDOUT_FILENO;
	cfg->net_fd = -1;
	cfg->net_dgram = dgram;
	cfg->shut_at_start = co->recv_only;
	cfg->discard_net = co->send_only;
	cfg->end_on_sent = co->send_only;
	cfg->idle_ms = co->idle_ms;
	cfg->quit_ms = co->quit_ms;
	/* For comparing and testing the two data paths. */
	cfg->copy_only = getenv("SOCKCAT_NO_SPLICE") != NULL;
}

/*
 * How a session ended, as a message (where one is due) and an exit
 * status; peer names the other end, or is NULL with many clients.
 */
static int
end_status(const struct common_opts *co, const struct pump_result *res,
    const char *peer)
{
	switch (res->end) {
	case PUMP_NET_EOF:
	case PUMP_SENT:
	case PUMP_QUIT:
	case PUMP_OUT_GONE:
	case PUMP_DROPPED:
		return 0;
	case PUMP_IDLE:
		if (co->verbose)
			warnx("idle for %lld.%03lld seconds: ending",
			    co->idle_ms / 1000, co->idle_ms % 1000);
		return 0;
	case PUMP_SIGNAL:
		return relay_signal_status();
	case PUMP_ERR_NET_READ:
		warnx("receive from %s: %s", peer, strerror(res->err));
		break;
	case PUMP_ERR_NET_WRITE:
		warnx("send to %s: %s", peer, strerror(res->err));
		break;
	case PUMP_ERR_IN:
		warnx("read from stdin: %s", strerror(res->err));
		break;
	case PUMP_ERR_OUT:
		warnx("write to stdout: %s", strerror(res->err));
		break;
	}
	return EXIT_FAILURE;
}

int
relay_session(const struct common_opts *co, int fd, int dgram,
    const char *peer, uint64_t earlier)
{
	struct pump_cfg cfg;
	struct pump_result res;
	int status;

	pump_settings(co, dgram, &cfg);
	cfg.net_fd = fd;
	if (pump_run(&cfg, &res) == -1) {
		warn("relay with %s", peer);
		return EXIT_FAILURE;
	}
	status = end_status(co, &res, peer);
	if (co->verbose)
		warnx("sent %" PRIu64 " bytes, received %" PRIu64 " bytes",
		    res.sent, earlier + res.received);
	return status;
}

/* The -v lines of clients that come and go: the name is kept from the
 * start, since a peer that left has no name to ask for. */
static void *
client_joined(void *arg, int fd, const struct sockaddr *sa, socklen_t len)
{
	const struct common_opts *co = arg;
	char name[RELAY_NAME_MAX];

	(void)fd;
	if (!co->verbose)
		return NULL;
	relay_name(sa, len, name, sizeof(name));
	warnx("connection from %s", name);
	return strdup(name);
}

static void
client_left(void *arg, void *tag, const struct pump_result *res)
{
	const struct common_opts *co = arg;
	char why[160];

	if (!co->verbose) {
		free(tag);
		return;
	}
	why[0] = '\0';
	if (res->end == PUMP_ERR_NET_READ || res->end == PUMP_ERR_NET_WRITE)
		snprintf(why, sizeof(why), " (%s)", strerror(res->err));
	else if (res->end == PUMP_DROPPED)
		snprintf(why, sizeof(why), " (dropped: it read nothing for "
		    "%d seconds while the others waited)",
		    PUMP_SLOW_DROP_MS / 1000);
	warnx("disconnected %s%s: sent %" PRIu64 " bytes, received %" PRIu64
	    " bytes", tag != NULL ? (char *)tag : "a client", why, res->sent,
	    res->received);
	free(tag);
}

int
relay_many(const struct common_opts *co, const int *fds, size_t n,
    size_t max_clients)
{
	struct pump_cfg cfg;
	struct pump_result res;
	int status;

	pump_settings(co, 0, &cfg);
	cfg.listen_fd = fds;
	cfg.nlisten = n;
	cfg.max_clients = max_clients;
	cfg.joined = client_joined;
	cfg.left = client_left;
	cfg.arg = (void *)(uintptr_t)co;
	if (pump_run(&cfg, &res) == -1) {
		warn("serve");
		return EXIT_FAILURE;
	}
	status = end_status(co, &res, NULL);
	if (co->verbose)
		warnx("sent %" PRIu64 " bytes, received %" PRIu64 " bytes "
		    "in all", res.sent, res.received);
	return status;
}

int
relay_write_stdout(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(STDOUT_FILENO, p, len);
		if (n == -1 && errno == EINTR && !sig_caught())
			continue;
		if (n == -1)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
