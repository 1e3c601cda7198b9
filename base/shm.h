/*
 * shm.h: the stats files, counters a module maps shared so that any process can read
 * them while voxgate runs (tools/vgstat, bench tools), without a lock or a syscall.
 *
 * A stats file is /dev/shm/voxgate-<pid>.<kind>: a header of the module's own, written
 * last with its magic number (release store), then the counters, each with a single
 * writer. Readers check the magic and the sizes in the header before trusting it.
 */
#ifndef VG_SHM_H
#define VG_SHM_H

#include <stddef.h>

#define SHM_PATH_FMT "/dev/shm/voxgate-%d.%s"
#define SHM_PATH_MAX 64

/*
 * Create /dev/shm/voxgate-<our pid>.<kind> of size bytes, zeroed, and map it shared.
 * Files of the same kind left by voxgate processes that are gone are removed first,
 * so that /dev/shm does not fill over restarts. path receives the file's name.
 * Returns the mapping or NULL (errno set).
 */
void *shm_create(const char *kind, size_t size, char path[SHM_PATH_MAX]);

/* Unmap and remove a file made by shm_create(); NULL is ignored. */
void shm_destroy(void *map, size_t size, const char *path);

/*
 * Map an existing stats file read-only: PID|FILE as vgstat takes it (a number is the
 * pid of a voxgate, whose file of this kind is read). size receives the file's size.
 * Returns the mapping or NULL (errno set; path receives the name tried).
 */
const void *shm_open_ro(const char *pid_or_file, const char *kind, size_t *size,
			char path[SHM_PATH_MAX]);

#endif
