/*
 * zerog's native hashing core: Ethereum keccak-256 over many small inputs (0G Merkle trees), Blake2b-512, and the
 * 0G PoRA mining and sealing loops built from them.
 *
 * Python gets (all release the GIL around their loops, so a second thread hashes on the second core):
 *   hash_leaves(data, leaf_size), hash_level(level), tree_root(data, leaf_size), simd_lanes()   Merkle trees
 *   blake2b512(data), blake2b512_many(data, msg_len)                                           Blake2b-512
 *   pora_scratchpad(pad_seed), pora_iterate(miner_id, subtask_digest, range_digest, nonces),
 *   pora_search(pad_seed, scratchpad, sealed_chunk, target)                                    PoRA
 *   seal_chunk(data, miner_id, context_digest, first_sector), unseal_chunk(...)                 sealing
 * zerog.crypto.keccak, zerog.mining.pora and zerog.mining.seal hold the pure-Python references; tests check
 * both agree bit for bit on random input, on every SIMD path.
 *
 * Keccak-f[1600] follows the Keccak reference (FIPS 202 permutation); keccak-256 uses rate 136 bytes and the
 * original Keccak padding (0x01 ... 0x80), not SHA3's 0x06. Blake2b follows RFC 7693 (unkeyed, 64-byte digest).
 *
 * SIMD: each vector lane runs an independent message (8 lanes with AVX-512, 4 with AVX2), chosen at run time;
 * the scalar code handles the rest and every other machine. The lane kernels are written once, at the end of
 * this file, and compiled once per vector width: the file includes itself with ZEROG_LANE_PASS set to 8, then 4.
 */
#ifndef ZEROG_LANE_PASS
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RATE 136
#define KECCAK_PAD_FIRST 0x01ULL
#define KECCAK_PAD_LAST 0x8000000000000000ULL

/* 0G mining geometry (ZgsSpec.sol, node common/spec; zerog.spec): the scratchpad is BYTES_PER_PAD = 64 KiB. */
#define BYTES_PER_SEAL 4096
#define WORDS_PER_SEAL 128 /* 32-byte words chained by the seal */
#define SECTORS_PER_SEAL 16
#define SEALS_PER_LOAD 64
#define SCRATCHPAD_STEPS 1024 /* 64-byte cells */
#define BYTES_PER_SCRATCHPAD (SCRATCHPAD_STEPS * 64) /* 64 KiB = 16 pieces of one seal */
#define PAD_PIECES 16
#define BLAKE2B_BLOCK 128
#define QUALITY_BLOCKS (1 + BYTES_PER_SEAL / BLAKE2B_BLOCK) /* header block + 32 mixed blocks = 4224 bytes */

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

static inline void store64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

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

/* keccak-256 of a message of `words` 64-bit words (< 17, so one block), digest as 4 words; out may alias in. */
static inline void keccak256_words(const uint64_t *in, int words, uint64_t out[4]) {
    uint64_t s[25] = {0};
    memcpy(s, in, 8 * (size_t)words);
    s[words] = KECCAK_PAD_FIRST;
    s[RATE / 8 - 1] ^= KECCAK_PAD_LAST;
    keccak_f1600(s);
    memcpy(out, s, 32);
}

/* Blake2b (RFC 7693): 12 rounds over 16 words; round r permutes the message words by SIGMA[r % 10]. */
static const uint64_t BLAKE2B_IV[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};
#define BLAKE2B_PARAM_512 0x01010040ULL /* digest length 64, no key, fanout 1, depth 1 */

