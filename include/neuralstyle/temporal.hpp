// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Optical flow, warping and the flow's consistency, for temporally coherent video
// (Ruder, Dosovitskiy & Brox, "Artistic style transfer for videos", GCPR 2016). OpenCV
// only: thread-safe, each call makes its own flow estimator.
#include <opencv2/core.hpp>

namespace neuralstyle {

/// Dense optical flow from `from` to `to` (8-bit, one or three channels (RGB), the same
/// size) with OpenCV's DIS (preset medium): CV_32FC2, for each pixel p of `from`, where
/// it moved to in `to` (p + flow(p)). Throws ImageError on mismatched images.
cv::Mat opticalFlow(const cv::Mat& from, const cv::Mat& to);

/// `image` seen from another frame: out(p) = image(p + flow(p)) (cv::remap). With `flow`
/// the flow from a frame F to the frame `image` belongs to, the result is `image` moved
/// onto F. Positions outside `image` take its nearest border pixel. Any depth and channel
/// count. `interpolation`: cv::INTER_LINEAR, or cv::INTER_CUBIC for a stylised result that
/// is warped again at every frame (bilinear's blur would add up).
cv::Mat warpByFlow(const cv::Mat& image, const cv::Mat& flow, int interpolation = 1 /* INTER_LINEAR */);

/// The per-pixel weights c of the temporal term for a frame F (CV_32F, F's size): 1 where
/// the flow is trustworthy, 0 where F's pixel was not visible in the other frame
/// (disocclusion: the backward flow and the forward flow at its end do not cancel,
/// |f~ + b|^2 > 0.01 (|f~|^2 + |b|^2) + 0.5) or lies on a motion boundary
/// (motionBoundaries), as in Ruder et al.
/// `backward`: flow from F to the other frame; `forward`: from the other frame to F.
cv::Mat flowConsistency(const cv::Mat& backward, const cv::Mat& forward);

/// Motion boundaries of the flow `backward` (CV_8U: 255 where
/// |grad b_x|^2 + |grad b_y|^2 > 0.01 |b|^2 + 0.05, 0 elsewhere; central differences).
/// Ruder et al.'s constant is 0.002; 0.05 ignores steps under about half a pixel, which
/// DIS's smooth bends across flat regions are (src/temporal.cpp says more).
cv::Mat motionBoundaries(const cv::Mat& backward);

/// flowConsistency, and also 0 where `before` moved onto `now` by `backward` differs
/// from `now` by more than `tolerance` gray levels (of 255): where the flow is wrong, or
/// the picture changed (a cut, a flash). Flow alone cannot tell a cut between two
/// shots: it can find two flows that cancel between unrelated images. `now`, `before`:
/// 8-bit gray or RGB, the flows' size.
cv::Mat frameConsistency(const cv::Mat& now, const cv::Mat& before, const cv::Mat& backward,
                         const cv::Mat& forward, double tolerance = 12);

/// Share of the pixels a consistency mask marks inconsistent (0 is 1.0, 1 is 0.0).
double inconsistentShare(const cv::Mat& consistency);

}  // namespace neuralstyle
