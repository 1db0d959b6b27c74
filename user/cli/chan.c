// SPDX-License-Identifier: GPL-2.0
/*
 * gosync CLI: `gosync chan VERB NAME ...`, Go's chan of byte strings across
 * processes: shell work queues. `send NAME --lines` turns each line of its
 * standard input into a message, `recv NAME --all` prints every message, one
 * per line, until the channel is closed and drained. Exit status 3
 * (CLI_EXIT_CLOSED) says the channel is closed: a recv that found it closed
 * and drained (Go's v, ok := <-ch with ok false), a send or close that found
 * it closed (Go panics).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Messages a recv --all takes per call; the first waits, the rest are there */
#define RECV_BATCH	64
/* Room per message a recv starts with (the default msg_max); grown on EOVERFLOW */
#define RECV_SLOT	GOSYNC_CHAN_MSG_DEFAULT
/* --lines: stdin buffer; holds the longest possible message and more */
#define LINES_BUF	(4 * GOSYNC_CHAN_MSG_MAX)

static int chan_create(struct cli_ctx *ctx)
{
	struct gosync_create c = { .type = GOSYNC_TYPE_CHAN };
	int64_t zero = 0;
	uint64_t u;
	const char *s;

	if ((s = cli_opt(ctx, "cap"))) {
		if (!opt_u64(s, 10, GOSYNC_CHAN_CAP_MAX, &u))
			return cli_usage(ctx, "--cap '%s' is not a number from 0 to %d",
					 s, GOSYNC_CHAN_CAP_MAX);
		c.chan.cap = (uint32_t)u;
	}
	if ((s = cli_opt(ctx, "msg-max"))) {
		if (!opt_u64(s, 10, GOSYNC_CHAN_MSG_MAX, &u) || !u)
			return cli_usage(ctx, "--msg-max '%s' is not a number from 1 to %d",
					 s, GOSYNC_CHAN_MSG_MAX);
		c.chan.msg_max = (uint32_t)u;
	}
	return cli_create(ctx, &c, &zero, "open");
}

/*
 * One SEND or RECV vector in flight: cli_wait() may call vec_call() again
 * after a stop and continue, so it resumes after the messages already moved.
 */
struct chan_io {
	unsigned int op;
	struct gosync_chan_msg *msgs;
	unsigned int count;		/* messages in @msgs */
	unsigned int done;		/* of them sent or received */
	struct gosync_chan_cmd cmd;	/* the last call's, as the kernel wrote it */
};

static int vec_call(int fd, int64_t timeout_ns, void *arg)
{
	struct chan_io *io = arg;
	unsigned int n = io->count - io->done;
	int ret;

	if (n > GOSYNC_CHAN_VEC_MAX)
		n = GOSYNC_CHAN_VEC_MAX;
	ret = gosync_chan_vec(fd, io->op, io->msgs + io->done, n, 0, timeout_ns, &io->cmd);
	io->done += io->cmd.done;
	/* a SEND of a whole chunk of a long vector: go on with the next */
	if (!ret && io->op == GOSYNC_CHAN_SEND && io->done < io->count)
		return vec_call(fd, timeout_ns, arg);
	return ret;
}

/*
 * Send @io's messages. --timeout is how long the channel may make no
 * progress: a call that timed out after sending some is made again.
 */
static int send_all(int fd, int64_t timeout, struct chan_io *io)
{
	while (io->done < io->count) {
		unsigned int before = io->done;

		if (cli_wait(fd, timeout, vec_call, io) == 0)
			return 0;
		if (errno != ETIMEDOUT || io->done == before)
			return -1;
	}
	return 0;
}

/*
 * Report a failed send, recv or close of @name (errno set): 3 if closed,
 * 128 + N if signal N interrupted it, else 1. @what says how far it got.
 */
