// The command line: Boost.Program_options splits argv, our INI reader supplies the config file,
// and every value is checked here, so the runtime gets typed values traceable to their source.
#include "app/options.hpp"

#include "app/ini.hpp"
#include "app/jobs_file.hpp"
#include "cohort/units.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string_view>

namespace cohort::app {

namespace {

namespace po = boost::program_options;

enum mode_bits : unsigned { for_master = 1, for_worker = 2, for_both = 3 };
enum class arity { flag, single, repeated };

struct option_def {
  std::string_view name;
  std::string_view arg;
  arity kind;
  unsigned modes;
  std::string_view help;
};

// In --help order. Every option of DESIGN.md's table, so each one parses, validates and prints.
constexpr option_def option_defs[] = {
    {"job", "KIND", arity::single, for_master,
     "run one job of this kind (default: primes from=0 to=10000000000)"},
    {"param", "K=V", arity::repeated, for_master, "a parameter of --job (repeatable)"},
    {"jobs", "FILE", arity::single, for_master, "JSON Lines, one job per line (not with --job)"},
    {"local-workers", "N", arity::single, for_master,
     "worker actors in this process (cores); 0 allowed"},
    {"spawn-on", "H:P[,H:P...]", arity::single, for_master,
     "spawn each node's --workers worker actors there"},
    {"min-workers", "N", arity::single, for_master,
     "worker actors joined before the first dispatch (1)"},
    {"wait-for-workers", "DUR", arity::single, for_master,
     "how long a job waits for (tagged) workers before failing (30s)"},
    {"require", "TAG", arity::repeated, for_master,
     "per job: only workers with all these tags (repeatable)"},
    {"dispatch", "POLICY", arity::single, for_master,
     "least-loaded | round-robin | designated (least-loaded)"},
    {"task-timeout", "DUR", arity::single, for_master,
     "per job: start an attempt again elsewhere after this long (off)"},
    {"max-attempts", "N", arity::single, for_master,
     "per job: attempts of a task before the job fails (3)"},
    {"speculate", "on|off", arity::single, for_master,
     "per job: duplicate slow attempts of idempotent kinds (on)"},
    {"deadline", "DUR", arity::single, for_master, "per job: fail the job after this long (off)"},
    {"max-message-size", "SIZE", arity::single, for_master, "limit per message (64MiB)"},
    {"max-tasks", "N", arity::single, for_master, "limit of tasks per job (100000000)"},
    {"max-result-size", "SIZE", arity::single, for_master, "limit per job result (256MiB)"},
    {"progress", "", arity::flag, for_master,
     "progress lines on stderr even when it is not a terminal"},
    {"output", "FILE", arity::single, for_master, "JSON lines to FILE instead of stdout"},
    {"master", "HOST:PORT", arity::single, for_worker, "join this master"},
    {"workers", "N", arity::single, for_worker, "worker actors in this process (cores)"},
    {"connect-timeout", "DUR", arity::single, for_worker,
     "stop connecting after this long and exit 1 (60s)"},
    {"exit-with-master", "", arity::flag, for_worker,
     "exit when the master ends instead of reconnecting"},
    {"drain-timeout", "DUR", arity::single, for_worker,
     "on SIGTERM/SIGINT: let running tasks finish for this long (10s)"},
    {"slowdown", "F", arity::single, for_worker, "run every task F times slower (1)"},
    {"config", "FILE", arity::single, for_both,
     "INI file: `key = value`, [section] prefixes keys; the command line wins"},
    {"print-config", "", arity::flag, for_both,
     "print every effective setting and its source, exit 0"},
    {"listen", "[HOST:]PORT", arity::single, for_both,
     "master: publish; worker: serve as a spawn node (HOST 127.0.0.1)"},
    {"slots", "N", arity::single, for_both, "CPU-bound tasks per worker actor (1)"},
    {"concurrency", "N", arity::single, for_both, "latency-bound tasks per worker actor (10000)"},
    {"batch", "N", arity::single, for_both, "most tasks per dispatch message (1000)"},
    {"tags", "A,B", arity::single, for_both, "tags of this process's worker actors"},
    {"allow-exec", "", arity::flag, for_both, "this process's workers run exec tasks"},
    {"insecure", "", arity::flag, for_both,
     "allow --listen on a non-loopback address without TLS (see docs/security.md)"},
    {"token-file", "FILE", arity::single, for_both,
     "shared secret for joining (else $COHORT_TOKEN)"},
    {"tls-cert", "FILE", arity::single, for_both,
     "mutual TLS certificate (all three --tls-* or none)"},
    {"tls-key", "FILE", arity::single, for_both, "mutual TLS private key"},
    {"tls-ca", "FILE", arity::single, for_both, "mutual TLS CA certificate"},
    {"log-level", "LEVEL", arity::single, for_both,
     "trace | debug | info | warn | error | off (warn)"},
    {"scheduler.max-threads", "N", arity::single, for_both,
     "CAF scheduler threads (worker actors + 1)"},
    {"scheduler.policy", "POLICY", arity::single, for_both, "stealing | sharing (stealing)"},
    {"scheduler.max-throughput", "N", arity::single, for_both,
     "messages per actor per turn (unlimited)"},
    {"middleman.heartbeat-interval", "DUR", arity::single, for_both,
     "(500ms); the same on every node"},
    {"middleman.connection-timeout", "DUR", arity::single, for_both,
     "(2s); the same on every node"},
};

constexpr std::string_view command_line = "command line";
constexpr std::string_view token_env = "COHORT_TOKEN";
constexpr auto u32_max = std::numeric_limits<std::uint32_t>::max();
constexpr auto u64_max = std::numeric_limits<std::uint64_t>::max();

const option_def* find_def(std::string_view name) {
  for (const auto& d : option_defs) {
    if (d.name == name) {
      return &d;
    }
  }
  return nullptr;
}

std::string mode_name(unsigned modes) {
  return modes == for_master ? "master" : "worker";
}

/// One value of a setting and where it came from: "command line" or "FILE:LINE".
struct given_value {
  std::string text;
  std::string source;
};
using given_map = std::map<std::string, std::vector<given_value>, std::less<>>;

/// How errors name a setting: `--slots` on the command line, `FILE:LINE: slots` in a config file.
std::string label(std::string_view key, const given_value& v) {
  if (v.source == command_line) {
    return "--" + std::string(key);
  }
  return v.source + ": " + std::string(key);
}

[[noreturn]] void bad(std::string_view key, const given_value& v, std::string_view reason) {
  throw usage_error(label(key, v) + ": bad value '" + v.text + "': " + std::string(reason));
}

[[noreturn]] void bad_unit(std::string_view key, const given_value& v, const std::exception& e) {
  throw usage_error(label(key, v) + ": " + e.what());
}

/// Command-line values by key, and the positional words, in order.
struct command_line_words {
  given_map options;
  std::vector<std::string> positionals;
};

command_line_words split_argv(int argc, const char* const* argv) {
  po::options_description desc;
  for (const auto& d : option_defs) {
    std::string name(d.name);
    if (d.kind == arity::flag) {
      desc.add_options()(name.c_str(), po::bool_switch());
    } else {
      desc.add_options()(name.c_str(), po::value<std::string>());
    }
  }
  desc.add_options()("positional", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("positional", -1);
  // Guessing would let `--slot` mean `--slots`; a typo must be an error instead.
  auto style = po::command_line_style::unix_style & ~po::command_line_style::allow_guessing;

  po::parsed_options parsed(&desc);
  try {
    parsed =
        po::command_line_parser(argc, argv).options(desc).positional(positional).style(style).run();
  } catch (const po::unknown_option& e) {
    throw usage_error("unknown option '" + e.get_option_name() + "'");
  } catch (const po::invalid_command_line_syntax& e) {
    if (e.kind() == po::invalid_syntax::missing_parameter) {
      throw usage_error("option " + e.get_option_name() + " needs a value");
    }
    if (e.kind() == po::invalid_syntax::extra_parameter) {
      throw usage_error("option " + e.get_option_name() + " takes no value");
    }
    throw usage_error(e.what());
  } catch (const po::error& e) {
    throw usage_error(e.what());
  }

  command_line_words out;
  for (const auto& o : parsed.options) {
    if (o.string_key == "positional") {
      if (o.position_key < 0) {
        throw usage_error("unknown option '--positional'");
      }
      out.positionals.insert(out.positionals.end(), o.value.begin(), o.value.end());
      continue;
    }
    const auto* def = find_def(o.string_key);
    auto& values = out.options[o.string_key];
    if (def->kind != arity::repeated && !values.empty()) {
      throw usage_error("option --" + o.string_key + " is given twice");
    }
    values.push_back({o.value.empty() ? "true" : o.value.front(), std::string(command_line)});
  }
  return out;
}

given_map read_config(const std::string& path, unsigned mode) {
  std::vector<ini_entry> entries;
  try {
    entries = read_ini_file(path);
  } catch (const config_error& e) {
    throw usage_error(e.what());
  }
  given_map out;
  for (auto& e : entries) {
    auto where = path + ":" + std::to_string(e.line);
    const auto* def = find_def(e.key);
    if (def == nullptr) {
      throw usage_error(where + ": unknown key '" + e.key + "'");
    }
    if (def->name == "config" || def->name == "print-config") {
      throw usage_error(where + ": key '" + e.key + "' belongs on the command line");
    }
    if ((def->modes & mode) == 0) {
      throw usage_error(where + ": key '" + e.key + "' is for " + mode_name(def->modes) + " mode");
    }
    auto& values = out[e.key];
    if (def->kind != arity::repeated && !values.empty()) {
      throw usage_error(where + ": key '" + e.key + "' is set twice (first at " +
                        values.front().source + ")");
    }
    values.push_back({std::move(e.value), where});
  }
  return out;
}

/// Command line over config file, key by key; except that a job named on the command line (--job,
/// --param, --jobs) replaces the file's job settings as a whole, so the two never mix into one job.
given_map merge(const given_map& cmd, given_map file) {
  constexpr std::string_view job_keys[] = {"job", "param", "jobs"};
  bool cmd_names_job = std::any_of(std::begin(job_keys), std::end(job_keys),
                                   [&cmd](auto k) { return cmd.find(k) != cmd.end(); });
  if (cmd_names_job) {
    for (auto k : job_keys) {
      file.erase(std::string(k));
    }
  }
  for (const auto& [key, values] : cmd) {
    file[key] = values;
  }
  return file;
}

bool is_tag(std::string_view t) {
  return !t.empty() && t.find_first_of(" \t,") == std::string_view::npos;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    out += out.empty() ? "" : std::string(sep);
    out += item;
  }
  return out;
}

// A host only this machine can reach: 127.0.0.0/8, ::1 or localhost.
bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string format_endpoint(const endpoint& e) {
  return e.host + ":" + std::to_string(e.port);
}

std::string format_double(double d) {
  char buf[32];
  auto end = std::to_chars(std::begin(buf), std::end(buf), d).ptr;
  return std::string(buf, end);
}

std::string format_size(std::uint64_t bytes) {
  constexpr std::pair<std::uint64_t, std::string_view> units[] = {{std::uint64_t{1} << 30, "GiB"},
                                                                  {std::uint64_t{1} << 20, "MiB"},
                                                                  {std::uint64_t{1} << 10, "KiB"}};
  for (const auto& [factor, name] : units) {
    if (bytes != 0 && bytes % factor == 0) {
      return std::to_string(bytes / factor) + std::string(name);
    }
  }
  return std::to_string(bytes) + "B";
}

/// The file's contents, or usage_error "LABEL: cannot read 'PATH': REASON".
std::string read_whole(const std::string& what, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw usage_error(what + ": cannot read '" + path + "': it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw usage_error(what + ": cannot read '" + path + "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Typed, checked access to the merged settings; every error names the key, the value and its
/// source.
class reader {
public:
  explicit reader(const given_map& given) : given_(given) {}

  const given_value* get(std::string_view key) const {
    auto i = given_.find(key);
    return i == given_.end() ? nullptr : &i->second.front();
  }

  const std::vector<given_value>& all(std::string_view key) const {
    static const std::vector<given_value> none;
    auto i = given_.find(key);
    return i == given_.end() ? none : i->second;
  }

  std::uint64_t u64(std::string_view key, std::uint64_t fallback, std::uint64_t min,
                    std::uint64_t max = u64_max) const {
    const auto* v = get(key);
    if (v == nullptr) {
      return fallback;
    }
    std::uint64_t n = 0;
    try {
      n = parse_u64(v->text);
    } catch (const std::invalid_argument& e) {
      bad_unit(key, *v, e);
    }
    if (n < min) {
      bad(key, *v, "must be at least " + std::to_string(min));
    }
    if (n > max) {
      bad(key, *v, "must be at most " + std::to_string(max));
    }
    return n;
  }

  std::uint32_t u32(std::string_view key, std::uint32_t fallback, std::uint32_t min) const {
    return static_cast<std::uint32_t>(u64(key, fallback, min, u32_max));
  }

  /// A duration that cannot be switched off; 0s is allowed.
  std::chrono::nanoseconds duration(std::string_view key, std::chrono::nanoseconds fallback) const {
    const auto* v = get(key);
    if (v == nullptr) {
      return fallback;
    }
    std::optional<std::chrono::nanoseconds> d;
    try {
      d = parse_duration(v->text);
    } catch (const std::invalid_argument& e) {
      bad_unit(key, *v, e);
    }
    if (!d) {
      bad(key, *v, "cannot be off; give a duration such as 30s");
    }
    return *d;
  }

  /// A duration that may be off; a per-job limit (`zero_ok` false) must also be more than 0s.
  std::optional<std::chrono::nanoseconds>
  switchable(std::string_view key, std::optional<std::chrono::nanoseconds> fallback,
             bool zero_ok) const {
    const auto* v = get(key);
    if (v == nullptr) {
      return fallback;
    }
    std::optional<std::chrono::nanoseconds> d;
    try {
      d = parse_duration(v->text);
    } catch (const std::invalid_argument& e) {
      bad_unit(key, *v, e);
    }
    if (d && d->count() <= 0 && !zero_ok) {
      bad(key, *v, "must be more than 0s (or off)");
    }
    return d;
  }

  std::uint64_t size(std::string_view key, std::uint64_t fallback) const {
    const auto* v = get(key);
    if (v == nullptr) {
      return fallback;
    }
    std::uint64_t n = 0;
    try {
      n = parse_size(v->text);
    } catch (const std::invalid_argument& e) {
      bad_unit(key, *v, e);
    }
    if (n == 0) {
      bad(key, *v, "must be more than 0B");
    }
    return n;
  }

  /// A flag: present on the command line, `true`/`false` in a config file.
  bool flag(std::string_view key) const {
    const auto* v = get(key);
    if (v == nullptr || v->text == "false") {
      return false;
    }
    if (v->text != "true") {
      bad(key, *v, "expected true or false");
    }
    return true;
  }

  std::string choice(std::string_view key, std::string_view fallback,
                     std::initializer_list<std::string_view> allowed) const {
    const auto* v = get(key);
    if (v == nullptr) {
      return std::string(fallback);
    }
    if (std::find(allowed.begin(), allowed.end(), v->text) == allowed.end()) {
      std::string names;
      for (auto a : allowed) {
        names += names.empty() ? "" : " | ";
        names += a;
      }
      bad(key, *v, "expected " + names);
    }
    return v->text;
  }

  /// A file name or word that must not be empty; "" when not given.
  std::string text(std::string_view key) const {
    const auto* v = get(key);
    if (v == nullptr) {
      return {};
    }
    if (v->text.empty()) {
      bad(key, *v, "must not be empty");
    }
    return v->text;
  }

  double factor(std::string_view key, double fallback) const {
    const auto* v = get(key);
    if (v == nullptr) {
      return fallback;
    }
    double d = 0;
    const char* end = v->text.data() + v->text.size();
    auto [ptr, ec] = std::from_chars(v->text.data(), end, d, std::chars_format::fixed);
    if (ec != std::errc() || ptr != end || !std::isfinite(d) || d <= 0) {
      bad(key, *v, "expected a positive number such as 2 or 0.5");
    }
    return d;
  }

  std::vector<std::string> tags(std::string_view key) const {
    std::vector<std::string> out;
    const auto* v = get(key);
    if (v == nullptr || v->text.empty()) {
      return out;
    }
    std::string_view rest = v->text;
    while (true) {
      auto comma = rest.find(',');
      auto tag = rest.substr(0, comma);
      if (!is_tag(tag)) {
        bad(key, *v, "tags are non-empty and have no blanks");
      }
      out.emplace_back(tag);
      if (comma == std::string_view::npos) {
        return out;
      }
      rest.remove_prefix(comma + 1);
    }
  }

  /// `[HOST:]PORT` when `listening` (HOST 127.0.0.1, port 0 picks one), else `HOST:PORT`.
  endpoint address(std::string_view key, const given_value& v, std::string_view text,
                   bool listening) const {
    endpoint e;
    auto colon = text.rfind(':');
    std::string_view port = text;
    if (colon != std::string_view::npos) {
      e.host = std::string(text.substr(0, colon));
      port = text.substr(colon + 1);
    } else if (listening) {
      e.host = "127.0.0.1";
    }
    std::string_view form = listening ? "expected [HOST:]PORT" : "expected HOST:PORT";
    if (e.host.empty() || e.host.find_first_of(" \t,") != std::string::npos) {
      bad(key, v, form);
    }
    std::uint64_t n = 0;
    try {
      n = parse_u64(port);
    } catch (const std::invalid_argument&) {
      bad(key, v, form);
    }
    if (n > 65535 || (n == 0 && !listening)) {
      bad(key, v, listening ? "port must be 0..65535" : "port must be 1..65535");
    }
    e.port = static_cast<std::uint16_t>(n);
    return e;
  }

private:
  const given_map& given_;
};

/// The print-config rows of one key, each a value and its source.
using shown_map = std::map<std::string, std::vector<given_value>>;

std::string render(const shown_map& shown) {
  std::string out;
  for (const auto& [key, rows] : shown) {
    for (const auto& row : rows) {
      out += key + " = " + row.text + "  # " + row.source + "\n";
    }
  }
  return out;
}

job_request job_defaults(const reader& r) {
  job_request d;
  for (const auto& v : r.all("require")) {
    if (!is_tag(v.text)) {
      bad("require", v, "a tag is non-empty and has no blanks or commas");
    }
    d.require.push_back(v.text);
  }
  d.task_timeout = r.switchable("task-timeout", std::nullopt, false);
  d.deadline = r.switchable("deadline", std::nullopt, false);
  d.max_attempts = r.u32("max-attempts", d.max_attempts, 1);
  d.speculate = r.choice("speculate", "on", {"on", "off"}) == "on";
  return d;
}

std::vector<job_request> read_jobs(const reader& r, const job_request& defaults,
                                   const job_check& check) {
  const auto* jobs = r.get("jobs");
  const auto* kind = r.get("job");
  const auto& params = r.all("param");
  if (jobs != nullptr && kind != nullptr) {
    throw usage_error(label("job", *kind) + " cannot be combined with --jobs");
  }
  if (jobs != nullptr && !params.empty()) {
    throw usage_error(label("param", params.front()) + " '" + params.front().text +
                      "' cannot be combined with --jobs (params go in the jobs file)");
  }
  if (jobs != nullptr) {
    try {
      return read_jobs_file(r.text("jobs"), defaults, check);
    } catch (const jobs_file_error& e) {
      throw usage_error(e.what());
    }
  }
  if (kind == nullptr && !params.empty()) {
    throw usage_error(label("param", params.front()) + " '" + params.front().text +
                      "' needs --job KIND");
  }
  job_request job = defaults;
  if (kind == nullptr) {
    job.kind = "primes";
    job.args.set("from", "0");
    job.args.set("to", "10000000000");
    return {job};
  }
  job.kind = r.text("job");
  for (const auto& v : params) {
    auto eq = v.text.find('=');
    if (eq == std::string::npos || eq == 0) {
      bad("param", v, "expected K=V");
    }
    auto key = v.text.substr(0, eq);
    if (job.args.has(key)) {
      bad("param", v, "parameter '" + key + "' is given twice");
    }
    job.args.set(key, v.text.substr(eq + 1));
  }
  return {job};
}

void read_security(const reader& r, app_config& cfg) {
  cfg.token_file = r.text("token-file");
  if (!cfg.token_file.empty()) {
    auto what = label("token-file", *r.get("token-file"));
    auto token = read_whole(what, cfg.token_file);
    auto first = token.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
      throw usage_error(what + ": '" + cfg.token_file + "' holds no token");
    }
    cfg.token = token.substr(first, token.find_last_not_of(" \t\r\n") - first + 1);
  } else if (const char* env = std::getenv(token_env.data()); env != nullptr && *env != '\0') {
    cfg.token = env;
  }

  constexpr std::string_view tls_keys[] = {"tls-cert", "tls-key", "tls-ca"};
  std::vector<std::string> files;
  std::string missing;
  for (auto key : tls_keys) {
    files.push_back(r.text(key));
    if (files.back().empty()) {
      missing += (missing.empty() ? "--" : ", --") + std::string(key);
    } else {
      read_whole(label(key, *r.get(key)), files.back());
    }
  }
  bool any = std::any_of(files.begin(), files.end(), [](const auto& f) { return !f.empty(); });
  if (any && !missing.empty()) {
    throw usage_error("--tls-cert, --tls-key and --tls-ca go together: missing " + missing);
  }
  if (any) {
    cfg.tls = tls_files{files[0], files[1], files[2]};
  }
}

void read_caf_settings(const reader& r, std::map<std::string, std::string>& caf) {
  if (r.get("scheduler.max-threads") != nullptr) {
    caf["scheduler.max-threads"] = std::to_string(r.u64("scheduler.max-threads", 0, 1, u32_max));
  }
  if (r.get("scheduler.max-throughput") != nullptr) {
    caf["scheduler.max-throughput"] = std::to_string(r.u64("scheduler.max-throughput", 0, 1));
  }
  if (r.get("scheduler.policy") != nullptr) {
    caf["scheduler.policy"] = r.choice("scheduler.policy", "", {"stealing", "sharing"});
  }
  // Always set: cohort's defaults differ from CAF's (off). "off" and 0s both switch CAF's check
  // off.
  caf["middleman.heartbeat-interval"] = format_duration(
      r.switchable("middleman.heartbeat-interval", std::chrono::milliseconds(500), true));
  caf["middleman.connection-timeout"] =
      format_duration(r.switchable("middleman.connection-timeout", std::chrono::seconds(2), true));
}

std::string format_dispatch(dispatch_policy p) {
  switch (p) {
  case dispatch_policy::round_robin:
    return "round-robin";
  case dispatch_policy::designated:
    return "designated";
  case dispatch_policy::least_loaded:
    break;
  }
  return "least-loaded";
}

/// What --print-config shows, built from the final config so it shows what will be used.
shown_map shown_settings(const app_config& cfg, const reader& r, const job_request& defaults,
                         unsigned mode) {
  shown_map s;
  auto one = [&](std::string_view key, std::string value) {
    const auto* v = r.get(key);
    s[std::string(key)].push_back({std::move(value), v ? v->source : "default"});
  };
  // Repeatable keys show each given line with its own source.
  auto each = [&](std::string_view key, std::vector<std::string> fallback) {
    auto& rows = s[std::string(key)];
    rows = r.all(key);
    if (!rows.empty()) {
      return;
    }
    if (fallback.empty()) {
      fallback.emplace_back();
    }
    for (auto& f : fallback) {
      rows.push_back({std::move(f), "default"});
    }
  };
  const auto& rt = cfg.runtime;
  if (mode == for_master) {
    bool from_file = r.get("jobs") != nullptr;
    one("jobs", r.text("jobs"));
    one("job", from_file ? "" : cfg.jobs.front().kind);
    std::vector<std::string> params;
    if (!from_file) {
      for (const auto& [k, v] : cfg.jobs.front().args.all()) {
        params.push_back(k + "=" + v);
      }
    }
    each("param", params);
    each("require", {});
    one("local-workers", std::to_string(rt.local_workers));
    std::vector<std::string> nodes;
    for (const auto& e : cfg.spawn_on) {
      nodes.push_back(format_endpoint(e));
    }
    one("spawn-on", join(nodes, ","));
    one("min-workers", std::to_string(rt.min_workers));
    one("wait-for-workers", format_duration(rt.wait_for_workers));
    one("dispatch", format_dispatch(rt.dispatch));
    one("task-timeout", format_duration(defaults.task_timeout));
    one("max-attempts", std::to_string(defaults.max_attempts));
    one("speculate", defaults.speculate ? "on" : "off");
    one("deadline", format_duration(defaults.deadline));
    one("max-message-size", format_size(cfg.limits.max_message_size));
    one("max-tasks", std::to_string(cfg.limits.max_tasks));
    one("max-result-size", format_size(cfg.limits.max_result_size));
    one("progress", rt.progress ? "true" : "false");
    one("output", cfg.output_path);
  } else {
    one("master", cfg.master ? format_endpoint(*cfg.master) : "");
    one("workers", std::to_string(rt.local_workers));
    one("connect-timeout", format_duration(cfg.connect_timeout));
    one("exit-with-master", cfg.exit_with_master ? "true" : "false");
    one("drain-timeout", format_duration(cfg.drain_timeout));
    one("slowdown", format_double(rt.slowdown));
  }
  one("config", r.text("config"));
  one("listen", cfg.listen ? format_endpoint(*cfg.listen) : "");
  one("slots", std::to_string(rt.slots));
  one("concurrency", std::to_string(rt.concurrency));
  one("batch", std::to_string(rt.batch));
  one("tags", join(rt.tags, ","));
  one("allow-exec", cfg.allow_exec ? "true" : "false");
  one("insecure", cfg.insecure ? "true" : "false");
  one("token-file", cfg.token_file);
  if (cfg.token) {
    const auto* file = r.get("token-file");
    s["token"].push_back({"<redacted>", file ? file->source : "env " + std::string(token_env)});
  }
  one("tls-cert", cfg.tls ? cfg.tls->cert : "");
  one("tls-key", cfg.tls ? cfg.tls->key : "");
  one("tls-ca", cfg.tls ? cfg.tls->ca : "");
  one("log-level", cfg.log_level);
  // Scheduler keys not given are chosen by the runtime (threads: one per worker actor plus one, as
  // src/runtime.cpp sets them) or left to CAF 0.17 (policy, throughput).
  auto caf_or = [&](std::string_view key, std::string fallback) {
    auto i = rt.caf_settings.find(std::string(key));
    one(key, i == rt.caf_settings.end() ? std::move(fallback) : i->second);
  };
  caf_or("scheduler.max-threads", std::to_string(std::uint64_t{rt.local_workers} + 1));
  caf_or("scheduler.policy", "stealing");
  caf_or("scheduler.max-throughput", std::to_string(u64_max));
  caf_or("middleman.heartbeat-interval", "");
  caf_or("middleman.connection-timeout", "");
  return s;
}

} // namespace

app_config parse_command_line(int argc, const char* const* argv, const job_check& check) {
  app_config cfg;
  if (argc <= 1) {
    return cfg;
  }
  // --help and --version win wherever they stand, even beside mistakes.
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      cfg.mode = app_mode::help;
      return cfg;
    }
  }
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--version") {
      cfg.mode = app_mode::version;
      return cfg;
    }
  }

  auto words = split_argv(argc, argv);
  if (words.positionals.empty()) {
    throw usage_error("missing mode: cohort master|worker [OPTIONS] (see --help)");
  }
  unsigned mode = 0;
  if (words.positionals.front() == "master") {
    cfg.mode = app_mode::master;
    mode = for_master;
  } else if (words.positionals.front() == "worker") {
    cfg.mode = app_mode::worker;
    mode = for_worker;
  } else {
    throw usage_error("unknown mode '" + words.positionals.front() + "' (master | worker)");
  }
  if (words.positionals.size() > 1) {
    throw usage_error("unexpected argument '" + words.positionals[1] + "'");
  }
  for (const auto& [key, values] : words.options) {
    const auto* def = find_def(key);
    if ((def->modes & mode) == 0) {
      throw usage_error("option --" + key + " is for " + mode_name(def->modes) + " mode");
    }
  }

  given_map file;
  if (auto c = words.options.find("config"); c != words.options.end()) {
    if (c->second.front().text.empty()) {
      bad("config", c->second.front(), "must not be empty");
    }
    file = read_config(c->second.front().text, mode);
  }
  auto given = merge(words.options, std::move(file));
  reader r(given);

  auto& rt = cfg.runtime;
  job_request defaults;
  if (mode == for_master) {
    rt.local_workers = r.u32("local-workers", rt.local_workers, 0);
    rt.min_workers = r.u32("min-workers", rt.min_workers, 0);
    rt.wait_for_workers = r.duration("wait-for-workers", rt.wait_for_workers);
    auto policy =
        r.choice("dispatch", "least-loaded", {"least-loaded", "round-robin", "designated"});
    rt.dispatch = policy == "round-robin"  ? dispatch_policy::round_robin
                  : policy == "designated" ? dispatch_policy::designated
                                           : dispatch_policy::least_loaded;
    rt.progress = r.flag("progress");
    if (const auto* v = r.get("spawn-on")) {
      std::string_view rest = v->text;
      while (true) {
        auto comma = rest.find(',');
        cfg.spawn_on.push_back(r.address("spawn-on", *v, rest.substr(0, comma), false));
        if (comma == std::string_view::npos) {
          break;
        }
        rest.remove_prefix(comma + 1);
      }
    }
    cfg.limits.max_message_size = r.size("max-message-size", cfg.limits.max_message_size);
    cfg.limits.max_tasks = r.u64("max-tasks", cfg.limits.max_tasks, 1);
    cfg.limits.max_result_size = r.size("max-result-size", cfg.limits.max_result_size);
    cfg.output_path = r.text("output");
    defaults = job_defaults(r);
  } else {
    rt.local_workers = r.u32("workers", rt.local_workers, 1);
    rt.slowdown = r.factor("slowdown", rt.slowdown);
    if (const auto* v = r.get("master")) {
      cfg.master = r.address("master", *v, v->text, false);
    }
    cfg.connect_timeout = r.duration("connect-timeout", cfg.connect_timeout);
    cfg.exit_with_master = r.flag("exit-with-master");
    cfg.drain_timeout = r.duration("drain-timeout", cfg.drain_timeout);
  }
  if (const auto* v = r.get("listen")) {
    cfg.listen = r.address("listen", *v, v->text, true);
  }
  rt.slots = r.u32("slots", rt.slots, 1);
  rt.concurrency = r.u32("concurrency", rt.concurrency, 1);
  rt.batch = r.u32("batch", rt.batch, 1);
  rt.tags = r.tags("tags");
  cfg.allow_exec = r.flag("allow-exec");
  if (cfg.allow_exec) {
    rt.capabilities.push_back("exec");
  }
  cfg.log_level =
      r.choice("log-level", cfg.log_level, {"trace", "debug", "info", "warn", "error", "off"});
  read_caf_settings(r, rt.caf_settings);
  read_security(r, cfg);
  cfg.insecure = r.flag("insecure");
  if (cfg.listen && !cfg.tls && !cfg.insecure && !is_loopback(cfg.listen->host)) {
    throw usage_error(
        "--listen " + format_endpoint(*cfg.listen) +
        " is not a loopback address and TLS is off: CAF's plain port trusts whatever bytes "
        "arrive (a crafted header makes it allocate any size); give --tls-cert, --tls-key and "
        "--tls-ca, or --insecure on a network you trust");
  }
  if (mode == for_worker && cfg.master.has_value() == cfg.listen.has_value()) {
    throw usage_error(cfg.master ? "worker mode takes --master or --listen, not both"
                                 : "worker mode needs --master HOST:PORT or --listen [HOST:]PORT");
  }
  if (mode == for_master) {
    cfg.jobs = read_jobs(r, defaults, check);
  }
  cfg.print_config = r.flag("print-config");
  cfg.print_config_text = render(shown_settings(cfg, r, defaults, mode));
  return cfg;
}

