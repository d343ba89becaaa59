/*
 * exec: -e's commands (see exec.h).
 */
#include <sys/socket.h>
#include <sys/wait.h>

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
#include "engine.h"
#include "exec.h"
#include "relay.h"
#include "sig.h"
#include "spawn.h"
#include "stream.h"
#include "tls.h"
#include "tls-opts.h"

int
exec_option(const char *cmd, const char *arg, const char **exec)
{
	if (*arg == '\0')
		return usage_error(cmd, "--exec: empty command");
	*exec = arg;
	return 0;
}

void
kids_reap(struct kids *k, int verbose)
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
			report_command_end(pid, k->last);
	}
}

/* SIGKILL after 2 s: what is left of a group (a command's background
 * job) may still hold the socket. */
void
kids_end(struct kids *k)
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
		kids_reap(k, 0);
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

void
exec_env(int fd, char buf[EXEC_ENV_N][EXEC_ENV_LEN], char *env[EXEC_ENV_N + 1])
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

void
exec_env_peer(char buf[EXEC_ENV_N][EXEC_ENV_LEN], const char *addr,
    const char *port)
{
	snprintf(buf[0], EXEC_ENV_LEN, "SOCKCAT_PEER_ADDR=%s", addr);
	snprintf(buf[1], EXEC_ENV_LEN, "SOCKCAT_PEER_PORT=%s", port);
}

int
exec_wait(pid_t pid, int verbose)
{
	struct kids k;
	int st;

	k.pid = &pid;
	k.n = k.cap = 1;
	k.last = EXIT_FAILURE;
	while (k.n > 0 && !sig_caught()) {
		if (waitpid(pid, &st, 0) == pid) {
			k.n = 0;
			k.last = WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st);
			if (verbose)
				report_command_end(pid, k.last);
		} else if (errno != EINTR)
			break;
	}
	/* Asked to end: the command and all it started. */
	kids_end(&k);
	return sig_caught() ? relay_signal_status() : k.last;
}

/* The TLS variables of -e's environment. */
#define TLS_ENV_LEN	300

int
exec_tls(const struct common_opts *cop, const char *cmd, int fd,
    const char *name, char **env, int how)
{
	struct stream s;

	if (stream_socket(&s, fd) == -1 ||
	    tls_wrap((void *)(uintptr_t)&cop->tls, &s) == -1) {
		warn("%s %s", cop->cmd, name);
		return EXIT_FAILURE;
	}
	return exec_tls_stream(cop, cmd, &s, name, env, how);
}

int
exec_tls_stream(const struct common_opts *cop, const char *cmd,
    struct stream *sp, const char *name, char **env, int how)
{
	struct common_opts co = *cop;
	struct stream s = *sp;
	long long wait = co.connect_ms > 0 ? co.connect_ms : ENGINE_OPEN_MS;
	char why[TLS_ERR_MAX + 64], secs[EVENT_SECS_MAX];
	int r, e;

	if (stream_open_wait(&s, clock_ms() + wait, sig_fd()) == -1) {
		r = sig_caught() ? relay_signal_status() : EXIT_FAILURE;
		/* The only peer's failure is the session's end: said
		 * always. */
		if ((how & EXEC_TLS_ALONE) && !sig_caught() &&
		    errno == ETIMEDOUT)
			warnx("tls %s: no handshake within %s", name,
			    event_secs(wait, secs, sizeof(secs)));
		else if ((how & EXEC_TLS_ALONE) && !sig_caught())
			warnx("tls %s: %s", name, stream_why(&s) != NULL ?
			    stream_why(&s) : strerror(errno));
		else if (co.verbose && !sig_caught() && errno == ETIMEDOUT) {
			snprintf(why, sizeof(why), "no handshake within %s",
			    event_secs(wait, secs, sizeof(secs)));
			report_dropped(name, ETIMEDOUT, why);
		} else if (co.verbose && !sig_caught()) {
			e = errno;
			snprintf(why, sizeof(why), "handshake failed: %s",
			    stream_why(&s) != NULL ? stream_why(&s) :
			    strerror(e));
			report_dropped(name, e, why);
		}
		stream_close(&s);
		return r;
	}
	if (co.verbose)
		report_opened(name, &s);
	return exec_stream(&co, cmd, &s, name, env, 1,
	    co.verbose && !(how & EXEC_TLS_CLIENT));
}

int
exec_stream(const struct common_opts *co, const char *cmd, struct stream *s,
    const char *name, char **env, int tls_env, int told)
{
	struct tls_info ti;
	char tenv[4][TLS_ENV_LEN], *all[9];
	int sp[2], i;
	pid_t pid;

	(void)tls_stream_info(s, &ti);
	snprintf(tenv[0], TLS_ENV_LEN, "SOCKCAT_TLS_VERSION=%s", ti.version);
	snprintf(tenv[1], TLS_ENV_LEN, "SOCKCAT_TLS_CIPHER=%s", ti.cipher);
	snprintf(tenv[2], TLS_ENV_LEN, "SOCKCAT_TLS_PEER_SUBJECT=%s",
	    ti.subject);
	snprintf(tenv[3], TLS_ENV_LEN, "SOCKCAT_TLS_ALPN=%s", ti.alpn);
	for (i = 0; i < 4; i++) {
		all[i] = env[i];
		all[4 + i] = tls_env ? tenv[i] : NULL;
	}
	all[8] = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1 ||
	    (pid = spawn_shell(cmd, sp[1], all)) == -1) {
		warn("%s: %s", co->cmd, cmd);
		stream_close(s);
		return EXIT_FAILURE;
	}
	close(sp[1]);
	if (dup2(sp[0], STDIN_FILENO) == -1 ||
	    dup2(sp[0], STDOUT_FILENO) == -1)
		_exit(EXIT_FAILURE);
	close(sp[0]);
	(void)relay_opened(co, s, name);
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	return exec_wait(pid, told);
}
