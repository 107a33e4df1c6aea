// SPDX-License-Identifier: GPL-2.0
/* haresources parser. */
#include "fuzz_config.h"
#include "config/haresources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ha_resources res;
	char err[512];
	char *text = fuzz_text(data, size);

	if (ha_resources_parse_string("haresources", text, &res, err,
				      sizeof(err)) == 0)
		ha_resources_free(&res);
	else if (!err[0])
		abort();
	free(text);
	return 0;
}
