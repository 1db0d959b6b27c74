// SPDX-License-Identifier: GPL-2.0
/*
 * e2e: no uninitialized kernel bytes reach userspace.
 *
 * Every struct the kernel writes back is first filled with 0xAA (in its
 * output fields; input fields must be valid), and afterwards every byte is
 * checked: no 32-bit word may still be 0xAAAAAAAA (a field the kernel left
 * alone or copied from uninitialized memory), reserved fields and padding
 * are zero, names are NUL-padded, LIST entries larger than the kernel's are
 * zero-filled past its size, Range records are zero-padded, and no value
 * looks like a kernel pointer (0xffff8... / 0xffffffff8...).
 *
 * Besides the structs checked one by one below, every command of
 * cmdtable.h gets the generic check: its output fields (cmd_table[]'s out)
 * filled with 0xAA, a valid call must overwrite all of them and write
 * nothing past the caller's size; a command with no output fields must
 * leave its struct as it was.
 */
#include <sys/ioctl.h>

#include "cmdtable.h"

#define PAT 0xAA

static int dev;
static struct cmd_env env;

/* No untouched 0xAA word and no kernel-looking pointer in @len bytes. */
static bool clean(const void *p, size_t len, const char *what)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 4 <= len; i += 4)
		CHECK(memcmp(b + i, "\xAA\xAA\xAA\xAA", 4), "%s: bytes %zu..%zu still 0xAA",
		      what, i, i + 3);
	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t v;

		memcpy(&v, b + i, 8);
		CHECK((v >> 47) != 0x1ffff, "%s: kernel pointer %#" PRIx64 " at %zu", what, v, i);
	}
	return true;
}

static bool zero(const void *p, size_t len, const char *what)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		CHECK(!b[i], "%s: byte %zu is %#x, expected 0", what, i, b[i]);
	return true;
}

static bool info_ok(const struct gosync_info *in, const char *what)
{
	size_t nl = strnlen(in->name, sizeof(in->name));

	CHECK(nl < sizeof(in->name), "%s: name not terminated", what);
	if (!zero(in->name + nl, sizeof(in->name) - nl, what) ||
	    !zero(&in->token, sizeof(in->token), what))
		return false;
	return clean(in, offsetof(struct gosync_info, name), what);
}

static bool t_version(void)
{
	struct gosync_version v;

	memset(&v, PAT, sizeof(v));
	v.size = sizeof(v);
	v.flags = 0;
	CHECK_OK(ioctl(dev, GOSYNC_IOC_VERSION, &v));
	return clean(&v, sizeof(v), "version");
}

static bool t_info_list(void)
{
	int fds[6];
	struct gosync_info_cmd ic;
	size_t esz = sizeof(struct gosync_info) + 40;
	uint8_t *buf = malloc(esz * 64);
	struct gosync_list l;

	fds[0] = CHECK_OK(gosync_counter_create(dev, "pad-c", 0600, GOSYNC_COUNTER_PERCPU, 1));
	fds[1] = CHECK_OK(gosync_map_create(dev, NULL, 0, GOSYNC_MAP_RCU, 0, 0));
	fds[2] = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	fds[3] = CHECK_OK(gosync_rwmutex_create(dev, "p", 0600, 1));
	fds[4] = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	fds[5] = CHECK_OK(gosync_once_create(dev, NULL, 0, 1));
	for (int i = 0; i < 6; i++) {
		memset(&ic, PAT, sizeof(ic));
		ic.size = sizeof(ic);
		ic.flags = 0;
		ic.state = 0;
		ic.state_size = 0;
		ic.nr_holders = 0;
		ic.holders = 0;
		ic.__reserved = 0;
		CHECK_OK(ioctl(fds[i], GOSYNC_IOC_INFO, &ic));
		if (!info_ok(&ic.info, "info"))
			return false;
	}
	memset(buf, PAT, esz * 64);
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.entries = (uintptr_t)buf;
	l.entry_size = (uint32_t)esz;
	l.count = 64;
	memset(&l.total, PAT, sizeof(l.total));
	CHECK_OK(ioctl(dev, GOSYNC_IOC_LIST, &l));
	CHECK(l.count >= 6, "listed %u", l.count);
	for (unsigned int i = 0; i < l.count; i++) {
		if (!info_ok((struct gosync_info *)(buf + i * esz), "list entry") ||
		    !zero(buf + i * esz + sizeof(struct gosync_info), 40, "list entry tail"))
			return false;
	}
	CHECK(buf[l.count * esz] == PAT, "wrote past count entries");
	CHECK_OK(gosync_unlink(dev, "pad-c"));
	CHECK_OK(gosync_unlink(dev, "p"));
	for (int i = 0; i < 6; i++)
		close(fds[i]);
	free(buf);
	return true;
}

/*
 * INFO's state and holders, LIST's states: every byte written (comm
 * NUL-padded, the inline holders past nr_holders zero), nothing past the
 * holders that exist.
 */
