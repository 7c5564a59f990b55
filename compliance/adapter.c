/*
 * adapter.c - the output formats that AdapterType may name (adapter.h).  The .ATTACH
 * manifest (manifest.h) is not among them: it is written beside the configured
 * adapter's files when CreateFileAttachmentsManifest is on, never instead of them.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "adapter.h"

/* Each defined in its own file (adapter_<name>.c). */
extern const struct adapter xml_adapter;
extern const struct adapter actiance_adapter;

static const struct adapter *const adapters[] = {&xml_adapter, &actiance_adapter};

#define N_ADAPTERS (sizeof(adapters) / sizeof(adapters[0]))

const struct adapter *adapter_find(const char *type)
{
	size_t i;

	if(type == NULL)
		return NULL;
	for(i = 0; i < N_ADAPTERS; i++)
		if(strcasecmp(type, adapters[i]->type) == 0)
			return adapters[i];
	return NULL;
}

const char *adapter_names(void)
{
	static char names[128];
	size_t i, used = 0;

	if(names[0] != '\0')
		return names;
	for(i = 0; i < N_ADAPTERS && used < sizeof(names); i++)
		used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
				i > 0 ? ", " : "", adapters[i]->type);
	return names;
}
