// The kinds listing, read from each kind's own parameter table.
#include "app/kinds_text.hpp"

#include "cohort/capabilities.hpp"

#include <algorithm>

namespace cohort::app {

namespace {

std::string pad(std::string s, std::size_t width) {
  s.resize(std::max(width, s.size()), ' ');
  return s;
}

std::string describe(const job_kind& k) {
  std::string out =
      std::string(k.name()) + " (" + kind_traits(k) + "): " + std::string(k.summary()) + "\n";
  auto table = k.parameters();
  std::size_t name_w = 0;
  std::size_t type_w = 0;
  std::size_t default_w = 0;
  for (const auto& p : table) {
    name_w = std::max(name_w, p.name.size());
    type_w = std::max(type_w, type_name(p).size());
    default_w = std::max(default_w, p.required ? 10 : p.fallback.size());
  }
  for (const auto& p : table) {
    out += "  " + pad(p.name, name_w + 2) + pad(type_name(p), type_w + 2) +
           pad(p.required ? "(required)" : p.fallback, default_w + 2) + p.meaning + "\n";
  }
  return out;
}

} // namespace

std::string kind_traits(const job_kind& k) {
  params none;
  std::string traits = k.bound(none) == task_bound::cpu ? "CPU-bound" : "latency-bound";
  if (!k.idempotent(none)) {
    traits += ", not idempotent";
  }
  if (!k.capability().empty()) {
    traits += ", needs " + allow_flags(k.capability());
  }
  return traits;
}

std::string kinds_text(const registry& kinds, std::string_view kind) {
  std::string out;
  for (const auto& name : kinds.names()) {
    if (!kind.empty() && name != kind) {
      continue;
    }
    out += (out.empty() ? "" : "\n") + describe(*kinds.find(name));
  }
  return out;
}

} // namespace cohort::app
