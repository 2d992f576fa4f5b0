/*
 * zerog's native hashing core: Ethereum keccak-256 over many small inputs, for 0G Merkle trees.
 *
 * Python gets: hash_leaves(data, leaf_size) -> digests, hash_level(level) -> parents (odd last node promoted),
 * tree_root(data, leaf_size) -> root of the left-balanced tree over the leaves. Each releases the GIL, so a
 * second thread can hash on the second core. zerog.crypto.keccak holds the pure-Python reference with the
 * same signatures; tests check both agree on random input.
 *
 * Keccak-f[1600] follows the Keccak reference (FIPS 202 permutation); keccak-256 uses rate 136 bytes and the
 * original Keccak padding (0x01 ... 0x80), not SHA3's 0x06.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RATE 136

static const uint64_t ROUND_CONSTANTS[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define ROL(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

static void keccak_f1600(uint64_t s[25]) {
    for (int round = 0; round < 24; round++) {
        uint64_t c0 = s[0] ^ s[5] ^ s[10] ^ s[15] ^ s[20];
        uint64_t c1 = s[1] ^ s[6] ^ s[11] ^ s[16] ^ s[21];
        uint64_t c2 = s[2] ^ s[7] ^ s[12] ^ s[17] ^ s[22];
        uint64_t c3 = s[3] ^ s[8] ^ s[13] ^ s[18] ^ s[23];
        uint64_t c4 = s[4] ^ s[9] ^ s[14] ^ s[19] ^ s[24];
        uint64_t d0 = c4 ^ ROL(c1, 1), d1 = c0 ^ ROL(c2, 1), d2 = c1 ^ ROL(c3, 1);
        uint64_t d3 = c2 ^ ROL(c4, 1), d4 = c3 ^ ROL(c0, 1);
        /* theta, then rho and pi into b[] */
        uint64_t b[25];
        b[0] = s[0] ^ d0;
        b[10] = ROL(s[1] ^ d1, 1);
        b[20] = ROL(s[2] ^ d2, 62);
        b[5] = ROL(s[3] ^ d3, 28);
        b[15] = ROL(s[4] ^ d4, 27);
        b[16] = ROL(s[5] ^ d0, 36);
        b[1] = ROL(s[6] ^ d1, 44);
        b[11] = ROL(s[7] ^ d2, 6);
        b[21] = ROL(s[8] ^ d3, 55);
        b[6] = ROL(s[9] ^ d4, 20);
        b[7] = ROL(s[10] ^ d0, 3);
        b[17] = ROL(s[11] ^ d1, 10);
        b[2] = ROL(s[12] ^ d2, 43);
        b[12] = ROL(s[13] ^ d3, 25);
        b[22] = ROL(s[14] ^ d4, 39);
        b[23] = ROL(s[15] ^ d0, 41);
        b[8] = ROL(s[16] ^ d1, 45);
        b[18] = ROL(s[17] ^ d2, 15);
        b[3] = ROL(s[18] ^ d3, 21);
        b[13] = ROL(s[19] ^ d4, 8);
        b[14] = ROL(s[20] ^ d0, 18);
        b[24] = ROL(s[21] ^ d1, 2);
        b[9] = ROL(s[22] ^ d2, 61);
        b[19] = ROL(s[23] ^ d3, 56);
        b[4] = ROL(s[24] ^ d4, 14);
        /* chi */
        for (int y = 0; y < 25; y += 5) {
            uint64_t t0 = b[y], t1 = b[y + 1], t2 = b[y + 2], t3 = b[y + 3], t4 = b[y + 4];
            s[y] = t0 ^ (~t1 & t2);
            s[y + 1] = t1 ^ (~t2 & t3);
            s[y + 2] = t2 ^ (~t3 & t4);
            s[y + 3] = t3 ^ (~t4 & t0);
            s[y + 4] = t4 ^ (~t0 & t1);
        }
        /* iota */
        s[0] ^= ROUND_CONSTANTS[round];
    }
}

static inline uint64_t load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8); /* little-endian hosts only; checked at import */
    return v;
}

static void keccak256(const uint8_t *data, size_t len, uint8_t out[32]) {
    uint64_t s[25] = {0};
    while (len >= RATE) {
        for (int i = 0; i < RATE / 8; i++) s[i] ^= load64(data + 8 * i);
        keccak_f1600(s);
        data += RATE;
        len -= RATE;
    }
    uint8_t block[RATE] = {0};
    memcpy(block, data, len);
    block[len] ^= 0x01;
    block[RATE - 1] ^= 0x80;
    for (int i = 0; i < RATE / 8; i++) s[i] ^= load64(block + 8 * i);
    keccak_f1600(s);
    memcpy(out, s, 32);
}


