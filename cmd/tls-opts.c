/*
 * tls-opts: the TLS options (see tls-opts.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <readpassphrase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "opts.h"
#include "tls.h"
#include "relay.h"
#include "tls-opts.h"

/* "1.2" or "1.3" as 12 or 13; -1 otherwise. */
static int
version(const char *s)
{
	if (strcmp(s, "1.2") == 0)
		return 12;
	if (strcmp(s, "1.3") == 0)
		return 13;
	return -1;
}

int
tls_option(struct tls_opts *t, const char *cmd, int c, const char *arg,
    const char *by)
{
	int v;

	if (c < OPT_TLS || c > OPT_REQUIRE_CERT)
		return -1;
	if (c != OPT_TLS && t->first[0] == '\0')
		strlcpy(t->first, by, sizeof(t->first));
	if (arg != NULL && *arg == '\0')
		return usage_error(cmd, "%s: empty value", by);
	switch (c) {
	case OPT_TLS:
		t->on = 1;
		break;
	case OPT_CACERT:
		t->cacert = arg;
		break;
	case OPT_CAPATH:
		t->capath = arg;
		break;
	case OPT_INSECURE:
		t->insecure = 1;
		break;
	case OPT_PINNED:
		if (!tls_pins_valid(arg))
			return usage_error(cmd, "%s '%.100s': not sha256//"
			    "BASE64[;sha256//BASE64...] (44 base64 "
			    "characters each)", by, arg);
		t->pins = arg;
		break;
	case OPT_CERT:
		t->cert = arg;
		break;
	case OPT_KEY:
		t->key = arg;
		break;
	case OPT_ALPN:
		if (arg[0] == ',' || arg[strlen(arg) - 1] == ',' ||
		    strstr(arg, ",,") != NULL)
			return usage_error(cmd, "%s '%.100s': an empty "
			    "protocol name", by, arg);
		t->alpn = arg;
		break;
	case OPT_TLS_MIN:
	case OPT_TLS_MAX:
		if ((v = version(arg)) == -1)
			return usage_error(cmd, "%s '%.20s': not 1.2 or 1.3",
			    by, arg);
		*(c == OPT_TLS_MIN ? &t->min_version : &t->max_version) = v;
		break;
	case OPT_CIPHERS:
		t->ciphers = arg;
		break;
	case OPT_TLS13_CIPHERS:
		t->ciphers13 = arg;
		break;
	case OPT_SERVERNAME:
		t->servername = arg;
		break;
	case OPT_SELF_SIGNED:
		t->self_signed = 1;
		break;
	case OPT_REQUIRE_CERT:
		t->require_client_cert = 1;
		break;
	}
	return 0;
}

/* A file option's file must be there to be read (a directory for
 * --capath). */
static int
check_file(const char *cmd, const char *opt, const char *path, int dir)
{
	struct stat st;

	if (path == NULL)
		return 0;
	if (stat(path, &st) == -1 || access(path, R_OK) == -1)
		return usage_error(cmd, "%s '%.200s': %s", opt, path,
		    strerror(errno));
	if (dir != (S_ISDIR(st.st_mode) != 0))
		return usage_error(cmd, "%s '%.200s': %s", opt, path,
		    dir ? "not a directory" : "a directory");
	return 0;
}

int
tls_check(const struct tls_opts *t, const char *cmd, int server,
    const char *dgram_by)
{
	int r;

	if (!t->on) {
		if (t->first[0] != '\0')
			return usage_error(cmd, "%s needs --tls", t->first);
		return 0;
	}
	if (dgram_by != NULL)
		return usage_error(cmd, "--tls conflicts with %s: TLS runs "
		    "over streams", dgram_by);
	if (t->key != NULL && t->cert == NULL)
		return usage_error(cmd, "--key needs --cert");
	if (t->self_signed && t->cert != NULL)
		return usage_error(cmd, "--self-signed conflicts with --cert");
	if (t->insecure && (t->cacert != NULL || t->capath != NULL))
		return usage_error(cmd, "--insecure conflicts with %s",
		    t->cacert != NULL ? "--cacert" : "--capath");
	if (server && t->require_client_cert && t->cacert == NULL &&
	    t->capath == NULL)
		return usage_error(cmd, "--require-client-cert needs --cacert "
		    "or --capath: the CA that clients' certificates are "
		    "checked against");
	if (server && !t->require_client_cert &&
	    (t->cacert != NULL || t->capath != NULL))
		return usage_error(cmd, "%s on serve checks clients' "
		    "certificates: it goes with --require-client-cert",
		    t->cacert != NULL ? "--cacert" : "--capath");
	if (t->min_version != 0 && t->max_version != 0 &&
	    t->min_version > t->max_version)
		return usage_error(cmd, "--tls-min 1.%d is above --tls-max "
		    "1.%d", t->min_version - 10, t->max_version - 10);
	if ((r = check_file(cmd, "--cacert", t->cacert, 0)) != 0 ||
	    (r = check_file(cmd, "--capath", t->capath, 1)) != 0 ||
	    (r = check_file(cmd, "--cert", t->cert, 0)) != 0 ||
	    (r = check_file(cmd, "--key", t->key, 0)) != 0)
		return r;
	return 0;
}

