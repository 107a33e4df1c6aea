// SPDX-License-Identifier: GPL-2.0
/* authkeys parser. */
#include "fuzz_config.h"
#include "config/authkeys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct authkeys ak;
	char err[512];
	char *text = fuzz_text(data, size);

	if (authkeys_parse_string("authkeys", text, &ak, err, sizeof(err)) == 0)
		authkeys_free(&ak);
	else if (!err[0])
		abort();
	free(text);
	return 0;
}
