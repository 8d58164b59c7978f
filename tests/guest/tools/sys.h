/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the freestanding guest tools share: the guest has busybox and no C
 * library, so they make raw arm64 Linux system calls. Include once, from
 * the tool's only source file; the tool defines cmain(sp).
 */
#ifndef OXDMA_TOOLS_SYS_H
#define OXDMA_TOOLS_SYS_H

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

enum { SYS_OPENAT = 56, SYS_CLOSE = 57, SYS_IOCTL = 29, SYS_READ = 63, SYS_WRITE = 64 };
#define AT_FDCWD	(-100)
#define O_RDWR		2

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

/* A decimal number, or -1. */
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

int cmain(long *sp);

__attribute__((naked, noreturn)) void _start(void)
{
	__asm__ volatile("mov x0, sp\n\tbl cmain\n\tmov x8, #93\n\tsvc #0");
}

#endif
