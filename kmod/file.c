// SPDX-License-Identifier: GPL-2.0
/*
 * gosync object files: every open file description of an object is an anon
 * inode file whose private_data is a struct gs_handle (the object reference
 * and the description's holder). In lifecycle order: install (CREATE, OPEN),
 * ioctl, poll, mmap, fdinfo, release. gs_obj_fdget() resolves an fd that a
 * command names (a Cond's Mutex, a wait's cases) to its object and holder.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "internal.h"

static const struct file_operations gs_obj_fops;
static const struct file_operations gs_obj_poll_fops;

/*
 * Tokens of the descriptions of mapped objects (struct gs_holder.token) and
 * their handles, unique over all objects: a description's token is in no
 * other object's words, and it is freed only after the release has taken it
 * out of its own. Issued cyclically, so a freed token comes back only after
 * GOSYNC_TOKEN_MAX others: a non-robust Mutex left locked by a closed
 * description (its token stays in the word) does not look held by a new one
 * for a long while.
 * The xarray's lock keeps a handle found in it alive (gs_token_report()).
 * Its nodes are charged to the memory cgroup of the task that needed them
 * (XA_FLAGS_ACCOUNT: the xarray allocates them itself, not with our gfp).
 */
static DEFINE_XARRAY_FLAGS(gs_tokens, XA_FLAGS_ALLOC | XA_FLAGS_ACCOUNT);
static u32 gs_token_next;	/* under gs_tokens' lock */

static void gs_handle_free(struct gs_handle *handle)
{
	if (handle->holder.token)
		xa_erase(&gs_tokens, handle->holder.token);
	gs_who_clear(&handle->opener);
	gs_user_put(handle->holder.user);
	kfree(handle);
}

/**
 * gs_token_report() - report the description whose @token holds a lock
 * @token: the token a mapped word holds, taken in userspace
 * @id: the object the word is in; a token of another object's description
 *	(written by a scribbler) reports nothing
 * @flags: GOSYNC_HOLDER_*; GOSYNC_HOLDER_OPENER is added
 * @st: counts it in nr_holders (as gs_who_report())
 * @hs: room for @cap holders, or NULL
 * @cap: entries in @hs
 * @ns: the pid namespace the pid is given in
 *
 * The kernel does not see which task took a lock in userspace; it knows
 * the description, and who opened it. Called under the object's lock.
 */
void gs_token_report(u32 token, u64 id, u32 flags, struct gosync_state *st,
		     struct gosync_holder *hs, unsigned int cap, struct pid_namespace *ns)
{
	struct gs_handle *handle;

	xa_lock(&gs_tokens);
	handle = xa_load(&gs_tokens, token);
	if (handle && handle->obj->id == id)
		gs_who_report(&handle->opener, flags | GOSYNC_HOLDER_OPENER, 1, st, hs, cap, ns);
	xa_unlock(&gs_tokens);
}
EXPORT_SYMBOL_IF_KUNIT(gs_token_report);

/**
 * gs_obj_install_fd() - give @obj a new O_CLOEXEC fd
 * @obj: the object; the caller's reference passes to the file
 * @name: publish the object under it before the fd is visible, or NULL
 *
 * Return: the fd, or -errno (the reference is dropped).
 */
int gs_obj_install_fd(struct gs_obj *obj, const char *name)
{
	struct gs_handle *handle;
	struct file *file;
	int fd, ret;

	handle = kzalloc(sizeof(*handle), GOSYNC_GFP);
	if (!handle) {
		gs_obj_put(obj);
		return -ENOMEM;
	}
	handle->obj = obj;
	handle->holder.user = gs_user_get_current();
	if (IS_ERR(handle->holder.user)) {
		ret = PTR_ERR(handle->holder.user);
		handle->holder.user = NULL;
		gs_handle_free(handle);
		gs_obj_put(obj);
		return ret;
	}
	if (obj->page) {
		u32 token;

		gs_who_set(&handle->opener, current);
		/* GOSYNC_TOKEN_MAX itself is a holder without a token's (mutex.c) */
		ret = xa_alloc_cyclic(&gs_tokens, &token, handle, XA_LIMIT(1, GOSYNC_TOKEN_MAX - 1),
				      &gs_token_next, GOSYNC_GFP);
		if (ret < 0) {
			gs_handle_free(handle);
			if (ret == -EBUSY)	/* every token is in use */
				ret = -ENOSPC;
			gs_obj_put(obj);
			return ret;
		}
		handle->holder.token = token;
	}
	fd = get_unused_fd_flags(O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		gs_handle_free(handle);
		gs_obj_put(obj);
		return fd;
	}
	/*
	 * Types that can wait get ->poll. The others have none: epoll_ctl()
	 * then refuses them (EPERM) instead of waiting forever, and poll()
	 * and select() report them ready, as for regular files.
	 */
	file = anon_inode_getfile("[gosync]", obj->type->poll ? &gs_obj_poll_fops :
				  &gs_obj_fops, handle, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		gs_handle_free(handle);
		gs_obj_put(obj);
		return PTR_ERR(file);
	}
	atomic_inc(&obj->nr_files);
	if (name) {
		ret = gs_obj_publish(obj, name);
		if (ret) {
			fput(file);	/* its release drops the reference */
			put_unused_fd(fd);
			return ret;
		}
	}
	fd_install(fd, file);
	return fd;
}

