/*
 * names.c: the names of the bot workers' counters, as read by tools/vgstat. Generated
 * from the X-macro list, so a counter cannot exist without its name.
 */
#include "bots/bot_stats-t.h"

static const char *const bot_counter_names[] = {
#define BOT_COUNTER_NAME(name) #name,
	BOT_COUNTER_LIST(BOT_COUNTER_NAME)
#undef BOT_COUNTER_NAME
};

const char *bot_counter_name(unsigned i)
{
	return i < BOT_COUNTER_COUNT ? bot_counter_names[i] : "?";
}