static int chan_fail(const struct cli_ctx *ctx, const char *name, const char *what)
{
	int err = errno;

	if (err == EPIPE) {
		fprintf(stderr, "gosync: %s %s: %s%s%s\n", ctx->cmdline, name,
			strcmp(ctx->cmd->name, "close") ? "the channel is closed" :
			"already closed", what ? " " : "", what ? what : "");
		return CLI_EXIT_CLOSED;
	}
	if (err == EMSGSIZE) {
		fprintf(stderr, "gosync: %s %s: a message is longer than the channel's "
			"--msg-max%s%s\n", ctx->cmdline, name, what ? " " : "",
			what ? what : "");
		return CLI_EXIT_FAIL;
	}
	if (what && (err == ETIMEDOUT || err == EINTR))
		fprintf(stderr, "gosync: %s %s: %s\n", ctx->cmdline, name, what);
	errno = err;
	return cli_wait_fail(ctx, name);
}

static void send_json(const char *name, uint64_t sent)
{
	json_head(name, "send");
	printf(",\"sent\":%" PRIu64 "}\n", sent);
}

/* send NAME MSG...: each argument one message, in order */
static int send_args(struct cli_ctx *ctx, int fd, int64_t timeout)
{
	const char *name = ctx->argv[0];
	unsigned int n = (unsigned int)ctx->argc - 1;
	struct chan_io io = { .op = GOSYNC_CHAN_SEND, .count = n };
	char what[64];
	int ret = 0;

	io.msgs = calloc(n, sizeof(*io.msgs));
	if (!io.msgs)
		return cli_fail(ctx, name);
	for (unsigned int i = 0; i < n; i++) {
		io.msgs[i].buf = (uintptr_t)ctx->argv[i + 1];
		io.msgs[i].len = (uint32_t)strlen(ctx->argv[i + 1]);
	}
	if (send_all(fd, timeout, &io) < 0) {
		snprintf(what, sizeof(what), "(%u of %u messages sent)", io.done, n);
		ret = chan_fail(ctx, name, what);
	} else if (ctx->json) {
		send_json(name, n);
	}
	free(io.msgs);
	return ret;
}

/* cli_wait()'s call for send --lines: a read() of stdin into *@arg */
struct lines_read {
	char *buf;
	size_t cap;
	ssize_t got;
};

static int lines_read_call(int fd, int64_t timeout_ns, void *arg)
{
	struct lines_read *rd = arg;

	(void)timeout_ns;
	rd->got = read(fd, rd->buf, rd->cap);
	return rd->got < 0 ? -1 : 0;
}

/*
 * send NAME --lines: each line of stdin one message, without its newline (a
 * last line without one too). Whatever lines a read() brought are sent in one
 * vector, so a slow producer's lines go out as they come.
 */
static int send_lines(struct cli_ctx *ctx, int fd, int64_t timeout)
{
	const char *name = ctx->argv[0];
	struct gosync_chan_msg *msgs = calloc(GOSYNC_CHAN_VEC_MAX, sizeof(*msgs));
	char *buf = malloc(LINES_BUF), what[64];
	size_t len = 0;
	uint64_t sent = 0;
	bool eof = false;
	int ret = 0;

	if (!msgs || !buf) {
		free(msgs);
		free(buf);
		return cli_fail(ctx, name);
	}
	while (!eof) {
		struct lines_read rd = { .buf = buf + len, .cap = LINES_BUF - len };
		size_t start = 0;
		ssize_t r;

		/* As a Send: a signal ends the read too, even one as it starts */
		r = cli_wait(0, -1, lines_read_call, &rd) < 0 ? -1 : rd.got;
		if (r < 0) {
			ret = errno == EINTR ? cli_wait_fail(ctx, name) : cli_fail(ctx, "stdin");
			break;
		}
		eof = r == 0;
		len += (size_t)r;
		/* the complete lines (and at EOF the last one), a vector at a time */
		while (start < len) {
			struct chan_io io = { .op = GOSYNC_CHAN_SEND, .msgs = msgs };
			size_t pos = start;

			while (pos < len && io.count < GOSYNC_CHAN_VEC_MAX) {
				char *nl = memchr(buf + pos, '\n', len - pos);
				size_t end = nl ? (size_t)(nl - buf) : len;

				if (!nl && !eof)
					break;
				msgs[io.count].buf = (uintptr_t)(buf + pos);
				msgs[io.count].len = (uint32_t)(end - pos);
				msgs[io.count++].__reserved = 0;
				pos = nl ? end + 1 : len;
			}
			if (!io.count)
				break;
			if (send_all(fd, timeout, &io) < 0) {
				snprintf(what, sizeof(what), "(at line %" PRIu64 "; %" PRIu64
					 " lines sent)", sent + io.done + 1, sent + io.done);
				ret = chan_fail(ctx, name, what);
				goto out;
			}
			sent += io.count;
			start = pos;
		}
		memmove(buf, buf + start, len - start);
		len -= start;
		if (len > GOSYNC_CHAN_MSG_MAX) {
			fprintf(stderr, "gosync: %s %s: line %" PRIu64 " is longer than "
				"%d bytes, the most a message can be\n", ctx->cmdline, name,
				sent + 1, GOSYNC_CHAN_MSG_MAX);
			ret = CLI_EXIT_FAIL;
			goto out;
		}
	}
	if (!ret && ctx->json)
		send_json(name, sent);
out:
	free(msgs);
	free(buf);
	return ret;
}

