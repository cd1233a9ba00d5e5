// The command line: Boost.Program_options splits argv, our INI reader supplies the config file,
// and every value goes through the option schema, so the library gets typed values traceable to
// their source.
#include "app/command_line.hpp"

#include "app/ini.hpp"
#include "app/jobs_file.hpp"
#include "app/option_schema.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

namespace cohort::app {

namespace {

namespace po = boost::program_options;

constexpr std::string_view command_line = "command line";
constexpr std::string_view token_env = "COHORT_TOKEN";

using given_map = std::map<std::string, std::vector<given_value>, std::less<>>;

std::string mode_name(unsigned modes) {
  return modes == for_master ? "master" : "worker";
}

/// Command-line values by key, and the positional words, in order.
struct command_line_words {
  given_map options;
  std::vector<std::string> positionals;
};

command_line_words split_argv(int argc, const char* const* argv) {
  po::options_description desc;
  for (const auto& o : option_schema()) {
    std::string name(o.name);
    if ((o.traits & flag) != 0) {
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
    const auto* def = find_option(o.string_key);
    auto& values = out.options[o.string_key];
    if ((def->traits & repeated) == 0 && !values.empty()) {
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
    const auto* def = find_option(e.key);
    if (def == nullptr) {
      throw usage_error(where + ": unknown key '" + e.key + "'");
    }
    if ((def->traits & command_line_only) != 0) {
      throw usage_error(where + ": key '" + e.key + "' belongs on the command line");
    }
    if ((def->modes & mode) == 0) {
      throw usage_error(where + ": key '" + e.key + "' is for " + mode_name(def->modes) + " mode");
    }
    auto& values = out[e.key];
    if ((def->traits & repeated) == 0 && !values.empty()) {
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

const given_value* first(const given_map& given, std::string_view key) {
  auto i = given.find(key);
  return i == given.end() ? nullptr : &i->second.front();
}

void read_security(parse_state& s, const given_map& given) {
  auto& net = s.mode == for_master ? s.cfg.master.network : s.cfg.worker.network;
  if (!s.token_file.empty()) {
    auto what = label("token-file", *first(given, "token-file"));
    auto token = read_whole(what, s.token_file);
    auto begin = token.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) {
      throw usage_error(what + ": '" + s.token_file + "' holds no token");
    }
    net.token = token.substr(begin, token.find_last_not_of(" \t\r\n") - begin + 1);
  } else if (const char* env = std::getenv(token_env.data()); env != nullptr && *env != '\0') {
    net.token = env;
  }

  const std::pair<std::string_view, const std::string*> files[] = {
      {"tls-cert", &s.tls_cert}, {"tls-key", &s.tls_key}, {"tls-ca", &s.tls_ca}};
  std::string missing;
  bool any = false;
  for (const auto& [key, file] : files) {
    if (file->empty()) {
      missing += (missing.empty() ? "--" : ", --") + std::string(key);
      continue;
    }
    any = true;
    read_whole(label(key, *first(given, key)), *file);
  }
  if (any && !missing.empty()) {
    throw usage_error("--tls-cert, --tls-key and --tls-ca go together: missing " + missing);
  }
  if (any) {
    net.tls = tls_files{s.tls_cert, s.tls_key, s.tls_ca};
  }
  if (net.listen && !net.tls && !s.insecure && !is_loopback(net.listen->host)) {
    throw usage_error(
        "--listen " + to_string(*net.listen) +
        " is not a loopback address and TLS is off: CAF's plain port trusts whatever bytes "
        "arrive (a crafted header makes it allocate any size); give --tls-cert, --tls-key and "
        "--tls-ca, or --insecure on a network you trust");
  }
}

void read_jobs(parse_state& s, const given_map& given, const registry& kinds) {
  const auto* jobs = first(given, "jobs");
  const auto* kind = first(given, "job");
  const auto* param = first(given, "param");
  if (jobs != nullptr && kind != nullptr) {
    throw usage_error(label("job", *kind) + " cannot be combined with --jobs");
  }
  if (jobs != nullptr && param != nullptr) {
    throw usage_error(label("param", *param) + " '" + param->text +
                      "' cannot be combined with --jobs (params go in the jobs file)");
  }
  if (jobs != nullptr) {
    try {
      s.cfg.jobs = read_jobs_file(s.jobs_file, s.job_defaults, kinds);
    } catch (const jobs_file_error& e) {
      throw usage_error(e.what());
    }
    return;
  }
  if (kind == nullptr && param != nullptr) {
    throw usage_error(label("param", *param) + " '" + param->text + "' needs --job KIND");
  }
  job_request job = s.job_defaults;
  if (kind == nullptr) {
    auto fallback = default_job();
    job.kind = fallback.kind;
    job.args = fallback.args;
  } else {
    job.kind = s.job_kind;
    job.args = s.job_params;
  }
  try {
    s.cfg.jobs.push_back(check_job(kinds, std::move(job)));
  } catch (const param_error& e) {
    throw usage_error(e.what());
  }
}

/// What --print-config shows, built from the final state so it shows what will be used.
std::string print_config(const parse_state& s, const given_map& given) {
  std::map<std::string, std::vector<given_value>> shown;
  for (const auto& o : option_schema()) {
    if ((o.modes & s.mode) == 0 || o.name == "print-config") {
      continue;
    }
    auto& out = shown[std::string(o.name)];
    auto g = given.find(o.name);
    if (g != given.end() && (o.traits & repeated) != 0) {
      out = g->second;
      continue;
    }
    auto source = g == given.end() ? std::string("default") : g->second.front().source;
    for (auto& row : o.show(s)) {
      out.push_back({std::move(row), source});
    }
  }
  const auto& net = s.mode == for_master ? s.cfg.master.network : s.cfg.worker.network;
  if (net.token) {
    const auto* file = first(given, "token-file");
    shown["token"].push_back({"<redacted>", file ? file->source : "env " + std::string(token_env)});
  }
  std::string text;
  for (const auto& [key, rows] : shown) {
    for (const auto& row : rows) {
      text += key + " = " + row.text + "  # " + row.source + "\n";
    }
  }
  return text;
}

} // namespace

app_config parse_command_line(int argc, const char* const* argv, const registry& kinds) {
  parse_state s;
  if (argc <= 1) {
    return s.cfg;
  }
  // --help and --version win wherever they stand, even beside mistakes.
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      s.cfg.mode = app_mode::help;
      return s.cfg;
    }
  }
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--version") {
      s.cfg.mode = app_mode::version;
      return s.cfg;
    }
  }

