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
#include "opts.h"
#include "listen.h"
#include "relay.h"
#include "sig.h"
#include "sock.h"
#include "spawn.h"
#include "stream.h"
#include "tls.h"

/* A datagram server's buffer: any UDP datagram fits; a larger unix
 * one grows it up to DGRAM_MAX. */
#define DGRAM_BUFSZ	(256 * 1024)
#define DGRAM_MAX	(64 * 1024 * 1024)


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
"  -e, --exec=CMD         give each client its own /bin/sh -c CMD\n"
"  -m, --max-clients=N    at most N clients at once (with -k)\n"
"  -b, --backlog=N        listen(2) backlog (default SOMAXCONN)\n"
"  -w, --connect-timeout=SECS  a client's TLS handshake (default 10)\n"
"  -i, --idle-timeout=SECS     end after SECS with no data either way\n"
"  -q, --quit-after-eof=SECS   end SECS after stdin EOF (0: at once)\n"
"      --grace=SECS       after the peer's EOF, end once stdin is quiet\n"
"                         this long (default 0.5; 0, or inf: its EOF)\n"
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
"  -v, --verbose          diagnostics on stderr (repeat for more)\n"
"  -h, --help             show this help\n";

static const struct option longopts[] = {
	OPTL_FAMILY,
	OPTL_UNIX,
	OPTL_TYPE,
	OPTL_PORT,
	OPTL_RELAY,
	OPTL_CONNECT_TIMEOUT,
	OPTL_TLS,
	OPTL_TLS_SERVER,
	{ "keep-open",	 no_argument,		NULL, 'k' },
	{ "exec",	 required_argument,	NULL, 'e' },
	{ "max-clients", required_argument,	NULL, 'm' },
	{ "backlog",	 required_argument,	NULL, 'b' },
	OPTL_SOCK,
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
		if (*arg == '\0')
			return usage_error("serve", "--exec: empty command");
		o->exec = arg;
		return 0;
	case 'm':
		return parse_count("serve", "--max-clients", arg, 1,
		    1000000, &o->max_clients);
	case 'b':
		return parse_count("serve", "--backlog", arg, 1, 65535,
		    &o->backlog);
	}
	return -1;
}

static const struct opts_spec spec = {
	"serve", usage, "46Ut:up:ni:q:dke:m:b:w:vh", longopts, serve_option
};

/* The children of -e. */
struct kids {
	pid_t		*pid;
	size_t		 n;
	size_t		 cap;
	int		 last;		/* the exit status of the last reaped */
};

/* Reap the children that ended; say so with -v. */
static void
reap(struct kids *k, int verbose)
{
	pid_t pid;
	size_t i;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < k->n && k->pid[i] != pid; i++)
			continue;
		if (i < k->n)
			k->pid[i] = k->pid[--k->n];
		k->last = WIFEXITED(st) ? WEXITSTATUS(st) :
		    128 + WTERMSIG(st);
		if (verbose)
			warnx("command %ld ended with status %d", (long)pid,
			    k->last);
	}
}

/*
 * End every child with all it started (each leads a process group of
 * its own): SIGTERM to each group, and SIGKILL to each after 2 s, when
 * what is left of a group (a command's background job) still holds the
 * client's socket.
 */
static void
end_kids(struct kids *k)
{
	long long deadline = clock_ms() + 2000;
	pid_t *groups;
	size_t i, n = k->n;

	if (n == 0)
		return;
	if ((groups = reallocarray(NULL, n, sizeof(*groups))) != NULL)
		memcpy(groups, k->pid, n * sizeof(*groups));
	for (i = 0; i < k->n; i++)
		(void)kill(-k->pid[i], SIGTERM);
	while (k->n > 0 && clock_ms() < deadline) {
		reap(k, 0);
		if (k->n > 0)
			poll(NULL, 0, 20);
	}
	for (i = 0; groups != NULL && i < n; i++)
		(void)kill(-groups[i], SIGKILL);
	for (i = 0; i < k->n; i++)
		(void)kill(k->pid[i], SIGKILL);
	while (k->n > 0 && waitpid(-1, NULL, 0) > 0)
		k->n--;
	free(groups);
}

/*
 * Fill env with SOCKCAT_PEER_ADDR, _PORT, SOCKCAT_LOCAL_ADDR, _PORT for
 * the client fd (unix sockets: the paths, and empty ports).
 */
