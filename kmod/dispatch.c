// SPDX-License-Identifier: GPL-2.0
/*
 * gosync dispatch: the type registry and the one generic ioctl path.
 *
 * As in iommufd: every command names its struct and the size of that
 * struct's first version (struct gs_cmd). The generic path reads the size,
 * refuses anything over a page, copies the struct into a buffer on the
 * stack with copy_struct_from_user() (E2BIG for unknown nonzero bytes) and
 * calls the handler; handlers never touch the command struct in user
 * memory, and copy back with gs_respond(). /dev/gosync's commands are in
 * gs_dev_cmds[]; an object's commands are INFO, BATCH (for types with a
 * batch op) and its type's own, from its struct gs_type.
 *
 * The registry, gs_types[], is the one list of object types: CREATE, the
 * command lookup, BATCH and VERSION's feature bits are all derived from it.
 */
#include <linux/cacheinfo.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/time_namespace.h>
#include <linux/uaccess.h>

#include "internal.h"

/* The registry: one line per object type. */
static const struct gs_type *const gs_types[] = {
	[GOSYNC_TYPE_COUNTER] = &gs_counter_type,
	[GOSYNC_TYPE_MAP] = &gs_map_type,
	[GOSYNC_TYPE_MUTEX] = &gs_mutex_type,
	[GOSYNC_TYPE_RWMUTEX] = &gs_rwmutex_type,
	[GOSYNC_TYPE_WAITGROUP] = &gs_waitgroup_type,
	[GOSYNC_TYPE_ONCE] = &gs_once_type,
	[GOSYNC_TYPE_CHAN] = &gs_chan_type,
	[GOSYNC_TYPE_SEM] = &gs_sem_type,
	[GOSYNC_TYPE_COND] = &gs_cond_type,
};

/** gs_type_get() - the type with enum gosync_type @id, or NULL */
const struct gs_type *gs_type_get(u32 id)
{
	return id < ARRAY_SIZE(gs_types) ? gs_types[id] : NULL;
}

/* Copy the (possibly updated) command struct back, as much as the caller knows. */
int gs_respond(struct gs_ucmd *ucmd, size_t size)
{
	if (copy_to_user(ucmd->ubuf, ucmd->cmd, min_t(size_t, ucmd->user_size, size)))
		return -EFAULT;
	return 0;
}

/*
 * A task in a time namespace reads CLOCK_MONOTONIC with its namespace's
 * offset added, so its absolute deadlines are in that time: the timer's is
 * the host's (as futex() and clock_nanosleep() convert them, with
 * timens_ktime_to_host(), which modules cannot call). The offset is within
 * +-KTIME_MAX / 2 (proc_timens_set_offset()); a deadline before the host's
 * boot has passed.
 */
static ktime_t gs_timens_to_host(ktime_t t)
{
	ktime_t off;

	if (!IS_ENABLED(CONFIG_TIME_NS) || t == KTIME_MAX)
		return t;
	off = timespec64_to_ktime(current->nsproxy->time_ns->offsets.monotonic);
	if (off < 0 && t > KTIME_MAX + off)
		return KTIME_MAX;
	return max_t(ktime_t, t - off, 0);
}

/**
 * gs_deadline() - a blocking call's deadline from its flags and timeout
 * @flags: GOSYNC_WAIT_TIMEOUT, GOSYNC_WAIT_ABSTIME, GOSYNC_WAIT_REALTIME
 * @timeout_ns: relative (TIMEOUT), absolute (ABSTIME; ~0: never), else 0
 * @dl: out
 *
 * Return: 0, or -EINVAL for unknown flags, TIMEOUT with ABSTIME, REALTIME
 * without ABSTIME, or a timeout without either.
 */
