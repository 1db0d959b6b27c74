/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON for the gosync programs: writing string literals, and checking that
 * a line is one JSON object with given keys (gosync-stress --smoke). Used by
 * the gosync CLI, gosync-stress and the tests; depends on libc only.
 */
#ifndef GOSYNC_COMMON_JSON_H
#define GOSYNC_COMMON_JSON_H

#include <stddef.h>
#include <stdio.h>

/**
 * json_str() - write @s as a JSON string literal to @f.
 * '"' and '\\' are escaped, control characters become \u00XX; well-formed
 * UTF-8 is written as it is, and each byte that is not part of it (binary
 * data, Latin-1) becomes \ufffd, so the output is always valid JSON.
 */
void json_str(FILE *f, const char *s);

/** json_mem() - json_str() of the @n bytes at @s, which may hold NULs. */
void json_mem(FILE *f, const void *s, size_t n);

/**
 * json_check() - is @line one JSON object (RFC 8259 syntax, in UTF-8,
 * optional white space around it) whose top level has every key of @keys?
 * @keys: NULL-terminated, or NULL for none
 * @why: on failure, why (offset of the syntax error, or the missing key)
 * Return: 0, or -1 with @why filled in.
 */
int json_check(const char *line, const char *const *keys, char *why, size_t whylen);

#endif /* GOSYNC_COMMON_JSON_H */
