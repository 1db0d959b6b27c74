// SPDX-License-Identifier: GPL-2.0
/*
 * gosync CLI: `gosync map VERB NAME [ARGS]`, Go's sync.Map over byte-string
 * keys and values. KEY and VALUE are taken as given on the command line (so
 * "42" is the two bytes '4' '2', as gosync-stress stores them); values are
 * printed as stored, one per line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Check positional argument @i as a key; false after a usage message. */
static bool arg_key(const struct cli_ctx *ctx, int i)
{
	size_t n = strlen(ctx->argv[i]);

	if (n >= 1 && n <= GOSYNC_MAP_KEY_MAX)
		return true;
	cli_usage(ctx, "KEY must be 1 to %d bytes", GOSYNC_MAP_KEY_MAX);
	return false;
}

static int map_open(struct cli_ctx *ctx)
{
	return cli_open(ctx, ctx->argv[0], GOSYNC_TYPE_MAP);
}

static int map_create(struct cli_ctx *ctx)
{
	struct gosync_create c = { .type = GOSYNC_TYPE_MAP };
	int64_t len = 0;
	uint64_t u;
	int b = GOSYNC_MAP_RCU;
	const char *s;

	if ((s = cli_opt(ctx, "backend"))) {
		b = gosync_map_backend_parse(s);
		if (b < 0)
			return cli_usage(ctx, "unknown backend '%s' (spin, rwsem or rcu)", s);
	}
	if ((s = cli_opt(ctx, "max-entries"))) {
		/* 0 is the uapi's "the default": refuse it, as --perm 0 */
		if (!opt_u64(s, 10, UINT32_MAX, &u) || !u)
			return cli_usage(ctx, "--max-entries '%s' is not a number from 1 "
					 "to 4294967295", s);
		c.map.max_entries = (uint32_t)u;
	}
	if ((s = cli_opt(ctx, "max-bytes"))) {
		if (!opt_u64(s, 10, UINT64_MAX, &u) || !u)
			return cli_usage(ctx, "--max-bytes '%s' is not a number from 1 up", s);
		c.map.max_bytes = u;
	}
	c.map.backend = (uint32_t)b;
	return cli_create(ctx, &c, &len, NULL);
}

static int map_store(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0], *k = ctx->argv[1], *v = ctx->argv[2];
	int fd, ret = 0;

	if (!arg_key(ctx, 1))
		return CLI_EXIT_USAGE;
	if (strlen(v) > GOSYNC_MAP_VALUE_MAX)
		return cli_usage(ctx, "VALUE must be at most %d bytes", GOSYNC_MAP_VALUE_MAX);
	if ((fd = map_open(ctx)) < 0)
		return CLI_EXIT_FAIL;
	if (gosync_map_store(fd, k, strlen(k), v, strlen(v)) < 0)
		ret = cli_fail(ctx, name);
	else if (ctx->json) {
		json_head(name, "store");
		printf(",\"key\":");
		json_str(stdout, k);
		printf(",\"value\":");
		json_str(stdout, v);
		printf("}\n");
	}
	close(fd);
	return ret;
}

/* Load @k into a malloc'd *@buf; growing on EOVERFLOW. */
static int load_value(int fd, const char *k, char **buf, size_t *len, bool *ok)
{
	size_t cap = 256;

	for (;;) {
		char *b = realloc(*buf, cap + 1);

		if (!b)
			return -1;
		*buf = b;
		if (gosync_map_load(fd, k, strlen(k), b, cap, len, ok) == 0)
			return 0;
		if (errno != EOVERFLOW || *len <= cap)
			return -1;
		cap = *len;	/* it grew meanwhile: try again with room */
	}
}