/*
 * Many lanes at once: N independent keccak-256 hashes of equal-length inputs (a multiple of 8 bytes) in one
 * vectorised permutation, 8 lanes with AVX-512 (vprolq rotates, vpternlogq does chi in one step) or 4 with AVX2.
 * Chosen at run time from what the CPU supports; the scalar path handles the rest and every other machine.
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define ZEROG_X86 1

/* The rho-pi-chi-iota round body shared by both widths; V* macros are defined per width. */
#define KECCAK_ROUNDS(VT)                                                                                   \
    for (int round = 0; round < 24; round++) {                                                             \
        VT c0 = VXOR(VXOR(VXOR(s[0], s[5]), VXOR(s[10], s[15])), s[20]);                                   \
        VT c1 = VXOR(VXOR(VXOR(s[1], s[6]), VXOR(s[11], s[16])), s[21]);                                   \
        VT c2 = VXOR(VXOR(VXOR(s[2], s[7]), VXOR(s[12], s[17])), s[22]);                                   \
        VT c3 = VXOR(VXOR(VXOR(s[3], s[8]), VXOR(s[13], s[18])), s[23]);                                   \
        VT c4 = VXOR(VXOR(VXOR(s[4], s[9]), VXOR(s[14], s[19])), s[24]);                                   \
        VT d0 = VXOR(c4, VROL(c1, 1)), d1 = VXOR(c0, VROL(c2, 1)), d2 = VXOR(c1, VROL(c3, 1));             \
        VT d3 = VXOR(c2, VROL(c4, 1)), d4 = VXOR(c3, VROL(c0, 1));                                         \
        VT b[25];                                                                                           \
        b[0] = VXOR(s[0], d0);                                                                              \
        b[10] = VROL(VXOR(s[1], d1), 1);                                                                    \
        b[20] = VROL(VXOR(s[2], d2), 62);                                                                   \
        b[5] = VROL(VXOR(s[3], d3), 28);                                                                    \
        b[15] = VROL(VXOR(s[4], d4), 27);                                                                   \
        b[16] = VROL(VXOR(s[5], d0), 36);                                                                   \
        b[1] = VROL(VXOR(s[6], d1), 44);                                                                    \
        b[11] = VROL(VXOR(s[7], d2), 6);                                                                    \
        b[21] = VROL(VXOR(s[8], d3), 55);                                                                   \
        b[6] = VROL(VXOR(s[9], d4), 20);                                                                    \
        b[7] = VROL(VXOR(s[10], d0), 3);                                                                    \
        b[17] = VROL(VXOR(s[11], d1), 10);                                                                  \
        b[2] = VROL(VXOR(s[12], d2), 43);                                                                   \
        b[12] = VROL(VXOR(s[13], d3), 25);                                                                  \
        b[22] = VROL(VXOR(s[14], d4), 39);                                                                  \
        b[23] = VROL(VXOR(s[15], d0), 41);                                                                  \
        b[8] = VROL(VXOR(s[16], d1), 45);                                                                   \
        b[18] = VROL(VXOR(s[17], d2), 15);                                                                  \
        b[3] = VROL(VXOR(s[18], d3), 21);                                                                   \
        b[13] = VROL(VXOR(s[19], d4), 8);                                                                   \
        b[14] = VROL(VXOR(s[20], d0), 18);                                                                  \
        b[24] = VROL(VXOR(s[21], d1), 2);                                                                   \
        b[9] = VROL(VXOR(s[22], d2), 61);                                                                   \
        b[19] = VROL(VXOR(s[23], d3), 56);                                                                  \
        b[4] = VROL(VXOR(s[24], d4), 14);                                                                   \
        for (int y = 0; y < 25; y += 5) {                                                                   \
            s[y] = VCHI(b[y], b[y + 1], b[y + 2]);                                                          \
            s[y + 1] = VCHI(b[y + 1], b[y + 2], b[y + 3]);                                                  \
            s[y + 2] = VCHI(b[y + 2], b[y + 3], b[y + 4]);                                                  \
            s[y + 3] = VCHI(b[y + 3], b[y + 4], b[y]);                                                      \
            s[y + 4] = VCHI(b[y + 4], b[y], b[y + 1]);                                                      \
        }                                                                                                   \
        s[0] = VXOR(s[0], VSET1(ROUND_CONSTANTS[round]));                                                  \
    }

