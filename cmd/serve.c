/*
 * sockcat serve: listen on [HOST] PORT (or a unix PATH) and relay one
 * client, or many with -k, to stdin/stdout.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "cmd.h"
#include "engine.h"
#include "exec.h"
#include "label.h"
#include "opts.h"
#include "listen.h"
#include "relay.h"
#include "sig.h"
#include "sock.h"
#include "spawn.h"
#include "proxyproto.h"
#include "stream.h"
#include "tls.h"

/* A datagram server's buffer: any UDP datagram fits; a larger unix
 * one grows it up to DGRAM_MAX. */
#define DGRAM_BUFSZ	(256 * 1024)
#define DGRAM_MAX	(64 * 1024 * 1024)


enum {
	OPT_PROXY_PROTOCOL = OPT_COMMAND
};

struct serve_opts {
	struct common_opts	co;
	int			keep_open;
	const char		*exec;
	long long		max_clients;	/* 0: no cap */
	long long		backlog;	/* 0: SOMAXCONN */
};

static const char usage[] =
"usage: sockcat serve [options] [HOST] PORT\n"
"       sockcat serve -U [options] PATH\n"
"\n"
"Listen on every address HOST resolves to (no HOST: the wildcard, one\n"
"dual-stack socket) and relay a client to stdin/stdout.\n"
"\n"
"  -4, --ipv4             IPv4 only\n"
"  -6, --ipv6             IPv6 only\n"
"  -U, --unix             PATH is a unix socket (@name: abstract)\n"
"      --family=F         inet, inet6, unix or any\n"
"  -t, --type=T           stream, dgram or seqpacket\n"
"  -u, --udp              a datagram server: same as --type=dgram\n"
"      --protocol=P       protocol number or protocols(5) name\n"
"  -p, --port=PORT        the port, instead of the operand\n"
"  -n, --numeric          no DNS and no service-name lookups\n"
"  -k, --keep-open        keep accepting; many clients at once\n"
"      --proxy-protocol   each client starts with a PROXY protocol header\n"
"                         (v1 or v2, from a load balancer): its client is\n"
"                         the one reported; a client without one is dropped\n"
"  -e, --exec=CMD         give each client its own /bin/sh -c CMD\n"
"  -m, --max-clients=N    at most N clients at once (with -k)\n"
"  -b, --backlog=N        listen(2) backlog (default SOMAXCONN)\n"
"  -w, --accept-timeout=SECS   exit 1 if no client comes within SECS\n"
"                         (-k: no first one); with --tls it also bounds\n"
"                         each client's handshake (default 10)\n"
"  -i, --idle-timeout=SECS     end after SECS with no data either way\n"
"  -q, --quit-after-eof=SECS   end SECS after stdin EOF (0: at once)\n"
"      --grace=SECS       after the peer's EOF, end once stdin is quiet\n"
"                         this long (default 0.5; 0, or inf: its EOF)\n"
"      --no-shutdown      at stdin's EOF, keep the connection open both\n"
"                         ways (no half-close)\n"
"  -d, --no-stdin         never read stdin\n"
"      --send-only        only send stdin; discard what arrives\n"
"      --recv-only        only receive; send nothing\n"
"      --tls              TLS with each client\n"
"      --cert=FILE, --key=FILE  the server's certificate and key (PEM)\n"
"      --self-signed      a throwaway certificate (also without --cert):\n"
"                         its pin is printed for clients to check\n"
"      --require-client-cert  mutual TLS: clients need a certificate\n"
"      --cacert=FILE, --capath=DIR  ... that these CAs signed\n"
"      --pinnedpubkey=sha256//B64[;...]  ... whose key is one of these\n"
"      --alpn=P1[,P2]     accept these ALPN protocols\n"
"      --tls-min=V, --tls-max=V  1.2 or 1.3\n"
"      --ciphers=LIST, --tls13-ciphers=LIST  OpenSSL cipher lists\n"
USAGE_SOCK_TCP
USAGE_SOCK_BUFFERS
USAGE_SOCK_IP
USAGE_SOCK_MPTCP
USAGE_SOCK_REUSEPORT
"      --join=[SOURCE@]GROUP[%IFACE]  join a multicast group (-u; repeatable)\n"
"  -C, --crlf             send stdin's bare LF as CRLF\n"
"      --telnet           refuse telnet options; keep them off stdout\n"
"      --hex-dump[=FILE]  a hex dump of both directions (default stderr)\n"
"      --line-delay=SECS  send stdin a line at a time, SECS apart\n"
USAGE_ACL
"      --broker           (-k) each client's bytes to all the others too\n"
USAGE_LABEL
"      --json             diagnostics on stderr as JSON, one object a line\n"
"  -v, --verbose          diagnostics on stderr (repeat for more)\n"
"  -h, --help             show this help\n";

