// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the gosync object model (kmod/object.c), called directly
 * with a stand-in primitive that records its destruction: names, lookups,
 * the owner a lookup may require, references, unlink, listing order, paging
 * and what a listing shows to whom, and the object limit.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/kthread.h>
#include <linux/proc_ns.h>
#include <linux/slab.h>

#include "gs_kunit.h"

struct fake {
	int *destroyed;		/* incremented by destroy */
};

static u32 fake_subtype(void *priv)
{
	return 42;
}

static void fake_destroy(void *priv)
{
	struct fake *f = priv;

	(*f->destroyed)++;
	kfree(f);
}

static const struct gs_type fake_type = {
	.id = GOSYNC_TYPE_MAP,		/* any type the real layers do not create here */
	.subtype = fake_subtype,
	.destroy = fake_destroy,
};

static struct gs_obj *new_obj(struct kunit *test, int *destroyed, umode_t perm)
{
	struct fake *f = kzalloc(sizeof(*f), GFP_KERNEL);
	struct gs_obj *obj;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->destroyed = destroyed;
	obj = gs_obj_new(&fake_type, f, perm);
	if (IS_ERR(obj))
		kfree(f);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	return obj;
}

/* A lookup that requires no owner */
static struct gs_obj *lookup(const char *name, u32 type)
{
	return gs_obj_lookup(name, type, INVALID_UID, INVALID_GID);
}

static void object_name_check_test(struct kunit *test)
{
	char longname[GOSYNC_NAME_MAX + 1];

	KUNIT_EXPECT_EQ(test, gs_name_check("jobs"), 0);
	KUNIT_EXPECT_EQ(test, gs_name_check("a.b-c_D9"), 0);
	KUNIT_EXPECT_EQ(test, gs_name_check(""), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_name_check(".hidden"), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_name_check("a/b"), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_name_check("a b"), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_name_check("caf\xc3\xa9"), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_name_check("\xc0x"), -EINVAL);
	KUNIT_EXPECT_EQ(test, gs_name_check("\xff"), -EINVAL);

	memset(longname, 'x', sizeof(longname));
	longname[GOSYNC_NAME_MAX - 1] = '\0';
	KUNIT_EXPECT_EQ(test, gs_name_check(longname), 0);
	longname[GOSYNC_NAME_MAX - 1] = 'x';
	longname[GOSYNC_NAME_MAX] = '\0';
	KUNIT_EXPECT_EQ(test, gs_name_check(longname), -ENAMETOOLONG);
}

/* An anonymous object dies with its last reference, exactly once. */
static void object_anon_lifetime_test(struct kunit *test)
{
	int destroyed = 0;
	unsigned int before = gs_obj_count();
	struct gs_obj *obj = new_obj(test, &destroyed, 0600);

	KUNIT_EXPECT_EQ(test, gs_obj_count(), before + 1);
	gs_obj_get(obj);
	gs_obj_put(obj);
	KUNIT_EXPECT_EQ(test, destroyed, 0);
	gs_obj_put(obj);
	KUNIT_EXPECT_EQ(test, destroyed, 1);
	KUNIT_EXPECT_EQ(test, gs_obj_count(), before);
}

/*
 * An object belongs to its creator's IPC namespace (here the initial one, a
 * kthread's), which counts it for LIST's total until it is freed.
 */
static void object_scope_test(struct kunit *test)
{
	int destroyed = 0;
	unsigned int before = gs_obj_count_ns();
	struct gs_obj *obj = new_obj(test, &destroyed, 0600);

	KUNIT_EXPECT_EQ(test, gs_obj_ns_inum(obj), (unsigned int)PROC_IPC_INIT_INO);
	KUNIT_EXPECT_EQ(test, gs_obj_count_ns(), before + 1);
	KUNIT_EXPECT_EQ(test, gs_obj_publish(obj, "kunit-scope"), 0);
	gs_obj_put(obj);		/* the name holds it */
	KUNIT_EXPECT_EQ(test, gs_obj_count_ns(), before + 1);
	KUNIT_EXPECT_EQ(test, gs_obj_unlink("kunit-scope", 0), 0);
	KUNIT_EXPECT_EQ(test, destroyed, 1);
	KUNIT_EXPECT_EQ(test, gs_obj_count_ns(), before);
}

