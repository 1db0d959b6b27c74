// SPDX-License-Identifier: GPL-2.0
/* e2e: GOSYNC_IOC_VERSION, the handshake every client starts with. */
#include <sys/ioctl.h>

#include "cmdtable.h"

static int dev;
static struct gosync_version v;

static bool t_call(void)
{
	memset(&v, 0xa5, sizeof(v));
	CHECK_OK(gosync_version(dev, &v));
	return true;
}

static bool t_api(void)
{
	CHECK_EQ(v.api_version, GOSYNC_API_VERSION);
	CHECK_EQ(v.name_max, GOSYNC_NAME_MAX);
	CHECK_EQ(v.batch_max, GOSYNC_BATCH_MAX);
	CHECK(v.max_objects > 0 && v.max_objects != 0xa5a5a5a5,
	      "max_objects %u", v.max_objects);
	return true;
}

/* The flags added to commands since their types came */
static bool t_features(void)
{
	CHECK_EQ(v.features, GOSYNC_FEATURE_WG_UNHELD | GOSYNC_FEATURE_ONCE_FAILED |
		 GOSYNC_FEATURE_UNLINK_ID);
	return true;
}

/* The module says which release it is, as the tools were built from. */
static bool t_module_version(void)
{
	char buf[64] = "";
	FILE *f = fopen("/sys/module/gosync/version", "r");

	CHECK(f, "/sys/module/gosync/version: %s", tap_errname(errno));
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	CHECK(!strcmp(buf, GOSYNC_PKG_VERSION), "module version '%s', tools '%s'", buf,
	      GOSYNC_PKG_VERSION);
	return true;
}

static bool t_types(void)
{
	CHECK(v.types & (1ULL << GOSYNC_TYPE_COUNTER),
	      "types %#" PRIx64 " lacks counter", (uint64_t)v.types);
	CHECK(!(v.types & 1), "types %#" PRIx64 " has bit 0", (uint64_t)v.types);
	return true;
}

static bool t_modes(void)
{
	for (unsigned int m = GOSYNC_COUNTER_RACY; m <= GOSYNC_COUNTER_PERCPU; m++)
		CHECK(v.counter_modes & (1ULL << m), "counter_modes %#" PRIx64
		      " lacks %s", (uint64_t)v.counter_modes,
		      gosync_counter_mode_name(m));
	return true;
}

static bool t_ops(void)
{
	CHECK_EQ(v.counter_ops & 0x7f, 0x7e);	/* ADD..RESET, no bit 0 */
	return true;
}

/* dev_cmds, obj_cmds and types are exactly what cmdtable.h lists. */
static bool t_cmds(void)
{
	return cmdtable_check(dev);
}

/* The kernel fills every field of the struct the caller asked for. */
static bool t_old_size_rejected(void)
{
	struct gosync_version w = { .size = offsetof(struct gosync_version, batch_max) };

	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_VERSION, &w), EINVAL, false);
	return true;
}

static bool t_flags(void)
{
	struct gosync_version w = { .size = sizeof(w), .flags = 1 };

	CHECK_ERRNO(ioctl(dev, GOSYNC_IOC_VERSION, &w), EINVAL, false);
	return true;
}

int main(void)
{
	dev = tap_dev("version");
	if (!tap_report(t_call(), "version-ioctl"))
		return tap_done(dev, "version");
	tap_report(t_api(), "version-api-fields");
	tap_report(t_features(), "version-features");
	tap_report(t_module_version(), "version-module-version");
	tap_report(t_types(), "version-types-counter");
	tap_report(t_modes(), "version-counter-modes");
	tap_report(t_ops(), "version-counter-ops");
	tap_report(t_cmds(), "version-commands");
	tap_report(t_old_size_rejected(), "version-short-size-einval");
	tap_report(t_flags(), "version-flags-einval");
	return tap_done(dev, "version");
}
