/*
 * proc.c: what /proc says about a process's threads and the machine's CPUs.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/proc.h"

static int proc_task_cmp(const void *a, const void *b)
{
	const struct proc_task *x = a, *y = b;

	return (x->num > y->num) - (x->num < y->num);
}

/* Read task `tid` of `pid` into t. Returns 0, or -1 when it is gone. */
static int proc_task_read(const char *pid, const char *tid, struct proc_task *t)
{
	char path[320], line[1024], *p, *save = NULL;
	unsigned long long ns;
	FILE *f;

	t->cpu_ns = t->minflt = 0;
	t->on_cpu = -1;
	snprintf(path, sizeof(path), "/proc/%s/task/%s/schedstat", pid, tid);
	if (!(f = fopen(path, "r")))
		return -1;
	if (fscanf(f, "%llu", &ns) == 1)
		t->cpu_ns = ns;
	fclose(f);
	/* stat: after the ")" closing comm, minflt is the 8th field, processor the 37th */
	snprintf(path, sizeof(path), "/proc/%s/task/%s/stat", pid, tid);
	if (!(f = fopen(path, "r")))
		return -1;
	if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')'))) {
		p = strtok_r(p + 1, " ", &save);
		for (unsigned i = 1; p; i++, p = strtok_r(NULL, " ", &save)) {
			if (i == 8)
				t->minflt = strtoull(p, NULL, 10);
			else if (i == 37)
				t->on_cpu = atoi(p);
		}
	}
	fclose(f);
	return 0;
}

unsigned proc_tasks(const char *pid, const char *prefix, struct proc_task *t, unsigned max)
{
	char path[320], comm[32];
	struct dirent *e;
	unsigned n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	if (!(d = opendir(path)))
		return 0;
	while (n < max && (e = readdir(d))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/task/%s/comm", pid, e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		comm[0] = '\0';
		if (!fgets(comm, sizeof(comm), f) || strncmp(comm, prefix, strlen(prefix)) != 0) {
			fclose(f);
			continue;
		}
		fclose(f);
		t[n].num = (unsigned)strtoul(comm + strlen(prefix), NULL, 10);
		t[n].tid = atoi(e->d_name);
		if (proc_task_read(pid, e->d_name, &t[n]) == 0)
			n++;
	}
	closedir(d);
	qsort(t, n, sizeof(*t), proc_task_cmp);
	return n;
}

unsigned proc_steal(uint64_t total[PROC_MAX_CPUS], uint64_t steal[PROC_MAX_CPUS])
{
	char line[512];
	unsigned n = 0;
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && n < PROC_MAX_CPUS) {
		unsigned long long v[8];
		unsigned cpu;

		if (sscanf(line, "cpu%u %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0],
			   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 9 || cpu != n)
			continue;
		total[n] = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
		steal[n++] = v[7];
	}
	fclose(f);
	return n;
}

