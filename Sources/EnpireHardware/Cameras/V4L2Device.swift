#if os(Linux)
import CV4L2
import Enpire
import Foundation
import Glibc
import Synchronization

/// An open, streaming V4L2 device with mapped buffers. Used by one thread at a time.
final class V4L2Device: @unchecked Sendable {
    // @unchecked: created on the caller's thread, then used only by the capture thread.
    let path: String
    private(set) var format = V4L2Camera.PixelFormat.mjpeg
    private(set) var bytesPerLine = 0
    private let fd: Int32
    private var buffers: [(pointer: UnsafeMutableRawPointer, length: Int)] = []
    private var streaming = false

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    private static func fourccText(_ value: UInt32) -> String {
        String(decoding: (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }, as: UTF8.self)
    }

    init(path: String, size: ImageSize, formats: [V4L2Camera.PixelFormat], framesPerSecond: Int?,
         bufferCount: Int) throws(V4L2CameraError) {
        self.path = path
        fd = Glibc.open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .openFailed(path: path, reason: Self.errnoText()) }
        var ok = false
        defer { if !ok { _ = Glibc.close(fd) } }

        var capability = v4l2_capability()
        guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_QUERYCAP, &capability) == 0 else {
            throw .notACaptureDevice(path: path, reason: "VIDIOC_QUERYCAP: \(Self.errnoText())")
        }
        let caps = capability.capabilities & ENPIRE_V4L2_CAP_DEVICE_CAPS != 0 ? capability.device_caps
            : capability.capabilities
        guard caps & ENPIRE_V4L2_CAP_VIDEO_CAPTURE != 0, caps & ENPIRE_V4L2_CAP_STREAMING != 0 else {
            throw .notACaptureDevice(path: path, reason: String(format: "capabilities 0x%08x", caps))
        }

        // Formats the device offers.
        var offered: [UInt32] = []
        for index in 0..<64 {
            var description = v4l2_fmtdesc()
            description.index = UInt32(index)
            description.type = ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE
            guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_ENUM_FMT, &description) == 0 else { break }
            offered.append(description.pixelformat)
        }
        guard let chosen = formats.first(where: { offered.contains($0.fourcc) }) else {
            throw .formatUnsupported(path: path, requested: formats.map(\.rawValue), available: offered.map(Self.fourccText))
        }

        var requested = v4l2_format()
        requested.type = ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE
        requested.fmt.pix.width = UInt32(size.width)
        requested.fmt.pix.height = UInt32(size.height)
        requested.fmt.pix.pixelformat = chosen.fourcc
        requested.fmt.pix.field = ENPIRE_V4L2_FIELD_ANY
        guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_S_FMT, &requested) == 0 else {
            throw .ioctlFailed(path: path, call: "VIDIOC_S_FMT", reason: Self.errnoText())
        }
        let granted = requested.fmt.pix
        guard granted.pixelformat == chosen.fourcc, Int(granted.width) == size.width, Int(granted.height) == size.height
        else {
            throw .formatChanged(path: path, requested: "\(chosen.rawValue) \(size)",
                                 granted: "\(Self.fourccText(granted.pixelformat)) \(granted.width)x\(granted.height)")
        }
        format = chosen
        bytesPerLine = chosen == .yuyv ? max(Int(granted.bytesperline), size.width * 2) : Int(granted.bytesperline)

        if let framesPerSecond {
            // Best effort: many drivers round to their nearest rate; some do not support it at all.
            var parameters = v4l2_streamparm()
            parameters.type = ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE
            parameters.parm.capture.timeperframe = v4l2_fract(numerator: 1, denominator: UInt32(framesPerSecond))
            _ = enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_S_PARM, &parameters)
        }

        var request = v4l2_requestbuffers()
        request.count = UInt32(bufferCount)
        request.type = ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE
        request.memory = ENPIRE_V4L2_MEMORY_MMAP
        guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_REQBUFS, &request) == 0 else {
            throw .ioctlFailed(path: path, call: "VIDIOC_REQBUFS (memory-mapped streaming)", reason: Self.errnoText())
        }
        guard request.count >= 2 else {
            throw .ioctlFailed(path: path, call: "VIDIOC_REQBUFS", reason: "the driver granted \(request.count) buffers, need 2")
        }
        do throws(V4L2CameraError) {
            for index in 0..<Int(request.count) {
                var buffer = v4l2_buffer()
                buffer.type = ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE
                buffer.memory = ENPIRE_V4L2_MEMORY_MMAP
                buffer.index = UInt32(index)
                guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_QUERYBUF, &buffer) == 0 else {
                    throw .ioctlFailed(path: path, call: "VIDIOC_QUERYBUF", reason: Self.errnoText())
                }
                guard let pointer = enpire_v4l2_mmap(fd, UInt(buffer.length), UInt(buffer.m.offset)),
                      pointer != UnsafeMutableRawPointer(bitPattern: -1) else {
                    throw .ioctlFailed(path: path, call: "mmap", reason: Self.errnoText())
                }
                buffers.append((pointer, Int(buffer.length)))
                guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_QBUF, &buffer) == 0 else {
                    throw .ioctlFailed(path: path, call: "VIDIOC_QBUF", reason: Self.errnoText())
                }
            }
            var type = Int32(bitPattern: ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE)
            guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_STREAMON, &type) == 0 else {
                throw .ioctlFailed(path: path, call: "VIDIOC_STREAMON", reason: Self.errnoText())
            }
            streaming = true
        } catch {
            unmap()
            throw error
        }
        ok = true
    }

    /// Waits up to `timeoutMilliseconds` for a filled buffer; returns a copy of its bytes and the row stride, or
    /// nil when none was ready.
    func nextFrame(timeoutMilliseconds: Int32) throws(V4L2CameraError) -> ([UInt8], Int)? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        if ready == 0 || (ready < 0 && errno == EINTR) { return nil }
        guard ready > 0 else { throw .ioctlFailed(path: path, call: "poll", reason: Self.errnoText()) }
        var buffer = v4l2_buffer()
        buffer.type = ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE
        buffer.memory = ENPIRE_V4L2_MEMORY_MMAP
        guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_DQBUF, &buffer) == 0 else {
            if errno == EAGAIN { return nil }
            throw .ioctlFailed(path: path, call: "VIDIOC_DQBUF", reason: Self.errnoText())
        }
        defer { _ = enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_QBUF, &buffer) }
        let index = Int(buffer.index)
        guard index < buffers.count else {
            throw .ioctlFailed(path: path, call: "VIDIOC_DQBUF", reason: "buffer index \(index) out of range")
        }
        let used = min(Int(buffer.bytesused), buffers[index].length)
        let bytes = [UInt8](UnsafeRawBufferPointer(start: buffers[index].pointer, count: used))
        return (bytes, bytesPerLine)
    }

    private func unmap() {
        for buffer in buffers { munmap(buffer.pointer, buffer.length) }
        buffers = []
    }

    /// Stops streaming, unmaps the buffers and closes the device.
    func close() {
        if streaming {
            var type = Int32(bitPattern: ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE)
            _ = enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_STREAMOFF, &type)
            streaming = false
        }
        unmap()
        _ = Glibc.close(fd)
    }
}
#endif