static const struct option longopts[] = {
	OPTL_FAMILY,
	OPTL_UNIX,
	OPTL_TYPE,
	OPTL_PORT,
	OPTL_RELAY,
	OPTL_CONNECT_TIMEOUT,
	{ "accept-timeout", required_argument,	NULL, 'w' },
	OPTL_TLS,
	OPTL_TLS_SERVER,
	{ "keep-open",	 no_argument,		NULL, 'k' },
	{ "exec",	 required_argument,	NULL, 'e' },
	{ "max-clients", required_argument,	NULL, 'm' },
	{ "backlog",	 required_argument,	NULL, 'b' },
	{ "proxy-protocol", no_argument,	NULL, OPT_PROXY_PROTOCOL },
	{ "broker",	 no_argument,		NULL, OPT_BROKER },
	OPTL_LABEL,
	OPTL_SOCK,
	OPTL_SHAPE,
	OPTL_ACL,
	OPTL_JSON,
	OPTL_BASE,
	OPTL_END
};

static int
serve_option(void *self, int c, const char *arg)
{
	struct serve_opts *o = self;

	switch (c) {
	case 'k':
		o->keep_open = 1;
		return 0;
	case 'e':
		return exec_option("serve", arg, &o->exec);
	case 'm':
		return parse_count("serve", "--max-clients", arg, 1,
		    1000000, &o->max_clients);
	case 'b':
		return parse_count("serve", "--backlog", arg, 1, 65535,
		    &o->backlog);
	case OPT_PROXY_PROTOCOL:
		o->co.proxy_protocol = 1;
		return 0;
	}
	return -1;
}

const struct opts_spec serve_spec = {
	"serve", usage, "46CUt:up:ni:q:dke:m:b:w:vh", longopts, serve_option
};

/*
 * --proxy-protocol: take the client's PROXY header from fd within -w
 * (default ENGINE_OPEN_MS); the client it names, if any, into *peer.
 * Returns 0, or -1 after the message (always, or with -v only when
 * quiet) with fd closed.
 */
static int
take_header(const struct serve_opts *o, int fd, struct sockaddr_storage *peer,
    socklen_t *peerlen, int quiet)
{
	struct stream s;
	struct pp_header h;
	char name[RELAY_NAME_MAX];
	long long wait = o->co.connect_ms > 0 ? o->co.connect_ms :
	    ENGINE_OPEN_MS;
	char text[256], secs[EVENT_SECS_MAX];
	const char *why;

	relay_name((struct sockaddr *)peer, *peerlen, name, sizeof(name));
	if (stream_socket(&s, fd) == -1 || pp_stream(&s, NULL, NULL) == -1) {
		warn("serve: %s", name);
		close(fd);
		return -1;
	}
	if (stream_open_wait(&s, clock_ms() + wait, sig_fd()) == -1) {
		why = errno == ETIMEDOUT ? NULL : stream_why(&s) != NULL ?
		    stream_why(&s) : strerror(errno);
		if (sig_caught())
			;
		else if (!quiet || o->co.verbose) {
			if (why == NULL)
				snprintf(text, sizeof(text), "no PROXY header "
				    "within %s", event_secs(wait, secs,
				    sizeof(secs)));
			else
				snprintf(text, sizeof(text), "no valid PROXY "
				    "header: %s", why);
			report_dropped(name, why == NULL ? ETIMEDOUT : 0,
			    text);
		}
		stream_close(&s);
		return -1;
	}
	if (pp_stream_header(&s, &h) == 0 && !h.local) {
		memcpy(peer, &h.src, h.srclen);
		*peerlen = h.srclen;
	}
	(void)stream_release(&s);
	return 0;
}

