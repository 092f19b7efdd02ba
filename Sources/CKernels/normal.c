// Standard normal deviates: xoshiro256** outputs turned into Box-Muller pairs in
// Double, 8 pairs at a time; see include/CKernels.h for the contract.
//
// The scalar definition (Xoshiro256.nextNormalPair in Swift) is
//   u1 = ((x1 >> 11) + 1) 2^-53,  u2 = (x2 >> 11) 2^-53,
//   (sqrt(-2 log u1) cos(2 pi u2), sqrt(-2 log u1) sin(2 pi u2)),
// each rounded to Float. libm's log, sin and cos cost about 40 ns a pair; here they
// are fdlibm's algorithms (e_log.c, k_sin.c, k_cos.c, and the Cody-Waite reduction
// of e_rem_pio2.c for arguments below 2 pi), in vectors of 8 Doubles. Their results
// are within an ulp of libm's in Double, and the deviates are then rounded to Float,
// so they agree with the scalar definition bit for bit except where libm's and these
// Double results straddle a Float rounding boundary (the tests compare millions).
//
// Every operation is written out (contraction off: no multiply-add is fused), so the
// three bodies (AVX-512, AVX2, baseline x86-64 or any other CPU) give the same bits.
#include "CKernels.h"

#include <stddef.h>
#include <stdint.h>

#include "targets.h"

// The 8-lane helpers below are always inlined into a wrapper with a target, so the ABI
// of a 512-bit vector argument outside AVX-512 never arises.
#pragma clang diagnostic ignored "-Wpsabi"

typedef double v8d __attribute__((ext_vector_type(8)));
typedef int64_t v8l __attribute__((ext_vector_type(8)));
typedef float v8f __attribute__((ext_vector_type(8)));

DV_INLINE v8d dsplat(double x) { return (v8d)x; }
DV_INLINE v8d dbits(v8l x) { return __builtin_bit_cast(v8d, x); }
DV_INLINE v8l lbits(v8d x) { return __builtin_bit_cast(v8l, x); }
DV_INLINE v8d dselect(v8l mask, v8d a, v8d b) { return dbits((lbits(a) & mask) | (lbits(b) & ~mask)); }

/// log(x) for normal x > 0 (fdlibm's e_log.c): x = 2^k m, m in [sqrt(1/2), sqrt(2)),
/// f = m - 1, s = f / (2 + f), and log(1 + f) = 2s + s R(s^2).
DV_INLINE v8d vlog_d(v8d x) {
#pragma clang fp contract(off)
  const int64_t half = 0x3FE6A09E667F3BCDLL;  // sqrt(1/2)
  v8l b = lbits(x) + (0x3FF0000000000000LL - half);
  v8d dk = __builtin_convertvector((b >> 52) - 1023, v8d);
  v8d f = dbits((b & 0x000FFFFFFFFFFFFFLL) + half) - dsplat(1.0);
  v8d s = f / (dsplat(2.0) + f);
  v8d z = s * s;
  v8d w = z * z;
  v8d t1 = w * (dsplat(3.999999999940941908e-01) + w * (dsplat(2.222219843214978396e-01) + w * dsplat(1.531383769920937332e-01)));
  v8d t2 = z * (dsplat(6.666666666666735130e-01) +
                w * (dsplat(2.857142874366239149e-01) + w * (dsplat(1.818357216161805012e-01) + w * dsplat(1.479819860511658591e-01))));
  v8d r = t2 + t1;
  v8d hfsq = dsplat(0.5) * f * f;
  return dk * dsplat(6.93147180369123816490e-01) -
         ((hfsq - (s * (hfsq + r) + dk * dsplat(1.90821492927058770002e-10))) - f);
}

