/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmdtable.h: every gosync command and object type, in one table for the
 * tests that go through the commands one by one (badinput, faultinject,
 * fuzz, padding, unpriv, version).
 *
 * For each command cmd_table[] gives the kernel's struct (its size and the
 * size of its first version), the fd it goes to (/dev/gosync, or an object
 * of the types it takes), whether it may block or needs CAP_SYS_ADMIN,
 * whether it returns an fd, the fields the kernel writes back, and a
 * builder of a valid, minimal argument that does not block.
 *
 * cmdtable_check() compares the table with what GOSYNC_IOC_VERSION reports
 * (dev_cmds, obj_cmds, types) and fails the test on any difference: a
 * command or type added to the module must be added here, and the tests
 * that iterate the table then cover it, or fail until they do.
 *
 * Adding a command: one cmd_table[] entry (in command number order) with its
 * builder; then run the tests above: each says what it still needs (a
 * faultinject sweep with a state check, a fuzz template, ...).
 */
#ifndef GOSYNC_TESTS_CMDTABLE_H
#define GOSYNC_TESTS_CMDTABLE_H

#include <sys/ioctl.h>

#include "tap.h"

/* Object types, as VERSION's types mask counts them. */
static const struct cmd_type {
	uint32_t type;		/* GOSYNC_TYPE_* */
	const char *name;
} cmd_types[] = {
	{ GOSYNC_TYPE_COUNTER, "counter" },
	{ GOSYNC_TYPE_MAP, "map" },
	{ GOSYNC_TYPE_MUTEX, "mutex" },
	{ GOSYNC_TYPE_RWMUTEX, "rwmutex" },
	{ GOSYNC_TYPE_WAITGROUP, "waitgroup" },
	{ GOSYNC_TYPE_ONCE, "once" },
	{ GOSYNC_TYPE_CHAN, "chan" },
	{ GOSYNC_TYPE_SEM, "sem" },
	{ GOSYNC_TYPE_COND, "cond" },
};

#define NR_CMD_TYPES (sizeof(cmd_types) / sizeof(cmd_types[0]))
#define CMD_TYPE_BIT(t) (1ULL << GOSYNC_TYPE_##t)
/* Object commands that take any object */
#define CMD_ANY_OBJECT (CMD_TYPE_BIT(COUNTER) | CMD_TYPE_BIT(MAP) | CMD_TYPE_BIT(MUTEX) | \
			CMD_TYPE_BIT(RWMUTEX) | CMD_TYPE_BIT(WAITGROUP) | CMD_TYPE_BIT(ONCE) | \
			CMD_TYPE_BIT(CHAN) | CMD_TYPE_BIT(SEM) | CMD_TYPE_BIT(COND))

/*
 * What a builder may use: the device, one object of every type (by
 * GOSYNC_TYPE_*), a name that exists and a name UNLINK's builder creates.
 * cmd_env_init() makes them, cmd_env_fini() removes them.
 */
struct cmd_env {
	int dev;
	int obj[64];
	char name[GOSYNC_NAME_MAX];		/* a counter, mode 0666 */
	char unlink_name[GOSYNC_NAME_MAX];
};

/* Bytes of a command's struct that the kernel writes and never reads. */
struct cmd_out {
	uint16_t off, len;
};

#define CMD_OUT(s, first, last) \
	{ offsetof(struct s, first), \
	  offsetof(struct s, last) + sizeof(((struct s *)0)->last) - offsetof(struct s, first) }

/* cmd_desc.flags */
#define CMD_BLOCKS	(1U << 0)	/* may sleep as long as its argument says */
#define CMD_ADMIN	(1U << 1)	/* EPERM without CAP_SYS_ADMIN */
#define CMD_RETURNS_FD	(1U << 2)	/* returns a new fd */

