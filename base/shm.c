/*
 * shm.c: the stats files (see shm.h).
 */
#include "base/shm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void shm_sweep(const char *kind)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	char path[300], rest[32];
	int pid;

	while (d && (e = readdir(d))) {
		if (sscanf(e->d_name, "voxgate-%d.%31s", &pid, rest) != 2 || pid <= 0 ||
		    strcmp(rest, kind) != 0)
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "/dev/shm/%s", e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
}

void *shm_create(const char *kind, size_t size, char path[SHM_PATH_MAX])
{
	void *map;
	int fd, err;

	shm_sweep(kind);
	snprintf(path, SHM_PATH_MAX, SHM_PATH_FMT, (int)getpid(), kind);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)size) != 0) {
		err = errno;
		close(fd);
		unlink(path);
		errno = err;
		return NULL;
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = errno;
	close(fd);
	if (map == MAP_FAILED) {
		unlink(path);
		errno = err;
		return NULL;
	}
	memset(map, 0, size);
	return map;
}

void shm_destroy(void *map, size_t size, const char *path)
{
	if (!map)
		return;
	munmap(map, size);
	unlink(path);
}

const void *shm_open_ro(const char *pid_or_file, const char *kind, size_t *size,
			char path[SHM_PATH_MAX])
{
	struct stat sb;
	void *map;
	char *end;
	long pid = strtol(pid_or_file, &end, 10);
	int fd, err;

	if (*pid_or_file && *end == '\0')
		snprintf(path, SHM_PATH_MAX, SHM_PATH_FMT, (int)pid, kind);
	else
		snprintf(path, SHM_PATH_MAX, "%s", pid_or_file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) != 0 || sb.st_size == 0) {
		err = sb.st_size == 0 ? EINVAL : errno;
		close(fd);
		errno = err;
		return NULL;
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	err = errno;
	close(fd);
	if (map == MAP_FAILED) {
		errno = err;
		return NULL;
	}
	*size = (size_t)sb.st_size;
	return map;
}
