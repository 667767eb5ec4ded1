/* The same fnv1a_64 loop in C (32-bit, sign-extended bytes), timed like the JMH benchmark:
   1,024 different 32-byte keys cycled, many calls, ns per call. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint32_t __attribute__((noinline)) fnv1a_64(const char *key, size_t len) {
    uint32_t h = 0x84222325u;
    for (size_t i = 0; i < len; i++) {
        h ^= (uint32_t) key[i];
        h *= 0x000001b3u;
    }
    return h;
}

int main(void) {
    enum { KEYS = 1024, LEN = 32 };
    static char keys[KEYS * LEN];
    srand(42);
    for (int i = 0; i < KEYS * LEN; i++) keys[i] = 'a' + rand() % 26;
    const long calls = 200000000L;
    struct timespec t0, t1;
    uint32_t sink = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long c = 0; c < calls; c++) sink += fnv1a_64(keys + (c & (KEYS - 1)) * LEN, LEN);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / calls;
    printf("C fnv1a_64, 32-byte keys: %.2f ns/op (sink %u)\n", ns, sink);
    return 0;
}
