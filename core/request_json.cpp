#include "core/request_json.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace cohort {

std::string request_to_json(const job_request& r) {
  nlohmann::ordered_json j;
  j["job"] = r.kind;
  j["params"] = nlohmann::ordered_json::object();
  for (const auto& [k, v] : r.args.all()) {
    j["params"][k] = v;
  }
  j["name"] = r.name;
  j["priority"] = r.priority;
  j["require"] = r.require;
  j["task_timeout_ns"] = r.task_timeout ? nlohmann::ordered_json(r.task_timeout->count()) : nullptr;
  j["deadline_ns"] = r.deadline ? nlohmann::ordered_json(r.deadline->count()) : nullptr;
  j["max_attempts"] = r.max_attempts;
  j["speculate"] = r.speculate;
  j["concurrency"] = r.concurrency ? nlohmann::ordered_json(*r.concurrency) : nullptr;
  return j.dump();
}

job_request request_from_json(std::string_view text) {
  try {
    const auto j = nlohmann::json::parse(text);
    job_request r;
    r.kind = j.at("job").get<std::string>();
    for (const auto& [k, v] : j.at("params").items()) {
      r.args.set(k, v.get<std::string>());
    }
    r.name = j.at("name").get<std::string>();
    r.priority = j.at("priority").get<std::int32_t>();
    r.require = j.at("require").get<std::vector<std::string>>();
    if (const auto& t = j.at("task_timeout_ns"); !t.is_null()) {
      r.task_timeout = std::chrono::nanoseconds(t.get<std::int64_t>());
    }
    if (const auto& d = j.at("deadline_ns"); !d.is_null()) {
      r.deadline = std::chrono::nanoseconds(d.get<std::int64_t>());
    }
    r.max_attempts = j.at("max_attempts").get<std::uint32_t>();
    r.speculate = j.at("speculate").get<bool>();
    if (const auto& c = j.at("concurrency"); !c.is_null()) {
      r.concurrency = c.get<std::uint32_t>();
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("a job request that cannot be read: ") + e.what());
  }
}

} // namespace cohort