static void
client_env(int fd, char buf[4][NI_MAXHOST + 32], char *env[5])
{
	static const char *const names[4] = { "SOCKCAT_PEER_ADDR",
	    "SOCKCAT_PEER_PORT", "SOCKCAT_LOCAL_ADDR", "SOCKCAT_LOCAL_PORT" };
	struct sockaddr_storage ss;
	char host[NI_MAXHOST], port[16];
	socklen_t len;
	int p, side, r;

	for (side = 0; side < 2; side++) {
		len = sizeof(ss);
		r = side == 0 ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		    getsockname(fd, (struct sockaddr *)&ss, &len);
		host[0] = port[0] = '\0';
		if (r == 0 && addr_format_peer((struct sockaddr *)&ss, len, host,
		    sizeof(host), &p) == 0 && p >= 0)
			snprintf(port, sizeof(port), "%d", p);
		if (strcmp(host, "(unnamed)") == 0)
			host[0] = '\0';
		snprintf(buf[side * 2], sizeof(buf[0]), "%s=%s",
		    names[side * 2], host);
		snprintf(buf[side * 2 + 1], sizeof(buf[0]), "%s=%s",
		    names[side * 2 + 1], port);
	}
	for (side = 0; side < 4; side++)
		env[side] = buf[side];
	env[4] = NULL;
}

/* The TLS variables of -e's environment. */
#define TLS_ENV_LEN	300

/*
 * serve -e --tls, in a process of the client's own: the handshake
 * (within -w), then CMD on one end of a socketpair, with the
 * environment and the TLS variables, and the relay between the other
 * end and the client, whose EOF CMD sees as its stdin's.  Returns CMD's
 * exit status, 128+N after signal N, or 1 when the handshake fails.
 */
