#pragma once
// Video4Linux2 for EnpireHardware's V4L2Camera. Header-only (the kernel's UAPI header and libc): nothing to link.
// The ioctl request numbers are function-like macros Swift cannot import, so they are re-exported as constants,
// and ioctl (variadic) gets a typed wrapper that retries on EINTR. Nothing here appears in a public API.
#ifdef __linux__
#include <errno.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

static inline int enpire_v4l2_ioctl(int fd, unsigned long request, void *argument) {
    int result;
    do { result = ioctl(fd, request, argument); } while (result == -1 && errno == EINTR);
    return result;
}

static inline void *enpire_v4l2_mmap(int fd, unsigned long length, unsigned long offset) {
    return mmap(0, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
}

static const unsigned long ENPIRE_VIDIOC_QUERYCAP = VIDIOC_QUERYCAP;
static const unsigned long ENPIRE_VIDIOC_ENUM_FMT = VIDIOC_ENUM_FMT;
static const unsigned long ENPIRE_VIDIOC_S_FMT = VIDIOC_S_FMT;
static const unsigned long ENPIRE_VIDIOC_S_PARM = VIDIOC_S_PARM;
static const unsigned long ENPIRE_VIDIOC_REQBUFS = VIDIOC_REQBUFS;
static const unsigned long ENPIRE_VIDIOC_QUERYBUF = VIDIOC_QUERYBUF;
static const unsigned long ENPIRE_VIDIOC_QBUF = VIDIOC_QBUF;
static const unsigned long ENPIRE_VIDIOC_DQBUF = VIDIOC_DQBUF;
static const unsigned long ENPIRE_VIDIOC_STREAMON = VIDIOC_STREAMON;
static const unsigned long ENPIRE_VIDIOC_STREAMOFF = VIDIOC_STREAMOFF;
static const unsigned int ENPIRE_V4L2_PIX_FMT_MJPEG = V4L2_PIX_FMT_MJPEG;
static const unsigned int ENPIRE_V4L2_PIX_FMT_JPEG = V4L2_PIX_FMT_JPEG;
static const unsigned int ENPIRE_V4L2_PIX_FMT_YUYV = V4L2_PIX_FMT_YUYV;
static const unsigned int ENPIRE_V4L2_CAP_VIDEO_CAPTURE = V4L2_CAP_VIDEO_CAPTURE;
static const unsigned int ENPIRE_V4L2_CAP_STREAMING = V4L2_CAP_STREAMING;
static const unsigned int ENPIRE_V4L2_CAP_DEVICE_CAPS = V4L2_CAP_DEVICE_CAPS;
static const unsigned int ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE = V4L2_BUF_TYPE_VIDEO_CAPTURE;
static const unsigned int ENPIRE_V4L2_MEMORY_MMAP = V4L2_MEMORY_MMAP;
static const unsigned int ENPIRE_V4L2_FIELD_ANY = V4L2_FIELD_ANY;
#endif
