// The instruction-set targets the kernels' bodies are compiled for (private to CKernels):
// each kernel writes its body once and wraps it in functions with these attributes,
// choosing among them at run time with dv_isa().
#ifndef DV_TARGETS_H
#define DV_TARGETS_H

#if defined(__x86_64__)
#include <immintrin.h>
#define DV_X86 1
#define DV_AVX512 __attribute__((target("avx512f,avx512vl,fma,avx2")))
#define DV_AVX2 __attribute__((target("avx2,fma")))
#endif

#define DV_INLINE static inline __attribute__((always_inline))

#endif