static int chan_send(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	bool lines = cli_opt(ctx, "lines") != NULL;
	int64_t timeout;
	int fd, ret;

	if (lines && ctx->argc > 1)
		return cli_usage(ctx, "--lines reads the messages from stdin: no MSG");
	if (!lines && ctx->argc < 2)
		return cli_usage(ctx, "missing argument (expected MSG..., or --lines)");
	for (int i = 1; i < ctx->argc; i++)
		if (strlen(ctx->argv[i]) > GOSYNC_CHAN_MSG_MAX)
			return cli_usage(ctx, "MSG must be at most %d bytes",
					 GOSYNC_CHAN_MSG_MAX);
	if (!cli_timeout(ctx, &timeout))
		return CLI_EXIT_USAGE;
	cli_catch_signals();	/* before the fd exists (cli.h) */
	fd = cli_open(ctx, name, GOSYNC_TYPE_CHAN);
	if (fd < 0)
		return CLI_EXIT_FAIL;
	ret = lines ? send_lines(ctx, fd, timeout) : send_args(ctx, fd, timeout);
	close(fd);
	return ret;
}

/* Print the @n messages of @io (text: each and a newline; JSON: array items). */
static bool print_msgs(const struct cli_ctx *ctx, const struct chan_io *io,
		       uint64_t *count)
{
	for (unsigned int i = 0; i < io->cmd.done; i++, ++*count) {
		const void *m = (const void *)(uintptr_t)io->msgs[i].buf;

		if (ctx->json) {
			printf("%s", *count ? "," : "");
			json_mem(stdout, m, io->msgs[i].len);
		} else {
			fwrite(m, 1, io->msgs[i].len, stdout);
			putchar('\n');
		}
	}
	return !ferror(stdout);
}

/*
 * recv NAME: one message; recv NAME --all: every message until the channel is
 * closed and drained (Go's for v := range ch), printed as it comes (stdout is
 * flushed before each wait). --timeout bounds each wait for a message.
 */
