/* For scripts/cross-check only: the declarations ring's C code takes from <string.h>, without a macOS SDK. */
#include <stddef.h>
void *memcpy(void *destination, const void *source, size_t count);
void *memmove(void *destination, const void *source, size_t count);
void *memset(void *destination, int byte, size_t count);
int memcmp(const void *first, const void *second, size_t count);
