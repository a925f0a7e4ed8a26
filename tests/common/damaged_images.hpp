// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Image files damaged the ways real files get damaged (a download cut short, a flipped
// bit, a header that promises nothing), for the core's, the element's and the CLI's
// tests of readRgbImage. Each writer encodes a small picture with OpenCV, damages the
// bytes and writes them to `path`.
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace neuralstyle::test::damaged {

using Bytes = std::vector<unsigned char>;

/// 48x64 colour picture with detail everywhere, so every JPEG block carries data.
inline cv::Mat picture() {
  cv::Mat image(64, 48, CV_8UC3);
  cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(256));
  return image;
}

inline Bytes encode(const std::string& extension, const std::vector<int>& params = {}) {
  Bytes bytes;
  if (!cv::imencode(extension, picture(), bytes, params)) throw std::runtime_error("imencode " + extension);
  return bytes;
}

inline void write(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

/// A whole JPEG (baseline or progressive): the control that must still be read.
inline void wholeJpeg(const std::string& path, bool progressive = false) {
  write(path, encode(".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, progressive ? 1 : 0}));
}

/// The first `fraction` of a JPEG, as a cut-short download leaves it.
inline void truncatedJpeg(const std::string& path, double fraction = 0.5, bool progressive = false) {
  Bytes bytes = encode(".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, progressive ? 1 : 0});
  bytes.resize(static_cast<size_t>(static_cast<double>(bytes.size()) * fraction));
  write(path, bytes);
}

/// A JPEG whose scan data is cut by a stray marker halfway (a few bytes overwritten):
/// the file is complete, the image data is not.
inline void jpegWithCorruptScan(const std::string& path) {
  Bytes bytes = encode(".jpg");
  const Bytes sos{0xFF, 0xDA};
  const auto at = std::search(bytes.begin(), bytes.end(), sos.begin(), sos.end());
  if (at == bytes.end()) throw std::runtime_error("no SOS marker");
  const size_t scan_start = static_cast<size_t>(at - bytes.begin()) + 2 + (at[2] << 8 | at[3]);
  const size_t middle = scan_start + (bytes.size() - scan_start) / 2;
  bytes[middle] = 0xFF;
  bytes[middle + 1] = 0xD0;  // a restart marker where no restart interval was declared
  write(path, bytes);
}

/// A JPEG whose frame header says 0 rows.
inline void jpegWithZeroHeight(const std::string& path) {
  Bytes bytes = encode(".jpg");
  const Bytes sof{0xFF, 0xC0};
  const auto at = std::search(bytes.begin(), bytes.end(), sof.begin(), sof.end());
  if (at == bytes.end()) throw std::runtime_error("no SOF0 marker");
  at[5] = 0;  // SOF0: marker, length (2), precision (1), then height (2)
  at[6] = 0;
  write(path, bytes);
}

/// Offsets of a PNG's chunks: [offset of the length field, data length, type].
struct Chunk {
  size_t offset;
  uint32_t length;
  std::string type;
};

inline uint32_t readBigEndian(const Bytes& bytes, size_t at) {
  return uint32_t{bytes[at]} << 24 | uint32_t{bytes[at + 1]} << 16 | uint32_t{bytes[at + 2]} << 8 |
         bytes[at + 3];
}

inline void putBigEndian(Bytes& bytes, size_t at, uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<unsigned char>(value >> (24 - 8 * i));
}

inline std::vector<Chunk> chunks(const Bytes& png) {
  std::vector<Chunk> found;
  for (size_t at = 8; at + 12 <= png.size();) {
    const uint32_t length = readBigEndian(png, at);
    found.push_back({at, length, std::string(png.begin() + at + 4, png.begin() + at + 8)});
    at += 12 + length;
  }
  return found;
}

inline Chunk firstChunk(const Bytes& png, const std::string& type) {
  for (const auto& chunk : chunks(png))
    if (chunk.type == type) return chunk;
  throw std::runtime_error("no " + type + " chunk");
}

/// Recomputes the CRC of the chunk at `chunk` (after its type or data changed).
inline void fixCrc(Bytes& png, const Chunk& chunk) {
  const size_t typed = chunk.offset + 4, end = typed + 4 + chunk.length;
  putBigEndian(png, end, static_cast<uint32_t>(crc32(0, png.data() + typed, static_cast<uInt>(end - typed))));
}

/// A PNG, unchanged: the control.
inline void wholePng(const std::string& path) { write(path, encode(".png")); }

/// A PNG whose first IDAT chunk's stored CRC has one bit flipped (a bit flipped in its
/// data reads the same way).
inline void pngWithBadCrc(const std::string& path) {
  Bytes png = encode(".png");
  const Chunk idat = firstChunk(png, "IDAT");
  png[idat.offset + 8 + idat.length + 3] ^= 0x01;
  write(path, png);
}

/// A PNG with a text chunk (ancillary) whose CRC is wrong: its pixels are whole, and it
/// is read (libpng drops the chunk with a warning).
inline void pngWithBadTextChunkCrc(const std::string& path) {
  const Bytes png = encode(".png");
  const Chunk ihdr = firstChunk(png, "IHDR");
  const size_t after_ihdr = ihdr.offset + 12 + ihdr.length;
  Bytes text{0, 0, 0, 5, 't', 'E', 'X', 't', 'k', 0, 'v', 'a', 'l', 0, 0, 0, 0};
  fixCrc(text, {0, 5, "tEXt"});
  text.back() ^= 0x01;
  Bytes damaged(png.begin(), png.begin() + after_ihdr);
  damaged.insert(damaged.end(), text.begin(), text.end());
  damaged.insert(damaged.end(), png.begin() + after_ihdr, png.end());
  write(path, damaged);
}

/// A PNG whose IDAT holds only the first half of the compressed image, with a correct
/// CRC, followed by IEND: well-formed chunks around too little image data.
inline void pngWithTruncatedIdat(const std::string& path) {
  const Bytes png = encode(".png", {cv::IMWRITE_PNG_COMPRESSION, 0});  // one IDAT for 64 px
  const Chunk idat = firstChunk(png, "IDAT");
  const uint32_t kept = idat.length / 2;
  Bytes damaged(png.begin(), png.begin() + idat.offset + 8 + kept);
  putBigEndian(damaged, idat.offset, kept);
  damaged.resize(damaged.size() + 4);
  fixCrc(damaged, {idat.offset, kept, "IDAT"});
  const Chunk iend = firstChunk(png, "IEND");
  damaged.insert(damaged.end(), png.begin() + iend.offset, png.end());
  write(path, damaged);
}

/// A PNG file cut short inside its image data.
inline void truncatedPng(const std::string& path) {
  Bytes png = encode(".png");
  const Chunk idat = firstChunk(png, "IDAT");
  png.resize(idat.offset + 8 + idat.length / 2);
  write(path, png);
}

/// A PNG whose header (with a correct CRC) says 0x0 pixels.
inline void pngWithZeroSize(const std::string& path) {
  Bytes png = encode(".png");
  const Chunk ihdr = firstChunk(png, "IHDR");
  putBigEndian(png, ihdr.offset + 8, 0);      // width
  putBigEndian(png, ihdr.offset + 12, 0);     // height
  fixCrc(png, ihdr);
  write(path, png);
}

/// A file of 0 bytes named like an image.
inline void emptyFile(const std::string& path) { write(path, {}); }

}  // namespace neuralstyle::test::damaged
