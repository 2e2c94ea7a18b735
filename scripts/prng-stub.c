/* A stand-in for bcryptprimitives.dll, for tests under wine only: Debian's wine 8.0 lacks that DLL, whose
 * ProcessPrng Rust's std imports on Windows. It fills the buffer from RtlGenRandom (advapi32's SystemFunction036),
 * the system generator that older Rust used. Built with mingw by scripts/check-windows; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