/* Absorb and squeeze for `LANES` inputs at data + lane * stride, each `len` bytes (len % 8 == 0). */
#define KECCAK_LANES(VT, LANES, GATHER)                                                                     \
    VT s[25];                                                                                               \
    for (int i = 0; i < 25; i++) s[i] = VZERO();                                                            \
    size_t offset = 0;                                                                                      \
    for (;;) {                                                                                              \
        size_t left = len - offset;                                                                         \
        size_t take = left >= RATE ? RATE : left;                                                           \
        for (size_t w = 0; w < take / 8; w++) s[w] = VXOR(s[w], GATHER(offset + 8 * w));                  \
        if (left < RATE) {                                                                                  \
            s[take / 8] = VXOR(s[take / 8], VSET1(0x01ULL));                                               \
            s[RATE / 8 - 1] = VXOR(s[RATE / 8 - 1], VSET1(0x8000000000000000ULL));                         \
        }                                                                                                   \
        KECCAK_ROUNDS(VT)                                                                                   \
        if (left < RATE) break;                                                                             \
        offset += RATE;                                                                                     \
    }                                                                                                       \
    uint64_t lanes[4][LANES];                                                                               \
    for (int w = 0; w < 4; w++) VSTORE(lanes[w], s[w]);                                                     \
    for (int lane = 0; lane < LANES; lane++)                                                                \
        for (int w = 0; w < 4; w++) memcpy(out + 32 * lane + 8 * w, &lanes[w][lane], 8);

__attribute__((target("avx512f,avx512vl"))) static void keccak256_x8(const uint8_t *data, size_t stride,
                                                                     size_t len, uint8_t *out) {
#define VXOR(a, b) _mm512_xor_si512((a), (b))
#define VROL(a, n) _mm512_rol_epi64((a), (n))
#define VCHI(a, b, c) _mm512_ternarylogic_epi64((a), (b), (c), 0xD2) /* a ^ (~b & c) */
#define VSET1(x) _mm512_set1_epi64((long long)(x))
#define VZERO() _mm512_setzero_si512()
#define VSTORE(p, v) _mm512_storeu_si512((void *)(p), (v))
#define GATHER8(off)                                                                                        \
    _mm512_i64gather_epi64(_mm512_add_epi64(index, _mm512_set1_epi64((long long)(off))), (const void *)data, 1)
    const __m512i index = _mm512_set_epi64((long long)(7 * stride), (long long)(6 * stride), (long long)(5 * stride),
                                           (long long)(4 * stride), (long long)(3 * stride), (long long)(2 * stride),
                                           (long long)stride, 0);
    KECCAK_LANES(__m512i, 8, GATHER8)
#undef VXOR
#undef VROL
#undef VCHI
#undef VSET1
#undef VZERO
#undef VSTORE
}

__attribute__((target("avx2"))) static void keccak256_x4(const uint8_t *data, size_t stride, size_t len,
                                                         uint8_t *out) {
#define VXOR(a, b) _mm256_xor_si256((a), (b))
#define VROL(a, n) _mm256_or_si256(_mm256_slli_epi64((a), (n)), _mm256_srli_epi64((a), 64 - (n)))
#define VCHI(a, b, c) _mm256_xor_si256((a), _mm256_andnot_si256((b), (c)))
#define VSET1(x) _mm256_set1_epi64x((long long)(x))
#define VZERO() _mm256_setzero_si256()
#define VSTORE(p, v) _mm256_storeu_si256((__m256i *)(p), (v))
#define GATHER4(off)                                                                                        \
    _mm256_i64gather_epi64((const long long *)(const void *)data,                                          \
                           _mm256_add_epi64(index, _mm256_set1_epi64x((long long)(off))), 1)
    const __m256i index = _mm256_set_epi64x((long long)(3 * stride), (long long)(2 * stride), (long long)stride, 0);
    KECCAK_LANES(__m256i, 4, GATHER4)
#undef VXOR
#undef VROL
#undef VCHI
#undef VSET1
#undef VZERO
#undef VSTORE
}

static int simd_level = -1; /* 0 scalar, 1 AVX2, 2 AVX-512 */

static int detect_simd(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) return 2;
    if (__builtin_cpu_supports("avx2")) return 1;
    return 0;
}
#endif

/* keccak-256 of `count` inputs of `len` bytes at data + i * stride, into out + 32 * i. */
static void hash_many(const uint8_t *data, size_t count, size_t stride, size_t len, uint8_t *out) {
    size_t i = 0;
#ifdef ZEROG_X86
    if (len % 8 == 0) {
        if (simd_level == 2)
            for (; i + 8 <= count; i += 8) keccak256_x8(data + i * stride, stride, len, out + 32 * i);
        if (simd_level >= 1)
            for (; i + 4 <= count; i += 4) keccak256_x4(data + i * stride, stride, len, out + 32 * i);
    }
#endif
    for (; i < count; i++) keccak256(data + i * stride, len, out + 32 * i);
}

static void leaves(const uint8_t *data, size_t count, size_t leaf_size, uint8_t *out) {
    hash_many(data, count, leaf_size, leaf_size, out);
}

