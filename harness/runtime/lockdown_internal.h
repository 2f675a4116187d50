#ifndef NS_LOCKDOWN_INTERNAL_H
#define NS_LOCKDOWN_INTERNAL_H

#include <linux/audit.h>
#include <linux/filter.h>
#include <signal.h>

#include "lockdown.h"

#if defined(__x86_64__)
#define NS_AUDIT_ARCH AUDIT_ARCH_X86_64
#define NS_X32_SYSCALL_BIT 0x40000000u
#elif defined(__aarch64__)
#define NS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "lockdown supports x86-64 and aarch64 only"
#endif

enum { NS_LOCKDOWN_MAX_INSNS = 512 };

/* Writes the BPF program for policy into out; returns its length, or -1 for an unknown policy or overflow.
 * self_pid is the only process tgkill may target. */
int ns_lockdown_build(ns_policy policy, int self_pid, struct sock_filter* out, int max);

/* The SIGSYS handler and where it reports. */
void ns_lockdown_set_report_fd(int fd);
void ns_lockdown_on_sigsys(int sig, siginfo_t* info, void* context);

#endif
