// SPDX-License-Identifier: GPL-2.0
/*
 * gosync CLI entry point: global options, the command and type tables,
 * command-line parsing, --help at every level, and the type-independent
 * commands (version, ls, rm).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Every object type the CLI knows; add a line here for a new type file. */
static const struct cli_type *const types[] = {
	&cli_counter,
	&cli_mutex,
	&cli_rwmutex,
	&cli_wg,
	&cli_once,
	&cli_map,
	&cli_chan,
	&cli_sem,
	&cli_cond,
};

static const struct cli_type *type_by_id(unsigned int type)
{
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (types[i]->type == type)
			return types[i];
	return NULL;
}

static const struct cli_type *type_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(types[i]->name, name))
			return types[i];
	return NULL;
}

static const struct cli_cmd *cmd_by_name(const struct cli_cmd *cmds,
					 const char *name)
{
	for (; cmds->name; cmds++)
		if (!strcmp(cmds->name, name))
			return cmds;
	return NULL;
}

/* ---- the top-level commands (defined at the end) ---- */

static int cmd_version(struct cli_ctx *ctx);
static int cmd_ls(struct cli_ctx *ctx);
static int cmd_rm(struct cli_ctx *ctx);
static int cmd_help(struct cli_ctx *ctx);

static const struct cli_opt ls_opts[] = {
	{ "watch", 'w', "[SECONDS]", "redraw every SECONDS (default 2) until interrupted, as top" },
	{ "count", 'c', "N", "with --watch: stop after N listings" },
	{ NULL },
};

static const struct cli_opt rm_opts[] = {
	{ "force", 'f', NULL, "a name that does not exist is not an error" },
	{ NULL },
};

static const struct cli_cmd top_cmds[] = {
	{ "version", "", "versions, and the supported types, modes and ops",
	  "module_version is the loaded module's (/sys/module/gosync/version,\n"
	  "'-' if it has none), cli_version this gosync's: after an upgrade the\n"
	  "old module stays loaded until it is reloaded. The rest the module\n"
	  "answers (GOSYNC_IOC_VERSION); cli_api_version is the API version\n"
	  "this gosync was built against.",
	  NULL, 0, 0, cmd_version },
	{ "ls", "[--watch [SECONDS]]", "list the live objects you own or may open",
	  "Objects of this IPC namespace (names are per namespace, as for SysV\n"
	  "IPC) that you own, and named ones you may open; root sees them all.\n"
	  "Columns: id, type, mode, name ('-' if anonymous or removed), owner uid\n"
	  "and gid, permission bits, open file descriptions (fds); what it is\n"
	  "doing (STATE: free, locked, write, read:N, taken/size, len/cap, the\n"
	  "WaitGroup counter), tasks blocked in it (WAIT; a channel's senders/\n"
	  "receivers), how long the oldest has waited (OLDEST), acquisitions\n"
	  "that had to wait (CONT), who holds it (HOLDERS: PID:COMM, xN for N\n"
	  "read locks or permits, * if locked in userspace through a description\n"
	  "PID opened); then the object's operation counts.",
	  ls_opts, 0, 1, cmd_ls },
	{ "rm", "NAME...", "remove names; each object lives on while fds are open",
	  "Only the owner (or root) may remove a name. Exit status 1 if any\n"
	  "name could not be removed.",
	  rm_opts, 1, -1, cmd_rm },
	{ "help", "[TYPE [VERB]]", "show help", NULL, NULL, 0, 2, cmd_help },
	{ NULL },
};

/* ---- help ---- */

/* A listing's HEADs (a command, a type, an option) pad to this, then a space. */
#define HELP_HEAD 26

/*
 * One "  HEAD  TEXT" line. A HEAD too long to leave two spaces before TEXT
 * gets a line of its own, and TEXT the next, in its column.
 */
static void help_line(const char *head, const char *text)
{
	if (strlen(head) < HELP_HEAD)
		printf("  %-*s %s\n", HELP_HEAD, head, text);
	else
		printf("  %s\n  %-*s %s\n", head, HELP_HEAD, "", text);
}

