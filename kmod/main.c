// SPDX-License-Identifier: GPL-2.0
/*
 * gosync: Go's sync package as kernel objects.
 *
 * Module init/exit and the /dev/gosync misc device. Everything the device
 * does is an ioctl; see dispatch.c, the <type>_uapi.c files and
 * uapi/linux/gosync.h.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "internal.h"

/* Map seqs and object ids are u64 xarray indexes: unsigned long must hold them. */
static_assert(BITS_PER_LONG == 64, "gosync needs a 64-bit kernel");

static ushort dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permissions of /dev/gosync (default 0600: root only)");

static const struct file_operations gs_dev_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = gs_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice gs_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "gosync",
	.fops = &gs_dev_fops,
};

static int __init gs_init(void)
{
	int ret = gs_objects_init();

	if (ret)
		return ret;
	gs_misc.mode = dev_mode & 0666;
	ret = misc_register(&gs_misc);
	if (ret)
		gs_objects_exit();
	return ret;
}

static void __exit gs_exit(void)
{
	/* No fd pins the module any more: only named objects are left. */
	misc_deregister(&gs_misc);
	gs_objects_exit();
}

module_init(gs_init);
module_exit(gs_exit);
MODULE_DESCRIPTION("gosync: Go's sync primitives as kernel objects");
MODULE_LICENSE("GPL");
MODULE_VERSION(GOSYNC_MODULE_VERSION);