struct cmd_desc {
	const char *name;
	unsigned int nr;		/* GOSYNC_CMD_* */
	unsigned long ioc;		/* GOSYNC_IOC_* */
	uint32_t size;			/* the kernel's struct */
	uint32_t min_size;		/* its first version, if smaller (else 0) */
	uint64_t types;			/* object commands: 1 << GOSYNC_TYPE_* it takes */
	unsigned int flags;		/* CMD_* */
	/* bits of the word after size that the builder's argument may have */
	uint32_t flags_ok;		/* (any other: EINVAL) */
	struct cmd_out out[3];		/* output fields (len 0 ends the list) */
	/*
	 * Fill a zeroed @arg (not its size) with a valid argument for an
	 * object of @type (0 on /dev/gosync). The call must succeed and not
	 * block; the builder may prepare for that (UNLINK's creates the name,
	 * MUTEX's unlocks the mutex it will TryLock).
	 */
	void (*build)(void *arg, const struct cmd_env *env, uint32_t type);
};

/* ---- builders ---- */

static struct gosync_info cmd_list_entries[4];
static struct gosync_state cmd_list_states[4];
static struct gosync_state cmd_info_state;
static struct gosync_op cmd_batch_op;
static struct gosync_map_op cmd_batch_map_op;
static uint64_t cmd_range_buf[512];
static struct gosync_wait_case cmd_wait_case;

static void cmd_build_none(void *arg, const struct cmd_env *env, uint32_t type)
{
	(void)arg; (void)env; (void)type;
}

static void cmd_build_create(void *arg, const struct cmd_env *env, uint32_t type)
{
	struct gosync_create *c = arg;

	(void)env; (void)type;
	c->type = GOSYNC_TYPE_COUNTER;
	c->counter.mode = GOSYNC_COUNTER_ATOMIC;
}

static void cmd_build_open(void *arg, const struct cmd_env *env, uint32_t type)
{
	(void)type;
	((struct gosync_open *)arg)->name = (uintptr_t)env->name;
}

/* Each UNLINK that succeeds consumes the name: make sure it exists. */
static void cmd_build_unlink(void *arg, const struct cmd_env *env, uint32_t type)
{
	int fd = gosync_counter_create(env->dev, env->unlink_name, 0, GOSYNC_COUNTER_ATOMIC, 0);

	(void)type;
	if (fd >= 0)
		close(fd);
	((struct gosync_unlink *)arg)->name = (uintptr_t)env->unlink_name;
}

static void cmd_build_list(void *arg, const struct cmd_env *env, uint32_t type)
{
	struct gosync_list *l = arg;

	(void)env; (void)type;
	l->entries = (uintptr_t)cmd_list_entries;
	l->entry_size = sizeof(cmd_list_entries[0]);
	l->count = 4;
	l->states = (uintptr_t)cmd_list_states;
	l->state_size = sizeof(cmd_list_states[0]);
}

/* INFO with the state (not the holders: nr_holders is written back) */
static void cmd_build_info(void *arg, const struct cmd_env *env, uint32_t type)
{
	struct gosync_info_cmd *c = arg;

	(void)env; (void)type;
	c->state = (uintptr_t)&cmd_info_state;
	c->state_size = sizeof(cmd_info_state);
}

static void cmd_build_torture(void *arg, const struct cmd_env *env, uint32_t type)
{
	struct gosync_torture *t = arg;

	(void)env; (void)type;
	t->type = GOSYNC_TYPE_COUNTER;
	t->subtype = GOSYNC_COUNTER_ATOMIC;
	t->nr_writers = 1;
	t->duration_ms = 1;
}

static void cmd_build_counter(void *arg, const struct cmd_env *env, uint32_t type)
{
	(void)env; (void)type;
	((struct gosync_counter_cmd *)arg)->op = GOSYNC_OP_LOAD;
}

/* One op that changes nothing: a counter Load or a map Len. */
static void cmd_build_batch(void *arg, const struct cmd_env *env, uint32_t type)
{
	struct gosync_batch *b = arg;

	(void)env;
	if (type == GOSYNC_TYPE_MAP) {
		cmd_batch_map_op = (struct gosync_map_op){ .op = GOSYNC_MAP_LEN };
		b->ops = (uintptr_t)&cmd_batch_map_op;
		b->op_size = sizeof(cmd_batch_map_op);
	} else {
		cmd_batch_op = (struct gosync_op){ .op = GOSYNC_OP_LOAD };
		b->ops = (uintptr_t)&cmd_batch_op;
		b->op_size = sizeof(cmd_batch_op);
	}
	b->count = 1;
}

