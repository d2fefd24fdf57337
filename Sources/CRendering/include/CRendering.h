#ifndef ENPIRE_CRENDERING_H
#define ENPIRE_CRENDERING_H

#include <stdint.h>

/// The simulated cameras' per-pixel stage in C: the same IEEE operations in the same order as the Swift code it
/// replaced (no fused multiply-add), so frames are bit-identical; in C because Swift's unoptimised debug builds,
/// which run the test suite, spent most of every camera test in this loop.

/// Converts one composed row of `width` RGB floats to 8-bit pixels: per channel
/// `v = row * gain * illumination`, `r = (v - 128) * contrast + 128 + brightness`, plus, when `noise > 0`,
/// `noise` times an Irwin-Hall sum of four 16-bit uniforms from one SplitMix64 draw (red, green, blue in turn),
/// rescaled to unit variance; rounded by adding 0.5 and truncating, clamped to [0, 255] (NaN gives 0).
/// `illumination` grows by `gradient_per_x` per pixel. `state` is the SplitMix64 state, advanced in place.
void enpire_lighting_row(const float *row, long width, float illumination, float gradient_per_x, float gain_red,
                         float gain_green, float gain_blue, float contrast, float brightness, float noise,
                         uint64_t *state, uint8_t *pixels);

#endif