static int
tls_exec_child(const struct serve_opts *o, struct listeners *l, int fd,
    char **env)
{
	struct common_opts co = o->co;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct stream s;
	struct tls_info ti;
	char name[RELAY_NAME_MAX], tenv[4][TLS_ENV_LEN], *all[9];
	long long wait = co.connect_ms > 0 ? co.connect_ms : ENGINE_OPEN_MS;
	struct kids k;
	int sp[2], st, r, i;
	pid_t pid;

	listeners_close(l);
	sig_fini();
	if (sig_init() == -1)
		return EXIT_FAILURE;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		len = 0;
	relay_name((struct sockaddr *)&ss, len, name, sizeof(name));
	if (stream_socket(&s, fd) == -1 ||
	    tls_stream(&s, co.tls.ctx, NULL, NULL) == -1) {
		warn("serve %s", name);
		return EXIT_FAILURE;
	}
	if (stream_open_wait(&s, clock_ms() + wait, sig_fd()) == -1) {
		r = sig_caught() ? relay_signal_status() : EXIT_FAILURE;
		if (co.verbose && !sig_caught() && errno == ETIMEDOUT)
			warnx("disconnected %s (no handshake within %lld "
			    "seconds): sent 0 bytes, received 0 bytes", name,
			    wait / 1000);
		else if (co.verbose && !sig_caught())
			warnx("disconnected %s (handshake failed: %s): sent 0 "
			    "bytes, received 0 bytes", name, stream_why(&s) !=
			    NULL ? stream_why(&s) : strerror(errno));
		stream_close(&s);
		return r;
	}
	if (co.verbose)
		report_opened(name, &s);
	(void)tls_stream_info(&s, &ti);
	snprintf(tenv[0], TLS_ENV_LEN, "SOCKCAT_TLS_VERSION=%s", ti.version);
	snprintf(tenv[1], TLS_ENV_LEN, "SOCKCAT_TLS_CIPHER=%s", ti.cipher);
	snprintf(tenv[2], TLS_ENV_LEN, "SOCKCAT_TLS_PEER_SUBJECT=%s",
	    ti.subject);
	snprintf(tenv[3], TLS_ENV_LEN, "SOCKCAT_TLS_ALPN=%s", ti.alpn);
	for (i = 0; i < 4; i++) {
		all[i] = env[i];
		all[4 + i] = tenv[i];
	}
	all[8] = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1 ||
	    (pid = spawn_shell(o->exec, sp[1], all)) == -1) {
		warn("serve: %s", o->exec);
		stream_close(&s);
		return EXIT_FAILURE;
	}
	close(sp[1]);
	if (dup2(sp[0], STDIN_FILENO) == -1 ||
	    dup2(sp[0], STDOUT_FILENO) == -1)
		_exit(EXIT_FAILURE);
	close(sp[0]);
	(void)relay_opened(&co, &s, name);
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	k.pid = &pid;
	k.n = k.cap = 1;
	k.last = EXIT_FAILURE;
	while (k.n > 0 && !sig_caught()) {
		if (waitpid(pid, &st, 0) == pid) {
			k.n = 0;
			k.last = WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st);
		} else if (errno != EINTR)
			break;
	}
	/* Asked to end: the command and all it started. */
	end_kids(&k);
	return sig_caught() ? relay_signal_status() : k.last;
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
	char envbuf[4][NI_MAXHOST + 32], *env[5];
	size_t i, n;
	pid_t pid;
	pid_t *np;
	int fd, taking, accepted = 0;

	memset(&k, 0, sizeof(k));
	if (sig_watch_children() == -1)
		err(EXIT_FAILURE, "serve: signals");
	for (;;) {
		reap(&k, o->co.verbose);
		if (sig_caught()) {
			end_kids(&k);
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
			end_kids(&k);
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
			if (o->co.verbose)
				report_connection_from((struct sockaddr *)&peer,
				    peerlen);
			client_env(fd, envbuf, env);
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
			if (o->co.tls.ctx != NULL)
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
	char name[RELAY_NAME_MAX];
	unsigned char *buf;
	size_t bufsz = DGRAM_BUFSZ;
	uint64_t earlier;
	ssize_t n = -1;
	size_t i;
	int fd = -1;

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
			if (n >= 0) {
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
	earlier = (uint64_t)n;
	if (relay_write_stdout(buf, (size_t)n) == -1 ||
	    connect(fd, (struct sockaddr *)&peer, peerlen) == -1) {
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
			if (relay_write_stdout(buf, (size_t)n) == -1)
				break;
			earlier += (uint64_t)n;
		} else if (co.verbose >= 2) {
			char other[RELAY_NAME_MAX];

			warnx("ignored %zd bytes from %s", n,
			    relay_name((struct sockaddr *)&from, fromlen,
			    other, sizeof(other)));
		}
	}
	free(buf);
	if (co.quit_ms == OPTS_NO_TIME)
		co.quit_ms = RELAY_DGRAM_QUIT_MS;
	return relay_session(&co, fd, name, earlier, 0);
}

/* Many clients need many descriptors: take the hard limit. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
run(const struct serve_opts *o, const struct endpoint *ep)
{
	struct listeners l;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	char name[RELAY_NAME_MAX];
	size_t i, which;
	int type, fd, r;

	type = o->co.type != 0 ? o->co.type : SOCK_STREAM;
	if (sig_init() == -1)
		err(EXIT_FAILURE, "serve: signals");
	if (o->keep_open)
		raise_nofile();
	if ((r = listeners_open(&o->co, ep, type, (int)o->backlog, &l)) != 0)
		return r;
	if (o->co.verbose)
		for (i = 0; i < l.n; i++)
			report_listening(l.fd[i]);
	if (type == SOCK_DGRAM)
		r = serve_dgram(o, &l);
	else if (o->exec != NULL)
		r = serve_exec(o, &l);
	else if (o->keep_open)
		r = relay_many(&o->co, l.fd, l.n, (size_t)o->max_clients);
	else {
		fd = sock_accept(l.fd, l.n, &peer, &peerlen, &which);
		/* One client: later ones are refused, not left waiting. */
		listeners_close(&l);
		if (fd == -1) {
			r = errno == EINTR ? relay_signal_status() :
			    EXIT_FAILURE;
			if (errno != EINTR)
				warn("serve: accept");
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
	if ((r = opts_parse(&spec, &o.co, &o, argc, argv, &first)) != 0)
		return r == OPTS_HELP ? 0 : r;
	if ((r = opts_check_relay(&o.co)) != 0)
		return r;
	if (o.max_clients != 0 && !o.keep_open)
		return usage_error("serve", "--max-clients goes only with "
		    "--keep-open");
	if (o.co.type == SOCK_DGRAM && (o.keep_open || o.exec != NULL))
		return usage_error("serve", "%s conflicts with %s",
		    o.co.type_by, o.keep_open ? "--keep-open" : "--exec");
	if (o.exec != NULL && (o.co.send_only || o.co.recv_only ||
	    o.co.no_stdin || o.co.quit_ms != OPTS_NO_TIME ||
	    o.co.idle_ms != OPTS_NO_TIME || o.co.grace_ms != OPTS_NO_TIME))
		return usage_error("serve", "--exec conflicts with the relay "
		    "options (-d, -q, -i, --grace, --send-only, --recv-only)");
	if (o.co.connect_ms != OPTS_NO_TIME && !o.co.tls.on)
		return usage_error("serve", "--connect-timeout bounds a "
		    "client's TLS handshake: it needs --tls");
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
	r = check_only ? 0 : run(&o, &ep);
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
