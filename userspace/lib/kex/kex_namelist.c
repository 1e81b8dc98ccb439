// SPDX-License-Identifier: MIT
/* Comma-separated name-lists (RFC 4251 section 5): the one walker everything uses. */
#include <string.h>

#include "kssh/err.h"
#include "kssh/kex.h"

int kssh_list_next(const char **cursor, char *name, size_t len)
{
	const char *p = *cursor;

	while (p != NULL && *p) {
		size_t n = strcspn(p, ",");
		const char *start = p;

		p += n + (p[n] == ',');
		if (n > 0 && n < len) {
			memcpy(name, start, n);
			name[n] = 0;
			*cursor = p;
			return 1;
		}
	}
	*cursor = p;
	return 0;
}

int kssh_list_append(char *list, size_t size, const char *name)
{
	size_t used = strlen(list), n = strlen(name);

	if (used + n + 2 > size)
		return KSSH_ERR_NO_BUFFER_SPACE;
	if (used > 0)
		list[used++] = ',';
	memcpy(list + used, name, n + 1);
	return 0;
}

int kssh_list_has(const char *list, const char *name)
{
	char item[KSSH_NAME_MAX];

	while (kssh_list_next(&list, item, sizeof(item)))
		if (strcmp(item, name) == 0)
			return 1;
	return 0;
}

int kssh_list_without(const char *list, const char *removed, char *out, size_t len)
{
	char name[KSSH_NAME_MAX];
	const char *p = list;

	if (len == 0)
		return -1;
	out[0] = 0;
	while (kssh_list_next(&p, name, sizeof(name)))
		if (!kssh_list_has(removed, name) && kssh_list_append(out, len, name) != 0)
			return -1;
	return out[0] ? 0 : -1;
}

int kssh_list_match(const char *client, const char *server, char *out, size_t len)
{
	while (kssh_list_next(&client, out, len))
		if (kssh_list_has(server, out))
			return 0;
	return KSSH_ERR_NOT_FOUND;
}
