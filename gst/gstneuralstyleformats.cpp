// SPDX-License-Identifier: LGPL-2.1-or-later
/* GStreamer's video formats as the core's pixel formats. */
#include "gstneuralstyleformats.h"

namespace gstneuralstyle
{

gboolean
to_pixel_format (GstVideoFormat format, neuralstyle::PixelFormat * pixel_format)
{
  using neuralstyle::PixelFormat;
  switch (format) {
    case GST_VIDEO_FORMAT_GRAY8:
      *pixel_format = PixelFormat::Gray;
      return TRUE;
    case GST_VIDEO_FORMAT_RGB:
      *pixel_format = PixelFormat::RGB;
      return TRUE;
    case GST_VIDEO_FORMAT_BGR:
      *pixel_format = PixelFormat::BGR;
      return TRUE;
    case GST_VIDEO_FORMAT_RGBA:
    case GST_VIDEO_FORMAT_RGBx:
      *pixel_format = PixelFormat::RGBA;
      return TRUE;
    case GST_VIDEO_FORMAT_BGRA:
    case GST_VIDEO_FORMAT_BGRx:
      *pixel_format = PixelFormat::BGRA;
      return TRUE;
    case GST_VIDEO_FORMAT_ARGB:
    case GST_VIDEO_FORMAT_xRGB:
      *pixel_format = PixelFormat::ARGB;
      return TRUE;
    case GST_VIDEO_FORMAT_ABGR:
    case GST_VIDEO_FORMAT_xBGR:
      *pixel_format = PixelFormat::ABGR;
      return TRUE;
    default:
      return FALSE;
  }
}

}  // namespace gstneuralstyle
