// Region decoding for camera rewards that look at part of a frame: libjpeg still entropy-decodes every block row
// up to the window's last (JPEG offers no random access without restart markers), but runs the inverse DCT, the
// upsampling and the colour conversion only for the window's block columns and rows, and stops after its last row.
#include "CJPEGRegion.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

struct region_error {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char *message;
    size_t message_size;
};

static void region_fail(j_common_ptr info) {
    struct region_error *error = (struct region_error *)info->err;
    char text[JMSG_LENGTH_MAX];
    (*info->err->format_message)(info, text);
    if (error->message_size > 0) snprintf(error->message, error->message_size, "%s", text);
    longjmp(error->jump, 1);
}

// Level -1 is a warning about corrupt data (a truncated file included): an error here, as TJFLAG_STOPONWARNING
// makes it for the full decode. Trace messages (levels ≥ 0) are dropped.
static void region_message(j_common_ptr info, int level) {
    if (level < 0) region_fail(info);
}

static void set_message(char *message, size_t message_size, const char *text) {
    if (message_size > 0) snprintf(message, message_size, "%s", text);
}

int enpire_jpeg_decode_region(const unsigned char *data, unsigned long size, int expected_width, int expected_height,
                              int x, int y, int width, int height, unsigned char *out, char *message,
                              size_t message_size) {
    if (data == NULL || size == 0 || out == NULL) {
        set_message(message, message_size, "no JPEG data or no output buffer");
        return -1;
    }
    if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > expected_width || y + height > expected_height) {
        set_message(message, message_size, "the window is empty or outside the frame");
        return -1;
    }
    struct jpeg_decompress_struct info;
    struct region_error error;
    // volatile: the row buffer is allocated after setjmp and must be freed after a longjmp.
    unsigned char *volatile row = NULL;
    info.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = region_fail;
    error.manager.emit_message = region_message;
    error.message = message;
    error.message_size = message_size;
    if (setjmp(error.jump)) {
        jpeg_destroy_decompress(&info);
        free(row);
        return -1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, size);
    jpeg_read_header(&info, TRUE);
    if ((int)info.image_width != expected_width || (int)info.image_height != expected_height) {
        set_message(message, message_size, "the JPEG's size is not the expected one");
        jpeg_destroy_decompress(&info);
        return -1;
    }
    info.out_color_space = JCS_RGB;
    info.dct_method = JDCT_IFAST;
    info.do_fancy_upsampling = FALSE;
    jpeg_start_decompress(&info);
    JDIMENSION left = (JDIMENSION)x, columns = (JDIMENSION)width;
    jpeg_crop_scanline(&info, &left, &columns);   // widened to whole blocks: `left` ≤ x, `columns` ≥ width
    row = malloc((size_t)info.output_width * 3);
    if (row == NULL) {
        set_message(message, message_size, "out of memory for one row");
        jpeg_destroy_decompress(&info);
        return -1;
    }
    if (y > 0 && jpeg_skip_scanlines(&info, (JDIMENSION)y) != (JDIMENSION)y) {
        set_message(message, message_size, "could not skip to the window's first row");
        jpeg_destroy_decompress(&info);
        free(row);
        return -1;
    }
    size_t offset = (size_t)(x - (int)left) * 3, span = (size_t)width * 3;
    for (int r = 0; r < height; r++) {
        JSAMPROW rows[1] = {row};
        if (jpeg_read_scanlines(&info, rows, 1) != 1) {
            set_message(message, message_size, "the JPEG ended before the window's last row");
            jpeg_destroy_decompress(&info);
            free(row);
            return -1;
        }
        memcpy(out + (size_t)r * span, row + offset, span);
    }
    jpeg_abort_decompress(&info);   // the rows after the window are never decoded
    jpeg_destroy_decompress(&info);
    free(row);
    return 0;
}
