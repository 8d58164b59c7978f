// SPDX-License-Identifier: GPL-2.0
/*
 * spidev-loop DEV MODE LEN [FAIL_NTH]: one full-duplex transfer of LEN bytes
 * (1..65536) in SPI mode MODE (0..3) through spidev DEV, to a peripheral
 * that returns MOSI on MISO in the same frame (the emulator's
 * ssi-loopback); exits 0 and prints "ok" when every received byte equals
 * the byte sent, else 1 (with the errno when the transfer failed).
 *
 * FAIL_NTH (fault injection, Documentation/fault-injection): written to
 * /proc/self/fail-nth just before the transfer, so that the FAIL_NTH-th
 * injectable allocation of this task inside the ioctl fails; afterwards
 * "fail-nth left N" tells how far the countdown still was (N > 0: the
 * transfer made fewer allocations) and the countdown is disarmed.
 *
 * The guest has busybox only and no C library, so this is freestanding:
 * raw arm64 Linux system calls, and the uapi constants of
 * include/uapi/linux/spi/spidev.h written out.
 */
typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

enum { SYS_OPENAT = 56, SYS_CLOSE = 57, SYS_IOCTL = 29, SYS_READ = 63, SYS_WRITE = 64 };
#define AT_FDCWD	(-100)
#define O_RDWR		2
/* _IOW('k', 0, char[32]), _IOW('k', 1, __u8), _IOW('k', 4, __u32) */
#define SPI_IOC_MESSAGE_1	0x40206b00UL
#define SPI_IOC_WR_MODE		0x40016b01UL
#define SPI_IOC_WR_MAX_SPEED_HZ	0x40046b04UL
#define MAX_LEN 65536

/* struct spi_ioc_transfer (32 bytes) */
struct spi_ioc_transfer {
	u64 tx_buf, rx_buf;
	u32 len, speed_hz;
	u16 delay_usecs;
	u8 bits_per_word, cs_change, tx_nbits, rx_nbits, word_delay_usecs, pad;
};

static u8 tx[MAX_LEN], rx[MAX_LEN];

static long sys(long nr, long a, long b, long c, long d)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;

	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	return x0;
}

static long len_of(const char *s)
{
	long n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	sys(SYS_WRITE, 1, (long)s, len_of(s), 0);
}

static long number(const char *s)
{
	long n = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}

/* Writes n in decimal to fd. */
static void put_number(long fd, long n)
{
	char b[24];
	int i = sizeof(b);

	do {
		b[--i] = '0' + n % 10;
		n /= 10;
	} while (n && i);
	sys(SYS_WRITE, fd, (long)(b + i), sizeof(b) - i, 0);
}

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
	struct spi_ioc_transfer t = { 0 };
	u32 speed = 25000000, x;
	long fd, mode, len, i, nth = 0, nth_fd = -1, ret;
	char left[24];
	u8 m;

	if (argc != 4 && argc != 5) {
		say("usage: spidev-loop DEV MODE LEN [FAIL_NTH]\n");
		return 2;
	}
	mode = number(argv[2]);
	len = number(argv[3]);
	if (argc == 5)
		nth = number(argv[4]);
	if (mode < 0 || mode > 3 || len < 1 || len > MAX_LEN || nth < 0) {
		say("spidev-loop: MODE 0..3, LEN 1..65536, FAIL_NTH >= 0\n");
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
	t.tx_buf = (u64)tx;
	t.rx_buf = (u64)rx;
	t.len = (u32)len;
	t.speed_hz = speed;
	t.bits_per_word = 8;
	if (nth) {
		nth_fd = fail_nth(-1, nth);
		if (nth_fd < 0) {
			say("spidev-loop: cannot arm /proc/self/fail-nth\n");
			return 1;
		}
	}
	ret = sys(SYS_IOCTL, fd, SPI_IOC_MESSAGE_1, (long)&t, 0);
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

__attribute__((naked, noreturn)) void _start(void)
{
	__asm__ volatile("mov x0, sp\n\tbl cmain\n\tmov x8, #93\n\tsvc #0");
}
