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

void
report_listening(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char name[RELAY_NAME_MAX];

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		warnx("listening on %s", relay_name((struct sockaddr *)&ss,
		    len, name, sizeof(name)));
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
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char name[RELAY_NAME_MAX];

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		warnx("connected to %s", relay_name((struct sockaddr *)&ss,
		    len, name, sizeof(name)));
}

int
relay_signal_status(void)
{
	return 128 + sig_caught();
}

int
relay_session(const struct common_opts *co, int fd, int dgram,
    const char *peer)
{
	struct pump_cfg cfg;
	struct pump_result res;
	int status = 0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.in_fd = co->no_stdin || co->recv_only ? -1 : STDIN_FILENO;
	cfg.out_fd = STDOUT_FILENO;
	cfg.net_fd = fd;
	cfg.net_dgram = dgram;
	cfg.shut_at_start = co->recv_only;
	cfg.discard_net = co->send_only;
	cfg.end_on_sent = co->send_only;
	cfg.idle_ms = co->idle_ms;
	cfg.quit_ms = co->quit_ms;
	if (pump_run(&cfg, &res) == -1) {
		warn("relay with %s", peer);
		close(fd);
		return EXIT_FAILURE;
	}
	close(fd);
	switch (res.end) {
	case PUMP_NET_EOF:
	case PUMP_SENT:
	case PUMP_QUIT:
	case PUMP_OUT_GONE:
		break;
	case PUMP_IDLE:
		if (co->verbose)
			warnx("idle for %lld.%03lld seconds: ending",
			    co->idle_ms / 1000, co->idle_ms % 1000);
		break;
	case PUMP_SIGNAL:
		status = relay_signal_status();
		break;
	case PUMP_ERR_NET_READ:
		warnx("receive from %s: %s", peer, strerror(res.err));
		status = EXIT_FAILURE;
		break;
	case PUMP_ERR_NET_WRITE:
		warnx("send to %s: %s", peer, strerror(res.err));
		status = EXIT_FAILURE;
		break;
	case PUMP_ERR_IN:
		warnx("read from stdin: %s", strerror(res.err));
		status = EXIT_FAILURE;
		break;
	case PUMP_ERR_OUT:
		warnx("write to stdout: %s", strerror(res.err));
		status = EXIT_FAILURE;
		break;
	}
	if (co->verbose)
		warnx("sent %" PRIu64 " bytes, received %" PRIu64 " bytes",
		    res.sent, res.received);
	return status;
}
