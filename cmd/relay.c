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

#include "acl.h"
#include "clock.h"
#include "diag.h"
#include "engine.h"
#include "event.h"
#include "flow.h"
#include "label.h"
#include "relay.h"
#include "shape.h"
#include "sig.h"

char *
relay_name(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t buflen)
{
	return event_name(sa, len, buf, buflen);
}

/* Every -v line of the relay is an event, rendered in one place. */
static void
report(const struct event *ev)
{
	diag_event(ev);
}

void
report_event(const struct event *ev)
{
	diag_event(ev);
}

/* The engine's admit: --allow and --deny. */
static int
admit(void *arg, const struct sockaddr *sa, socklen_t len)
{
	return acl_admit(arg, sa, len);
}

int
relay_admit(const struct common_opts *co, const struct sockaddr *sa,
    socklen_t len, size_t dgram)
{
	char name[EVENT_NAME_MAX];
	struct event ev;

	if (acl_admit(co->acl, sa, len))
		return 1;
	if (co->verbose) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = EVENT_REFUSED;
		ev.name = event_name(sa, len, name, sizeof(name));
		ev.sa = sa;
		ev.salen = len;
		ev.all = dgram > 0;
		ev.received = dgram;
		diag_event(&ev);
	}
	return 0;
}

void
report_dropped(const char *name, int err, const char *text)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_DISCONNECTED;
	ev.name = name;
	ev.err = err;
	ev.text = text;
	diag_event(&ev);
}

/* Report an event of kind about fd's own (local) or its peer's
 * address. */
static void
report_fd(int fd, int local, enum event_kind kind)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char name[EVENT_NAME_MAX];
	struct event ev;

	if ((local ? getsockname(fd, (struct sockaddr *)&ss, &len) :
	    getpeername(fd, (struct sockaddr *)&ss, &len)) != 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.name = event_name((struct sockaddr *)&ss, len, name, sizeof(name));
	report(&ev);
}

void
report_listening(int fd)
{
	report_fd(fd, 1, EVENT_LISTENING);
}

void
report_connection_from(const struct sockaddr *sa, socklen_t len)
{
	char name[EVENT_NAME_MAX];
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_CONNECTION;
	ev.name = event_name(sa, len, name, sizeof(name));
	report(&ev);
}

void
report_connected(int fd)
{
	report_fd(fd, 0, EVENT_CONNECTED);
}

void
report_connected_name(const char *name)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_CONNECTED;
	ev.name = name;
	report(&ev);
}

void
report_proxy(const char *name, const char *scheme)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_PROXY;
	ev.name = name;
	ev.text = scheme;
	report(&ev);
}

void
report_command_end(long long pid, int status)
{
	struct event ev = { .kind = EVENT_COMMAND_END, .count = pid,
	    .err = status };

	report(&ev);
}

void
report_connected_via(const char *name)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_CONNECTED;
	ev.name = name;
	ev.all = 1;
	report(&ev);
}

int
relay_signal_status(void)
{
	return 128 + sig_caught();
}

/* The engine's events, as -v lines for it to write. */
static size_t
render(void *arg, const struct event *ev, char *buf, size_t len)
{
	const struct common_opts *co = arg;

	if (!co->verbose)
		return 0;
	return diag_render(ev, buf, len);
}

/* The engine's settings that the shared options make. */
static void
engine_settings(const struct common_opts *co, struct engine_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->in_fd = co->no_stdin || co->recv_only ? -1 : STDIN_FILENO;
	cfg->out_fd = STDOUT_FILENO;
	cfg->net_fd = -1;
	cfg->shut_at_start = co->recv_only;
	cfg->no_shutdown = co->no_shutdown;
	cfg->discard_net = co->send_only;
	cfg->end_on_sent = co->send_only;
	cfg->idle_ms = co->idle_ms;
	cfg->quit_ms = co->quit_ms;
	cfg->grace_ms = co->grace_ms == OPTS_NO_TIME ? ENGINE_GRACE_MS :
	    co->grace_ms == OPTS_FOREVER ? ENGINE_FOREVER : co->grace_ms;
	/* For comparing and testing the two data paths. */
	cfg->copy_only = getenv("SOCKCAT_NO_SPLICE") != NULL;
	cfg->render = render;
	cfg->arg = (void *)(uintptr_t)co;
	cfg->diag_fd = co->verbose ? STDERR_FILENO : -1;
	if (co->tls.ctx != NULL) {
		cfg->wrap = tls_wrap;
		cfg->wrap_arg = (void *)(uintptr_t)&co->tls;
	}
	cfg->open_ms = co->connect_ms > 0 ? co->connect_ms : 0;
	if (co->line_delay_ms > 0)
		cfg->line_delay_ms = co->line_delay_ms;
	cfg->label = co->label;
	cfg->broker = co->broker;
	cfg->route = co->route;
	if (co->shape.crlf || co->shape.telnet || co->shape.dump_fd >= 0) {
		cfg->shape = shape_run;
		cfg->shape_arg = (void *)(uintptr_t)&co->shape;
	}
}

