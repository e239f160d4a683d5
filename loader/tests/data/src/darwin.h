/*
 * darwin.h: the few macOS (x86-64) declarations the darling-loader test
 * programs use.  There is no macOS SDK on the build machine, so this file
 * stands in for <stdio.h>, <stdlib.h>, <string.h>, <unistd.h>, <fcntl.h>,
 * <sys/stat.h>, <errno.h>, <sched.h>, <pthread.h> and <mach/mach.h>.
 *
 * Everything below is written for the x86-64 Darwin ABI (LP64) and must match
 * what the real SDK declares, because the runtime that loads these programs
 * implements exactly that ABI.  Values, layouts and symbol names were taken
 * from apple-oss-distributions/xnu at xnu-11417.101.15 (file named on each
 * block) and from the macOS SDK's Libc headers.  Where Darwin differs from
 * Linux/glibc, the comment says so: those are the places a shim must
 * translate.
 */
#ifndef DARLING_LOADER_TEST_DARWIN_H
#define DARLING_LOADER_TEST_DARWIN_H

#define NULL ((void *)0)

typedef unsigned long size_t;
typedef long ssize_t;
typedef signed char int8_t;
typedef unsigned char uint8_t;
typedef short int16_t;
typedef unsigned short uint16_t;
typedef int int32_t;
typedef unsigned int uint32_t;
typedef long long int64_t;
typedef unsigned long long uint64_t;

/* ---- <stdio.h> ---------------------------------------------------------
 * FILE is opaque here.  macOS has no `stdout` object: the SDK declares three
 * pointers, exported by libSystem as data symbols ___stdinp/___stdoutp/
 * ___stderrp, and #defines stdin/stdout/stderr to them (glibc exports
 * `stdout`/`stderr` instead).  A program that uses stderr therefore imports
 * the data symbol ___stderrp, reached through the GOT. */
typedef struct __sFILE FILE;
extern FILE *__stdinp;
extern FILE *__stdoutp;
extern FILE *__stderrp;
#define stdin __stdinp
#define stdout __stdoutp
#define stderr __stderrp

int printf(const char *, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *, const char *, ...) __attribute__((format(printf, 2, 3)));

/* ---- <stdlib.h>, <string.h> ------------------------------------------- */
void exit(int) __attribute__((noreturn)); /* flushes stdio */
char *getenv(const char *);
char *strerror(int); /* Darwin's messages (Libc gen/errlst.c) */

/* ---- <errno.h> [xnu: bsd/sys/errno.h] ----------------------------------
 * errno is `(*__error())` (glibc: `(*__errno_location())`); the numbers are
 * Darwin's: 1..34 agree with Linux except 11 (Darwin EDEADLK, Linux EAGAIN),
 * and Darwin's EAGAIN is 35. */
int *__error(void);
#define errno (*__error())
#define ENOENT 2

/* ---- <unistd.h>, <sched.h> -------------------------------------------- */
ssize_t read(int, void *, size_t);
ssize_t write(int, const void *, size_t);
int close(int);
int unlink(const char *);
int sched_yield(void);

/* ---- <fcntl.h> [xnu: bsd/sys/fcntl.h] ----------------------------------
 * Darwin's flag values, not Linux's: Linux O_CREAT is 0x40, O_TRUNC 0x200,
 * O_EXCL 0x80, O_APPEND 0x400.  Darwin's O_CREAT (0x200) is Linux's O_TRUNC
 * and Darwin's O_TRUNC (0x400) is Linux's O_APPEND. */
#define O_RDONLY 0x0000
#define O_WRONLY 0x0001
#define O_RDWR 0x0002
#define O_APPEND 0x0008
#define O_CREAT 0x0200
#define O_TRUNC 0x0400
#define O_EXCL 0x0800
int open(const char *, int, ...); /* variadic: the mode is passed like an int */

/* ---- <sys/stat.h> [xnu: bsd/sys/stat.h, bsd/sys/_types.h] --------------
 * On x86-64 macOS __DARWIN_64_BIT_INO_T is 1 and __DARWIN_ONLY_64_BIT_INO_T
 * is 0 [xnu: bsd/sys/cdefs.h], so `struct stat` is __DARWIN_STRUCT_STAT64
 * and stat() is declared __DARWIN_INODE64(stat): the imported symbol is
 * `_stat$INODE64` (the plain `_stat` is the old 32-bit-inode ABI).  (On
 * x86-64 the UNIX03 suffix is empty: __DARWIN_ONLY_UNIX_CONFORMANCE is 1.)
 *
 * Layout (144 bytes) differs from glibc's x86-64 struct stat (also 144 bytes,
 * but st_dev is 8 bytes, st_ino comes second, st_nlink is 8 bytes, st_mode 4
 * bytes at offset 24, st_size at offset 48, no birth time). */