/* A named object outlives its creator's reference until unlinked. */
static void object_named_lifetime_test(struct kunit *test)
{
	int destroyed = 0, other_destroyed = 0;
	struct gs_obj *obj = new_obj(test, &destroyed, 0600);
	struct gs_obj *other = new_obj(test, &other_destroyed, 0600);
	struct gs_obj *found;
	struct gosync_info info;

	KUNIT_ASSERT_EQ(test, gs_obj_publish(obj, "kunit-obj"), 0);
	KUNIT_EXPECT_EQ(test, gs_obj_publish(obj, "kunit-again"), -EBUSY);
	KUNIT_EXPECT_EQ(test, gs_obj_publish(other, "kunit-obj"), -EEXIST);
	KUNIT_EXPECT_EQ(test, gs_obj_publish(other, "bad/name"), -EINVAL);
	/* A failed publish leaves it anonymous, and it stays so. */
	gs_obj_fill_info(other, &info);
	KUNIT_EXPECT_EQ(test, info.flags, 0U);
	KUNIT_EXPECT_STREQ(test, info.name, "");
	KUNIT_EXPECT_EQ(test, gs_obj_publish(other, "kunit-other"), -EBUSY);
	gs_obj_put(other);
	KUNIT_EXPECT_EQ(test, other_destroyed, 1);

	gs_obj_put(obj);		/* the creator's reference */
	KUNIT_EXPECT_EQ(test, destroyed, 0);

	found = lookup("kunit-obj", 0);
	KUNIT_ASSERT_PTR_EQ(test, found, obj);
	gs_obj_fill_info(found, &info);
	KUNIT_EXPECT_EQ(test, info.id, obj->id);
	KUNIT_EXPECT_EQ(test, info.type, (u32)GOSYNC_TYPE_MAP);
	KUNIT_EXPECT_EQ(test, info.subtype, 42U);
	KUNIT_EXPECT_EQ(test, info.perm, 0600U);
	KUNIT_EXPECT_EQ(test, info.flags, (u32)GOSYNC_INFO_NAMED);
	KUNIT_EXPECT_STREQ(test, info.name, "kunit-obj");

	KUNIT_EXPECT_EQ(test, PTR_ERR(lookup("kunit-obj", GOSYNC_TYPE_COUNTER)),
			-EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, lookup("kunit-obj", GOSYNC_TYPE_MAP), obj);
	gs_obj_put(obj);		/* the second lookup's reference */

	/* By id, a name is removed only from the object it still names. */
	KUNIT_EXPECT_EQ(test, gs_obj_unlink("kunit-obj", obj->id + 1), -ENOENT);
	KUNIT_EXPECT_PTR_EQ(test, lookup("kunit-obj", 0), obj);
	gs_obj_put(obj);
	KUNIT_EXPECT_EQ(test, gs_obj_unlink("kunit-obj", obj->id), 0);
	KUNIT_EXPECT_EQ(test, destroyed, 0);	/* still held by the lookup */
	KUNIT_EXPECT_EQ(test, PTR_ERR(lookup("kunit-obj", 0)), -ENOENT);
	KUNIT_EXPECT_EQ(test, gs_obj_unlink("kunit-obj", 0), -ENOENT);
	gs_obj_fill_info(found, &info);
	KUNIT_EXPECT_EQ(test, info.flags, 0U);
	KUNIT_EXPECT_STREQ(test, info.name, "");
	gs_obj_put(found);
	KUNIT_EXPECT_EQ(test, destroyed, 1);
}

/* Listing is in id order and paging with a cursor visits each object once. */
static void object_list_paging_test(struct kunit *test)
{
	enum { N = 7 };
	struct gs_obj *objs[N];
	struct gosync_info *buf;
	int destroyed = 0, seen = 0, i, n;
	u64 cursor, next, last = 0;

	buf = kunit_kcalloc(test, 3, sizeof(*buf), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < N; i++)
		objs[i] = new_obj(test, &destroyed, 0600);

	cursor = objs[0]->id;
	do {
		n = gs_obj_list(cursor, buf, NULL, 3, &next);
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_GT(test, buf[i].id, last);
			last = buf[i].id;
			seen += buf[i].id >= objs[0]->id && buf[i].id <= objs[N - 1]->id;
		}
		cursor = next;
	} while (next);
	KUNIT_EXPECT_EQ(test, seen, N);

	/* A cursor past the newest object lists nothing and says it is done */
	KUNIT_EXPECT_EQ(test, gs_obj_list(objs[N - 1]->id + 1000000, buf, NULL, 3, &next), 0);
	KUNIT_EXPECT_EQ(test, next, 0ULL);

	for (i = 0; i < N; i++)
		gs_obj_put(objs[i]);
	KUNIT_EXPECT_EQ(test, destroyed, N);
}