static void help_cmds(const struct cli_cmd *cmds)
{
	char head[64];

	for (; cmds->name; cmds++) {
		snprintf(head, sizeof(head), "%s %s", cmds->name, cmds->args);
		help_line(head, cmds->summary);
	}
}

static void help_top(void)
{
	printf("Usage: gosync [--json] [--owner UID[:GID]] COMMAND [ARGS]\n"
	       "       gosync [--json] [--owner UID[:GID]] TYPE VERB NAME [ARGS]\n\n"
	       "Go's sync package as kernel objects: create and use named objects on\n"
	       GOSYNC_DEVICE " from the shell. A named object lives until `gosync rm`,\n"
	       "so one process can create it and others use it.\n\n"
	       "Commands:\n");
	help_cmds(top_cmds);
	printf("\nTypes (see 'gosync TYPE --help'):\n");
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		help_line(types[i]->name, types[i]->summary);
	printf("\nGlobal options:\n"
	       "  --json                     machine-readable output: one JSON object\n"
	       "  --owner UID[:GID]          open a name only if that user (and group)\n"
	       "                             owns it, else fail (EPERM): no impostors\n"
	       "  -h, --help                 show help (also 'gosync TYPE VERB --help')\n\n"
	       "Exit status: 0 on success, 1 if the operation failed (or a cas did not\n"
	       "swap), 2 for a usage error, 3 if a channel is closed (chan recv, send,\n"
	       "close). See gosync(1).\n");
}

static void help_type(const struct cli_type *t)
{
	printf("Usage: gosync [--json] %s VERB NAME [ARGS]\n\n%c%s.\n\nVerbs:\n",
	       t->name, toupper((unsigned char)t->summary[0]), t->summary + 1);
	help_cmds(t->cmds);
	printf("\nRun 'gosync %s VERB --help' for a verb's options.\n", t->name);
}

