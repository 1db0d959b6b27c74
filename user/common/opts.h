/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Numbers on a command line, one way for every gosync program (the CLI,
 * gosync-stress, the tests): the whole string must be the number, with no
 * trailing text, and out of range is an error, never a clamp.
 * Each returns false for a malformed value; the caller says which option
 * it was and what it accepts. Depends on libc only.
 */
#ifndef GOSYNC_COMMON_OPTS_H
#define GOSYNC_COMMON_OPTS_H

#include <stdbool.h>
#include <stdint.h>

/**
 * opt_i64() - a signed 64-bit decimal number, as strtoll() reads it ("-5";
 * leading blanks and a '+' are allowed).
 */
bool opt_i64(const char *s, int64_t *v);

/**
 * opt_u64() - an unsigned number from 0 to @max, in @base (0: C's prefixes,
 * "0x10" and "010" too). It must start with a digit (a hex digit in base
 * 16): no blank, no sign; in base 16, no "0x" either (strtoull would take
 * one).
 */
bool opt_u64(const char *s, int base, uint64_t max, uint64_t *v);

/**
 * opt_double() - a finite non-negative decimal number ("0.5", ".5", "2e-3"):
 * it must start with a digit or '.', so no blank, sign, "inf" or "nan".
 */
bool opt_double(const char *s, double *v);

#endif /* GOSYNC_COMMON_OPTS_H */