/* A required owner or group that is not the object's is EPERM, before type and mode. */
static void object_lookup_owner_test(struct kunit *test)
{
	kuid_t me = current_fsuid(), other = KUIDT_INIT(4242);
	kgid_t mygid = current_fsgid();
	struct gs_obj *obj, *found;
	int destroyed = 0;

	obj = new_obj(test, &destroyed, 0600);
	KUNIT_ASSERT_EQ(test, gs_obj_publish(obj, "kunit-owner"), 0);
	gs_obj_put(obj);		/* the creator's reference */

	found = gs_obj_lookup("kunit-owner", 0, me, mygid);
	KUNIT_EXPECT_PTR_EQ(test, found, obj);
	if (!IS_ERR(found))
		gs_obj_put(found);
	found = gs_obj_lookup("kunit-owner", GOSYNC_TYPE_MAP, me, INVALID_GID);
	KUNIT_EXPECT_PTR_EQ(test, found, obj);
	if (!IS_ERR(found))
		gs_obj_put(found);
	KUNIT_EXPECT_EQ(test, PTR_ERR(gs_obj_lookup("kunit-owner", 0, other, INVALID_GID)),
			-EPERM);
	KUNIT_EXPECT_EQ(test, PTR_ERR(gs_obj_lookup("kunit-owner", 0, INVALID_UID,
						    KGIDT_INIT(4242))), -EPERM);
	KUNIT_EXPECT_EQ(test, PTR_ERR(gs_obj_lookup("kunit-owner", GOSYNC_TYPE_COUNTER,
						    other, INVALID_GID)), -EPERM);
	KUNIT_EXPECT_EQ(test, PTR_ERR(gs_obj_lookup("kunit-owner", GOSYNC_TYPE_COUNTER,
						    me, INVALID_GID)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(gs_obj_lookup("kunit-nobody", 0, me, INVALID_GID)),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, gs_obj_unlink("kunit-owner", 0), 0);
	KUNIT_EXPECT_EQ(test, destroyed, 1);
}

/* Which of @ids (@n of them) the caller's listing from @cursor shows: a bit each. */
static unsigned int listed_mask(struct kunit *test, u64 cursor, const u64 *ids, int n)
{
	struct gosync_info *buf = kunit_kcalloc(test, 4, sizeof(*buf), GFP_KERNEL);
	unsigned int mask = 0;
	u64 next;
	int i, k, got;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	do {
		got = gs_obj_list(cursor, buf, NULL, 4, &next);
		for (k = 0; k < got; k++)
			for (i = 0; i < n; i++)
				if (buf[k].id == ids[i])
					mask |= 1U << i;
		cursor = next;
	} while (next);
	return mask;
}

/*
 * LIST shows an unprivileged caller what it owns and the names it may open;
 * CAP_SYS_ADMIN sees everything of its namespace.
 */
static void object_list_visibility_test(struct kunit *test)
{
	enum { A600, B666, C_ANON, D_UNNAMED, E_THEIRS, N };
	struct gs_obj *objs[N];
	const struct cred *old;
	struct cred *cred;
	int destroyed = 0, i;
	u64 ids[N];

	objs[A600] = new_obj(test, &destroyed, 0600);
	objs[B666] = new_obj(test, &destroyed, 0666);
	objs[C_ANON] = new_obj(test, &destroyed, 0600);
	objs[D_UNNAMED] = new_obj(test, &destroyed, 0666);
	KUNIT_ASSERT_EQ(test, gs_obj_publish(objs[A600], "kunit-vis-600"), 0);
	KUNIT_ASSERT_EQ(test, gs_obj_publish(objs[B666], "kunit-vis-666"), 0);
	KUNIT_ASSERT_EQ(test, gs_obj_publish(objs[D_UNNAMED], "kunit-vis-gone"), 0);
	KUNIT_ASSERT_EQ(test, gs_obj_unlink("kunit-vis-gone", 0), 0);

	cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, cred);
	cred->fsuid = KUIDT_INIT(4242);
	cred->fsgid = KGIDT_INIT(4242);
	cap_lower(cred->cap_effective, CAP_SYS_ADMIN);
	cap_lower(cred->cap_effective, CAP_DAC_OVERRIDE);
	old = override_creds(cred);
	objs[E_THEIRS] = new_obj(test, &destroyed, 0600);
	for (i = 0; i < N; i++)
		ids[i] = objs[i]->id;
	KUNIT_EXPECT_EQ(test, listed_mask(test, ids[0], ids, N),
			BIT(B666) | BIT(E_THEIRS));
	revert_creds(old);
	put_cred(cred);

	KUNIT_EXPECT_EQ(test, listed_mask(test, ids[0], ids, N), BIT(N) - 1);
	KUNIT_EXPECT_EQ(test, gs_obj_unlink("kunit-vis-600", 0), 0);
	KUNIT_EXPECT_EQ(test, gs_obj_unlink("kunit-vis-666", 0), 0);
	for (i = 0; i < N; i++)
		gs_obj_put(objs[i]);
	KUNIT_EXPECT_EQ(test, destroyed, N);
}

