// Clients' requests, turned into the core's calls and replies.
#include "core/client_desk.hpp"

#include "cohort/checked_job.hpp"
#include "core/request_json.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace cohort {

client_desk::client_desk(master_core& core, std::shared_ptr<const registry> kinds, data_roots roots,
                         std::size_t history, clock::time_point started, std::string instance)
    : core_(core), kinds_(std::move(kinds)), roots_(std::move(roots)), history_(history),
      started_(started), instance_(std::move(instance)) {}

std::uint64_t client_desk::add_client() {
  auto c = next_client_++;
  clients_.insert(c);
  return c;
}

void client_desk::remove_client(std::uint64_t client) {
  clients_.erase(client);
  for (auto* m : {&waiting_, &watching_}) {
    for (auto i = m->begin(); i != m->end();) {
      i->second.erase(client);
      i = i->second.empty() ? m->erase(i) : std::next(i);
    }
  }
}

namespace {

// What `cohort jobs --all` shows of a job that finished under an earlier master.
job_summary summary_of(const finished_job& f) {
  job_summary s;
  s.id = f.id;
  s.owner = f.owner;
  s.state = status_name(f.status);
  try {
    auto req = request_from_json(f.request);
    s.kind = req.kind;
    s.name = req.name;
  } catch (const std::exception&) {
    s.kind = "?";
  }
  auto line = nlohmann::json::parse(f.line, nullptr, false);
  if (line.is_object() && line["stats"].is_object()) {
    const auto& stats = line["stats"];
    if (stats["tasks"].is_number_unsigned()) {
      s.done = s.total = stats["tasks"].get<std::uint64_t>();
    }
    if (stats["wall_s"].is_number()) {
      s.wall_s = stats["wall_s"].get<double>();
    }
  }
  return s;
}

} // namespace

void client_desk::remember(const std::vector<finished_job>& finished) {
  for (const auto& f : finished) {
    history_.add({summary_of(f), f.status, f.line});
  }
}

std::vector<std::string> client_desk::resume(std::vector<unfinished_job> held,
                                             clock::time_point now) {
  std::vector<std::string> refused;
  for (auto& h : held) {
    try {
      auto job = check_job(*kinds_, request_from_json(h.request));
      // The master's own jobs stay its own (their records file is the master's to write).
      if (h.owner != 0) {
        h.owner = next_client_++;
        ++open_by_client_[h.owner];
        ++open_;
      }
      core_.resume(job, h, now);
    } catch (const std::exception& e) {
      refused.push_back("job " + std::to_string(h.id) + " cannot run again: " + e.what());
    }
  }
  return refused;
}

reply_message client_desk::submit(std::uint64_t client, const submit_message& m,
                                  clock::time_point now) {
  reply_message r{m.ref, {}, {}, {}};
  if (m.jobs.empty()) {
    r.error = "no job given";
    return r;
  }
  if (closed_) {
    r.error = "the master is stopping and takes no more jobs";
    return r;
  }
  auto& mine = open_by_client_[client];
  if (mine + m.jobs.size() > max_jobs_per_client || open_ + m.jobs.size() > max_jobs) {
    r.error = "too many unfinished jobs: at most " + std::to_string(max_jobs_per_client) +
              " per client and " + std::to_string(max_jobs) + " in all";
    return r;
  }
  // Every job is checked before any runs: one bad job refuses the whole submission.
  std::vector<checked_job> checked;
  for (std::size_t i = 0; i < m.jobs.size(); ++i) {
    try {
      auto job = m.jobs[i];
      if (auto kind = kinds_->find(job.kind)) {
        if (!kind->from_clients()) {
          throw param_error("job kind '" + job.kind +
                            "' is a test aid: it runs only from the master's command line");
        }
        job.args = roots_.confine(*kind, job.args);
      }
      checked.push_back(check_job(*kinds_, std::move(job)));
    } catch (const param_error& e) {
      r.error = m.jobs.size() == 1 ? e.what() : "job " + std::to_string(i + 1) + ": " + e.what();
      return r;
    }
  }
  mine += checked.size();
  open_ += checked.size();
  for (const auto& job : checked) {
    auto id = core_.submit(job, now, client);
    r.ids.push_back(id);
    if (m.wait) {
      waiting_[id].insert(client);
    }
    if (m.progress) {
      watching_[id].insert(client);
    }
  }
  // A job that ended at once (a split that failed, a job of no tasks) is in the core's ended list.
  return r;
}