static const uint8_t SIGMA[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

/*
 * The round body, shared by the scalar and vector code: G mixes a column or diagonal with two message words.
 * The caller defines ADD, XOR, ROR32/24/16/63 for its word type; the SIGMA lookups fold to constants.
 */
#define B2_G(a, b, c, d, x, y)                                                                              \
    a = ADD(ADD(a, b), x);                                                                                  \
    d = ROR32(XOR(d, a));                                                                                   \
    c = ADD(c, d);                                                                                          \
    b = ROR24(XOR(b, c));                                                                                   \
    a = ADD(ADD(a, b), y);                                                                                  \
    d = ROR16(XOR(d, a));                                                                                   \
    c = ADD(c, d);                                                                                          \
    b = ROR63(XOR(b, c));
#define B2_ROUND(r)                                                                                         \
    B2_G(v[0], v[4], v[8], v[12], m[SIGMA[r][0]], m[SIGMA[r][1]])                                           \
    B2_G(v[1], v[5], v[9], v[13], m[SIGMA[r][2]], m[SIGMA[r][3]])                                           \
    B2_G(v[2], v[6], v[10], v[14], m[SIGMA[r][4]], m[SIGMA[r][5]])                                          \
    B2_G(v[3], v[7], v[11], v[15], m[SIGMA[r][6]], m[SIGMA[r][7]])                                          \
    B2_G(v[0], v[5], v[10], v[15], m[SIGMA[r][8]], m[SIGMA[r][9]])                                          \
    B2_G(v[1], v[6], v[11], v[12], m[SIGMA[r][10]], m[SIGMA[r][11]])                                        \
    B2_G(v[2], v[7], v[8], v[13], m[SIGMA[r][12]], m[SIGMA[r][13]])                                         \
    B2_G(v[3], v[4], v[9], v[14], m[SIGMA[r][14]], m[SIGMA[r][15]])
#define B2_ROUNDS                                                                                           \
    B2_ROUND(0) B2_ROUND(1) B2_ROUND(2) B2_ROUND(3) B2_ROUND(4) B2_ROUND(5) B2_ROUND(6) B2_ROUND(7)          \
    B2_ROUND(8) B2_ROUND(9) B2_ROUND(10) B2_ROUND(11)

/* Compress one block into h; t counts the message bytes so far, including this block. */
static void blake2b_compress(uint64_t h[8], const uint64_t m[16], uint64_t t, int last) {
#define ADD(a, b) ((a) + (b))
#define XOR(a, b) ((a) ^ (b))
#define ROR32(x) (((x) >> 32) | ((x) << 32))
#define ROR24(x) (((x) >> 24) | ((x) << 40))
#define ROR16(x) (((x) >> 16) | ((x) << 48))
#define ROR63(x) (((x) >> 63) | ((x) << 1))
    uint64_t v[16];
    for (int i = 0; i < 8; i++) {
        v[i] = h[i];
        v[i + 8] = BLAKE2B_IV[i];
    }
    v[12] ^= t; /* the high counter word stays 0: messages are far below 2^64 bytes */
    if (last) v[14] = ~v[14];
    B2_ROUNDS
    for (int i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
#undef ADD
#undef XOR
#undef ROR32
#undef ROR24
#undef ROR16
#undef ROR63
}

static inline void blake2b_init(uint64_t h[8]) {
    memcpy(h, BLAKE2B_IV, sizeof BLAKE2B_IV);
    h[0] ^= BLAKE2B_PARAM_512;
}

static void blake2b512(const uint8_t *data, size_t len, uint8_t out[64]) {
    uint64_t h[8], m[16];
    blake2b_init(h);
    size_t done = 0;
    while (len - done > BLAKE2B_BLOCK) { /* the final block, even when full, is compressed with the last flag */
        for (int w = 0; w < 16; w++) m[w] = load64(data + done + 8 * w);
        done += BLAKE2B_BLOCK;
        blake2b_compress(h, m, done, 0);
    }
    uint8_t block[BLAKE2B_BLOCK] = {0};
    memcpy(block, data + done, len - done);
    for (int w = 0; w < 16; w++) m[w] = load64(block + 8 * w);
    blake2b_compress(h, m, len, 1);
    memcpy(out, h, 64);
}

/* PoRA scratchpad of one pad seed: 1024 cells, each d after d[0:32] = keccak(d), d[32:64] = keccak(d). */
static void scratchpad_one(const uint8_t seed[64], uint8_t *pad, uint8_t recall[32]) {
    uint64_t d[8];
    memcpy(d, seed, 64);
    for (int step = 0; step < SCRATCHPAD_STEPS; step++) {
        keccak256_words(d, 8, d);
        keccak256_words(d, 8, d + 4);
        memcpy(pad + 64 * step, d, 64);
    }
    uint64_t seed_out[4];
    keccak256_words(d, 8, seed_out);
    memcpy(recall, seed_out, 32);
}

/* The PoRA quality of seal `index`: Blake2b-512(u256_be(i) || padSeed || 0^32 || seal ^ piece[i % 16])[0:32]. */
static void quality_one(const uint8_t *pad_seed, const uint8_t *scratchpad, const uint8_t *sealed, uint64_t index,
                        uint8_t out[32]) {
    const uint8_t *seal = sealed + BYTES_PER_SEAL * index;
    const uint8_t *piece = scratchpad + BYTES_PER_SEAL * (index % PAD_PIECES);
    uint64_t h[8], m[16] = {0};
    blake2b_init(h);
    m[3] = __builtin_bswap64(index);
    for (int w = 0; w < 8; w++) m[4 + w] = load64(pad_seed + 8 * w);
    blake2b_compress(h, m, BLAKE2B_BLOCK, 0);
    for (int b = 1; b < QUALITY_BLOCKS; b++) {
        size_t at = (size_t)BLAKE2B_BLOCK * (b - 1);
        for (int w = 0; w < 16; w++) m[w] = load64(seal + at + 8 * w) ^ load64(piece + at + 8 * w);
        blake2b_compress(h, m, (uint64_t)BLAKE2B_BLOCK * (b + 1), b == QUALITY_BLOCKS - 1);
    }
    memcpy(out, h, 32);
}

/* Seal one 4 KiB seal: w'_0 = w_0 ^ mask, w'_j = w_j ^ keccak(w'_{j-1}). */
static void seal_one(const uint8_t *in, const uint8_t mask[32], uint8_t *out) {
    uint64_t w[4];
    for (int k = 0; k < 4; k++) w[k] = load64(in + 8 * k) ^ load64(mask + 8 * k);
    memcpy(out, w, 32);
    for (int j = 1; j < WORDS_PER_SEAL; j++) {
        keccak256_words(w, 4, w);
        for (int k = 0; k < 4; k++) w[k] ^= load64(in + 32 * j + 8 * k);
        memcpy(out + 32 * j, w, 32);
    }
}

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

#define ZEROG_CAT_(a, b) a##b
#define ZEROG_CAT(a, b) ZEROG_CAT_(a, b)

#define ZEROG_LANE_PASS 8
#include "_keccak.c"
#undef ZEROG_LANE_PASS
#define ZEROG_LANE_PASS 4
#include "_keccak.c"
#undef ZEROG_LANE_PASS

static int simd_level = -1; /* 0 scalar, 1 AVX2, 2 AVX-512 */

static int detect_simd(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) return 2;
    if (__builtin_cpu_supports("avx2")) return 1;
    return 0;
}

/* The widest kernel worth running for `left` remaining messages: 8 lanes (AVX-512), 4 (AVX2) or 1 (scalar).
 * A short batch repeats its last message in the spare lanes, which still beats hashing it lane by lane. */
static inline int batch_width(size_t left) {
    if (simd_level == 2 && left > 4) return 8;
    if (simd_level >= 1 && left > 1) return 4;
    return 1;
}
#else
static inline int batch_width(size_t left) {
    (void)left;
    return 1;
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

/* Blake2b-512 of `count` messages of `len` bytes each, packed back to back, into out + 64 * i. */
static void blake2b_many(const uint8_t *data, size_t count, size_t len, uint8_t *out) {
    for (size_t i = 0; i < count;) {
        int width = batch_width(count - i), take = (int)(count - i < (size_t)width ? count - i : (size_t)width);
#ifdef ZEROG_X86
        if (width == 8) blake2b512_x8(data + i * len, len, len, take, out + 64 * i);
        if (width == 4) blake2b512_x4(data + i * len, len, len, take, out + 64 * i);
#endif
        if (width == 1) blake2b512(data + i * len, len, out + 64 * i);
        i += (size_t)take;
    }
}

/* Scratchpads and recall seeds of `count` pad seeds (64 bytes each), nonces side by side in the lanes. */
static void scratchpads(const uint8_t *seeds, size_t count, uint8_t *pads, uint8_t *recall) {
    for (size_t i = 0; i < count;) {
        int width = batch_width(count - i), take = (int)(count - i < (size_t)width ? count - i : (size_t)width);
        const uint8_t *in = seeds + 64 * i;
        uint8_t *pad = pads + (size_t)BYTES_PER_SCRATCHPAD * i, *seed = recall + 32 * i;
#ifdef ZEROG_X86
        if (width == 8) scratchpads_x8(in, take, pad, seed);
        if (width == 4) scratchpads_x4(in, take, pad, seed);
#endif
        if (width == 1) scratchpad_one(in, pad, seed);
        i += (size_t)take;
    }
}

/* Quality hashes of seals 0..count-1 of a sealed chunk, 32 bytes each, seals side by side in the lanes. */
static void qualities(const uint8_t *pad_seed, const uint8_t *scratchpad, const uint8_t *sealed, size_t count,
                      uint8_t *out) {
    for (size_t i = 0; i < count;) {
        int width = batch_width(count - i), take = (int)(count - i < (size_t)width ? count - i : (size_t)width);
#ifdef ZEROG_X86
        if (width == 8) qualities_x8(pad_seed, scratchpad, sealed, i, take, out + 32 * i);
        if (width == 4) qualities_x4(pad_seed, scratchpad, sealed, i, take, out + 32 * i);
#endif
        if (width == 1) quality_one(pad_seed, scratchpad, sealed, i, out + 32 * i);
        i += (size_t)take;
    }
}

/* mask_0 of each seal: keccak(minerId || contextDigest || u256_be(sector)), sector = first + 16 * i. */
static void seal_masks(const uint8_t *miner_id, const uint8_t *context, uint64_t first_sector, size_t count,
                       uint8_t *work, uint8_t *masks) {
    for (size_t i = 0; i < count; i++) {
        uint8_t *in = work + 96 * i;
        memcpy(in, miner_id, 32);
        memcpy(in + 32, context, 32);
        memset(in + 64, 0, 24);
        store64(in + 88, __builtin_bswap64(first_sector + SECTORS_PER_SEAL * i));
    }
    hash_many(work, count, 96, 96, masks);
}

/* Seal `count` whole seals, seals side by side in the lanes (each seal's chain is sequential). */
static void seal_many(const uint8_t *data, const uint8_t *masks, size_t count, uint8_t *out) {
    for (size_t i = 0; i < count;) {
        int width = batch_width(count - i), take = (int)(count - i < (size_t)width ? count - i : (size_t)width);
        const uint8_t *in = data + (size_t)BYTES_PER_SEAL * i;
        uint8_t *sealed = out + (size_t)BYTES_PER_SEAL * i;
#ifdef ZEROG_X86
        if (width == 8) seal_x8(in, masks + 32 * i, take, sealed);
        if (width == 4) seal_x4(in, masks + 32 * i, take, sealed);
#endif
        if (width == 1) seal_one(in, masks + 32 * i, sealed);
        i += (size_t)take;
    }
}

/* Unseal: w_0 = w'_0 ^ mask, w_j = w'_j ^ keccak(w'_{j-1}); no chain, so the words of a seal hash in parallel. */
static void unseal_many(const uint8_t *data, const uint8_t *masks, size_t count, uint8_t *out) {
    uint8_t next_masks[32 * WORDS_PER_SEAL];
    for (size_t i = 0; i < count; i++) {
        const uint8_t *in = data + (size_t)BYTES_PER_SEAL * i;
        uint8_t *plain = out + (size_t)BYTES_PER_SEAL * i;
        hash_many(in, WORDS_PER_SEAL, 32, 32, next_masks); /* the last word's hash is unused: it fills the lanes */
        for (int k = 0; k < 4; k++) store64(plain + 8 * k, load64(in + 8 * k) ^ load64(masks + 32 * i + 8 * k));
        for (int w = 4; w < BYTES_PER_SEAL / 8; w++)
            store64(plain + 8 * w, load64(in + 8 * w) ^ load64(next_masks + 8 * (w - 4)));
    }
}

/* ---- Python bindings ---- */

static int expect_size(const Py_buffer *buffer, Py_ssize_t size, const char *name) {
    if (buffer->len == size) return 0;
    PyErr_Format(PyExc_ValueError, "%s must be %zd bytes, got %zd", name, size, buffer->len);
    return -1;
}

static void release_all(Py_buffer **buffers, int count) {
    for (int i = 0; i < count; i++)
        if (buffers[i]->obj != NULL) PyBuffer_Release(buffers[i]);
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

static PyObject *py_blake2b512(PyObject *self, PyObject *args) {
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*", &data)) return NULL;
    uint8_t digest[64];
    Py_BEGIN_ALLOW_THREADS
    blake2b512((const uint8_t *)data.buf, (size_t)data.len, digest);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    return PyBytes_FromStringAndSize((const char *)digest, 64);
}

static PyObject *py_blake2b512_many(PyObject *self, PyObject *args) {
    Py_buffer data;
    Py_ssize_t msg_len;
    if (!PyArg_ParseTuple(args, "y*n", &data, &msg_len)) return NULL;
    if (msg_len <= 0 || data.len % msg_len) {
        PyBuffer_Release(&data);
        PyErr_SetString(PyExc_ValueError, "data length must be a multiple of a positive msg_len");
        return NULL;
    }
    size_t count = (size_t)(data.len / msg_len);
    PyObject *result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(64 * count));
    if (result == NULL) {
        PyBuffer_Release(&data);
        return NULL;
    }
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
    Py_BEGIN_ALLOW_THREADS
    blake2b_many((const uint8_t *)data.buf, count, (size_t)msg_len, out);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    return result;
}

static PyObject *py_pora_scratchpad(PyObject *self, PyObject *args) {
    Py_buffer seed;
    if (!PyArg_ParseTuple(args, "y*", &seed)) return NULL;
    if (expect_size(&seed, 64, "pad_seed") < 0) {
        PyBuffer_Release(&seed);
        return NULL;
    }
    PyObject *pad = PyBytes_FromStringAndSize(NULL, BYTES_PER_SCRATCHPAD);
    if (pad == NULL) {
        PyBuffer_Release(&seed);
        return NULL;
    }
    uint8_t recall[32];
    Py_BEGIN_ALLOW_THREADS
    scratchpad_one((const uint8_t *)seed.buf, (uint8_t *)PyBytes_AS_STRING(pad), recall);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&seed);
    return Py_BuildValue("(Ny#)", pad, (const char *)recall, (Py_ssize_t)32);
}

static PyObject *py_pora_iterate(PyObject *self, PyObject *args) {
    Py_buffer miner = {0}, subtask = {0}, range = {0}, nonces = {0};
    Py_buffer *held[] = {&miner, &subtask, &range, &nonces};
    PyObject *pad_seeds = NULL, *recall = NULL, *pads = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*y*", &miner, &subtask, &range, &nonces)) goto fail;
    if (expect_size(&miner, 32, "miner_id") < 0 || expect_size(&subtask, 32, "subtask_digest") < 0 ||
        expect_size(&range, 32, "range_digest") < 0)
        goto fail;
    if (nonces.len % 32) {
        PyErr_Format(PyExc_ValueError, "nonces must be whole 32-byte nonces, got %zd bytes", nonces.len);
        goto fail;
    }
    size_t count = (size_t)nonces.len / 32;
    pad_seeds = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(64 * count));
    recall = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(32 * count));
    pads = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(BYTES_PER_SCRATCHPAD * count));
    uint8_t *inputs = PyMem_RawMalloc(128 * count + 1);
    if (pad_seeds == NULL || recall == NULL || pads == NULL || inputs == NULL) {
        PyMem_RawFree(inputs);
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto fail;
    }
    uint8_t *seeds = (uint8_t *)PyBytes_AS_STRING(pad_seeds);
    Py_BEGIN_ALLOW_THREADS
    for (size_t i = 0; i < count; i++) { /* padSeed = Blake2b-512(minerId || nonce || subtaskDigest || rangeDigest) */
        memcpy(inputs + 128 * i, miner.buf, 32);
        memcpy(inputs + 128 * i + 32, (const uint8_t *)nonces.buf + 32 * i, 32);
        memcpy(inputs + 128 * i + 64, subtask.buf, 32);
        memcpy(inputs + 128 * i + 96, range.buf, 32);
    }
    blake2b_many(inputs, count, 128, seeds);
    scratchpads(seeds, count, (uint8_t *)PyBytes_AS_STRING(pads), (uint8_t *)PyBytes_AS_STRING(recall));
    Py_END_ALLOW_THREADS
    PyMem_RawFree(inputs);
    release_all(held, 4);
    return Py_BuildValue("(NNN)", pad_seeds, recall, pads);
