// SPDX-License-Identifier: GPL-2.0
/* ha.cf parser. */
#include "fuzz_config.h"
#include "config/hacf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ha_config cfg;
	char err[512];
	char *text = fuzz_text(data, size);

	if (ha_config_parse_string("ha.cf", text, &cfg, err, sizeof(err)) == 0)
		ha_config_free(&cfg);
	else if (!err[0])
		abort();
	free(text);
	return 0;
}