/* Len: the only op that never waits. */
static void cmd_build_chan(void *arg, const struct cmd_env *env, uint32_t type)
{
	(void)env; (void)type;
	((struct gosync_chan_cmd *)arg)->op = GOSYNC_CHAN_LEN;
}

/* A select with one case that is ready: the WaitGroup's counter is zero. */
static void cmd_build_wait(void *arg, const struct cmd_env *env, uint32_t type)
{
	struct gosync_wait *w = arg;

	(void)type;
	cmd_wait_case = (struct gosync_wait_case){
		.fd = env->obj[GOSYNC_TYPE_WAITGROUP], .op = GOSYNC_CASE_WG_ZERO,
	};
	w->cases = (uintptr_t)&cmd_wait_case;
	w->count = 1;
}

/* Load: the only op that neither waits nor changes the permits. */
static void cmd_build_sem(void *arg, const struct cmd_env *env, uint32_t type)
{
	(void)env; (void)type;
	((struct gosync_sem_cmd *)arg)->op = GOSYNC_SEM_LOAD;
}

/* Signal, with nobody waiting: wakes nobody. */
static void cmd_build_cond(void *arg, const struct cmd_env *env, uint32_t type)
{
	(void)env; (void)type;
	((struct gosync_cond_cmd *)arg)->op = GOSYNC_COND_SIGNAL;
}

/* TryLock, after an Unlock (EPERM if not locked) so that it succeeds. */
static void cmd_build_lock(void *arg, const struct cmd_env *env, uint32_t type)
{
	unsigned long ioc = type == GOSYNC_TYPE_MUTEX ? GOSYNC_IOC_MUTEX : GOSYNC_IOC_RWMUTEX;

	gosync_lock_op(env->obj[type], ioc, GOSYNC_LOCK_UNLOCK, -1);
	((struct gosync_lock_cmd *)arg)->op = GOSYNC_LOCK_TRYLOCK;
}

static void cmd_build_waitgroup(void *arg, const struct cmd_env *env, uint32_t type)
{
	(void)env; (void)type;
	((struct gosync_waitgroup_cmd *)arg)->op = GOSYNC_WG_LOAD;
}

static void cmd_build_once(void *arg, const struct cmd_env *env, uint32_t type)
{
	(void)env; (void)type;
	((struct gosync_once_cmd *)arg)->op = GOSYNC_ONCE_LOAD;
}

static void cmd_build_map(void *arg, const struct cmd_env *env, uint32_t type)
{
	(void)env; (void)type;
	((struct gosync_map_cmd *)arg)->op.op = GOSYNC_MAP_LEN;
}

static void cmd_build_map_range(void *arg, const struct cmd_env *env, uint32_t type)
{
	struct gosync_map_range *r = arg;

	(void)env; (void)type;
	r->buf = (uintptr_t)cmd_range_buf;
	r->buf_len = sizeof(cmd_range_buf);
}

/* ---- the table, in command number order ---- */

#define CMD(_name, _NR, _struct) \
	.name = _name, .nr = GOSYNC_CMD_##_NR, .ioc = GOSYNC_IOC_##_NR, \
	.size = sizeof(struct _struct)