fail:
    Py_XDECREF(pad_seeds);
    Py_XDECREF(recall);
    Py_XDECREF(pads);
    release_all(held, 4);
    return NULL;
}

static PyObject *py_pora_search(PyObject *self, PyObject *args) {
    Py_buffer seed = {0}, pad = {0}, sealed = {0}, target = {0};
    Py_buffer *held[] = {&seed, &pad, &sealed, &target};
    PyObject *hits = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*y*", &seed, &pad, &sealed, &target)) goto done;
    if (expect_size(&seed, 64, "pad_seed") < 0 || expect_size(&pad, BYTES_PER_SCRATCHPAD, "scratchpad") < 0 ||
        expect_size(&target, 32, "target (32-byte big-endian)") < 0)
        goto done;
    if (sealed.len % BYTES_PER_SEAL || sealed.len > (Py_ssize_t)BYTES_PER_SEAL * SEALS_PER_LOAD) {
        PyErr_Format(PyExc_ValueError, "sealed_chunk must be up to 64 whole 4096-byte seals, got %zd bytes",
                     sealed.len);
        goto done;
    }
    size_t count = (size_t)sealed.len / BYTES_PER_SEAL;
    uint8_t quality[32 * SEALS_PER_LOAD];
    Py_BEGIN_ALLOW_THREADS
    qualities((const uint8_t *)seed.buf, (const uint8_t *)pad.buf, (const uint8_t *)sealed.buf, count, quality);
    Py_END_ALLOW_THREADS
    hits = PyList_New(0);
    for (size_t i = 0; hits != NULL && i < count; i++) {
        if (memcmp(quality + 32 * i, target.buf, 32) > 0) continue; /* both big-endian: bytes order as integers */
        PyObject *hit = Py_BuildValue("(ny#)", (Py_ssize_t)i, (const char *)(quality + 32 * i), (Py_ssize_t)32);
        if (hit == NULL || PyList_Append(hits, hit) < 0) Py_CLEAR(hits);
        Py_XDECREF(hit);
    }
done:
    release_all(held, 4);
    return hits;
}