int gs_deadline(u32 flags, u64 timeout_ns, struct gs_deadline *dl)
{
	u32 known = GOSYNC_WAIT_TIMEOUT | GOSYNC_WAIT_ABSTIME | GOSYNC_WAIT_REALTIME;

	*dl = GS_FOREVER;
	dl->sig_ret = -ERESTARTNOHAND;
	if ((flags & ~known) ||
	    (flags & (GOSYNC_WAIT_TIMEOUT | GOSYNC_WAIT_ABSTIME)) ==
	    (GOSYNC_WAIT_TIMEOUT | GOSYNC_WAIT_ABSTIME) ||
	    ((flags & GOSYNC_WAIT_REALTIME) && !(flags & GOSYNC_WAIT_ABSTIME)))
		return -EINVAL;
	if (flags & GOSYNC_WAIT_TIMEOUT) {
		dl->t = ktime_add_safe(ktime_get(), ns_to_ktime(min_t(u64, timeout_ns, KTIME_MAX)));
		return 0;
	}
	if (flags & GOSYNC_WAIT_ABSTIME) {
		/* Restartable: the same absolute time means the same after a signal. */
		dl->sig_ret = -ERESTARTSYS;
		dl->clock = flags & GOSYNC_WAIT_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC;
		dl->t = timeout_ns == ~0ULL ? KTIME_MAX :
			ns_to_ktime(min_t(u64, timeout_ns, KTIME_MAX));
		if (dl->clock == CLOCK_MONOTONIC)
			dl->t = gs_timens_to_host(dl->t);
		return 0;
	}
	return timeout_ns ? -EINVAL : 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_deadline);

/**
 * gs_ucmd_deadline() - gs_deadline() for a command whose struct holds the timeout
 * @ucmd: the command
 * @flags: as for gs_deadline()
 * @timeout_ns: the timeout, in @ucmd->cmd
 * @dl: out
 *
 * A relative timeout is noted so that, when a signal ends the wait,
 * gs_ioctl_run() writes what is left of it back: the kernel makes the call
 * again after a stop or a signal no handler takes, and it then waits only
 * that long (as select() does), however many such signals come.
 *
 * Return: as gs_deadline().
 */
int gs_ucmd_deadline(struct gs_ucmd *ucmd, u32 flags, u64 *timeout_ns,
		     struct gs_deadline *dl)
{
	int ret = gs_deadline(flags, *timeout_ns, dl);

	if (!ret && (flags & GOSYNC_WAIT_TIMEOUT)) {
		ucmd->timeout_ns = timeout_ns;
		ucmd->deadline = dl->t;
	}
	return ret;
}

/*
 * A signal ended @ucmd's wait (@ret): write back what is left of its
 * relative timeout. A command in read-only memory keeps its old one, so the
 * call cannot be made again without stretching it: EINTR, as select() does
 * for a read-only timeval; never EFAULT for a wait that did its job.
 */
static int gs_timeout_left(struct gs_ucmd *ucmd, int ret)
{
	size_t off = (u8 *)ucmd->timeout_ns - (u8 *)ucmd->cmd;
	s64 left = ktime_to_ns(ktime_sub(ucmd->deadline, ktime_get()));
	u64 __user *u = (u64 __user *)((u8 __user *)ucmd->ubuf + off);

	/* A struct too short to hold the field had it zero: no timeout to tell. */
	if (off + sizeof(*u) > ucmd->user_size)
		return ret;
	return put_user(max_t(s64, left, 0), u) ? -EINTR : ret;
}

/* A signal that ends a wait with @dl: a fatal one only, if killable */
static bool gs_wait_signalled(const struct gs_deadline *dl)
{
	return dl->killable ? fatal_signal_pending(current) : signal_pending(current);
}

/**
 * gs_sleep() - sleep once, in the state the caller set, until woken or @dl
 * @dl: the deadline (KTIME_MAX: none) and its clock, and whether only a
 *	fatal signal ends the sleep
 *
 * The caller set gs_sleep_state(@dl) and checked its condition after that.
 * Return, in TASK_RUNNING: 0 (woken: check again), -ETIMEDOUT, or for a
 * pending signal @dl->sig_ret.
 */
int gs_sleep(const struct gs_deadline *dl)
{
	ktime_t t = dl->t;

	if (gs_wait_signalled(dl)) {
		__set_current_state(TASK_RUNNING);
		return dl->sig_ret;
	}
	if (t == KTIME_MAX) {
		schedule();
		return 0;
	}
	/* An expired deadline fires at once: 0 means the timer ran out. */
	if (!schedule_hrtimeout_range_clock(&t, 0, HRTIMER_MODE_ABS, dl->clock))
		return -ETIMEDOUT;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_sleep);