static int chan_recv(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	bool all = cli_opt(ctx, "all") != NULL, closed = false;
	unsigned int slots = all ? RECV_BATCH : 1;
	struct gosync_chan_msg msgs[RECV_BATCH];
	size_t room = RECV_SLOT;
	char *buf = NULL;
	uint64_t count = 0;
	int64_t timeout;
	int fd, ret = 0;

	if (!cli_timeout(ctx, &timeout))
		return CLI_EXIT_USAGE;
	cli_catch_signals();	/* before the fd exists (cli.h) */
	fd = cli_open(ctx, name, GOSYNC_TYPE_CHAN);
	if (fd < 0)
		return CLI_EXIT_FAIL;
	if (ctx->json && all) {
		json_head(name, "recv");
		printf(",\"messages\":[");
	}
	for (;;) {
		struct chan_io io = { .op = GOSYNC_CHAN_RECV, .msgs = msgs, .count = slots };
		char *b = buf ? buf : malloc(slots * room);

		if (!b) {
			ret = cli_fail(ctx, name);
			break;
		}
		buf = b;
		for (unsigned int i = 0; i < slots; i++)
			msgs[i] = (struct gosync_chan_msg){
				.buf = (uintptr_t)(buf + i * room), .len = (uint32_t)room };
		if (fflush(stdout) || ferror(stdout)) {
			ret = cli_fail(ctx, "stdout");
			break;
		}
		if (cli_interrupted()) {
			errno = EINTR;
			ret = cli_wait_fail(ctx, name);
			break;
		}
		if (cli_wait(fd, timeout, vec_call, &io) < 0) {
			if (errno == EOVERFLOW && io.cmd.needed > room) {
				/* the next message is longer than our room: make more */
				room = io.cmd.needed;
				free(buf);
				buf = NULL;
				continue;
			}
			ret = chan_fail(ctx, name, NULL);
			break;
		}
		if (!io.cmd.done) {
			closed = true;	/* closed and drained */
			break;
		}
		/* one message in JSON is printed as "message", below */
		if ((all || !ctx->json) && !print_msgs(ctx, &io, &count)) {
			ret = cli_fail(ctx, "stdout");
			break;
		}
		if (!all)
			break;
	}
	if (ctx->json && all) {
		/* always end the object: the messages printed were taken */
		printf("],\"count\":%" PRIu64 ",\"closed\":%s}\n", count,
		       closed ? "true" : "false");
	} else if (ctx->json && !ret) {
		json_head(name, "recv");
		printf(",\"ok\":%s,\"message\":", closed ? "false" : "true");
		if (closed)
			printf("null");
		else
			json_mem(stdout, (const void *)(uintptr_t)msgs[0].buf, msgs[0].len);
		printf("}\n");
	}
	if (!ret && closed && !all)
		ret = CLI_EXIT_CLOSED;
	if (fflush(stdout) && !ret)
		ret = cli_fail(ctx, "stdout");
	free(buf);
	close(fd);
	return ret;
}

static int chan_close(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	int fd = cli_open(ctx, name, GOSYNC_TYPE_CHAN), ret = 0;

	if (fd < 0)
		return CLI_EXIT_FAIL;
	if (gosync_chan_close(fd) < 0) {
		ret = chan_fail(ctx, name, NULL);
	} else if (ctx->json) {
		json_head(name, "close");
		printf("}\n");
	}
	close(fd);
	return ret;
}

static int chan_len(struct cli_ctx *ctx)
{
	const char *name = ctx->argv[0];
	int fd = cli_open(ctx, name, GOSYNC_TYPE_CHAN), ret = 0;
	uint32_t len, cap;
	bool closed;

	if (fd < 0)
		return CLI_EXIT_FAIL;
	if (gosync_chan_len(fd, &len, &cap, &closed) < 0) {
		ret = cli_fail(ctx, name);
	} else if (ctx->json) {
		json_head(name, "len");
		printf(",\"len\":%u,\"cap\":%u,\"closed\":%s}\n", len, cap,
		       closed ? "true" : "false");
	} else {
		printf("%u %u %s\n", len, cap, closed ? "true" : "false");
	}
	close(fd);
	return ret;
}

/* info's value: messages buffered; its state: open or closed */
static int chan_info_len(int fd, int64_t *v)
{
	uint32_t len;

	if (gosync_chan_len(fd, &len, NULL, NULL) < 0)
		return -1;
	*v = len;
	return 0;
}

static const char *chan_info_state(int fd)
{
	bool closed;

	if (gosync_chan_len(fd, NULL, NULL, &closed) < 0)
		return NULL;
	return closed ? "closed" : "open";
}

/* ls's MODE column: the capacity (INFO's subtype) */
static const char *chan_subtype(unsigned int cap)
{
	static char s[16];

	snprintf(s, sizeof(s), "cap=%u", cap);
	return s;
}