static void help_cmd(const struct cli_ctx *ctx, const struct cli_cmd *c)
{
	const struct cli_opt *o = c->opts;
	char head[64];

	printf("Usage: gosync [--json] %s%s%s%s\n\n%c%s.\n", ctx->cmdline,
	       o && o->name ? " [OPTIONS]" : "", c->args[0] ? " " : "", c->args,
	       toupper((unsigned char)c->summary[0]), c->summary + 1);
	if (c->help)
		printf("\n%s\n", c->help);
	printf("\nOptions:\n");
	for (; o && o->name; o++) {
		if (o->short_name)
			snprintf(head, sizeof(head), "-%c, --%s%s%s", o->short_name,
				 o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(head, sizeof(head), "--%s%s%s", o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		help_line(head, o->help);
	}
	help_line("--json", "machine-readable output: one JSON object");
	help_line("-h, --help", "show this help");
}

/* ---- command line ---- */

/* A negative number is an argument (a delta), not an option. */
static bool is_option(const char *a)
{
	return a[0] == '-' && a[1] && !isdigit((unsigned char)a[1]);
}

/* Take one option @a (and maybe its argument from @argv[*i + 1]). */
static int parse_opt(struct cli_ctx *ctx, char **argv, int argc, int *i)
{
	const struct cli_opt *o = ctx->cmd->opts;
	const char *a = argv[*i], *eq = NULL;
	size_t len;
	int k;

	if (a[1] == '-') {
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		for (k = 0; o && o[k].name; k++)
			if (strlen(o[k].name) == len && !strncmp(o[k].name, a + 2, len))
				break;
	} else {
		for (k = 0; o && o[k].name; k++)
			if (o[k].short_name && a[1] == o[k].short_name && !a[2])
				break;
	}
	if (!o || !o[k].name)
		return cli_usage(ctx, "unknown option '%s'", a);
	if (!o[k].arg) {
		if (eq)
			return cli_usage(ctx, "option '--%s' takes no argument",
					 o[k].name);
		ctx->optval[k] = "";
	} else if (o[k].arg[0] == '[' && !eq) {
		ctx->optval[k] = "";	/* optional: only as --name=ARG */
	} else if (eq) {
		ctx->optval[k] = eq + 1;
	} else if (*i + 1 < argc) {
		ctx->optval[k] = argv[++*i];
	} else {
		return cli_usage(ctx, "option '%s' needs an argument", a);
	}
	return 0;
}

/*
 * --owner UID[:GID] (or --owner=...), a global option: names are opened only
 * if that user (and group) owns them. @argv[*i] is the option.
 */
static int owner_opt(struct cli_ctx *ctx, char **argv, int argc, int *i)
{
	const char *a = argv[*i], *v = NULL, *colon;
	uint64_t uid, gid;
	char buf[32];
	size_t len;

	if (!strncmp(a, "--owner=", 8))
		v = a + 8;
	else if (*i + 1 < argc)
		v = argv[++*i];
	if (!v)
		return cli_usage(ctx, "option '--owner' needs an argument");
	colon = strchr(v, ':');
	len = colon ? (size_t)(colon - v) : strlen(v);
	/* UID alone in @buf; one too long for it is no uint32 either. */
	if (len >= sizeof(buf))
		return cli_usage(ctx, "--owner '%s' is not UID or UID:GID (numbers)", v);
	memcpy(buf, v, len);
	buf[len] = 0;
	if (!opt_u64(buf, 10, UINT32_MAX - 1, &uid) ||
	    (colon && !opt_u64(colon + 1, 10, UINT32_MAX - 1, &gid)))
		return cli_usage(ctx, "--owner '%s' is not UID or UID:GID (numbers)", v);
	ctx->owner_uid = (uid_t)uid;
	ctx->owner_gid = colon ? (gid_t)gid : (gid_t)-1;
	return 0;
}

static bool is_owner_opt(const char *a)
{
	return !strcmp(a, "--owner") || !strncmp(a, "--owner=", 8);
}

/* Parse the options and arguments after the command words, then run it. */
static int run_cmd(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc,
		   char **argv, bool help)
{
	bool dashdash = false;
	int n = 0, ret;

	ctx->cmd = cmd;
	for (int i = 0; i < argc; i++) {
		char *a = argv[i];

		if (dashdash || !is_option(a))
			argv[n++] = a;	/* compact the arguments in place */
		else if (!strcmp(a, "--"))
			dashdash = true;
		else if (!strcmp(a, "--json"))
			ctx->json = true;
		else if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			help = true;
		else if ((ret = is_owner_opt(a) ? owner_opt(ctx, argv, argc, &i) :
				parse_opt(ctx, argv, argc, &i)))
			return ret;
	}
	argv[n] = NULL;		/* a CMD after the arguments is exec()ed as it is */
	/*
	 * Help and arguments: "-h" may be data a script passes (a message, a
	 * value), which must not turn the command into help that exits 0.
	 */
	if (help && n)
		return cli_usage(ctx, "--help with arguments (data that starts with '-' goes after --)");
	/* rm, ls, version and help open no name: an owner to check would be ignored */
	if (!ctx->type && (ctx->owner_uid != (uid_t)-1 || ctx->owner_gid != (gid_t)-1))
		return cli_usage(ctx, "--owner does not apply to %s", cmd->name);
	if (help) {
		help_cmd(ctx, cmd);
		return 0;
	}
	if (n < cmd->min_args)
		return cli_usage(ctx, "missing argument (expected %s)", cmd->args);
	if (cmd->max_args >= 0 && n > cmd->max_args)
		return cli_usage(ctx, "unexpected argument '%s'", argv[cmd->max_args]);
	ctx->argc = n;
	ctx->argv = argv;
	return cmd->run(ctx);
}

/* Global options before a command word: --json, --owner, --help. */
static int global_opts(struct cli_ctx *ctx, int argc, char **argv, int *i,
		       bool *help)
{
	int ret;

	for (; *i < argc && is_option(argv[*i]); ++*i) {
		if (!strcmp(argv[*i], "--json"))
			ctx->json = true;
		else if (!strcmp(argv[*i], "--help") || !strcmp(argv[*i], "-h"))
			*help = true;
		else if (!is_owner_opt(argv[*i]))
			return cli_usage(ctx, "unknown option '%s'", argv[*i]);
		else if ((ret = owner_opt(ctx, argv, argc, i)))
			return ret;
	}
	return 0;
}

/* `gosync help [TYPE [VERB]]` is `gosync [TYPE [VERB]] --help`. */
static int run_help(struct cli_ctx *ctx)
{
	const struct cli_type *t;
	const struct cli_cmd *c;

	if (!ctx->argc) {
		help_top();
		return 0;
	}
	c = cmd_by_name(top_cmds, ctx->argv[0]);
	if (c && ctx->argc == 1) {
		snprintf(ctx->cmdline, sizeof(ctx->cmdline), "%s", c->name);
		help_cmd(ctx, c);
		return 0;
	}
	t = type_by_name(ctx->argv[0]);
	if (!t)
		return cli_usage(ctx, "no command or type '%s'", ctx->argv[0]);
	if (ctx->argc == 1) {
		help_type(t);
		return 0;
	}
	c = cmd_by_name(t->cmds, ctx->argv[1]);
	if (!c)
		return cli_usage(ctx, "%s has no verb '%s'", t->name, ctx->argv[1]);
	snprintf(ctx->cmdline, sizeof(ctx->cmdline), "%s %s", t->name, c->name);
	help_cmd(ctx, c);
	return 0;
}

static int cli_main(int argc, char **argv)
{
	struct cli_ctx ctx = { .dev = -1, .owner_uid = (uid_t)-1, .owner_gid = (gid_t)-1 };
	const struct cli_type *t;
	const struct cli_cmd *c;
	bool help = false;
	int i = 1, ret;

	if ((ret = global_opts(&ctx, argc, argv, &i, &help)))
		return ret;
	if (i == argc) {
		if (help) {
			help_top();
			return 0;
		}
		return cli_usage(&ctx, "missing command");
	}
	c = cmd_by_name(top_cmds, argv[i]);
	if (c) {
		snprintf(ctx.cmdline, sizeof(ctx.cmdline), "%s", c->name);
		return run_cmd(&ctx, c, argc - i - 1, argv + i + 1, help);
	}
	t = type_by_name(argv[i]);
	if (!t)
		return cli_usage(&ctx, "no command or type '%s'", argv[i]);
	snprintf(ctx.cmdline, sizeof(ctx.cmdline), "%s", t->name);
	ctx.type = t;
	i++;
	if ((ret = global_opts(&ctx, argc, argv, &i, &help)))
		return ret;
	if (i == argc) {
		if (help) {
			help_type(t);
			return 0;
		}
		return cli_usage(&ctx, "missing verb");
	}
	c = cmd_by_name(t->cmds, argv[i]);
	if (!c)
		return cli_usage(&ctx, "no verb '%s'", argv[i]);
	snprintf(ctx.cmdline, sizeof(ctx.cmdline), "%s %s", t->name, c->name);
	return run_cmd(&ctx, c, argc - i - 1, argv + i + 1, help);
}

int main(int argc, char **argv)
{
	int ret = cli_main(argc, argv);

	/*
	 * Output that did not get out (a full disk): a script must not take
	 * the command as done, least of all one that took what it printed
	 * (map load-and-delete, counter swap, chan recv).
	 */
	errno = 0;
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "gosync: write error: %s\n", strerror(errno ? errno : EIO));
		if (!ret)
			ret = CLI_EXIT_FAIL;
	}
	return ret;
}

