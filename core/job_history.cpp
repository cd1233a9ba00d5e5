// Summaries and the bounded history of ended jobs.
#include "core/job_history.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace cohort {

std::string summary_line(const job_summary& s) {
  nlohmann::ordered_json out;
  out["id"] = s.id;
  if (!s.name.empty()) {
    out["name"] = s.name;
  }
  out["job"] = s.kind;
  out["status"] = s.state;
  out["done"] = s.done;
  out["total"] = s.total;
  out["wall_s"] = std::round(s.wall_s * 1e3) / 1e3;
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void job_history::add(record r) {
  if (keep_ == 0) {
    return;
  }
  while (order_.size() >= keep_) {
    records_.erase(order_.front());
    order_.pop_front();
  }
  auto id = r.summary.id;
  order_.push_back(id);
  records_[id] = std::move(r);
}

const job_history::record* job_history::find(std::uint64_t id) const {
  auto i = records_.find(id);
  return i == records_.end() ? nullptr : &i->second;
}

std::vector<const job_history::record*> job_history::all() const {
  std::vector<const record*> out;
  for (auto id : order_) {
    out.push_back(&records_.at(id));
  }
  return out;
}

} // namespace cohort