static const struct cmd_desc cmd_table[] = {
	{ CMD("version", VERSION, gosync_version), .min_size = GOSYNC_VERSION_SIZE_VER0,
	  .out = { CMD_OUT(gosync_version, api_version, features) },
	  .build = cmd_build_none },
	{ CMD("create", CREATE, gosync_create), .flags = CMD_RETURNS_FD,
	  .flags_ok = GOSYNC_CREATE_MAPPED,	/* an atomic counter maps */
	  .build = cmd_build_create },
	{ CMD("open", OPEN, gosync_open), .flags = CMD_RETURNS_FD,
	  .min_size = offsetof(struct gosync_open, uid),
	  .flags_ok = GOSYNC_OPEN_UID | GOSYNC_OPEN_GID, .build = cmd_build_open },
	{ CMD("unlink", UNLINK, gosync_unlink), .min_size = offsetof(struct gosync_unlink, id),
	  .build = cmd_build_unlink },
	/* states, state_size came with the state (issue 16) */
	{ CMD("list", LIST, gosync_list), .min_size = offsetof(struct gosync_list, states),
	  .out = { CMD_OUT(gosync_list, total, total) },
	  .build = cmd_build_list },
	{ CMD("torture", TORTURE, gosync_torture), .flags = CMD_BLOCKS | CMD_ADMIN,
	  .out = { CMD_OUT(gosync_torture, errors, errors),
		   CMD_OUT(gosync_torture, write_ops, lost) },
	  .build = cmd_build_torture },
	{ CMD("wait", WAIT, gosync_wait), .flags = CMD_BLOCKS,
	  .flags_ok = GOSYNC_WAIT_TIMEOUT | GOSYNC_WAIT_ABSTIME | GOSYNC_WAIT_REALTIME |
		      GOSYNC_WAIT_NONBLOCK | GOSYNC_WAIT_ALL | GOSYNC_WAIT_ORDERED,
	  .out = { CMD_OUT(gosync_wait, index, index) },
	  .build = cmd_build_wait },
	/* state and holders came later */
	{ CMD("info", INFO, gosync_info_cmd), .min_size = offsetof(struct gosync_info_cmd, state),
	  .types = CMD_ANY_OBJECT,
	  .out = { CMD_OUT(gosync_info_cmd, info, info) },
	  .build = cmd_build_info },
	{ CMD("counter", COUNTER, gosync_counter_cmd), .types = CMD_TYPE_BIT(COUNTER),
	  .flags_ok = GOSYNC_OP_F_APPROX, .out = { CMD_OUT(gosync_counter_cmd, result, result) },
	  .build = cmd_build_counter },
	{ CMD("batch", BATCH, gosync_batch), .types = CMD_TYPE_BIT(COUNTER) | CMD_TYPE_BIT(MAP),
	  .flags_ok = GOSYNC_BATCH_STOP_ON_ERROR, .out = { CMD_OUT(gosync_batch, done, done) },
	  .build = cmd_build_batch },
	{ CMD("mutex", MUTEX, gosync_lock_cmd), .types = CMD_TYPE_BIT(MUTEX),
	  .flags = CMD_BLOCKS, .build = cmd_build_lock },
	{ CMD("rwmutex", RWMUTEX, gosync_lock_cmd), .types = CMD_TYPE_BIT(RWMUTEX),
	  .flags = CMD_BLOCKS, .build = cmd_build_lock },
	{ CMD("waitgroup", WAITGROUP, gosync_waitgroup_cmd), .types = CMD_TYPE_BIT(WAITGROUP),
	  .flags = CMD_BLOCKS, .out = { CMD_OUT(gosync_waitgroup_cmd, counter, counter) },
	  .build = cmd_build_waitgroup },
	/* buf, len and __reserved came with OnceValue */
	{ CMD("once", ONCE, gosync_once_cmd), .min_size = offsetof(struct gosync_once_cmd, buf),
	  .types = CMD_TYPE_BIT(ONCE),
	  .flags = CMD_BLOCKS, .out = { CMD_OUT(gosync_once_cmd, result, result) },
	  .build = cmd_build_once },
	{ CMD("map", MAP, gosync_map_cmd), .types = CMD_TYPE_BIT(MAP),
	  .out = { CMD_OUT(gosync_map_cmd, op.out_len, op.result) },
	  .build = cmd_build_map },
	{ CMD("map_range", MAP_RANGE, gosync_map_range), .types = CMD_TYPE_BIT(MAP),
	  .out = { CMD_OUT(gosync_map_range, count, count),
		   CMD_OUT(gosync_map_range, needed, done) },
	  .build = cmd_build_map_range },
	{ CMD("chan", CHAN, gosync_chan_cmd), .types = CMD_TYPE_BIT(CHAN), .flags = CMD_BLOCKS,
	  .out = { CMD_OUT(gosync_chan_cmd, done, msg_max) },
	  .build = cmd_build_chan },
	{ CMD("sem", SEM, gosync_sem_cmd), .types = CMD_TYPE_BIT(SEM), .flags = CMD_BLOCKS,
	  .out = { CMD_OUT(gosync_sem_cmd, sem_size, held) },
	  .build = cmd_build_sem },
	{ CMD("cond", COND, gosync_cond_cmd), .types = CMD_TYPE_BIT(COND), .flags = CMD_BLOCKS,
	  .out = { CMD_OUT(gosync_cond_cmd, waiters, waiters) },
	  .build = cmd_build_cond },
};

