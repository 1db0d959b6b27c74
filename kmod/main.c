// SPDX-License-Identifier: GPL-2.0
/*
 * gosync: Go's sync package as kernel objects.
 *
 * Module init/exit and the /dev/gosync misc device. Everything the device
 * does is an ioctl; see uapi.c and include/uapi/linux/gosync.h.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "gosync.h"

static ushort dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permissions of /dev/gosync (default 0600: root only)");

static const struct file_operations gosync_dev_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = gosync_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice gosync_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "gosync",
	.fops = &gosync_dev_fops,
};

static int __init gosync_init(void)
{
	int ret = gosync_objects_init();

	if (ret)
		return ret;
	gosync_misc.mode = dev_mode & 0666;
	ret = misc_register(&gosync_misc);
	if (ret)
		gosync_objects_exit();
	return ret;
}

static void __exit gosync_exit(void)
{
	/* No fd pins the module any more: only named objects are left. */
	misc_deregister(&gosync_misc);
	gosync_objects_exit();
}

module_init(gosync_init);
module_exit(gosync_exit);
MODULE_DESCRIPTION("gosync: Go's sync primitives as kernel objects");
MODULE_LICENSE("GPL");