/* One level up: parents of adjacent pairs; an odd last node is copied up unchanged. Returns the new count. */
static size_t level_up(const uint8_t *in, size_t count, uint8_t *out) {
    size_t pairs = count / 2;
    uint8_t last[32];
    if (count % 2) memcpy(last, in + 32 * (count - 1), 32); /* in place, the parents may overwrite it */
    hash_many(in, pairs, 64, 64, out);
    if (count % 2) memcpy(out + 32 * pairs, last, 32);
    return pairs + count % 2;
}

static PyObject *py_hash_leaves(PyObject *self, PyObject *args) {
    Py_buffer data;
    Py_ssize_t leaf_size;
    if (!PyArg_ParseTuple(args, "y*n", &data, &leaf_size)) return NULL;
    if (leaf_size <= 0 || data.len % leaf_size) {
        PyBuffer_Release(&data);
        PyErr_SetString(PyExc_ValueError, "data length must be a positive multiple of leaf_size");
        return NULL;
    }
    size_t count = (size_t)(data.len / leaf_size);
    PyObject *result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(32 * count));
    if (result == NULL) {
        PyBuffer_Release(&data);
        return NULL;
    }
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
    Py_BEGIN_ALLOW_THREADS
    leaves((const uint8_t *)data.buf, count, (size_t)leaf_size, out);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    return result;
}

static PyObject *py_hash_level(PyObject *self, PyObject *args) {
    Py_buffer level;
    if (!PyArg_ParseTuple(args, "y*", &level)) return NULL;
    if (level.len % 32) {
        PyBuffer_Release(&level);
        PyErr_SetString(PyExc_ValueError, "a level is a whole number of 32-byte nodes");
        return NULL;
    }
    size_t count = (size_t)(level.len / 32);
    size_t parents = count / 2 + count % 2;
    PyObject *result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(32 * parents));
    if (result == NULL) {
        PyBuffer_Release(&level);
        return NULL;
    }
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
    Py_BEGIN_ALLOW_THREADS
    level_up((const uint8_t *)level.buf, count, out);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&level);
    return result;
}

static PyObject *py_tree_root(PyObject *self, PyObject *args) {
    Py_buffer data;
    Py_ssize_t leaf_size;
    if (!PyArg_ParseTuple(args, "y*n", &data, &leaf_size)) return NULL;
    if (leaf_size <= 0 || data.len == 0 || data.len % leaf_size) {
        PyBuffer_Release(&data);
        PyErr_SetString(PyExc_ValueError, "data must be one or more whole leaves");
        return NULL;
    }
    size_t count = (size_t)(data.len / leaf_size);
    uint8_t *work = PyMem_RawMalloc(32 * count);
    if (work == NULL) {
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    uint8_t root[32];
    Py_BEGIN_ALLOW_THREADS
    leaves((const uint8_t *)data.buf, count, (size_t)leaf_size, work);
    while (count > 1) count = level_up(work, count, work); /* parents never overtake the pairs they read */
    memcpy(root, work, 32);
    Py_END_ALLOW_THREADS
    PyMem_RawFree(work);
    PyBuffer_Release(&data);
    return PyBytes_FromStringAndSize((const char *)root, 32);
}

static PyObject *py_simd_lanes(PyObject *self, PyObject *unused) {
#ifdef ZEROG_X86
    return PyLong_FromLong(simd_level == 2 ? 8 : simd_level == 1 ? 4 : 1);
#else
    return PyLong_FromLong(1);
#endif
}

static PyMethodDef METHODS[] = {
    {"hash_leaves", py_hash_leaves, METH_VARARGS, "keccak-256 of each leaf_size-byte leaf, concatenated."},
    {"hash_level", py_hash_level, METH_VARARGS, "Parents of adjacent 32-byte nodes; an odd last node is promoted."},
    {"tree_root", py_tree_root, METH_VARARGS, "Root of the left-balanced keccak tree over the leaves of data."},
    {"simd_lanes", py_simd_lanes, METH_NOARGS, "Hashes computed per vector pass on this CPU: 8, 4 or 1."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "zerog.native._keccak", NULL, -1, METHODS};

PyMODINIT_FUNC PyInit__keccak(void) {
    const uint16_t probe = 1;
    if (*(const uint8_t *)&probe != 1) {
        PyErr_SetString(PyExc_ImportError, "the native keccak core supports little-endian hosts only");
        return NULL;
    }
#ifdef ZEROG_X86
    const char *forced = getenv("ZEROG_NATIVE_SIMD"); /* "0", "1" or "2": pin a path for tests and benchmarks */
    simd_level = detect_simd();
    if (forced != NULL && forced[0] >= '0' && forced[0] <= '2' && forced[0] - '0' < simd_level)
        simd_level = forced[0] - '0';
#endif
    return PyModule_Create(&MODULE);
}