std::string usage_text() {
  std::string out =
      "usage: cohort master [OPTIONS]   run jobs; print one JSON line per job on stdout\n"
      "       cohort worker [OPTIONS]   join a master (--master) or serve as a spawn "
      "node (--listen)\n"
      "       cohort --help | --version\n"
      "\nDUR: a number with a unit (ns, us, ms, s, min, h), e.g. 500ms, 1.5s, 2min, "
      "or off. SIZE: bytes, or with B, KiB, MiB, GiB.\n";
  std::size_t width = 0;
  for (const auto& d : option_defs) {
    width = std::max(width, d.name.size() + d.arg.size() + 3);
  }
  constexpr std::pair<unsigned, std::string_view> sections[] = {
      {for_master, "master options"},
      {for_worker, "worker options"},
      {for_both, "options of both modes"}};
  for (const auto& [modes, title] : sections) {
    out += "\n" + std::string(title) + ":\n";
    for (const auto& d : option_defs) {
      if (d.modes != modes) {
        continue;
      }
      std::string left = "--" + std::string(d.name);
      if (!d.arg.empty()) {
        left += " " + std::string(d.arg);
      }
      out += "  " + left + std::string(width + 2 - left.size(), ' ') + std::string(d.help) + "\n";
    }
  }
  return out;
}

} // namespace cohort::app
