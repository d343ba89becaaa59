/*
 * diag: text or JSON on stderr (see diag.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "event.h"
#include "json.h"

/* The longest line the stand-in takes whole; a longer one is cut. */
#define DIAG_LINE_MAX	4096

/* stderr's own stream while the stand-in is in its place, and the line
 * being gathered. */
static FILE	*text_stderr;
static char	 line[DIAG_LINE_MAX];
static size_t	 linelen;

int
diag_is_json(void)
{
	return text_stderr != NULL;
}

/* The errno whose words end msg after ": ", or 0. */
static int
errno_of(const char *msg)
{
	const char *p = strrchr(msg, ':');
	int e;

	if (p == NULL || p[1] != ' ')
		return 0;
	for (e = 1; e < 256; e++)
		if (strcmp(p + 2, strerror(e)) == 0)
			return e;
	return 0;
}

/* One line of text as one JSON object on fd 2. */
static void
emit(const char *msg)
{
	char buf[DIAG_LINE_MAX * 6 + 128];
	struct json_obj o;
	size_t n, plen = strlen(getprogname());
	const char *name;
	int warning, e;

	if (strncmp(msg, getprogname(), plen) == 0 &&
	    strncmp(msg + plen, ": ", 2) == 0)
		msg += plen + 2;
	warning = strncmp(msg, "warning: ", 9) == 0;
	if (warning)
		msg += 9;
	json_obj_begin(&o, buf, sizeof(buf) - 1);
	json_obj_str(&o, "event", warning ? "warning" : "error");
	json_obj_str(&o, "message", msg);
	if ((e = errno_of(msg)) != 0 && (name = strerrorname_np(e)) != NULL)
		json_obj_str(&o, "errno", name);
	n = json_obj_end(&o);
	buf[n++] = '\n';
	(void)!write(STDERR_FILENO, buf, n);
}

static ssize_t
cookie_write(void *cookie, const char *buf, size_t n)
{
	size_t i;

	(void)cookie;
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			line[linelen] = '\0';
			emit(line);
			linelen = 0;
		} else if (linelen < sizeof(line) - 1)
			line[linelen++] = buf[i];
	}
	return (ssize_t)n;
}

int
diag_json_start(void)
{
	static const cookie_io_functions_t fns = { NULL, cookie_write, NULL,
	    NULL };
	FILE *fp;

	if (text_stderr != NULL)
		return 0;
	fflush(stderr);
	if ((fp = fopencookie(NULL, "w", fns)) == NULL)
		return -1;
	(void)setvbuf(fp, NULL, _IOLBF, 0);
	text_stderr = stderr;
	stderr = fp;
	/* A last line without its newline is still one object. */
	(void)atexit(diag_json_stop);
	return 0;
}

void
diag_json_stop(void)
{
	FILE *fp = stderr;

	if (text_stderr == NULL)
		return;
	fflush(fp);
	if (linelen > 0) {
		line[linelen] = '\0';
		emit(line);
		linelen = 0;
	}
	stderr = text_stderr;
	text_stderr = NULL;
	fclose(fp);
}

size_t
diag_render(const struct event *ev, char *buf, size_t len)
{
	char text[EVENT_LINE_MAX];
	const char *p, *nl;
	size_t n = 0;
	int k;

	if (len < 2)
		return 0;
	if (diag_is_json()) {
		n = event_json(ev, buf, len - 1);
		buf[n++] = '\n';
		return n;
	}
	event_format(ev, text, sizeof(text));
	if (text[0] == '\0')
		return 0;
	for (p = text; p != NULL && n < len; p = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		k = snprintf(buf + n, len - n, "%s: %.*s\n", getprogname(),
		    (int)(nl != NULL ? (size_t)(nl - p) : strlen(p)), p);
		if (k < 0)
			break;
		n += (size_t)k;
	}
	return n < len ? n : len - 1;
}

void
diag_event(const struct event *ev)
{
	char buf[EVENT_LINE_MAX * 6 + 256];
	size_t n;

	fflush(stdout);
	if ((n = diag_render(ev, buf, sizeof(buf))) > 0)
		(void)!write(STDERR_FILENO, buf, n);
}
