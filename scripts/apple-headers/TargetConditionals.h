/* For scripts/cross-check only: the few macros of Apple's SDK header that ring's C code reads to tell macOS
   from iOS. Linting for macOS needs ring's build script to compile, not a real SDK. */
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 1
#define TARGET_OS_IPHONE 0
#define TARGET_OS_IOS 0
#define TARGET_OS_WATCH 0
#define TARGET_OS_TV 0
#define TARGET_OS_SIMULATOR 0
#define TARGET_OS_EMBEDDED 0
