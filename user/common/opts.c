// SPDX-License-Identifier: GPL-2.0
/* Numbers on a command line (see opts.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

bool opt_i64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	/* strtoll accepts blanks and a '+': a number starts with a digit or '-' */
	if (!isdigit((unsigned char)s[*s == '-']))
		return false;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (*end || errno)
		return false;
	*v = x;
	return true;
}

bool opt_u64(const char *s, int base, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	/* strtoull accepts blanks and a sign, and negates: a value has neither. */
	if (base == 16 ? !isxdigit((unsigned char)*s) : *s < '0' || *s > '9')
		return false;
	/* ... and in base 16 skips a 0x the caller has taken off already */
	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return false;
	errno = 0;
	x = strtoull(s, &end, base);
	if (*end || errno || x > max)
		return false;
	*v = x;
	return true;
}

bool opt_double(const char *s, double *v)
{
	char *end;
	double x;

	/* digits and a point: no sign, blank, inf, nan, hex or exponent */
	if (!*s || s[strspn(s, "0123456789.")])
		return false;
	errno = 0;
	x = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(x))
		return false;
	*v = x;
	return true;
}
