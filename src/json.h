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

#endif