  auto words = split_argv(argc, argv);
  if (words.positionals.empty()) {
    throw usage_error("missing mode: cohort master|worker [OPTIONS] (see --help)");
  }
  const auto& mode_word = words.positionals.front();
  if (mode_word == "kinds") {
    if (!words.options.empty()) {
      throw usage_error("cohort kinds takes no options");
    }
    if (words.positionals.size() > 2) {
      throw usage_error("unexpected argument '" + words.positionals[2] + "'");
    }
    s.cfg.mode = app_mode::kinds;
    if (words.positionals.size() == 2) {
      s.cfg.kind = words.positionals[1];
      if (!kinds.find(s.cfg.kind)) {
        throw usage_error("unknown job kind '" + s.cfg.kind + "' (see cohort kinds)");
      }
    }
    return s.cfg;
  }
  if (mode_word == "master") {
    s.cfg.mode = app_mode::master;
    s.mode = for_master;
  } else if (mode_word == "worker") {
    s.cfg.mode = app_mode::worker;
    s.mode = for_worker;
  } else {
    throw usage_error("unknown mode '" + mode_word + "' (master | worker | kinds)");
  }
  if (words.positionals.size() > 1) {
    throw usage_error("unexpected argument '" + words.positionals[1] + "'");
  }
  for (const auto& [key, values] : words.options) {
    const auto* def = find_option(key);
    if ((def->modes & s.mode) == 0) {
      throw usage_error("option --" + key + " is for " + mode_name(def->modes) + " mode");
    }
  }

  given_map file;
  if (auto c = words.options.find("config"); c != words.options.end()) {
    const auto& path = c->second.front();
    if (path.text.empty()) {
      bad("config", path, "must not be empty");
    }
    file = read_config(path.text, s.mode);
  }
  auto given = merge(words.options, std::move(file));
  for (const auto& o : option_schema()) {
    if (auto g = given.find(o.name); g != given.end()) {
      for (const auto& v : g->second) {
        o.apply(s, v);
      }
    }
  }
  read_security(s, given);
  if (s.mode == for_worker) {
    const auto& w = s.cfg.worker;
    if (w.master.has_value() == w.network.listen.has_value()) {
      throw usage_error(w.master ? "worker mode takes --master or --listen, not both"
                                 : "worker mode needs --master HOST:PORT or --listen [HOST:]PORT");
    }
  } else {
    read_jobs(s, given, kinds);
  }
  s.cfg.print_config_text = print_config(s, given);
  return s.cfg;
}

} // namespace cohort::app