/**
 * gs_wait_over() - whether a wait must end now, without sleeping
 * @dl: the wait's deadline
 *
 * For a loop that retries without sleeping (a select woken by a change that
 * completed none of its cases): gs_sleep() sees a signal and the deadline
 * only when it is reached.
 * Return: 0, -ETIMEDOUT past the deadline, or for a pending signal
 * @dl->sig_ret.
 */
int gs_wait_over(const struct gs_deadline *dl)
{
	if (gs_wait_signalled(dl))
		return dl->sig_ret;
	if (dl->t != KTIME_MAX &&
	    !ktime_before(dl->clock == CLOCK_REALTIME ? ktime_get_real() : ktime_get(), dl->t))
		return -ETIMEDOUT;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(gs_wait_over);

/* Copy a name from user memory. Return: 0, -EFAULT, or a name error. */
static int gs_get_name(char *name, u64 uptr)
{
	long len = strncpy_from_user(name, u64_to_user_ptr(uptr), GOSYNC_NAME_MAX);

	if (len < 0)
		return len;
	if (len == GOSYNC_NAME_MAX)
		return -ENAMETOOLONG;
	return gs_name_check(name);
}

/*
 * A mapped object's words are used through the kernel's address for the
 * page and through each process's mapping of it. A virtually indexed data
 * cache (some ARM, MIPS, PA-RISC, SH, ...) may hold the two apart after
 * vm_insert_page()'s one flush: the kernel would read a stale word (a lock
 * taken in userspace seen free). Futexes do not care, as they use the
 * user's address; mapped words are refused there. Before 6.9 the kernel
 * cannot say, so every architecture that may alias is refused.
 */
static bool gs_dcache_may_alias(void)
{
#ifdef cpu_dcache_is_aliasing
	return cpu_dcache_is_aliasing();
#else
	return IS_ENABLED(CONFIG_ARC) || IS_ENABLED(CONFIG_ARM) || IS_ENABLED(CONFIG_CSKY) ||
	       IS_ENABLED(CONFIG_M68K) || IS_ENABLED(CONFIG_MIPS) || IS_ENABLED(CONFIG_NIOS2) ||
	       IS_ENABLED(CONFIG_PARISC) || IS_ENABLED(CONFIG_SUPERH) ||
	       IS_ENABLED(CONFIG_SPARC) || IS_ENABLED(CONFIG_XTENSA);
#endif
}

/* ---- /dev/gosync commands ---- */

static u64 gs_dev_cmd_bits(void);

static int gs_cmd_version(struct gs_ucmd *ucmd)
{
	struct gosync_version *v = ucmd->cmd;
	unsigned int i, j;

	if (v->flags)
		return -EINVAL;
	v->api_version = GOSYNC_API_VERSION;
	v->name_max = GOSYNC_NAME_MAX;
	v->types = 0;
	v->dev_cmds = gs_dev_cmd_bits();
	v->obj_cmds = BIT_ULL(GOSYNC_CMD_INFO - GS_CMD_OBJ_BASE);
	for (i = 0; i < ARRAY_SIZE(gs_types); i++) {
		const struct gs_type *t = gs_types[i];

		if (!t)
			continue;
		v->types |= BIT_ULL(t->id);
		for (j = 0; j < t->nr_cmds; j++)
			v->obj_cmds |= BIT_ULL(t->cmds[j].nr - GS_CMD_OBJ_BASE);
		if (t->batch_op)
			v->obj_cmds |= BIT_ULL(GOSYNC_CMD_BATCH - GS_CMD_OBJ_BASE);
	}
	v->counter_modes = gs_counter_type.subtypes;
	v->counter_ops = gs_counter_type.ops;
	v->map_backends = gs_map_type.subtypes;
	v->map_ops = gs_map_type.ops;
	v->batch_max = GOSYNC_BATCH_MAX;
	v->max_objects = READ_ONCE(gs_max_objects);
	v->map_key_max = GOSYNC_MAP_KEY_MAX;
	v->map_value_max = GOSYNC_MAP_VALUE_MAX;
	v->features = GOSYNC_FEATURE_WG_UNHELD | GOSYNC_FEATURE_ONCE_FAILED |
		      GOSYNC_FEATURE_UNLINK_ID;
	return gs_respond(ucmd, sizeof(*v));
}

static int gs_cmd_create(struct gs_ucmd *ucmd)
{
	struct gosync_create *c = ucmd->cmd;
	char name[GOSYNC_NAME_MAX];
	const struct gs_type *type;
	struct page *page = NULL;
	struct gs_user *user;
	struct gs_obj *obj;
	void *priv;
	int ret;

	if ((c->flags & ~GOSYNC_CREATE_MAPPED) || c->perm > 0777 || (c->perm && !c->name))
		return -EINVAL;
	if (c->name) {
		ret = gs_get_name(name, c->name);
		if (ret)
			return ret;
	}
	type = gs_type_get(c->type);
	if (!type)
		return -EINVAL;
	/* Bytes of the attribute union past the type's own struct must be zero. */
	if (memchr_inv((u8 *)c->__attr + type->attr_size, 0, sizeof(c->__attr) - type->attr_size))
		return -EINVAL;
	if (c->flags & GOSYNC_CREATE_MAPPED) {
		if (!type->map || gs_dcache_may_alias())
			return -EINVAL;
		page = alloc_page(GOSYNC_GFP | __GFP_ZERO);
		if (!page)
			return -ENOMEM;
	}

	user = gs_user_get_current();
	if (IS_ERR(user)) {
		ret = PTR_ERR(user);
		goto err_page;
	}
	priv = type->create(c->__attr, user);
	gs_user_put(user);
	if (IS_ERR(priv)) {
		ret = PTR_ERR(priv);
		goto err_page;
	}
	ret = page ? type->map(priv, page_address(page)) : 0;
	if (ret) {
		type->destroy(priv);
		goto err_page;
	}
	obj = gs_obj_new_mapped(type, priv, c->perm ?: 0600, page);
	if (IS_ERR(obj)) {
		type->destroy(priv);
		ret = PTR_ERR(obj);
		goto err_page;
	}
	return gs_obj_install_fd(obj, c->name ? name : NULL);

err_page:
	if (page)
		__free_page(page);
	return ret;
}

static int gs_cmd_open(struct gs_ucmd *ucmd)
{
	struct gosync_open *o = ucmd->cmd;
	char name[GOSYNC_NAME_MAX];
	kuid_t uid = INVALID_UID;
	kgid_t gid = INVALID_GID;
	struct gs_obj *obj;
	int ret;

	if ((o->flags & ~(GOSYNC_OPEN_UID | GOSYNC_OPEN_GID)) || o->__reserved ||
	    (!(o->flags & GOSYNC_OPEN_UID) && o->uid) ||
	    (!(o->flags & GOSYNC_OPEN_GID) && o->gid) ||
	    (o->type && !gs_type_get(o->type)))
		return -EINVAL;
	if (o->flags & GOSYNC_OPEN_UID) {
		uid = make_kuid(current_user_ns(), o->uid);
		if (!uid_valid(uid))
			return -EINVAL;
	}
	if (o->flags & GOSYNC_OPEN_GID) {
		gid = make_kgid(current_user_ns(), o->gid);
		if (!gid_valid(gid))
			return -EINVAL;
	}
	ret = gs_get_name(name, o->name);
	if (ret)
		return ret;
	obj = gs_obj_lookup(name, o->type, uid, gid);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	return gs_obj_install_fd(obj, NULL);
}

static int gs_cmd_unlink(struct gs_ucmd *ucmd)
{
	struct gosync_unlink *u = ucmd->cmd;
	char name[GOSYNC_NAME_MAX];
	int ret;

	/* An id exactly when one is asked for: 0 is no object's id. */
	if ((u->flags & ~GOSYNC_UNLINK_ID) || !(u->flags & GOSYNC_UNLINK_ID) != !u->id)
		return -EINVAL;
	ret = gs_get_name(name, u->name);
	if (ret)
		return ret;
	return gs_obj_unlink(name, u->id);
}

#define GS_LIST_CHUNK 16

/*
 * Copy a kernel struct of @ksize bytes to a user one of @usize, as
 * copy_struct_from_user() the other way: the common prefix, then zeroes.
 */
static int gs_copy_struct_to_user(void __user *dst, size_t usize, const void *src,
				  size_t ksize)
{
	if (copy_to_user(dst, src, min(usize, ksize)))
		return -EFAULT;
	if (usize > ksize && clear_user(dst + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

/* A caller's struct gosync_state size: 0 with no pointer, else 8 to a page. */
static bool gs_state_size_ok(u64 ptr, u32 size)
{
	if (!ptr)
		return !size;
	return size >= 8 && size <= PAGE_SIZE;
}

static int gs_cmd_list(struct gs_ucmd *ucmd)
{
	struct gosync_list *l = ucmd->cmd;
	void __user *uentries = u64_to_user_ptr(l->entries);
	size_t usize = l->entry_size, ksize = sizeof(struct gosync_info);
	void __user *ustates = u64_to_user_ptr(l->states);
	struct gosync_state *states = NULL;
	struct gosync_info *buf;
	unsigned int done = 0;
	u64 cursor = l->cursor;
	int ret = 0;

	if (l->flags || l->__reserved || l->__reserved2 ||
	    usize < offsetof(struct gosync_info, stats) || usize > PAGE_SIZE ||
	    !gs_state_size_ok(l->states, l->state_size))
		return -EINVAL;
	buf = kmalloc_array(GS_LIST_CHUNK, ksize, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (ustates) {
		states = kmalloc_array(GS_LIST_CHUNK, sizeof(*states), GFP_KERNEL);
		if (!states) {
			kfree(buf);
			return -ENOMEM;
		}
	}

	/* Chunks bound the kernel buffer; ids order makes resuming exact. */
	while (done < l->count) {
		unsigned int want = min_t(unsigned int, l->count - done, GS_LIST_CHUNK);
		unsigned int i, n;
		u64 next;

		n = gs_obj_list(cursor, buf, states, want, &next);
		for (i = 0; i < n; i++, done++) {
			void __user *dst = uentries + (size_t)done * usize;

			ret = gs_copy_struct_to_user(dst, usize, &buf[i], ksize);
			if (!ret && states)
				ret = gs_copy_struct_to_user(ustates + (size_t)done * l->state_size,
							     l->state_size, &states[i],
							     sizeof(*states));
			if (ret)
				goto out;
		}
		cursor = next;
		/* A million objects is a long copy: end it for a dying task. */
		if (!next || fatal_signal_pending(current))
			break;
		cond_resched();
	}
	l->count = done;
	l->cursor = cursor;
	l->total = gs_obj_count_ns();
	ret = gs_respond(ucmd, sizeof(*l));
out:
	kfree(states);
	kfree(buf);
	return ret;
}

#ifdef GOSYNC_TORTURE
static int gs_cmd_torture(struct gs_ucmd *ucmd)
{
	struct gosync_torture *t = ucmd->cmd;
	struct gosync_torture_thread *res;
	unsigned int n;
	int ret, ret2;

	/* First: without the capability, nothing about the request is told. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (t->flags || t->nr_writers > GOSYNC_TORTURE_MAX_THREADS ||
	    t->nr_readers > GOSYNC_TORTURE_MAX_THREADS)
		return -EINVAL;
	n = t->nr_writers + t->nr_readers;
	res = kcalloc(max(n, 1U), sizeof(*res), GFP_KERNEL);
	if (!res)
		return -ENOMEM;
	t->errors = 0;
	t->write_ops = 0;
	t->read_ops = 0;
	t->elapsed_ns = 0;
	t->lost = 0;
	ret = gs_torture_run(t, res);
	if (ret && ret != -EINTR)
		goto out;
	if (t->threads && copy_to_user(u64_to_user_ptr(t->threads), res, n * sizeof(*res)))
		ret = -EFAULT;
	ret2 = gs_respond(ucmd, sizeof(*t));
	ret = ret ?: ret2;
out:
	kfree(res);
	return ret;
}
#endif

static_assert(offsetofend(struct gosync_version, max_objects) == GOSYNC_VERSION_SIZE_VER0);

static const struct gs_cmd gs_dev_cmds[] = {
	GS_CMD(VERSION, gs_cmd_version, struct gosync_version, max_objects),
	GS_CMD(CREATE, gs_cmd_create, struct gosync_create, __attr),
	GS_CMD(OPEN, gs_cmd_open, struct gosync_open, __reserved),
	GS_CMD(UNLINK, gs_cmd_unlink, struct gosync_unlink, name),
	GS_CMD(LIST, gs_cmd_list, struct gosync_list, __reserved),
	GS_CMD(WAIT, gs_cmd_wait, struct gosync_wait, timeout_ns),
#ifdef GOSYNC_TORTURE
	GS_CMD(TORTURE, gs_cmd_torture, struct gosync_torture, lost),
#endif
};

static u64 gs_dev_cmd_bits(void)
{
	u64 bits = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gs_dev_cmds); i++)
		bits |= BIT_ULL(gs_dev_cmds[i].nr);
	return bits;
}

/* ---- every object's commands ---- */

/*
 * INFO: the object; with @state, what it is doing now; with @holders, all
 * its holders (up to GOSYNC_HOLDERS_MAX), and how many there are.
 */
static int gs_cmd_info(struct gs_ucmd *ucmd)
{
	struct gosync_info_cmd *c = ucmd->cmd;
	struct gosync_holder *hs = NULL;
	struct gosync_state *st;
	unsigned int cap = 0;
	int ret;

	if (c->flags || c->__reserved || !gs_state_size_ok(c->state, c->state_size) ||
	    (!c->holders && c->nr_holders))
		return -EINVAL;
	gs_obj_fill_info(ucmd->obj, &c->info);
	c->info.token = ucmd->holder->token;
	if (!c->state && !c->holders)
		return gs_respond(ucmd, sizeof(*c));

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	if (c->holders) {
		cap = min_t(u32, c->nr_holders, GOSYNC_HOLDERS_MAX);
		hs = kvcalloc(max(cap, 1U), sizeof(*hs), GFP_KERNEL);
		if (!hs) {
			kfree(st);
			return -ENOMEM;
		}
	}
	gs_obj_fill_state(ucmd->obj, st, hs, cap, task_active_pid_ns(current));
	ret = 0;
	if (c->state)
		ret = gs_copy_struct_to_user(u64_to_user_ptr(c->state), c->state_size, st,
					     sizeof(*st));
	if (!ret && hs && copy_to_user(u64_to_user_ptr(c->holders), hs,
				       (size_t)min(cap, st->nr_holders) * sizeof(*hs)))
		ret = -EFAULT;
	if (c->holders)
		c->nr_holders = st->nr_holders;
	kvfree(hs);
	kfree(st);
	return ret ?: gs_respond(ucmd, sizeof(*c));
}

/*
 * Ops per copy in and out: a batch that fits GS_BATCH_CHUNK uses the stack;
 * a bigger one a heap buffer of up to GS_BATCH_BUF_MAX, so a 64-op map
 * batch is one copy each way instead of ten (each a user access window).
 * Neither is zeroed first (CONFIG_INIT_STACK_ALL_ZERO): only copied ops are read.
 */
#define GS_BATCH_CHUNK 512
#define GS_BATCH_BUF_MAX 8192

/*
 * Write back the output fields (from @out to the end of each op) of @n ops
 * of @size bytes: one user_access window and a few stores per op instead of
 * copying every op back whole.
 */
static int gs_batch_write_back(u8 __user *dst, const u8 *src, unsigned int n,
			       size_t size, size_t out)
{
	unsigned int i;

	if (!n)
		return 0;
	if (!user_access_begin(dst, n * size))
		return -EFAULT;
	for (i = 0; i < n; i++)
		unsafe_copy_to_user(dst + i * size + out, src + i * size + out, size - out, efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

static int gs_cmd_batch(struct gs_ucmd *ucmd)
{
	struct gosync_batch *b = ucmd->cmd;
	const struct gs_type *type = ucmd->obj->type;
	u8 __user *uops = u64_to_user_ptr(b->ops);
	u64 stack[GS_BATCH_CHUNK / sizeof(u64)] __uninitialized;
	size_t size = type->batch_op_size, cap = sizeof(stack);
	void *buf = stack;
	bool stop = false;
	int ret = 0, ret2;

	if ((b->flags & ~GOSYNC_BATCH_STOP_ON_ERROR) || b->__reserved || b->op_size != size)
		return -EINVAL;
	if (b->count > GOSYNC_BATCH_MAX)
		return -E2BIG;
	if ((size_t)b->count * size > cap) {
		size_t want = min_t(size_t, (size_t)b->count * size, GS_BATCH_BUF_MAX);
		void *heap = kmalloc(want, GFP_KERNEL | __GFP_NOWARN);

		/* Without it, the stack chunk does, only slower. */
		if (heap) {
			buf = heap;
			cap = want;
		}
	}

	b->done = 0;
	while (b->done < b->count && !stop) {
		unsigned int n = min_t(unsigned int, b->count - b->done, cap / size);
		unsigned int i;
		int err;

		if (copy_from_user(buf, uops + b->done * size, n * size)) {
			ret = -EFAULT;
			break;
		}
		for (i = 0; i < n && !stop; i++) {
			err = type->batch_op(ucmd->obj, (u8 *)buf + i * size);
			if (err == -EINTR) {
				ret = -EINTR;
				stop = true;
			} else if (err && (b->flags & GOSYNC_BATCH_STOP_ON_ERROR)) {
				stop = true;
			}
			/*
			 * An op may take long: a racy counter's spins up to
			 * 100 us, and a chunk holds hundreds of ops.
			 */
			cond_resched();
		}
		/*
		 * i ops ran: write back exactly those. They count as done even
		 * if the vector refuses their results: a caller that resumed
		 * from @done would run them twice.
		 */
		ret2 = gs_batch_write_back(uops + b->done * size, buf, i, size, type->batch_out);
		b->done += i;
		if (ret2) {
			ret = -EFAULT;
			break;
		}
		/* the rest would run for a task that is dying: end at this chunk */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	if (buf != stack)
		kfree(buf);
	ret2 = gs_respond(ucmd, sizeof(*b));
	return ret ?: ret2;
}

static const struct gs_cmd gs_info_cmd =
	GS_CMD(INFO, gs_cmd_info, struct gosync_info_cmd, info);
static const struct gs_cmd gs_batch_cmd =
	GS_CMD(BATCH, gs_cmd_batch, struct gosync_batch, __reserved);

/* ---- the generic path ---- */

/*
 * The struct is in the command, not its number: anything but _IO(magic, nr)
 * is foreign. Then copy the struct in, with its size checked, and run it.
 */
static long gs_ioctl_run(const struct gs_cmd *op, struct gs_ucmd *ucmd, unsigned long arg)
{
	/* Not zeroed (CONFIG_INIT_STACK_ALL_ZERO): copy_struct_from_user fills op->size. */
	u64 buf[GS_UCMD_MAX / sizeof(u64)] __uninitialized;
	int ret;

	if (!op)
		return -ENOTTY;
	ucmd->ubuf = (void __user *)arg;
	ucmd->cmd = buf;
	if (get_user(ucmd->user_size, (u32 __user *)ucmd->ubuf))
		return -EFAULT;
	if (ucmd->user_size < op->min_size)
		return -EINVAL;
	/* As openat2() and clone3(): no struct will ever be bigger than a page. */
	if (ucmd->user_size > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(buf, op->size, ucmd->ubuf, ucmd->user_size);
	if (ret)
		return ret;
	ret = op->execute(ucmd);
	if (unlikely(ucmd->timeout_ns) && (ret == -ERESTARTNOHAND || ret == -EINTR))
		ret = gs_timeout_left(ucmd, ret);
	return ret;
}

long gs_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	unsigned int nr = _IOC_NR(cmd), i;
	const struct gs_cmd *op = NULL;
	struct gs_ucmd ucmd = {};

	if (cmd != _IO(GOSYNC_IOCTL_MAGIC, nr))
		return -ENOTTY;
	for (i = 0; i < ARRAY_SIZE(gs_dev_cmds); i++)
		if (gs_dev_cmds[i].nr == nr)
			op = &gs_dev_cmds[i];
	return gs_ioctl_run(op, &ucmd, arg);
}

long gs_obj_ioctl(struct gs_handle *handle, unsigned int cmd, unsigned long arg)
{
	const struct gs_type *type = handle->obj->type;
	unsigned int nr = _IOC_NR(cmd), i;
	const struct gs_cmd *op = NULL;
	struct gs_ucmd ucmd = { .obj = handle->obj, .holder = &handle->holder };

	if (cmd != _IO(GOSYNC_IOCTL_MAGIC, nr))
		return -ENOTTY;
	if (nr == GOSYNC_CMD_INFO)
		op = &gs_info_cmd;
	else if (nr == GOSYNC_CMD_BATCH && type->batch_op)
		op = &gs_batch_cmd;
	for (i = 0; !op && i < type->nr_cmds; i++)
		if (type->cmds[i].nr == nr)
			op = &type->cmds[i];
	return gs_ioctl_run(op, &ucmd, arg);
}