void
tls_names(struct tls_opts *t, const char *host)
{
	size_t n;

	if (t->servername != NULL)
		host = t->servername;
	else if (host == NULL) {
		/* A unix socket names no host: as curl's --unix-socket
		 * with https://localhost/. */
		t->verify_name = "localhost";
		return;
	}
	t->verify_name = t->name_buf;
	/* An address, however spelt, is checked as the address it is
	 * (an IP SAN), and sent as no SNI (RFC 6066). */
	if (addr_numeric(host, t->name_buf, sizeof(t->name_buf)))
		return;
	n = strlen(host);
	if (host[0] == '[' && n > 2 && host[n - 1] == ']')
		snprintf(t->name_buf, sizeof(t->name_buf), "%.*s",
		    (int)(n - 2), host + 1);
	else
		strlcpy(t->name_buf, host, sizeof(t->name_buf));
	t->sni = t->name_buf;
}

/* An encrypted --key's passphrase, asked for on the terminal, never
 * read from standard input (the data). */
static int
ask_passphrase(char *buf, int size, void *arg)
{
	struct tls_opts *t = arg;
	char prompt[300];

	snprintf(prompt, sizeof(prompt), "Passphrase for %.250s: ",
	    t->key != NULL ? t->key : t->cert);
	if (size <= 0 || readpassphrase(prompt, buf, (size_t)size,
	    RPP_REQUIRE_TTY) == NULL) {
		t->no_tty = 1;
		return -1;
	}
	return (int)strlen(buf);
}

int
tls_setup(struct tls_opts *t, const char *cmd, int server, const char *host)
{
	struct tls_config cfg;
	struct event ev;
	char err[TLS_ERR_MAX], pin[TLS_PIN_MAX];
	const char *which, *arg;

	if (!t->on)
		return 0;
	if (tls_load(err, sizeof(err)) == -1) {
		fprintf(stderr, "sockcat: %s needs %s: %s\n", t->needed_by !=
		    NULL ? t->needed_by : "--tls", TLS_LIBRARY, err);
		return 1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.server = server;
	cfg.cafile = t->cacert;
	cfg.capath = t->capath;
	cfg.insecure = t->insecure;
	cfg.pins = t->pins;
	cfg.cert = t->cert;
	cfg.key = t->key;
	cfg.alpn = t->alpn;
	cfg.min_version = t->min_version;
	cfg.max_version = t->max_version;
	cfg.ciphers = t->ciphers;
	cfg.ciphers13 = t->ciphers13;
	cfg.require_client_cert = t->require_client_cert;
	cfg.many = t->many;
	cfg.passphrase = ask_passphrase;
	cfg.passphrase_arg = t;
	if ((t->ctx = tls_ctx_new(&cfg, err, sizeof(err), &which)) == NULL) {
		if (which == NULL) {
			fprintf(stderr, "sockcat: tls: %s\n", err);
			return 1;
		}
		arg = strcmp(which, "cert") == 0 ? t->cert :
		    strcmp(which, "key") == 0 ? (t->key ? t->key : t->cert) :
		    strcmp(which, "cacert") == 0 ? t->cacert :
		    strcmp(which, "capath") == 0 ? t->capath :
		    strcmp(which, "ciphers") == 0 ? t->ciphers :
		    strcmp(which, "alpn") == 0 ? t->alpn : t->ciphers13;
		/* A value no TLS library takes is a usage error; a file
		 * that will not load is a run-time one. */
		if (strcmp(which, "ciphers") == 0 ||
		    strcmp(which, "tls13-ciphers") == 0 ||
		    strcmp(which, "alpn") == 0)
			return usage_error(cmd, "--%s '%.200s': %s", which,
			    arg, err);
		if (t->no_tty)
			snprintf(err, sizeof(err), "the key is encrypted and "
			    "there is no terminal to ask for its passphrase "
			    "on (decrypt it: openssl pkey -in KEY -out "
			    "PLAIN)");
		else if (strcmp(which, "key") == 0 && t->key == NULL &&
		    strcmp(err, "bad decrypt") != 0)
			snprintf(err, sizeof(err), "no private key in it "
			    "(give one with --key)");
		/* A key looked for in --cert's file is that file's fault. */
		if (strcmp(which, "key") == 0 && t->key == NULL)
			which = "cert";
		fprintf(stderr, "sockcat: --%s '%.200s': %s\n", which, arg,
		    err);
		return 1;
	}
	if (t->insecure)
		fprintf(stderr, "sockcat: warning: %s: the %s's "
		    "certificate is not checked%s\n", t->whose != NULL ?
		    "--proxy-insecure" : "--insecure", t->whose != NULL ?
		    t->whose : "server", t->pins != NULL ?
		    " (but for its pin)" : "");
	if (server && tls_ctx_pin(t->ctx, pin, sizeof(pin)) == 0) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = EVENT_TLS_PIN;
		ev.text = pin;
		report_event(&ev);
	}
	if (!server)
		tls_names(t, host);
	return 0;
}

int
tls_wrap(void *arg, struct stream *s)
{
	struct tls_opts *t = arg;

	return tls_stream(s, t->ctx, t->sni, t->verify_name);
}

void
tls_teardown(struct tls_opts *t)
{
	tls_ctx_free(t->ctx);
	t->ctx = NULL;
}