/// sin and cos of x in [0, 2 pi): x = n pi/2 + (y + yy) (Cody-Waite as e_rem_pio2.c's
/// medium case, taken to its second step: pi/2 to about 118 bits), then k_sin.c and
/// k_cos.c on y + yy and the quadrant n mod 4.
DV_INLINE void vsincos_d(v8d x, v8d *sine, v8d *cosine) {
#pragma clang fp contract(off)
  const v8d magic = dsplat(6755399441055744.0);  // 1.5 * 2^52: adding it rounds to an integer
  v8d t = x * dsplat(6.36619772367581382433e-01) + magic;
  v8d n = t - magic;
  v8l quadrant = lbits(t) & 3;
  // pi/2 = pio2_1 + pio2_2 + pio2_2t (33 + 33 + 53 bits); n <= 4, so n pio2_1 and
  // n pio2_2 are exact, and so is x - n pio2_1.
  v8d r = x - n * dsplat(1.57079632673412561417e+00);
  v8d w = n * dsplat(6.07710050630396597660e-11);
  v8d j = r;
  r = j - w;
  w = n * dsplat(2.02226624879595063154e-21) - ((j - r) - w);
  v8d y = r - w;
  v8d yy = (r - y) - w;

  const v8d half = dsplat(0.5), one = dsplat(1.0);
  v8d z = y * y;
  v8d v = z * y;
  v8d rs = dsplat(8.33333333332248946124e-03) +
           z * (dsplat(-1.98412698298579493134e-04) +
                z * (dsplat(2.75573137070700676789e-06) + z * (dsplat(-2.50507602534068634195e-08) + z * dsplat(1.58969099521155010221e-10))));
  v8d s = y - ((z * (half * yy - v * rs) - yy) - v * dsplat(-1.66666666666666324348e-01));
  v8d zz = z * z;
  v8d rc = z * (dsplat(4.16666666666666019037e-02) + z * (dsplat(-1.38888888888741095749e-03) + z * dsplat(2.48015872894767294178e-05))) +
           zz * zz * (dsplat(-2.75573143513906633035e-07) + z * (dsplat(2.08757232129817482790e-09) + z * dsplat(-1.13596475577881948265e-11)));
  v8d hz = half * z;
  v8d cw = one - hz;
  v8d c = cw + (((one - cw) - hz) + (z * rc - y * yy));

  // Quadrant 0: (s, c); 1: (c, -s); 2: (-s, -c); 3: (-c, s).
  v8l odd = (quadrant & 1) != 0;
  v8d sinBase = dselect(odd, c, s), cosBase = dselect(odd, s, c);
  const v8l sign = (v8l)(int64_t)0x8000000000000000ULL;
  v8l sinNegative = (quadrant & 2) != 0;
  v8l cosNegative = ((quadrant + 1) & 2) != 0;
  *sine = dbits(lbits(sinBase) ^ (sinNegative & sign));
  *cosine = dbits(lbits(cosBase) ^ (cosNegative & sign));
}

DV_INLINE uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/// The next xoshiro256** output (Xoshiro256.nextWord).
DV_INLINE uint64_t next_word(uint64_t *s) {
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

DV_INLINE void fill_normal_generic(uint64_t *state, int64_t count, float *out) {
#pragma clang fp contract(off)
  uint64_t s[4] = {state[0], state[1], state[2], state[3]};
  for (int64_t first = 0; first < count; first += 16) {
    // 8 pairs: u1 in (0, 1] (so the log is finite), u2 in [0, 1). Pairs past the end
    // take no outputs: u1 = 1, u2 = 0.
    int64_t pairs = (count - first + 1) / 2 < 8 ? (count - first + 1) / 2 : 8;
    double u1[8], u2[8];
    for (int i = 0; i < 8; i++) {
      if (i < pairs) {
        u1[i] = (double)((next_word(s) >> 11) + 1) * 0x1p-53;
        u2[i] = (double)(next_word(s) >> 11) * 0x1p-53;
      } else {
        u1[i] = 1.0;
        u2[i] = 0.0;
      }
    }
    v8d a, b;
    __builtin_memcpy(&a, u1, sizeof a);
    __builtin_memcpy(&b, u2, sizeof b);
    v8d radius = __builtin_elementwise_sqrt(dsplat(-2.0) * vlog_d(a));
    v8d sine, cosine;
    vsincos_d(dsplat(2.0 * 3.14159265358979311600e+00) * b, &sine, &cosine);
    v8f first8 = __builtin_convertvector(radius * cosine, v8f);
    v8f second8 = __builtin_convertvector(radius * sine, v8f);
    float x[8], y[8];
    __builtin_memcpy(x, &first8, sizeof x);
    __builtin_memcpy(y, &second8, sizeof y);
    for (int i = 0; i < pairs; i++) {
      out[first + 2 * i] = x[i];
      if (first + 2 * i + 1 < count) out[first + 2 * i + 1] = y[i];
    }
  }
  for (int i = 0; i < 4; i++) state[i] = s[i];
}

#if DV_X86
DV_AVX512 static void fill_normal_avx512(uint64_t *state, int64_t count, float *out) {
  fill_normal_generic(state, count, out);
}
DV_AVX2 static void fill_normal_avx2(uint64_t *state, int64_t count, float *out) {
  fill_normal_generic(state, count, out);
}
#endif

int dv_fill_normal_isa(int32_t isa, uint64_t *state, int64_t count, float *out) {
  if (isa < 0 || isa > dv_isa()) return 0;
  if (count <= 0) return 1;
#if DV_X86
  if (isa == 2) {
    fill_normal_avx512(state, count, out);
    return 1;
  }
  if (isa == 1) {
    fill_normal_avx2(state, count, out);
    return 1;
  }
#endif
  fill_normal_generic(state, count, out);
  return 1;
}

void dv_fill_normal(uint64_t *state, int64_t count, float *out) { dv_fill_normal_isa(dv_isa(), state, count, out); }