static int map_load(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0], *k = ctx->argv[1];
	char *buf = NULL;
	size_t len = 0;
	bool ok = false;
	int fd, ret = 0;

	if (!arg_key(ctx, 1))
		return CLI_EXIT_USAGE;
	if ((fd = map_open(ctx)) < 0)
		return CLI_EXIT_FAIL;
	if (load_value(fd, k, &buf, &len, &ok) < 0) {
		ret = cli_fail(ctx, name);
	} else if (ctx->json) {
		json_head(name, "load");
		printf(",\"key\":");
		json_str(stdout, k);
		printf(",\"ok\":%s,\"value\":", ok ? "true" : "false");
		if (ok)
			json_mem(stdout, buf, len);
		else
			printf("null");
		printf("}\n");
		ret = ok ? 0 : CLI_EXIT_FAIL;
	} else if (ok) {
		fwrite(buf, 1, len, stdout);
		putchar('\n');
	} else {
		fprintf(stderr, "gosync: %s: %s: no such key\n", ctx->cmdline, k);
		ret = CLI_EXIT_FAIL;
	}
	free(buf);
	close(fd);
	return ret;
}

static int map_delete(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0], *k = ctx->argv[1];
	bool deleted = false;
	int fd, ret = 0;

	if (!arg_key(ctx, 1))
		return CLI_EXIT_USAGE;
	if ((fd = map_open(ctx)) < 0)
		return CLI_EXIT_FAIL;
	if (gosync_map_delete(fd, k, strlen(k), &deleted) < 0) {
		ret = cli_fail(ctx, name);
	} else if (ctx->json) {
		json_head(name, "delete");
		printf(",\"key\":");
		json_str(stdout, k);
		printf(",\"deleted\":%s}\n", deleted ? "true" : "false");
	} else {
		printf("%s\n", deleted ? "true" : "false");
	}
	close(fd);
	return ret;
}

/* Check argument @i as a value; false after a usage message. */
static bool arg_value(const struct cli_ctx *ctx, int i)
{
	if (strlen(ctx->argv[i]) <= GOSYNC_MAP_VALUE_MAX)
		return true;
	cli_usage(ctx, "VALUE must be at most %d bytes", GOSYNC_MAP_VALUE_MAX);
	return false;
}

/* ,"key":K,"value":V (V may be NULL: null) */
static void json_kv(const char *k, const char *vkey, const void *v, size_t vl)
{
	printf(",\"key\":");
	json_str(stdout, k);
	printf(",\"%s\":", vkey);
	if (v)
		json_mem(stdout, v, vl);
	else
		printf("null");
}

/*
 * swap, load-or-store, load-and-delete: one op that may hand back a value,
 * into room for the longest. Prints that value (if @loaded) as load does.
 * Return: the exit status.
 */
static int map_value_op(struct cli_ctx *ctx, unsigned int op, const char *verb)
{
	const char *name = ctx->argv[0], *k = ctx->argv[1];
	const char *v = op == GOSYNC_MAP_LOAD_AND_DELETE ? NULL : ctx->argv[2];
	size_t len = 0, vl = v ? strlen(v) : 0;
	bool loaded = false;
	char *buf;
	int fd, ret = 0, r;

	if (!arg_key(ctx, 1) || (v && !arg_value(ctx, 2)))
		return CLI_EXIT_USAGE;
	buf = malloc(GOSYNC_MAP_VALUE_MAX);
	if (!buf)
		return cli_fail(ctx, name);
	if ((fd = map_open(ctx)) < 0) {
		free(buf);
		return CLI_EXIT_FAIL;
	}
	if (op == GOSYNC_MAP_SWAP)
		r = gosync_map_swap(fd, k, strlen(k), v, vl, buf, GOSYNC_MAP_VALUE_MAX,
				    &len, &loaded);
	else if (op == GOSYNC_MAP_LOAD_OR_STORE)
		r = gosync_map_load_or_store(fd, k, strlen(k), v, vl, buf,
					     GOSYNC_MAP_VALUE_MAX, &len, &loaded);
	else
		r = gosync_map_load_and_delete(fd, k, strlen(k), buf, GOSYNC_MAP_VALUE_MAX,
					       &len, &loaded);
	if (r < 0) {
		ret = cli_fail(ctx, name);
	} else if (ctx->json) {
		json_head(name, verb);
		if (op == GOSYNC_MAP_LOAD_AND_DELETE) {
			json_kv(k, "value", loaded ? buf : NULL, len);
		} else {
			json_kv(k, "value", v, vl);
			printf(",\"old\":");
			if (loaded)
				json_mem(stdout, buf, len);
			else
				printf("null");
		}
		printf(",\"loaded\":%s}\n", loaded ? "true" : "false");
	} else if (loaded) {
		fwrite(buf, 1, len, stdout);
		putchar('\n');
	} else if (op == GOSYNC_MAP_LOAD_OR_STORE) {
		printf("%s\n", v);	/* stored: the value now there */
	}
	if (!r && !loaded && op == GOSYNC_MAP_LOAD_AND_DELETE) {
		if (!ctx->json)
			fprintf(stderr, "gosync: %s: %s: no such key\n", ctx->cmdline, k);
		ret = CLI_EXIT_FAIL;
	}
	free(buf);
	close(fd);
	return ret;
}