static const char *const chan_stats[GOSYNC_NR_STATS] = {
	[GOSYNC_STAT_CHAN_SENDS] = "sends",
	[GOSYNC_STAT_CHAN_RECVS] = "recvs",
	[GOSYNC_STAT_CHAN_CLOSED_RECVS] = "closed_recvs",
};

static const struct cli_opt create_opts[] = {
	{ "cap", 0, "N", "buffered messages, 0 to 65536 (default 0: unbuffered)" },
	{ "msg-max", 0, "BYTES", "longest message, 1 to 65536 (default 4096)" },
	CLI_OPT_PERM,
	{ NULL },
};

static const struct cli_opt send_opts[] = {
	{ "lines", 'l', NULL, "send each line of stdin as a message" },
	{ "timeout", 't', "SEC", "give up when no message could go for SEC seconds" },
	{ NULL },
};

static const struct cli_opt recv_opts[] = {
	{ "all", 'a', NULL, "every message, until the channel is closed and drained" },
	{ "timeout", 't', "SEC", "give up when no message came for SEC seconds" },
	{ NULL },
};

static const struct cli_cmd chan_cmds[] = {
	{ "create", "NAME", "create a named channel (default: unbuffered)",
	  "Go's make(chan []byte, N): --cap N messages can wait in it for a\n"
	  "receiver; with --cap 0 (the default) a send waits until a receiver\n"
	  "takes its message. A longer message than --msg-max is refused. It\n"
	  "lives until 'gosync rm NAME'. Prints nothing (with --json: the new\n"
	  "object).", create_opts, 1, 1, chan_create },
	{ "send", "NAME [MSG...]", "send each MSG (--lines: each stdin line) in order",
	  "Waits while the channel is full (unbuffered: until a receiver takes\n"
	  "each message). With --lines every line of stdin is a message, without\n"
	  "its newline (a last line without one too); lines go out as they come.\n"
	  "Exit status 3 if the channel is closed, or closes while the send waits\n"
	  "(the messages before are sent: the message says how many); 1 on\n"
	  "--timeout or for a message longer than the channel's --msg-max; 128+N\n"
	  "if signal N interrupted it. Prints nothing (--json: the count sent).",
	  send_opts, 1, -1, chan_send },
	{ "recv", "NAME", "receive a message and print it; exit 3 once closed",
	  "Waits for a message and prints it and a newline. If the channel is\n"
	  "closed and has no message left, prints nothing and exits 3 (Go's\n"
	  "v, ok := <-ch with ok false), so 'while m=$(gosync chan recv q); do'\n"
	  "is a worker loop. With --all: print every message, one per line, until\n"
	  "the channel is closed and drained, then exit 0 (Go's for v := range ch).\n"
	  "Messages are printed as they come. Exit status 1 on --timeout, 128+N\n"
	  "if signal N interrupted a wait (messages taken are printed first).",
	  recv_opts, 1, 1, chan_recv },
	{ "close", "NAME", "close: receivers drain it, then see it closed",
	  "Go's close(ch): waiting senders fail (exit 3), buffered messages stay\n"
	  "for receivers. Exit status 3 if it was closed already (Go panics).",
	  NULL, 1, 1, chan_close },
	{ "len", "NAME", "print 'LEN CAP CLOSED': buffered, capacity, true/false",
	  NULL, NULL, 1, 1, chan_len },
	{ "info", "NAME", "show the channel: owner, capacity, open fds, op counts, len",
	  "The mode is cap=N. ops: messages sent and received, receives that\n"
	  "found it closed and drained. value: messages buffered; state: open or\n"
	  "closed.", NULL, 1, 1, cli_info },
	{ NULL },
};

const struct cli_type cli_chan = {
	.name = "chan",
	.type = GOSYNC_TYPE_CHAN,
	.summary = "Go's chan of byte strings: shell work queues across processes",
	.cmds = chan_cmds,
	.subtype_name = chan_subtype,
	.stat_names = chan_stats,
	.info_value = chan_info_len,
	.info_state = chan_info_state,
};