static long gs_file_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return gs_obj_ioctl(file->private_data, cmd, arg);
}

/* Readiness of the primitive, for types that have a wait. */
static __poll_t gs_file_poll(struct file *file, poll_table *pt)
{
	struct gs_handle *handle = file->private_data;
	struct gs_obj *obj = handle->obj;

	return obj->type->poll(obj->priv, file, pt);
}

/*
 * fdinfo's view of struct gosync_state: one line per holder (pid, comm,
 * what it holds), waiters and the oldest wait, contention and the nonzero
 * buckets of the wait histogram as "bucket:count".
 */
static void gs_show_state(struct seq_file *m, struct gs_obj *obj)
{
	struct gosync_state *st = kmalloc(sizeof(*st), GFP_KERNEL);
	unsigned int i;

	if (!st)
		return;
	/* pids as /proc's own files give them: in its mount's namespace */
	gs_obj_fill_state(obj, st, NULL, 0, proc_pid_ns(file_inode(m->file)->i_sb));
	seq_printf(m, "gosync-state:\t%#x\n", st->flags);
	seq_printf(m, "gosync-holders:\t%u\n", st->nr_holders);
	for (i = 0; i < min_t(u32, st->nr_holders, GOSYNC_STATE_HOLDERS); i++) {
		seq_printf(m, "gosync-holder:\t%d ", st->holders[i].pid);
		/* a comm is anything prctl() set: keep it one word */
		seq_escape(m, st->holders[i].comm, " \t\n\\");
		seq_printf(m, " %s %llu%s%s\n",
			   st->holders[i].flags & GOSYNC_HOLDER_WRITE ? "write" : "shared",
			   st->holders[i].count,
			   st->holders[i].flags & GOSYNC_HOLDER_OPENER ? " opener" : "",
			   st->holders[i].flags & GOSYNC_HOLDER_EXITED ? " exited" : "");
	}
	seq_printf(m, "gosync-readers:\t%llu\n", st->readers);
	seq_printf(m, "gosync-value:\t%lld\n", st->value);
	seq_printf(m, "gosync-limit:\t%llu\n", st->limit);
	seq_printf(m, "gosync-waiters:\t%u\n", st->waiters);
	seq_printf(m, "gosync-receivers:\t%u\n", st->receivers);
	seq_printf(m, "gosync-oldest-wait-ns:\t%llu\n", st->oldest_wait_ns);
	seq_printf(m, "gosync-contended:\t%llu\n", st->contended);
	seq_printf(m, "gosync-wait-ns:\t%llu\n", st->wait_ns);
	seq_puts(m, "gosync-wait-hist:");
	for (i = 0; i < GOSYNC_WAIT_HIST; i++)
		if (st->wait_hist[i])
			seq_printf(m, " %u:%llu", i, st->wait_hist[i]);
	seq_putc(m, '\n');
	kfree(st);
}

/* /proc/PID/fdinfo/FD: the object, then the primitive's state. */
static void gs_file_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct gs_handle *handle = file->private_data;
	struct gs_obj *obj = handle->obj;
	struct gosync_info info;

	gs_obj_fill_info(obj, &info);
	seq_printf(m, "gosync-id:\t%llu\n", info.id);
	seq_printf(m, "gosync-type:\t%s\n", obj->type->name);
	seq_printf(m, "gosync-subtype:\t%u\n", info.subtype);
	seq_printf(m, "gosync-name:\t%s\n", info.name);
	seq_printf(m, "gosync-ipcns:\t%u\n", gs_obj_ns_inum(obj));
	seq_printf(m, "gosync-owner:\t%u:%u %04o\n", info.uid, info.gid, info.perm);
	seq_printf(m, "gosync-files:\t%u\n", info.nr_files);
	if (obj->type->show_fdinfo)
		obj->type->show_fdinfo(m, obj->priv, &handle->holder);
	if (obj->type->state)
		gs_show_state(m, obj);
}