static int map_swap(struct cli_ctx *ctx)
{
	return map_value_op(ctx, GOSYNC_MAP_SWAP, "swap");
}

static int map_load_or_store(struct cli_ctx *ctx)
{
	return map_value_op(ctx, GOSYNC_MAP_LOAD_OR_STORE, "load-or-store");
}

static int map_load_and_delete(struct cli_ctx *ctx)
{
	return map_value_op(ctx, GOSYNC_MAP_LOAD_AND_DELETE, "load-and-delete");
}

/* cas, cad: print true or false; exit 1 if it did not (as counter cas) */
static int map_compare(struct cli_ctx *ctx, bool del)
{
	const char *name = ctx->argv[0], *k = ctx->argv[1], *old = ctx->argv[2];
	const char *v = del ? NULL : ctx->argv[3];
	bool done = false;
	int fd, r;

	if (!arg_key(ctx, 1) || !arg_value(ctx, 2) || (v && !arg_value(ctx, 3)))
		return CLI_EXIT_USAGE;
	if ((fd = map_open(ctx)) < 0)
		return CLI_EXIT_FAIL;
	if (del)
		r = gosync_map_compare_and_delete(fd, k, strlen(k), old, strlen(old), &done);
	else
		r = gosync_map_compare_and_swap(fd, k, strlen(k), old, strlen(old), v,
						strlen(v), &done);
	close(fd);
	if (r < 0)
		return cli_fail(ctx, name);
	if (ctx->json) {
		json_head(name, del ? "cad" : "cas");
		json_kv(k, "old", old, strlen(old));
		if (!del) {
			printf(",\"new\":");
			json_str(stdout, v);
		}
		printf(",\"%s\":%s}\n", del ? "deleted" : "swapped", done ? "true" : "false");
	} else {
		printf("%s\n", done ? "true" : "false");
	}
	return done ? 0 : CLI_EXIT_FAIL;
}

static int map_cas(struct cli_ctx *ctx)
{
	return map_compare(ctx, false);
}

static int map_cad(struct cli_ctx *ctx)
{
	return map_compare(ctx, true);
}

static int map_clear(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	uint64_t n;
	int fd, ret = 0;

	if ((fd = map_open(ctx)) < 0)
		return CLI_EXIT_FAIL;
	if (gosync_map_clear(fd, &n) < 0) {
		ret = cli_fail(ctx, name);
	} else if (ctx->json) {
		json_head(name, "clear");
		printf(",\"deleted\":%" PRIu64 "}\n", n);
	} else {
		printf("%" PRIu64 "\n", n);
	}
	close(fd);
	return ret;
}