static bool t_state(void)
{
	int m = CHECK_OK(gosync_mutex_create(dev, NULL, 0, 0));
	int rw = CHECK_OK(gosync_rwmutex_create(dev, "pad-rw", 0600, 0));
	int rw2 = CHECK_OK(gosync_open(dev, "pad-rw", 0));
	int s = CHECK_OK(gosync_sem_create(dev, NULL, 0, 5, 0));
	int fds[3] = { m, rw, s };
	struct gosync_holder hs[4];
	struct gosync_state st, sts[64];
	struct gosync_info infos[64];
	struct gosync_info_cmd ic;
	struct gosync_list l;

	CHECK_OK(gosync_lock_op(m, GOSYNC_IOC_MUTEX, GOSYNC_LOCK_LOCK, -1));
	CHECK_OK(gosync_lock_op(rw, GOSYNC_IOC_RWMUTEX, GOSYNC_LOCK_RLOCK, -1));
	CHECK_OK(gosync_lock_op(rw2, GOSYNC_IOC_RWMUTEX, GOSYNC_LOCK_RLOCK, -1));
	CHECK_OK(gosync_sem_acquire(s, 2, -1));
	for (int i = 0; i < 3; i++) {
		memset(&st, PAT, sizeof(st));
		memset(hs, PAT, sizeof(hs));
		memset(&ic, 0, sizeof(ic));
		ic.size = sizeof(ic);
		ic.state = (uintptr_t)&st;
		ic.state_size = sizeof(st);
		ic.holders = (uintptr_t)hs;
		ic.nr_holders = 4;
		CHECK_OK(ioctl(fds[i], GOSYNC_IOC_INFO, &ic));
		CHECK(ic.nr_holders == (i == 1 ? 2U : 1U), "holders %u", ic.nr_holders);
		if (!clean(&st, sizeof(st), "state") ||
		    !clean(hs, ic.nr_holders * sizeof(hs[0]), "holders"))
			return false;
		CHECK(((uint8_t *)&hs[ic.nr_holders])[0] == PAT, "wrote past nr_holders");
	}
	memset(sts, PAT, sizeof(sts));
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.entries = (uintptr_t)infos;
	l.entry_size = sizeof(infos[0]);
	l.count = 64;
	l.states = (uintptr_t)sts;
	l.state_size = sizeof(sts[0]);
	CHECK_OK(ioctl(dev, GOSYNC_IOC_LIST, &l));
	CHECK(l.count >= 3, "listed %u", l.count);
	for (unsigned int i = 0; i < l.count; i++)
		if (!clean(&sts[i], sizeof(sts[i]), "list state"))
			return false;
	CHECK(((uint8_t *)&sts[l.count])[0] == PAT, "wrote past count states");
	CHECK_OK(gosync_unlink(dev, "pad-rw"));
	close(m);
	close(rw);
	close(rw2);
	close(s);
	return true;
}

static bool t_counter_batch(void)
{
	int fd = CHECK_OK(gosync_counter_create(dev, NULL, 0, GOSYNC_COUNTER_ATOMIC, 0));
	struct gosync_counter_cmd c;
	struct gosync_op ops[4];
	struct gosync_batch b;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.op = GOSYNC_OP_ADD;
	c.arg = 1;
	memset(&c.result, PAT, sizeof(c.result));
	CHECK_OK(ioctl(fd, GOSYNC_IOC_COUNTER, &c));
	if (!clean(&c, sizeof(c), "counter"))
		return false;
	memset(ops, 0, sizeof(ops));
	for (int i = 0; i < 4; i++) {
		ops[i].op = i == 3 ? 99 : GOSYNC_OP_ADD;	/* the last fails */
		ops[i].arg = 1;
		memset(&ops[i].result, PAT, sizeof(ops[i].result));
		memset(&ops[i].error, PAT, sizeof(ops[i].error));
	}
	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.ops = (uintptr_t)ops;
	b.count = 4;
	b.op_size = sizeof(ops[0]);
	memset(&b.done, PAT, sizeof(b.done));
	CHECK_OK(ioctl(fd, GOSYNC_IOC_BATCH, &b));
	if (!clean(&b, sizeof(b), "batch") || !clean(ops, sizeof(ops), "batch ops"))
		return false;
	CHECK_EQ(ops[3].error, -EINVAL);
	CHECK_EQ(ops[3].result, 0);
	close(fd);
	return true;
}

static bool t_sync(void)
{
	int wg = CHECK_OK(gosync_waitgroup_create(dev, NULL, 0));
	int once = CHECK_OK(gosync_once_create(dev, NULL, 0, 0));
	struct gosync_waitgroup_cmd w;
	struct gosync_once_cmd o;

	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.op = GOSYNC_WG_ADD;
	w.delta = 2;
	memset(&w.counter, PAT, sizeof(w.counter));
	CHECK_OK(ioctl(wg, GOSYNC_IOC_WAITGROUP, &w));
	if (!clean(&w, sizeof(w), "waitgroup"))
		return false;
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.op = GOSYNC_ONCE_LOAD;
	memset(&o.result, PAT, sizeof(o.result));
	CHECK_OK(ioctl(once, GOSYNC_IOC_ONCE, &o));
	CHECK_EQ(o.result, 0);
	close(wg);
	close(once);
	return true;
}

