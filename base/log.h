/*
 * log.h: voxgate's log lines.
 *
 * One line per event on stderr: time, level, module, message. Any thread may log;
 * a line is written with one stdio call so lines never interleave. The dataplane's
 * fast path never logs (it counts instead); dp lcores log only at start, stop and
 * for per-call events.
 */
#ifndef VG_LOG_H
#define VG_LOG_H

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Set the most verbose level printed (default LOG_INFO). */
void log_set_level(enum log_level level);

/* Parse "error", "warn", "info" or "debug". Returns the level, or -1. */
int log_level_parse(const char *name);

/* Print one line at level for module (a short name such as "sig" or "dp"). */
void log_msg(enum log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(mod, ...) log_msg(LOG_ERR, mod, __VA_ARGS__)
#define log_warn(mod, ...) log_msg(LOG_WARN, mod, __VA_ARGS__)
#define log_info(mod, ...) log_msg(LOG_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...) log_msg(LOG_DEBUG, mod, __VA_ARGS__)

#endif