static void object_limit_test(struct kunit *test)
{
	unsigned int saved = gs_max_objects;
	int destroyed = 0;
	struct gs_obj *obj;
	struct fake *f = kzalloc(sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->destroyed = &destroyed;
	gs_max_objects = gs_obj_count();
	obj = gs_obj_new(&fake_type, f, 0600);
	gs_max_objects = saved;
	KUNIT_EXPECT_EQ(test, PTR_ERR(obj), -ENOSPC);
	if (IS_ERR(obj))
		kfree(f);
	else
		gs_obj_put(obj);
	KUNIT_EXPECT_EQ(test, destroyed, 0);
}

static unsigned long fake_charge(void *priv)
{
	return 100;
}

static const struct gs_type charged_type = {
	.id = GOSYNC_TYPE_MAP,
	.subtype = fake_subtype,
	.destroy = fake_destroy,
	.charge = fake_charge,
};

/* As an unprivileged uid: per-user object and byte limits give ENOSPC. */
static void object_user_limit_test(struct kunit *test)
{
	unsigned int saved_objects = gs_max_objects_per_user;
	unsigned long saved_bytes = gs_max_bytes_per_user;
	struct gs_obj *objs[3], *extra;
	const struct cred *old;
	struct gs_user *u;
	struct cred *cred;
	struct fake *f;
	int destroyed = 0, i;

	cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, cred);
	cred->fsuid = KUIDT_INIT(4242);
	cap_lower(cred->cap_effective, CAP_SYS_RESOURCE);
	old = override_creds(cred);

	gs_max_objects_per_user = 3;
	for (i = 0; i < 3; i++)
		objs[i] = new_obj(test, &destroyed, 0600);
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->destroyed = &destroyed;
	extra = gs_obj_new(&fake_type, f, 0600);
	KUNIT_EXPECT_EQ(test, PTR_ERR(extra), -ENOSPC);
	/*
	 * An owner over its object limit (lowered under it, or one that had
	 * CAP_SYS_RESOURCE at create) still gets bytes: a Store or a Send
	 * charges no object. It got ENOSPC with room for the bytes.
	 */
	gs_max_objects_per_user = 2;
	u = gs_user_get_current();
	KUNIT_ASSERT_FALSE(test, IS_ERR(u));
	KUNIT_EXPECT_EQ(test, gs_user_charge_nocap(u, 100, false), 0);
	KUNIT_EXPECT_EQ(test, gs_user_charge(u, 0, 100), 0);
	KUNIT_EXPECT_EQ(test, gs_user_charge(u, 1, 0), -ENOSPC);
	gs_user_uncharge(u, 0, 200);
	gs_user_put(u);
	gs_max_objects_per_user = 3;
	gs_obj_put(objs[2]);		/* frees a slot */
	objs[2] = gs_obj_new(&fake_type, f, 0600);
	KUNIT_EXPECT_FALSE(test, IS_ERR(objs[2]));
	for (i = 0; i < 3; i++)
		if (!IS_ERR(objs[i]))
			gs_obj_put(objs[i]);

	/* Bytes: each charged object costs its struct and stats, plus 100 */
	gs_max_objects_per_user = saved_objects;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->destroyed = &destroyed;
	objs[0] = gs_obj_new(&charged_type, f, 0600);
	KUNIT_ASSERT_FALSE(test, IS_ERR(objs[0]));
	KUNIT_EXPECT_GT(test, objs[0]->charged, 100UL + sizeof(struct gs_obj));
	gs_max_bytes_per_user = objs[0]->charged * 5 / 2;
	gs_obj_put(objs[0]);
	for (i = 0; i < 2; i++) {
		f = kzalloc(sizeof(*f), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, f);
		f->destroyed = &destroyed;
		objs[i] = gs_obj_new(&charged_type, f, 0600);
		KUNIT_EXPECT_FALSE(test, IS_ERR(objs[i]));
	}
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->destroyed = &destroyed;
	extra = gs_obj_new(&charged_type, f, 0600);
	KUNIT_EXPECT_EQ(test, PTR_ERR(extra), -ENOSPC);
	kfree(f);
	for (i = 0; i < 2; i++)
		if (!IS_ERR(objs[i]))
			gs_obj_put(objs[i]);
	gs_max_bytes_per_user = saved_bytes;

	revert_creds(old);
	put_cred(cred);
	KUNIT_EXPECT_EQ(test, destroyed, 7);
}