/* The last fd of this description closed: release what it holds. */
static int gs_file_release(struct inode *inode, struct file *file)
{
	struct gs_handle *handle = file->private_data;
	struct gs_obj *obj = handle->obj;

	if (obj->type->holder_gone)
		obj->type->holder_gone(obj->priv, &handle->holder);
	atomic_dec(&obj->nr_files);
	gs_handle_free(handle);
	gs_obj_put(obj);
	return 0;
}

static void gs_vma_flags_mod(struct vm_area_struct *vma, vm_flags_t set, vm_flags_t clear)
{
#ifdef GS_HAVE_VM_FLAGS_MOD
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/*
 * A mapping goes away (munmap, or its process's exit): a process that died
 * in the middle of a fast-path operation may have left the word in a state
 * only its next system call would have handed on (gs_type.unmapped).
 */
static void gs_vm_close(struct vm_area_struct *vma)
{
	struct gs_handle *handle = vma->vm_file->private_data;
	struct gs_obj *obj = handle->obj;

	if (obj->type->unmapped)
		obj->type->unmapped(obj->priv);
}

/*
 * The page again, after something zapped it from the mapping
 * (madvise(MADV_DONTNEED) may): mmap() inserted it, and the mapping is that
 * one page, so any fault is for it. The reference is the new PTE's.
 */
static vm_fault_t gs_vm_fault(struct vm_fault *vmf)
{
	struct gs_handle *handle = vmf->vma->vm_file->private_data;

	vmf->page = handle->obj->page;
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct gs_vm_ops = {
	.fault = gs_vm_fault,
	.close = gs_vm_close,
};

/*
 * A mapped object's page (struct gosync_mapped): shared, never executable,
 * exactly one page. The mapping holds the file (vm_file), as any mmap()
 * does: the description, its holds and the object live until it is gone.
 */
static int gs_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct gs_handle *handle = file->private_data;
	struct page *page = handle->obj->page;

	if (!page)
		return -ENODEV;
	/* A private copy would not be the object: its atomics would race no one. */
	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_SIZE ||
	    !(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	gs_vma_flags_mod(vma, VM_DONTEXPAND | VM_DONTDUMP, VM_MAYEXEC);
	vma->vm_ops = &gs_vm_ops;
	return vm_insert_page(vma, vma->vm_start, page);
}

static const struct file_operations gs_obj_fops = {
	.owner = THIS_MODULE,
	.release = gs_file_release,
	.unlocked_ioctl = gs_file_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.show_fdinfo = gs_file_show_fdinfo,
	.mmap = gs_file_mmap,
	.llseek = noop_llseek,
};

static const struct file_operations gs_obj_poll_fops = {
	.owner = THIS_MODULE,
	.release = gs_file_release,
	.poll = gs_file_poll,
	.unlocked_ioctl = gs_file_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.show_fdinfo = gs_file_show_fdinfo,
	.mmap = gs_file_mmap,
	.llseek = noop_llseek,
};

/**
 * gs_obj_fdget() - the gosync object of an fd a command names
 * @fd: the fd, in the calling process
 * @type: enum gosync_type it must be, or 0 for any
 * @ref: out: the file (referenced), its object and its holder
 *
 * The object and holder stay valid until gs_obj_fdput(); an object that
 * keeps the other beyond the call takes its own reference (gs_obj_get()).
 *
 * Return: 0, -EBADF (no such fd), or -EINVAL (not a gosync object, or not
 * of @type).
 */
int gs_obj_fdget(int fd, u32 type, struct gs_fdref *ref)
{
	struct file *file = fget(fd);
	struct gs_handle *handle;

	if (!file)
		return -EBADF;
	if (file->f_op != &gs_obj_fops && file->f_op != &gs_obj_poll_fops) {
		fput(file);
		return -EINVAL;
	}
	handle = file->private_data;
	if (type && handle->obj->type->id != type) {
		fput(file);
		return -EINVAL;
	}
	ref->file = file;
	ref->obj = handle->obj;
	ref->holder = &handle->holder;
	return 0;
}

void gs_obj_fdput(struct gs_fdref *ref)
{
	fput(ref->file);
}