static int map_range(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	struct gosync_map_cursor cur = { 0 };
	size_t cap = 65536, needed = 0;
	char *buf = malloc(cap);
	uint64_t count = 0;
	int fd, ret = 0;
	/* JSON: the entries are kept until the end, printed only if all went well */
	char *jbuf = NULL;
	size_t jlen = 0;
	FILE *out = stdout;
	/* --null: KEY NUL VALUE NUL, for keys and values of any bytes */
	bool nul = cli_opt(ctx, "null");

	if (nul && ctx->json) {
		free(buf);
		return cli_usage(ctx, "--null and --json are two formats: choose one");
	}
	if (!buf)
		return cli_fail(ctx, name);
	if ((fd = map_open(ctx)) < 0) {
		free(buf);
		return CLI_EXIT_FAIL;
	}
	if (ctx->json && !(out = open_memstream(&jbuf, &jlen))) {
		ret = cli_fail(ctx, name);
		free(buf);
		close(fd);
		return ret;
	}
	while (!cur.done) {
		size_t off = 0;
		int n = gosync_map_range(fd, buf, cap, &cur, &needed);

		if (n < 0 && errno == EOVERFLOW && needed > cap) {
			char *b = realloc(buf, needed);

			if (!b) {
				ret = cli_fail(ctx, name);	/* ENOMEM */
				break;
			}
			buf = b;
			cap = needed;
			continue;
		}
		if (n < 0) {
			ret = cli_fail(ctx, name);
			break;
		}
		for (int i = 0; i < n; i++, count++) {
			const void *k, *v;
			size_t kl, vl;

			gosync_map_entry_next(buf, &off, &k, &kl, &v, &vl);
			if (ctx->json) {
				fprintf(out, "%s{\"key\":", count ? "," : "");
				json_mem(out, k, kl);
				fprintf(out, ",\"value\":");
				json_mem(out, v, vl);
				fputc('}', out);
			} else {
				fwrite(k, 1, kl, stdout);
				putchar(nul ? '\0' : '=');
				fwrite(v, 1, vl, stdout);
				putchar(nul ? '\0' : '\n');
			}
		}
	}
	if (ctx->json) {
		if (fclose(out) && !ret)
			ret = cli_fail(ctx, name);	/* ENOMEM */
		if (!ret) {
			json_head(name, "range");
			printf(",\"entries\":[");
			fwrite(jbuf, 1, jlen, stdout);
			printf("],\"count\":%" PRIu64 "}\n", count);
		}
		free(jbuf);
	}
	free(buf);
	close(fd);
	return ret;
}

static int map_len(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	uint64_t n;
	int fd, ret = 0;

	if ((fd = map_open(ctx)) < 0)
		return CLI_EXIT_FAIL;
	if (gosync_map_len(fd, &n) < 0) {
		ret = cli_fail(ctx, name);
	} else if (ctx->json) {
		json_head(name, "len");
		printf(",\"len\":%" PRIu64 "}\n", n);
	} else {
		printf("%" PRIu64 "\n", n);
	}
	close(fd);
	return ret;
}

/* info's value: the number of entries */
static int map_info_len(int fd, int64_t *v)
{
	uint64_t n;

	if (gosync_map_len(fd, &n) < 0)
		return -1;
	*v = (int64_t)n;
	return 0;
}

static const char *const map_stats[GOSYNC_NR_STATS] = {
	[GOSYNC_MAP_STAT_LOADS] = "loads",
	[GOSYNC_MAP_STAT_HITS] = "hits",
	[GOSYNC_MAP_STAT_MISSES] = "misses",
	[GOSYNC_MAP_STAT_STORES] = "stores",
	[GOSYNC_MAP_STAT_DELETES] = "deletes",
	[GOSYNC_MAP_STAT_RESIZES] = "resizes",
};

static const struct cli_opt range_opts[] = {
	{ "null", 'z', NULL, "each key and value followed by a NUL byte" },
	{ NULL },
};

static const struct cli_opt create_opts[] = {
	{ "backend", 0, "B", "spin, rwsem or rcu (default)" },
	{ "max-entries", 0, "N", "most entries (default 1048576)" },
	{ "max-bytes", 0, "N", "most bytes of keys plus values (default 64 MiB)" },
	CLI_OPT_PERM,
	{ NULL },
};

