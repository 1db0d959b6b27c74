// SPDX-License-Identifier: GPL-2.0
/*
 * user/common/json.c, the JSON the CLI and gosync-stress write and check:
 * string literals are valid JSON whatever the bytes (each byte that is not
 * part of well-formed UTF-8 becomes \ufffd), and json_check() refuses what
 * is not JSON, invalid UTF-8 in a string too. Needs no /dev/gosync: runs in
 * the VM with the others and on the host (scripts/test-stress-cli).
 */
#include "json.h"
#include "tap.h"

/* json_mem() of @n bytes at @s, as a string (static; "" if it failed) */
static const char *lit(const void *s, size_t n)
{
	static char out[256];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	out[0] = 0;
	if (!f)
		return out;
	json_mem(f, s, n);
	fclose(f);
	snprintf(out, sizeof(out), "%s", buf ? buf : "");
	free(buf);
	return out;
}

/* Is {"k":<@value>} one JSON object to json_check()? */
static bool valid(const char *value)
{
	static const char *const keys[] = { "k", NULL };
	char line[300], why[128];

	snprintf(line, sizeof(line), "{\"k\":%s}", value);
	return json_check(line, keys, why, sizeof(why)) == 0;
}

#define CHECK_LIT(bytes, want) do {					\
	const char *_got = lit(bytes, sizeof(bytes) - 1), *_want = (want);	\
	CHECK(!strcmp(_got, _want), "json_mem(%s) wrote %s, expected %s",	\
	      #bytes, _got, _want);					\
	CHECK(valid(_got), "json_check refused json_mem(%s): %s", #bytes, _got); \
} while (0)

/* Well-formed UTF-8 goes out as it is; escapes as before. */
static bool t_write_utf8(void)
{
	CHECK_LIT("plain", "\"plain\"");
	CHECK_LIT("q\"b\\n\nt\t\x01", "\"q\\\"b\\\\n\\nt\\t\\u0001\"");
	CHECK_LIT("\0", "\"\\u0000\"");
	CHECK_LIT("\x7f", "\"\x7f\"");
	CHECK_LIT("caf\xc3\xa9", "\"caf\xc3\xa9\"");			/* U+00E9 */
	CHECK_LIT("\xe2\x82\xac", "\"\xe2\x82\xac\"");			/* U+20AC */
	CHECK_LIT("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");			/* U+D7FF */
	CHECK_LIT("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");		/* U+1F600 */
	CHECK_LIT("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");		/* U+10FFFF */
	return true;
}

/* Each byte that is not part of well-formed UTF-8 is \ufffd. */
static bool t_write_invalid(void)
{
	CHECK_LIT("\xff", "\"\\ufffd\"");
	CHECK_LIT("a\377b", "\"a\\ufffdb\"");
	CHECK_LIT("\x80", "\"\\ufffd\"");				/* lone continuation */
	CHECK_LIT("\xc0\xaf", "\"\\ufffd\\ufffd\"");			/* overlong '/' */
	CHECK_LIT("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");	/* overlong */
	CHECK_LIT("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	CHECK_LIT("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
	CHECK_LIT("\xe2\x82", "\"\\ufffd\\ufffd\"");			/* cut short at the end */
	CHECK_LIT("\xe2\x82x", "\"\\ufffd\\ufffdx\"");			/* cut short */
	CHECK_LIT("\xe2\xe2\x82\xac", "\"\\ufffd\xe2\x82\xac\"");	/* then a good one */
	CHECK_LIT("\xe9t\xe9", "\"\\ufffdt\\ufffd\"");			/* Latin-1 */
	return true;
}

/* Every byte string comes out as valid JSON: all of 0..255, and pairs. */
static bool t_write_any(void)
{
	unsigned char b[3];

	for (int i = 0; i < 256; i++) {
		b[0] = (unsigned char)i;
		CHECK(valid(lit(b, 1)), "byte %#x: %s", i, lit(b, 1));
		for (int k = 0x80; k < 256; k++) {
			b[1] = (unsigned char)k;
			b[2] = 0xbf;
			CHECK(valid(lit(b, 2)), "bytes %#x %#x: %s", i, k, lit(b, 2));
			CHECK(valid(lit(b, 3)), "bytes %#x %#x 0xbf: %s", i, k, lit(b, 3));
		}
	}
	return true;
}

static bool t_check_utf8(void)
{
	char why[64];

	CHECK(valid("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""), "refused valid UTF-8");
	CHECK(valid("\"\\ufffd\""), "refused \\ufffd");
	CHECK(!valid("\"\xff\""), "accepted \\xff");
	CHECK(!valid("\"a\x80\""), "accepted a lone continuation byte");
	CHECK(!valid("\"\xc0\xaf\""), "accepted an overlong form");
	CHECK(!valid("\"\xed\xa0\x80\""), "accepted a surrogate");
	CHECK(!valid("\"\xf4\x90\x80\x80\""), "accepted a code point past U+10FFFF");
	CHECK(!valid("\"\xe2\x82\""), "accepted a sequence cut short by the quote");
	CHECK(!valid("\"\xe9t\""), "accepted Latin-1");
	CHECK(json_check("{\"k\":\"\xe2\x82", NULL, why, sizeof(why)) < 0,
	      "accepted a sequence cut short by the end of the line");
	CHECK(!valid("\xc3\xa9"), "accepted UTF-8 outside a string");
	return true;
}

/* The checker still refuses what it refused before. */
static bool t_check_syntax(void)
{
	char why[64];

	CHECK(valid("[1,-2.5e3,true,false,null,{\"a\":[]}]"), "refused valid JSON");
	CHECK(!valid("\"\\x\""), "accepted \\x");
	CHECK(!valid("\"\\u12g4\""), "accepted a bad \\u");
	CHECK(!valid("\"a\nb\""), "accepted a raw newline");
	CHECK(!valid("01"), "accepted 01");
	CHECK(json_check("{\"a\":1}", (const char *const[]){ "b", NULL }, why,
			 sizeof(why)) < 0, "missed a missing key");
	CHECK(json_check("{} x", NULL, why, sizeof(why)) < 0, "accepted trailing text");
	return true;
}

int main(void)
{
	tap_report(t_write_utf8(), "json-write-utf8");
	tap_report(t_write_invalid(), "json-write-invalid-utf8-as-fffd");
	tap_report(t_write_any(), "json-write-any-bytes-valid");
	tap_report(t_check_utf8(), "json-check-utf8");
	tap_report(t_check_syntax(), "json-check-syntax");
	return tap_done(-1, "json");
}
