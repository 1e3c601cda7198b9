/*
 * names.c: the names of the dataplane's drop reasons and counters, as exported in
 * the log and read by tools/vgstat. Generated from the X-macro lists, so a reason or
 * counter cannot exist without its name.
 */
#include "dataplane/dp_stats-t.h"

static const char *const dp_drop_names[] = {
#define DP_DROP_NAME(id, name) name,
	DP_DROP_LIST(DP_DROP_NAME)
#undef DP_DROP_NAME
};

const char *dp_drop_name(enum dp_drop d)
{
	return d < DP_DROP_MAX ? dp_drop_names[d] : "?";
}

static const char *const dp_counter_names[] = {
#define DP_COUNTER_NAME(name) #name,
	DP_COUNTER_LIST(DP_COUNTER_NAME)
#undef DP_COUNTER_NAME
};

const char *dp_counter_name(unsigned i)
{
	return i < DP_COUNTER_COUNT ? dp_counter_names[i] : "?";
}
