/*
 * jsoncheck: a strict RFC 8259 validator for the fuzz targets' checks.
 */
#ifndef SOCKCAT_JSONCHECK_H
#define SOCKCAT_JSONCHECK_H

#include <stddef.h>

/* Whether buf[0..len) is exactly one JSON value, with optional white
 * space around it, and every string in it well-formed UTF-8. */
int	json_valid(const char *buf, size_t len);

#endif