typedef int32_t dev_t;      /* __darwin_dev_t */
typedef uint16_t mode_t;    /* __darwin_mode_t */
typedef uint16_t nlink_t;   /* nlink_t */
typedef uint32_t uid_t;     /* __darwin_uid_t */
typedef uint32_t gid_t;     /* __darwin_gid_t */
typedef int64_t off_t;      /* __darwin_off_t */
typedef int64_t blkcnt_t;   /* __darwin_blkcnt_t */
typedef int32_t blksize_t;  /* __darwin_blksize_t */
struct timespec {
	long tv_sec; /* __darwin_time_t */
	long tv_nsec;
};
struct stat {
	dev_t st_dev;                     /*   0 */
	mode_t st_mode;                   /*   4 */
	nlink_t st_nlink;                 /*   6 */
	uint64_t st_ino;                  /*   8  __darwin_ino64_t */
	uid_t st_uid;                     /*  16 */
	gid_t st_gid;                     /*  20 */
	dev_t st_rdev;                    /*  24 */
	struct timespec st_atimespec;     /*  32 */
	struct timespec st_mtimespec;     /*  48 */
	struct timespec st_ctimespec;     /*  64 */
	struct timespec st_birthtimespec; /*  80 */
	off_t st_size;                    /*  96 */
	blkcnt_t st_blocks;               /* 104 */
	blksize_t st_blksize;             /* 112 */
	uint32_t st_flags;                /* 116 */
	uint32_t st_gen;                  /* 120 */
	int32_t st_lspare;                /* 124 */
	int64_t st_qspare[2];             /* 128 */
};
_Static_assert(sizeof(struct stat) == 144, "Darwin x86-64 struct stat is 144 bytes");
_Static_assert(__builtin_offsetof(struct stat, st_ino) == 8, "st_ino");
_Static_assert(__builtin_offsetof(struct stat, st_size) == 96, "st_size");
#define S_IFMT 0170000  /* [xnu: bsd/sys/_types/_s_ifmt.h], same as Linux */
#define S_IFREG 0100000
int stat(const char *, struct stat *) __asm("_stat$INODE64");

/* ---- <pthread.h> -------------------------------------------------------
 * pthread_t is a pointer to an opaque struct (glibc: unsigned long);
 * pthread_attr_t is 64 bytes (glibc: 56).  The programs pass no attributes. */
typedef struct _opaque_pthread_t *pthread_t;
typedef struct _opaque_pthread_attr_t {
	long __sig;
	char __opaque[56];
} pthread_attr_t;
int pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
int pthread_join(pthread_t, void **);

/* ---- Mach types [xnu: osfmk/mach/i386/vm_types.h, osfmk/mach/port.h,
 *      osfmk/mach/mach_types.h, osfmk/mach/kern_return.h] ----------------
 * In user space a port (right name) is a 32-bit integer. */
typedef unsigned int natural_t;
typedef int integer_t;
typedef int kern_return_t;
typedef natural_t mach_port_name_t;
typedef natural_t mach_port_t;
typedef mach_port_t ipc_space_t;
typedef mach_port_t host_t;
typedef natural_t mach_port_right_t;
#define KERN_SUCCESS 0
#define MACH_PORT_NULL 0
#define MACH_PORT_RIGHT_RECEIVE ((mach_port_right_t)1)

/* <mach/mach_init.h> [xnu: libsyscall/mach/mach/mach_init.h]:
 * mach_task_self() is a macro reading the exported variable mach_task_self_,
 * so programs import the data symbol _mach_task_self_, not a function. */
extern mach_port_t mach_task_self_;
#define mach_task_self() mach_task_self_
mach_port_t mach_host_self(void);

/* ---- <mach/message.h> [xnu: osfmk/mach/message.h] --------------------- */
typedef unsigned int mach_msg_bits_t;
typedef natural_t mach_msg_size_t;
typedef integer_t mach_msg_id_t;
typedef integer_t mach_msg_option_t;
typedef natural_t mach_msg_timeout_t;
typedef unsigned int mach_msg_type_name_t;
typedef natural_t mach_msg_type_number_t;
typedef unsigned int mach_msg_trailer_type_t;
typedef unsigned int mach_msg_trailer_size_t;
typedef kern_return_t mach_msg_return_t;

#define MACH_MSG_TYPE_MOVE_SEND 17 /* = MACH_MSG_TYPE_PORT_SEND */
#define MACH_MSG_TYPE_COPY_SEND 19
#define MACH_MSG_TYPE_MAKE_SEND 20
#define MACH_MSGH_BITS(remote, local) ((remote) | ((local) << 8))
#define MACH_MSGH_BITS_REMOTE(bits) ((bits) & 0x0000001f)
#define MACH_MSGH_BITS_LOCAL(bits) (((bits) & 0x00001f00) >> 8)
#define MACH_SEND_MSG 0x00000001
#define MACH_RCV_MSG 0x00000002
#define MACH_MSG_TIMEOUT_NONE ((mach_msg_timeout_t)0)
#define MACH_MSG_SUCCESS 0

