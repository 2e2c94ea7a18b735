/* For scripts/cross-check only: ring's C code asserts nothing that a lint run needs checked. */
#define assert(expression) ((void)0)