/* SOCKCAT_PEER_ADDR and _PORT in env: the client peer names. */
static void
env_peer(char buf[EXEC_ENV_N][EXEC_ENV_LEN], const struct sockaddr *peer,
    socklen_t len)
{
	char host[NI_MAXHOST], portbuf[16];
	int port;

	if (addr_format_peer(peer, len, host, sizeof(host), &port) != 0)
		return;
	portbuf[0] = '\0';
	if (port >= 0)
		snprintf(portbuf, sizeof(portbuf), "%d", port);
	exec_env_peer(buf, host, portbuf);
}

/*
 * serve -e --proxy-protocol, in a process of the client's own: the
 * header first (no other client waits for it), then the command, with
 * the client it names.
 */
static pid_t
header_exec(const struct serve_opts *o, struct listeners *l, int fd,
    struct sockaddr_storage *peer, socklen_t peerlen)
{
	char envbuf[EXEC_ENV_N][EXEC_ENV_LEN], *env[EXEC_ENV_N + 1];
	char name[RELAY_NAME_MAX];
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) != 0) {
		if (pid > 0)
			(void)setpgid(pid, pid);
		return pid;
	}
	(void)setpgid(0, 0);
	listeners_close(l);
	sig_fini();
	if (sig_init() == -1)
		_exit(EXIT_FAILURE);
	if (take_header(o, fd, peer, &peerlen, o->keep_open) == -1)
		_exit(sig_caught() ? relay_signal_status() : EXIT_FAILURE);
	if (!relay_admit(&o->co, (struct sockaddr *)peer, peerlen, 0))
		_exit(EXIT_FAILURE);
	if (o->co.verbose)
		report_connection_from((struct sockaddr *)peer, peerlen);
	exec_env(fd, envbuf, env);
	env_peer(envbuf, (struct sockaddr *)peer, peerlen);
	relay_name((struct sockaddr *)peer, peerlen, name, sizeof(name));
	if (o->co.tls.ctx != NULL)
		_exit(exec_tls(&o->co, o->exec, fd, name, env,
		    o->keep_open ? 0 : EXEC_TLS_ALONE));
	if ((pid = spawn_shell(o->exec, fd, env)) == -1) {
		warn("serve: %s: fork", o->exec);
		_exit(EXIT_FAILURE);
	}
	close(fd);
	_exit(exec_wait(pid, o->co.verbose));
}

/*
 * serve -e --tls, in a process of the client's own: the listeners
 * closed, then exec_tls().
 */
static int
tls_exec_child(const struct serve_opts *o, struct listeners *l, int fd,
    char **env)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char name[RELAY_NAME_MAX];

	listeners_close(l);
	sig_fini();
	if (sig_init() == -1)
		return EXIT_FAILURE;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		len = 0;
	relay_name((struct sockaddr *)&ss, len, name, sizeof(name));
	return exec_tls(&o->co, o->exec, fd, name, env,
	    o->keep_open ? 0 : EXEC_TLS_ALONE);
}

/* serve -e --tls: the client's process (see tls_exec_child()). */
static pid_t
tls_exec(const struct serve_opts *o, struct listeners *l, int fd,
    char **env)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) != 0) {
		if (pid > 0)	/* a group of its own, as spawn_shell()'s */
			(void)setpgid(pid, pid);
		return pid;
	}
	(void)setpgid(0, 0);
	_exit(tls_exec_child(o, l, fd, env));
}

