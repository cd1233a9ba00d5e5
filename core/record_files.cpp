// Writing records files.
#include "core/record_files.hpp"

#include <cerrno>
#include <cstring>

namespace cohort {

std::optional<std::string> record_files::write(std::uint64_t job, const std::string& file,
                                               const std::string& line, bool append) {
  auto known = path_of_.find(job);
  if (known == path_of_.end()) {
    auto& f = by_path_[file];
    bool fresh = !f;
    if (fresh) {
      f = std::make_shared<open_file>();
      f->out.open(file, std::ios::out | (append ? std::ios::app : std::ios::trunc));
      f->failed = !f->out;
      f->first_line = line;
    }
    ++f->jobs;
    path_of_.emplace(job, file);
    if (f->failed) {
      return fresh ? std::optional<std::string>("cannot write the records of job " +
                                                std::to_string(job) + " to '" + file +
                                                "': " + std::strerror(errno))
                   : std::nullopt;
    }
    if (!fresh && line == f->first_line) {
      return std::nullopt;
    }
  }
  auto& f = *by_path_.at(path_of_.at(job));
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
  auto p = path_of_.find(job);
  if (p == path_of_.end()) {
    return;
  }
  auto f = by_path_.find(p->second);
  if (--f->second->jobs == 0) {
    by_path_.erase(f);
  }
  path_of_.erase(p);
}

} // namespace cohort
