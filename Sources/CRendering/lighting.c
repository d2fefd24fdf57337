#include "CRendering.h"

// Bit-identical to the Swift stage: no contraction of a * b + c into a fused multiply-add (baseline x86-64 has
// none, but arm64 does and clang contracts by default).
#pragma STDC FP_CONTRACT OFF

static inline uint64_t splitmix64_next(uint64_t *state) {
    *state += 0x9E3779B97F4A7C15ULL;
    uint64_t z = *state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint8_t transfer(float value, float contrast, float brightness, float noise, uint64_t *state) {
    float result = (value - 128.0f) * contrast + 128.0f + brightness;
    if (noise > 0) {
        uint64_t bits = splitmix64_next(state);
        float sum = (float)(bits & 0xFFFF) + (float)((bits >> 16) & 0xFFFF) + (float)((bits >> 32) & 0xFFFF)
            + (float)(bits >> 48);
        float unit = (sum / 65536.0f - 2.0f) * 1.7320508f;
        result += unit * noise;
    }
    float shifted = result + 0.5f;
    if (!(shifted == shifted)) return 0;
    float floored = 0 >= shifted ? 0 : shifted;
    return (uint8_t)(255 < floored ? 255 : floored);
}

void enpire_lighting_row(const float *row, long width, float illumination, float gradient_per_x, float gain_red,
                         float gain_green, float gain_blue, float contrast, float brightness, float noise,
                         uint64_t *state, uint8_t *pixels) {
    for (long x = 0; x < width; x++) {
        const float *in = row + 3 * x;
        uint8_t *out = pixels + 3 * x;
        uint8_t red = transfer(in[0] * gain_red * illumination, contrast, brightness, noise, state);
        uint8_t green = transfer(in[1] * gain_green * illumination, contrast, brightness, noise, state);
        uint8_t blue = transfer(in[2] * gain_blue * illumination, contrast, brightness, noise, state);
        out[0] = red;
        out[1] = green;
        out[2] = blue;
        illumination += gradient_per_x;
    }
}
