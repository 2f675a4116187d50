/* Names for the violation report. Only what both x86-64 and aarch64 define is listed unguarded; the
 * legacy x86-64 calls (open, fork, ...) that aarch64 never had follow under #if. */
#include <stddef.h>
#include <sys/syscall.h>

#include "lockdown.h"

#define N(name) {__NR_##name, #name}

static const struct {
  long nr;
  const char* name;
} names[] = {
  N(io_setup), N(io_destroy), N(io_submit), N(io_cancel), N(io_getevents), N(setxattr), N(lsetxattr), N(fsetxattr),
  N(getxattr), N(lgetxattr), N(fgetxattr), N(listxattr), N(llistxattr), N(flistxattr), N(removexattr),
  N(lremovexattr), N(fremovexattr), N(getcwd), N(lookup_dcookie), N(eventfd2), N(epoll_create1), N(epoll_ctl),
  N(epoll_pwait), N(dup), N(dup3), N(fcntl), N(inotify_init1), N(inotify_add_watch), N(inotify_rm_watch), N(ioctl),
  N(ioprio_set), N(ioprio_get), N(flock), N(mknodat), N(mkdirat), N(unlinkat), N(symlinkat), N(linkat), N(renameat),
  N(umount2), N(mount), N(pivot_root), N(nfsservctl), N(statfs), N(fstatfs), N(truncate), N(ftruncate), N(fallocate),
  N(faccessat), N(chdir), N(fchdir), N(chroot), N(fchmod), N(fchmodat), N(fchownat), N(fchown), N(openat), N(close),
  N(vhangup), N(pipe2), N(quotactl), N(getdents64), N(lseek), N(read), N(write), N(readv), N(writev), N(pread64),
  N(pwrite64), N(preadv), N(pwritev), N(sendfile), N(pselect6), N(ppoll), N(signalfd4), N(vmsplice), N(splice),
  N(tee), N(readlinkat), N(newfstatat), N(fstat), N(sync), N(fsync), N(fdatasync), N(sync_file_range),
  N(timerfd_create), N(timerfd_settime), N(timerfd_gettime), N(utimensat), N(acct), N(capget), N(capset),
  N(personality), N(exit), N(exit_group), N(waitid), N(set_tid_address), N(unshare), N(futex), N(set_robust_list),
  N(get_robust_list), N(nanosleep), N(getitimer), N(setitimer), N(kexec_load), N(init_module), N(delete_module),
  N(timer_create), N(timer_gettime), N(timer_getoverrun), N(timer_settime), N(timer_delete), N(clock_settime),
  N(clock_gettime), N(clock_getres), N(clock_nanosleep), N(syslog), N(ptrace), N(sched_setparam),
  N(sched_setscheduler), N(sched_getscheduler), N(sched_getparam), N(sched_setaffinity), N(sched_getaffinity),
  N(sched_yield), N(sched_get_priority_max), N(sched_get_priority_min), N(sched_rr_get_interval), N(restart_syscall),
  N(kill), N(tkill), N(tgkill), N(sigaltstack), N(rt_sigsuspend), N(rt_sigaction), N(rt_sigprocmask),
  N(rt_sigpending), N(rt_sigtimedwait), N(rt_sigqueueinfo), N(rt_sigreturn), N(setpriority), N(getpriority),
  N(reboot), N(setregid), N(setgid), N(setreuid), N(setuid), N(setresuid), N(getresuid), N(setresgid), N(getresgid),
  N(setfsuid), N(setfsgid), N(times), N(setpgid), N(getpgid), N(getsid), N(setsid), N(getgroups), N(setgroups),
  N(uname), N(sethostname), N(setdomainname), N(getrlimit), N(setrlimit), N(getrusage), N(umask), N(prctl),
  N(getcpu), N(gettimeofday), N(settimeofday), N(adjtimex), N(getpid), N(getppid), N(getuid), N(geteuid), N(getgid),
  N(getegid), N(gettid), N(sysinfo), N(mq_open), N(mq_unlink), N(mq_timedsend), N(mq_timedreceive), N(mq_notify),
  N(mq_getsetattr), N(msgget), N(msgctl), N(msgrcv), N(msgsnd), N(semget), N(semctl), N(semtimedop), N(semop),
  N(shmget), N(shmctl), N(shmat), N(shmdt), N(socket), N(socketpair), N(bind), N(listen), N(accept), N(connect),
  N(getsockname), N(getpeername), N(sendto), N(recvfrom), N(setsockopt), N(getsockopt), N(shutdown), N(sendmsg),
  N(recvmsg), N(readahead), N(brk), N(munmap), N(mremap), N(add_key), N(request_key), N(keyctl), N(clone), N(execve),
  N(mmap), N(fadvise64), N(swapon), N(swapoff), N(mprotect), N(msync), N(mlock), N(munlock), N(mlockall),
  N(munlockall), N(mincore), N(madvise), N(remap_file_pages), N(mbind), N(get_mempolicy), N(set_mempolicy),
  N(migrate_pages), N(move_pages), N(rt_tgsigqueueinfo), N(perf_event_open), N(accept4), N(recvmmsg), N(wait4),
  N(prlimit64), N(fanotify_init), N(fanotify_mark), N(name_to_handle_at), N(open_by_handle_at), N(clock_adjtime),
  N(syncfs), N(setns), N(sendmmsg), N(process_vm_readv), N(process_vm_writev), N(kcmp), N(finit_module),
  N(sched_setattr), N(sched_getattr), N(renameat2), N(seccomp), N(getrandom), N(memfd_create), N(bpf), N(execveat),
  N(userfaultfd), N(membarrier), N(mlock2), N(copy_file_range), N(preadv2), N(pwritev2), N(pkey_mprotect),
  N(pkey_alloc), N(pkey_free), N(statx), N(io_pgetevents), N(rseq), N(pidfd_send_signal), N(io_uring_setup),
  N(io_uring_enter), N(io_uring_register), N(open_tree), N(move_mount), N(fsopen), N(fsconfig), N(fsmount),
  N(fspick), N(pidfd_open), N(clone3), N(close_range), N(openat2), N(pidfd_getfd), N(faccessat2), N(process_madvise),
  N(epoll_pwait2), N(mount_setattr), N(landlock_create_ruleset), N(landlock_add_rule), N(landlock_restrict_self),
  N(memfd_secret), N(process_mrelease), N(futex_waitv), N(set_mempolicy_home_node),
#if defined(__x86_64__)
  N(open), N(creat), N(stat), N(lstat), N(poll), N(access), N(pipe), N(select), N(dup2), N(pause), N(alarm), N(fork),
  N(vfork), N(getpgrp), N(rename), N(mkdir), N(rmdir), N(link), N(unlink), N(symlink), N(readlink), N(chmod),
  N(chown), N(lchown), N(utime), N(utimes), N(futimesat), N(mknod), N(uselib), N(ustat), N(sysfs), N(getdents),
  N(epoll_create), N(epoll_wait), N(inotify_init), N(eventfd), N(signalfd), N(time), N(arch_prctl), N(iopl),
  N(ioperm), N(modify_ldt), N(_sysctl), N(create_module), N(get_kernel_syms), N(query_module), N(getpmsg),
  N(putpmsg), N(afs_syscall), N(tuxcall), N(security), N(set_thread_area), N(get_thread_area), N(epoll_ctl_old),
  N(epoll_wait_old), N(vserver),
#endif
};

const char* ns_syscall_name(long nr) {
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (names[i].nr == nr) return names[i].name;
  }
  return NULL;
}