reply_message client_desk::wait(std::uint64_t client, const wait_message& m) {
  reply_message r{m.ref, {}, {}, {}};
  // Each job once, however often it is named; nothing is registered when one is unknown.
  const std::set<std::uint64_t> ids(m.ids.begin(), m.ids.end());
  for (auto id : ids) {
    if (!core_.owner_of(id) && history_.find(id) == nullptr) {
      r.ids.push_back(id);
    }
  }
  if (!r.ids.empty()) {
    constexpr std::size_t named = 10;
    std::string unknown;
    for (std::size_t i = 0; i < std::min(named, r.ids.size()); ++i) {
      unknown += (unknown.empty() ? "" : ", ") + std::to_string(r.ids[i]);
    }
    if (r.ids.size() > named) {
      unknown += " and " + std::to_string(r.ids.size() - named) + " more";
    }
    r.error = "unknown job " + unknown + " (never submitted here, or no longer kept: --history)";
    return r;
  }
  for (auto id : ids) {
    if (core_.owner_of(id)) {
      waiting_[id].insert(client);
      if (m.progress) {
        watching_[id].insert(client);
      }
    } else {
      const auto* rec = history_.find(id);
      deliveries_.push_back(
          {client, line_message{id, static_cast<std::uint32_t>(rec->status), rec->line}});
    }
  }
  return r;
}

reply_message client_desk::cancel(const cancel_jobs_message& m, clock::time_point now) {
  reply_message r{m.ref, {}, {}, {}};
  for (auto id : std::set<std::uint64_t>(m.ids.begin(), m.ids.end())) {
    if (!core_.cancel(id, now)) {
      r.ids.push_back(id);
    }
  }
  return r;
}

reply_message client_desk::list(const list_message& m, clock::time_point now) const {
  std::vector<job_summary> all = core_.summaries(now);
  if (m.all) {
    for (const auto* rec : history_.all()) {
      all.push_back(rec->summary);
    }
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  reply_message r{m.ref, {}, {}, {}};
  for (const auto& s : all) {
    r.lines.push_back(summary_line(s));
  }
  return r;
}

reply_message client_desk::status(const status_message& m, clock::time_point now) const {
  nlohmann::ordered_json out;
  auto workers = nlohmann::ordered_json::array();
  for (auto ref : core_.workers().workers()) {
    const auto& w = core_.workers().at(ref);
    nlohmann::ordered_json e;
    e["id"] = w.id;
    e["host"] = w.host;
    e["tags"] = w.tags;
    e["slots"] = w.slots;
    e["concurrency"] = w.concurrency;
    e["in_flight"] = w.cpu_used + w.latency_used;
    e["draining"] = w.draining;
    workers.push_back(std::move(e));
  }
  std::uint64_t running = 0;
  std::uint64_t queued = 0;
  for (const auto& s : core_.summaries(now)) {
    ++(s.state == "queued" ? queued : running);
  }
  out["workers"] = std::move(workers);
  out["running"] = running;
  out["queued"] = queued;
  out["uptime_s"] = std::round(std::chrono::duration<double>(now - started_).count() * 1e3) / 1e3;
  out["instance"] = instance_;
  return {m.ref, {}, {}, {out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)}};
}

void client_desk::ended(const std::vector<ended_job>& jobs) {
  for (const auto& e : jobs) {
    if (auto o = open_by_client_.find(e.summary.owner); o != open_by_client_.end()) {
      --o->second;
      --open_;
      if (o->second == 0) {
        open_by_client_.erase(o);
      }
    }
    history_.add({e.summary, e.outcome.status, e.outcome.json});
    if (auto w = waiting_.find(e.job); w != waiting_.end()) {
      for (auto client : w->second) {
        deliveries_.push_back(
            {client,
             line_message{e.job, static_cast<std::uint32_t>(e.outcome.status), e.outcome.json}});
      }
      waiting_.erase(w);
    }
    watching_.erase(e.job);
  }
}

void client_desk::records(const std::vector<job_record>& lines) {
  for (const auto& r : lines) {
    if (clients_.count(r.owner) != 0) {
      deliveries_.push_back({r.owner, note_message{r.job, r.file, r.line}});
    } else if (auto w = waiting_.find(r.job); w != waiting_.end()) {
      for (auto client : w->second) {
        deliveries_.push_back({client, note_message{r.job, r.file, r.line}});
      }
    }
  }
}

void client_desk::progress(const std::vector<job_progress>& lines) {
  for (const auto& p : lines) {
    if (auto w = watching_.find(p.report.id); w != watching_.end()) {
      const auto line = plain_progress_line(p.report);
      for (auto client : w->second) {
        deliveries_.push_back({client, note_message{p.report.id, {}, line}});
      }
    }
  }
}

} // namespace cohort
