#pragma once
#include <stddef.h>

// Decodes only the pixels [x, x + width) × [y, y + height) of a baseline or progressive JPEG through libjpeg's
// jpeg_crop_scanline and jpeg_skip_scanlines, into `out` (width × height × 3 bytes, RGB, rows packed), with the
// same settings as EnpireCore's full decode (fast integer DCT, fast upsampling), so the pixels equal the window of
// a full decode. The frame must be expected_width × expected_height and the window inside it. Corrupt data,
// truncation included, is an error (libjpeg's warnings count as errors). Returns 0, or -1 with a message in
// `message` (NUL-terminated, at most message_size bytes).
int enpire_jpeg_decode_region(const unsigned char *data, unsigned long size, int expected_width, int expected_height,
                              int x, int y, int width, int height, unsigned char *out, char *message,
                              size_t message_size);
