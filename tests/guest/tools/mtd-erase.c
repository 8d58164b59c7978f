// SPDX-License-Identifier: GPL-2.0
/*
 * mtd-erase DEV OFFSET LEN: erases LEN bytes at OFFSET (both multiples of
 * the erase block) of the MTD character device DEV (MEMERASE); exits 0 and
 * prints "ok", else 1 with the errno. Freestanding (sys.h), with the uapi
 * constants of include/uapi/mtd/mtd-abi.h written out.
 */
#include "sys.h"

/* _IOW('M', 2, struct erase_info_user) */
#define MEMERASE	0x40084d02UL

struct erase_info_user {
	u32 start, length;
};

int cmain(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	struct erase_info_user e;
	long fd, off, len, ret;

	if (argc != 4) {
		say("usage: mtd-erase DEV OFFSET LEN\n");
		return 2;
	}
	off = number(argv[2]);
	len = number(argv[3]);
	if (off < 0 || len < 1 || off + len > 0xffffffffL) {
		say("mtd-erase: OFFSET >= 0, LEN >= 1, below 4 GiB\n");
		return 2;
	}
	fd = sys(SYS_OPENAT, AT_FDCWD, (long)argv[1], O_RDWR, 0);
	if (fd < 0) {
		say("mtd-erase: cannot open the device\n");
		return 1;
	}
	e.start = (u32)off;
	e.length = (u32)len;
	ret = sys(SYS_IOCTL, fd, MEMERASE, (long)&e, 0);
	sys(SYS_CLOSE, fd, 0, 0, 0);
	if (ret < 0) {
		say("mtd-erase: MEMERASE failed: errno ");
		put_number(1, -ret);
		say("\n");
		return 1;
	}
	say("ok\n");
	return 0;
}