#pragma pack(push, 4)
typedef struct {
	mach_msg_bits_t msgh_bits;          /*  0 */
	mach_msg_size_t msgh_size;          /*  4 */
	mach_port_t msgh_remote_port;       /*  8 */
	mach_port_t msgh_local_port;        /* 12 */
	mach_port_name_t msgh_voucher_port; /* 16 */
	mach_msg_id_t msgh_id;              /* 20 */
} mach_msg_header_t;
typedef struct {
	mach_msg_trailer_type_t msgh_trailer_type;
	mach_msg_trailer_size_t msgh_trailer_size;
} mach_msg_trailer_t;
#pragma pack(pop)
_Static_assert(sizeof(mach_msg_header_t) == 24, "mach_msg_header_t is 24 bytes");
_Static_assert(sizeof(mach_msg_trailer_t) == 8, "mach_msg_trailer_t is 8 bytes");

mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option,
	mach_msg_size_t send_size, mach_msg_size_t rcv_size,
	mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
	mach_port_name_t notify);
/* MIG routines [xnu: osfmk/mach/mach_port.defs] */
kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right,
	mach_port_name_t *name);
kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name,
	mach_port_t poly, mach_msg_type_name_t polyPoly);

/* ---- <servers/bootstrap.h> [launchd's liblaunch/bootstrap.h; in libSystem] --
 * bootstrap_port is the exported variable holding the task's bootstrap port;
 * name_t is char[128]. */
typedef char name_t[128];
extern mach_port_t bootstrap_port;
kern_return_t bootstrap_look_up(mach_port_t bp, const name_t service_name,
	mach_port_t *sp);
kern_return_t bootstrap_register(mach_port_t bp, const name_t service_name,
	mach_port_t sp);
#define BOOTSTRAP_UNKNOWN_SERVICE 1102

/* ---- <mach/host_info.h> [xnu: osfmk/mach/host_info.h,
 *      osfmk/mach/mach_host.defs] --------------------------------------- */
typedef integer_t *host_info_t;
typedef integer_t host_flavor_t;
typedef integer_t cpu_type_t;
typedef integer_t cpu_subtype_t;
typedef integer_t cpu_threadtype_t;
#define HOST_BASIC_INFO 1
#pragma pack(push, 4)
struct host_basic_info {
	integer_t max_cpus;                 /*  0 */
	integer_t avail_cpus;               /*  4 */
	natural_t memory_size;              /*  8  capped at 2 GB */
	cpu_type_t cpu_type;                /* 12 */
	cpu_subtype_t cpu_subtype;          /* 16 */
	cpu_threadtype_t cpu_threadtype;    /* 20 */
	integer_t physical_cpu;             /* 24 */
	integer_t physical_cpu_max;         /* 28 */
	integer_t logical_cpu;              /* 32 */
	integer_t logical_cpu_max;          /* 36 */
	uint64_t max_mem;                   /* 40 */
};
#pragma pack(pop)
typedef struct host_basic_info host_basic_info_data_t;
#define HOST_BASIC_INFO_COUNT \
	((mach_msg_type_number_t)(sizeof(host_basic_info_data_t) / sizeof(integer_t)))
_Static_assert(sizeof(host_basic_info_data_t) == 48, "host_basic_info is 48 bytes");
_Static_assert(HOST_BASIC_INFO_COUNT == 12, "HOST_BASIC_INFO_COUNT is 12");
kern_return_t host_info(host_t host, host_flavor_t flavor,
	host_info_t host_info_out, mach_msg_type_number_t *host_info_outCnt);

/* ---- x86-64 commpage [xnu: osfmk/i386/cpu_capabilities.h] -------------- */
#define _COMM_PAGE64_BASE_ADDRESS 0x00007fffffe00000ULL
#define _COMM_PAGE64_START_ADDRESS _COMM_PAGE64_BASE_ADDRESS
#define _COMM_PAGE_START_ADDRESS _COMM_PAGE64_START_ADDRESS
/* uint8_t: number of configured CPUs (hw.logicalcpu at boot); it is also
 * bits 16..23 (kNumCPUs) of the 32-bit _COMM_PAGE_CPU_CAPABILITIES at +0x020 */
#define _COMM_PAGE_NCPUS (_COMM_PAGE_START_ADDRESS + 0x022)

#endif /* DARLING_LOADER_TEST_DARWIN_H */
