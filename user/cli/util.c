// SPDX-License-Identifier: GPL-2.0
/* gosync CLI: opening objects, errors, usage, arguments (see cli.h). */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

const char *cli_opt(const struct cli_ctx *ctx, const char *name)
{
	const struct cli_opt *o = ctx->cmd->opts;

	for (int i = 0; o && o[i].name; i++)
		if (!strcmp(o[i].name, name))
			return ctx->optval[i];
	return NULL;
}

/*
 * Why opening GOSYNC_DEVICE failed with @err, as a hint for the error line
 * (in @buf if it names the device's group), or "".
 */
static const char *dev_hint(int err, char *buf, size_t len)
{
	const char *name;
	struct group *g;
	struct stat st;
	char gid[16];

	if (err == ENOENT)
		return " (is the gosync module loaded?)";
	if (err != EACCES)
		return "";
	/* The udev rule's root:gosync 0660: the user is not (yet) a member. */
	if (!stat(GOSYNC_DEVICE, &st) && st.st_gid && (st.st_mode & 060) == 060) {
		g = getgrgid(st.st_gid);
		snprintf(gid, sizeof(gid), "%u", (unsigned int)st.st_gid);
		name = g ? g->gr_name : gid;
		snprintf(buf, len, " (open to group %s: %s %s, then log in again)",
			 name, "sudo adduser \"$USER\"", name);
		return buf;
	}
	return " (root only: install gosync's udev rule, which opens it to group gosync)";
}

int cli_dev(struct cli_ctx *ctx)
{
	char buf[192];
	int err;

	if (ctx->dev >= 0)
		return ctx->dev;
	ctx->dev = gosync_dev_open();
	if (ctx->dev < 0) {
		err = errno;
		fprintf(stderr, "gosync: %s: %s%s\n", GOSYNC_DEVICE, strerror(err),
			dev_hint(err, buf, sizeof(buf)));
		errno = err;
	}
	return ctx->dev;
}

int cli_open(struct cli_ctx *ctx, const char *name, unsigned int type)
{
	struct gosync_info info;
	int dev = cli_dev(ctx);
	int fd, err;

	if (dev < 0)
		return -1;
	fd = gosync_open_owner(dev, name, type, ctx->owner_uid, ctx->owner_gid);
	if (fd >= 0)
		return fd;
	err = errno;
	if (err == EPERM && (ctx->owner_uid != (uid_t)-1 || ctx->owner_gid != (gid_t)-1)) {
		fprintf(stderr, "gosync: %s %s: not owned by %s (%s)\n", ctx->cmdline, name,
			ctx->owner_gid == (gid_t)-1 ? "that user" : "that user and group",
			strerror(err));
		errno = err;
		return -1;
	}
	/* EINVAL for a well-formed name: say which type the object has. */
	if (err == EINVAL && type) {
		int any = gosync_open(dev, name, 0);

		if (any >= 0 && !gosync_info(any, &info)) {
			const char *t = gosync_type_name(info.type);

			fprintf(stderr, "gosync: %s %s: is a %s, not a %s\n",
				ctx->cmdline, name, t ? t : "object of unknown type",
				gosync_type_name(type));
			close(any);
			errno = err;
			return -1;
		}
		if (any >= 0)
			close(any);
	}
	errno = err;
	cli_fail(ctx, name);
	return -1;
}

int cli_fail(const struct cli_ctx *ctx, const char *what)
{
	int err = errno;

	if (what)
		fprintf(stderr, "gosync: %s %s: %s\n", ctx->cmdline, what,
			strerror(err));
	else
		fprintf(stderr, "gosync: %s: %s\n", ctx->cmdline, strerror(err));
	return CLI_EXIT_FAIL;
}

int cli_usage(const struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gosync: %s%s", ctx->cmdline,
		ctx->cmdline[0] ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'gosync%s%s --help'.\n",
		ctx->cmdline[0] ? " " : "", ctx->cmdline);
	return CLI_EXIT_USAGE;
}

bool cli_i64(const struct cli_ctx *ctx, const char *what, const char *s, int64_t *v)
{
	if (opt_i64(s, v))
		return true;
	cli_usage(ctx, "%s '%s' is not a signed 64-bit decimal number", what, s);
	return false;
}

void json_head(const char *name, const char *op)
{
	printf("{\"name\":");
	json_str(stdout, name);
	printf(",\"op\":\"%s\"", op);
}