static bool t_map(void)
{
	int fd = CHECK_OK(gosync_map_create(dev, NULL, 0, GOSYNC_MAP_SPIN, 0, 0));
	struct gosync_map_cmd c;
	uint8_t out[64], rbuf[4096];
	struct gosync_map_range r;
	size_t off = 0;

	CHECK_OK(gosync_map_store(fd, "k", 1, "vvv", 3));
	CHECK_OK(gosync_map_store(fd, "key2", 4, "", 0));
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.op.op = GOSYNC_MAP_LOAD;
	c.op.key = (uintptr_t)"k";
	c.op.key_len = 1;
	c.op.out = (uintptr_t)out;
	c.op.out_cap = sizeof(out);
	memset(&c.op.out_len, PAT, 4 + 4 + 8);	/* out_len, error, result */
	CHECK_OK(ioctl(fd, GOSYNC_IOC_MAP, &c));
	if (!clean(&c, sizeof(c), "map op"))
		return false;
	CHECK_EQ(c.op.out_len, 3);
	/* EOVERFLOW also writes the struct back */
	c.op.out_cap = 1;
	memset(&c.op.out_len, PAT, 16);
	CHECK_ERRNO(ioctl(fd, GOSYNC_IOC_MAP, &c), EOVERFLOW, false);
	if (!clean(&c, sizeof(c), "map op EOVERFLOW"))
		return false;
	memset(rbuf, PAT, sizeof(rbuf));
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.buf = (uintptr_t)rbuf;
	r.buf_len = sizeof(rbuf);
	CHECK_OK(ioctl(fd, GOSYNC_IOC_MAP_RANGE, &r));
	CHECK_EQ(r.count, 2);
	for (unsigned int i = 0; i < r.count; i++) {
		struct gosync_map_entry e;
		size_t sz;

		memcpy(&e, rbuf + off, sizeof(e));
		sz = GOSYNC_MAP_ENTRY_SIZE(e.key_len, e.value_len);
		if (!zero(rbuf + off + sizeof(e) + e.key_len + e.value_len,
			  sz - sizeof(e) - e.key_len - e.value_len, "range record padding"))
			return false;
		off += sz;
	}
	CHECK(rbuf[off] == PAT, "range wrote past its records");
	if (!clean(&r, sizeof(r), "range"))
		return false;
	close(fd);
	return true;
}

static bool t_torture(void)
{
	struct gosync_torture_thread th[3];
	struct gosync_torture t;

	memset(th, PAT, sizeof(th));
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.type = GOSYNC_TYPE_RWMUTEX;
	t.nr_writers = 1;
	t.nr_readers = 2;
	t.duration_ms = 20;
	t.threads = (uintptr_t)th;
	CHECK_OK(ioctl(dev, GOSYNC_IOC_TORTURE, &t));
	for (int i = 0; i < 3; i++)
		if (!zero(&th[i].__reserved, 4, "torture thread reserved"))
			return false;
	CHECK_EQ(th[0].writer, 1);
	return true;
}

/* The generic check of @c on an object of @type (0: the device). */
static bool t_command(const struct cmd_desc *c, uint32_t type)
{
	uint8_t arg[512], before[512];
	size_t tail = 64;

	CHECK(c->size + tail <= sizeof(arg), "%s: struct of %u bytes", c->name, c->size);
	memset(arg, PAT, sizeof(arg));
	cmd_build(c, arg, c->size, c->size, &env, type);
	for (int i = 0; i < 3 && c->out[i].len; i++)
		memset(arg + c->out[i].off, PAT, c->out[i].len);
	memcpy(before, arg, sizeof(arg));
	CHECK_OK(cmd_call(c, &env, type, arg));
	CHECK(!memcmp(arg + c->size, before + c->size, tail),
	      "%s: wrote past the caller's size", c->name);
	if (!cmd_writes_back(c))
		CHECK(!memcmp(arg, before, c->size), "%s: changed a struct it has no outputs in",
		      c->name);
	return clean(arg, c->size, c->name);
}

static void t_commands(void)
{
	if (!tap_report(cmd_env_init(&env, dev), "padding-setup"))
		return;
	for_each_cmd(c) {
		for (uint32_t type = 0; type < 64; type++) {
			char nm[64];

			if (cmd_takes(c, type))
				tap_report(t_command(c, type), "padding-cmd-%s",
					   cmd_label(c, type, nm));
		}
	}
	cmd_env_fini(&env);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = tap_dev("padding");
	tap_report(cmdtable_check(dev), "padding-cmdtable");
	tap_report(t_version(), "padding-version");
	tap_report(t_info_list(), "padding-info-list");
	tap_report(t_state(), "padding-state");
	tap_report(t_counter_batch(), "padding-counter-batch");
	tap_report(t_sync(), "padding-waitgroup-once");
	tap_report(t_map(), "padding-map-range");
	tap_report(t_torture(), "padding-torture");
	t_commands();
	return tap_done(dev, "padding");
}
