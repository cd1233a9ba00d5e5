// Resolution and containment of client paths.
#include "core/data_roots.hpp"

#include <algorithm>
#include <system_error>

namespace cohort {

namespace {

bool within(const std::filesystem::path& p, const std::filesystem::path& root) {
  auto rel = p.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

} // namespace

data_roots::data_roots(const std::vector<std::string>& roots) {
  for (const auto& r : roots) {
    std::error_code ec;
    auto canon = std::filesystem::canonical(r, ec);
    if (ec || !std::filesystem::is_directory(canon, ec)) {
      throw param_error("--data-dir '" + r + "' is not a directory");
    }
    roots_.push_back(canon);
  }
}

params data_roots::confine(const job_kind& kind, const params& p) const {
  params out = p;
  for (const auto& spec : kind.parameters()) {
    auto value = p.get(spec.name);
    if (spec.type != param_type::path || !value) {
      continue;
    }
    auto what = std::string(kind.name()) + ": param '" + spec.name + "' ('" + *value + "')";
    if (roots_.empty()) {
      throw param_error(what + ": a client's job reads only under the master's --data-dir, and it "
                               "has none");
    }
    if (value->empty()) {
      // check_job refuses it as it would a local job's.
      continue;
    }
    std::filesystem::path given(*value);
    if (given.is_relative()) {
      given = roots_.front() / given;
    }
    auto inside = [&](const std::filesystem::path& candidate) {
      return std::any_of(roots_.begin(), roots_.end(), [&](const auto& root) {
        return candidate == root || within(candidate, root);
      });
    };
    auto outside = [&] {
      return param_error(what + " is outside the master's --data-dir roots");
    };
    // canonical, not weakly_canonical: a dangling symlink could point anywhere once its target
    // appears, so a path must exist as it is checked.
    std::error_code ec;
    auto resolved = std::filesystem::canonical(given, ec);
    if (ec) {
      if (!inside(given.lexically_normal())) {
        throw outside();
      }
      throw param_error(what +
                        ": cannot be read under the master's --data-dir roots: " + ec.message());
    }
    if (!inside(resolved)) {
      throw outside();
    }
    out.set(spec.name, resolved.string());
  }
  return out;
}

} // namespace cohort