#define NR_CMDS (sizeof(cmd_table) / sizeof(cmd_table[0]))
#define for_each_cmd(c) for (const struct cmd_desc *c = cmd_table; c < cmd_table + NR_CMDS; c++)
/*
 * Does command @c go to an object of @type (or, for @type 0, to the
 * device)? Tests loop over types 0..63 with it.
 */
static inline bool cmd_takes(const struct cmd_desc *c, uint32_t type)
{
	return c->types ? type < 64 && (c->types >> type & 1) : type == 0;
}

static inline const char *cmd_type_name(uint32_t type)
{
	for (size_t i = 0; i < NR_CMD_TYPES; i++)
		if (cmd_types[i].type == type)
			return cmd_types[i].name;
	return "?";
}

/* A test name for @c on @type: "counter", or "batch-map" if @c takes several types. */
static inline const char *cmd_label(const struct cmd_desc *c, uint32_t type, char buf[64])
{
	if (__builtin_popcountll(c->types) > 1)
		snprintf(buf, 64, "%s-%s", c->name, cmd_type_name(type));
	else
		snprintf(buf, 64, "%s", c->name);
	return buf;
}

/* The entry for command number @nr, or NULL. */
static inline const struct cmd_desc *cmd_find(unsigned int nr)
{
	for_each_cmd(c)
		if (c->nr == nr)
			return c;
	return NULL;
}

/* The smallest size the kernel accepts (EINVAL below). */
static inline uint32_t cmd_min_size(const struct cmd_desc *c)
{
	return c->min_size ?: c->size;
}

/* Does the kernel write anything back? */
static inline bool cmd_writes_back(const struct cmd_desc *c)
{
	return c->out[0].len != 0;
}

/* Zero @room bytes of @buf, build @c's argument for @type there, set its size. */
static inline void *cmd_build(const struct cmd_desc *c, void *buf, size_t room, uint32_t size,
			      const struct cmd_env *env, uint32_t type)
{
	memset(buf, 0, room);
	c->build(buf, env, type);
	*(uint32_t *)buf = size;
	return buf;
}

/* The fd @c goes to: the device, or @env's object of @type. */
static inline int cmd_fd(const struct cmd_desc *c, const struct cmd_env *env, uint32_t type)
{
	return c->types ? env->obj[type] : env->dev;
}

/* Run @c with @arg; an fd it returns is closed (and 0 returned). */
static inline long cmd_call(const struct cmd_desc *c, const struct cmd_env *env, uint32_t type,
			    void *arg)
{
	long ret = ioctl(cmd_fd(c, env, type), c->ioc, arg);

	if (ret >= 0 && (c->flags & CMD_RETURNS_FD)) {
		int e = errno;

		close((int)ret);
		errno = e;
		ret = 0;
	}
	return ret;
}

/* An object of @type with harmless attributes (anonymous if @name is NULL). */
static inline int cmd_create(int dev, uint32_t type, const char *name, uint32_t perm)
{
	struct gosync_create c = { .type = type, .perm = perm, .name = (uintptr_t)name };

	if (type == GOSYNC_TYPE_COUNTER)
		c.counter.mode = GOSYNC_COUNTER_ATOMIC;
	if (type == GOSYNC_TYPE_MAP)
		c.map.backend = GOSYNC_MAP_RCU;
	if (type == GOSYNC_TYPE_SEM)
		c.sem.size = 4;
	if (type == GOSYNC_TYPE_COND) {
		/* The Cond keeps its Mutex alive: no need to keep the fd. */
		int mu = gosync_mutex_create(dev, NULL, 0, 0), fd, e;

		if (mu < 0)
			return -1;
		c.cond.mutex_fd = mu;
		fd = gosync_create(dev, &c);
		e = errno;
		close(mu);
		errno = e;
		return fd;
	}
	return gosync_create(dev, &c);
}

/*
 * cmd_env_init() - one object of every type on @dev, and the names (made by
 * tap_name(), so tap_done() unlinks them too). False if any create failed.
 */
