// Progress lines: the plain form scripts read, its parser, and the form a terminal redraws.
#include "cohort/progress.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>

namespace cohort {

namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// "0.5", "950", "12.5k", "3.40M": three significant digits are enough to read a rate.
std::string short_count(double v) {
  static constexpr const char* units[] = {"", "k", "M", "G"};
  std::size_t u = 0;
  while (v >= 999.5 && u + 1 < std::size(units)) {
    v /= 1000;
    ++u;
  }
  const int decimals = u == 0 ? (v < 9.95 ? 1 : 0) : v >= 99.95 ? 0 : v >= 9.995 ? 1 : 2;
  return fixed(v, decimals) + units[u];
}

/// "8 s", "2 min 05 s", "3 h 20 min".
std::string short_duration(double s) {
  const auto total = static_cast<long long>(std::ceil(std::max(0.0, s)));
  char buf[48];
  if (total < 60) {
    std::snprintf(buf, sizeof buf, "%lld s", total);
  } else if (total < 3600) {
    std::snprintf(buf, sizeof buf, "%lld min %02lld s", total / 60, total % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld h %02lld min", total / 3600, total % 3600 / 60);
  }
  return buf;
}

std::optional<double> number(std::string_view text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return v;
}

std::optional<std::uint64_t> count(std::string_view text) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return v;
}

/// The words of a line after its first two: `key=value` pairs, and bare words as keys without one.
std::map<std::string_view, std::string_view> fields(std::string_view rest) {
  std::map<std::string_view, std::string_view> out;
  while (!rest.empty()) {
    auto space = rest.find(' ');
    auto word = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    if (word.empty()) {
      continue;
    }
    auto eq = word.find('=');
    out[word.substr(0, eq)] =
        eq == std::string_view::npos ? std::string_view{} : word.substr(eq + 1);
  }
  return out;
}

std::string_view without_suffix(std::string_view text, std::string_view suffix) {
  if (text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix) {
    text.remove_suffix(suffix.size());
  }
  return text;
}

} // namespace

std::string progress_label(const job_progress_report& p) {
  return p.name.empty() ? std::to_string(p.id) : p.name;
}

std::string plain_progress_line(const job_progress_report& p) {
  auto line = "progress job=" + progress_label(p);
  if (p.waiting) {
    return line + " waiting joined=" + std::to_string(p.waiting->joined) +
           " need=" + std::to_string(p.waiting->need) + " left=" +
           std::to_string(static_cast<long long>(std::ceil(std::max(0.0, p.waiting->left_s)))) +
           "s";
  }
  line += " done=" + std::to_string(p.done) + " total=" + std::to_string(p.total) +
          " inflight=" + std::to_string(p.in_flight);
  line += " rate=" + (p.rate ? fixed(*p.rate, 0) : std::string("?")) + "/s";
  line += " eta=" + (p.eta_s ? fixed(*p.eta_s, 1) + "s" : std::string("?"));
  return line;
}

std::optional<job_progress_report> parse_progress_line(std::string_view line) {
  static constexpr std::string_view head = "progress job=";
  if (line.substr(0, head.size()) != head) {
    return std::nullopt;
  }
  line.remove_prefix(head.size());
  const auto space = line.find(' ');
  if (space == 0 || space == std::string_view::npos) {
    return std::nullopt;
  }
  job_progress_report p;
  const auto job = line.substr(0, space);
  if (auto id = count(job)) {
    p.id = *id;
  } else {
    p.name = std::string(job);
  }
  auto f = fields(line.substr(space + 1));
  if (f.count("waiting") != 0) {
    auto joined = count(f["joined"]);
    auto need = count(f["need"]);
    auto left = number(without_suffix(f["left"], "s"));
    if (!joined || !need || !left) {
      return std::nullopt;
    }
    p.waiting = job_progress_report::waiting_for{*joined, *need, *left};
    return p;
  }
  auto done = count(f["done"]);
  auto total = count(f["total"]);
  auto in_flight = count(f["inflight"]);
  if (!done || !total || !in_flight || f.count("rate") == 0 || f.count("eta") == 0) {
    return std::nullopt;
  }
  p.done = *done;
  p.total = *total;
  p.in_flight = *in_flight;
  p.rate = number(without_suffix(f["rate"], "/s"));
  p.eta_s = number(without_suffix(f["eta"], "s"));
  return p;
}

std::string terminal_progress_line(const job_progress_report& p, std::size_t width) {
  std::string line = progress_label(p);
  if (p.waiting) {
    const auto& w = *p.waiting;
    line += "  waiting for workers: " + std::to_string(w.joined) + " of " + std::to_string(w.need) +
            " joined (" + short_duration(w.left_s) + " left)";
  } else {
    const double fraction =
        p.total == 0 ? 1.0 : static_cast<double>(p.done) / static_cast<double>(p.total);
    std::string tail = " " + fixed(std::floor(fraction * 100), 0) + "%  " + std::to_string(p.done) +
                       "/" + std::to_string(p.total);
    tail += p.rate ? "  " + short_count(*p.rate) + "/s" : std::string("  -/s");
    tail += p.eta_s ? "  eta " + short_duration(*p.eta_s) : std::string("  eta ?");
    constexpr std::size_t min_bar = 10;
    constexpr std::size_t max_bar = 40;
    const std::size_t used = line.size() + 4 + tail.size();
    if (width > used + min_bar) {
      const auto cells = std::min(max_bar, width - used);
      const auto full = static_cast<std::size_t>(fraction * static_cast<double>(cells));
      std::string bar(cells, ' ');
      std::fill_n(bar.begin(), full, '=');
      if (full < cells && p.done > 0) {
        bar[full] = '>';
      }
      line += "  [" + bar + "]";
    }
    line += tail;
  }
  if (line.size() > width) {
    line.resize(width);
  }
  return line;
}

} // namespace cohort