/* ---- type-independent commands ---- */

static const char *const op_names[] = {
	[GOSYNC_OP_ADD] = "add", [GOSYNC_OP_LOAD] = "load",
	[GOSYNC_OP_STORE] = "store", [GOSYNC_OP_SWAP] = "swap",
	[GOSYNC_OP_CAS] = "cas", [GOSYNC_OP_RESET] = "reset",
	[GOSYNC_OP_AND] = "and", [GOSYNC_OP_OR] = "or",
};

static const char *op_name(unsigned int op)
{
	return op < ARRAY_SIZE(op_names) ? op_names[op] : NULL;
}

/* Print the names of the bits set in @mask, as a JSON array or a line. */
static void print_bits(const struct cli_ctx *ctx, const char *key, uint64_t mask,
		       const char *(*name)(unsigned int))
{
	bool first = true;

	if (ctx->json)
		printf(",\"%s\":[", key);
	else
		printf("%s:", key);
	for (unsigned int b = 0; b < 64; b++) {
		const char *n;
		char num[8];

		if (!(mask & (1ULL << b)))
			continue;
		n = name(b);
		if (!n) {
			snprintf(num, sizeof(num), "%u", b);
			n = num;
		}
		if (ctx->json) {
			printf("%s", first ? "" : ",");
			json_str(stdout, n);
		} else {
			printf(" %s", n);
		}
		first = false;
	}
	printf(ctx->json ? "]" : "\n");
}

