/* For scripts/cross-check only: the declarations zstd's C code takes from <stdlib.h>, without a macOS SDK. */
#include <stddef.h>
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *pointer, size_t size);
void free(void *pointer);
void abort(void);
void qsort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *));
