// SPDX-License-Identifier: LGPL-2.1-or-later
#include "atomic_file.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "neuralstyle/errors.hpp"

namespace neuralstyle::detail {

void writeFileAtomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const std::string partial = path + ".partial";
  {
    std::ofstream file(partial, std::ios::binary | std::ios::trunc);
    if (!file) throw WeightsError("cannot write '" + partial + "'");
    write(file);
    file.flush();
    if (!file) {
      std::remove(partial.c_str());
      throw WeightsError("cannot write '" + partial + "' (disk full?)");
    }
  }
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (error) {
    std::remove(partial.c_str());
    throw WeightsError("cannot write '" + path + "': " + error.message());
  }
}

}  // namespace neuralstyle::detail