/* Shared by seal_chunk and unseal_chunk: parse, check, compute the masks, run `transform` without the GIL. */
static PyObject *seal_call(PyObject *args, void (*transform)(const uint8_t *, const uint8_t *, size_t, uint8_t *)) {
    Py_buffer data = {0}, miner = {0}, context = {0};
    Py_buffer *held[] = {&data, &miner, &context};
    PyObject *sector_obj, *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*O!", &data, &miner, &context, &PyLong_Type, &sector_obj)) goto done;
    unsigned long long first_sector = PyLong_AsUnsignedLongLong(sector_obj); /* refuses what "K" would wrap */
    if (PyErr_Occurred()) {
        PyErr_SetString(PyExc_ValueError, "first_sector must be a u64");
        goto done;
    }
    if (expect_size(&miner, 32, "miner_id") < 0 || expect_size(&context, 32, "context_digest") < 0) goto done;
    if (data.len % BYTES_PER_SEAL) {
        PyErr_Format(PyExc_ValueError, "data must be whole 4096-byte seals, got %zd bytes", data.len);
        goto done;
    }
    size_t count = (size_t)data.len / BYTES_PER_SEAL;
    if (count && first_sector > UINT64_MAX - SECTORS_PER_SEAL * (count - 1)) {
        PyErr_SetString(PyExc_ValueError, "the seals' sector indices must fit in 64 bits");
        goto done;
    }
    result = PyBytes_FromStringAndSize(NULL, data.len);
    uint8_t *work = PyMem_RawMalloc(128 * count + 1);
    if (result == NULL || work == NULL) {
        PyMem_RawFree(work);
        Py_CLEAR(result);
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    uint8_t *masks = work + 96 * count;
    seal_masks((const uint8_t *)miner.buf, (const uint8_t *)context.buf, first_sector, count, work, masks);
    transform((const uint8_t *)data.buf, masks, count, (uint8_t *)PyBytes_AS_STRING(result));
    Py_END_ALLOW_THREADS
    PyMem_RawFree(work);
done:
    release_all(held, 3);
    return result;
}

static PyObject *py_seal_chunk(PyObject *self, PyObject *args) { return seal_call(args, seal_many); }

static PyObject *py_unseal_chunk(PyObject *self, PyObject *args) { return seal_call(args, unseal_many); }

static PyMethodDef METHODS[] = {
    {"hash_leaves", py_hash_leaves, METH_VARARGS, "keccak-256 of each leaf_size-byte leaf, concatenated."},
    {"hash_level", py_hash_level, METH_VARARGS, "Parents of adjacent 32-byte nodes; an odd last node is promoted."},
    {"tree_root", py_tree_root, METH_VARARGS, "Root of the left-balanced keccak tree over the leaves of data."},
    {"simd_lanes", py_simd_lanes, METH_NOARGS, "Hashes computed per vector pass on this CPU: 8, 4 or 1."},
    {"blake2b512", py_blake2b512, METH_VARARGS, "Blake2b-512 (unkeyed) of data."},
    {"blake2b512_many", py_blake2b512_many, METH_VARARGS,
     "Blake2b-512 of each msg_len-byte message of data, 64-byte digests concatenated."},
    {"pora_scratchpad", py_pora_scratchpad, METH_VARARGS,
     "(64 KiB scratchpad, 32-byte recall seed) of a 64-byte PoRA pad seed."},
    {"pora_iterate", py_pora_iterate, METH_VARARGS,
     "(pad seeds n*64, recall seeds n*32, scratchpads n*65536) for n 32-byte nonces, nonces in SIMD lanes."},
    {"pora_search", py_pora_search, METH_VARARGS,
     "[(seal index, 32-byte quality)] of the seals whose quality <= target (32-byte big-endian)."},
    {"seal_chunk", py_seal_chunk, METH_VARARGS, "Seal whole 4 KiB seals starting at sector first_sector."},
    {"unseal_chunk", py_unseal_chunk, METH_VARARGS, "Unseal whole 4 KiB seals starting at sector first_sector."},
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

#else /* ZEROG_LANE_PASS: the lane kernels, compiled once per vector width (see the top of the file) */

/*
 * A kernel runs LANES independent messages, one per 64-bit vector lane. Kernels take `count` (1..LANES) real
 * messages; spare lanes repeat the last one so every load stays in bounds, and only real lanes are written.
 */
#if ZEROG_LANE_PASS == 8
#define LANES 8
#define VT __m512i
#define LANE(name) ZEROG_CAT(name, _x8)
#define LANE_TARGET __attribute__((target("avx512f,avx512vl")))
#define LANE_CONSTANTS
#define VXOR(a, b) _mm512_xor_si512((a), (b))
#define VADD(a, b) _mm512_add_epi64((a), (b))
#define VROL(a, n) _mm512_rol_epi64((a), (n))
#define VCHI(a, b, c) _mm512_ternarylogic_epi64((a), (b), (c), 0xD2) /* a ^ (~b & c) */
#define VROR32(a) _mm512_ror_epi64((a), 32)
#define VROR24(a) _mm512_ror_epi64((a), 24)
#define VROR16(a) _mm512_ror_epi64((a), 16)
#define VROR63(a) _mm512_ror_epi64((a), 63)
#define VSET1(x) _mm512_set1_epi64((long long)(x))
#define VZERO() _mm512_setzero_si512()
#define VLOAD(p) _mm512_loadu_si512((const void *)(p))
#define VSTORE(p, v) _mm512_storeu_si512((void *)(p), (v))
#define VGATHER(base, index) _mm512_i64gather_epi64((index), (const void *)(base), 1)
#else
#define LANES 4
#define VT __m256i
#define LANE(name) ZEROG_CAT(name, _x4)
#define LANE_TARGET __attribute__((target("avx2")))
/* Byte shuffles rotate by 24 and 16 bits; a dword shuffle rotates by 32; add-shift-or rotates by 63. */
#define LANE_CONSTANTS                                                                                      \
    const __m256i rot24 = _mm256_setr_epi8(3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10, 3, 4, 5, 6, 7, \
                                           0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10);                          \
    const __m256i rot16 = _mm256_setr_epi8(2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9, 2, 3, 4, 5, 6, \
                                           7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9);
#define VXOR(a, b) _mm256_xor_si256((a), (b))
#define VADD(a, b) _mm256_add_epi64((a), (b))
#define VROL(a, n) _mm256_or_si256(_mm256_slli_epi64((a), (n)), _mm256_srli_epi64((a), 64 - (n)))
#define VCHI(a, b, c) _mm256_xor_si256((a), _mm256_andnot_si256((b), (c)))
#define VROR32(a) _mm256_shuffle_epi32((a), _MM_SHUFFLE(2, 3, 0, 1))
#define VROR24(a) _mm256_shuffle_epi8((a), rot24)
#define VROR16(a) _mm256_shuffle_epi8((a), rot16)
#define VROR63(a) _mm256_or_si256(_mm256_srli_epi64((a), 63), _mm256_add_epi64((a), (a)))
#define VSET1(x) _mm256_set1_epi64x((long long)(x))
#define VZERO() _mm256_setzero_si256()
#define VLOAD(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define VSTORE(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define VGATHER(base, index) _mm256_i64gather_epi64((const long long *)(const void *)(base), (index), 1)
#endif

/* Byte offsets of lane l's message: l * stride, the last real message repeated in spare lanes. */
LANE_TARGET static inline VT LANE(lane_offsets)(size_t stride, int count) {
    int64_t offsets[LANES];
    for (int l = 0; l < LANES; l++) offsets[l] = (int64_t)(stride * (size_t)(l < count ? l : count - 1));
    return VLOAD(offsets);
}

/* Write `words` vectors lane by lane: lane l's words go to out + l * stride, for the first `count` lanes. */
LANE_TARGET static inline void LANE(store_lanes)(const VT *v, int words, uint8_t *out, size_t stride, int count) {
    uint64_t lanes[16][LANES];
    for (int w = 0; w < words; w++) VSTORE(lanes[w], v[w]);
    for (int l = 0; l < count; l++)
        for (int w = 0; w < words; w++) store64(out + stride * (size_t)l + 8 * w, lanes[w][l]);
}

__attribute__((always_inline)) LANE_TARGET static inline void LANE(keccak_f1600)(VT s[25]) { KECCAK_ROUNDS(VT) }

/* keccak-256 of a one-block message already in s[0..words), padded here, as in keccak256_words. */
__attribute__((always_inline)) LANE_TARGET static inline void LANE(keccak_block)(VT s[25], int words) {
    for (int i = words; i < 25; i++) s[i] = VZERO();
    s[words] = VSET1(KECCAK_PAD_FIRST);
    s[RATE / 8 - 1] = VXOR(s[RATE / 8 - 1], VSET1(KECCAK_PAD_LAST));
    LANE(keccak_f1600)(s);
}

/* keccak-256 of LANES inputs of `len` bytes (len % 8 == 0) at data + lane * stride, into out + 32 * lane. */
LANE_TARGET static void LANE(keccak256)(const uint8_t *data, size_t stride, size_t len, uint8_t *out) {
    const VT index = LANE(lane_offsets)(stride, LANES);
    VT s[25];
    for (int i = 0; i < 25; i++) s[i] = VZERO();
    size_t offset = 0;
    for (;;) {
        size_t left = len - offset;
        size_t take = left >= RATE ? RATE : left;
        for (size_t w = 0; w < take / 8; w++) s[w] = VXOR(s[w], VGATHER(data + offset + 8 * w, index));
        if (left < RATE) {
            s[take / 8] = VXOR(s[take / 8], VSET1(KECCAK_PAD_FIRST));
            s[RATE / 8 - 1] = VXOR(s[RATE / 8 - 1], VSET1(KECCAK_PAD_LAST));
        }
        LANE(keccak_f1600)(s);
        if (left < RATE) break;
        offset += RATE;
    }
    LANE(store_lanes)(s, 4, out, 32, LANES);
}

/* Scratchpads of `count` pad seeds (64 bytes apart): the 512 chained hashes of each run in one lane. */
LANE_TARGET static void LANE(scratchpads)(const uint8_t *seeds, int count, uint8_t *pads, uint8_t *recall) {
    const VT index = LANE(lane_offsets)(64, count);
    VT d[8], s[25];
    for (int w = 0; w < 8; w++) d[w] = VGATHER(seeds + 8 * w, index);
    for (int step = 0; step < SCRATCHPAD_STEPS; step++) {
        for (int half = 0; half < 2; half++) {
            for (int w = 0; w < 8; w++) s[w] = d[w];
            LANE(keccak_block)(s, 8);
            for (int w = 0; w < 4; w++) d[4 * half + w] = s[w];
        }
        LANE(store_lanes)(d, 8, pads + 64 * step, BYTES_PER_SCRATCHPAD, count);
    }
    for (int w = 0; w < 8; w++) s[w] = d[w];
    LANE(keccak_block)(s, 8);
    LANE(store_lanes)(s, 4, recall, 32, count);
}

/* Blake2b compression of LANES blocks at once; every lane has the same byte counter t. */
LANE_TARGET static inline void LANE(blake2b_compress)(VT h[8], const VT m[16], uint64_t t, int last) {
    LANE_CONSTANTS
#define ADD VADD
#define XOR VXOR
#define ROR32 VROR32
#define ROR24 VROR24
#define ROR16 VROR16
#define ROR63 VROR63
    VT v[16];
    for (int i = 0; i < 8; i++) {
        v[i] = h[i];
        v[i + 8] = VSET1(BLAKE2B_IV[i]);
    }
    v[12] = VXOR(v[12], VSET1(t));
    if (last) v[14] = VXOR(v[14], VSET1(~0ULL));
    B2_ROUNDS
    for (int i = 0; i < 8; i++) h[i] = VXOR(h[i], VXOR(v[i], v[i + 8]));
#undef ADD
#undef XOR
#undef ROR32
#undef ROR24
#undef ROR16
#undef ROR63
}

LANE_TARGET static inline void LANE(blake2b_init)(VT h[8]) {
    for (int i = 0; i < 8; i++) h[i] = VSET1(BLAKE2B_IV[i]);
    h[0] = VXOR(h[0], VSET1(BLAKE2B_PARAM_512));
}

/* Blake2b-512 of `count` messages of `len` bytes at data + lane * stride, into out + 64 * lane. */
LANE_TARGET static void LANE(blake2b512)(const uint8_t *data, size_t stride, size_t len, int count, uint8_t *out) {
    const VT index = LANE(lane_offsets)(stride, count);
    VT h[8], m[16];
    LANE(blake2b_init)(h);
    size_t done = 0;
    for (; len - done > BLAKE2B_BLOCK; done += BLAKE2B_BLOCK) {
        for (int w = 0; w < 16; w++) m[w] = VGATHER(data + done + 8 * w, index);
        LANE(blake2b_compress)(h, m, done + BLAKE2B_BLOCK, 0);
    }
    uint8_t tails[LANES][BLAKE2B_BLOCK];
    memset(tails, 0, sizeof tails);
    for (int l = 0; l < LANES; l++) memcpy(tails[l], data + stride * (size_t)(l < count ? l : count - 1) + done, len - done);
    const VT tail_index = LANE(lane_offsets)(BLAKE2B_BLOCK, LANES);
    for (int w = 0; w < 16; w++) m[w] = VGATHER(&tails[0][0] + 8 * w, tail_index);
    LANE(blake2b_compress)(h, m, len, 1);
    LANE(store_lanes)(h, 8, out, 64, count);
}

/* PoRA quality hashes of seals first..first+count-1; mixed = seal ^ pad piece is formed as the words load. */
LANE_TARGET static void LANE(qualities)(const uint8_t *pad_seed, const uint8_t *scratchpad, const uint8_t *sealed,
                                         size_t first, int count, uint8_t *out) {
    int64_t seal_at[LANES], piece_at[LANES];
    uint64_t index_be[LANES];
    for (int l = 0; l < LANES; l++) {
        size_t seal = first + (size_t)(l < count ? l : count - 1);
        seal_at[l] = (int64_t)(BYTES_PER_SEAL * seal);
        piece_at[l] = (int64_t)(BYTES_PER_SEAL * (seal % PAD_PIECES));
        index_be[l] = __builtin_bswap64((uint64_t)seal);
    }
    const VT seal_index = VLOAD(seal_at), piece_index = VLOAD(piece_at);
    VT h[8], m[16];
    LANE(blake2b_init)(h);
    for (int w = 0; w < 16; w++) m[w] = VZERO(); /* header block: u256_be(i) || padSeed || 0^32 */
    m[3] = VLOAD(index_be);
    for (int w = 0; w < 8; w++) m[4 + w] = VSET1(load64(pad_seed + 8 * w));
    LANE(blake2b_compress)(h, m, BLAKE2B_BLOCK, 0);
    for (int b = 1; b < QUALITY_BLOCKS; b++) {
        size_t at = (size_t)BLAKE2B_BLOCK * (b - 1);
        for (int w = 0; w < 16; w++)
            m[w] = VXOR(VGATHER(sealed + at + 8 * w, seal_index), VGATHER(scratchpad + at + 8 * w, piece_index));
        LANE(blake2b_compress)(h, m, (uint64_t)BLAKE2B_BLOCK * (b + 1), b == QUALITY_BLOCKS - 1);
    }
    LANE(store_lanes)(h, 4, out, 32, count);
}

/* Seal `count` seals (4 KiB apart) with their masks (32 bytes apart): each seal's keccak chain runs in one lane. */
LANE_TARGET static void LANE(seal)(const uint8_t *data, const uint8_t *masks, int count, uint8_t *out) {
    const VT seal_index = LANE(lane_offsets)(BYTES_PER_SEAL, count), mask_index = LANE(lane_offsets)(32, count);
    VT w[4], s[25];
    for (int k = 0; k < 4; k++) w[k] = VXOR(VGATHER(data + 8 * k, seal_index), VGATHER(masks + 8 * k, mask_index));
    LANE(store_lanes)(w, 4, out, BYTES_PER_SEAL, count);
    for (int j = 1; j < WORDS_PER_SEAL; j++) {
        for (int k = 0; k < 4; k++) s[k] = w[k];
        LANE(keccak_block)(s, 4);
        for (int k = 0; k < 4; k++) w[k] = VXOR(s[k], VGATHER(data + 32 * j + 8 * k, seal_index));
        LANE(store_lanes)(w, 4, out + 32 * j, BYTES_PER_SEAL, count);
    }
}

#undef LANES
#undef VT
#undef LANE
#undef LANE_TARGET
#undef LANE_CONSTANTS
#undef VXOR
#undef VADD
#undef VROL
#undef VCHI
#undef VROR32
#undef VROR24
#undef VROR16
#undef VROR63
#undef VSET1
#undef VZERO
#undef VLOAD
#undef VSTORE
#undef VGATHER
#endif /* ZEROG_LANE_PASS */