/*
 * The loaded module's MODULE_VERSION into @buf, or false if there is none
 * (no /sys/module/gosync/version: a module built without it).
 */
static bool module_version(char *buf, size_t len)
{
	FILE *f = fopen("/sys/module/gosync/version", "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f);
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok && buf[0];
}

/* "KEY: VALUE" (VALUE NULL: "-") or, with --json, "KEY":"VALUE" (or null). */
static void print_str(const struct cli_ctx *ctx, const char *key, const char *val,
		      bool first)
{
	if (!ctx->json) {
		printf("%s: %s\n", key, val ? val : "-");
		return;
	}
	printf("%s\"%s\":", first ? "" : ",", key);
	if (val)
		json_str(stdout, val);
	else
		printf("null");
}

static int cmd_version(struct cli_ctx *ctx)
{
	struct gosync_version v;
	int dev = cli_dev(ctx);
	char mod[64];

	if (dev < 0)
		return CLI_EXIT_FAIL;
	if (gosync_version(dev, &v) < 0)
		return cli_fail(ctx, NULL);
	if (ctx->json)
		putchar('{');
	/* After an upgrade the module loaded may be older than the tools. */
	print_str(ctx, "module_version", module_version(mod, sizeof(mod)) ? mod : NULL,
		  true);
#ifdef GOSYNC_PKG_VERSION	/* the Makefile's VERSION, from user/Makefile */
	print_str(ctx, "cli_version", GOSYNC_PKG_VERSION, false);
#endif
	if (ctx->json)
		printf(",\"api_version\":%u,\"cli_api_version\":%d,"
		       "\"name_max\":%u,\"batch_max\":%u,\"max_objects\":%u",
		       v.api_version, GOSYNC_API_VERSION, v.name_max,
		       v.batch_max, v.max_objects);
	else
		printf("api_version: %u\ncli_api_version: %d\nname_max: %u\n"
		       "batch_max: %u\nmax_objects: %u\n",
		       v.api_version, GOSYNC_API_VERSION, v.name_max,
		       v.batch_max, v.max_objects);
	print_bits(ctx, "types", v.types, gosync_type_name);
	print_bits(ctx, "counter_modes", v.counter_modes,
		   gosync_counter_mode_name);
	print_bits(ctx, "counter_ops", v.counter_ops, op_name);
	if (ctx->json)
		printf("}\n");
	return 0;
}

/* One listing: every object with its state. */
static int ls_once(struct cli_ctx *ctx, int dev)
{
	struct gosync_state *st = NULL, *s;
	struct gosync_info *buf = NULL, *b;
	uint64_t cursor = 0;
	size_t total = 0, cap = 0;
	unsigned int live = 0, hidden;	/* objects in the namespace, as the last call saw */
	int n, ret = 0;

	/* All of the list first, so that a call that fails prints nothing. */
	do {
		if (cap - total < 32) {
			cap = cap ? 2 * cap : 64;
			b = realloc(buf, cap * sizeof(*buf));
			if (b)
				buf = b;
			s = b ? realloc(st, cap * sizeof(*st)) : NULL;
			if (s)
				st = s;
			if (!b || !s) {
				ret = cli_fail(ctx, NULL);
				goto out;
			}
		}
		n = gosync_list_state(dev, buf + total, st + total, 32, &cursor, &live);
		if (n < 0) {
			ret = cli_fail(ctx, NULL);
			goto out;
		}
		total += (size_t)n;
	} while (cursor);
	if (ctx->json)
		printf("{\"objects\":[");
	else
		printf("%-5s %-8s %-9s %-24s %5s %5s %4s %4s %-10s %5s %7s %6s %-20s %s\n",
		       "ID", "TYPE", "MODE", "NAME", "UID", "GID", "PERM", "FDS", "STATE",
		       "WAIT", "OLDEST", "CONT", "HOLDERS", "OPS");
	for (size_t k = 0; k < total; k++) {
		if (ctx->json && k)
			putchar(',');
		cli_print_info_state(ctx, type_by_id(buf[k].type), &buf[k], false,
				     NULL, NULL, &st[k], NULL, 0);
	}
	/*
	 * Objects LIST does not show this caller (another user's, not open to
	 * it): say so, or a hang on one looks like no object at all.
	 */
	hidden = live > total ? live - (unsigned int)total : 0;
	if (ctx->json)
		printf("],\"count\":%zu,\"hidden\":%u}\n", total, hidden);
	else if (hidden)
		printf("(%u more in this IPC namespace, not visible to you)\n", hidden);
out:
	free(buf);
	free(st);
	return ret;
}

/*
 * ls, or with --watch a listing every SECONDS until interrupted (or --count
 * listings), as top: on a terminal each replaces the last; otherwise they
 * follow one another, each after a blank line.
 */
static int cmd_ls(struct cli_ctx *ctx)
{
	const char *c = cli_opt(ctx, "count"), *w = cli_opt(ctx, "watch");
	bool watch = w != NULL, tty = isatty(STDOUT_FILENO);
	uint64_t count = 0;
	double secs = 2;
	int dev, ret;

	if (ctx->argc && !watch)
		return cli_usage(ctx, "SECONDS needs --watch");
	if (ctx->argc && w[0])
		return cli_usage(ctx, "SECONDS given twice");
	if (ctx->argc)
		w = ctx->argv[0];
	if (watch && w[0] && (!opt_double(w, &secs) || secs < 0.01 || secs > 86400))
		return cli_usage(ctx, "SECONDS '%s' is not a number from 0.01 to 86400", w);
	if (c && (!watch || !opt_u64(c, 10, UINT32_MAX, &count) || !count))
		return cli_usage(ctx, "--count needs --watch and a number from 1");
	dev = cli_dev(ctx);
	if (dev < 0)
		return CLI_EXIT_FAIL;
	if (!watch)
		return ls_once(ctx, dev);
	for (uint64_t i = 0; !count || i < count; i++) {
		struct timespec ts = {
			.tv_sec = (time_t)secs,
			.tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9),
		};

		if (tty && !ctx->json)
			printf("\033[H\033[2J");
		else if (i && !ctx->json)
			putchar('\n');
		ret = ls_once(ctx, dev);
		fflush(stdout);
		if (ret)
			return ret;
		if (count && i + 1 == count)
			break;
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	return 0;
}

static int cmd_rm(struct cli_ctx *ctx)
{
	bool force = cli_opt(ctx, "force") != NULL;
	int dev = cli_dev(ctx), ret = 0, removed = 0;

	if (dev < 0)
		return CLI_EXIT_FAIL;
	if (ctx->json)
		printf("{\"removed\":[");
	for (int i = 0; i < ctx->argc; i++) {
		if (gosync_unlink(dev, ctx->argv[i]) < 0) {
			if (!(force && errno == ENOENT)) {
				fflush(stdout);
				ret = cli_fail(ctx, ctx->argv[i]);
			}
			continue;
		}
		if (ctx->json) {
			printf("%s", removed ? "," : "");
			json_str(stdout, ctx->argv[i]);
		}
		removed++;
	}
	if (ctx->json)
		printf("]}\n");
	return ret;
}

static int cmd_help(struct cli_ctx *ctx)
{
	return run_help(ctx);
}
