// Where a client's job may read on the master: only under the master's --data-dir roots. A job
// from a client runs with the master's rights, so every parameter of type `path` it names is
// resolved (relative ones under the first root, symlinks followed, `..` removed), must exist and
// must lie under a root; the job then reads exactly the path that was checked.
#pragma once

#include "cohort/job.hpp"

#include <filesystem>
#include <vector>

namespace cohort {

class data_roots {
public:
  /// Throws param_error naming a root that does not exist or is not a directory.
  explicit data_roots(const std::vector<std::string>& roots);

  /// `p` with each `path` parameter of `kind` replaced by its resolved form; throws param_error
  /// naming the parameter, its value and --data-dir when one lies outside every root (or there
  /// are none).
  params confine(const job_kind& kind, const params& p) const;

private:
  std::vector<std::filesystem::path> roots_;
};

} // namespace cohort
