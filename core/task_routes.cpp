// Routes of a job's tasks; see task_routes.hpp.
#include "core/task_routes.hpp"

#include <algorithm>
#include <map>

namespace cohort {

std::optional<task_routes> task_routes::of(const job_plan& plan) {
  if (!plan.tags_tasks()) {
    return std::nullopt;
  }
  task_routes r;
  std::map<std::vector<std::string>, std::uint32_t> known;
  auto n = plan.task_count();
  r.route_of_.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    auto tags = plan.tags(i);
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    auto [it, fresh] = known.try_emplace(tags, r.count());
    if (fresh) {
      r.tags_.push_back(std::move(tags));
      r.tasks_.push_back(0);
    }
    r.route_of_.push_back(it->second);
    ++r.tasks_[it->second];
  }
  return r;
}

std::string task_routes::label(std::uint32_t route) const {
  const auto& t = tags(route);
  if (t.empty()) {
    return "untagged";
  }
  std::string out;
  for (const auto& tag : t) {
    out += (out.empty() ? "" : ",") + tag;
  }
  return out;
}

} // namespace cohort
