// SPDX-License-Identifier: GPL-2.0
/*
 * spidev-loop DEV MODE LEN [FAIL_NTH]: one full-duplex transfer of LEN bytes
 * (1..65536) in SPI mode MODE (0..3) through spidev DEV, to a peripheral
 * that returns MOSI on MISO in the same frame (the emulator's
 * ssi-loopback); exits 0 and prints "ok" when every received byte equals
 * the byte sent, else 1 (with the errno when the transfer failed).
 * LEN may be a comma-separated list (at most 8, 65536 bytes in all): one
 * message of that many transfers, each with cs_change but the last (chip
 * select deasserted between them).
 *
 * FAIL_NTH (fault injection, Documentation/fault-injection): written to
 * /proc/self/fail-nth just before the transfer, so that the FAIL_NTH-th
 * injectable allocation of this task inside the ioctl fails; afterwards
 * "fail-nth left N" tells how far the countdown still was (N > 0: the
 * transfer made fewer allocations) and the countdown is disarmed.
 *
 * Freestanding (sys.h), with the uapi constants of
 * include/uapi/linux/spi/spidev.h written out.
 */
#include "sys.h"

/* _IOW('k', 0, char[32 n]), _IOW('k', 1, __u8), _IOW('k', 4, __u32) */
#define SPI_IOC_MESSAGE(n)	(0x40006b00UL | ((unsigned long)(n) * 32) << 16)
#define SPI_IOC_WR_MODE		0x40016b01UL
#define SPI_IOC_WR_MAX_SPEED_HZ	0x40046b04UL
#define MAX_LEN 65536
#define MAX_XFERS 8

/* struct spi_ioc_transfer (32 bytes) */
struct spi_ioc_transfer {
	u64 tx_buf, rx_buf;
	u32 len, speed_hz;
	u16 delay_usecs;
	u8 bits_per_word, cs_change, tx_nbits, rx_nbits, word_delay_usecs, pad;
};

static u8 tx[MAX_LEN], rx[MAX_LEN];

/* Arms (n > 0) or disarms (n = 0) the fail-nth countdown; returns its fd. */
static long fail_nth(long fd, long n)
{
	if (fd < 0)
		fd = sys(SYS_OPENAT, AT_FDCWD, (long)"/proc/self/fail-nth", O_RDWR, 0);
	if (fd >= 0)
		put_number(fd, n);
	return fd;
}

int cmain(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	struct spi_ioc_transfer t[MAX_XFERS] = { 0 };
	u32 speed = 25000000, x;
	long fd, mode, len = 0, i, n = 0, nth = 0, nth_fd = -1, ret, part;
	long lens[MAX_XFERS];
	char *p, *q;
	int last;
	char left[24];
	u8 m;

	if (argc != 4 && argc != 5) {
		say("usage: spidev-loop DEV MODE LEN [FAIL_NTH]\n");
		return 2;
	}
	mode = number(argv[2]);
	for (p = argv[3];; p = q + 1) {
		for (q = p; *q && *q != ','; q++)
			;
		last = !*q;
		*q = 0;
		part = number(p);
		if (n == MAX_XFERS || part < 1 || len + part > MAX_LEN) {
			len = 0;
			break;
		}
		lens[n++] = part;
		len += part;
		if (last)
			break;
	}
	if (argc == 5)
		nth = number(argv[4]);
	if (mode < 0 || mode > 3 || len < 1 || nth < 0) {
		say("spidev-loop: MODE 0..3, LEN 1..65536 (or up to 8 comma-separated), FAIL_NTH >= 0\n");
		return 2;
	}
	fd = sys(SYS_OPENAT, AT_FDCWD, (long)argv[1], O_RDWR, 0);
	if (fd < 0) {
		say("spidev-loop: cannot open the device\n");
		return 1;
	}
	m = (u8)mode;
	if (sys(SYS_IOCTL, fd, SPI_IOC_WR_MODE, (long)&m, 0) < 0 ||
	    sys(SYS_IOCTL, fd, SPI_IOC_WR_MAX_SPEED_HZ, (long)&speed, 0) < 0) {
		say("spidev-loop: cannot set mode or speed\n");
		return 1;
	}
	/* xorshift pattern, seeded by mode and length */
	x = 2463534242u ^ (u32)(len * 4 + mode);
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		tx[i] = (u8)x;
		rx[i] = (u8)~x;
	}
	for (i = 0, part = 0; i < n; part += lens[i], i++) {
		t[i].tx_buf = (u64)(tx + part);
		t[i].rx_buf = (u64)(rx + part);
		t[i].len = (u32)lens[i];
		t[i].speed_hz = speed;
		t[i].bits_per_word = 8;
		t[i].cs_change = i + 1 < n;
	}
	if (nth) {
		nth_fd = fail_nth(-1, nth);
		if (nth_fd < 0) {
			say("spidev-loop: cannot arm /proc/self/fail-nth\n");
			return 1;
		}
	}
	ret = sys(SYS_IOCTL, fd, SPI_IOC_MESSAGE(n), (long)t, 0);
	if (nth) {
		i = sys(SYS_READ, nth_fd, (long)left, sizeof(left), 0);
		fail_nth(nth_fd, 0);
		say("fail-nth left ");
		sys(SYS_WRITE, 1, (long)left, i > 0 ? i : 0, 0);
	}
	if (ret != len) {
		say("spidev-loop: transfer failed: errno ");
		put_number(1, ret < 0 ? -ret : 0);
		say("\n");
		return 1;
	}
	sys(SYS_CLOSE, fd, 0, 0, 0);
	for (i = 0; i < len; i++) {
		if (rx[i] != tx[i]) {
			say("spidev-loop: mismatch\n");
			return 1;
		}
	}
	say("ok\n");
	return 0;
}
