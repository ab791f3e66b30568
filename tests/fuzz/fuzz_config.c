// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The config loader on anything (libFuzzer): YAML and JSON (JSON is YAML)
 * through cfg_load_string, the same parser, walk and checks as a file. It must
 * never crash, leak past its own free, or take long; a valid result must be
 * written back and read again to the same VIPs (the API's write-back).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/json.h"
#include "config/write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *errors = NULL;
	struct cfg c;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (!cfg_load_string("fuzz.yaml", text, &c, &errors)) {
		if (c.vips_dir[0]) { /* it would read that directory: nothing of the input's */
			cfg_free(&c);
			goto out;
		}
		/* what it accepted, written as the API writes it, is read back the same */
		json_t *j = model_cfg_json(&c);
		char *again = j ? model_yaml(j) : NULL, *errors2 = NULL;
		struct cfg c2;

		json_decref(j);
		if (again) {
			if (cfg_load_string("again.yaml", again, &c2, &errors2)) {
				free(errors2);
				abort(); /* dsrlb wrote a file it cannot read */
			}
			if (c2.nv != c.nv)
				abort();
			cfg_free(&c2);
			free(again);
		}
		cfg_free(&c);
	}
out:
	free(errors);
	free(text);
	return 0;
}