static inline bool cmd_env_init(struct cmd_env *env, int dev)
{
	int fd;

	memset(env, 0, sizeof(*env));
	env->dev = dev;
	for (size_t i = 0; i < 64; i++)
		env->obj[i] = -1;
	for (size_t i = 0; i < NR_CMD_TYPES; i++) {
		env->obj[cmd_types[i].type] = cmd_create(dev, cmd_types[i].type, NULL, 0);
		CHECK(env->obj[cmd_types[i].type] >= 0, "create a %s: %s", cmd_types[i].name,
		      tap_errname(errno));
	}
	tap_name(env->name, "cmd-open");
	tap_name(env->unlink_name, "cmd-unlink");
	fd = gosync_counter_create(dev, env->name, 0666, GOSYNC_COUNTER_ATOMIC, 0);
	CHECK(fd >= 0, "create %s: %s", env->name, tap_errname(errno));
	close(fd);
	return true;
}

static inline void cmd_env_fini(struct cmd_env *env)
{
	for (size_t i = 0; i < 64; i++)
		if (env->obj[i] >= 0)
			close(env->obj[i]);
	gosync_unlink(env->dev, env->name);
	gosync_unlink(env->dev, env->unlink_name);
}

/* The lowest bit set in @a but not in @b, or -1. */
static inline int cmd_first_extra(uint64_t a, uint64_t b)
{
	a &= ~b;
	return a ? __builtin_ctzll(a) : -1;
}

/*
 * cmdtable_check() - does cmd_table[] list exactly the commands and types
 * the module reports in GOSYNC_IOC_VERSION? False, with the first
 * difference as the reason, if not.
 */
static inline bool cmdtable_check(int dev)
{
	uint64_t dev_cmds = 0, obj_cmds = 0, types = 0;
	struct gosync_version v;
	int nr;

	CHECK(gosync_version(dev, &v) == 0, "VERSION: %s", tap_errname(errno));
	for (size_t i = 0; i < NR_CMD_TYPES; i++)
		types |= 1ULL << cmd_types[i].type;
	for_each_cmd(c) {
		CHECK(c->nr < 2 * GOSYNC_CMD_OBJ_BASE &&
		      (c->nr < GOSYNC_CMD_OBJ_BASE) == !c->types && !(c->types & ~types),
		      "cmd_table entry %s: nr %#x does not fit its types %#" PRIx64, c->name,
		      c->nr, c->types);
		if (c->nr < GOSYNC_CMD_OBJ_BASE)
			dev_cmds |= 1ULL << c->nr;
		else
			obj_cmds |= 1ULL << (c->nr - GOSYNC_CMD_OBJ_BASE);
	}
	nr = cmd_first_extra(v.dev_cmds, dev_cmds);
	CHECK(nr < 0, "the module has /dev/gosync command %#x, which cmdtable.h does not list",
	      nr);
	nr = cmd_first_extra(v.obj_cmds, obj_cmds);
	CHECK(nr < 0, "the module has object command %#x, which cmdtable.h does not list",
	      GOSYNC_CMD_OBJ_BASE + nr);
	/* GOSYNC_IOC_TORTURE is only in test builds (GOSYNC_TORTURE=1: Kbuild) */
	if (!(v.dev_cmds & (1ULL << GOSYNC_CMD_TORTURE)))
		dev_cmds &= ~(1ULL << GOSYNC_CMD_TORTURE);
	nr = cmd_first_extra(dev_cmds, v.dev_cmds);
	CHECK(nr < 0, "cmdtable.h lists /dev/gosync command %#x (%s), which the module does "
	      "not report", nr, cmd_find(nr)->name);
	nr = cmd_first_extra(obj_cmds, v.obj_cmds);
	CHECK(nr < 0, "cmdtable.h lists object command %#x (%s), which the module does not "
	      "report", GOSYNC_CMD_OBJ_BASE + nr, cmd_find(GOSYNC_CMD_OBJ_BASE + nr)->name);
	nr = cmd_first_extra(v.types, types);
	CHECK(nr < 0, "the module has object type %d, which cmdtable.h does not list", nr);
	nr = cmd_first_extra(types, v.types);
	CHECK(nr < 0, "cmdtable.h lists object type %d (%s), which the module does not report",
	      nr, cmd_type_name(nr));
	return true;
}

#endif /* GOSYNC_TESTS_CMDTABLE_H */
