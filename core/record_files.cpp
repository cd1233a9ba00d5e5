// Writing records files.
#include "core/record_files.hpp"

#include <cerrno>
#include <cstring>

namespace cohort {

std::optional<std::string> record_files::write(std::uint64_t job, const std::string& file,
                                               const std::string& line) {
  auto [i, fresh] = files_.try_emplace(job);
  auto& f = i->second;
  if (fresh) {
    f.out.open(file, std::ios::out | std::ios::trunc);
    f.failed = !f.out;
    if (f.failed) {
      return "cannot write the records of job " + std::to_string(job) + " to '" + file +
             "': " + std::strerror(errno);
    }
  }
  if (f.failed) {
    return std::nullopt;
  }
  f.out << line << '\n';
  if (!f.out) {
    f.failed = true;
    return "cannot write the records of job " + std::to_string(job) + " to '" + file + "'";
  }
  return std::nullopt;
}

void record_files::close(std::uint64_t job) {
  files_.erase(job);
}

} // namespace cohort