/*
 * How a session ended, as a message (where one is due) and an exit
 * status; peer names the other end, or is NULL with many clients.
 */
static int
end_status(const struct common_opts *co, const struct engine_result *res,
    const char *peer)
{
	struct event ev;
	char secs[EVENT_SECS_MAX];

	switch (res->end) {
	case ENGINE_NET_EOF:
	case ENGINE_SENT:
	case ENGINE_QUIT:
	case ENGINE_OUT_GONE:
	case ENGINE_DROPPED:
		return 0;
	case ENGINE_IDLE:
		if (co->verbose) {
			memset(&ev, 0, sizeof(ev));
			ev.kind = EVENT_IDLE;
			ev.ms = co->idle_ms;
			report(&ev);
		}
		return 0;
	case ENGINE_SIGNAL:
		return relay_signal_status();
	case ENGINE_ERR_ACCEPT:
		warnx("serve: accept: %s: not one client can be served (raise "
		    "the limit: ulimit -n)", strerror(res->err));
		break;
	case ENGINE_ERR_OPEN:
		if (res->why[0] != '\0')
			warnx("tls %s: %s", peer, res->why);
		else if (res->err == ETIMEDOUT)
			warnx("tls %s: no handshake within %s", peer,
			    event_secs(co->connect_ms > 0 ? co->connect_ms :
			    ENGINE_OPEN_MS, secs, sizeof(secs)));
		else
			warnx("tls %s: %s", peer, strerror(res->err));
		break;
	case ENGINE_ERR_NET_READ:
		if (res->why[0] != '\0')
			warnx("receive from %s: %s", peer, res->why);
		else if (res->err == EMSGSIZE)
			warnx("receive from %s: a record larger than %d "
			    "bytes: %s", peer, FLOW_RECORD_MAX,
			    strerror(res->err));
		else
			warnx("receive from %s: %s", peer,
			    strerror(res->err));
		break;
	case ENGINE_ERR_NET_WRITE:
		warnx("send to %s: %s", peer, res->why[0] != '\0' ? res->why :
		    strerror(res->err));
		break;
	case ENGINE_ERR_IN:
		warnx("read from stdin: %s", strerror(res->err));
		break;
	case ENGINE_ERR_OUT:
		warnx("write to stdout: %s", strerror(res->err));
		break;
	}
	return EXIT_FAILURE;
}

static void
report_totals(const struct engine_result *res, uint64_t received_before,
    uint64_t sent_before, int all, long long started)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_TOTALS;
	ev.elapsed_ms = clock_ms() - started;
	ev.sent = sent_before + res->sent;
	ev.received = received_before + res->received;
	ev.all = all;
	report(&ev);
}

/* The engine's wrap for a stream opened already: take it over. */
static int
adopt(void *arg, struct stream *s)
{
	*s = *(struct stream *)arg;
	return 0;
}

/* A session with fd, or with the stream s opened already (s: NULL). */
static int
session(const struct common_opts *co, int fd, struct stream *s,
    const char *peer, uint64_t received_before, uint64_t sent_before)
{
	struct engine_cfg cfg;
	struct engine_result res;
	long long started = clock_ms();
	int status;

	engine_settings(co, &cfg);
	cfg.net_fd = fd;
	if (s != NULL) {
		cfg.net_fd = s->fd;
		cfg.wrap = adopt;
		cfg.wrap_arg = s;
	}
	if (engine_run(&cfg, &res) == -1) {
		warn("relay with %s", peer);
		return EXIT_FAILURE;
	}
	status = end_status(co, &res, peer);
	if (co->verbose)
		report_totals(&res, received_before, sent_before, 0, started);
	return status;
}

