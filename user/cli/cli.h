/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gosync command line tool: `gosync [--json] TYPE VERB NAME [ARGS]`.
 *
 * main.c parses the global options and dispatches through two tables: the
 * top-level commands (version, ls, rm, help) and the object types. Each type
 * lives in its own file (counter.c, ...) and exports one struct cli_type; a
 * new type is a new file plus one line in main.c's types[].
 *
 * Files, each using only those after it (no cycles):
 *   main.c                     the tables, parsing, help, version, ls, rm
 *   counter.c lock.c map.c     one file per type: its struct cli_type
 *   waitgroup.c once.c chan.c
 *   sem.c cond.c
 *   object.c                   what every type shares: create (--perm),
 *                              info, an object's description (ls, info)
 *   wait.c                     the blocking types: --timeout, signals, -- CMD
 *   util.c                     opening, errors, usage, arguments
 *   ../common (json, opts), ../lib (libgosync)
 */
#ifndef GOSYNC_CLI_H
#define GOSYNC_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "gosync.h"
#include "json.h"
#include "opts.h"

/* Exit statuses */
#define CLI_EXIT_FAIL	1	/* the operation failed (or a cas did not swap) */
#define CLI_EXIT_USAGE	2	/* bad command line */
#define CLI_EXIT_CLOSED	3	/* chan: closed (and, for recv, drained) */

#define CLI_MAX_OPTS	8

/**
 * struct cli_opt - one option of a command
 * @name: long name without the leading "--"
 * @short_name: one-letter alias ("-f"), or 0
 * @arg: metavariable of the option's argument, or NULL for a flag; "[ARG]"
 *	for an optional one, given only as --name=ARG (the command may take it
 *	as its next positional argument too, as ls --watch SECONDS)
 * @help: one line for --help
 */
struct cli_opt {
	const char *name;
	char short_name;
	const char *arg;
	const char *help;
};

struct cli_ctx;

/**
 * struct cli_cmd - a command: a top-level one (ls) or a type's verb (add)
 * @name: the word on the command line
 * @args: its positional arguments for the usage line ("NAME DELTA")
 * @summary: one line for the listing in the parent's --help
 * @help: more text for the command's own --help, or NULL
 * @opts: its options, terminated by an entry with a NULL @name; may be NULL
 * @min_args: fewest positional arguments
 * @max_args: most positional arguments, -1 for no limit
 * @run: does the work once the command line is parsed; returns the exit status
 */
struct cli_cmd {
	const char *name;
	const char *args;
	const char *summary;
	const char *help;
	const struct cli_opt *opts;
	int min_args;
	int max_args;
	int (*run)(struct cli_ctx *ctx);
};

/**
 * struct cli_type - an object type and its verbs
 * @name: the word on the command line, as gosync_type_name() spells it
 * @type: enum gosync_type
 * @summary: one line for `gosync --help`
 * @cmds: its verbs, terminated by an entry with a NULL name
 * @subtype_name: names struct gosync_info.subtype (the counter's mode); may
 *	return NULL for an unknown value
 * @stat_names: names of struct gosync_info.stats[], NULL for unused slots
 * @info_value: what `info` shows as "value" after the counts (the counter's
 *	value, the WaitGroup's counter, the map's length), or NULL
 * @info_state: what `info` shows as "state" (the Once's), or NULL; returns
 *	NULL with errno set if it cannot be read
 */
struct cli_type {
	const char *name;
	unsigned int type;
	const char *summary;
	const struct cli_cmd *cmds;
	const char *(*subtype_name)(unsigned int subtype);
	const char *const *stat_names;
	int (*info_value)(int fd, int64_t *value);
	const char *(*info_state)(int fd);
};

/**
 * struct cli_ctx - one parsed command line
 * @cmdline: "counter add", for messages and help hints
 * @type: the type whose verb is being run, NULL for a top-level command
 * @cmd: the command being run
 * @json: --json was given
 * @argc: positional arguments after the command words
 * @argv: them
 * @optval: per entry of @cmd->opts, its argument ("" for a flag), or NULL if
 *	it was not given
 * @dev: /dev/gosync, opened by cli_dev(), or -1
 * @owner_uid: --owner: cli_open() opens only objects this uid owns; -1: any
 * @owner_gid: --owner UID:GID: and whose group is this; -1: any
 */
struct cli_ctx {
	char cmdline[64];
	const struct cli_type *type;
	const struct cli_cmd *cmd;
	bool json;
	int argc;
	char **argv;
	const char *optval[CLI_MAX_OPTS];
	int dev;
	uid_t owner_uid;
	gid_t owner_gid;
};