/*
 * serve -e: a child per client, until the one client's child ends
 * (without -k: its status is ours) or a signal.  Returns the status.
 */
static int
serve_exec(const struct serve_opts *o, struct listeners *l)
{
	struct pollfd pfd[MAX_LISTEN + 1];
	struct kids k;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	char envbuf[EXEC_ENV_N][EXEC_ENV_LEN], *env[EXEC_ENV_N + 1];
	size_t i, n;
	pid_t pid;
	pid_t *np;
	int fd, taking, accepted = 0;
	/* A header or handshake comes first in a process of the client's
	 * own, which says its command's end itself (exec_wait()). */
	int told = o->co.verbose && !o->co.proxy_protocol &&
	    o->co.tls.ctx == NULL;

	memset(&k, 0, sizeof(k));
	if (sig_watch_children() == -1)
		err(EXIT_FAILURE, "serve: signals");
	for (;;) {
		kids_reap(&k, told);
		if (sig_caught()) {
			kids_end(&k);
			free(k.pid);
			return relay_signal_status();
		}
		if (!o->keep_open && accepted && k.n == 0)
			break;
		taking = (o->keep_open || !accepted) &&
		    (o->max_clients == 0 || k.n < (size_t)o->max_clients);
		for (i = 0; i < l->n; i++) {
			pfd[i].fd = taking ? l->fd[i] : -1;
			pfd[i].events = POLLIN;
		}
		pfd[l->n].fd = sig_fd();
		pfd[l->n].events = POLLIN;
		if (poll(pfd, l->n + 1, -1) == -1 && errno != EINTR) {
			warn("serve: poll");
			kids_end(&k);
			k.last = EXIT_FAILURE;
			break;
		}
		if (pfd[l->n].revents)
			sig_drain();
		for (i = 0, n = l->n; i < n; i++) {
			if (pfd[i].revents == 0 || pfd[i].fd < 0)
				continue;
			peerlen = sizeof(peer);
			fd = accept4(l->fd[i], (struct sockaddr *)&peer,
			    &peerlen, SOCK_CLOEXEC);
			if (fd == -1)
				continue;
			if (!o->co.proxy_protocol && !relay_admit(&o->co,
			    (struct sockaddr *)&peer, peerlen, 0)) {
				close(fd);
				continue;
			}
			if (o->co.verbose && !o->co.proxy_protocol)
				report_connection_from((struct sockaddr *)&peer,
				    peerlen);
			exec_env(fd, envbuf, env);
			if (k.n == k.cap) {
				np = reallocarray(k.pid, k.cap ? k.cap * 2 : 8,
				    sizeof(*np));
				if (np == NULL) {
					warn("serve");
					close(fd);
					continue;
				}
				k.pid = np;
				k.cap = k.cap ? k.cap * 2 : 8;
			}
			if (o->co.proxy_protocol)
				pid = header_exec(o, l, fd, &peer, peerlen);
			else if (o->co.tls.ctx != NULL)
				pid = tls_exec(o, l, fd, env);
			else
				pid = spawn_shell(o->exec, fd, env);
			if (pid == -1) {
				warn("serve: %s: fork", o->exec);
				/* One client and no command: a failure. */
				k.last = EXIT_FAILURE;
			} else
				k.pid[k.n++] = pid;
			close(fd);
			if (!o->keep_open) {
				/* One client: later ones are refused. */
				listeners_close(l);
				accepted = 1;
				break;
			}
		}
	}
	free(k.pid);
	return k.last;
}

/*
 * Receive one datagram whole from fd into *buf (grown to fit a unix
 * datagram larger than it, up to DGRAM_MAX).  Returns its size, or -1
 * with errno (EMSGSIZE: too large to take whole).
 */
