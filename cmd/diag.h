/*
 * diag: the form of what goes to stderr.  Text lines ("sockcat: ...",
 * err(3)'s), or with --json one JSON object per line: events are
 * rendered by event_json() instead of event_format(), and every other
 * line written to stderr (warn(3), warnx(3), fprintf(3)) becomes
 * {"event":"error","message":...,"errno":...} ("warning" for a
 * warning) through a stdio stream that stands in for stderr.  stderr
 * is the process's, and so is this: set once a command has parsed its
 * options, never while only checking them.
 */
#ifndef SOCKCAT_DIAG_H
#define SOCKCAT_DIAG_H

#include <stddef.h>

struct event;

/* From now on, JSON.  Returns 0, or -1 with errno (text stays). */
int	diag_json_start(void);

/* Back to text, after writing what is left of a line. */
void	diag_json_stop(void);

/* Whether stderr takes JSON. */
int	diag_is_json(void);

/*
 * ev's line(s) in the current form, each ending with a newline, into
 * buf (cut to fit).  Returns the length.
 */
size_t	diag_render(const struct event *ev, char *buf, size_t len);

/* Write ev's line(s) to stderr in one write(2), stdout flushed first. */
void	diag_event(const struct event *ev);

#endif
