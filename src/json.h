/*
 * json: the pieces of JSON output sockcat writes.
 */
#ifndef SOCKCAT_JSON_H
#define SOCKCAT_JSON_H

#include <stdio.h>

/*
 * Write s to fp as a JSON string, quotes included: '"' and '\\' escaped,
 * control characters as \uXXXX, well-formed UTF-8 as it is, and each
 * byte that is not part of well-formed UTF-8 as U+FFFD, so the output is
 * valid JSON whatever s holds.
 */
void	json_string(FILE *fp, const char *s);

/*
 * One JSON object written into a buffer, member by member: a member
 * that does not fit whole is left out (trunc says so), so what
 * json_obj_end() returns is always one valid object.
 */
struct json_obj {
	char	*buf;
	size_t	 len;		/* room, the closing brace's kept */
	size_t	 n;		/* written */
	int	 members;
	int	 trunc;
};

/* Begin an object in buf (len: at least 3). */
void	json_obj_begin(struct json_obj *o, char *buf, size_t len);
/* A string member, escaped as json_string() does. */
void	json_obj_str(struct json_obj *o, const char *key, const char *val);
void	json_obj_int(struct json_obj *o, const char *key, long long val);
void	json_obj_bool(struct json_obj *o, const char *key, int val);
/* A number of seconds from milliseconds, as 1.25. */
void	json_obj_secs(struct json_obj *o, const char *key, long long ms);
/* Close the object (NUL-terminated); returns its length. */
size_t	json_obj_end(struct json_obj *o);

#endif