static const struct cli_cmd map_cmds[] = {
	{ "create", "NAME", "create a named map",
	  "The map lives until 'gosync rm NAME', even after this command exits.\n"
	  "Its owner is the caller; others need read and write permission in\n"
	  "--perm to use it. Backends: spin (hash table + spinlock), rwsem (hash\n"
	  "table + rw_semaphore), rcu (rhashtable, lock-free readers). Past\n"
	  "--max-entries or --max-bytes a store fails (No space left on device).\n"
	  "Prints nothing (with --json: the new object).",
	  create_opts, 1, 1, map_create },
	{ "store", "NAME KEY VALUE", "set KEY to VALUE; print nothing",
	  "KEY is 1 to 256 bytes, VALUE 0 to 65536, taken as given.", NULL, 3, 3,
	  map_store },
	{ "load", "NAME KEY", "print KEY's value; exit 1 if there is none",
	  NULL, NULL, 2, 2, map_load },
	{ "delete", "NAME KEY", "delete KEY; print true if it was there, else false",
	  NULL, NULL, 2, 2, map_delete },
	{ "swap", "NAME KEY VALUE", "set KEY to VALUE; print the old value, if any",
	  "Go's Swap: prints the previous value and a newline, or nothing if KEY\n"
	  "was not there (JSON: \"loaded\").", NULL, 3, 3, map_swap },
	{ "cas", "NAME KEY OLD NEW", "if KEY's value is OLD, set it to NEW; true or false",
	  "Go's CompareAndSwap. Prints true and exits 0 if it swapped, prints\n"
	  "false and exits 1 if not (KEY absent, or another value), like\n"
	  "'counter cas'.", NULL, 4, 4, map_cas },
	{ "cad", "NAME KEY OLD", "delete KEY if its value is OLD; true or false",
	  "Go's CompareAndDelete: exit status as for cas.", NULL, 3, 3, map_cad },
	{ "load-or-store", "NAME KEY VALUE", "store VALUE unless KEY exists; print KEY's value",
	  "Go's LoadOrStore: prints the value KEY has now: its existing one, or\n"
	  "VALUE if this command stored it (JSON: \"loaded\" says which). Exit 0\n"
	  "either way: compare the output with VALUE to learn who won.",
	  NULL, 3, 3, map_load_or_store },
	{ "load-and-delete", "NAME KEY", "delete KEY and print its value; exit 1 if none",
	  "Go's LoadAndDelete: exactly one of several concurrent callers gets\n"
	  "the value; the others exit 1 (no such key).", NULL, 2, 2, map_load_and_delete },
	{ "clear", "NAME", "delete every entry; print how many",
	  "Go 1.23's Clear.", NULL, 1, 1, map_clear },
	{ "range", "NAME", "print every entry as KEY=VALUE, one per line",
	  "Go's Range: no key twice, and every entry present throughout is\n"
	  "printed, whatever other processes do meanwhile; order is the map's.\n"
	  "KEY=VALUE lines are ambiguous when a key has '=' or either has a\n"
	  "newline; --null prints KEY, NUL, VALUE, NUL instead, for any bytes.",
	  range_opts, 1, 1, map_range },
	{ "len", "NAME", "print the number of entries", NULL, NULL, 1, 1, map_len },
	{ "info", "NAME", "show the map: owner, backend, open fds, op counts, entries",
	  "value is the number of entries. The op counts are read first, so they\n"
	  "do not include this command's own Len.",
	  NULL, 1, 1, cli_info },
	{ NULL },
};

const struct cli_type cli_map = {
	.name = "map",
	.type = GOSYNC_TYPE_MAP,
	.summary = "Go's sync.Map: byte-string keys and values",
	.cmds = map_cmds,
	.subtype_name = gosync_map_backend_name,
	.stat_names = map_stats,
	.info_value = map_info_len,
};