int
relay_session(const struct common_opts *co, int fd, const char *peer,
    uint64_t received_before, uint64_t sent_before)
{
	return session(co, fd, NULL, peer, received_before, sent_before);
}

int
relay_stream(const struct common_opts *co, struct stream *s, const char *peer)
{
	return session(co, -1, s, peer, 0, 0);
}

int
relay_opened(const struct common_opts *co, struct stream *s, const char *peer)
{
	struct engine_cfg cfg;
	struct engine_result res;

	engine_settings(co, &cfg);
	cfg.net_fd = s->fd;
	cfg.wrap = adopt;
	cfg.wrap_arg = s;
	cfg.grace_ms = ENGINE_FOREVER;
	cfg.shut_out_at_eof = 1;
	if (engine_run(&cfg, &res) == -1) {
		warn("relay with %s", peer);
		return EXIT_FAILURE;
	}
	return end_status(co, &res, peer);
}

void
report_opened(const char *name, const struct stream *s)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_OPENED;
	ev.name = name;
	ev.stream = s;
	report(&ev);
}

/* Many peers on the listeners fds, as cfg says beside co's settings. */
static int
run_many(const struct common_opts *co, struct engine_cfg *cfg,
    const int *fds, size_t n, size_t max_clients)
{
	struct engine_result res;
	long long started = clock_ms();
	int status;

	cfg->proxy_protocol = co->proxy_protocol;
	if (co->acl != NULL) {
		cfg->admit = admit;
		cfg->admit_arg = co->acl;
	}
	cfg->listen_fd = fds;
	cfg->nlisten = n;
	cfg->max_clients = max_clients;
	if (engine_run(cfg, &res) == -1) {
		warn("%s", co->cmd);
		return EXIT_FAILURE;
	}
	status = end_status(co, &res, NULL);
	if (co->verbose)
		report_totals(&res, 0, 0, 1, started);
	return status;
}

int
relay_many(const struct common_opts *co, const int *fds, size_t n,
    size_t max_clients)
{
	struct engine_cfg cfg;

	engine_settings(co, &cfg);
	return run_many(co, &cfg, fds, n, max_clients);
}

int
relay_pairs(const struct common_opts *co, const int *fds, size_t n,
    size_t max_clients, const struct pairs_spec *ps)
{
	struct engine_cfg cfg;

	engine_settings(co, &cfg);
	cfg.in_fd = cfg.out_fd = -1;
	cfg.targets = ps->targets;
	cfg.ntargets = ps->ntargets;
	cfg.target_spec = ps->sock;
	cfg.send_proxy = ps->send_proxy;
	cfg.udp = ps->udp;
	cfg.hops = ps->hops;
	cfg.nhops = ps->nhops;
	cfg.wrap = NULL;
	if (ps->listen_tls != NULL && ps->listen_tls->ctx != NULL) {
		cfg.wrap = tls_wrap;
		cfg.wrap_arg = ps->listen_tls;
	}
	if (ps->target_tls != NULL && ps->target_tls->ctx != NULL) {
		cfg.target_wrap = tls_wrap;
		cfg.target_wrap_arg = ps->target_tls;
	}
	/* -i is each pair's, not the whole forwarder's. */
	cfg.pair_idle_ms = co->idle_ms;
	cfg.idle_ms = -1;
	return run_many(co, &cfg, fds, n, max_clients);
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

int
relay_write_record(const char *label, const void *buf, size_t len)
{
	unsigned char *out;
	size_t n;
	int r;

	if (label == NULL)
		return relay_write_stdout(buf, len);
	if ((out = malloc(len + LABEL_MAX + 2)) == NULL)
		return -1;
	n = label_record(label, buf, len, out, len + LABEL_MAX + 2);
	r = relay_write_stdout(out, n);
	free(out);
	return r;
}
