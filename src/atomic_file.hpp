// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Files the trainer writes (models, checkpoints) appear whole or not at all.
#include <functional>
#include <ostream>
#include <string>

namespace neuralstyle::detail {

/// Calls `write` on a temporary file beside `path` (PATH.partial) and renames it over
/// `path` once the stream is flushed in a good state: an interrupted or failed write never
/// leaves a half-written file under that name. Throws WeightsError naming the file.
void writeFileAtomically(const std::string& path, const std::function<void(std::ostream&)>& write);

}  // namespace neuralstyle::detail