/* The types, defined one per file (lock.c has both lock types). */
extern const struct cli_type cli_counter;
extern const struct cli_type cli_mutex;
extern const struct cli_type cli_rwmutex;
extern const struct cli_type cli_wg;
extern const struct cli_type cli_once;
extern const struct cli_type cli_map;
extern const struct cli_type cli_chan;
extern const struct cli_type cli_sem;
extern const struct cli_type cli_cond;

/* ---- util.c ---- */

/** cli_opt() - the value of option @name ("" for a set flag), or NULL. */
const char *cli_opt(const struct cli_ctx *ctx, const char *name);

/**
 * cli_dev() - /dev/gosync, opened on first use.
 * Return: the fd, or -1 after printing why.
 */
int cli_dev(struct cli_ctx *ctx);

/**
 * cli_open() - open the object @name, expecting @type (0: any), and the
 * owner --owner asked for, if any.
 * Return: its fd, or -1 after printing why (naming the actual type when the
 * object is of another one).
 */
int cli_open(struct cli_ctx *ctx, const char *name, unsigned int type);

/**
 * cli_fail() - report that the operation on @what failed with errno.
 * Prints "gosync: CMDLINE WHAT: strerror(errno)" (without WHAT if NULL).
 * Return: CLI_EXIT_FAIL.
 */
int cli_fail(const struct cli_ctx *ctx, const char *what);

/**
 * cli_usage() - report a bad command line and point at --help.
 * Return: CLI_EXIT_USAGE.
 */