static ssize_t
recv_whole(int fd, unsigned char **buf, size_t *bufsz,
    struct sockaddr_storage *from, socklen_t *fromlen)
{
	unsigned char *nb;
	ssize_t want, n;

	want = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	if (want > (ssize_t)*bufsz && want <= DGRAM_MAX &&
	    (nb = realloc(*buf, (size_t)want)) != NULL) {
		*buf = nb;
		*bufsz = (size_t)want;
	}
	*fromlen = sizeof(*from);
	n = recvfrom(fd, *buf, *bufsz, MSG_DONTWAIT | MSG_TRUNC,
	    (struct sockaddr *)from, fromlen);
	if (n > (ssize_t)*bufsz) {
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

/*
 * serve -u: the first datagram's sender becomes the peer: its datagram
 * is written, the socket connected to it, and the relay runs.
 */
static int
serve_dgram(const struct serve_opts *o, struct listeners *l)
{
	struct sockaddr_storage peer, from;
	socklen_t peerlen, fromlen;
	struct common_opts co = o->co;
	struct pollfd pfd[MAX_LISTEN + 1];
	char name[RELAY_NAME_MAX], label[LABEL_MAX];
	unsigned char *buf;
	size_t bufsz = DGRAM_BUFSZ;
	uint64_t earlier;
	ssize_t n = -1;
	size_t i;
	int fd = -1, gone, unnamed;

	if ((buf = malloc(DGRAM_BUFSZ)) == NULL) {
		warn("serve");
		return EXIT_FAILURE;
	}
	for (i = 0; i < l->n; i++) {
		pfd[i].fd = l->fd[i];
		pfd[i].events = POLLIN;
	}
	pfd[l->n].fd = sig_fd();
	pfd[l->n].events = POLLIN;
	while (fd == -1 && !sig_caught()) {
		if (poll(pfd, l->n + 1, -1) == -1 && errno != EINTR)
			break;
		for (i = 0; i < l->n && fd == -1; i++) {
			if (pfd[i].revents == 0)
				continue;
			n = recv_whole(l->fd[i], &buf, &bufsz, &peer,
			    &peerlen);
			if (n == -1 && errno == EMSGSIZE) {
				warnx("serve: a datagram larger than %zu "
				    "bytes", bufsz);
				free(buf);
				listeners_close(l);
				return EXIT_FAILURE;
			}
			if (n >= 0 && relay_admit(&o->co,
			    (struct sockaddr *)&peer, peerlen, (size_t)n)) {
				fd = l->fd[i];
				l->fd[i] = l->fd[--l->n];
			}
		}
	}
	listeners_close(l);
	if (fd == -1) {
		free(buf);
		return sig_caught() ? relay_signal_status() : EXIT_FAILURE;
	}
	relay_name((struct sockaddr *)&peer, peerlen, name, sizeof(name));
	if (co.verbose)
		report_connection_from((struct sockaddr *)&peer, peerlen);
	label_name((struct sockaddr *)&peer, peerlen, 1, label, sizeof(label));
	earlier = (uint64_t)n;
	/* A unix sender whose socket is closed already refuses the
	 * connect (or its file is gone too), and an unbound one has no
	 * address to connect to: what it sent is still relayed below,
	 * then it is done with. */
	unnamed = peerlen <= sizeof(sa_family_t);
	gone = 0;
	if (relay_write_record(co.label ? label : NULL, buf, (size_t)n) ==
	    -1 || (!unnamed && connect(fd, (struct sockaddr *)&peer,
	    peerlen) == -1 && !(gone = (errno == ECONNREFUSED ||
	    errno == ENOENT) && peer.ss_family == AF_UNIX))) {
		free(buf);
		close(fd);
		if (errno == EPIPE)
			return 0;
		warn("serve %s", name);
		return EXIT_FAILURE;
	}
	/* What came before the connect: the peer's is relayed, others'
	 * dropped (the kernel drops the later ones unseen). */
	for (;;) {
		n = recv_whole(fd, &buf, &bufsz, &from, &fromlen);
		if (n == -1 && errno == EMSGSIZE) {
			warnx("serve: a datagram larger than %zu bytes from "
			    "%s", bufsz, name);
			free(buf);
			close(fd);
			return EXIT_FAILURE;
		}
		if (n == -1)
			break;
		if (fromlen == peerlen && memcmp(&from, &peer, peerlen) == 0) {
			if (relay_write_record(co.label ? label : NULL, buf,
			    (size_t)n) == -1)
				break;
			earlier += (uint64_t)n;
		} else if (co.verbose >= 2) {
			char other[RELAY_NAME_MAX];
			struct event ev;

			memset(&ev, 0, sizeof(ev));
			ev.kind = EVENT_DATAGRAM;
			ev.name = relay_name((struct sockaddr *)&from, fromlen,
			    other, sizeof(other));
			ev.received = (uint64_t)n;
			ev.all = 1;
			report_event(&ev);
		}
	}
	free(buf);
	if (unnamed) {
		/* Said always: the session is not the relay it asked for. */
		close(fd);
		warnx("the sender is unnamed (an unbound socket): received %"
		    PRIu64 " bytes, nothing can be sent to it", earlier);
		return 0;
	}
	if (gone) {
		close(fd);
		if (co.verbose)
			warnx("%s has gone: received %" PRIu64 " bytes, nothing "
			    "can be sent to it", name, earlier);
		return 0;
	}
	if (co.quit_ms == OPTS_NO_TIME)
		co.quit_ms = RELAY_DGRAM_QUIT_MS;
	return relay_session(&co, fd, name, earlier, 0);
}

static int
run(const struct serve_opts *o, const struct endpoint *ep)
{
	struct listeners l;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	char name[RELAY_NAME_MAX], secs[EVENT_SECS_MAX];
	size_t i, which;
	int type, fd, r;

	type = o->co.type != 0 ? o->co.type : SOCK_STREAM;
	if (sig_init() == -1)
		err(EXIT_FAILURE, "serve: signals");
	if (o->keep_open)
		listeners_more_files();
	if ((r = listeners_open(&o->co, ep, type, (int)o->backlog, &l)) != 0)
		return r;
	if (o->co.verbose)
		for (i = 0; i < l.n; i++)
			report_listening(l.fd[i]);
	/* -w: the first client, in time or not at all. */
	if (o->co.connect_ms >= 0 && (r = sock_wait_any(l.fd, l.n, POLLIN,
	    o->co.connect_ms, NULL)) <= 0) {
		if (r == -1 && errno == EINTR)
			r = relay_signal_status();
		else {
			if (r == 0)
				warnx("no client within %s", event_secs(
				    o->co.connect_ms, secs, sizeof(secs)));
			else
				warn("serve: poll");
			r = EXIT_FAILURE;
		}
		listeners_close(&l);
		listeners_remove_file(&l);
		return r;
	}
	if (type == SOCK_DGRAM)
		r = serve_dgram(o, &l);
	else if (o->exec != NULL)
		r = serve_exec(o, &l);
	else if (o->keep_open)
		r = relay_many(&o->co, l.fd, l.n, (size_t)o->max_clients);
	else {
		/* The first client --allow and --deny let in. */
		while ((fd = sock_accept(l.fd, l.n, &peer, &peerlen,
		    &which)) >= 0 && !o->co.proxy_protocol &&
		    !relay_admit(&o->co, (struct sockaddr *)&peer, peerlen, 0))
			close(fd);
		/* One client: later ones are refused, not left waiting. */
		listeners_close(&l);
		if (fd == -1) {
			r = errno == EINTR ? relay_signal_status() :
			    EXIT_FAILURE;
			if (errno != EINTR)
				warn("serve: accept");
		} else if (o->co.proxy_protocol &&
		    take_header(o, fd, &peer, &peerlen, 0) == -1) {
			r = sig_caught() ? relay_signal_status() :
			    EXIT_FAILURE;
		} else if (o->co.proxy_protocol && !relay_admit(&o->co,
		    (struct sockaddr *)&peer, peerlen, 0)) {
			/* The one client, kept out by what its header
			 * says. */
			close(fd);
			r = EXIT_FAILURE;
		} else {
			if (o->co.verbose)
				report_connection_from(
				    (struct sockaddr *)&peer, peerlen);
			relay_name((struct sockaddr *)&peer, peerlen, name,
			    sizeof(name));
			if (ep->path != NULL)
				strlcpy(name, ep->path, sizeof(name));
			r = relay_session(&o->co, fd, name, 0, 0);
		}
	}
	listeners_close(&l);
	listeners_remove_file(&l);
	return r;
}

static int
serve_main(int argc, char **argv, int check_only)
{
	struct serve_opts o;
	struct endpoint ep;
	char group[64];
	int first, r;

	memset(&o, 0, sizeof(o));
	if ((r = opts_parse(&serve_spec, &o.co, &o, argc, argv, &first)) != 0)
		return r == OPTS_HELP ? 0 : r;
	if (!check_only && (r = opts_start_json(&o.co)) != 0)
		return r;
	if ((r = opts_check_relay(&o.co)) != 0)
		return r;
	if (o.max_clients != 0 && !o.keep_open)
		return usage_error("serve", "--max-clients goes only with "
		    "--keep-open");
	if (o.co.type == SOCK_DGRAM && o.co.proxy_protocol)
		return usage_error("serve", "%s conflicts with --proxy-protocol",
		    o.co.type_by);
	if (o.co.type == SOCK_DGRAM && (o.keep_open || o.exec != NULL))
		return usage_error("serve", "%s conflicts with %s",
		    o.co.type_by, o.keep_open ? "--keep-open" : "--exec");
	if (o.exec != NULL && (r = opts_check_exec(&o.co)) != 0)
		return r;
	if (o.exec != NULL && (o.co.label || o.co.broker))
		return usage_error("serve", "--exec conflicts with %s",
		    o.co.label ? "--label" : "--broker");
	if (o.co.broker && !o.keep_open)
		return usage_error("serve", "--broker needs --keep-open");
	if ((r = opts_check_label(&o.co, "--keep-open", o.keep_open)) != 0)
		return r;
	if ((r = tls_check(&o.co.tls, "serve", 1,
	    o.co.type == SOCK_DGRAM || o.co.type == SOCK_SEQPACKET ?
	    o.co.type_by : NULL)) != 0)
		return r;
	if ((r = opts_endpoint(&o.co, OPERANDS_OPT_HOST, 0, argc - first,
	    argv + first, &ep)) != 0)
		return r;
	if ((r = opts_check_sock(&o.co, 1, SOCK_STREAM, &ep, group,
	    sizeof(group))) != 0) {
		free(ep.alloc);
		return r;
	}
	o.co.tls.many = o.keep_open && o.exec == NULL;
	if (!check_only && (r = tls_setup(&o.co.tls, "serve", 1, NULL)) != 0) {
		free(ep.alloc);
		return r;
	}
	if ((r = opts_setup_shape(&o.co, o.exec != NULL ? "--exec" : NULL,
	    check_only)) != 0) {
		tls_teardown(&o.co.tls);
		free(ep.alloc);
		return r;
	}
	if (!check_only && (r = opts_setup_acl(&o.co)) == 0)
		r = run(&o, &ep);
	opts_acl_done(&o.co);
	r = opts_shape_done(&o.co, r);
	tls_teardown(&o.co.tls);
	sig_fini();
	free(ep.alloc);
	return r;
}

int
cmd_serve(int argc, char **argv)
{
	return serve_main(argc, argv, 0);
}

int
cmd_serve_check(int argc, char **argv)
{
	return serve_main(argc, argv, 1);
}
