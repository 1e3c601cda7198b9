/*
 * proc.h: what /proc says about a process's threads and the machine's CPUs, for the
 * load generator and the benchmarks (never the fast path: each call reads files).
 */
#ifndef VG_TOOLS_PROC_H
#define VG_TOOLS_PROC_H

#include <stdint.h>

/* A thread, found by its name: the number the name ends in (EAL names the dp lcores'
 * threads rte-worker-N, N the lcore; the bot workers are vg-botN), its id, its CPU
 * time (the kernel's schedstat: unlike a lcore's busy TSC, it stops while the thread
 * is off its CPU), its minor page faults and the CPU it ran on last. */
struct proc_task {
	unsigned num;
	int tid;
	uint64_t cpu_ns, minflt;
	int on_cpu;
};

/* The threads of process `pid` ("self" for ours) whose name starts with `prefix`, at
 * most max of them, in the order of the number their name ends in. Returns how many. */
unsigned proc_tasks(const char *pid, const char *prefix, struct proc_task *t, unsigned max);

#define PROC_MAX_CPUS 64

/* Each CPU's total and stolen time so far (/proc/stat, USER_HZ ticks): a virtual
 * machine's CPU that the host ran something else on still counts TSC cycles, which
 * then look like the thread's own. Returns the CPUs read. */
unsigned proc_steal(uint64_t total[PROC_MAX_CPUS], uint64_t steal[PROC_MAX_CPUS]);

#endif
