// SPDX-License-Identifier: GPL-2.0
/* ldirectord.cf parser: any text parses or fails with a message, and a
 * parsed configuration frees cleanly. */
#include "fuzz_config.h"
#include "config/ldirectord.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ld_config cfg;
	char err[512];
	char *text = fuzz_text(data, size);

	if (ld_config_parse_string("fuzz.cf", text, &cfg, err, sizeof(err)) == 0)
		ld_config_free(&cfg);
	else if (!err[0])
		abort();	/* a refusal always says why */
	free(text);
	return 0;
}