struct charge_race {
	struct gs_user *u;
	struct completion done;
	bool stop;
	int refused;
};

/* Charges that never fit: each is refused. */
static int charge_too_big(void *arg)
{
	struct charge_race *r = arg;

	while (!READ_ONCE(r->stop))
		if (gs_user_charge_nocap(r->u, 500, false))
			WRITE_ONCE(r->refused, r->refused + 1);
		else
			gs_user_uncharge(r->u, 0, 500);
	complete(&r->done);
	return 0;
}

/*
 * A charge that fails never makes a concurrent one that fits fail: the
 * total may not go past the limit even for a moment (it did, and was then
 * taken back, so a small Store beside a refused big one could get ENOSPC).
 */
static void object_charge_race_test(struct kunit *test)
{
	unsigned long saved = gs_max_bytes_per_user, bytes;
	struct charge_race r = { .u = gs_user_get_current() };
	struct task_struct *t;
	unsigned int objects;
	int i, failed = 0;

	KUNIT_ASSERT_FALSE(test, IS_ERR(r.u));
	init_completion(&r.done);
	gs_user_usage(r.u, &objects, &bytes);
	gs_max_bytes_per_user = bytes + 1000;
	KUNIT_ASSERT_EQ(test, gs_user_charge_nocap(r.u, 900, false), 0);
	t = kthread_run(charge_too_big, &r, "gosync_charge");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	for (i = 0; i < 200000 || !READ_ONCE(r.refused); i++) {
		if (gs_user_charge_nocap(r.u, 50, false))
			failed++;
		else
			gs_user_uncharge(r.u, 0, 50);
		if (!(i % 1024))
			cond_resched();
	}
	WRITE_ONCE(r.stop, true);
	wait_done(&r.done);
	KUNIT_EXPECT_EQ(test, failed, 0);
	KUNIT_EXPECT_GT(test, r.refused, 0);
	gs_user_uncharge(r.u, 0, 900);
	gs_user_usage(r.u, &objects, &bytes);
	KUNIT_EXPECT_EQ(test, bytes + 1000, gs_max_bytes_per_user);
	gs_max_bytes_per_user = saved;
	gs_user_put(r.u);
}

static struct kunit_case gs_object_cases[] = {
	KUNIT_CASE(object_name_check_test),
	KUNIT_CASE(object_anon_lifetime_test),
	KUNIT_CASE(object_named_lifetime_test),
	KUNIT_CASE(object_scope_test),
	KUNIT_CASE(object_list_paging_test),
	KUNIT_CASE(object_lookup_owner_test),
	KUNIT_CASE(object_list_visibility_test),
	KUNIT_CASE(object_limit_test),
	KUNIT_CASE(object_user_limit_test),
	KUNIT_CASE(object_charge_race_test),
	{}
};

static struct kunit_suite gs_object_suite = {
	.name = "gosync_object",
	.test_cases = gs_object_cases,
};

kunit_test_suite(gs_object_suite);