int cli_usage(const struct cli_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * cli_i64() - parse @s, the argument or option @what ("DELTA", "--initial"),
 * as a signed 64-bit decimal number.
 * Return: false after a usage message if it is not one.
 */
bool cli_i64(const struct cli_ctx *ctx, const char *what, const char *s, int64_t *v);

/** json_head() - start a command's JSON object: {"name":NAME,"op":OP (no closing brace). */
void json_head(const char *name, const char *op);

/* ---- object.c: what every type shares ---- */

/* The --perm option of every create verb, as its opts[] entry */
#define CLI_OPT_PERM \
	{ "perm", 0, "OCTAL", "who may open it, as for files (default 0600)" }
/* --mapped, for the types that have a fast path (GOSYNC_CREATE_MAPPED) */
#define CLI_OPT_MAPPED \
	{ "mapped", 0, NULL, "give it a shared page: programs using libgosync's " \
	  "fast path or the Go package then skip the kernel when uncontended" }

/**
 * cli_create() - a type's create verb, after it filled in @c's type and its
 * attributes: take the name (argv[0]) and --perm, create the object and,
 * with --json, describe it (@value, @state as for cli_print_info()).
 * Return: the command's exit status.
 */
int cli_create(struct cli_ctx *ctx, struct gosync_create *c, const int64_t *value,
	       const char *state);

/**
 * cli_info() - the info verb of every type (ctx->type): the object's
 * description, then its value (->info_value) or state (->info_state), read
 * after the counts so that they do not include this command's own read.
 */
int cli_info(struct cli_ctx *ctx);

/**
 * cli_print_info() - print one object (gosync ls, TYPE info, create).
 * @t: its type, NULL if the CLI does not know it
 * @value: the object's value to show too, or NULL
 * @state: a state to show after the value (a Once's: "done"), or NULL
 *
 * In JSON a single object without a trailing newline; in text one table row,
 * or "key: value" lines if @long_form.
 */
void cli_print_info(const struct cli_ctx *ctx, const struct cli_type *t,
		    const struct gosync_info *info, bool long_form,
		    const int64_t *value, const char *state);

/**
 * cli_print_info_state() - cli_print_info() with what the object is doing
 * @st: its state (GOSYNC_IOC_INFO or LIST), or NULL
 * @hs: all its holders (@nr of them), or NULL to show those @st carries
 *
 * In text, a row (ls) gets STATE, WAIT, OLDEST, CONT and HOLDERS columns
 * before the counts; the long form (info) gets lines, with the wait-time
 * histogram of a lock. In JSON, an "activity" member.
 */
void cli_print_info_state(const struct cli_ctx *ctx, const struct cli_type *t,
			  const struct gosync_info *info, bool long_form,
			  const int64_t *value, const char *state,
			  const struct gosync_state *st, const struct gosync_holder *hs,
			  unsigned int nr);

/** cli_fmt_ns() - @ns as "12.3ms", "1.5s", "800ns" */
void cli_fmt_ns(char *buf, size_t len, uint64_t ns);

/* ---- wait.c: the blocking types ---- */

/* Exit status of a command killed by signal N, or interrupted by it: 128 + N */
#define CLI_EXIT_SIGNAL	128

/* The --timeout option of the verbs that wait, as their opts[] */
extern const struct cli_opt cli_timeout_opts[];

#define CLI_OPT_TIMEOUT \
	{ "timeout", 't', "SEC", "give up after SEC seconds (fractions allowed)" }
/*
 * -E N, flock(1)'s --conflict-exit-code: the exit status of a lock or acquire
 * that found the lock or permits busy (a try) or whose --timeout expired, so
 * that a script can tell it from CMD's own exit status 1.
 */
#define CLI_OPT_CONFLICT \
	{ "conflict-exit-code", 'E', "N", "exit N (0-255), not 1, if busy or timed out" }

/* The options of lock and rlock (timeout, conflict), and of their tries */
extern const struct cli_opt cli_lock_opts[];
extern const struct cli_opt cli_trylock_opts[];

/**
 * cli_conflict_code() - the -E N option: N, or CLI_EXIT_FAIL if absent.
 * Return: false after a usage message if N is not 0 to 255.
 */
bool cli_conflict_code(const struct cli_ctx *ctx, int *code);

/**
 * cli_timeout() - the --timeout SEC option as ns: -1 if absent (wait forever).
 * SEC is a decimal number of seconds, fractions allowed ("0.5").
 * Return: false after a usage message if it is malformed.
 */
bool cli_timeout(const struct cli_ctx *ctx, int64_t *timeout_ns);

/**
 * cli_catch_signals() - make SIGINT, SIGTERM, SIGHUP and SIGQUIT end a
 * gosync wait with EINTR (instead of killing us) so that the command can
 * report it; signals the shell set to ignored stay ignored. A blocking
 * command calls it before it opens the object: a script that sees the
 * object open (INFO's fds) may signal it at once, and a signal caught
 * before the call still ends it (cli_wait()). It also sets SIGCHLD to its
 * default: an ignored one (inherited) would have the kernel reap CMD before
 * cli_reap() gets its status. cli_spawn() calls it; CMD gets the
 * dispositions it found back.
 */
void cli_catch_signals(void);

/**
 * cli_wait() - run the blocking call @fn(@fd, timeout, @arg) until it
 * returns, keeping the overall deadline @timeout_ns (-1: none). An EINTR not
 * caused by one of the signals above is retried; if one of them came already,
 * @fn is not called (EINTR).
 * Return: what @fn returned, errno set on failure.
 */
int cli_wait(int fd, int64_t timeout_ns, int (*fn)(int fd, int64_t timeout_ns, void *arg),
	     void *arg);

/**
 * cli_interrupted() - the signal that arrived since cli_catch_signals(), or 0:
 * a command that waits many times (chan recv --all) stops before the next.
 */
int cli_interrupted(void);

/**
 * cli_wait_fail() - report a failed cli_wait() on @name.
 * Return: the exit status: 128 + signal if a signal interrupted it (with
 * "interrupted" on stderr), 1 for ETIMEDOUT ("timed out") and the rest.
 */
int cli_wait_fail(const struct cli_ctx *ctx, const char *name);

/**
 * cli_run() - run @argv (execvp) as a child and wait for it; @env
 * ("NAME=VALUE") is put in its environment, or (a bare "NAME") NAME is taken
 * out of it, or (NULL) it gets ours as it is. It is SIGKILLed if gosync
 * dies first. SIGTERM and SIGHUP sent to gosync meanwhile are passed on;
 * SIGINT and SIGQUIT (from the terminal, which sends them to the child
 * too) do not interrupt the wait.
 * Return: the child's exit status, 128 + N if signal N killed it, 127 if
 * the command was not found, 126 if it could not be run.
 */
int cli_run(const struct cli_ctx *ctx, char **argv, const char *env);

/*
 * cli_run()'s @env for a lock's CMD: GOSYNC_OWNER_DEAD=1 if the previous
 * holder died, else none, also not one gosync inherited (an outer lock's)
 */
#define CLI_ENV_OWNER_DEAD(died)	((died) ? "GOSYNC_OWNER_DEAD=1" : "GOSYNC_OWNER_DEAD")

/**
 * cli_spawn() - cli_run()'s first half: start @argv as a child (as cli_run()
 * does), with its stdout on @out_fd unless that is -1.
 * Return: the child's pid, or -1 after printing why.
 */
pid_t cli_spawn(const struct cli_ctx *ctx, char **argv, const char *env, int out_fd);

/**
 * cli_reap() - cli_run()'s second half: wait for the child @pid (@what names
 * it in a message).
 * Return: its status as cli_run() reports it.
 */
int cli_reap(const struct cli_ctx *ctx, pid_t pid, const char *what);

#endif /* GOSYNC_CLI_H */
